/**
 * The Gumbel (type I extreme value) distribution.
 */
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { gumbelNoise, gumbelQuantile } from './noise';
import * as ops from './ops';
import { LocationScale, type LocationScaleInit, type StandardMoments } from './shared';

const eulerGamma = 0.5772156649015329;

/**
 * The Gumbel distribution with location `loc` and scale `scale`: CDF exp(−exp(−(x − loc)/scale)),
 * as TFP's `Gumbel` (the distribution of a maximum). Samples are reparameterised (by the inverse
 * CDF).
 *
 * @example
 * const d = new rv.distributions.Gumbel({ loc: 0, scale: 1 });
 * d.mean();  // 0.5772 (Euler's constant)
 */
export class Gumbel extends LocationScale {
  protected readonly standardMoments: StandardMoments = { mean: eulerGamma, variance: (Math.PI * Math.PI) / 6, mode: 0, entropy: eulerGamma + 1 };

  constructor(init: LocationScaleInit) {
    super('Gumbel', init);
  }

  protected standardSample(shape: Shape, seed: Seed | undefined): Tensor {
    return gumbelNoise(shape, this.dtype, seed);
  }

  protected standardLogProb(z: Tensor): Tensor {
    return ops.neg(ops.add(z, ops.exp(ops.neg(z))));
  }

  protected standardCdf(z: Tensor): Tensor {
    return ops.exp(this.standardLogCdf(z));
  }

  protected override standardLogCdf(z: Tensor): Tensor {
    return ops.neg(ops.exp(ops.neg(z)));
  }

  protected standardQuantile(p: Tensor): Tensor {
    return gumbelQuantile(p);
  }
}
