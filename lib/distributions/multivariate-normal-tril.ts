// (placeholder) multivariate-normal-tril
export {};
