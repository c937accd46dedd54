// (placeholder) independent
export {};
