/** The base of the bijectors onto the probability simplex. */
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { Bijector, type BijectorOptions } from './bijector';

/**
 * A bijector from vectors of length k−1 onto the probability simplex in R^k (SoftmaxCentered,
 * StickBreaking). Log-det Jacobians are those of X ↦ (Y_1, …, Y_{k−1}), the simplex's own
 * coordinates (the ones Dirichlet densities are written in), so that densities transformed by
 * either map are comparable with Dirichlet's and with each other's.
 */
export abstract class SimplexBijector extends Bijector {
  protected constructor(name: string, options: BijectorOptions) {
    super({ name: options.name ?? name, forwardMinEventNdims: 1, validateArgs: options.validateArgs });
  }

  override forwardEventShape(shape: Shape): Shape {
    return resizeLastDim(shape, 1, this.name);
  }

  override inverseEventShape(shape: Shape): Shape {
    return resizeLastDim(shape, -1, this.name);
  }

  /** −Σᵢ log Yᵢ over all k entries (for both maps, the forward one comes to Σᵢ log Yᵢ). */
  protected override inverseLogDetJacobianImpl(y: Tensor): Tensor {
    return ops.neg(ops.sum(ops.log(y), -1));
  }
}

/** The event shape of vectors one entry longer (delta 1) or shorter (delta −1). */
function resizeLastDim(shape: Shape, delta: 1 | -1, owner: string): Shape {
  const [k] = shape.slice(-1);
  if (k === undefined || k + delta < 0) throw new Error(`${owner}: expected vectors${delta < 0 ? ' of at least one entry' : ''}, got event shape [${shape}]`);
  return [...shape.slice(0, -1), k + delta];
}
