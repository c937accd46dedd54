// (placeholder) dirichlet
export {};
