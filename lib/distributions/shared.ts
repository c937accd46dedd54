/**
 * What the scalar continuous families share: a base that broadcasts the parameters into the
 * batch shape and checks them, a location-scale base (a standard distribution moved by loc and
 * stretched by scale), seed splitting for samplers that need several independent draws, and
 * gamma draws with implicit reparameterisation gradients (the source of Gamma, InverseGamma,
 * Chi2, Beta and StudentT samples).
 */
import type { TensorLike } from '../tensor/convert';
import type { DType } from '../tensor/dtype';
import { broadcastShapes, type Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import type { Seed } from '../tensor/random/key';
import * as constraints from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import * as ops from './ops';
import { batchShapeOf, floatParams, positive, shapesOf } from './params';

/**
 * A distribution over scalars whose parameters broadcast against each other: the batch shape
 * is their broadcast shape, and every parameter is a tensor of one float dtype.
 */
export abstract class ScalarDistribution extends Distribution {
  protected constructor(name: string, params: Record<string, TensorLike>, options: DistributionOptions = {}) {
    const owner = options.name ?? name;
    const { dtype, tensors } = floatParams(owner, params);
    super({ name, dtype, batchShape: batchShapeOf(owner, shapesOf(tensors)), parameters: tensors, options });
  }

  /** With validateArgs: throws, naming the parameter, unless each of them is positive everywhere. */
  protected requirePositive(...names: string[]): void {
    for (const name of names) this.requireParam(this.parameters[name], positive, `${name} must be positive`);
  }

  /** The shape of a draw: sampleShape + batchShape. */
  protected drawShape(sampleShape: Shape): Shape {
    return [...sampleShape, ...this.batchShape];
  }

  /** A tensor (or number) broadcast to the batch shape, in this distribution's dtype. */
  protected full(value: Tensor | number): Tensor {
    if (typeof value === 'number') return ops.fill(this.batchShape, value, this.dtype);
    return ops.broadcastTo(value, this.batchShape);
  }

  /** `value` where `condition` holds, else `otherwise` (NaN for an undefined statistic), over the batch. */
  protected fullWhere(condition: Tensor, value: Tensor, otherwise = NaN): Tensor {
    return this.full(ops.where(condition, value, otherwise));
  }
}

/** KL(p ‖ q) values broadcast to the shape both batches broadcast to. */
export function klResult(p: Distribution, q: Distribution, kl: Tensor): Tensor {
  return ops.broadcastTo(kl, broadcastShapes([p.batchShape, q.batchShape], [p.name, q.name]));
}

/**
 * n seeds for n independent draws: keys split from `seed`, or n times undefined (each sampler
 * then advances the global generator).
 */
export function splitSeed(seed: Seed | undefined, n: number): (Seed | undefined)[] {
  return seed === undefined ? new Array<undefined>(n).fill(undefined) : ops.random.split(seed, n);
}

/** The smallest positive normal number of a float dtype. */
function tiniest(dtype: DType): number {
  return dtype === 'float64' ? 2.2250738585072014e-308 : 1.1754943508222875e-38;
}

/**
 * Uniform draws in (0, 1) (never 0), for inverse-CDF sampling, where 0 would give an infinite draw.
 */
export function openUniform(shape: Shape, dtype: DType, seed: Seed | undefined): Tensor {
  return ops.randomUniform(shape, tiniest(dtype), 1, dtype, seed);
}

/** Shape and statistics of the standard member (loc 0, scale 1) of a location-scale family. */
export interface StandardMoments {
  mean: number;
  variance: number;
  mode: number;
  entropy: number;
}

/** Constructor arguments of the location-scale families. */
export interface LocationScaleInit extends DistributionOptions {
  /** The location (any real). */
  loc: TensorLike;
  /** The scale (positive). */
  scale: TensorLike;
}

/**
 * A location-scale family: X = loc + scale·Z for a standard variable Z, so sampling is
 * reparameterised and every method follows from Z's: logProb(x) = logProb_Z(z) − log scale,
 * cdf(x) = cdf_Z(z) with z = (x − loc)/scale, quantile(p) = loc + scale·quantile_Z(p),
 * entropy = H(Z) + log scale. Subclasses give Z.
 */
export abstract class LocationScale extends ScalarDistribution {
  readonly hasRsample = true;
  readonly support: constraints.Constraint = constraints.real;
  readonly loc: Tensor;
  readonly scale: Tensor;

  protected constructor(name: string, { loc, scale, ...options }: LocationScaleInit) {
    super(name, { loc, scale }, options);
    this.loc = this.parameters.loc;
    this.scale = this.parameters.scale;
    this.requirePositive('scale');
  }

  /** Draws of Z of the given shape. */
  protected abstract standardSample(shape: Shape, seed: Seed | undefined): Tensor;
  /** log density of Z. */
  protected abstract standardLogProb(z: Tensor): Tensor;
  /** CDF of Z. */
  protected abstract standardCdf(z: Tensor): Tensor;
  /** Quantile function of Z. */
  protected abstract standardQuantile(p: Tensor): Tensor;
  /** Z's mean, variance, mode and entropy (NaN or Infinity where undefined or infinite). */
  protected abstract readonly standardMoments: StandardMoments;

  /** log CDF of Z; subclasses override where log(cdf) loses accuracy in a tail. */
  protected standardLogCdf(z: Tensor): Tensor {
    return ops.log(this.standardCdf(z));
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return this.fromStandard(this.standardSample(this.drawShape(sampleShape), seed));
  }

  protected logProbImpl(value: Tensor): Tensor {
    return ops.sub(this.standardLogProb(this.toStandard(value)), ops.log(this.scale));
  }

  override cdf(value: TensorLike): Tensor {
    return this.standardCdf(this.toStandard(this.value(value, 'cdf')));
  }

  override logCdf(value: TensorLike): Tensor {
    return this.standardLogCdf(this.toStandard(this.value(value, 'logCdf')));
  }

  override quantile(p: TensorLike): Tensor {
    return this.fromStandard(this.standardQuantile(this.value(p, 'quantile')));
  }

  override mean(): Tensor {
    return this.full(ops.add(this.loc, ops.mul(this.scale, this.standardMoments.mean)));
  }

  override variance(): Tensor {
    return this.full(ops.mul(ops.square(this.scale), this.standardMoments.variance));
  }

  override mode(): Tensor {
    return this.full(ops.add(this.loc, ops.mul(this.scale, this.standardMoments.mode)));
  }

  override entropy(): Tensor {
    return this.full(ops.add(ops.log(this.scale), this.standardMoments.entropy));
  }

  private toStandard(x: Tensor): Tensor {
    return ops.div(ops.sub(x, this.loc), this.scale);
  }

  private fromStandard(z: Tensor): Tensor {
    return ops.add(this.loc, ops.mul(this.scale, z));
  }
}

/**
 * The relative step of the central difference in `gammaConcentrationDerivative`. The step is
 * h = 1e-5·min(α, √α): below α = 1 the incomplete gamma function changes on the scale of α
 * itself (and α − h must stay positive), above it on the scale of its standard deviation √α.
 * Truncation error is then about (1e-5)² and rounding error about 1e-16/1e-5, relative.
 */
const relativeStep = 1e-5;

/**
 * dx/dα for x ~ Gamma(α, 1) held at fixed quantile (implicit reparameterisation, Figurnov et
 * al. 2018): dx/dα = −(∂P/∂α)(α, x) / p(x; α), where P is the regularised incomplete gamma
 * function (the CDF) and p the density. ∂P/∂α has no closed form; it is a central difference of
 * igamma in float64, taken on whichever of P and Q = 1 − P is smaller at (α, x) (∂Q/∂α = −∂P/∂α)
 * so that the difference keeps its relative accuracy in both tails. The ratio is formed in log
 * space, since both factors underflow together far in the tails. Non-finite results (x = 0
 * after underflow, NaN parameters) give 0. float64 result; no gradient flows through it.
 */
function gammaConcentrationDerivative(alpha: Tensor, x: Tensor): Tensor {
  const a = ops.cast(ops.stopGradient(alpha), 'float64');
  const v = ops.cast(ops.stopGradient(x), 'float64');
  const h = ops.mul(ops.minimum(a, ops.sqrt(a)), relativeStep);
  const up = ops.add(a, h);
  const down = ops.sub(a, h);
  const lowerTail = ops.less(ops.igamma(a, v), 0.5);
  // −∂P/∂α = ∂Q/∂α, from the smaller tail.
  const fromP = ops.sub(ops.igamma(down, v), ops.igamma(up, v));
  const fromQ = ops.sub(ops.igammac(up, v), ops.igammac(down, v));
  const minusDPda = ops.div(ops.where(lowerTail, fromP, fromQ), ops.mul(h, 2));
  const logDensity = ops.sub(ops.sub(ops.xlogy(ops.sub(a, 1), v), v), ops.lgamma(a));
  const derivative = ops.exp(ops.sub(ops.log(ops.maximum(minusDPda, 0)), logDensity));
  return ops.where(ops.isFinite(derivative), derivative, 0);
}

/**
 * Draws of Gamma(α, 1) of shape sampleShape + α's shape, in `dtype`, differentiable with
 * respect to α by implicit reparameterisation: the draw is
 * stopGradient(x) + stopGradient(dx/dα)·(α − stopGradient(α)), equal to x in value, whose
 * gradient with respect to α is dx/dα (see gammaConcentrationDerivative).
 *
 * @example
 * const g = standardGammaSample([1000], rv.tensor([0.5, 2]), 'float32', 7);  // shape [1000, 2]
 */
export function standardGammaSample(sampleShape: Shape, alpha: Tensor, dtype: DType, seed: Seed | undefined): Tensor {
  const fixed = ops.stopGradient(alpha);
  const x = ops.randomGamma(sampleShape, fixed, 1, dtype, seed);
  const slope = ops.cast(gammaConcentrationDerivative(fixed, x), dtype);
  return ops.add(x, ops.mul(slope, ops.sub(alpha, fixed)));
}

// The normal distribution's pieces that LogNormal and HalfNormal reuse.

/** ½·log(2π). */
export const halfLogTwoPi = 0.5 * Math.log(2 * Math.PI);

// Below this z, the normal log CDF comes from its asymptotic series (the CDF itself nears the
// float64 underflow past z ≈ -38).
const seriesBelow = -37;

/**
 * log Φ(z) computed in float64: log(erfc(−z/√2)/2) down to z = −37 (erfc keeps full relative
 * accuracy there), then the asymptotic series log φ(z) − log(−z) + log(1 − 1/z² + 3/z⁴ − ...),
 * whose truncation error there is below 1e-16. Each branch sees only inputs of its own range, so
 * neither gives NaN gradients to the other.
 */
export function logNormalCdf(z: Tensor): Tensor {
  const x = ops.cast(z, 'float64');
  const inSeries = ops.less(x, seriesBelow);
  const direct = ops.where(inSeries, seriesBelow, x);
  const tail = ops.where(inSeries, x, seriesBelow);
  const logErfc = ops.log(ops.mul(ops.erfc(ops.mul(direct, -Math.SQRT1_2)), 0.5));
  // 1 + Σ (−1)^n (2n − 1)!! / z^(2n), n = 1..6.
  const w = ops.reciprocal(ops.square(tail));
  let series: Tensor = ops.fill([], 0, 'float64');
  for (const c of [10395, -945, 105, -15, 3, -1]) series = ops.mul(ops.add(series, c), w);
  const logTail = ops.sub(ops.sub(ops.mul(ops.square(tail), -0.5), halfLogTwoPi), ops.log(ops.neg(tail)));
  const asymptotic = ops.add(logTail, ops.log1p(series));
  return ops.cast(ops.where(inSeries, asymptotic, logErfc), z.dtype);
}

/** KL(N(μ₁, σ₁) ‖ N(μ₂, σ₂)) = log(σ₂/σ₁) + (σ₁² + (μ₁ − μ₂)²)/(2σ₂²) − ½. */
export function normalKL(loc1: Tensor, scale1: Tensor, loc2: Tensor, scale2: Tensor): Tensor {
  const ratio = ops.div(scale1, scale2);
  const shift = ops.div(ops.sub(loc1, loc2), scale2);
  return ops.sub(ops.mul(ops.add(ops.square(ratio), ops.square(shift)), 0.5), ops.add(ops.log(ratio), 0.5));
}

