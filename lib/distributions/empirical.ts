/** Empirical: the distribution of a set of samples (TFP's Empirical). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import { formatShape, type Shape, sizeOf } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { expandBeforeEvent } from './components';
import { type Constraint, real, reinterpreted } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import * as ops from './ops';
import { tensorOf } from './params';

export interface EmpiricalArgs extends DistributionOptions {
  /** The samples, batchShape + [N] + eventShape. */
  samples: TensorLike;
  /** The rank of one event (default 0: scalar samples). */
  eventNdims?: number;
}

/**
 * The uniform distribution over N stored samples (repeats count with their multiplicity):
 * samples has shape batchShape + [N] + eventShape. logProb(x) is log(#{samples equal to x} / N);
 * sampling draws stored samples uniformly with replacement. mode and entropy compare every
 * pair of samples (N² work).
 *
 * @example
 * const d = new rv.distributions.Empirical({ samples: [0, 1, 1, 3] });
 * d.prob(1);     // 0.5
 * d.mean();      // 1.25
 */
export class Empirical extends Distribution {
  readonly hasRsample = false;
  readonly support: Constraint;
  readonly samples: Tensor;
  /** The number of samples per batch member. */
  readonly numSamples: number;

  constructor(args: EmpiricalArgs) {
    const samples = tensorOf(args.samples, 'Empirical', 'samples');
    const eventNdims = args.eventNdims ?? 0;
    if (!Number.isInteger(eventNdims) || eventNdims < 0 || eventNdims >= samples.rank) {
      throw new Error(`Empirical: eventNdims must be an integer in [0, ${samples.rank - 1}] for samples of shape ${formatShape(samples.shape)}, got ${String(eventNdims)}`);
    }
    const axis = samples.rank - eventNdims - 1;
    if (samples.shape[axis] === 0) throw new Error(`Empirical: samples of shape ${formatShape(samples.shape)} has no samples (axis ${axis})`);
    super({ name: 'Empirical', dtype: samples.dtype, batchShape: samples.shape.slice(0, axis), eventShape: samples.shape.slice(axis + 1), parameters: { samples }, options: args });
    this.samples = samples;
    this.numSamples = samples.shape[axis];
    this.support = reinterpreted(real, eventNdims);
  }

  /** Uniform indices into the samples, gathered per batch member. */
  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const n = this.numSamples;
    const b = sizeOf(this.batchShape);
    const s = sizeOf(sampleShape);
    const indices = ops.randomUniform([b, s], 0, n, 'int32', seed);
    // Flatten the batch to one axis so that gather can pair each row of indices with its samples.
    const rows = ops.reshape(this.samples, [b, n, ...this.eventShape]);
    const picked = ops.gather(rows, indices, 1, 1);   // [b, s, ...event]
    const sampleFirst = ops.transpose(picked, [1, 0, ...this.eventShape.map((_, i) => i + 2)]);
    return ops.reshape(sampleFirst, [...sampleShape, ...this.batchShape, ...this.eventShape]);
  }

  protected logProbImpl(value: Tensor): Tensor {
    return ops.log(ops.div(this.countEqual(expandBeforeEvent(value, this.eventShape.length)), this.numSamples));
  }

  /** The fraction of samples <= value (scalar events). */
  override cdf(value: TensorLike): Tensor {
    if (this.eventShape.length !== 0) throw new Error('Empirical.cdf: only for scalar events (eventNdims 0)');
    const v = ops.expandDims(this.value(value, 'cdf'), -1);
    return ops.mean(ops.cast(ops.lessEqual(this.samples, v), this.floatDType()), -1);
  }

  override mean(): Tensor {
    return ops.mean(this.floatSamples(), this.sampleAxis());
  }

  /** The mean squared deviation from the mean (dividing by N). */
  override variance(): Tensor {
    const deviations = ops.sub(this.floatSamples(), ops.expandDims(this.mean(), this.sampleAxis()));
    return ops.mean(ops.square(deviations), this.sampleAxis());
  }

  /** The most frequent sample (the first of ties). */
  override mode(): Tensor {
    const best = ops.argMax(this.sampleCounts(), 0);
    const b = sizeOf(this.batchShape);
    const rows = ops.reshape(this.samples, [b, this.numSamples, ...this.eventShape]);
    const picked = ops.gather(rows, ops.reshape(best, [b, 1]), 1, 1);
    return ops.reshape(picked, [...this.batchShape, ...this.eventShape]);
  }

  /** −Σ p log p over the distinct samples = −mean over samples of log(count / N). */
  override entropy(): Tensor {
    return ops.neg(ops.mean(ops.log(ops.div(this.sampleCounts(), this.numSamples)), 0));
  }

  /** For x of shape [...] + batch + [1] + event: how many samples equal x (as floats), [...] + batch. */
  private countEqual(x: Tensor): Tensor {
    const e = this.eventShape.length;
    let equal = ops.equal(x, this.samples);
    if (e > 0) equal = ops.all(equal, Array.from({ length: e }, (_, i) => -1 - i));
    return ops.sum(ops.cast(equal, this.floatDType()), -1);
  }

  /** For each stored sample, how many samples equal it: [N] + batch (each sample taken as a value). */
  private sampleCounts(): Tensor {
    const a = this.sampleAxis();
    const perm = [a, ...Array.from({ length: this.samples.rank }, (_, i) => i).filter((i) => i !== a)];
    return this.countEqual(expandBeforeEvent(ops.transpose(this.samples, perm), this.eventShape.length));
  }

  private sampleAxis(): number {
    return this.batchShape.length;
  }

  private floatDType(): 'float32' | 'float64' {
    return this.dtype === 'float64' ? 'float64' : 'float32';
  }

  private floatSamples(): Tensor {
    return this.dtype === this.floatDType() ? this.samples : ops.cast(this.samples, this.floatDType());
  }
}
