/** Softmax with a pinned last logit, onto the simplex. */
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';
import { appendZero, resizeLastDim } from './params';

/**
 * Y = softmax([X, 0]): vectors of length k−1 onto the probability simplex in R^k (TFP's
 * SoftmaxCentered); the inverse is log Y_i − log Y_k for i < k.
 *
 * The log-det Jacobian is that of X ↦ (Y_1, …, Y_{k−1}), the simplex's own coordinates (the
 * ones Dirichlet densities are written in): Σᵢ log Yᵢ over all k entries. TFP adds ½·log k to
 * measure volume on the simplex as a surface in R^k instead; leaving it out keeps transformed
 * densities comparable with Dirichlet's and with StickBreaking's.
 *
 * @example
 * new rv.bijectors.SoftmaxCentered().forward([0, 0]);  // [1/3, 1/3, 1/3]
 */
export class SoftmaxCentered extends Bijector {
  constructor(options: BijectorOptions = {}) {
    super({ name: options.name ?? 'SoftmaxCentered', forwardMinEventNdims: 1, validateArgs: options.validateArgs });
  }

  override forwardEventShape(shape: Shape): Shape {
    return resizeLastDim(shape, 1, this.name);
  }

  override inverseEventShape(shape: Shape): Shape {
    return resizeLastDim(shape, -1, this.name);
  }

  protected forwardImpl(x: Tensor): Tensor {
    return ops.softmax(appendZero(x, this.name), -1);
  }

  protected inverseImpl(y: Tensor): Tensor {
    const [head, last] = ops.split(ops.log(y), [y.shape[y.rank - 1] - 1, 1], -1);
    return ops.sub(head, last);
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return ops.sum(ops.logSoftmax(appendZero(x, this.name), -1), -1);
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return ops.neg(ops.sum(ops.log(y), -1));
  }
}
