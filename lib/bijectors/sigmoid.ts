/** The logistic sigmoid onto an interval. */
import type { TensorLike } from '../tensor/convert';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';
import { paramOf, requireParam } from './params';

export interface SigmoidOptions extends BijectorOptions {
  /** The lower end of the image (default 0; give both ends or neither). */
  low?: TensorLike;
  /** The upper end of the image (default 1), above low. */
  high?: TensorLike;
}

/**
 * Y = low + (high − low) · σ(X), from the reals onto (low, high) (TFP's Sigmoid; (0, 1) by
 * default); log |dY/dX| = log(high − low) + log σ(X) + log σ(−X). The default bijector of
 * interval supports.
 *
 * @example
 * new rv.bijectors.Sigmoid().forward([0]);                       // [0.5]
 * new rv.bijectors.Sigmoid({ low: -1, high: 3 }).inverse([1]);  // [0]
 */
export class Sigmoid extends Bijector {
  readonly low: TensorLike;
  readonly high: TensorLike;

  constructor(options: SigmoidOptions = {}) {
    const name = options.name ?? 'Sigmoid';
    super({ name, forwardMinEventNdims: 0, validateArgs: options.validateArgs });
    if ((options.low === undefined) !== (options.high === undefined)) {
      throw new Error(`${name}: give both low and high, or neither`);
    }
    this.low = options.low ?? 0;
    this.high = options.high ?? 1;
    requireParam(this.validateArgs, this.low, (low) => ops.less(low, paramOf(this.high, 'float64', name, 'high')), name, 'low must be below high');
  }

  protected forwardImpl(x: Tensor): Tensor {
    // high·σ(x) + low·σ(−x) rather than low + (high − low)·σ(x): exact at both ends.
    const { low, high } = this.params(x);
    return ops.add(ops.mul(high, ops.sigmoid(x)), ops.mul(low, ops.sigmoid(ops.neg(x))));
  }

  protected inverseImpl(y: Tensor): Tensor {
    const { low, high } = this.params(y);
    return ops.sub(ops.log(ops.sub(y, low)), ops.log(ops.sub(high, y)));
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    const { low, high } = this.params(x);
    return ops.sub(ops.log(ops.sub(high, low)), ops.add(ops.softplus(x), ops.softplus(ops.neg(x))));
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    const { low, high } = this.params(y);
    return ops.sub(ops.log(ops.sub(high, low)), ops.add(ops.log(ops.sub(y, low)), ops.log(ops.sub(high, y))));
  }

  private params(like: Tensor): { low: Tensor; high: Tensor } {
    return {
      low: paramOf(this.low, like.dtype, this.name, 'low'),
      high: paramOf(this.high, like.dtype, this.name, 'high'),
    };
  }
}
