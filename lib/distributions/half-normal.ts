/**
 * The half-normal distribution.
 */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as constraints from './constraints';
import type { DistributionOptions } from './distribution';
import { registerKL } from './kl';
import * as ops from './ops';
import { klResult, normalKL, ScalarDistribution } from './shared';

export interface HalfNormalInit extends DistributionOptions {
  /** The scale of the underlying normal (positive). */
  scale: TensorLike;
}

/**
 * The half-normal distribution, |X| for X ~ Normal(0, scale), as TFP's `HalfNormal`: density
 * √(2/π)/scale · exp(−x²/(2·scale²)) for x ≥ 0. Samples are reparameterised (scale·|z|).
 *
 * @example
 * const d = new rv.distributions.HalfNormal({ scale: 1 });
 * d.mean();  // √(2/π) = 0.7979
 */
export class HalfNormal extends ScalarDistribution {
  readonly hasRsample = true;
  readonly support = constraints.nonNegative;
  readonly scale: Tensor;

  constructor({ scale, ...options }: HalfNormalInit) {
    super('HalfNormal', { scale }, options);
    this.scale = this.parameters.scale;
    this.requirePositive('scale');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return ops.mul(this.scale, ops.abs(ops.randomNormal(this.drawShape(sampleShape), 0, 1, this.dtype, seed)));
  }

  protected logProbImpl(value: Tensor): Tensor {
    const z = ops.div(value, this.scale);
    return ops.sub(ops.sub(0.5 * Math.log(2 / Math.PI), ops.log(this.scale)), ops.mul(ops.square(z), 0.5));
  }

  /** erf(x/(scale·√2)), 0 below the support. */
  override cdf(value: TensorLike): Tensor {
    const x = ops.maximum(this.value(value, 'cdf'), 0);
    return ops.erf(ops.div(ops.mul(x, Math.SQRT1_2), this.scale));
  }

  override quantile(p: TensorLike): Tensor {
    return ops.mul(ops.mul(this.scale, Math.SQRT2), ops.erfinv(this.value(p, 'quantile')));
  }

  override mean(): Tensor {
    return this.full(ops.mul(this.scale, Math.sqrt(2 / Math.PI)));
  }

  override variance(): Tensor {
    return this.full(ops.mul(ops.square(this.scale), 1 - 2 / Math.PI));
  }

  override mode(): Tensor {
    return this.full(0);
  }

  override entropy(): Tensor {
    return this.full(ops.add(ops.log(this.scale), 0.5 * Math.log((Math.PI * Math.E) / 2)));
  }
}

/** Both have density 2·φ(x/σ)/σ on x ≥ 0, so the KL is that of the normals with equal locations. */
registerKL(HalfNormal, HalfNormal, (p, q) => klResult(p, q, normalKL(ops.zerosLike(p.scale), p.scale, ops.zerosLike(q.scale), q.scale)));
