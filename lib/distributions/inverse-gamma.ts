// (placeholder) inverse-gamma
export {};
