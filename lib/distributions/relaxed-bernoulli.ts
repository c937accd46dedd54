/** RelaxedBernoulli: the binary Concrete distribution on (0, 1) (TFP's RelaxedBernoulli). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, Interval } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import { binaryLogits, binaryProbs, broadcastBatch, isPositive, isProbability, logisticNoise, oneOf, type ProbsOrLogits } from './discrete-shared';
import * as ops from './ops';
import { floatParams } from './params';

export interface RelaxedBernoulliArgs extends DistributionOptions {
  /** The temperature λ > 0: samples approach Bernoulli draws as λ → 0. */
  temperature: TensorLike;
  /** The probability of 1 in the zero-temperature limit. Give this or `logits`. */
  probs?: TensorLike;
  /** The log-odds. Give this or `probs`. */
  logits?: TensorLike;
}

/**
 * The relaxed (Concrete, Gumbel-softmax) Bernoulli: X = σ((logits + L) / λ) for logistic noise
 * L, a reparameterised stand-in for a Bernoulli draw. Its logit follows a logistic distribution
 * with location logits/λ and scale 1/λ, which gives the density.
 *
 * @example
 * const d = new rv.distributions.RelaxedBernoulli({ temperature: 0.5, probs: 0.3 });
 * d.sample([4], { seed: 1 });   // values in (0, 1), mostly near 0 or 1
 */
export class RelaxedBernoulli extends Distribution {
  readonly hasRsample = true;
  readonly support: Constraint = new Interval(0, 1, true);
  /** Which parameter was given. */
  readonly form: ProbsOrLogits;
  readonly temperature: Tensor;
  private readonly param: Tensor;

  constructor(args: RelaxedBernoulliArgs) {
    const form = oneOf('RelaxedBernoulli', { probs: args.probs, logits: args.logits });
    const { dtype, tensors } = floatParams('RelaxedBernoulli', { temperature: args.temperature, [form]: args[form] } as Record<'temperature' | ProbsOrLogits, TensorLike>);
    const param = tensors[form];
    const batchShape = broadcastBatch('RelaxedBernoulli', { temperature: tensors.temperature.shape, [form]: param.shape });
    super({ name: 'RelaxedBernoulli', dtype, batchShape, parameters: { temperature: tensors.temperature, [form]: param }, options: args });
    this.form = form;
    this.param = param;
    this.temperature = tensors.temperature;
    if (this.validateArgs) {
      this.requireAll(isPositive(this.temperature), '', 'temperature must be positive');
      if (form === 'probs') this.requireAll(isProbability(param), '', 'probs must lie in [0, 1]');
    }
  }

  /** The probability of 1 in the zero-temperature limit. */
  probsParameter(): Tensor {
    return binaryProbs(this.form, this.param);
  }

  /** The log-odds. */
  logitsParameter(): Tensor {
    return binaryLogits(this.form, this.param);
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const noise = logisticNoise([...sampleShape, ...this.batchShape], this.dtype, seed);
    return ops.sigmoid(ops.div(ops.add(this.logitsParameter(), noise), this.temperature));
  }

  /**
   * The logistic density of y = logit(x), log λ − u − 2 softplus(−u) with u = λy − logits, times
   * the Jacobian dy/dx = 1/(x(1 − x)).
   */
  protected logProbImpl(value: Tensor): Tensor {
    const logX = ops.log(value);
    const log1mX = ops.log1p(ops.neg(value));
    const u = ops.sub(ops.mul(this.temperature, ops.sub(logX, log1mX)), this.logitsParameter());
    const logistic = ops.sub(ops.sub(ops.log(this.temperature), u), ops.mul(ops.softplus(ops.neg(u)), 2));
    return ops.sub(logistic, ops.add(logX, log1mX));
  }
}
