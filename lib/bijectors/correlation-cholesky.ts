// (placeholder) correlation-cholesky
export {};
