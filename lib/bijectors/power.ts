/** A power of positive reals. */
import type { TensorLike } from '../tensor/convert';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';
import { paramOf, requireParam } from './params';

export interface PowerOptions extends BijectorOptions {
  /** The exponent, non-zero. */
  power: TensorLike;
}

/**
 * Y = X^power on (0, ∞) (onto (0, ∞)); log |dY/dX| = log |power| + (power − 1) · log X.
 * Unlike TFP's Power, odd integer powers are not extended to negative X: the domain is always
 * the positive reals.
 *
 * @example
 * new rv.bijectors.Power({ power: 2 }).forward([3]);  // [9]
 */
export class Power extends Bijector {
  readonly power: TensorLike;

  constructor(options: PowerOptions) {
    const name = options.name ?? 'Power';
    super({ name, forwardMinEventNdims: 0, validateArgs: options.validateArgs });
    this.power = options.power;
    requireParam(this.validateArgs, this.power, (p) => ops.notEqual(p, 0), name, 'power must be non-zero');
  }

  protected forwardImpl(x: Tensor): Tensor {
    return ops.pow(x, this.param(x));
  }

  protected inverseImpl(y: Tensor): Tensor {
    return ops.pow(y, ops.reciprocal(this.param(y)));
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    const p = this.param(x);
    return ops.add(ops.log(ops.abs(p)), ops.mul(ops.sub(p, 1), ops.log(x)));
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    // x = y^(1/p): log |dx/dy| = −log |p| + (1/p − 1) · log y.
    const p = this.param(y);
    return ops.sub(ops.mul(ops.sub(ops.reciprocal(p), 1), ops.log(y)), ops.log(ops.abs(p)));
  }

  private param(like: Tensor): Tensor {
    return paramOf(this.power, like.dtype, this.name, 'power');
  }
}
