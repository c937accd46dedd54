// (placeholder) student-t
export {};
