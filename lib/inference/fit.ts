/**
 * The result of an MCMC run: draws by chain, per-draw sampler statistics, and the run's settings.
 * `rv.summary(fit)` tabulates it; `fit.toJSON()` / `rv.saveFit(path, fit)` write it in a layout
 * ArviZ reads (see diagnostics/arviz.ts).
 */
import { Tensor } from '../tensor/tensor';
import { fitToJSON } from './diagnostics/arviz';

/** Per-draw statistics, each a tensor of shape [chains, draws]. */
export interface SamplerStats {
  /** The step size used for the draw. */
  stepSize: Tensor;
  /** Depth of the NUTS tree (HMC: 0). */
  treeDepth: Tensor;
  /** Leapfrog steps (gradient evaluations) taken for the draw. */
  numSteps: Tensor;
  /** 1 where the trajectory diverged. */
  diverging: Tensor;
  /** The Hamiltonian at the draw. */
  energy: Tensor;
  /** Mean acceptance statistic over the trajectory. */
  acceptProb: Tensor;
  /** 1 where NUTS hit the maximum tree depth. */
  hitMaxDepth?: Tensor;
}

export interface FitInit {
  /** [chains, draws, ...] for a Tensor state; by name for a named state or a model. */
  draws: Tensor | Record<string, Tensor>;
  stats: SamplerStats;
  numChains: number;
  numWarmup: number;
  /** Draws kept per chain (fewer than asked for when the run was aborted). */
  numSamples: number;
  /** 'nuts' or 'hmc'. */
  sampler: string;
  /** Whether an AbortSignal stopped the run early. */
  aborted?: boolean;
  /** Adapted step size per chain, [chains]. */
  stepSize?: Tensor;
  /** Adapted inverse metric per chain: [chains, dim] (diag) or [chains, dim, dim] (dense). */
  inverseMetric?: Tensor;
}

export class Fit implements FitInit {
  readonly draws: Tensor | Record<string, Tensor>;
  readonly stats: SamplerStats;
  readonly numChains: number;
  readonly numWarmup: number;
  readonly numSamples: number;
  readonly sampler: string;
  readonly aborted: boolean;
  readonly stepSize?: Tensor;
  readonly inverseMetric?: Tensor;

  constructor(init: FitInit) {
    this.draws = init.draws;
    this.stats = init.stats;
    this.numChains = init.numChains;
    this.numWarmup = init.numWarmup;
    this.numSamples = init.numSamples;
    this.sampler = init.sampler;
    this.aborted = init.aborted ?? false;
    this.stepSize = init.stepSize;
    this.inverseMetric = init.inverseMetric;
  }

  /** The draws by name (a Tensor state is named 'x'). */
  named(): Record<string, Tensor> {
    return this.draws instanceof Tensor ? { x: this.draws } : this.draws;
  }
}

/** ArviZ's layout (see diagnostics/arviz.ts): what JSON.stringify(fit) writes. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Fit { toJSON(): object }
Fit.prototype.toJSON = function (this: Fit) {
  return fitToJSON(this);
};
