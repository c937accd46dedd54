/**
 * The exponential distribution.
 */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as constraints from './constraints';
import type { DistributionOptions } from './distribution';
import { registerKL } from './kl';
import * as ops from './ops';
import { klResult, ScalarDistribution } from './shared';

export interface ExponentialInit extends DistributionOptions {
  /** The rate (positive); the mean is 1/rate. */
  rate: TensorLike;
}

/**
 * The exponential distribution, density rate·e^(−rate·x) for x ≥ 0, as TFP's `Exponential`.
 * Samples are reparameterised (E/rate for a standard exponential E).
 *
 * @example
 * const d = new rv.distributions.Exponential({ rate: [1, 2] });
 * d.mean();  // [1, 0.5]
 */
export class Exponential extends ScalarDistribution {
  readonly hasRsample = true;
  readonly support = constraints.nonNegative;
  readonly rate: Tensor;

  constructor({ rate, ...options }: ExponentialInit) {
    super('Exponential', { rate }, options);
    this.rate = this.parameters.rate;
    this.requirePositive('rate');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return ops.div(ops.randomExponential(this.drawShape(sampleShape), 1, this.dtype, seed), this.rate);
  }

  protected logProbImpl(value: Tensor): Tensor {
    return ops.sub(ops.log(this.rate), ops.mul(this.rate, value));
  }

  /** 1 − e^(−rate·x), 0 below the support. */
  override cdf(value: TensorLike): Tensor {
    return ops.neg(ops.expm1(ops.neg(this.scaled(this.value(value, 'cdf')))));
  }

  override logCdf(value: TensorLike): Tensor {
    return ops.log1mexp(this.scaled(this.value(value, 'logCdf')));
  }

  override quantile(p: TensorLike): Tensor {
    return ops.div(ops.neg(ops.log1p(ops.neg(this.value(p, 'quantile')))), this.rate);
  }

  override mean(): Tensor {
    return this.full(ops.reciprocal(this.rate));
  }

  override variance(): Tensor {
    return this.full(ops.reciprocal(ops.square(this.rate)));
  }

  override mode(): Tensor {
    return this.full(0);
  }

  override entropy(): Tensor {
    return this.full(ops.sub(1, ops.log(this.rate)));
  }

  /** rate·max(x, 0). */
  private scaled(x: Tensor): Tensor {
    return ops.mul(this.rate, ops.maximum(x, 0));
  }
}

/** KL(Exp(a) ‖ Exp(b)) = log(a/b) + b/a − 1. */
registerKL(Exponential, Exponential, (p, q) => {
  const ratio = ops.div(q.rate, p.rate);
  return klResult(p, q, ops.sub(ops.sub(ratio, ops.log(ratio)), 1));
});
