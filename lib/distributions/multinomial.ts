/** Multinomial: counts of K classes over totalCount independent draws (TFP's Multinomial). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { Categorical } from './categorical';
import type { Constraint } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import { broadcastBatch, countVector, isCount, oneOf, type ProbsOrLogits } from './discrete-shared';
import * as ops from './ops';
import { floatParams } from './params';

export interface MultinomialArgs extends DistributionOptions {
  /** The number of draws, a non-negative integer. */
  totalCount: TensorLike;
  /** Class probabilities on the last axis (a simplex). Give this or `logits`. */
  probs?: TensorLike;
  /** Unnormalised log-probabilities on the last axis. Give this or `probs`. */
  logits?: TensorLike;
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
export class Multinomial extends Distribution {
  readonly hasRsample = false;
  readonly support: Constraint;
  readonly totalCount: Tensor;
  /** One draw: the categorical over the classes (it holds and checks probs or logits). */
  readonly categorical: Categorical;

  constructor(args: MultinomialArgs) {
    const name = args.name ?? 'Multinomial';
    const form = oneOf(name, { probs: args.probs, logits: args.logits });
    const { dtype, tensors } = floatParams(name, { totalCount: args.totalCount, [form]: args[form] } as Record<'totalCount' | ProbsOrLogits, TensorLike>);
    const categorical = new Categorical({ [form]: tensors[form], validateArgs: args.validateArgs, name });
    const batchShape = broadcastBatch(name, { totalCount: tensors.totalCount.shape, [`${form} (batch)`]: categorical.batchShape });
    super({ name: 'Multinomial', dtype, batchShape, eventShape: [categorical.numClasses], parameters: { totalCount: tensors.totalCount, [form]: tensors[form] }, options: args });
    this.totalCount = tensors.totalCount;
    this.categorical = categorical;
    this.support = countVector(this.totalCount);
    if (this.validateArgs) this.requireAll(isCount(this.totalCount), '', 'totalCount must be a non-negative integer');
  }

  /** The class probabilities, batchShape + [K]. */
  probsParameter(): Tensor {
    return this.categorical.probsParameter();
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
    const p = this.probsParameter();
    return ops.mul(ops.mul(ops.expandDims(this.totalCount, -1), p), ops.sub(1, p));
  }

  /** n (diag(p) − p pᵀ), batchShape + [K, K]. */
  covariance(): Tensor {
    const p = this.probsParameter();
    const n = ops.expandDims(ops.expandDims(this.totalCount, -1), -1);
    const outer = ops.mul(ops.expandDims(p, -1), ops.expandDims(p, -2));
    return ops.mul(n, ops.sub(ops.matrixDiag(p), outer));
  }
}
