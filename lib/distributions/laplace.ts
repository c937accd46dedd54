// (placeholder) laplace
export {};
