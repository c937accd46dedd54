// (placeholder) mixture
export {};
