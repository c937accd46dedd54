// (placeholder) categorical
export {};
