/** The tensor ops the distributions use, in one namespace (lib/distributions may use any op below it). */
export * from '../tensor/ops/elementwise';
export * from '../tensor/ops/creation';
export * from '../tensor/ops/reduction';
export * from '../tensor/ops/view';
export * from '../tensor/ops/layout';
export * from '../tensor/ops/indexing';
export * from '../tensor/ops/matmul';
export * from '../tensor/ops/linalg';
export * from '../tensor/ops/special';
export * from '../tensor/ops/cross-entropy';
export * from '../tensor/ops/random';
