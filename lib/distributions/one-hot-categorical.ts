/** OneHotCategorical: one of K classes, as an int32 one-hot vector (TFP's OneHotCategorical). */
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { Categorical, type CategoricalArgs } from './categorical';
import type { Constraint } from './constraints';
import { IntegerValuedDistribution, oneHot } from './discrete-shared';
import { klDivergence, registerKL } from './kl';
import * as ops from './ops';

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
export class OneHotCategorical extends IntegerValuedDistribution {
  readonly hasRsample = false;
  readonly support: Constraint = oneHot;
  /** The same distribution over class indices. */
  readonly categorical: Categorical;

  constructor(args: CategoricalArgs) {
    // The categorical converts and checks the parameters, in this family's name.
    const categorical = new Categorical({ ...args, name: args.name ?? 'OneHotCategorical' });
    super({ name: 'OneHotCategorical', dtype: 'int32', paramDType: categorical.paramDType, batchShape: categorical.batchShape, eventShape: [categorical.numClasses], parameters: categorical.parameters, options: args });
    this.categorical = categorical;
  }

  /** The class probabilities, batchShape + [K]. */
  probsParameter(): Tensor {
    return this.categorical.probsParameter();
  }

  /** The logits as given, or log(probs). */
  logitsParameter(): Tensor {
    return this.categorical.logitsParameter();
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
    const p = this.probsParameter();
    return ops.mul(p, ops.sub(1, p));
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
