// (placeholder) scale
export {};
