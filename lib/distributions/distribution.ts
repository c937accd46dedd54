/**
 * The Distribution base, with TensorFlow Probability's semantics: a batch of independent
 * distributions (`batchShape`), each over events of `eventShape`. `sample(sampleShape)` gives
 * shape sampleShape + batchShape + eventShape; `logProb(value)` takes values of shape
 * [...] + eventShape broadcasting against batchShape and gives one number per event.
 *
 * Subclasses implement `sampleImpl` and `logProbImpl` (and whichever of cdf, moments and
 * entropy have closed forms); the base converts arguments, checks them when `validateArgs` is
 * on, and gives -Infinity log-probability outside the support.
 */
import type { Bijector } from '../bijectors/bijector';
import { resolveSource, type TensorLike } from '../tensor/convert';
import { type DType, isFloat } from '../tensor/dtype';
import type { Seed } from '../tensor/random/key';
import { formatShape, type Shape } from '../tensor/shape';
import { keep } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';
import type { Constraint } from './constraints';
import * as ops from './ops';
import { allTrue, holdsOnHost, type ParamCheck, tensorOf } from './params';

export interface DistributionOptions {
  /** Check parameters at construction and values in logProb (default true; false for speed). */
  validateArgs?: boolean;
  /** A name for messages and printing (default the family's). */
  name?: string;
}

export interface SampleOptions {
  /** A number or key (`rv.random.key`); without one, the global generator. */
  seed?: Seed;
}

/** What a family gives the Distribution constructor. */
export interface DistributionInit {
  /** The family's name (options.name, when given, replaces it). */
  name: string;
  /** The dtype of values: the parameters' float dtype, or int32 for integer-valued families. */
  dtype: DType;
  batchShape: Shape;
  /** Default [] (scalar events). */
  eventShape?: Shape;
  parameters: Record<string, Tensor>;
  options?: DistributionOptions;
}

/** Value tensors known to lie in a support (by constraint object), so they are checked once. */
const insideCache = new WeakMap<Constraint, WeakSet<Tensor>>();

function knownInside(support: Constraint, value: Tensor): boolean {
  return insideCache.get(support)?.has(value) === true;
}

function rememberInside(support: Constraint, value: Tensor): void {
  let known = insideCache.get(support);
  if (known === undefined) {
    known = new WeakSet();
    insideCache.set(support, known);
  }
  known.add(value);
}

/**
 * `t` in `dtype`, converted once per integer or bool tensor and kept while `t` lives (for values
 * known inside a support: observed counts and labels keep their conversion instead of repeating
 * it every step).
 */
const conversions = new WeakMap<Tensor, Map<DType, Tensor>>();
function convertedOnce(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  // Float values may be differentiated: their casts must be recorded by the tape of each call.
  if (isFloat(t.dtype)) return ops.cast(t, dtype);
  let byDType = conversions.get(t);
  const known = byDType?.get(dtype);
  if (known !== undefined && !known.isDisposed) return known;
  const c = keep(ops.cast(t, dtype));
  if (byDType === undefined) {
    byDType = new Map();
    conversions.set(t, byDType);
  }
  byDType.set(dtype, c);
  return c;
}

export abstract class Distribution {
  readonly name: string;
  readonly dtype: DType;
  readonly batchShape: Shape;
  readonly eventShape: Shape;
  readonly validateArgs: boolean;
  /** The parameters, as tensors, by TFP name. */
  readonly parameters: Readonly<Record<string, Tensor>>;
  /** Whether `sample` is reparameterised (differentiable with respect to the parameters). */
  abstract readonly hasRsample: boolean;
  /** The support, as a constraint on one event. */
  abstract readonly support: Constraint;

  protected constructor(init: DistributionInit) {
    this.name = init.options?.name ?? init.name;
    this.dtype = init.dtype;
    this.batchShape = init.batchShape;
    this.eventShape = init.eventShape ?? [];
    this.parameters = Object.freeze({ ...init.parameters });
    this.validateArgs = init.options?.validateArgs ?? true;
  }

  /**
   * Draws of shape sampleShape + batchShape + eventShape.
   *
   * @example
   * new rv.distributions.Normal({ loc: 0, scale: 1 }).sample([1000], { seed: 1 });
   */
  sample(sampleShape: number | Shape = [], options: SampleOptions = {}): Tensor {
    const shape = typeof sampleShape === 'number' ? [sampleShape] : sampleShape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`${this.name}.sample: sampleShape must be a non-negative integer or an array of them, got ${JSON.stringify(sampleShape)}`);
    }
    return this.sampleImpl(shape, options.seed);
  }

  /**
   * The log density (or log mass) of each event of `value`; -Infinity outside the support
   * (with validateArgs, an Error instead).
   *
   * @example
   * new rv.distributions.Normal({ loc: 0, scale: 1 }).logProb([0, 1]);  // [-0.919, -1.419]
   */
  logProb(value: TensorLike): Tensor {
    if (this.support.isReal) return this.logProbImpl(this.value(value, 'logProb'));
    const given = resolveSource(value);
    if (given instanceof Tensor && knownInside(this.support, given)) return this.logProbImpl(convertedOnce(given, this.logProbValueDType()));
    // The support is checked before any cast to an int dtype, which would truncate 0.5 to 0.
    const v = this.floatValue(value, 'logProb');
    const inside = this.support.check(v);
    if (this.allHold(inside)) {
      // Tensors never change: a value found inside (observed data, typically) is neither checked
      // nor converted again on later calls.
      inside.dispose();
      if (!(given instanceof Tensor)) return this.logProbImpl(this.implValue(v));
      rememberInside(this.support, given);
      return this.logProbImpl(convertedOnce(given, this.logProbValueDType()));
    }
    if (this.validateArgs) this.requireAll(inside, 'logProb', `value outside the support (${this.support.name})`);
    // Values outside the support are swapped for an inside point before computing, so that
    // neither the result nor its gradient sees NaN from them; then their log-prob is -Infinity.
    const safe = ops.where(this.expandToEvent(inside, v), v, ops.cast(this.support.interior(v) as Tensor, v.dtype));
    return ops.where(inside, this.logProbImpl(this.implValue(safe)), -Infinity);
  }

  /**
   * The dtype logProbImpl takes values in: the distribution's own, unless a family computes
   * from float values (Bernoulli's int32 outcomes enter its formula as floats: no cast back and
   * forth per call).
   */
  protected logProbValueDType(): DType {
    return this.dtype;
  }

  private implValue(v: Tensor): Tensor {
    const dtype = this.logProbValueDType();
    return v.dtype === dtype ? v : ops.cast(v, dtype);
  }

  /** Whether every element of a bool tensor holds; false when it cannot be read (inside vmap). */
  private allHold(condition: Tensor): boolean {
    return condition.batch === null && allTrue(condition);
  }

  /** exp(logProb(value)). @example new rv.distributions.Exponential({ rate: 1 }).prob(0)  // 1 */
  prob(value: TensorLike): Tensor {
    return ops.exp(this.logProb(value));
  }

  /** P(X <= value). */
  cdf(value: TensorLike): Tensor {
    return this.unsupported('cdf', value);
  }

  /** log P(X <= value); by default log(cdf). */
  logCdf(value: TensorLike): Tensor {
    return ops.log(this.cdf(value));
  }

  /** P(X > value) = 1 − cdf. */
  survivalFunction(value: TensorLike): Tensor {
    return ops.sub(1, this.cdf(value));
  }

  /** The value with cdf equal to p. */
  quantile(p: TensorLike): Tensor {
    return this.unsupported('quantile', p);
  }

  /** The mean, of shape batchShape + eventShape. */
  mean(): Tensor {
    return this.unsupported('mean');
  }

  /** The variance (per element of the event). */
  variance(): Tensor {
    return this.unsupported('variance');
  }

  /** The standard deviation, √variance. */
  stddev(): Tensor {
    return ops.sqrt(this.variance());
  }

  /** The mode. */
  mode(): Tensor {
    return this.unsupported('mode');
  }

  /** The (differential) entropy, of shape batchShape. */
  entropy(): Tensor {
    return this.unsupported('entropy');
  }

  /** The default bijector from unconstrained reals onto the support (for HMC/NUTS and VI). */
  defaultBijector(): Bijector {
    return this.support.bijector();
  }

  toString(): string {
    return `${this.name}(batchShape=${formatShape(this.batchShape)}, eventShape=${formatShape(this.eventShape)}, dtype=${this.dtype})`;
  }

  protected abstract sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor;
  /** The log-prob of values inside the support (shape [...] + eventShape). */
  protected abstract logProbImpl(value: Tensor): Tensor;

  /** A value argument as a tensor of this distribution's dtype. */
  protected value(value: TensorLike, method: string): Tensor {
    const t = tensorOf(value, `${this.name}.${method}`, 'value', this.dtype);
    return t.dtype === this.dtype ? t : ops.cast(t, this.dtype);
  }

  /**
   * A value argument as a float tensor: `value` for float-valued distributions; for
   * integer-valued ones, the value as given (float64 for JS values), not cast to the int dtype,
   * so that 0.5 stays 0.5 in support checks and CDFs rather than being truncated to 0.
   */
  protected floatValue(value: TensorLike, method: string): Tensor {
    if (isFloat(this.dtype)) return this.value(value, method);
    const t = tensorOf(value, `${this.name}.${method}`, 'value', 'float64');
    return isFloat(t.dtype) ? t : ops.cast(t, 'float64');
  }

  /**
   * Throws `${name}.${method}: ${message}` unless every element of the bool tensor holds.
   * Inside vmap (where values cannot be read) it checks nothing.
   */
  protected requireAll(condition: Tensor, method: string, message: string): void {
    // Inside vmap values cannot be read: checks happen at the boundary (outside), not per member.
    if (condition.batch !== null) return;
    if (!allTrue(condition)) throw new Error(`${this.name}${method ? `.${method}` : ''}: ${message}`);
  }

  /**
   * With validateArgs: throws `${name}: ${message}` unless `check` holds for every element of a
   * parameter, tested in JS when the parameter was made from JS numbers (no device readback).
   */
  protected requireParam(param: Tensor, check: ParamCheck, message: string): void {
    if (!this.validateArgs || holdsOnHost(param, check)) return;
    this.requireAll(check.tensor(param), '', message);
  }

  /** A per-event bool tensor given size-1 event axes, to mask whole events of `value`. */
  private expandToEvent(perEvent: Tensor, value: Tensor): Tensor {
    const rank = this.support.eventRank;
    if (rank === 0) return perEvent;
    return ops.reshape(perEvent, [...perEvent.shape, ...new Array<number>(rank).fill(1)]).broadcastTo(value.shape);
  }

  private unsupported(method: string, _arg?: unknown): never {
    throw new Error(`${this.name}.${method}: not available for this distribution`);
  }
}
