// (placeholder) chain
export {};
