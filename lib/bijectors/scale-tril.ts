// (placeholder) scale-tril
export {};
