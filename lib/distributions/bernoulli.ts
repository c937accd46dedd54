/** Bernoulli: 1 with probability p, else 0 (TFP's Bernoulli; int32 values). */
import type { TensorLike } from '../tensor/convert';
import type { DType } from '../tensor/dtype';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { BinaryDistribution } from './binary-distribution';
import { binary, type Constraint } from './constraints';
import { registerKL } from './kl';
import * as ops from './ops';
import { binaryEntropy, binaryLogLikelihood, binaryLogProbs, indicatorVariance, klFromLogProbs, type ProbsOrLogitsArgs } from './probs-logits';

/** probs: P(X = 1), in [0, 1]; or logits: log(p / (1 − p)). */
export type BernoulliArgs = ProbsOrLogitsArgs;

/**
 * The Bernoulli distribution over {0, 1}, parameterised by `probs` or `logits` (log-odds);
 * samples are int32. logProb in the logits form is log σ(±logits), stable for large logits.
 *
 * @example
 * const coin = new rv.distributions.Bernoulli({ logits: 0 });
 * coin.sample([10], { seed: 1 });   // int32 zeros and ones
 * coin.logProb([0, 1]);             // [log 0.5, log 0.5]
 */
export class Bernoulli extends BinaryDistribution {
  readonly hasRsample = false;
  readonly support: Constraint = binary;

  constructor(args: BernoulliArgs) {
    super('Bernoulli', args, {}, 'int32');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return ops.randomBernoulli([...sampleShape, ...this.batchShape], this.probsParameter(), 'int32', seed);
  }

  /** Outcomes enter the formula as floats of the parameter's dtype. */
  protected override logProbValueDType(): DType {
    return this.param.dtype;
  }

  protected logProbImpl(value: Tensor): Tensor {
    return binaryLogLikelihood(this.form, this.param, value, () => ops.sub(1, value), 1);
  }

  override cdf(value: TensorLike): Tensor {
    const x = this.floatValue(value, 'cdf');
    const p = this.probsParameter();
    return ops.where(ops.less(x, 0), 0, ops.where(ops.less(x, 1), ops.sub(1, p), 1));
  }

  override mean(): Tensor {
    return this.probsParameter();
  }

  override variance(): Tensor {
    return indicatorVariance(this.probsParameter());
  }

  /** 1 where p > 1/2, else 0 (TFP's choice at p = 1/2). */
  override mode(): Tensor {
    return ops.cast(ops.greater(this.probsParameter(), 0.5), 'int32');
  }

  override entropy(): Tensor {
    return binaryEntropy(this.form, this.param);
  }

  /** log p and log(1 − p), for KL divergences. */
  outcomeLogProbs(): { logP: Tensor; log1mP: Tensor } {
    return binaryLogProbs(this.form, this.param);
  }
}

registerKL(Bernoulli, Bernoulli, (p, q) => {
  const a = p.outcomeLogProbs();
  const b = q.outcomeLogProbs();
  return ops.add(klFromLogProbs(a.logP, b.logP, null), klFromLogProbs(a.log1mP, b.log1mP, null));
});
