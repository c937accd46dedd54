// (placeholder) uniform
export {};
