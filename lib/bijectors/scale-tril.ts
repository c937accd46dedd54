/** Multiplying vectors by a lower-triangular matrix. */
import type { TensorLike } from '../tensor/convert';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';
import { constantLogDet, paramOf, requireParam } from './params';

export interface ScaleTriLOptions extends BijectorOptions {
  /** A lower-triangular matrix [..., n, n] with non-zero diagonal; its upper triangle is not read. */
  scaleTril: TensorLike;
}

/**
 * Y = L · X for vectors X of length n and L = scaleTril (TFP's ScaleMatvecTriL; TFP's own
 * `ScaleTriL` is the map from vectors to such matrices, here Chain([TransformDiagonal(…),
 * FillTriangular])). Batch dims of L and X broadcast; log |det J| = Σ log |L_ii|, and the inverse
 * is a triangular solve.
 *
 * @example
 * new rv.bijectors.ScaleTriL({ scaleTril: [[2, 0], [1, 1]] }).forward([1, 1]);  // [2, 2]
 */
export class ScaleTriL extends Bijector {
  readonly scaleTril: TensorLike;

  constructor(options: ScaleTriLOptions) {
    const name = options.name ?? 'ScaleTriL';
    super({ name, forwardMinEventNdims: 1, isConstantJacobian: true, validateArgs: options.validateArgs });
    this.scaleTril = options.scaleTril;
    requireParam(this.validateArgs, this.scaleTril, (l) => ops.notEqual(ops.matrixDiagPart(l), 0), name, 'scaleTril must have a non-zero diagonal');
  }

  protected forwardImpl(x: Tensor): Tensor {
    const column = ops.matMul(ops.bandPart(this.param(x), -1, 0), asColumn(x));
    return ops.squeeze(column, -1);
  }

  protected inverseImpl(y: Tensor): Tensor {
    return ops.squeeze(ops.triangularSolve(this.param(y), asColumn(y)), -1);
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return constantLogDet(ops.sum(ops.log(ops.abs(ops.matrixDiagPart(this.param(x)))), -1), x, 1);
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return ops.neg(this.forwardLogDetJacobianImpl(y));
  }

  private param(like: Tensor): Tensor {
    return paramOf(this.scaleTril, like.dtype, this.name, 'scaleTril');
  }
}

/** Vectors [..., n] as columns [..., n, 1], for matrix products and solves. */
function asColumn(x: Tensor): Tensor {
  return ops.reshape(x, [...x.shape, 1]);
}
