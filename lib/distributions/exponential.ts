// (placeholder) exponential
export {};
