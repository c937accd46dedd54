// (placeholder) half-cauchy
export {};
