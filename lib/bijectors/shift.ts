// (placeholder) shift
export {};
