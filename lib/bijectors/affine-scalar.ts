// (placeholder) affine-scalar
export {};
