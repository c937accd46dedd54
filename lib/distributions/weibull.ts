// (placeholder) weibull
export {};
