// (placeholder) pareto
export {};
