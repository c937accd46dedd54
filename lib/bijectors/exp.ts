// (placeholder) exp
export {};
