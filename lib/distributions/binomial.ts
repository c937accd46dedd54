/** Binomial: successes in totalCount independent trials (TFP's Binomial). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { BinaryDistribution } from './binary-distribution';
import { type Constraint, integerInterval } from './constraints';
import * as ops from './ops';
import { count } from './params';
import { binaryLogLikelihood, indicatorVariance, type ProbsOrLogitsArgs } from './probs-logits';

/** probs: the success probability of each trial; or logits: its log-odds. */
export interface BinomialArgs extends ProbsOrLogitsArgs {
  /** The number of trials, a non-negative integer. */
  totalCount: TensorLike;
}

/**
 * The binomial distribution: the number of successes in `totalCount` trials, each a success with
 * probability `probs` (or σ(`logits`)). Values are counts in the parameters' float dtype.
 *
 * @example
 * const d = new rv.distributions.Binomial({ totalCount: 10, probs: 0.3 });
 * d.logProb(3);   // log(C(10, 3) 0.3³ 0.7⁷)
 * d.mean();       // 3
 */
export class Binomial extends BinaryDistribution {
  readonly hasRsample = false;
  readonly support: Constraint;
  readonly totalCount: Tensor;

  constructor(args: BinomialArgs) {
    super('Binomial', args, { totalCount: args.totalCount });
    this.totalCount = this.parameters.totalCount;
    this.support = integerInterval(0, this.totalCount);
    this.requireParam(this.totalCount, count, 'totalCount must be a non-negative integer');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return ops.randomBinomial([...sampleShape, ...this.batchShape], this.totalCount, this.probsParameter(), this.dtype, seed);
  }

  protected logProbImpl(value: Tensor): Tensor {
    const n = this.totalCount;
    const failures = ops.sub(n, value);
    const logChoose = ops.sub(ops.lgamma(ops.add(n, 1)), ops.add(ops.lgamma(ops.add(value, 1)), ops.lgamma(ops.add(failures, 1))));
    return ops.add(logChoose, binaryLogLikelihood(this.form, this.param, value, () => failures, n));
  }

  /** P(X <= value) = I_{1−p}(n − k, k + 1) for k = floor(value) in [0, n). */
  override cdf(value: TensorLike): Tensor {
    const k = ops.floor(this.value(value, 'cdf'));
    const n = this.totalCount;
    const inside = ops.logicalAnd(ops.greaterEqual(k, 0), ops.less(k, n));
    // betainc is evaluated at a safe point outside [0, n) and replaced there.
    const kSafe = ops.where(inside, k, 0);
    const nSafe = ops.where(inside, n, 1);
    const q = this.form === 'logits' ? ops.sigmoid(ops.neg(this.param)) : ops.sub(1, this.param);
    const body = ops.betainc(ops.sub(nSafe, kSafe), ops.add(kSafe, 1), q);
    return ops.where(inside, body, ops.where(ops.less(k, 0), 0, 1));
  }

  override mean(): Tensor {
    return ops.mul(this.totalCount, this.probsParameter());
  }

  override variance(): Tensor {
    return ops.mul(this.totalCount, indicatorVariance(this.probsParameter()));
  }

  /** floor((n + 1) p), at most n. */
  override mode(): Tensor {
    return ops.minimum(ops.floor(ops.mul(ops.add(this.totalCount, 1), this.probsParameter())), this.totalCount);
  }
}
