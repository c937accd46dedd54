/**
 * The logistic distribution.
 */
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { logisticNoise } from './noise';
import * as ops from './ops';
import { logit } from './probs-logits';
import { LocationScale, type LocationScaleInit, type StandardMoments } from './shared';

/**
 * The logistic distribution with location `loc` and scale `scale`: CDF sigmoid((x − loc)/scale),
 * as TFP's `Logistic`. Samples are reparameterised (by the inverse CDF, the logit).
 *
 * @example
 * const d = new rv.distributions.Logistic({ loc: 0, scale: 1 });
 * d.cdf(0);  // 0.5
 */
export class Logistic extends LocationScale {
  protected readonly standardMoments: StandardMoments = { mean: 0, variance: (Math.PI * Math.PI) / 3, mode: 0, entropy: 2 };

  constructor(init: LocationScaleInit) {
    super('Logistic', init);
  }

  protected standardSample(shape: Shape, seed: Seed | undefined): Tensor {
    return logisticNoise(shape, this.dtype, seed);
  }

  /** −z − 2·softplus(−z), finite for large |z|. */
  protected standardLogProb(z: Tensor): Tensor {
    return ops.sub(ops.neg(z), ops.mul(ops.softplus(ops.neg(z)), 2));
  }

  protected standardCdf(z: Tensor): Tensor {
    return ops.sigmoid(z);
  }

  protected override standardLogCdf(z: Tensor): Tensor {
    return ops.logSigmoid(z);
  }

  protected standardQuantile(p: Tensor): Tensor {
    return logit(p);
  }
}
