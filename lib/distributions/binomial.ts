// (placeholder) binomial
export {};
