/** The exponential map onto the positive reals. */
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';

/**
 * Y = exp(X), from the reals onto (0, ∞); log |dY/dX| = X. The default bijector of positive
 * supports (as in TFP and Stan).
 *
 * @example
 * new rv.bijectors.Exp().forward([0, 1]);  // [1, 2.718...]
 */
export class Exp extends Bijector {
  constructor(options: BijectorOptions = {}) {
    super({ name: options.name ?? 'Exp', forwardMinEventNdims: 0, validateArgs: options.validateArgs });
  }

  protected forwardImpl(x: Tensor): Tensor {
    return ops.exp(x);
  }

  protected inverseImpl(y: Tensor): Tensor {
    return ops.log(y);
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return x;
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return ops.neg(ops.log(y));
  }
}
