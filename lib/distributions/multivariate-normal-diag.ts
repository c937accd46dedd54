/** MultivariateNormalDiag: a multivariate normal with a diagonal scale (TFP's MultivariateNormalDiag). */
import type { TensorLike } from '../tensor/convert';
import type { Tensor } from '../tensor/tensor';
import type { DistributionOptions } from './distribution';
import { registerKL } from './kl';
import { MultivariateNormalLinearOperator, multivariateNormalKL } from './multivariate-normal-base';
import * as ops from './ops';
import { batchShapeOf, floatParams, nonZeroFinite, requireRank } from './params';

export interface MultivariateNormalDiagArgs extends DistributionOptions {
  /** The mean, [..., K] (default zeros). */
  loc?: TensorLike;
  /** The diagonal of the scale, non-zero, [..., K] (default ones): the standard deviations. */
  scaleDiag?: TensorLike;
}

/**
 * The multivariate normal N(loc, diag(scaleDiag)²) over vectors of K reals: independent normals
 * seen as one event. At least one of loc and scaleDiag must be given (K is their last axis).
 *
 * @example
 * const d = new rv.distributions.MultivariateNormalDiag({ loc: [0, 1], scaleDiag: [1, 2] });
 * d.sample([3], { seed: 1 });   // shape [3, 2]
 * d.logProb([0, 1]);            // −log 2 − log 2π
 */
export class MultivariateNormalDiag extends MultivariateNormalLinearOperator {
  readonly scaleDiag: Tensor;

  constructor(args: MultivariateNormalDiagArgs) {
    const name = 'MultivariateNormalDiag';
    if (args.loc === undefined && args.scaleDiag === undefined) throw new Error(`${name}: give loc or scaleDiag (or both)`);
    const { dtype, tensors } = floatParams(name, { loc: args.loc, scaleDiag: args.scaleDiag });
    const loc = tensors.loc ?? ops.zeros(tensors.scaleDiag.shape.slice(-1), dtype);
    const scaleDiag = tensors.scaleDiag ?? ops.ones(loc.shape.slice(-1), dtype);
    requireRank(name, 'loc', loc, 1, 'vectors on the last axis');
    requireRank(name, 'scaleDiag', scaleDiag, 1, 'vectors on the last axis');
    const full = batchShapeOf(name, { loc: loc.shape, scaleDiag: scaleDiag.shape });
    super({ name, dtype, batchShape: full.slice(0, -1), eventShape: full.slice(-1), loc, parameters: { loc, scaleDiag }, options: args });
    this.scaleDiag = scaleDiag;
    this.requireParam(scaleDiag, nonZeroFinite, 'scaleDiag must be non-zero and finite');
  }

  protected scaleMatMul(m: Tensor): Tensor {
    return ops.mul(ops.expandDims(this.scaleDiag, -1), m);
  }

  solveScale(m: Tensor): Tensor {
    return ops.div(m, ops.expandDims(this.scaleDiag, -1));
  }

  logAbsDetScale(): Tensor {
    return ops.sum(ops.log(ops.abs(this.scaleDiag)), -1);
  }

  scaleMatrix(): Tensor {
    return ops.matrixDiag(ops.broadcastTo(this.scaleDiag, [...this.scaleDiag.shape.slice(0, -1), ...this.eventShape]));
  }

  diagonalScale(): Tensor {
    return this.scaleDiag;
  }

  /** scaleDiag², per component. */
  override variance(): Tensor {
    return ops.broadcastTo(ops.square(this.scaleDiag), [...this.batchShape, ...this.eventShape]);
  }

  /** diag(scaleDiag²). */
  covariance(): Tensor {
    return ops.matrixDiag(this.variance());
  }
}

registerKL(MultivariateNormalDiag, MultivariateNormalDiag, multivariateNormalKL);
