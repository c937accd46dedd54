/** NegativeBinomial: successes before totalCount failures (TFP's NegativeBinomial). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { BinaryDistribution } from './binary-distribution';
import { type Constraint, nonNegativeInteger } from './constraints';
import * as ops from './ops';
import { positiveFinite } from './params';
import { binaryLogLikelihood, type ProbsOrLogitsArgs } from './probs-logits';
import { splitSeed } from './shared';

/** probs: the success probability of each trial; or logits: its log-odds. */
export interface NegativeBinomialArgs extends ProbsOrLogitsArgs {
  /** The number of failures that ends the trials, > 0 (need not be an integer). */
  totalCount: TensorLike;
}

/**
 * The negative binomial distribution: the number of successes (probability `probs`) before
 * `totalCount` failures, P(k) = Γ(k + r) / (k! Γ(r)) pᵏ (1 − p)ʳ. It is the gamma–Poisson
 * mixture Poisson(λ), λ ~ Gamma(r, rate (1 − p)/p), which is how it is sampled.
 *
 * @example
 * const d = new rv.distributions.NegativeBinomial({ totalCount: 5, probs: 0.5 });
 * d.mean();       // 5
 * d.variance();   // 10
 */
export class NegativeBinomial extends BinaryDistribution {
  readonly hasRsample = false;
  readonly support: Constraint = nonNegativeInteger;
  readonly totalCount: Tensor;

  constructor(args: NegativeBinomialArgs) {
    super('NegativeBinomial', args, { totalCount: args.totalCount });
    this.totalCount = this.parameters.totalCount;
    this.requireParam(this.totalCount, positiveFinite, 'totalCount must be positive');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const [gammaSeed, poissonSeed] = splitSeed(seed, 2);
    const r = ops.broadcastTo(this.totalCount, this.batchShape);
    // Gamma rate (1 − p)/p = exp(−logits).
    const rate = ops.broadcastTo(ops.exp(ops.neg(this.logitsParameter())), this.batchShape);
    const lambda = ops.randomGamma(sampleShape, r, rate, this.dtype, gammaSeed);
    return ops.randomPoisson([], lambda, this.dtype, poissonSeed);
  }

  protected logProbImpl(value: Tensor): Tensor {
    const r = this.totalCount;
    const logCoefficient = ops.sub(ops.lgamma(ops.add(value, r)), ops.add(ops.lgamma(ops.add(value, 1)), ops.lgamma(r)));
    return ops.add(logCoefficient, binaryLogLikelihood(this.form, this.param, value, () => r));
  }

  /** r p / (1 − p) = r e^logits. */
  override mean(): Tensor {
    return ops.mul(this.totalCount, ops.exp(this.logitsParameter()));
  }

  /** r p / (1 − p)². */
  override variance(): Tensor {
    return ops.div(this.mean(), ops.sigmoid(ops.neg(this.logitsParameter())));
  }

  /** floor((r − 1) p / (1 − p)) for r > 1, else 0. */
  override mode(): Tensor {
    const m = ops.floor(ops.mul(ops.sub(this.totalCount, 1), ops.exp(this.logitsParameter())));
    return ops.where(ops.greater(this.totalCount, 1), m, 0);
  }
}
