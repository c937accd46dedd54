// (placeholder) multivariate-normal-diag
export {};
