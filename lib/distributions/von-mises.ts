// (placeholder) von-mises
export {};
