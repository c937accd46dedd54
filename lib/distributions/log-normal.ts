// (placeholder) log-normal
export {};
