/**
 * The inverse gamma distribution.
 */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as constraints from './constraints';
import type { DistributionOptions } from './distribution';
import * as ops from './ops';
import { ScalarDistribution, standardGammaSample } from './shared';

export interface InverseGammaInit extends DistributionOptions {
  /** The shape α (positive). */
  concentration: TensorLike;
  /** The scale β (positive). */
  scale: TensorLike;
}

/**
 * The inverse gamma distribution, 1/Y for Y ~ Gamma(concentration, rate = scale), density
 * β^α x^(−α−1) e^(−β/x)/Γ(α) for x > 0, as TFP's `InverseGamma`. Samples are reparameterised
 * (β/g, with g's implicit reparameterisation in α).
 *
 * @example
 * const d = new rv.distributions.InverseGamma({ concentration: 3, scale: 2 });
 * d.mean();  // 1
 */
export class InverseGamma extends ScalarDistribution {
  readonly hasRsample = true;
  readonly support = constraints.positive;
  readonly concentration: Tensor;
  readonly scale: Tensor;

  constructor({ concentration, scale, ...options }: InverseGammaInit) {
    super('InverseGamma', { concentration, scale }, options);
    this.concentration = this.parameters.concentration;
    this.scale = this.parameters.scale;
    this.requirePositive('concentration', 'scale');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return ops.div(this.scale, standardGammaSample(sampleShape, this.full(this.concentration), this.dtype, seed));
  }

  /** α log β − log Γ(α) − (α + 1) log x − β/x. */
  protected logProbImpl(value: Tensor): Tensor {
    const { concentration: a, scale: b } = this;
    const normalizer = ops.sub(ops.xlogy(a, b), ops.lgamma(a));
    return ops.sub(normalizer, ops.add(ops.mul(ops.add(a, 1), ops.log(value)), ops.div(b, value)));
  }

  /** Q(α, β/x), the upper regularised incomplete gamma function; 0 at and below 0. */
  override cdf(value: TensorLike): Tensor {
    return ops.igammac(this.concentration, ops.div(this.scale, ops.maximum(this.value(value, 'cdf'), 0)));
  }

  /** β/(α − 1) for α > 1, else NaN. */
  override mean(): Tensor {
    const a = this.concentration;
    return this.fullWhere(ops.greater(a, 1), ops.div(this.scale, ops.sub(a, 1)));
  }

  /** β²/((α − 1)²(α − 2)) for α > 2, else NaN. */
  override variance(): Tensor {
    const a = this.concentration;
    const v = ops.div(ops.square(this.scale), ops.mul(ops.square(ops.sub(a, 1)), ops.sub(a, 2)));
    return this.fullWhere(ops.greater(a, 2), v);
  }

  override mode(): Tensor {
    return this.full(ops.div(this.scale, ops.add(this.concentration, 1)));
  }

  /** α + log β + log Γ(α) − (1 + α)ψ(α). */
  override entropy(): Tensor {
    const a = this.concentration;
    const digammaTerm = ops.mul(ops.add(a, 1), ops.digamma(a));
    return this.full(ops.sub(ops.add(ops.add(a, ops.log(this.scale)), ops.lgamma(a)), digammaTerm));
  }
}
