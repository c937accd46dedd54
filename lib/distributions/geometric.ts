/** Geometric: failures before the first success (TFP's Geometric). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { BinaryDistribution } from './binary-distribution';
import { type Constraint, nonNegativeInteger } from './constraints';
import * as ops from './ops';
import { positive } from './params';
import { binaryEntropy, binaryLogLikelihood, binaryLogProbs, type ProbsOrLogitsArgs } from './probs-logits';
import { openUniform } from './shared';

/** probs: the success probability of each trial, in (0, 1]; or logits: its log-odds. */
export type GeometricArgs = ProbsOrLogitsArgs;

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
export class Geometric extends BinaryDistribution {
  readonly hasRsample = false;
  readonly support: Constraint = nonNegativeInteger;

  constructor(args: GeometricArgs) {
    super('Geometric', args);
    // Beyond [0, 1]: with p = 0 there is never a success.
    if (this.form === 'probs') this.requireParam(this.param, positive, 'probs must lie in (0, 1]');
  }

  /** Inversion: floor(log U / log(1 − p)) for U uniform in (0, 1). */
  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const u = openUniform([...sampleShape, ...this.batchShape], this.dtype, seed);
    return ops.floor(ops.div(ops.log(u), binaryLogProbs(this.form, this.param).log1mP));
  }

  protected logProbImpl(value: Tensor): Tensor {
    return binaryLogLikelihood(this.form, this.param, 1, () => value);
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
