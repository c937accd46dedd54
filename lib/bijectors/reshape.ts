// (placeholder) reshape
export {};
