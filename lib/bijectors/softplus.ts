// (placeholder) softplus
export {};
