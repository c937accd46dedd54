/** LKJCholesky: Cholesky factors of LKJ-distributed correlation matrices (TFP's CholeskyLKJ). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, correlationCholesky } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import * as ops from './ops';
import { floatParams, positiveFinite } from './params';
import { splitSeed } from './shared';

export interface LKJCholeskyArgs extends DistributionOptions {
  /** The size d of the correlation matrices, an integer >= 1. */
  dimension: number;
  /** η > 0: 1 is uniform over correlation matrices, larger values favour the identity. */
  concentration: TensorLike;
}

/**
 * The LKJ distribution over d×d correlation matrices C, p(C) ∝ det(C)^(η − 1), expressed on
 * their lower Cholesky factors L (C = L Lᵀ): log p(L) = Σᵢ (d − i − 3 + 2η) log Lᵢᵢ
 * (rows i = 1..d−1, from 0) minus the log normaliser, a density over the entries below the
 * diagonal. Sampled by the onion method: row i is √y·u with y ~ Beta(i/2, η + (d−1−i)/2) and u
 * uniform on the unit sphere of Rⁱ, and diagonal √(1 − y).
 *
 * @example
 * const d = new rv.distributions.LKJCholesky({ dimension: 3, concentration: 2 });
 * const L = d.sample([], { seed: 1 });   // [3, 3], rows of unit norm
 * d.logProb(L);
 */
export class LKJCholesky extends Distribution {
  readonly hasRsample = false;
  readonly support: Constraint = correlationCholesky;
  readonly dimension: number;
  readonly concentration: Tensor;

  constructor(args: LKJCholeskyArgs) {
    const d = args.dimension;
    if (!Number.isInteger(d) || d < 1) throw new Error(`LKJCholesky: dimension must be an integer >= 1, got ${String(d)}`);
    const { dtype, tensors } = floatParams('LKJCholesky', { concentration: args.concentration });
    const eta = tensors.concentration;
    super({ name: 'LKJCholesky', dtype, batchShape: eta.shape, eventShape: [d, d], parameters: { concentration: eta }, options: args });
    this.dimension = d;
    this.concentration = eta;
    this.requireParam(eta, positiveFinite, 'concentration must be positive');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const d = this.dimension;
    const batch = [...sampleShape, ...this.batchShape];
    if (d === 1) return ops.ones([...batch, 1, 1], this.dtype);
    const [betaSeed, normalSeed] = splitSeed(seed, 2);
    // Squared norms of rows 1..d−1 below the diagonal; row 0 is (1, 0, ..., 0).
    const rows = ops.arange(1, d, 1, this.dtype);
    const a = ops.mul(rows, 0.5);
    const b = ops.add(ops.expandDims(this.concentration, -1), ops.mul(ops.sub(d - 1, rows), 0.5));
    const y = ops.randomBeta(sampleShape, a, b, this.dtype, betaSeed);
    const squaredNorms = ops.concat([ops.zeros([...batch, 1], this.dtype), ops.broadcastTo(y, [...batch, d - 1])], -1);
    // Directions: normal draws below the diagonal, each row scaled to unit norm.
    const z = ops.bandPart(ops.randomNormal([...batch, d, d], 0, 1, this.dtype, normalSeed), -1, 0);
    const below = ops.matrixSetDiag(z, ops.zeros([...batch, d], this.dtype));
    const norms = ops.sqrt(ops.sum(ops.square(below), -1, true));
    const directions = ops.div(below, ops.where(ops.greater(norms, 0), norms, 1));
    const offDiagonal = ops.mul(directions, ops.expandDims(ops.sqrt(squaredNorms), -1));
    return ops.matrixSetDiag(offDiagonal, ops.sqrt(ops.sub(1, squaredNorms)));
  }

  protected logProbImpl(value: Tensor): Tensor {
    const d = this.dimension;
    const rows = ops.arange(1, d, 1, this.dtype);
    const exponents = ops.add(ops.expandDims(ops.mul(this.concentration, 2), -1), ops.sub(d - 3, rows));
    const logDiagonal = ops.log(ops.slice(ops.matrixDiagPart(value), [...new Array<number>(value.rank - 2).fill(0), 1]));
    return ops.sub(ops.sum(ops.mul(exponents, logDiagonal), -1), this.logNormalizer());
  }

  /**
   * log of ∫ Πᵢ Lᵢᵢ^(d − i − 3 + 2η) over the rows' balls: Σᵢ (i/2) log π + log Γ(βᵢ) − log Γ(βᵢ + i/2)
   * with βᵢ = η + (d − 1 − i)/2 (so βᵢ + i/2 = η + (d − 1)/2 for every row).
   */
  private logNormalizer(): Tensor {
    const d = this.dimension;
    const rows = ops.arange(1, d, 1, this.dtype);
    const beta = ops.add(ops.expandDims(this.concentration, -1), ops.mul(ops.sub(d - 1, rows), 0.5));
    const top = ops.expandDims(ops.lgamma(ops.add(this.concentration, (d - 1) / 2)), -1);
    const perRow = ops.sub(ops.add(ops.mul(rows, 0.5 * Math.log(Math.PI)), ops.lgamma(beta)), top);
    return ops.sum(perRow, -1);
  }
}
