// (placeholder) mixture-same-family
export {};
