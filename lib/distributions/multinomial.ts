// (placeholder) multinomial
export {};
