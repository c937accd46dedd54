// (placeholder) cauchy
export {};
