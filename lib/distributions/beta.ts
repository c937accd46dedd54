/**
 * The beta distribution.
 */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as constraints from './constraints';
import type { DistributionOptions } from './distribution';
import { registerKL } from './kl';
import * as ops from './ops';
import { klResult, ScalarDistribution, splitSeed, standardGammaSample } from './shared';

export interface BetaInit extends DistributionOptions {
  /** α, the exponent of x (positive). */
  concentration1: TensorLike;
  /** β, the exponent of 1 − x (positive). */
  concentration0: TensorLike;
}

/**
 * The beta distribution on [0, 1], density x^(α−1)(1 − x)^(β−1)/B(α, β) with
 * α = concentration1, β = concentration0, as TFP's `Beta`. Samples are reparameterised:
 * G₁/(G₁ + G₀) for gamma draws G₁ ~ Γ(α), G₀ ~ Γ(β) with implicit reparameterisation
 * gradients. The gammas are drawn in float64 so that small concentrations rarely underflow
 * both (then the draw is NaN).
 *
 * @example
 * const d = new rv.distributions.Beta({ concentration1: 2, concentration0: 3 });
 * d.mean();  // 0.4
 */
export class Beta extends ScalarDistribution {
  readonly hasRsample = true;
  readonly support = constraints.unitInterval;
  readonly concentration1: Tensor;
  readonly concentration0: Tensor;

  constructor({ concentration1, concentration0, ...options }: BetaInit) {
    super('Beta', { concentration1, concentration0 }, options);
    this.concentration1 = this.parameters.concentration1;
    this.concentration0 = this.parameters.concentration0;
    this.requirePositive('concentration1', 'concentration0');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const [seed1, seed0] = splitSeed(seed, 2);
    const draw = (c: Tensor, s: Seed | undefined) => standardGammaSample(sampleShape, this.full(ops.cast(c, 'float64')), 'float64', s);
    const g1 = draw(this.concentration1, seed1);
    const g0 = draw(this.concentration0, seed0);
    return ops.cast(ops.div(g1, ops.add(g1, g0)), this.dtype);
  }

  /** (α − 1) log x + (β − 1) log(1 − x) − log B(α, β). */
  protected logProbImpl(value: Tensor): Tensor {
    const { concentration1: a, concentration0: b } = this;
    const unnormalized = ops.add(ops.xlogy(ops.sub(a, 1), value), ops.xlog1py(ops.sub(b, 1), ops.neg(value)));
    return ops.sub(unnormalized, ops.betaln(a, b));
  }

  /** The regularised incomplete beta function I_x(α, β), with x clamped to [0, 1]. */
  override cdf(value: TensorLike): Tensor {
    const x = ops.minimum(ops.maximum(this.value(value, 'cdf'), 0), 1);
    return ops.betainc(this.concentration1, this.concentration0, x);
  }

  override mean(): Tensor {
    return this.full(ops.div(this.concentration1, this.total()));
  }

  /** αβ/((α + β)²(α + β + 1)). */
  override variance(): Tensor {
    const total = this.total();
    const denominator = ops.mul(ops.square(total), ops.add(total, 1));
    return this.full(ops.div(ops.mul(this.concentration1, this.concentration0), denominator));
  }

  /** (α − 1)/(α + β − 2) when α, β ≥ 1 and not both 1; NaN otherwise (no unique interior maximum). */
  override mode(): Tensor {
    const { concentration1: a, concentration0: b } = this;
    const defined = ops.logicalAnd(ops.logicalAnd(ops.greaterEqual(a, 1), ops.greaterEqual(b, 1)), ops.greater(ops.add(a, b), 2));
    return this.fullWhere(defined, ops.div(ops.sub(a, 1), ops.sub(this.total(), 2)));
  }

  /** log B(α, β) − (α − 1)ψ(α) − (β − 1)ψ(β) + (α + β − 2)ψ(α + β). */
  override entropy(): Tensor {
    const { concentration1: a, concentration0: b } = this;
    const total = this.total();
    const terms = ops.add(ops.mul(ops.sub(a, 1), ops.digamma(a)), ops.mul(ops.sub(b, 1), ops.digamma(b)));
    return this.full(ops.add(ops.sub(ops.betaln(a, b), terms), ops.mul(ops.sub(total, 2), ops.digamma(total))));
  }

  private total(): Tensor {
    return ops.add(this.concentration1, this.concentration0);
  }
}

/**
 * KL(Beta(α₁, β₁) ‖ Beta(α₂, β₂)) = log B(α₂, β₂) − log B(α₁, β₁) + (α₁ − α₂)ψ(α₁)
 * + (β₁ − β₂)ψ(β₁) + (α₂ − α₁ + β₂ − β₁)ψ(α₁ + β₁).
 */
registerKL(Beta, Beta, (p, q) => {
  const [a1, b1, a2, b2] = [p.concentration1, p.concentration0, q.concentration1, q.concentration0];
  const normalizers = ops.sub(ops.betaln(a2, b2), ops.betaln(a1, b1));
  const digammas = ops.add(ops.mul(ops.sub(a1, a2), ops.digamma(a1)), ops.mul(ops.sub(b1, b2), ops.digamma(b1)));
  const totalShift = ops.sub(ops.add(a2, b2), ops.add(a1, b1));
  return klResult(p, q, ops.add(ops.add(normalizers, digammas), ops.mul(totalShift, ops.digamma(ops.add(a1, b1)))));
});
