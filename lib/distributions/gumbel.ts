// (placeholder) gumbel
export {};
