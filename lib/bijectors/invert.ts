// (placeholder) invert
export {};
