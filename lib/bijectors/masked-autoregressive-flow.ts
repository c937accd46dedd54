// (placeholder) masked-autoregressive-flow
export {};
