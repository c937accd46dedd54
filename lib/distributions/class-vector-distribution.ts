/**
 * The base of the families over vectors of K classes (OneHotCategorical, Multinomial,
 * RelaxedOneHotCategorical), whose class probabilities are those of a Categorical.
 */
import type { TensorLike } from '../tensor/convert';
import type { DType } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { Categorical } from './categorical';
import { Distribution } from './distribution';
import { batchShapeOf, floatParams, oneOf, shapesOf } from './params';
import type { ProbsOrLogitsArgs } from './probs-logits';

/**
 * A distribution over vectors of K classes (event shape [K]) given class `probs` or `logits`
 * (exactly one) of shape [..., K], beside the family's other parameters (a totalCount, a
 * temperature): all are converted to one float dtype; the class parameter is held and checked
 * by a Categorical, and the batch shape broadcasts its batch with the other parameters.
 */
export abstract class ClassVectorDistribution extends Distribution {
  /** The distribution of one class index (it holds and checks probs or logits). */
  readonly categorical: Categorical;

  /**
   * `others` come first in `parameters`; `dtype` is the dtype of values when it is not the
   * parameters' float dtype (OneHotCategorical's int32).
   */
  protected constructor(family: string, args: ProbsOrLogitsArgs, others: Record<string, TensorLike> = {}, dtype?: DType) {
    const name = args.name ?? family;
    const form = oneOf(name, { probs: args.probs, logits: args.logits });
    const { dtype: floatDType, tensors } = floatParams(name, { ...others, [form]: args[form] });
    const { [form]: classParam, ...rest } = tensors;
    const categorical = new Categorical({ [form]: classParam, validateArgs: args.validateArgs, name });
    const batchShape = batchShapeOf(name, { ...shapesOf(rest), [`${form} (batch)`]: categorical.batchShape });
    super({ name: family, dtype: dtype ?? floatDType, batchShape, eventShape: [categorical.numClasses], parameters: tensors, options: args });
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
}
