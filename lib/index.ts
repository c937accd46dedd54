/**
 * randvar: probabilistic programming for TypeScript with a native hot path.
 *
 * @example
 * import * as rv from 'randvar';
 * const x = rv.tensor([[1, 2], [3, 4]]);
 * x.mul(2).add(1).exp().sum().dataSync();
 */
export { Tensor, type NestedArray } from './tensor/tensor';
export type { DType, TypedArray } from './tensor/dtype';
export { tensorValue, type TensorLike, type TensorSource } from './tensor/convert';
export type { Shape } from './tensor/shape';
export { tidy, keep, dispose } from './tensor/scope';
export { opTable } from './tensor/op';
export * from './tensor/ops/elementwise';
export * from './tensor/ops/creation';
export * from './tensor/runtime';
export { devices, getDevice, setDevice, withDevice, synchronize, cudaUnavailableReason, type Device, type DeviceInfo, type DeviceOptions } from './tensor/device';
export * from './tensor/ops/reduction';
export * from './tensor/ops/view';
export * from './tensor/ops/layout';
export * from './tensor/ops/indexing';
export * from './tensor/ops/matmul';
export * from './tensor/ops/linalg';
export * from './tensor/ops/special';
export * from './tensor/ops/cross-entropy';
export * from './tensor/ops/random';
export * from './autodiff/grad';
export * from './autodiff/vmap';
export { jit, type JitOptions } from './autodiff/jit';
export * as distributions from './distributions/index';
export * as bijectors from './bijectors/index';
export * from './core/index';
export * from './inference/index';
export * from './io/index';
