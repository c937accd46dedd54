/** RelaxedOneHotCategorical: the Concrete distribution on the simplex (TFP's RelaxedOneHotCategorical). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { ClassVectorDistribution } from './class-vector-distribution';
import { type Constraint, simplex } from './constraints';
import { gumbelNoise } from './noise';
import * as ops from './ops';
import { positiveFinite } from './params';
import type { ProbsOrLogitsArgs } from './probs-logits';

/** probs: class probabilities on the last axis (a simplex); or logits: unnormalised log-probabilities. */
export interface RelaxedOneHotCategoricalArgs extends ProbsOrLogitsArgs {
  /** The temperature λ > 0: samples approach one-hot vectors as λ → 0. */
  temperature: TensorLike;
}

/**
 * The relaxed one-hot categorical (Concrete, Gumbel-softmax) distribution: X = softmax((logits +
 * G) / λ) for Gumbel noise G, a reparameterised stand-in for a OneHotCategorical draw, with
 * density (Maddison et al. 2017) Γ(K) λ^(K−1) Πₖ (pₖ xₖ^(−λ−1)) / (Σₖ pₖ xₖ^(−λ))^K.
 *
 * @example
 * const d = new rv.distributions.RelaxedOneHotCategorical({ temperature: 0.5, probs: [0.1, 0.3, 0.6] });
 * d.sample([2], { seed: 1 });   // shape [2, 3], rows on the simplex
 */
export class RelaxedOneHotCategorical extends ClassVectorDistribution {
  readonly hasRsample = true;
  readonly support: Constraint = simplex;
  readonly temperature: Tensor;

  constructor(args: RelaxedOneHotCategoricalArgs) {
    super('RelaxedOneHotCategorical', args, { temperature: args.temperature });
    this.temperature = this.parameters.temperature;
    this.requireParam(this.temperature, positiveFinite, 'temperature must be positive');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const noise = gumbelNoise([...sampleShape, ...this.batchShape, ...this.eventShape], this.dtype, seed);
    const logits = this.categorical.classLogProbs();
    return ops.softmax(ops.div(ops.add(logits, noise), ops.expandDims(this.temperature, -1)), -1);
  }

  /** log Γ(K) + (K − 1) log λ + Σ (log pₖ − (λ + 1) log xₖ) − K logΣexp(log pₖ − λ log xₖ). */
  protected logProbImpl(value: Tensor): Tensor {
    const k = this.eventShape[0];
    const lambda = ops.expandDims(this.temperature, -1);
    const logP = this.categorical.classLogProbs();
    const logX = ops.log(value);
    const scores = ops.sub(logP, ops.mul(lambda, logX));
    const constant = ops.add(ops.mul(ops.log(this.temperature), k - 1), lgammaOf(k));
    const sums = ops.sub(ops.sum(ops.sub(scores, logX), -1), ops.mul(ops.logSumExp(scores, -1), k));
    return ops.add(constant, sums);
  }
}

/** log Γ(k) = log (k − 1)! for a positive integer k. */
function lgammaOf(k: number): number {
  let total = 0;
  for (let i = 2; i < k; i++) total += Math.log(i);
  return total;
}
