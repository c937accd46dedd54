/** An elementwise affine map. */
import type { TensorLike } from '../tensor/convert';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';
import { constantLogDet, paramOf, requireParam } from './params';

export interface AffineScalarOptions extends BijectorOptions {
  /** Added after scaling (default 0). */
  shift?: TensorLike;
  /** The elementwise factor, non-zero (default 1). */
  scale?: TensorLike;
}

/**
 * Y = scale · X + shift, elementwise (TFP's AffineScalar); the log-det Jacobian is log |scale|.
 *
 * @example
 * new rv.bijectors.AffineScalar({ shift: 1, scale: 2 }).forward([0, 1]);  // [1, 3]
 */
export class AffineScalar extends Bijector {
  readonly shift: TensorLike;
  readonly scale: TensorLike;

  constructor(options: AffineScalarOptions = {}) {
    const name = options.name ?? 'AffineScalar';
    super({ name, forwardMinEventNdims: 0, isConstantJacobian: true, validateArgs: options.validateArgs });
    this.shift = options.shift ?? 0;
    this.scale = options.scale ?? 1;
    requireParam(this.validateArgs, this.scale, (s) => ops.notEqual(s, 0), name, 'scale must be non-zero');
  }

  protected forwardImpl(x: Tensor): Tensor {
    return ops.add(ops.mul(x, this.param(this.scale, x, 'scale')), this.param(this.shift, x, 'shift'));
  }

  protected inverseImpl(y: Tensor): Tensor {
    return ops.div(ops.sub(y, this.param(this.shift, y, 'shift')), this.param(this.scale, y, 'scale'));
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return constantLogDet(ops.log(ops.abs(this.param(this.scale, x, 'scale'))), x, 0);
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return ops.neg(this.forwardLogDetJacobianImpl(y));
  }

  private param(value: TensorLike, like: Tensor, argument: string): Tensor {
    return paramOf(value, like.dtype, this.name, argument);
  }
}
