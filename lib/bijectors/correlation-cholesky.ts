/** Unconstrained vectors to Cholesky factors of correlation matrices. */
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';
import { filledShape, fillLower, lowerEntries, triangleShape } from './triangular';

/**
 * Vectors of length n(n−1)/2 to n × n lower-triangular matrices with positive diagonal and rows
 * of unit norm, the Cholesky factors of correlation matrices (TFP's CorrelationCholesky): X fills
 * the strict lower triangle row by row (as FillTriangular), the diagonal is 1, and each row is
 * then divided by its norm. The default bijector of correlation-Cholesky supports.
 *
 * Row i (from 0) has i free entries v ↦ v/‖(v, 1)‖, whose Jacobian determinant is
 * ‖(v, 1)‖^−(i+2) = Y_ii^(i+2); so log |det J| = Σᵢ (i + 2)·log Yᵢᵢ, over the n(n−1)/2 free
 * entries on each side (the strict lower triangles).
 *
 * @example
 * new rv.bijectors.CorrelationCholesky().forward([0]);  // [[1, 0], [0, 1]]
 * new rv.bijectors.CorrelationCholesky().forward([1]);  // [[1, 0], [0.707, 0.707]]
 */
export class CorrelationCholesky extends Bijector {
  constructor(options: BijectorOptions = {}) {
    super({ name: options.name ?? 'CorrelationCholesky', forwardMinEventNdims: 1, inverseMinEventNdims: 2, validateArgs: options.validateArgs });
  }

  override forwardEventShape(shape: Shape): Shape {
    return filledShape(shape, true, this.name);
  }

  override inverseEventShape(shape: Shape): Shape {
    return triangleShape(shape, true, this.name);
  }

  protected forwardImpl(x: Tensor): Tensor {
    const rows = this.rows(x);
    return ops.mul(rows, ops.rsqrt(ops.sum(ops.square(rows), -1, true)));
  }

  protected inverseImpl(y: Tensor): Tensor {
    // Dividing each row by its diagonal entry brings the diagonal back to 1.
    const diagonal = ops.matrixDiagPart(y);
    return lowerEntries(ops.div(y, ops.reshape(diagonal, [...diagonal.shape, 1])), true);
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    // Yᵢᵢ = 1/‖rowᵢ‖, so (i + 2)·log Yᵢᵢ = −(i + 2)/2 · log ‖rowᵢ‖².
    const squaredNorms = ops.sum(ops.square(this.rows(x)), -1);
    return ops.mul(ops.sum(ops.mul(rowWeights(squaredNorms), ops.log(squaredNorms)), -1), -0.5);
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    const diagonal = ops.matrixDiagPart(y);
    return ops.neg(ops.sum(ops.mul(rowWeights(diagonal), ops.log(diagonal)), -1));
  }

  /** The rows before normalising: X in the strict lower triangle, 1 on the diagonal. */
  private rows(x: Tensor): Tensor {
    const filled = fillLower(x, true, this.name);
    const n = filled.shape[filled.rank - 1];
    return ops.add(filled, ops.eye(n, n, [], x.dtype));
  }
}

/** i + 2 for each row i, along the last axis of a per-row tensor: the exponents of the log-det. */
function rowWeights(perRow: Tensor): Tensor {
  const n = perRow.shape[perRow.rank - 1];
  return ops.arange(2, n + 2, 1, perRow.dtype);
}
