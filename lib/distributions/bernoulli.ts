/** Bernoulli: 1 with probability p, else 0 (TFP's Bernoulli; int32 values). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { binary, type Constraint } from './constraints';
import type { DistributionOptions } from './distribution';
import { binaryEntropy, binaryLogLikelihood, binaryLogits, binaryLogProbs, binaryProbs, IntegerValuedDistribution, isProbability, klFromLogProbs, oneOf, type ProbsOrLogits } from './discrete-shared';
import { registerKL } from './kl';
import * as ops from './ops';
import { floatParams } from './params';

export interface BernoulliArgs extends DistributionOptions {
  /** P(X = 1), in [0, 1]. Give this or `logits`. */
  probs?: TensorLike;
  /** log(p / (1 − p)). Give this or `probs`. */
  logits?: TensorLike;
}

/**
 * The Bernoulli distribution over {0, 1}, parameterised by `probs` or `logits` (log-odds);
 * samples are int32. logProb in the logits form is log σ(±logits), stable for large logits.
 *
 * @example
 * const coin = new rv.distributions.Bernoulli({ logits: 0 });
 * coin.sample([10], { seed: 1 });   // int32 zeros and ones
 * coin.logProb([0, 1]);             // [log 0.5, log 0.5]
 */
export class Bernoulli extends IntegerValuedDistribution {
  readonly hasRsample = false;
  readonly support: Constraint = binary;
  /** Which parameter was given. */
  readonly form: ProbsOrLogits;
  private readonly param: Tensor;

  constructor(args: BernoulliArgs) {
    const form = oneOf('Bernoulli', { probs: args.probs, logits: args.logits });
    const { dtype, tensors } = floatParams('Bernoulli', { [form]: args[form] } as Record<ProbsOrLogits, TensorLike>);
    const param = tensors[form];
    super({ name: 'Bernoulli', dtype: 'int32', paramDType: dtype, batchShape: param.shape, parameters: { [form]: param }, options: args });
    this.form = form;
    this.param = param;
    if (this.validateArgs && form === 'probs') this.requireAll(isProbability(param), '', 'probs must lie in [0, 1]');
  }

  /** P(X = 1). */
  probsParameter(): Tensor {
    return binaryProbs(this.form, this.param);
  }

  /** log(p / (1 − p)). */
  logitsParameter(): Tensor {
    return binaryLogits(this.form, this.param);
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return ops.randomBernoulli([...sampleShape, ...this.batchShape], this.probsParameter(), 'int32', seed);
  }

  protected logProbImpl(value: Tensor): Tensor {
    return binaryLogLikelihood(this.form, this.param, value, ops.sub(1, value));
  }

  override cdf(value: TensorLike): Tensor {
    const x = this.value(value, 'cdf');
    const p = this.probsParameter();
    return ops.where(ops.less(x, 0), 0, ops.where(ops.less(x, 1), ops.sub(1, p), 1));
  }

  override mean(): Tensor {
    return this.probsParameter();
  }

  override variance(): Tensor {
    const p = this.probsParameter();
    return ops.mul(p, ops.sub(1, p));
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
