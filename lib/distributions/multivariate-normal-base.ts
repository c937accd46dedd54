/**
 * The multivariate normal written once over its scale operator (TFP's
 * MultivariateNormalLinearOperator), the base of MultivariateNormalDiag and
 * MultivariateNormalTriL, and the KL divergence between two of them.
 */
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, realVector } from './constraints';
import { Distribution, type DistributionInit } from './distribution';
import * as ops from './ops';
import { halfLogTwoPi } from './shared';

/**
 * The multivariate normal loc + S·z, z ~ N(0, I), over vectors of K reals, for a scale
 * operator S given by the subclass (diagonal or lower-triangular): sampling, logProb, mean and
 * entropy are written once against S (TFP's MultivariateNormalLinearOperator).
 */
export abstract class MultivariateNormalLinearOperator extends Distribution {
  readonly hasRsample = true;
  readonly support: Constraint = realVector;
  /** The mean, [..., K] (zeros when not given). */
  readonly loc: Tensor;

  protected constructor(init: DistributionInit & { loc: Tensor }) {
    super(init);
    this.loc = init.loc;
  }

  /** S·m for a batch of K×N matrices m. */
  protected abstract scaleMatMul(m: Tensor): Tensor;
  /** S⁻¹·m for a batch of K×N matrices m. */
  abstract solveScale(m: Tensor): Tensor;
  /** log |det S|, of the scale's batch shape. */
  abstract logAbsDetScale(): Tensor;
  /** S as a dense lower-triangular matrix, [..., K, K]. */
  abstract scaleMatrix(): Tensor;
  /** The diagonal of S when S is diagonal (for cheaper KL divergences), else null. */
  abstract diagonalScale(): Tensor | null;
  /** Covariance S Sᵀ, batchShape + [K, K]. */
  abstract covariance(): Tensor;

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const z = ops.randomNormal([...sampleShape, ...this.batchShape, ...this.eventShape, 1], 0, 1, this.dtype, seed);
    return ops.add(this.loc, ops.squeeze(this.scaleMatMul(z), -1));
  }

  /** −½ |S⁻¹(x − loc)|² − log |det S| − (K/2) log 2π. */
  protected logProbImpl(value: Tensor): Tensor {
    const z = ops.squeeze(this.solveScale(ops.expandDims(ops.sub(value, this.loc), -1)), -1);
    const k = this.eventShape[0];
    return ops.sub(ops.mul(ops.sum(ops.square(z), -1), -0.5), ops.add(this.logAbsDetScale(), k * halfLogTwoPi));
  }

  override mean(): Tensor {
    return ops.broadcastTo(this.loc, [...this.batchShape, ...this.eventShape]);
  }

  override mode(): Tensor {
    return this.mean();
  }

  /** (K/2)(1 + log 2π) + log |det S|. */
  override entropy(): Tensor {
    const k = this.eventShape[0];
    return ops.broadcastTo(ops.add(this.logAbsDetScale(), k * (0.5 + halfLogTwoPi)), this.batchShape);
  }
}

/**
 * KL(p ‖ q) of two multivariate normals: ½ (|Sq⁻¹ Sp|²_F + |Sq⁻¹ (μq − μp)|² − K)
 * + log |det Sq| − log |det Sp|.
 */
export function multivariateNormalKL(p: MultivariateNormalLinearOperator, q: MultivariateNormalLinearOperator): Tensor {
  const dp = p.diagonalScale();
  const dq = q.diagonalScale();
  const trace = dp !== null && dq !== null
    ? ops.sum(ops.square(ops.div(dp, dq)), -1)
    : ops.sum(ops.square(q.solveScale(p.scaleMatrix())), [-2, -1]);
  const shift = ops.squeeze(q.solveScale(ops.expandDims(ops.sub(q.loc, p.loc), -1)), -1);
  const k = p.eventShape[0];
  const quadratic = ops.mul(ops.sub(ops.add(trace, ops.sum(ops.square(shift), -1)), k), 0.5);
  return ops.add(quadratic, ops.sub(q.logAbsDetScale(), p.logAbsDetScale()));
}
