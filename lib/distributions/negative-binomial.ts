// (placeholder) negative-binomial
export {};
