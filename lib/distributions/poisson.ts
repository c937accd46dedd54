// (placeholder) poisson
export {};
