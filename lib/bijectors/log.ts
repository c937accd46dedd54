// (placeholder) log
export {};
