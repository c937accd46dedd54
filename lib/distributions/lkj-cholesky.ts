// (placeholder) lkj-cholesky
export {};
