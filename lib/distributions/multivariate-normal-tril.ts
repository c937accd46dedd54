/** MultivariateNormalTriL: a multivariate normal with a lower-triangular scale (TFP's MultivariateNormalTriL). */
import type { TensorLike } from '../tensor/convert';
import type { Tensor } from '../tensor/tensor';
import type { DistributionOptions } from './distribution';
import { registerKL } from './kl';
import { MultivariateNormalDiag } from './multivariate-normal-diag';
import { MultivariateNormalLinearOperator, multivariateNormalKL } from './multivariate-normal-base';
import * as ops from './ops';
import { batchShapeOf, floatParams, requireRank } from './params';

export interface MultivariateNormalTriLArgs extends DistributionOptions {
  /** The mean, [..., K] (default zeros). */
  loc?: TensorLike;
  /** The scale L, [..., K, K]: lower-triangular with a non-zero diagonal (the upper triangle is ignored). */
  scaleTril: TensorLike;
}

/**
 * The multivariate normal N(loc, L Lᵀ) over vectors of K reals, with L = `scaleTril` (for
 * example the Cholesky factor of the covariance). logProb solves with L (triangularSolve);
 * samples are loc + L z.
 *
 * @example
 * const cov = rv.tensor([[1, 0.5], [0.5, 2]], [2, 2], 'float64');
 * const d = new rv.distributions.MultivariateNormalTriL({ loc: [0, 0], scaleTril: rv.cholesky(cov) });
 * d.covariance();   // cov
 */
export class MultivariateNormalTriL extends MultivariateNormalLinearOperator {
  /** L with its upper triangle zeroed. */
  readonly scaleTril: Tensor;

  constructor(args: MultivariateNormalTriLArgs) {
    const name = 'MultivariateNormalTriL';
    const { dtype, tensors } = floatParams(name, { loc: args.loc, scaleTril: args.scaleTril });
    const given = tensors.scaleTril;
    requireRank(name, 'scaleTril', given, 2, 'matrices on the last two axes');
    const k = given.shape[given.rank - 1];
    if (given.shape[given.rank - 2] !== k) throw new Error(`${name}: scaleTril must be square in its last two axes, got shape [${given.shape.join(', ')}]`);
    const scaleTril = ops.bandPart(given, -1, 0);
    const loc = tensors.loc ?? ops.zeros([k], dtype);
    requireRank(name, 'loc', loc, 1, 'vectors on the last axis');
    const full = batchShapeOf(name, { loc: loc.shape, 'scaleTril (rows)': given.shape.slice(0, -1) });
    super({ name, dtype, batchShape: full.slice(0, -1), eventShape: [k], loc, parameters: { loc, scaleTril }, options: args });
    this.scaleTril = scaleTril;
    if (this.validateArgs) {
      const diag = ops.matrixDiagPart(scaleTril);
      this.requireAll(ops.logicalAnd(ops.notEqual(diag, 0), ops.isFinite(diag)), '', 'scaleTril must have a non-zero, finite diagonal');
    }
  }

  protected scaleMatMul(m: Tensor): Tensor {
    return ops.matMul(this.scaleTril, m);
  }

  solveScale(m: Tensor): Tensor {
    return ops.triangularSolve(this.scaleTril, m, true);
  }

  logAbsDetScale(): Tensor {
    return ops.sum(ops.log(ops.abs(ops.matrixDiagPart(this.scaleTril))), -1);
  }

  scaleMatrix(): Tensor {
    return this.scaleTril;
  }

  diagonalScale(): null {
    return null;
  }

  /** The diagonal of L Lᵀ: the row sums of L². */
  override variance(): Tensor {
    return ops.broadcastTo(ops.sum(ops.square(this.scaleTril), -1), [...this.batchShape, ...this.eventShape]);
  }

  /** L Lᵀ, batchShape + [K, K]. */
  covariance(): Tensor {
    const cov = ops.matMul(this.scaleTril, this.scaleTril, false, true);
    return ops.broadcastTo(cov, [...this.batchShape, ...this.eventShape, ...this.eventShape]);
  }
}

registerKL(MultivariateNormalTriL, MultivariateNormalTriL, multivariateNormalKL);
registerKL(MultivariateNormalTriL, MultivariateNormalDiag, multivariateNormalKL);
registerKL(MultivariateNormalDiag, MultivariateNormalTriL, multivariateNormalKL);
