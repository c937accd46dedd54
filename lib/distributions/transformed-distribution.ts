// (placeholder) transformed-distribution
export {};
