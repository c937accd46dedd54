/**
 * The default bijector of each kind of constraint: the map from unconstrained reals onto the
 * support that HMC/NUTS and VI work through (`constraint.bijector()`,
 * `distribution.defaultBijector()`). Registered when lib/bijectors is loaded (lib/index.ts
 * loads it).
 *
 * - real, real vectors: Identity.
 * - > lower (and >= lower): Exp, shifted by lower, as TFP's and Stan's positive transforms (Exp
 *   rather than Softplus: log-densities of scale parameters stay simple in the unconstrained
 *   space, and the boundary itself has no mass).
 * - [lower, upper]: Sigmoid onto (lower, upper).
 * - simplex: StickBreaking (R^(k−1) onto the simplex in R^k: the unconstrained space has one
 *   entry fewer, see forwardEventShape).
 * - lower Cholesky factors: FillTriangular with an Exp diagonal (TFP's FillScaleTriL, with Exp
 *   as Stan's cholesky_factor transform).
 * - correlation Cholesky factors: CorrelationCholesky.
 * - positive definite: CholeskyOuterProduct of the lower-Cholesky map (vectors of n(n+1)/2).
 * - integer supports (integer intervals, one-hot and count vectors): none; asking throws.
 */
import { type Constraint, GreaterThan, Interval, registerConstraintBijector } from '../distributions/constraints';
import type { Bijector } from './bijector';
import { Chain } from './chain';
import { CholeskyOuterProduct } from './cholesky-outer-product';
import { CorrelationCholesky } from './correlation-cholesky';
import { Exp } from './exp';
import { FillTriangular } from './fill-triangular';
import { Identity } from './identity';
import { Shift } from './shift';
import { Sigmoid } from './sigmoid';
import { StickBreaking } from './stick-breaking';
import { TransformDiagonal } from './transform-diagonal';

/** Vectors of n(n+1)/2 to lower-triangular n × n matrices with positive (exp) diagonal. */
function lowerCholeskyBijector(): Bijector {
  return new Chain([new TransformDiagonal(new Exp()), new FillTriangular()], { name: 'FillScaleTriL' });
}

function positiveFrom(lower: GreaterThan['lower']): Bijector {
  const exp = new Exp();
  return typeof lower === 'number' && lower === 0 ? exp : new Chain([new Shift({ shift: lower }), exp]);
}

function discrete(c: Constraint): never {
  throw new Error(`constraint ${c.name}: no bijector for a discrete support`);
}

registerConstraintBijector('real', () => new Identity());
registerConstraintBijector('realVector', () => new Identity());
registerConstraintBijector('greaterThan', (c) => positiveFrom((c as GreaterThan).lower));
registerConstraintBijector('interval', (c) => new Sigmoid({ low: (c as Interval).lower, high: (c as Interval).upper }));
registerConstraintBijector('simplex', () => new StickBreaking());
registerConstraintBijector('lowerCholesky', lowerCholeskyBijector);
registerConstraintBijector('correlationCholesky', () => new CorrelationCholesky());
registerConstraintBijector('positiveDefinite', () => new Chain([new CholeskyOuterProduct(), lowerCholeskyBijector()]));
registerConstraintBijector('integerInterval', discrete);
registerConstraintBijector('oneHot', discrete);
registerConstraintBijector('countVector', discrete);
