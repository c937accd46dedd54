// (placeholder) stick-breaking
export {};
