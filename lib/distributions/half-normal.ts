// (placeholder) half-normal
export {};
