// (placeholder) empirical
export {};
