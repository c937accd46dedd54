// (placeholder) logistic
export {};
