/**
 * The Bijector base: an invertible, differentiable map with its log-det Jacobian, as in
 * TensorFlow Probability. `forwardMinEventNdims` is the rank of the smallest input it acts on
 * as a whole (0 for elementwise maps, 1 for maps of vectors such as StickBreaking); log-det
 * Jacobians are summed over any further event dims asked for.
 */
import type { TensorLike } from '../tensor/convert';
import { sum } from '../tensor/ops/reduction';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { tensorOf } from '../distributions/params';

export interface BijectorOptions {
  name?: string;
  validateArgs?: boolean;
}

export abstract class Bijector {
  readonly name: string;
  readonly validateArgs: boolean;
  /** Rank of the smallest input the forward map acts on as a whole. */
  readonly forwardMinEventNdims: number;
  /** Rank of the smallest input the inverse map acts on as a whole. */
  readonly inverseMinEventNdims: number;
  /** Whether the log-det Jacobian does not depend on the point. */
  readonly isConstantJacobian: boolean;

  protected constructor(init: { name: string; forwardMinEventNdims: number; inverseMinEventNdims?: number; isConstantJacobian?: boolean; validateArgs?: boolean }) {
    this.name = init.name;
    this.forwardMinEventNdims = init.forwardMinEventNdims;
    this.inverseMinEventNdims = init.inverseMinEventNdims ?? init.forwardMinEventNdims;
    this.isConstantJacobian = init.isConstantJacobian ?? false;
    this.validateArgs = init.validateArgs ?? false;
  }

  /** y = f(x). @example new rv.bijectors.Exp().forward([0, 1])  // [1, e] */
  forward(x: TensorLike): Tensor {
    return this.forwardImpl(tensorOf(x, `${this.name}.forward`, 'x'));
  }

  /** x = f⁻¹(y). @example new rv.bijectors.Exp().inverse([1])  // [0] */
  inverse(y: TensorLike): Tensor {
    return this.inverseImpl(tensorOf(y, `${this.name}.inverse`, 'y'));
  }

  /**
   * log |det ∂f/∂x| at x, summed over the last `eventNdims` dims beyond the map's own
   * (default: its own, `forwardMinEventNdims`).
   *
   * @example new rv.bijectors.Exp().forwardLogDetJacobian([0, 1])  // [0, 1]
   */
  forwardLogDetJacobian(x: TensorLike, eventNdims = this.forwardMinEventNdims): Tensor {
    const t = tensorOf(x, `${this.name}.forwardLogDetJacobian`, 'x');
    return this.reduceExtra(this.forwardLogDetJacobianImpl(t), eventNdims, this.forwardMinEventNdims, 'forwardLogDetJacobian');
  }

  /**
   * log |det ∂f⁻¹/∂y| at y (= −forwardLogDetJacobian(f⁻¹(y))), summed as forwardLogDetJacobian.
   *
   * @example new rv.bijectors.Exp().inverseLogDetJacobian([1])  // [0]
   */
  inverseLogDetJacobian(y: TensorLike, eventNdims = this.inverseMinEventNdims): Tensor {
    const t = tensorOf(y, `${this.name}.inverseLogDetJacobian`, 'y');
    return this.reduceExtra(this.inverseLogDetJacobianImpl(t), eventNdims, this.inverseMinEventNdims, 'inverseLogDetJacobian');
  }

  /** The event shape of f(x) for x of event shape `shape` (the same, unless the map reshapes). */
  forwardEventShape(shape: Shape): Shape {
    return shape;
  }

  /** The event shape of f⁻¹(y) for y of event shape `shape`. */
  inverseEventShape(shape: Shape): Shape {
    return shape;
  }

  protected abstract forwardImpl(x: Tensor): Tensor;
  protected abstract inverseImpl(y: Tensor): Tensor;
  /** log |det J| at x, over the map's own event dims (shape: x's shape without them). */
  protected abstract forwardLogDetJacobianImpl(x: Tensor): Tensor;
  protected inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return this.forwardLogDetJacobianImpl(this.inverseImpl(y)).neg();
  }

  private reduceExtra(ldj: Tensor, eventNdims: number, minEventNdims: number, what: string): Tensor {
    const extra = eventNdims - minEventNdims;
    if (!Number.isInteger(extra) || extra < 0) {
      throw new Error(`${this.name}.${what}: eventNdims must be an integer of at least ${minEventNdims}`);
    }
    if (extra === 0) return ldj;
    if (extra > ldj.rank) throw new Error(`${this.name}.${what}: eventNdims exceeds the rank of the input`);
    return sum(ldj, Array.from({ length: extra }, (_, i) => ldj.rank - 1 - i));
  }
}
