// (placeholder) power
export {};
