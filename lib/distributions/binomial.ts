/** Binomial: successes in totalCount independent trials (TFP's Binomial). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, integerInterval } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import { binaryLogLikelihood, binaryProbs, broadcastBatch, isCount, isProbability, oneOf, type ProbsOrLogits } from './discrete-shared';
import * as ops from './ops';
import { floatParams } from './params';

export interface BinomialArgs extends DistributionOptions {
  /** The number of trials, a non-negative integer. */
  totalCount: TensorLike;
  /** The success probability of each trial. Give this or `logits`. */
  probs?: TensorLike;
  /** The log-odds of success. Give this or `probs`. */
  logits?: TensorLike;
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
export class Binomial extends Distribution {
  readonly hasRsample = false;
  readonly support: Constraint;
  /** Which parameter was given. */
  readonly form: ProbsOrLogits;
  readonly totalCount: Tensor;
  private readonly param: Tensor;

  constructor(args: BinomialArgs) {
    const form = oneOf('Binomial', { probs: args.probs, logits: args.logits });
    const { dtype, tensors } = floatParams('Binomial', { totalCount: args.totalCount, [form]: args[form] } as Record<'totalCount' | ProbsOrLogits, TensorLike>);
    const param = tensors[form];
    const batchShape = broadcastBatch('Binomial', { totalCount: tensors.totalCount.shape, [form]: param.shape });
    super({ name: 'Binomial', dtype, batchShape, parameters: { totalCount: tensors.totalCount, [form]: param }, options: args });
    this.form = form;
    this.param = param;
    this.totalCount = tensors.totalCount;
    this.support = integerInterval(0, this.totalCount);
    if (this.validateArgs) {
      this.requireAll(isCount(this.totalCount), '', 'totalCount must be a non-negative integer');
      if (form === 'probs') this.requireAll(isProbability(param), '', 'probs must lie in [0, 1]');
    }
  }

  /** The success probability. */
  probsParameter(): Tensor {
    return binaryProbs(this.form, this.param);
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return ops.randomBinomial([...sampleShape, ...this.batchShape], this.totalCount, this.probsParameter(), this.dtype, seed);
  }

  protected logProbImpl(value: Tensor): Tensor {
    const n = this.totalCount;
    const failures = ops.sub(n, value);
    const logChoose = ops.sub(ops.lgamma(ops.add(n, 1)), ops.add(ops.lgamma(ops.add(value, 1)), ops.lgamma(ops.add(failures, 1))));
    return ops.add(logChoose, binaryLogLikelihood(this.form, this.param, value, failures));
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
    const p = this.probsParameter();
    return ops.mul(ops.mul(this.totalCount, p), ops.sub(1, p));
  }

  /** floor((n + 1) p), at most n. */
  override mode(): Tensor {
    return ops.minimum(ops.floor(ops.mul(ops.add(this.totalCount, 1), this.probsParameter())), this.totalCount);
  }
}
