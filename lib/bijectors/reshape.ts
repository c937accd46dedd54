/** Reshaping events. */
import { formatShape, type Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';
import { constantLogDet } from './params';

export interface ReshapeOptions extends BijectorOptions {
  /** The event shape of Y; one entry may be −1, inferred from the size. */
  eventShapeOut: Shape;
  /** The event shape of X (default [−1]: vectors of any length); one entry may be −1. */
  eventShapeIn?: Shape;
}

/**
 * Reshapes the trailing `eventShapeIn` dims of X to `eventShapeOut`, keeping the batch dims in
 * front (TFP's Reshape). The log-det Jacobian is 0.
 *
 * @example
 * new rv.bijectors.Reshape({ eventShapeOut: [2, 2] }).forward([1, 2, 3, 4]);  // [[1, 2], [3, 4]]
 */
export class Reshape extends Bijector {
  readonly eventShapeOut: Shape;
  readonly eventShapeIn: Shape;

  constructor(options: ReshapeOptions) {
    const name = options.name ?? 'Reshape';
    const eventShapeOut = checkSpec(options.eventShapeOut, name, 'eventShapeOut');
    const eventShapeIn = checkSpec(options.eventShapeIn ?? [-1], name, 'eventShapeIn');
    super({ name, forwardMinEventNdims: eventShapeIn.length, inverseMinEventNdims: eventShapeOut.length, isConstantJacobian: true, validateArgs: options.validateArgs });
    this.eventShapeOut = eventShapeOut;
    this.eventShapeIn = eventShapeIn;
  }

  override forwardEventShape(shape: Shape): Shape {
    return this.reshaped(shape, this.eventShapeIn, this.eventShapeOut);
  }

  override inverseEventShape(shape: Shape): Shape {
    return this.reshaped(shape, this.eventShapeOut, this.eventShapeIn);
  }

  protected forwardImpl(x: Tensor): Tensor {
    return ops.reshape(x, this.forwardEventShape(x.shape));
  }

  protected inverseImpl(y: Tensor): Tensor {
    return ops.reshape(y, this.inverseEventShape(y.shape));
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    this.forwardEventShape(x.shape);
    return constantLogDet(ops.zeros([], x.dtype), x, this.forwardMinEventNdims);
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    this.inverseEventShape(y.shape);
    return constantLogDet(ops.zeros([], y.dtype), y, this.inverseMinEventNdims);
  }

  /** `shape` with its trailing dims, which must fit `from`, replaced by `to` (−1 resolved). */
  private reshaped(shape: Shape, from: Shape, to: Shape): Shape {
    const batch = shape.slice(0, shape.length - from.length);
    const event = shape.slice(shape.length - from.length);
    if (shape.length < from.length || event.some((d, i) => from[i] !== -1 && from[i] !== d)) {
      throw new Error(`${this.name}: shape ${formatShape(shape)} does not end in the event shape ${formatShape(from)}`);
    }
    const size = event.reduce((a, b) => a * b, 1);
    const known = to.reduce((a, b) => (b === -1 ? a : a * b), 1);
    const inferred = known === 0 ? 0 : size / known;
    if (!Number.isInteger(inferred) || (!to.includes(-1) && known !== size)) {
      throw new Error(`${this.name}: an event of shape ${formatShape(event)} cannot be reshaped to ${formatShape(to)}`);
    }
    return [...batch, ...to.map((d) => (d === -1 ? inferred : d))];
  }
}

function checkSpec(shape: Shape, owner: string, argument: string): Shape {
  const ok = Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= -1) && shape.filter((d) => d === -1).length <= 1;
  if (!ok) throw new Error(`${owner}: ${argument} must be an array of non-negative integers with at most one −1, got ${JSON.stringify(shape)}`);
  return shape.slice();
}
