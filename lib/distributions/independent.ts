/** Independent: batch dims of a distribution read as event dims (TFP's Independent). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import { formatShape, type Shape, shapesEqual } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, reinterpreted } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import { klDivergence, registerKL } from './kl';
import * as ops from './ops';

export interface IndependentArgs extends DistributionOptions {
  /** The base distribution. */
  distribution: Distribution;
  /** How many of its last batch dims become event dims (default all). */
  reinterpretedBatchNdims?: number;
}

/** The last n axes of t summed (t itself when n is 0). */
function sumLast(t: Tensor, n: number): Tensor {
  if (n === 0) return t;
  return ops.sum(t, Array.from({ length: n }, (_, i) => -1 - i));
}

/**
 * The product of independent distributions over the last `reinterpretedBatchNdims` batch axes
 * of `distribution`, seen as one event: log-probabilities and entropies are summed over those
 * axes; samples and moments are the base's.
 *
 * @example
 * const base = new rv.distributions.Bernoulli({ probs: [0.1, 0.5, 0.9] });   // batch [3]
 * const d = new rv.distributions.Independent({ distribution: base, reinterpretedBatchNdims: 1 });
 * d.eventShape;               // [3]
 * d.logProb([0, 1, 1]);       // log(0.9 · 0.5 · 0.9)
 */
export class Independent extends Distribution {
  readonly hasRsample: boolean;
  readonly support: Constraint;
  readonly distribution: Distribution;
  readonly reinterpretedBatchNdims: number;

  constructor(args: IndependentArgs) {
    const base = args.distribution;
    const n = args.reinterpretedBatchNdims ?? base.batchShape.length;
    if (!Number.isInteger(n) || n < 0 || n > base.batchShape.length) {
      throw new Error(`Independent: reinterpretedBatchNdims must be an integer in [0, ${base.batchShape.length}] for a base of batch shape ${formatShape(base.batchShape)}, got ${String(n)}`);
    }
    const split = base.batchShape.length - n;
    super({
      name: 'Independent',
      dtype: base.dtype,
      batchShape: base.batchShape.slice(0, split),
      eventShape: [...base.batchShape.slice(split), ...base.eventShape],
      parameters: {},
      options: args,
    });
    this.distribution = base;
    this.reinterpretedBatchNdims = n;
    this.hasRsample = base.hasRsample;
    this.support = reinterpreted(base.support, n);
  }

  /** The base's log-probabilities (checked and masked by the base), summed over the reinterpreted axes. */
  override logProb(value: TensorLike): Tensor {
    return sumLast(this.distribution.logProb(value), this.reinterpretedBatchNdims);
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return this.distribution.sample(sampleShape, { seed });
  }

  protected logProbImpl(value: Tensor): Tensor {
    return this.logProb(value);
  }

  override cdf(value: TensorLike): Tensor {
    return ops.exp(this.logCdf(value));
  }

  override logCdf(value: TensorLike): Tensor {
    return sumLast(this.distribution.logCdf(value), this.reinterpretedBatchNdims);
  }

  override mean(): Tensor {
    return this.distribution.mean();
  }

  override variance(): Tensor {
    return this.distribution.variance();
  }

  override stddev(): Tensor {
    return this.distribution.stddev();
  }

  override mode(): Tensor {
    return this.distribution.mode();
  }

  override entropy(): Tensor {
    return sumLast(this.distribution.entropy(), this.reinterpretedBatchNdims);
  }
}

registerKL(Independent, Independent, (p, q) => {
  const sameEvents = shapesEqual(p.eventShape, q.eventShape) && p.distribution.eventShape.length === q.distribution.eventShape.length;
  if (!sameEvents) {
    throw new Error(`klDivergence: Independent distributions with different event structures (${formatShape(p.eventShape)} over a base event of rank ${p.distribution.eventShape.length}, ${formatShape(q.eventShape)} over rank ${q.distribution.eventShape.length})`);
  }
  return sumLast(klDivergence(p.distribution, q.distribution), p.reinterpretedBatchNdims);
});
