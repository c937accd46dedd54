/**
 * Collects the kept draws and per-draw statistics of every chain in JS memory, and makes the Fit
 * from them at the end. The statistics are host values as they come; the positions are copied on
 * their device and read back in batches, so that sampling on a GPU does not wait for the device
 * after every transition (the wait would also take in a leaf that NUTS queued ahead in vain).
 */
import type { DType, TypedArray } from '../../tensor/dtype';
import { tensor } from '../../tensor/ops/creation';
import { stack } from '../../tensor/ops/layout';
import { clone } from '../../tensor/ops/view';
import { keep } from '../../tensor/scope';
import type { Tensor } from '../../tensor/tensor';
import { Fit, type SamplerStats } from '../fit';
import type { FlatTarget } from './target';
import type { TransitionStats } from './transition';

/** Kept draws held on their device before a read-back: enough that the reads cost little. */
const batchSize = 64;

export class Recorder {
  private readonly positions: Float64Array;
  /** Kept draws not read back yet: each a copy of the positions [chains, dim], and the rows it fills. */
  private pending: { q: Tensor; rows: number[] }[] = [];
  private readonly stats: Record<keyof TransitionStats | 'stepSize', Float64Array>;
  /** Draws kept so far, per chain. */
  private readonly counts: Int32Array;
  private readonly adaptedStepSize: Float64Array;
  /** Each chain's inverse metric after warm-up (dim or dim × dim values). */
  private readonly inverseMetrics: Float64Array[] = [];
  /** Divergent transitions among the kept draws so far, over all chains. */
  divergences = 0;

  constructor(private readonly numChains: number, private readonly numSamples: number, private readonly dim: number) {
    this.positions = new Float64Array(numChains * numSamples * dim);
    const perDraw = () => new Float64Array(numChains * numSamples);
    this.stats = { stepSize: perDraw(), treeDepth: perDraw(), numSteps: perDraw(), diverging: perDraw(), energy: perDraw(), acceptProb: perDraw(), hitMaxDepth: perDraw() };
    this.counts = new Int32Array(numChains);
    this.adaptedStepSize = new Float64Array(numChains).fill(NaN);
  }

  /**
   * Records one kept draw of each of `chains`: positions q [chains.length, dim] (copied; read back
   * with later draws', by flush() at the latest), their statistics and step sizes.
   */
  record(chains: readonly number[], q: Tensor, stats: TransitionStats, stepSize: ArrayLike<number>): void {
    const rows = chains.map((chain, i) => {
      const row = chain * this.numSamples + this.counts[chain]++;
      this.stats.stepSize[row] = stepSize[i];
      for (const name of ['treeDepth', 'numSteps', 'diverging', 'energy', 'acceptProb', 'hitMaxDepth'] as const) this.stats[name][row] = stats[name][i];
      this.divergences += stats.diverging[i];
      return row;
    });
    // Kept: a tidy around the run must not free it before it is read.
    this.pending.push({ q: keep(clone(q)), rows });
    if (this.pending.length >= batchSize) this.flush();
  }

  /** Reads the pending draws' positions back, in one read. */
  flush(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    this.pending = [];
    try {
      const all = stack(pending.map((p) => p.q));
      const values = all.dataSync();
      all.dispose();
      let at = 0;
      for (const { rows } of pending) {
        for (const row of rows) {
          this.positions.set(values.subarray(at, at + this.dim), row * this.dim);
          at += this.dim;
        }
      }
    } finally {
      for (const p of pending) p.q.dispose();
    }
  }

  /** Frees the pending draws unread (a run that failed). */
  discard(): void {
    for (const p of this.pending) p.q.dispose();
    this.pending = [];
  }

  /** Records the adapted step size and inverse metric of each of `chains`. */
  adapted(chains: readonly number[], stepSize: ArrayLike<number>, inverseMetric: TypedArray): void {
    const per = inverseMetric.length / chains.length;
    chains.forEach((chain, i) => {
      this.adaptedStepSize[chain] = stepSize[i];
      this.inverseMetrics[chain] = Float64Array.from(inverseMetric.subarray(i * per, (i + 1) * per));
    });
  }


  /**
   * The Fit. After an abort, the chains that reached sampling are kept, cut to the shortest of
   * them (all chains with no draws when none did).
   */
  fit(target: FlatTarget, info: { sampler: string; numWarmup: number; aborted: boolean; metricShape: number[] }): Fit {
    this.flush();
    let chains = Array.from({ length: this.numChains }, (_, c) => c).filter((c) => this.counts[c] > 0);
    if (chains.length === 0) chains = Array.from({ length: this.numChains }, (_, c) => c);
    const draws = Math.min(...chains.map((c) => this.counts[c]));
    const k = chains.length;
    const gather = (source: Float64Array, width: number) => {
      const out = new Float64Array(k * draws * width);
      chains.forEach((chain, i) => out.set(source.subarray(chain * this.numSamples * width, (chain * this.numSamples + draws) * width), i * draws * width));
      return out;
    };
    const flat = tensor(gather(this.positions, this.dim), [k, draws, this.dim], target.dtype);
    const statTensor = (name: keyof typeof this.stats, dtype: DType) => tensor(gather(this.stats[name], 1), [k, draws], dtype);
    const stats: SamplerStats = {
      stepSize: statTensor('stepSize', 'float64'),
      treeDepth: statTensor('treeDepth', 'int32'),
      numSteps: statTensor('numSteps', 'int32'),
      diverging: statTensor('diverging', 'int32'),
      energy: statTensor('energy', 'float64'),
      acceptProb: statTensor('acceptProb', 'float64'),
      hitMaxDepth: statTensor('hitMaxDepth', 'int32'),
    };
    const adapted = chains.every((c) => this.inverseMetrics[c] !== undefined);
    const fit = new Fit({
      draws: target.draws(flat),
      stats,
      numChains: k,
      numWarmup: info.numWarmup,
      numSamples: draws,
      sampler: info.sampler,
      aborted: info.aborted,
      stepSize: adapted ? tensor(Float64Array.from(chains, (c) => this.adaptedStepSize[c]), [k], 'float64') : undefined,
      inverseMetric: adapted ? tensor(Float64Array.from(chains.flatMap((c) => Array.from(this.inverseMetrics[c]))), [k, ...info.metricShape], target.dtype) : undefined,
    });
    flat.dispose();
    return fit;
  }
}
