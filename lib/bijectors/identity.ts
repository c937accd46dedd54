// (placeholder) identity
export {};
