// (placeholder) chi2
export {};
