/**
 * The continuous uniform distribution.
 */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import { broadcastShapes, type Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as constraints from './constraints';
import type { DistributionOptions } from './distribution';
import { registerKL } from './kl';
import * as ops from './ops';
import { klResult, ScalarDistribution } from './shared';

export interface UniformInit extends DistributionOptions {
  /** The lower end (default 0). */
  low?: TensorLike;
  /** The upper end, above low (default 1). */
  high?: TensorLike;
}

/**
 * The uniform distribution on [low, high], as TFP's `Uniform`. Samples are reparameterised
 * (low + (high − low)·u). It has no mode.
 *
 * @example
 * const d = new rv.distributions.Uniform({ low: -1, high: [1, 3] });
 * d.mean();  // [0, 1]
 */
export class Uniform extends ScalarDistribution {
  readonly hasRsample = true;
  readonly support: constraints.Constraint;
  readonly low: Tensor;
  readonly high: Tensor;

  constructor({ low = 0, high = 1, ...options }: UniformInit = {}) {
    super('Uniform', { low, high }, options);
    this.low = this.parameters.low;
    this.high = this.parameters.high;
    if (this.validateArgs) this.requireAll(ops.less(this.low, this.high), '', 'low must be less than high');
    this.support = constraints.interval(this.low, this.high);
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const u = ops.randomUniform(this.drawShape(sampleShape), 0, 1, this.dtype, seed);
    return ops.add(this.low, ops.mul(this.width(), u));
  }

  protected logProbImpl(value: Tensor): Tensor {
    return ops.broadcastTo(ops.neg(ops.log(this.width())), broadcastShapes([value.shape, this.batchShape], ['value', 'batch']));
  }

  override cdf(value: TensorLike): Tensor {
    const fraction = ops.div(ops.sub(this.value(value, 'cdf'), this.low), this.width());
    return ops.minimum(ops.maximum(fraction, 0), 1);
  }

  override quantile(p: TensorLike): Tensor {
    return ops.add(this.low, ops.mul(this.width(), this.value(p, 'quantile')));
  }

  override mean(): Tensor {
    return this.full(ops.mul(ops.add(this.low, this.high), 0.5));
  }

  override variance(): Tensor {
    return this.full(ops.div(ops.square(this.width()), 12));
  }

  override entropy(): Tensor {
    return this.full(ops.log(this.width()));
  }

  private width(): Tensor {
    return ops.sub(this.high, this.low);
  }
}

/** log((h₂ − l₂)/(h₁ − l₁)) when [l₁, h₁] lies inside [l₂, h₂], else Infinity. */
registerKL(Uniform, Uniform, (p, q) => {
  const inside = ops.logicalAnd(ops.lessEqual(q.low, p.low), ops.lessEqual(p.high, q.high));
  const kl = ops.sub(ops.log(ops.sub(q.high, q.low)), ops.log(ops.sub(p.high, p.low)));
  return klResult(p, q, ops.where(inside, kl, Infinity));
});
