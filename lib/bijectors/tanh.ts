// (placeholder) tanh
export {};
