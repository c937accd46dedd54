// (placeholder) gamma
export {};
