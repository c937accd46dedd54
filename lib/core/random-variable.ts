/**
 * The random variable: Edward2's one abstraction. It wraps a distribution and carries a value
 * (given, or drawn when first needed), and it acts as that value: every tensor op and every
 * distribution parameter accepts it, and it has the tensor methods (`x.add(1)`, `x.sum()`).
 */
import type { Distribution } from '../distributions/distribution';
import { tensorValue } from '../tensor/convert';
import type { DType } from '../tensor/dtype';
import { cast } from '../distributions/ops';  // (loads every op, so all tensor methods exist below)
import type { Seed } from '../tensor/random/key';
import { formatShape, type Shape, shapesEqual } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { tensorOf } from '../distributions/params';

export interface RandomVariableOptions {
  /** The name the program transformations know it by (tape, condition, log joint). */
  name?: string;
  /** Independent draws: the value has shape sampleShape + batchShape + eventShape. */
  sampleShape?: number | Shape;
  /** A given value (observed data, or a value set by a tracer); else one is drawn when first needed. */
  value?: unknown;
  /** The seed of the draw (set by `rv.seed`); else the global generator. */
  seed?: Seed;
  /** The value is data (set by `condition`), not a latent. */
  observed?: boolean;
  /** A factor on its log density (set by `rv.scale`, e.g. for minibatches). */
  logProbScale?: number;
}

export class RandomVariable {
  readonly distribution: Distribution;
  readonly sampleShape: Shape;
  readonly name: string | undefined;
  readonly observed: boolean;
  readonly logProbScale: number;
  private readonly seed: Seed | undefined;
  private drawn: Tensor | undefined;

  /**
   * Wraps `distribution`. Usually made through the family constructors (`rv.Normal({...})`),
   * which go through the tracer stack; this constructor does not.
   *
   * @example
   * const x = new rv.RandomVariable(new rv.distributions.Normal({ loc: 0, scale: 1 }), { sampleShape: [3] });
   * x.value;  // a Tensor of shape [3]
   */
  constructor(distribution: Distribution, options: RandomVariableOptions = {}) {
    this.distribution = distribution;
    const s = options.sampleShape ?? [];
    const sampleShape = typeof s === 'number' ? [s] : s;
    if (!Array.isArray(sampleShape) || sampleShape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`RandomVariable ${options.name ?? distribution.name}: sampleShape must be a non-negative integer or an array of them, got ${JSON.stringify(s)}`);
    }
    this.sampleShape = sampleShape;
    this.name = options.name;
    this.observed = options.observed ?? false;
    this.logProbScale = options.logProbScale ?? 1;
    this.seed = options.seed;
    if (options.value !== undefined) this.drawn = this.checkValue(options.value);
  }

  /** The value: given, or drawn from the distribution (once) when first asked for. */
  get value(): Tensor {
    if (this.drawn === undefined || this.drawn.isDisposed) {
      this.drawn = this.distribution.sample(this.sampleShape, { seed: this.seed });
    }
    return this.drawn;
  }

  /** The tensor every op sees in place of this random variable. */
  get [tensorValue](): Tensor {
    return this.value;
  }

  /** sampleShape + batchShape + eventShape. */
  get shape(): Shape {
    return [...this.sampleShape, ...this.distribution.batchShape, ...this.distribution.eventShape];
  }

  get dtype(): DType {
    return this.distribution.dtype;
  }

  /** The log density of the value (a tensor of shape sampleShape + batchShape). */
  logProb(): Tensor {
    return this.distribution.logProb(this.value);
  }

  /** Draws a fresh value of this random variable's shape (the stored value is unchanged). */
  sample(options: { seed?: Seed } = {}): Tensor {
    return this.distribution.sample(this.sampleShape, options);
  }

  toString(): string {
    return `RandomVariable(${this.name ?? 'unnamed'}: ${this.distribution.toString()}, shape=${formatShape(this.shape)})`;
  }

  private checkValue(value: unknown): Tensor {
    const owner = `RandomVariable ${this.name ?? this.distribution.name}`;
    let t = tensorOf(value as Tensor, owner, 'value', this.distribution.dtype);
    if (!shapesEqual(t.shape, this.shape)) {
      throw new Error(`${owner}: value of shape ${formatShape(t.shape)} does not fit sampleShape ${formatShape(this.sampleShape)} + batchShape ${formatShape(this.distribution.batchShape)} + eventShape ${formatShape(this.distribution.eventShape)} = ${formatShape(this.shape)}`);
    }
    if (t.dtype !== this.distribution.dtype) t = cast(t, this.distribution.dtype);
    return t;
  }
}

// The tensor methods, each applied to the value: x.add(1), x.sum(), x.dataSync()...
for (const key of Object.getOwnPropertyNames(Tensor.prototype)) {
  if (key === 'constructor' || key in RandomVariable.prototype) continue;
  const descriptor = Object.getOwnPropertyDescriptor(Tensor.prototype, key);
  if (descriptor === undefined || typeof descriptor.value !== 'function') continue;
  Object.defineProperty(RandomVariable.prototype, key, {
    value: function (this: RandomVariable, ...args: unknown[]) {
      return (descriptor.value as (...a: unknown[]) => unknown).apply(this.value, args);
    },
    writable: true,
    configurable: true,
  });
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RandomVariable extends Omit<Tensor, 'shape' | 'dtype' | 'toString' | 'batch' | 'pins' | 'kept' | 'disposeDeferred' | 'handle' | 'size' | 'rank' | 'isDisposed'> {}
