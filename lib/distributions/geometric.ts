/** Geometric: failures before the first success (TFP's Geometric). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, nonNegativeInteger } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import { binaryEntropy, binaryLogits, binaryLogLikelihood, binaryLogProbs, binaryProbs, isProbability, oneOf, type ProbsOrLogits } from './discrete-shared';
import * as ops from './ops';
import { floatParams } from './params';
import { openUniform } from './shared';

export interface GeometricArgs extends DistributionOptions {
  /** The success probability of each trial, in (0, 1]. Give this or `logits`. */
  probs?: TensorLike;
  /** The log-odds of success. Give this or `probs`. */
  logits?: TensorLike;
}

/**
 * The geometric distribution: the number of failures before the first success, each trial a
 * success with probability `probs`; P(k) = (1 − p)ᵏ p. Values are counts in the parameter's
 * float dtype.
 *
 * @example
 * const d = new rv.distributions.Geometric({ probs: 0.25 });
 * d.mean();     // 3
 * d.cdf(1);     // 1 − 0.75²
 */
export class Geometric extends Distribution {
  readonly hasRsample = false;
  readonly support: Constraint = nonNegativeInteger;
  /** Which parameter was given. */
  readonly form: ProbsOrLogits;
  private readonly param: Tensor;

  constructor(args: GeometricArgs) {
    const form = oneOf('Geometric', { probs: args.probs, logits: args.logits });
    const { dtype, tensors } = floatParams('Geometric', { [form]: args[form] } as Record<ProbsOrLogits, TensorLike>);
    const param = tensors[form];
    super({ name: 'Geometric', dtype, batchShape: param.shape, parameters: { [form]: param }, options: args });
    this.form = form;
    this.param = param;
    if (this.validateArgs && form === 'probs') {
      this.requireAll(ops.logicalAnd(isProbability(param), ops.greater(param, 0)), '', 'probs must lie in (0, 1]');
    }
  }

  /** The success probability. */
  probsParameter(): Tensor {
    return binaryProbs(this.form, this.param);
  }

  /** The log-odds of success. */
  logitsParameter(): Tensor {
    return binaryLogits(this.form, this.param);
  }

  /** Inversion: floor(log U / log(1 − p)) for U uniform in (0, 1). */
  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const u = openUniform([...sampleShape, ...this.batchShape], this.dtype, seed);
    return ops.floor(ops.div(ops.log(u), binaryLogProbs(this.form, this.param).log1mP));
  }

  protected logProbImpl(value: Tensor): Tensor {
    return binaryLogLikelihood(this.form, this.param, 1, value);
  }

  /** P(X <= value) = 1 − (1 − p)^(floor(value) + 1). */
  override cdf(value: TensorLike): Tensor {
    const k = ops.floor(this.value(value, 'cdf'));
    const { log1mP } = binaryLogProbs(this.form, this.param);
    const body = ops.neg(ops.expm1(ops.mul(ops.add(ops.maximum(k, 0), 1), log1mP)));
    return ops.where(ops.greaterEqual(k, 0), body, 0);
  }

  /** (1 − p) / p = e^(−logits). */
  override mean(): Tensor {
    return ops.exp(ops.neg(this.logitsParameter()));
  }

  /** (1 − p) / p². */
  override variance(): Tensor {
    return ops.div(this.mean(), this.probsParameter());
  }

  override mode(): Tensor {
    return ops.zerosLike(this.probsParameter());
  }

  /** (−p log p − (1 − p) log(1 − p)) / p. */
  override entropy(): Tensor {
    return ops.div(binaryEntropy(this.form, this.param), this.probsParameter());
  }
}
