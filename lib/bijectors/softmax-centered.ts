/** Softmax with a pinned last logit, onto the simplex. */
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import type { BijectorOptions } from './bijector';
import { appendZero } from './params';
import { SimplexBijector } from './simplex-bijector';

/**
 * Y = softmax([X, 0]): vectors of length k−1 onto the probability simplex in R^k (TFP's
 * SoftmaxCentered); the inverse is log Y_i − log Y_k for i < k.
 *
 * The log-det Jacobian is Σᵢ log Yᵢ over all k entries, in the simplex's own coordinates (see
 * SimplexBijector). TFP adds ½·log k to measure volume on the simplex as a surface in R^k
 * instead.
 *
 * @example
 * new rv.bijectors.SoftmaxCentered().forward([0, 0]);  // [1/3, 1/3, 1/3]
 */
export class SoftmaxCentered extends SimplexBijector {
  constructor(options: BijectorOptions = {}) {
    super('SoftmaxCentered', options);
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
}
