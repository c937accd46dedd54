/** Cholesky factors to the positive-definite matrices they factor. */
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';

/**
 * Y = L·Lᵀ, from lower-triangular L with positive diagonal (only the lower triangle is read)
 * onto symmetric positive-definite matrices (TFP's CholeskyOuterProduct); the inverse is the
 * Cholesky factorisation. Volumes are those of the n(n+1)/2 free entries on each side (the
 * lower triangles): log |det J| = n·log 2 + Σᵢ (n − i)·log Lᵢᵢ, i = 0, …, n−1.
 *
 * @example
 * new rv.bijectors.CholeskyOuterProduct().forward([[1, 0], [2, 3]]);  // [[1, 2], [2, 13]]
 */
export class CholeskyOuterProduct extends Bijector {
  constructor(options: BijectorOptions = {}) {
    super({ name: options.name ?? 'CholeskyOuterProduct', forwardMinEventNdims: 2, validateArgs: options.validateArgs });
  }

  protected forwardImpl(x: Tensor): Tensor {
    const lower = ops.bandPart(x, -1, 0);
    return ops.matMul(lower, lower, false, true);
  }

  protected inverseImpl(y: Tensor): Tensor {
    return ops.cholesky(y);
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    const n = x.shape[x.rank - 1];
    const exponents = ops.arange(n, 0, -1, x.dtype);
    return ops.add(ops.sum(ops.mul(exponents, ops.log(ops.matrixDiagPart(x))), -1), n * Math.LN2);
  }
}
