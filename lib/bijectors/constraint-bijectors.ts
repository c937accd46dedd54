// (placeholder) constraint-bijectors
export {};
