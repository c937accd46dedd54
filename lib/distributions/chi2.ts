/**
 * The chi-squared distribution.
 */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as constraints from './constraints';
import type { DistributionOptions } from './distribution';
import * as ops from './ops';
import { ScalarDistribution, standardGammaSample } from './shared';

export interface Chi2Init extends DistributionOptions {
  /** The degrees of freedom k (positive). */
  df: TensorLike;
}

/**
 * The chi-squared distribution with `df` degrees of freedom, Gamma(df/2, rate ½), as TFP's
 * `Chi2`. Samples are reparameterised in df (through the gamma's implicit reparameterisation).
 *
 * @example
 * const d = new rv.distributions.Chi2({ df: 3 });
 * d.variance();  // 6
 */
export class Chi2 extends ScalarDistribution {
  readonly hasRsample = true;
  readonly support = constraints.positive;
  readonly df: Tensor;

  constructor({ df, ...options }: Chi2Init) {
    super('Chi2', { df }, options);
    this.df = this.parameters.df;
    this.requirePositive('df');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return ops.mul(standardGammaSample(sampleShape, this.full(this.halfDf()), this.dtype, seed), 2);
  }

  /** (k/2 − 1) log x − x/2 − (k/2) log 2 − log Γ(k/2). */
  protected logProbImpl(value: Tensor): Tensor {
    const a = this.halfDf();
    const unnormalized = ops.sub(ops.xlogy(ops.sub(a, 1), value), ops.mul(value, 0.5));
    return ops.sub(unnormalized, ops.add(ops.mul(a, Math.LN2), ops.lgamma(a)));
  }

  override cdf(value: TensorLike): Tensor {
    return ops.igamma(this.halfDf(), ops.mul(ops.maximum(this.value(value, 'cdf'), 0), 0.5));
  }

  override mean(): Tensor {
    return this.full(this.df);
  }

  override variance(): Tensor {
    return this.full(ops.mul(this.df, 2));
  }

  /** k − 2 for k ≥ 2; NaN below, where the density is unbounded at 0 (as Gamma). */
  override mode(): Tensor {
    return this.fullWhere(ops.greaterEqual(this.df, 2), ops.sub(this.df, 2));
  }

  /** k/2 + log 2 + log Γ(k/2) + (1 − k/2)ψ(k/2). */
  override entropy(): Tensor {
    const a = this.halfDf();
    return this.full(ops.add(ops.add(a, Math.LN2), ops.add(ops.lgamma(a), ops.mul(ops.sub(1, a), ops.digamma(a)))));
  }

  private halfDf(): Tensor {
    return ops.mul(this.df, 0.5);
  }
}
