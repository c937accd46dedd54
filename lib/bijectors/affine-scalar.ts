/** An elementwise affine map. */
import type { TensorLike } from '../tensor/convert';
import type { BijectorOptions } from './bijector';
import { Chain } from './chain';
import { Scale } from './scale';
import { Shift } from './shift';

export interface AffineScalarOptions extends BijectorOptions {
  /** Added after scaling (default 0). */
  shift?: TensorLike;
  /** The elementwise factor, non-zero (default 1). */
  scale?: TensorLike;
}

/**
 * Y = scale · X + shift, elementwise (TFP's AffineScalar): Chain([Shift, Scale]), as TFP now
 * writes it; the log-det Jacobian is log |scale|.
 *
 * @example
 * new rv.bijectors.AffineScalar({ shift: 1, scale: 2 }).forward([0, 1]);  // [1, 3]
 */
export class AffineScalar extends Chain {
  readonly shift: TensorLike;
  readonly scale: TensorLike;

  constructor(options: AffineScalarOptions = {}) {
    const name = options.name ?? 'AffineScalar';
    const shift = options.shift ?? 0;
    const scale = options.scale ?? 1;
    // The Scale is named after this bijector, so that its check of scale names it.
    super([new Shift({ shift }), new Scale({ scale, name, validateArgs: options.validateArgs })], { name, validateArgs: options.validateArgs });
    this.shift = shift;
    this.scale = scale;
  }
}
