/**
 * The von Mises distribution on the circle.
 */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as constraints from './constraints';
import type { DistributionOptions } from './distribution';
import * as ops from './ops';
import { allTrue, nonNegative } from './params';
import { ScalarDistribution, splitSeed } from './shared';

export interface VonMisesInit extends DistributionOptions {
  /** The circular mean (any real; samples are wrapped to [−π, π]). */
  loc: TensorLike;
  /** The concentration κ (non-negative; 0 is the uniform distribution on the circle). */
  concentration: TensorLike;
}

/** Rejection rounds before giving up: each accepts at least 65% of the proposals left. */
const maxRounds = 200;

/**
 * The von Mises distribution, density exp(κ cos(x − loc))/(2π I₀(κ)) on [−π, π], as TFP's
 * `VonMises`. Sampling is Best and Fisher's (1979) rejection sampler from a wrapped Cauchy
 * envelope; it is not reparameterised (hasRsample false). The variance is the circular variance
 * 1 − I₁(κ)/I₀(κ). No CDF (it has no closed form).
 *
 * @example
 * const d = new rv.distributions.VonMises({ loc: 0, concentration: 2 });
 * d.sample([5], { seed: 1 });  // angles in [−π, π]
 */
export class VonMises extends ScalarDistribution {
  readonly hasRsample = false;
  readonly support = constraints.interval(-Math.PI, Math.PI);
  readonly loc: Tensor;
  readonly concentration: Tensor;

  constructor({ loc, concentration, ...options }: VonMisesInit) {
    super('VonMises', { loc, concentration }, options);
    this.loc = this.parameters.loc;
    this.concentration = this.parameters.concentration;
    this.requireParam(this.concentration, nonNegative, 'concentration must be non-negative');
  }

  /**
   * Best–Fisher in float64, vectorised: each round proposes for every element and keeps the
   * first accepted proposal; rounds repeat (each with its own keys) until all are accepted.
   */
  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const shape = this.drawShape(sampleShape);
    // κ = 0 would make the envelope degenerate (r = ∞); 1e-30 gives a uniform draw all the same.
    const kappa = ops.maximum(ops.cast(ops.stopGradient(this.full(this.concentration)), 'float64'), 1e-30);
    const r = envelopeParameter(kappa);
    let angle = ops.zeros(shape, 'float64');
    let done = ops.fill(shape, false, 'bool');
    for (let round = 0; round < maxRounds; round++) {
      const roundSeed = seed === undefined ? undefined : ops.random.foldIn(seed, round);
      const [u1, u2, u3] = splitSeed(roundSeed, 3).map((s) => ops.randomUniform(shape, 0, 1, 'float64', s));
      const z = ops.cos(ops.mul(u1, Math.PI));
      const f = ops.div(ops.add(ops.mul(r, z), 1), ops.add(r, z));
      const c = ops.mul(kappa, ops.sub(r, f));
      const quick = ops.greater(ops.sub(ops.mul(c, ops.sub(2, c)), u2), 0);
      const exact = ops.greaterEqual(ops.sub(ops.add(ops.log(ops.div(c, u2)), 1), c), 0);
      const accept = ops.logicalOr(quick, exact);
      const magnitude = ops.atan2(ops.sqrt(ops.maximum(ops.sub(1, ops.square(f)), 0)), f);  // acos(f)
      const proposal = ops.where(ops.less(u3, 0.5), ops.neg(magnitude), magnitude);
      angle = ops.where(done, angle, proposal);
      done = ops.logicalOr(done, accept);
      if (allTrue(done)) return ops.cast(wrapAngle(ops.add(angle, ops.stopGradient(this.loc))), this.dtype);
    }
    throw new Error(`${this.name}.sample: rejection sampling did not finish in ${maxRounds} rounds (are the parameters finite?)`);
  }

  /** κ(cos(x − loc) − 1) − log(2π·I₀e(κ)), using the exponentially scaled Bessel function. */
  protected logProbImpl(value: Tensor): Tensor {
    const k = this.concentration;
    const cosine = ops.cos(ops.sub(value, this.loc));
    return ops.sub(ops.mul(k, ops.sub(cosine, 1)), ops.log(ops.mul(ops.besselI0e(k), 2 * Math.PI)));
  }

  override mean(): Tensor {
    return this.full(this.loc);
  }

  override mode(): Tensor {
    return this.full(this.loc);
  }

  /** The circular variance 1 − I₁(κ)/I₀(κ). */
  override variance(): Tensor {
    return this.full(ops.sub(1, this.besselRatio()));
  }

  /** −κ I₁(κ)/I₀(κ) + log(2π I₀(κ)). */
  override entropy(): Tensor {
    const k = this.concentration;
    const logI0 = ops.add(ops.log(ops.besselI0e(k)), k);
    return this.full(ops.add(ops.sub(logI0, ops.mul(k, this.besselRatio())), Math.log(2 * Math.PI)));
  }

  private besselRatio(): Tensor {
    return ops.div(ops.besselI1e(this.concentration), ops.besselI0e(this.concentration));
  }
}

/**
 * Best and Fisher's r = (1 + ρ²)/(2ρ), with ρ = (τ − √(2τ))/(2κ) and τ = 1 + √(1 + 4κ²),
 * where ρ is rewritten as 2κτ/((√(1 + 4κ²) + 1)(τ + √(2τ))) to avoid cancellation for small κ.
 */
function envelopeParameter(kappa: Tensor): Tensor {
  const root = ops.sqrt(ops.add(ops.mul(ops.square(kappa), 4), 1));
  const tau = ops.add(root, 1);
  const rho = ops.div(ops.mul(ops.mul(kappa, tau), 2), ops.mul(ops.add(root, 1), ops.add(tau, ops.sqrt(ops.mul(tau, 2)))));
  return ops.div(ops.add(ops.square(rho), 1), ops.mul(rho, 2));
}

/** x − 2π·round(x/(2π)), in [−π, π]. */
function wrapAngle(x: Tensor): Tensor {
  return ops.sub(x, ops.mul(ops.round(ops.div(x, 2 * Math.PI)), 2 * Math.PI));
}
