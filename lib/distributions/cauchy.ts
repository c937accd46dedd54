/**
 * The Cauchy distribution.
 */
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as ops from './ops';
import { LocationScale, type LocationScaleInit, openUniform, type StandardMoments } from './shared';

/**
 * The Cauchy distribution with location `loc` (its median and mode) and scale `scale` (half the
 * interquartile range), as TFP's `Cauchy`. Its mean and variance are undefined: NaN. Samples are
 * reparameterised (by the inverse CDF).
 *
 * @example
 * const d = new rv.distributions.Cauchy({ loc: 0, scale: 1 });
 * d.cdf(1);  // 0.75
 */
export class Cauchy extends LocationScale {
  protected readonly standardMoments: StandardMoments = { mean: NaN, variance: NaN, mode: 0, entropy: Math.log(4 * Math.PI) };

  constructor(init: LocationScaleInit) {
    super('Cauchy', init);
  }

  protected standardSample(shape: Shape, seed: Seed | undefined): Tensor {
    return this.standardQuantile(openUniform(shape, this.dtype, seed));
  }

  protected standardLogProb(z: Tensor): Tensor {
    return ops.neg(ops.add(ops.log1p(ops.square(z)), Math.log(Math.PI)));
  }

  /** ½ + atan(z)/π, written as atan2(1, −z)/π, which keeps its relative accuracy in the left tail. */
  protected standardCdf(z: Tensor): Tensor {
    return ops.div(ops.atan2(1, ops.neg(z)), Math.PI);
  }

  /** tan(π(p − ½)) = −cos(πp)/sin(πp), accurate for small p. */
  protected standardQuantile(p: Tensor): Tensor {
    const angle = ops.mul(p, Math.PI);
    return ops.neg(ops.div(ops.cos(angle), ops.sin(angle)));
  }
}
