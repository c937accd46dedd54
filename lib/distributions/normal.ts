// (placeholder) normal
export {};
