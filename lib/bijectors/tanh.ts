/** The hyperbolic tangent onto (−1, 1). */
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';

/**
 * Y = tanh(X), from the reals onto (−1, 1); log |dY/dX| = log(1 − tanh²X), computed as
 * 2·(log 2 − X − softplus(−2X)) so that it stays finite for large |X|.
 *
 * @example
 * new rv.bijectors.Tanh().forward([0]);  // [0]
 */
export class Tanh extends Bijector {
  constructor(options: BijectorOptions = {}) {
    super({ name: options.name ?? 'Tanh', forwardMinEventNdims: 0, validateArgs: options.validateArgs });
  }

  protected forwardImpl(x: Tensor): Tensor {
    return ops.tanh(x);
  }

  protected inverseImpl(y: Tensor): Tensor {
    // atanh(y) = ½ (log(1 + y) − log(1 − y)).
    return ops.mul(ops.sub(ops.log1p(y), ops.log1p(ops.neg(y))), 0.5);
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return ops.mul(ops.sub(ops.sub(Math.LN2, x), ops.softplus(ops.mul(x, -2))), 2);
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return ops.neg(ops.log1p(ops.neg(ops.square(y))));
  }
}
