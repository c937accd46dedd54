/**
 * The base of the families parameterised by the probability of a binary outcome (Bernoulli,
 * Binomial, Geometric, NegativeBinomial, RelaxedBernoulli), given as probs or logits.
 */
import type { TensorLike } from '../tensor/convert';
import type { DType } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { Distribution } from './distribution';
import { batchShapeOf, floatParams, oneOf, probability, shapesOf } from './params';
import { binaryLogits, binaryProbs, type ProbsOrLogits, type ProbsOrLogitsArgs } from './probs-logits';

/**
 * A distribution with a success probability given as `probs` or `logits` (exactly one), beside
 * the family's other parameters (a totalCount, a temperature): all are converted to one float
 * dtype, broadcast into the batch shape, and probs are checked to lie in [0, 1].
 */
export abstract class BinaryDistribution extends Distribution {
  /** Which parameter was given. */
  readonly form: ProbsOrLogits;
  /** probs or logits, as given. */
  protected readonly param: Tensor;

  /**
   * `others` come first in `parameters`; `dtype` is the dtype of values when it is not the
   * parameters' float dtype (Bernoulli's int32).
   */
  protected constructor(name: string, args: ProbsOrLogitsArgs, others: Record<string, TensorLike> = {}, dtype?: DType) {
    const form = oneOf(name, { probs: args.probs, logits: args.logits });
    const { dtype: floatDType, tensors } = floatParams(name, { ...others, [form]: args[form] });
    super({ name, dtype: dtype ?? floatDType, batchShape: batchShapeOf(name, shapesOf(tensors)), parameters: tensors, options: args });
    this.form = form;
    this.param = tensors[form];
    if (form === 'probs') this.requireParam(this.param, probability, 'probs must lie in [0, 1]');
  }

  /** The success probability. */
  probsParameter(): Tensor {
    return binaryProbs(this.form, this.param);
  }

  /** The log-odds of success. */
  logitsParameter(): Tensor {
    return binaryLogits(this.form, this.param);
  }
}
