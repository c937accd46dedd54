// (placeholder) one-hot-categorical
export {};
