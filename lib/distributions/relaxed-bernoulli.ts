/** RelaxedBernoulli: the binary Concrete distribution on (0, 1) (TFP's RelaxedBernoulli). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { BinaryDistribution } from './binary-distribution';
import { type Constraint, Interval } from './constraints';
import { logisticNoise } from './noise';
import * as ops from './ops';
import { positiveFinite } from './params';
import type { ProbsOrLogitsArgs } from './probs-logits';

/** probs: the probability of 1 in the zero-temperature limit; or logits: its log-odds. */
export interface RelaxedBernoulliArgs extends ProbsOrLogitsArgs {
  /** The temperature λ > 0: samples approach Bernoulli draws as λ → 0. */
  temperature: TensorLike;
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
export class RelaxedBernoulli extends BinaryDistribution {
  readonly hasRsample = true;
  readonly support: Constraint = new Interval(0, 1, true);
  readonly temperature: Tensor;

  constructor(args: RelaxedBernoulliArgs) {
    super('RelaxedBernoulli', args, { temperature: args.temperature });
    this.temperature = this.parameters.temperature;
    this.requireParam(this.temperature, positiveFinite, 'temperature must be positive');
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
