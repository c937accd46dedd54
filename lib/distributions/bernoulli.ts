// (placeholder) bernoulli
export {};
