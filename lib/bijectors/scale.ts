/** Multiplying by a constant. */
import type { TensorLike } from '../tensor/convert';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';
import { constantLogDet, paramOf, requireParam } from './params';

export interface ScaleOptions extends BijectorOptions {
  scale: TensorLike;
}

/**
 * Y = scale · X (elementwise; scale broadcasts against X, and must not be 0); the log-det
 * Jacobian is log |scale|.
 *
 * @example
 * new rv.bijectors.Scale({ scale: 2 }).forward([1, 3]);  // [2, 6]
 */
export class Scale extends Bijector {
  readonly scale: TensorLike;

  constructor(options: ScaleOptions) {
    const name = options.name ?? 'Scale';
    super({ name, forwardMinEventNdims: 0, isConstantJacobian: true, validateArgs: options.validateArgs });
    this.scale = options.scale;
    requireParam(this.validateArgs, this.scale, (s) => ops.notEqual(s, 0), name, 'scale must be non-zero');
  }

  protected forwardImpl(x: Tensor): Tensor {
    return ops.mul(x, this.param(x));
  }

  protected inverseImpl(y: Tensor): Tensor {
    return ops.div(y, this.param(y));
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return constantLogDet(ops.log(ops.abs(this.param(x))), x, 0);
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return ops.neg(this.forwardLogDetJacobianImpl(y));
  }

  private param(like: Tensor): Tensor {
    return paramOf(this.scale, like.dtype, this.name, 'scale');
  }
}
