/**
 * The half-Cauchy distribution.
 */
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as constraints from './constraints';
import * as ops from './ops';
import { LocationScale, type LocationScaleInit, openUniform, type StandardMoments } from './shared';

/**
 * The half-Cauchy distribution, as TFP's `HalfCauchy`: the right half of a Cauchy(loc, scale),
 * density 2/(π·scale·(1 + z²)) for x ≥ loc, z = (x − loc)/scale. Its mean and variance are
 * infinite. Samples are reparameterised (by the inverse CDF).
 *
 * @example
 * const d = new rv.distributions.HalfCauchy({ loc: 0, scale: 2 });
 * d.quantile(0.5);  // 2
 */
export class HalfCauchy extends LocationScale {
  override readonly support: constraints.Constraint;
  protected readonly standardMoments: StandardMoments = { mean: Infinity, variance: Infinity, mode: 0, entropy: Math.log(2 * Math.PI) };

  constructor(init: LocationScaleInit) {
    super('HalfCauchy', init);
    this.support = new constraints.GreaterThan(this.loc, true);
  }

  protected standardSample(shape: Shape, seed: Seed | undefined): Tensor {
    return this.standardQuantile(openUniform(shape, this.dtype, seed));
  }

  protected standardLogProb(z: Tensor): Tensor {
    return ops.sub(Math.log(2 / Math.PI), ops.log1p(ops.square(z)));
  }

  /** (2/π)·atan(z) for z ≥ 0, and 0 below the support. */
  protected standardCdf(z: Tensor): Tensor {
    return ops.mul(ops.atan2(ops.maximum(z, 0), 1), 2 / Math.PI);
  }

  protected standardQuantile(p: Tensor): Tensor {
    const angle = ops.mul(p, Math.PI / 2);
    return ops.div(ops.sin(angle), ops.cos(angle));
  }
}
