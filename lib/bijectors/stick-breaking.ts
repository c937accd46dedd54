/** Stick-breaking onto the simplex. */
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import type { BijectorOptions } from './bijector';
import { SimplexBijector } from './simplex-bijector';

/**
 * Vectors of length k−1 onto the probability simplex in R^k by breaking a stick (Stan's and
 * NumPyro's simplex transform): entry i takes the fraction zᵢ = σ(Xᵢ − log(k−1−i)) of what the
 * entries before it left, and Y_k the rest. The offsets map X = 0 to the uniform vector. The
 * default bijector of simplex supports.
 *
 * The log-det Jacobian, in the simplex's own coordinates (see SimplexBijector), comes to
 * Σᵢ log Yᵢ over all k entries.
 *
 * @example
 * new rv.bijectors.StickBreaking().forward([0, 0]);  // [1/3, 1/3, 1/3]
 */
export class StickBreaking extends SimplexBijector {
  constructor(options: BijectorOptions = {}) {
    super('StickBreaking', options);
  }

  protected forwardImpl(x: Tensor): Tensor {
    return ops.exp(this.logY(x));
  }

  protected inverseImpl(y: Tensor): Tensor {
    // zᵢ = Yᵢ / (Yᵢ + what is left after it), so logit zᵢ = log Yᵢ − log Σ_{j>i} Yⱼ; the tail
    // sums are taken from the end, which keeps small remainders accurate.
    const k = y.shape[y.rank - 1];
    const [head] = ops.split(y, [k - 1, 1], -1);
    const [after] = ops.split(ops.cumsum(y, -1, true, true), [k - 1, 1], -1);
    return ops.add(ops.sub(ops.log(head), ops.log(after)), offsets(k - 1, y.dtype));
  }

  protected forwardLogDetJacobianImpl(x: Tensor): Tensor {
    return ops.sum(this.logY(x), -1);
  }

  /** log Y, in logs throughout so that tiny entries keep their digits. */
  private logY(x: Tensor): Tensor {
    this.forwardEventShape(x.shape);   // throws, naming the bijector, on a scalar
    const u = ops.sub(x, offsets(x.shape[x.rank - 1], x.dtype));
    const logRest = ops.neg(ops.softplus(u));           // log(1 − zᵢ)
    const logLeft = ops.cumsum(logRest, -1, true);      // log of the stick left before entry i
    const head = ops.add(ops.logSigmoid(u), logLeft);   // log zᵢ + log left
    const last = ops.sum(logRest, -1, true);            // log of what is left at the end
    return ops.concat([head, last], -1);
  }
}

/** log(k−1−i) for i = 0, …, k−2 (with k−1 = `n`): the shifts that make X = 0 uniform. */
function offsets(n: number, dtype: Tensor['dtype']): Tensor {
  return ops.log(ops.arange(n, 0, -1, dtype));
}
