/** A bijector run backwards. */
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { Bijector, type BijectorOptions } from './bijector';

/**
 * The inverse of `bijector`: forward is its inverse and inverse its forward, with the log-det
 * Jacobians and event shapes swapped to match (TFP's Invert).
 *
 * @example
 * new rv.bijectors.Invert(new rv.bijectors.Exp()).forward([1]);  // [0]
 */
export class Invert extends Bijector {
  constructor(readonly bijector: Bijector, options: BijectorOptions = {}) {
    super({
      name: options.name ?? `Invert(${bijector.name})`,
      forwardMinEventNdims: bijector.inverseMinEventNdims,
      inverseMinEventNdims: bijector.forwardMinEventNdims,
      isConstantJacobian: bijector.isConstantJacobian,
      validateArgs: options.validateArgs ?? bijector.validateArgs,
    });
  }

  override forwardEventShape(shape: Shape): Shape {
    return this.bijector.inverseEventShape(shape);
  }

  override inverseEventShape(shape: Shape): Shape {
    return this.bijector.forwardEventShape(shape);
  }

  protected forwardImpl(x: Tensor): Tensor {
    return this.bijector.inverse(x);
  }

  protected inverseImpl(y: Tensor): Tensor {
    return this.bijector.forward(y);
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return this.bijector.inverseLogDetJacobian(x);
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return this.bijector.forwardLogDetJacobian(y);
  }
}
