/**
 * The Weibull distribution.
 */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as constraints from './constraints';
import type { DistributionOptions } from './distribution';
import * as ops from './ops';
import { openUniform, ScalarDistribution } from './shared';

const eulerGamma = 0.5772156649015329;

export interface WeibullInit extends DistributionOptions {
  /** The shape k (positive). */
  concentration: TensorLike;
  /** The scale λ (positive). */
  scale: TensorLike;
}

/**
 * The Weibull distribution with shape k = `concentration` and scale λ = `scale`: CDF
 * 1 − exp(−(x/λ)^k) for x ≥ 0, as TFP's `Weibull`. Samples are reparameterised (by the
 * inverse CDF).
 *
 * @example
 * const d = new rv.distributions.Weibull({ concentration: 1, scale: 2 });  // Exponential(rate ½)
 * d.mean();  // 2
 */
export class Weibull extends ScalarDistribution {
  readonly hasRsample = true;
  readonly support = constraints.nonNegative;
  readonly concentration: Tensor;
  readonly scale: Tensor;

  constructor({ concentration, scale, ...options }: WeibullInit) {
    super('Weibull', { concentration, scale }, options);
    this.concentration = this.parameters.concentration;
    this.scale = this.parameters.scale;
    this.requirePositive('concentration', 'scale');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return this.quantileOf(openUniform(this.drawShape(sampleShape), this.dtype, seed));
  }

  /** log(k/λ) + (k − 1) log(x/λ) − (x/λ)^k. */
  protected logProbImpl(value: Tensor): Tensor {
    const k = this.concentration;
    const ratio = ops.div(value, this.scale);
    const logShape = ops.sub(ops.log(k), ops.log(this.scale));
    return ops.sub(ops.add(logShape, ops.xlogy(ops.sub(k, 1), ratio)), ops.pow(ratio, k));
  }

  override cdf(value: TensorLike): Tensor {
    return ops.neg(ops.expm1(ops.neg(this.hazard(this.value(value, 'cdf')))));
  }

  override logCdf(value: TensorLike): Tensor {
    return ops.log1mexp(this.hazard(this.value(value, 'logCdf')));
  }

  override quantile(p: TensorLike): Tensor {
    return this.quantileOf(this.value(p, 'quantile'));
  }

  /** λ·Γ(1 + 1/k). */
  override mean(): Tensor {
    return this.full(ops.mul(this.scale, ops.exp(ops.lgamma(ops.add(ops.reciprocal(this.concentration), 1)))));
  }

  /** λ²·(Γ(1 + 2/k) − Γ(1 + 1/k)²). */
  override variance(): Tensor {
    const inverse = ops.reciprocal(this.concentration);
    const second = ops.exp(ops.lgamma(ops.add(ops.mul(inverse, 2), 1)));
    const first = ops.exp(ops.lgamma(ops.add(inverse, 1)));
    return this.full(ops.mul(ops.square(this.scale), ops.sub(second, ops.square(first))));
  }

  /** λ((k − 1)/k)^(1/k) for k > 1, else 0. */
  override mode(): Tensor {
    const k = this.concentration;
    const above = ops.greater(k, 1);
    const safeK = ops.where(above, k, 2);
    const interior = ops.mul(this.scale, ops.pow(ops.div(ops.sub(safeK, 1), safeK), ops.reciprocal(safeK)));
    return this.full(ops.where(above, interior, 0));
  }

  /** γ(1 − 1/k) + log(λ/k) + 1. */
  override entropy(): Tensor {
    const k = this.concentration;
    const euler = ops.mul(ops.sub(1, ops.reciprocal(k)), eulerGamma);
    return this.full(ops.add(ops.add(euler, ops.sub(ops.log(this.scale), ops.log(k))), 1));
  }

  /** The cumulative hazard (max(x, 0)/λ)^k. */
  private hazard(x: Tensor): Tensor {
    return ops.pow(ops.div(ops.maximum(x, 0), this.scale), this.concentration);
  }

  /** λ(−log(1 − p))^(1/k). */
  private quantileOf(p: Tensor): Tensor {
    return ops.mul(this.scale, ops.pow(ops.neg(ops.log1p(ops.neg(p))), ops.reciprocal(this.concentration)));
  }
}
