/** Vectors as lower-triangular matrices. */
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';
import { constantLogDet } from './params';
import { filledShape, fillLower, lowerEntries, triangleShape } from './triangular';

/**
 * Vectors of length n(n+1)/2 to n × n lower-triangular matrices, filled row by row:
 * [a, b, c, d, e, f] ↦ [[a, 0, 0], [b, c, 0], [d, e, f]] (NumPyro's and Stan's order; TFP's
 * FillTriangular fills the same entries in another order). A permutation of the entries, so
 * the log-det Jacobian is 0.
 *
 * @example
 * new rv.bijectors.FillTriangular().forward([1, 2, 3]);  // [[1, 0], [2, 3]]
 */
export class FillTriangular extends Bijector {
  constructor(options: BijectorOptions = {}) {
    super({ name: options.name ?? 'FillTriangular', forwardMinEventNdims: 1, inverseMinEventNdims: 2, isConstantJacobian: true, validateArgs: options.validateArgs });
  }

  override forwardEventShape(shape: Shape): Shape {
    return filledShape(shape, false, this.name);
  }

  override inverseEventShape(shape: Shape): Shape {
    return triangleShape(shape, false, this.name);
  }

  protected forwardImpl(x: Tensor): Tensor {
    return fillLower(x, false, this.name);
  }

  protected inverseImpl(y: Tensor): Tensor {
    return lowerEntries(y, false);
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return constantLogDet(ops.zeros([], x.dtype), x, 1);
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return constantLogDet(ops.zeros([], y.dtype), y, 2);
  }
}
