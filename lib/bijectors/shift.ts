/** Adding a constant. */
import type { TensorLike } from '../tensor/convert';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';
import { constantLogDet, paramOf } from './params';

export interface ShiftOptions extends BijectorOptions {
  shift: TensorLike;
}

/**
 * Y = X + shift (shift broadcasts against X); the log-det Jacobian is 0.
 *
 * @example
 * new rv.bijectors.Shift({ shift: [1, 2] }).forward([0, 0]);  // [1, 2]
 */
export class Shift extends Bijector {
  readonly shift: TensorLike;

  constructor(options: ShiftOptions) {
    super({ name: options.name ?? 'Shift', forwardMinEventNdims: 0, isConstantJacobian: true, validateArgs: options.validateArgs });
    this.shift = options.shift;
  }

  protected forwardImpl(x: Tensor): Tensor {
    return ops.add(x, this.param(x));
  }

  protected inverseImpl(y: Tensor): Tensor {
    return ops.sub(y, this.param(y));
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return constantLogDet(ops.zerosLike(this.param(x)), x, 0);
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return this.forwardLogDetJacobianImpl(y);
  }

  private param(like: Tensor): Tensor {
    return paramOf(this.shift, like.dtype, this.name, 'shift');
  }
}
