// (placeholder) beta
export {};
