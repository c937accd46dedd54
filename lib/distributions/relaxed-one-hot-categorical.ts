// (placeholder) relaxed-one-hot-categorical
export {};
