/**
 * The gamma distribution.
 */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as constraints from './constraints';
import type { DistributionOptions } from './distribution';
import { registerKL } from './kl';
import * as ops from './ops';
import { klResult, ScalarDistribution, standardGammaSample } from './shared';

export interface GammaInit extends DistributionOptions {
  /** The shape α (positive). */
  concentration: TensorLike;
  /** The rate β (positive); the mean is α/β. */
  rate: TensorLike;
}

/**
 * The gamma distribution with concentration α and rate β, density
 * β^α x^(α−1) e^(−βx)/Γ(α) for x > 0, as TFP's `Gamma`. Samples are reparameterised: in β
 * directly (x = g/β), in α by implicit reparameterisation (see shared.ts).
 *
 * @example
 * const d = new rv.distributions.Gamma({ concentration: 2, rate: [1, 4] });
 * d.mean();  // [2, 0.5]
 */
export class Gamma extends ScalarDistribution {
  readonly hasRsample = true;
  readonly support = constraints.positive;
  readonly concentration: Tensor;
  readonly rate: Tensor;

  constructor({ concentration, rate, ...options }: GammaInit) {
    super('Gamma', { concentration, rate }, options);
    this.concentration = this.parameters.concentration;
    this.rate = this.parameters.rate;
    this.requirePositive('concentration', 'rate');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const g = standardGammaSample(sampleShape, this.full(this.concentration), this.dtype, seed);
    return ops.div(g, this.rate);
  }

  /** α log β + (α − 1) log x − βx − log Γ(α). */
  protected logProbImpl(value: Tensor): Tensor {
    const { concentration: a, rate: b } = this;
    const unnormalized = ops.sub(ops.xlogy(ops.sub(a, 1), value), ops.mul(b, value));
    return ops.add(unnormalized, ops.sub(ops.xlogy(a, b), ops.lgamma(a)));
  }

  /** The regularised incomplete gamma function P(α, βx); 0 at and below 0. */
  override cdf(value: TensorLike): Tensor {
    return ops.igamma(this.concentration, ops.mul(this.rate, ops.maximum(this.value(value, 'cdf'), 0)));
  }

  override mean(): Tensor {
    return this.full(ops.div(this.concentration, this.rate));
  }

  override variance(): Tensor {
    return this.full(ops.div(this.concentration, ops.square(this.rate)));
  }

  /** (α − 1)/β for α ≥ 1; NaN below, where the density is unbounded at 0. */
  override mode(): Tensor {
    return this.fullWhere(ops.greaterEqual(this.concentration, 1), ops.div(ops.sub(this.concentration, 1), this.rate));
  }

  /** α − log β + log Γ(α) + (1 − α)ψ(α). */
  override entropy(): Tensor {
    const a = this.concentration;
    const digammaTerm = ops.mul(ops.sub(1, a), ops.digamma(a));
    return this.full(ops.add(ops.sub(a, ops.log(this.rate)), ops.add(ops.lgamma(a), digammaTerm)));
  }
}

/**
 * KL(Γ(α₁, β₁) ‖ Γ(α₂, β₂)) = (α₁ − α₂)ψ(α₁) − log Γ(α₁) + log Γ(α₂) + α₂(log β₁ − log β₂)
 * + α₁(β₂ − β₁)/β₁.
 */
registerKL(Gamma, Gamma, (p, q) => {
  const [a1, b1, a2, b2] = [p.concentration, p.rate, q.concentration, q.rate];
  const digammaTerm = ops.mul(ops.sub(a1, a2), ops.digamma(a1));
  const lgammaTerm = ops.sub(ops.lgamma(a2), ops.lgamma(a1));
  const rateTerm = ops.mul(a2, ops.sub(ops.log(b1), ops.log(b2)));
  const meanTerm = ops.mul(a1, ops.sub(ops.div(b2, b1), 1));
  return klResult(p, q, ops.add(ops.add(digammaTerm, lgammaTerm), ops.add(rateTerm, meanTerm)));
});
