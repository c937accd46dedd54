// (placeholder) softmax-centered
export {};
