/**
 * The log-normal distribution.
 */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as constraints from './constraints';
import type { DistributionOptions } from './distribution';
import { registerKL } from './kl';
import * as ops from './ops';
import { halfLogTwoPi, klResult, logNormalCdf, normalKL, ScalarDistribution } from './shared';

export interface LogNormalInit extends DistributionOptions {
  /** The mean of log X. */
  loc: TensorLike;
  /** The standard deviation of log X (positive). */
  scale: TensorLike;
}

/**
 * The log-normal distribution, exp(Y) for Y ~ Normal(loc, scale), as TFP's `LogNormal`. Samples
 * are reparameterised (exp(loc + scale·z)).
 *
 * @example
 * const d = new rv.distributions.LogNormal({ loc: 0, scale: 1 });
 * d.mean();  // e^½
 */
export class LogNormal extends ScalarDistribution {
  readonly hasRsample = true;
  readonly support = constraints.positive;
  readonly loc: Tensor;
  readonly scale: Tensor;

  constructor({ loc, scale, ...options }: LogNormalInit) {
    super('LogNormal', { loc, scale }, options);
    this.loc = this.parameters.loc;
    this.scale = this.parameters.scale;
    this.requirePositive('scale');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const z = ops.randomNormal(this.drawShape(sampleShape), 0, 1, this.dtype, seed);
    return ops.exp(ops.add(this.loc, ops.mul(this.scale, z)));
  }

  protected logProbImpl(value: Tensor): Tensor {
    const logX = ops.log(value);
    const z = ops.div(ops.sub(logX, this.loc), this.scale);
    return ops.neg(ops.add(ops.add(ops.mul(ops.square(z), 0.5), halfLogTwoPi), ops.add(ops.log(this.scale), logX)));
  }

  /** Φ((log x − loc)/scale); 0 at and below 0. */
  override cdf(value: TensorLike): Tensor {
    return ops.mul(ops.erfc(ops.mul(this.standardized(this.value(value, 'cdf')), -Math.SQRT1_2)), 0.5);
  }

  override logCdf(value: TensorLike): Tensor {
    return logNormalCdf(this.standardized(this.value(value, 'logCdf')));
  }

  override quantile(p: TensorLike): Tensor {
    return ops.exp(ops.add(this.loc, ops.mul(this.scale, ops.ndtri(this.value(p, 'quantile')))));
  }

  override mean(): Tensor {
    return this.full(ops.exp(ops.add(this.loc, ops.mul(ops.square(this.scale), 0.5))));
  }

  /** (e^(σ²) − 1)·e^(2μ + σ²). */
  override variance(): Tensor {
    const s2 = ops.square(this.scale);
    return this.full(ops.mul(ops.expm1(s2), ops.exp(ops.add(ops.mul(this.loc, 2), s2))));
  }

  override mode(): Tensor {
    return this.full(ops.exp(ops.sub(this.loc, ops.square(this.scale))));
  }

  /** μ + ½ + log σ + ½ log 2π. */
  override entropy(): Tensor {
    return this.full(ops.add(ops.add(this.loc, ops.log(this.scale)), 0.5 + halfLogTwoPi));
  }

  /** (log x − loc)/scale, with x ≤ 0 mapped to −Infinity. */
  private standardized(x: Tensor): Tensor {
    const logX = ops.log(ops.maximum(x, 0));
    return ops.div(ops.sub(logX, this.loc), this.scale);
  }
}

/** The KL of the underlying normals (KL is invariant under the map exp). */
registerKL(LogNormal, LogNormal, (p, q) => klResult(p, q, normalKL(p.loc, p.scale, q.loc, q.scale)));
