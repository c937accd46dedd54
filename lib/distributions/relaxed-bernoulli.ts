// (placeholder) relaxed-bernoulli
export {};
