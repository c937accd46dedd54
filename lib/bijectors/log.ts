/** The logarithm, from the positive reals onto the reals. */
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';

/**
 * Y = log(X), from (0, ∞) onto the reals (the inverse of Exp); log |dY/dX| = −log X.
 *
 * @example
 * new rv.bijectors.Log().forward([1, Math.E]);  // [0, 1]
 */
export class Log extends Bijector {
  constructor(options: BijectorOptions = {}) {
    super({ name: options.name ?? 'Log', forwardMinEventNdims: 0, validateArgs: options.validateArgs });
  }

  protected forwardImpl(x: Tensor): Tensor {
    return ops.log(x);
  }

  protected inverseImpl(y: Tensor): Tensor {
    return ops.exp(y);
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return ops.neg(ops.log(x));
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return y;
  }
}
