// (placeholder) geometric
export {};
