/**
 * The normal (Gaussian) distribution.
 */
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { registerKL } from './kl';
import * as ops from './ops';
import { halfLogTwoPi, klResult, LocationScale, type LocationScaleInit, logNormalCdf, normalKL, type StandardMoments } from './shared';

/**
 * The normal distribution with mean `loc` and standard deviation `scale`, as TFP's `Normal`.
 * Samples are reparameterised (loc + scale·z).
 *
 * @example
 * const d = new rv.distributions.Normal({ loc: [0, 1], scale: 2 });
 * d.logProb(0.5);           // shape [2]
 * d.sample([100], { seed: 1 });  // shape [100, 2]
 */
export class Normal extends LocationScale {
  protected readonly standardMoments: StandardMoments = { mean: 0, variance: 1, mode: 0, entropy: 0.5 * Math.log(2 * Math.PI * Math.E) };

  constructor(init: LocationScaleInit) {
    super('Normal', init);
  }

  protected standardSample(shape: Shape, seed: Seed | undefined): Tensor {
    return ops.randomNormal(shape, 0, 1, this.dtype, seed);
  }

  protected standardLogProb(z: Tensor): Tensor {
    return ops.sub(ops.mul(ops.square(z), -0.5), halfLogTwoPi);
  }

  protected standardCdf(z: Tensor): Tensor {
    return ops.mul(ops.erfc(ops.mul(z, -Math.SQRT1_2)), 0.5);
  }

  protected override standardLogCdf(z: Tensor): Tensor {
    return logNormalCdf(z);
  }

  protected standardQuantile(p: Tensor): Tensor {
    return ops.ndtri(p);
  }
}

registerKL(Normal, Normal, (p, q) => klResult(p, q, normalKL(p.loc, p.scale, q.loc, q.scale)));
