/**
 * Shared pieces of the bijectors: parameters as tensors of the input's dtype, construction-time
 * checks of parameters, and the log-det Jacobian of maps whose Jacobian is constant.
 */
import type { TensorLike } from '../tensor/convert';
import type { DType } from '../tensor/dtype';
import { broadcastShapes, type Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { allTrue, tensorOf } from '../distributions/params';
import * as ops from '../distributions/ops';

/**
 * A parameter as a tensor of `dtype` (the dtype of the value it acts on): JS values are made in
 * that dtype, so that float64 inputs see float64 parameters, and tensors are cast to it, so
 * that a bijector's output keeps its input's dtype.
 */
export function paramOf(value: TensorLike, dtype: DType, owner: string, argument: string): Tensor {
  const t = tensorOf(value, owner, argument, dtype);
  return t.dtype === dtype ? t : ops.cast(t, dtype);
}

/**
 * With `validate`, throws `${owner}: ${message}` unless `condition(value)` holds everywhere; the
 * value is taken in float64, so that the check sees JS numbers exactly. Runs only at
 * construction, never on the hot path.
 */
export function requireParam(validate: boolean, value: TensorLike, condition: (t: Tensor) => Tensor, owner: string, message: string): void {
  if (!validate) return;
  if (!allTrue(condition(paramOf(value, 'float64', owner, 'parameter')))) throw new Error(`${owner}: ${message}`);
}

/**
 * The log-det Jacobian `value` (constant in x) broadcast to the batch shape of x: x's shape
 * without its last `eventNdims` dims, against the shape `value` has.
 */
export function constantLogDet(value: Tensor, x: Tensor, eventNdims: number): Tensor {
  const batch: Shape = x.shape.slice(0, x.rank - eventNdims);
  return ops.broadcastTo(value, broadcastShapes([batch, value.shape], ['x', 'log-det Jacobian']));
}

/** Vectors [..., k] with a zero appended, [..., k + 1]. */
export function appendZero(x: Tensor, owner: string): Tensor {
  if (x.rank < 1) throw new Error(`${owner}: expected vectors, got a scalar`);
  return ops.pad(x, [...x.shape.slice(0, -1).map((): [number, number] => [0, 0]), [0, 1]]);
}
