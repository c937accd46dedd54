/** The softplus map onto the positive reals. */
import type { TensorLike } from '../tensor/convert';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';
import { paramOf, requireParam } from './params';

export interface SoftplusOptions extends BijectorOptions {
  /** c in Y = c · log(1 + exp(X / c)): smaller is closer to max(X, 0) (default 1, non-zero). */
  hingeSoftness?: TensorLike;
}

/**
 * Y = c · softplus(X / c) = c · log(1 + exp(X / c)), from the reals onto (0, ∞) (TFP's Softplus);
 * log |dY/dX| = log σ(X / c). Unlike Exp it grows linearly, which keeps large steps tame.
 *
 * @example
 * new rv.bijectors.Softplus().forward([0]);                        // [0.693...]
 * new rv.bijectors.Softplus({ hingeSoftness: 0.1 }).forward([1]);  // [1.0000045...]
 */
export class Softplus extends Bijector {
  readonly hingeSoftness: TensorLike;

  constructor(options: SoftplusOptions = {}) {
    const name = options.name ?? 'Softplus';
    super({ name, forwardMinEventNdims: 0, validateArgs: options.validateArgs });
    this.hingeSoftness = options.hingeSoftness ?? 1;
    requireParam(this.validateArgs, this.hingeSoftness, (c) => ops.notEqual(c, 0), name, 'hingeSoftness must be non-zero');
  }

  protected forwardImpl(x: Tensor): Tensor {
    const c = this.param(x);
    return ops.mul(c, ops.softplus(ops.div(x, c)));
  }

  protected inverseImpl(y: Tensor): Tensor {
    // softplus⁻¹(u) = log(expm1(u)) = u + log(1 − exp(−u)), which neither overflows for large u
    // nor loses digits for small u.
    const c = this.param(y);
    const u = ops.div(y, c);
    return ops.mul(c, ops.add(u, ops.log1mexp(ops.neg(u))));
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return ops.logSigmoid(ops.div(x, this.param(x)));
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return ops.neg(ops.log1mexp(ops.neg(ops.div(y, this.param(y)))));
  }

  private param(like: Tensor): Tensor {
    return paramOf(this.hingeSoftness, like.dtype, this.name, 'hingeSoftness');
  }
}
