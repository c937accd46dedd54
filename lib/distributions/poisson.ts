/** Poisson: counts of events at a given rate (TFP's Poisson). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, nonNegativeInteger } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import { registerKL } from './kl';
import * as ops from './ops';
import { floatParams, nonNegative, oneOf } from './params';
import { weightedByProb } from './probs-logits';

export interface PoissonArgs extends DistributionOptions {
  /** The rate (mean), >= 0. Give this or `logRate`. */
  rate?: TensorLike;
  /** log(rate). Give this or `rate`. */
  logRate?: TensorLike;
}

/**
 * The Poisson distribution with `rate` λ (or `logRate`): P(k) = λᵏ e^(−λ) / k!. Values are
 * counts in the parameter's float dtype.
 *
 * @example
 * const d = new rv.distributions.Poisson({ rate: 3 });
 * d.logProb(2);   // log(9 e⁻³ / 2)
 * d.cdf(2);       // e⁻³ (1 + 3 + 4.5)
 */
export class Poisson extends Distribution {
  readonly hasRsample = false;
  readonly support: Constraint = nonNegativeInteger;
  /** Which parameter was given. */
  readonly form: 'rate' | 'logRate';
  private readonly param: Tensor;

  constructor(args: PoissonArgs) {
    const form = oneOf('Poisson', { rate: args.rate, logRate: args.logRate });
    const { dtype, tensors } = floatParams('Poisson', { [form]: args[form] } as Record<'rate' | 'logRate', TensorLike>);
    const param = tensors[form];
    super({ name: 'Poisson', dtype, batchShape: param.shape, parameters: { [form]: param }, options: args });
    this.form = form;
    this.param = param;
    if (form === 'rate') this.requireParam(param, nonNegative, 'rate must be non-negative');
  }

  /** λ. */
  rateParameter(): Tensor {
    return this.form === 'rate' ? this.param : ops.exp(this.param);
  }

  /** log λ. */
  logRateParameter(): Tensor {
    return this.form === 'logRate' ? this.param : ops.log(this.param);
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return ops.randomPoisson(sampleShape, this.rateParameter(), this.dtype, seed);
  }

  protected logProbImpl(value: Tensor): Tensor {
    // k log λ with 0·log 0 = 0, so that rate 0 gives P(0) = 1.
    const kLogRate = this.form === 'rate' ? ops.xlogy(value, this.param) : ops.mul(value, this.param);
    return ops.sub(ops.sub(kLogRate, this.rateParameter()), ops.lgamma(ops.add(value, 1)));
  }

  /** P(X <= value) = Q(floor(value) + 1, λ), the regularised upper incomplete gamma function. */
  override cdf(value: TensorLike): Tensor {
    const k = ops.floor(this.value(value, 'cdf'));
    const nonNegative = ops.greaterEqual(k, 0);
    const body = ops.igammac(ops.add(ops.where(nonNegative, k, 0), 1), this.rateParameter());
    return ops.where(nonNegative, body, 0);
  }

  override mean(): Tensor {
    return this.rateParameter();
  }

  override variance(): Tensor {
    return this.rateParameter();
  }

  /** floor(λ) (λ − 1 is a mode too when λ is an integer). */
  override mode(): Tensor {
    return ops.floor(this.rateParameter());
  }
}

registerKL(Poisson, Poisson, (p, q) => {
  // λp (log λp − log λq) − λp + λq, with the first term 0 when λp = 0.
  const logRatio = weightedByProb(p.logRateParameter(), ops.sub(p.logRateParameter(), q.logRateParameter()));
  return ops.add(ops.sub(logRatio, p.rateParameter()), q.rateParameter());
});
