/**
 * The Pareto distribution.
 */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as constraints from './constraints';
import type { DistributionOptions } from './distribution';
import * as ops from './ops';
import { ScalarDistribution } from './shared';

export interface ParetoInit extends DistributionOptions {
  /** The tail index α (positive). */
  concentration: TensorLike;
  /** The scale m, the lower end of the support (positive; default 1). */
  scale?: TensorLike;
}

/**
 * The Pareto distribution, density α m^α / x^(α+1) for x ≥ m, as TFP's `Pareto`. Samples are
 * reparameterised (m·e^(E/α) for a standard exponential E). The mean is infinite for α ≤ 1,
 * the variance for α ≤ 2.
 *
 * @example
 * const d = new rv.distributions.Pareto({ concentration: 3, scale: 1 });
 * d.mean();  // 1.5
 */
export class Pareto extends ScalarDistribution {
  readonly hasRsample = true;
  readonly support: constraints.Constraint;
  readonly concentration: Tensor;
  readonly scale: Tensor;

  constructor({ concentration, scale = 1, ...options }: ParetoInit) {
    super('Pareto', { concentration, scale }, options);
    this.concentration = this.parameters.concentration;
    this.scale = this.parameters.scale;
    this.requirePositive('concentration', 'scale');
    this.support = new constraints.GreaterThan(this.scale, true);
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const e = ops.randomExponential(this.drawShape(sampleShape), 1, this.dtype, seed);
    return ops.mul(this.scale, ops.exp(ops.div(e, this.concentration)));
  }

  /** log α + α log m − (α + 1) log x. */
  protected logProbImpl(value: Tensor): Tensor {
    const a = this.concentration;
    return ops.sub(ops.add(ops.log(a), ops.mul(a, ops.log(this.scale))), ops.mul(ops.add(a, 1), ops.log(value)));
  }

  /** 1 − (m/x)^α for x ≥ m, else 0. */
  override cdf(value: TensorLike): Tensor {
    const x = ops.maximum(this.value(value, 'cdf'), this.scale);
    return ops.neg(ops.expm1(ops.mul(this.concentration, ops.log(ops.div(this.scale, x)))));
  }

  /** m·(1 − p)^(−1/α). */
  override quantile(p: TensorLike): Tensor {
    const logSurvival = ops.log1p(ops.neg(this.value(p, 'quantile')));
    return ops.mul(this.scale, ops.exp(ops.neg(ops.div(logSurvival, this.concentration))));
  }

  /** αm/(α − 1) for α > 1, else Infinity. */
  override mean(): Tensor {
    const a = this.concentration;
    return this.fullWhere(ops.greater(a, 1), ops.div(ops.mul(a, this.scale), ops.sub(a, 1)), Infinity);
  }

  /** m²α/((α − 1)²(α − 2)) for α > 2, else Infinity. */
  override variance(): Tensor {
    const a = this.concentration;
    const v = ops.div(ops.mul(ops.square(this.scale), a), ops.mul(ops.square(ops.sub(a, 1)), ops.sub(a, 2)));
    return this.fullWhere(ops.greater(a, 2), v, Infinity);
  }

  override mode(): Tensor {
    return this.full(this.scale);
  }

  /** log(m/α) + 1/α + 1. */
  override entropy(): Tensor {
    const a = this.concentration;
    return this.full(ops.add(ops.sub(ops.log(this.scale), ops.log(a)), ops.add(ops.reciprocal(a), 1)));
  }
}
