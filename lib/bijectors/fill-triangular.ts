// (placeholder) fill-triangular
export {};
