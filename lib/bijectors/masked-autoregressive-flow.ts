/** Masked autoregressive flows (MAF) and inverse autoregressive flows (IAF). */
import type { TensorLike } from '../tensor/convert';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { tensorOf } from '../distributions/params';
import { Bijector, type BijectorOptions } from './bijector';
import { Invert } from './invert';
import { constantLogDet } from './params';

/**
 * The network of an autoregressive flow: from vectors [..., d] to a shift and a log-scale of the
 * same shape (or null for none: a volume-preserving flow), where entry i of both depends only on
 * entries j < i of the input (a MADE network, or {@link maskedDense}).
 */
export type ShiftAndLogScaleFn = (x: Tensor) => readonly [Tensor, Tensor | null | undefined];

export interface MaskedAutoregressiveFlowOptions extends BijectorOptions {
  shiftAndLogScaleFn: ShiftAndLogScaleFn;
}

/**
 * The masked autoregressive flow of Papamakarios et al. (TFP's MaskedAutoregressiveFlow), on
 * vectors: Y_i = X_i · exp(logScale_i(Y)) + shift_i(Y), with [shift, logScale] =
 * shiftAndLogScaleFn(Y) autoregressive (entry i depends on Y_j, j < i only).
 *
 * Which direction is fast: the inverse, X = (Y − shift(Y)) · exp(−logScale(Y)), is one pass of
 * the network, so density evaluation (logProb of a transformed distribution) is fast; forward,
 * i.e. sampling, needs d sequential passes, each fixing one more entry of Y. The log-det
 * Jacobian is Σᵢ logScale_i(Y) (J is triangular). For fast sampling use
 * {@link InverseAutoregressiveFlow}.
 *
 * @example
 * const d = 3;
 * const kernel = rv.randomNormal([d, d], 0, 0.5, 'float64', 1);
 * const maf = new rv.bijectors.MaskedAutoregressiveFlow({
 *   shiftAndLogScaleFn: (y) => [rv.bijectors.maskedDense(y, kernel), rv.tanh(rv.bijectors.maskedDense(y, kernel))],
 * });
 * const y = maf.forward(rv.tensor([0.1, -0.2, 0.3], [3], 'float64'));
 * maf.inverse(y);  // [0.1, -0.2, 0.3]
 */
export class MaskedAutoregressiveFlow extends Bijector {
  readonly shiftAndLogScaleFn: ShiftAndLogScaleFn;

  constructor(options: MaskedAutoregressiveFlowOptions) {
    super({ name: options.name ?? 'MaskedAutoregressiveFlow', forwardMinEventNdims: 1, validateArgs: options.validateArgs });
    if (typeof options.shiftAndLogScaleFn !== 'function') throw new Error(`${this.name}: shiftAndLogScaleFn must be a function`);
    this.shiftAndLogScaleFn = options.shiftAndLogScaleFn;
  }

  protected forwardImpl(x: Tensor): Tensor {
    return this.solve(x).y;
  }

  protected inverseImpl(y: Tensor): Tensor {
    const [shift, logScale] = this.shiftAndLogScaleFn(y);
    const centred = ops.sub(y, shift);
    return logScale ? ops.mul(centred, ops.exp(ops.neg(logScale))) : centred;
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return this.sumLogScale(this.solve(x).logScale, x);
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return ops.neg(this.sumLogScale(this.shiftAndLogScaleFn(y)[1], y));
  }

  /**
   * Y from X, one entry per pass: after pass i, entries 0..i of Y are final, since entry i of
   * the network's output only reads entries before it. The last pass's log-scale is that of the
   * final Y (it reads entries 0..d−2 only, already final then).
   */
  private solve(x: Tensor): { y: Tensor; logScale: Tensor | null | undefined } {
    let y = ops.zerosLike(x);
    let logScale: Tensor | null | undefined = null;
    for (let i = 0; i < x.shape[x.rank - 1]; i++) {
      const [shift, ls] = this.shiftAndLogScaleFn(y);
      logScale = ls;
      y = ops.add(ls ? ops.mul(x, ops.exp(ls)) : x, shift);
    }
    return { y, logScale };
  }

  private sumLogScale(logScale: Tensor | null | undefined, like: Tensor): Tensor {
    return logScale ? ops.sum(ops.broadcastTo(logScale, like.shape), -1) : constantLogDet(ops.zeros([], like.dtype), like, 1);
  }
}

/**
 * The inverse autoregressive flow of Kingma et al.: Invert(MaskedAutoregressiveFlow), as TFP
 * builds it. Its forward map Y = (X − shift(X)) · exp(−logScale(X)) is one pass of the network, so
 * sampling is fast; its inverse (density evaluation of arbitrary points) needs d passes. Samples
 * drawn through it have cheap log-densities all the same, since X is known for them.
 *
 * @example
 * const iaf = new rv.bijectors.InverseAutoregressiveFlow({ shiftAndLogScaleFn: (x) => [rv.bijectors.maskedDense(x, kernel), null] });
 */
export class InverseAutoregressiveFlow extends Invert {
  constructor(options: MaskedAutoregressiveFlowOptions) {
    super(new MaskedAutoregressiveFlow({ ...options, name: undefined }), { name: options.name ?? 'InverseAutoregressiveFlow', validateArgs: options.validateArgs });
  }
}

/**
 * A masked dense layer, the building block of MADE: x · (kernel ⊙ mask) + bias for vectors x
 * [..., d] and kernel [d, d], where the mask lets output i see input j only when j < i
 * (`exclusive`, the default: for a network's first layer, so that output i is autoregressive) or
 * j ≤ i (for the layers after it). A stack of such layers with elementwise activations between
 * them is autoregressive. (The full MADE network, with hidden units, comes with the neural
 * network layers.)
 *
 * @example
 * const shift = rv.bijectors.maskedDense(x, kernel);  // shift[i] depends on x[0..i-1] only
 */
export function maskedDense(x: TensorLike, kernel: TensorLike, bias?: TensorLike, exclusive = true): Tensor {
  const k = tensorOf(kernel, 'maskedDense', 'kernel');
  const d = k.shape[0];
  if (k.rank !== 2 || k.shape[1] !== d) throw new Error(`maskedDense: kernel must be square [d, d], got [${k.shape}]`);
  // mask[j][i] = 1 where input j may feed output i: the upper triangle of the [in, out] matrix,
  // without its diagonal when exclusive.
  const upper = ops.bandPart(ops.ones([d, d], k.dtype), 0, -1);
  const mask = exclusive ? ops.sub(upper, ops.eye(d, d, [], k.dtype)) : upper;
  const out = ops.matMul(x, ops.mul(k, mask));
  return bias === undefined ? out : ops.add(out, bias);
}
