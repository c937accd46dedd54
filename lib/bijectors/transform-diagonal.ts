/** A bijector applied to the diagonal of matrices. */
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';

/**
 * Applies `diagBijector` to the diagonal of matrices [..., n, n], leaving the other entries as
 * they are (TFP's TransformDiagonal); the log-det Jacobian is the diagonal map's, summed over the
 * diagonal. `diagBijector` must act on vectors or elementwise and keep their length.
 *
 * @example
 * new rv.bijectors.TransformDiagonal(new rv.bijectors.Exp()).forward([[0, 0], [2, 0]]);  // [[1, 0], [2, 1]]
 */
export class TransformDiagonal extends Bijector {
  constructor(readonly diagBijector: Bijector, options: BijectorOptions = {}) {
    super({ name: options.name ?? `TransformDiagonal(${diagBijector.name})`, forwardMinEventNdims: 2, isConstantJacobian: diagBijector.isConstantJacobian, validateArgs: options.validateArgs });
    if (diagBijector.forwardMinEventNdims > 1 || diagBijector.inverseMinEventNdims > 1) {
      throw new Error(`${this.name}: the diagonal bijector must act on vectors or elementwise`);
    }
  }

  protected forwardImpl(x: Tensor): Tensor {
    return ops.matrixSetDiag(x, this.diagBijector.forward(ops.matrixDiagPart(x)));
  }

  protected inverseImpl(y: Tensor): Tensor {
    return ops.matrixSetDiag(y, this.diagBijector.inverse(ops.matrixDiagPart(y)));
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return this.diagBijector.forwardLogDetJacobian(ops.matrixDiagPart(x), 1);
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return this.diagBijector.inverseLogDetJacobian(ops.matrixDiagPart(y), 1);
  }
}
