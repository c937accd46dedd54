/**
 * The Laplace (double exponential) distribution.
 */
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { registerKL } from './kl';
import * as ops from './ops';
import { klResult, LocationScale, type LocationScaleInit, openUniform, type StandardMoments } from './shared';

/**
 * The Laplace distribution with location `loc` and scale `scale`, density
 * exp(−|x − loc|/scale)/(2·scale), as TFP's `Laplace`. Samples are reparameterised (by the
 * inverse CDF).
 *
 * @example
 * const d = new rv.distributions.Laplace({ loc: 0, scale: 1 });
 * d.variance();  // 2
 */
export class Laplace extends LocationScale {
  protected readonly standardMoments: StandardMoments = { mean: 0, variance: 2, mode: 0, entropy: 1 + Math.LN2 };

  constructor(init: LocationScaleInit) {
    super('Laplace', init);
  }

  protected standardSample(shape: Shape, seed: Seed | undefined): Tensor {
    return this.standardQuantile(openUniform(shape, this.dtype, seed));
  }

  protected standardLogProb(z: Tensor): Tensor {
    return ops.neg(ops.add(ops.abs(z), Math.LN2));
  }

  /** ½e^z below 0, 1 − ½e^(−z) above: one expression in e^(−|z|), finite for every z. */
  protected standardCdf(z: Tensor): Tensor {
    const halfTail = ops.mul(ops.exp(ops.neg(ops.abs(z))), 0.5);
    return ops.where(ops.less(z, 0), halfTail, ops.sub(1, halfTail));
  }

  protected override standardLogCdf(z: Tensor): Tensor {
    const halfTail = ops.mul(ops.exp(ops.neg(ops.abs(z))), 0.5);
    return ops.where(ops.less(z, 0), ops.sub(z, Math.LN2), ops.log1p(ops.neg(halfTail)));
  }

  /** log(2p) below ½, −log(2 − 2p) above: −sign(p − ½)·log(1 − |2p − 1|). */
  protected standardQuantile(p: Tensor): Tensor {
    const centred = ops.sub(ops.mul(p, 2), 1);
    return ops.neg(ops.mul(ops.sign(centred), ops.log1p(ops.neg(ops.abs(centred)))));
  }
}

/** KL(Laplace(μ₁, b₁) ‖ Laplace(μ₂, b₂)) = log(b₂/b₁) + |μ₁ − μ₂|/b₂ + (b₁/b₂)·e^(−|μ₁ − μ₂|/b₁) − 1. */
registerKL(Laplace, Laplace, (p, q) => {
  const distance = ops.abs(ops.sub(p.loc, q.loc));
  const ratio = ops.div(p.scale, q.scale);
  const decay = ops.mul(ratio, ops.exp(ops.neg(ops.div(distance, p.scale))));
  return klResult(p, q, ops.sub(ops.add(ops.div(distance, q.scale), decay), ops.add(ops.log(ratio), 1)));
});
