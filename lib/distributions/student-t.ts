/**
 * Student's t distribution.
 */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as constraints from './constraints';
import type { DistributionOptions } from './distribution';
import * as ops from './ops';
import { ScalarDistribution, splitSeed, standardGammaSample } from './shared';

export interface StudentTInit extends DistributionOptions {
  /** The degrees of freedom ν (positive). */
  df: TensorLike;
  /** The location (the median and mode). */
  loc: TensorLike;
  /** The scale (positive). */
  scale: TensorLike;
}

/**
 * Student's t distribution with `df` degrees of freedom, location `loc` and scale `scale`, as
 * TFP's `StudentT`. Samples are loc + scale·Z/√(G/(ν/2)) for Z ~ N(0, 1) and G ~ Γ(ν/2, 1),
 * reparameterised in all three parameters (in df through the gamma's implicit
 * reparameterisation).
 *
 * @example
 * const d = new rv.distributions.StudentT({ df: 3, loc: 0, scale: 1 });
 * d.variance();  // 3
 */
export class StudentT extends ScalarDistribution {
  readonly hasRsample = true;
  readonly support = constraints.real;
  readonly df: Tensor;
  readonly loc: Tensor;
  readonly scale: Tensor;

  constructor({ df, loc, scale, ...options }: StudentTInit) {
    super('StudentT', { df, loc, scale }, options);
    this.df = this.parameters.df;
    this.loc = this.parameters.loc;
    this.scale = this.parameters.scale;
    this.requirePositive('df', 'scale');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const [normalSeed, gammaSeed] = splitSeed(seed, 2);
    const halfDf = this.full(ops.mul(this.df, 0.5));
    const z = ops.randomNormal(this.drawShape(sampleShape), 0, 1, this.dtype, normalSeed);
    const g = standardGammaSample(sampleShape, halfDf, this.dtype, gammaSeed);
    return ops.add(this.loc, ops.mul(this.scale, ops.mul(z, ops.rsqrt(ops.div(g, halfDf)))));
  }

  /** log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) − log σ − ((ν+1)/2)·log(1 + z²/ν). */
  protected logProbImpl(value: Tensor): Tensor {
    const nu = this.df;
    const halfNuPlusOne = ops.mul(ops.add(nu, 1), 0.5);
    const z = this.standardized(value);
    const normalizer = ops.sub(ops.lgamma(halfNuPlusOne), ops.lgamma(ops.mul(nu, 0.5)));
    const spread = ops.add(ops.mul(ops.log(ops.mul(nu, Math.PI)), 0.5), ops.log(this.scale));
    const kernel = ops.mul(halfNuPlusOne, ops.log1p(ops.div(ops.square(z), nu)));
    return ops.sub(ops.sub(normalizer, spread), kernel);
  }

  /** With t = ν/(ν + z²): ½·I_t(ν/2, ½) below loc, 1 − ½·I_t(ν/2, ½) above. */
  override cdf(value: TensorLike): Tensor {
    const z = this.standardized(this.value(value, 'cdf'));
    const nu = this.df;
    const tail = ops.mul(ops.betainc(ops.mul(nu, 0.5), 0.5, ops.div(nu, ops.add(nu, ops.square(z)))), 0.5);
    return ops.where(ops.less(z, 0), tail, ops.sub(1, tail));
  }

  /** loc for ν > 1, else NaN (undefined). */
  override mean(): Tensor {
    return this.fullWhere(ops.greater(this.df, 1), this.loc);
  }

  /** σ²ν/(ν − 2) for ν > 2, Infinity for 1 < ν ≤ 2, NaN (undefined) for ν ≤ 1. */
  override variance(): Tensor {
    const nu = this.df;
    const finite = ops.div(ops.mul(ops.square(this.scale), nu), ops.sub(nu, 2));
    const infinite = ops.where(ops.greater(nu, 1), Infinity, NaN);
    return this.full(ops.where(ops.greater(nu, 2), finite, infinite));
  }

  override mode(): Tensor {
    return this.full(this.loc);
  }

  /** ((ν+1)/2)(ψ((ν+1)/2) − ψ(ν/2)) + ½ log ν + log B(ν/2, ½) + log σ. */
  override entropy(): Tensor {
    const nu = this.df;
    const halfNu = ops.mul(nu, 0.5);
    const halfNuPlusOne = ops.add(halfNu, 0.5);
    const digammas = ops.mul(halfNuPlusOne, ops.sub(ops.digamma(halfNuPlusOne), ops.digamma(halfNu)));
    const logs = ops.add(ops.mul(ops.log(nu), 0.5), ops.add(ops.betaln(halfNu, 0.5), ops.log(this.scale)));
    return this.full(ops.add(digammas, logs));
  }

  private standardized(x: Tensor): Tensor {
    return ops.div(ops.sub(x, this.loc), this.scale);
  }
}
