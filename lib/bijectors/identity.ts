/** The identity map. */
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';

/**
 * Y = X: the default bijector of unconstrained supports.
 *
 * @example
 * new rv.bijectors.Identity().forward([1, 2]);  // [1, 2]
 */
export class Identity extends Bijector {
  constructor(options: BijectorOptions = {}) {
    super({ name: options.name ?? 'Identity', forwardMinEventNdims: 0, isConstantJacobian: true, validateArgs: options.validateArgs });
  }

  protected forwardImpl(x: Tensor): Tensor {
    return x;
  }

  protected inverseImpl(y: Tensor): Tensor {
    return y;
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return ops.zerosLike(x);
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return ops.zerosLike(y);
  }
}
