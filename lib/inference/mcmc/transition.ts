/** What one MCMC transition takes and gives, for every chain of a batch at once. */
import type { DType } from '../../tensor/dtype';
import type { RandomKey } from '../../tensor/random/key';
import type { BatchedGradient, Position } from './leapfrog';
import type { Metric } from './metric';

/** An energy error H − H₀ above this is a divergence (Stan's threshold). */
export const maxEnergyError = 1000;

/** Each chain's scalar random decisions (ChainRandom; tests may script them). */
export interface ChainDecisions {
  /** A uniform draw in [0, 1) for the i-th chain. */
  uniform(i: number): number;
  /** A fair coin for the i-th chain. */
  coin(i: number): boolean;
}

/**
 * What a run's transitions make once and keep for the run (captured graphs), each with the
 * function that releases it; the run releases them all when it ends.
 */
export class RunCache {
  private readonly entries = new Map<string, { value: unknown; release: () => void }>();

  /** The value under `key`, made by `make` (with its release) on first use. */
  get<T>(key: string, make: () => { value: T; release: () => void }): T {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = make();
      this.entries.set(key, entry);
    }
    return entry.value as T;
  }

  release(): void {
    for (const entry of this.entries.values()) entry.release();
    this.entries.clear();
  }
}

export interface TransitionContext {
  readonly gradient: BatchedGradient;
  readonly metric: Metric;
  readonly dtype: DType;
  /** The chains' scalar random decisions. */
  readonly random: ChainDecisions;
  /** A fresh key for each draw of momenta. */
  readonly nextKey: () => RandomKey;
  /** Run the per-step tensor work as graphs captured once (the `jit` option). */
  readonly capture: boolean;
  /** What the transitions keep for the run (released by the run at its end). */
  readonly cache: RunCache;
}

/** Per-chain statistics of one transition. */
export interface TransitionStats {
  treeDepth: Int32Array;
  numSteps: Int32Array;
  diverging: Uint8Array;
  /** The Hamiltonian at the new state (with the momentum it was reached with). */
  energy: Float64Array;
  /** Mean over the trajectory's new states of min(1, exp(H₀ − H)): what step-size adaptation steers. */
  acceptProb: Float64Array;
  hitMaxDepth: Uint8Array;
}

export function emptyStats(numChains: number): TransitionStats {
  return {
    treeDepth: new Int32Array(numChains),
    numSteps: new Int32Array(numChains),
    diverging: new Uint8Array(numChains),
    energy: new Float64Array(numChains),
    acceptProb: new Float64Array(numChains),
    hitMaxDepth: new Uint8Array(numChains),
  };
}

/**
 * One transition of every chain from `start` (which it consumes: the caller holds only the
 * returned position afterwards), with each chain's step size.
 */
export type Transition = (start: Position, stepSize: Float64Array, context: TransitionContext) => { position: Position; stats: TransitionStats };

/** log(exp(a) + exp(b)), exact when either is −Infinity. */
export function logAddExp(a: number, b: number): number {
  const hi = Math.max(a, b);
  if (hi === -Infinity) return -Infinity;
  return hi + Math.log(Math.exp(a - hi) + Math.exp(b - hi));
}

/** The acceptance probability min(1, exp(H₀ − H)) of an energy H against H₀ (0 for a non-finite H). */
export function acceptance(startEnergy: number, energy: number): number {
  const logRatio = startEnergy - energy;
  if (Number.isNaN(logRatio)) return 0;
  return logRatio > 0 ? 1 : Math.exp(logRatio);
}

/** Whether H (against H₀) is a divergence: non-finite, or an energy error above the threshold. */
export function isDivergent(startEnergy: number, energy: number): boolean {
  return !Number.isFinite(energy) || energy - startEnergy > maxEnergyError;
}
