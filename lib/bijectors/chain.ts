/** Composition of bijectors. */
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';
import { constantLogDet } from './params';

/**
 * The composition b₁ ∘ b₂ ∘ … ∘ bₙ: forward applies the LAST bijector first, as TFP's Chain;
 * log-det Jacobians add up along the way. Event ranks are tracked through the chain, so maps
 * between vectors and matrices compose with elementwise ones (Chain([Exp, FillTriangular]) acts
 * on vectors). An empty chain is the identity.
 *
 * @example
 * // y = exp(x) + 1
 * const b = new rv.bijectors.Chain([new rv.bijectors.Shift({ shift: 1 }), new rv.bijectors.Exp()]);
 * b.forward([0]);  // [2]
 */
export class Chain extends Bijector {
  readonly bijectors: readonly Bijector[];
  /** The bijectors in the order forward applies them: the last first. */
  private readonly applied: readonly Bijector[];

  constructor(bijectors: readonly Bijector[], options: BijectorOptions = {}) {
    const ranks = eventRanks(bijectors);
    super({
      name: options.name ?? `Chain(${bijectors.map((b) => b.name).join(', ')})`,
      forwardMinEventNdims: ranks.forward,
      inverseMinEventNdims: ranks.inverse,
      isConstantJacobian: bijectors.every((b) => b.isConstantJacobian),
      validateArgs: options.validateArgs,
    });
    this.bijectors = bijectors.slice();
    this.applied = this.bijectors.slice().reverse();
  }

  override forwardEventShape(shape: Shape): Shape {
    return this.applied.reduce((s, b) => b.forwardEventShape(s), shape);
  }

  override inverseEventShape(shape: Shape): Shape {
    return this.bijectors.reduce((s, b) => b.inverseEventShape(s), shape);
  }

  protected forwardImpl(x: Tensor): Tensor {
    return this.applied.reduce((v, b) => b.forward(v), x);
  }

  protected inverseImpl(y: Tensor): Tensor {
    return this.bijectors.reduce((v, b) => b.inverse(v), y);
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    let total = constantLogDet(ops.zeros([], x.dtype), x, this.forwardMinEventNdims);
    let ndims = this.forwardMinEventNdims;
    this.applied.forEach((b, i, all) => {
      total = ops.add(total, b.forwardLogDetJacobian(x, ndims));
      ndims += b.inverseMinEventNdims - b.forwardMinEventNdims;
      if (i < all.length - 1) x = b.forward(x);
    });
    return total;
  }

  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    let total = constantLogDet(ops.zeros([], y.dtype), y, this.inverseMinEventNdims);
    let ndims = this.inverseMinEventNdims;
    this.bijectors.forEach((b, i, all) => {
      total = ops.add(total, b.inverseLogDetJacobian(y, ndims));
      ndims += b.forwardMinEventNdims - b.inverseMinEventNdims;
      if (i < all.length - 1) y = b.inverse(y);
    });
    return total;
  }
}

/**
 * The least event rank the chain's input needs so that every bijector sees at least its own
 * (forward), and the rank of the output then (inverse). Each bijector may change the rank by
 * inverseMinEventNdims − forwardMinEventNdims (vectors to matrices and back).
 */
function eventRanks(bijectors: readonly Bijector[]): { forward: number; inverse: number } {
  let need = 0;
  let rank = 0;
  for (const b of bijectors.slice().reverse()) {
    if (rank < b.forwardMinEventNdims) {
      need += b.forwardMinEventNdims - rank;
      rank = b.forwardMinEventNdims;
    }
    rank += b.inverseMinEventNdims - b.forwardMinEventNdims;
  }
  return { forward: need, inverse: rank };
}
