/** Multinomial: counts of K classes over totalCount independent draws (TFP's Multinomial). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { ClassVectorDistribution } from './class-vector-distribution';
import { type Constraint, countVector } from './constraints';
import * as ops from './ops';
import { count } from './params';
import { indicatorVariance, type ProbsOrLogitsArgs } from './probs-logits';

/** probs: class probabilities on the last axis (a simplex); or logits: unnormalised log-probabilities. */
export interface MultinomialArgs extends ProbsOrLogitsArgs {
  /** The number of draws, a non-negative integer. */
  totalCount: TensorLike;
}

/**
 * The multinomial distribution: how many of `totalCount` independent categorical draws fall in
 * each of K classes; events are count vectors of shape [K] (in the parameters' float dtype).
 *
 * @example
 * const d = new rv.distributions.Multinomial({ totalCount: 10, probs: [0.2, 0.3, 0.5] });
 * d.sample([2], { seed: 1 });   // shape [2, 3], rows summing to 10
 * d.logProb([2, 3, 5]);
 */
export class Multinomial extends ClassVectorDistribution {
  readonly hasRsample = false;
  readonly support: Constraint;
  readonly totalCount: Tensor;

  constructor(args: MultinomialArgs) {
    super('Multinomial', args, { totalCount: args.totalCount });
    this.totalCount = this.parameters.totalCount;
    this.support = countVector(this.totalCount);
    this.requireParam(this.totalCount, count, 'totalCount must be a non-negative integer');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return ops.randomMultinomial(sampleShape, this.totalCount, this.probsParameter(), this.dtype, seed);
  }

  /** log n! − Σ log xₖ! + Σ xₖ log pₖ (a class of probability 0 contributes only with a count). */
  protected logProbImpl(value: Tensor): Tensor {
    const logFactorials = ops.sub(ops.lgamma(ops.add(this.totalCount, 1)), ops.sum(ops.lgamma(ops.add(value, 1)), -1));
    const counted = ops.where(ops.equal(value, 0), 0, ops.mul(value, this.categorical.classLogProbs()));
    return ops.add(logFactorials, ops.sum(counted, -1));
  }

  /** n p. */
  override mean(): Tensor {
    return ops.mul(ops.expandDims(this.totalCount, -1), this.probsParameter());
  }

  /** n p (1 − p), per class. */
  override variance(): Tensor {
    return ops.mul(ops.expandDims(this.totalCount, -1), indicatorVariance(this.probsParameter()));
  }

  /** n (diag(p) − p pᵀ), batchShape + [K, K]. */
  covariance(): Tensor {
    const p = this.probsParameter();
    const n = ops.expandDims(ops.expandDims(this.totalCount, -1), -1);
    const outer = ops.mul(ops.expandDims(p, -1), ops.expandDims(p, -2));
    return ops.mul(n, ops.sub(ops.matrixDiag(p), outer));
  }
}
