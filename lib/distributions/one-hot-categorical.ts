/** OneHotCategorical: one of K classes, as an int32 one-hot vector (TFP's OneHotCategorical). */
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import type { CategoricalArgs } from './categorical';
import { ClassVectorDistribution } from './class-vector-distribution';
import { type Constraint, oneHot } from './constraints';
import { klDivergence, registerKL } from './kl';
import * as ops from './ops';
import { indicatorVariance } from './probs-logits';

/**
 * The categorical distribution with its outcome written as a one-hot vector of length K (event
 * shape [K]), with `probs` or `logits` of shape batchShape + [K]. Mean, variance and KL are the
 * categorical's, per class.
 *
 * @example
 * const d = new rv.distributions.OneHotCategorical({ probs: [0.2, 0.3, 0.5] });
 * d.sample([2], { seed: 1 });   // int32 of shape [2, 3], one 1 per row
 * d.logProb([0, 0, 1]);         // log 0.5
 */
export class OneHotCategorical extends ClassVectorDistribution {
  readonly hasRsample = false;
  readonly support: Constraint = oneHot;

  constructor(args: CategoricalArgs) {
    super('OneHotCategorical', args, {}, 'int32');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return ops.oneHot(this.categorical.sample(sampleShape, { seed }), this.categorical.numClasses);
  }

  protected logProbImpl(value: Tensor): Tensor {
    return ops.sum(ops.where(ops.equal(value, 1), this.categorical.classLogProbs(), 0), -1);
  }

  override mean(): Tensor {
    return this.probsParameter();
  }

  override variance(): Tensor {
    return indicatorVariance(this.probsParameter());
  }

  /** The one-hot vector of the most probable class. */
  override mode(): Tensor {
    return ops.oneHot(this.categorical.mode(), this.categorical.numClasses);
  }

  override entropy(): Tensor {
    return this.categorical.entropy();
  }
}

registerKL(OneHotCategorical, OneHotCategorical, (p, q) => klDivergence(p.categorical, q.categorical));
