// (placeholder) sigmoid
export {};
