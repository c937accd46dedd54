/** Categorical: one of K classes, as an int32 index (TFP's Categorical). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import { sizeOf, type Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, integerInterval, simplex } from './constraints';
import { Distribution } from './distribution';
import { registerKL } from './kl';
import * as ops from './ops';
import { floatParams, oneOf, requireRank } from './params';
import { classLogProbs, classMask, classProbs, entropyFromLogProbs, klFromLogProbs, type ProbsOrLogits, type ProbsOrLogitsArgs } from './probs-logits';

/** probs: class probabilities on the last axis (a simplex); or logits: unnormalised log-probabilities. */
export type CategoricalArgs = ProbsOrLogitsArgs;

/**
 * The categorical distribution over the class indices 0..K−1, with `probs` or `logits` of
 * shape batchShape + [K]; samples are int32 of shape sampleShape + batchShape.
 *
 * @example
 * const die = new rv.distributions.Categorical({ logits: [0, 0, 0, 0, 0, 0] });
 * die.sample([5], { seed: 1 });   // int32 in 0..5
 * die.logProb(3);                 // log(1/6)
 */
export class Categorical extends Distribution {
  readonly hasRsample = false;
  readonly support: Constraint;
  /** Which parameter was given. */
  readonly form: ProbsOrLogits;
  /** The number of classes, K. */
  readonly numClasses: number;
  private readonly param: Tensor;

  constructor(args: CategoricalArgs) {
    const name = args.name ?? 'Categorical';
    const form = oneOf(name, { probs: args.probs, logits: args.logits });
    const { tensors } = floatParams(name, { [form]: args[form] } as Record<ProbsOrLogits, TensorLike>);
    const param = tensors[form];
    requireRank(name, form, param, 1, 'classes on the last axis');
    super({ name: 'Categorical', dtype: 'int32', batchShape: param.shape.slice(0, -1), parameters: { [form]: param }, options: args });
    this.form = form;
    this.param = param;
    this.numClasses = param.shape[param.rank - 1];
    this.support = integerInterval(0, this.numClasses - 1);
    if (this.validateArgs && form === 'probs') this.requireAll(simplex.check(param), '', 'probs must be probability vectors (non-negative, summing to 1 on the last axis)');
  }

  /** The class probabilities, batchShape + [K]. */
  probsParameter(): Tensor {
    return classProbs(this.form, this.param);
  }

  /** The logits as given, or log(probs). */
  logitsParameter(): Tensor {
    return this.form === 'logits' ? this.param : ops.log(this.param);
  }

  /** The normalised log-probability of every class, batchShape + [K]. */
  classLogProbs(): Tensor {
    return classLogProbs(this.form, this.param);
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const n = sizeOf(sampleShape);
    const batch = sizeOf(this.batchShape);
    const shape = [...sampleShape, ...this.batchShape];
    if (n === 0 || batch === 0) return ops.zeros(shape, 'int32');
    // The sampler takes a matrix of rows [batch, K] and draws [batch, n]; put the draws first.
    const rows = ops.reshape(this.param, [batch, this.numClasses]);
    const draws = ops.multinomial(rows, n, seed, this.form === 'probs');
    return ops.reshape(ops.transpose(draws), shape);
  }

  protected logProbImpl(value: Tensor): Tensor {
    return ops.sum(ops.where(classMask(value, this.numClasses), this.classLogProbs(), 0), -1);
  }

  /** P(X <= value): the probabilities of the classes up to floor(value). */
  override cdf(value: TensorLike): Tensor {
    const x = ops.floor(this.floatValue(value, 'cdf'));
    const upTo = ops.lessEqual(ops.arange(0, this.numClasses, 1, x.dtype), ops.expandDims(x, -1));
    return ops.sum(ops.where(upTo, this.probsParameter(), 0), -1);
  }

  /** The most probable class (the first of ties). */
  override mode(): Tensor {
    return ops.argMax(this.param, -1);
  }

  override entropy(): Tensor {
    return entropyFromLogProbs(this.classLogProbs());
  }
}

registerKL(Categorical, Categorical, (p, q) => klFromLogProbs(p.classLogProbs(), q.classLogProbs()));
