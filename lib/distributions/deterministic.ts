// (placeholder) deterministic
export {};
