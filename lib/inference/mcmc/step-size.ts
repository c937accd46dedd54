/**
 * Step-size adaptation, per chain: Nesterov dual averaging of log ε toward a target mean
 * acceptance statistic (Hoffman & Gelman 2014, with Stan's constants), and Stan's heuristic
 * for a starting ε.
 */
import type { DType } from '../../tensor/dtype';
import { stack } from '../../tensor/ops/layout';
import type { RandomKey } from '../../tensor/random/key';
import { tidy } from '../../tensor/scope';
import { perChain, readNumbers } from './chains';
import { type BatchedGradient, hamiltonian, leapfrog, type Position } from './leapfrog';
import type { Metric } from './metric';

/**
 * Dual averaging of each chain's log step size: after each warm-up transition with mean
 * acceptance statistic α, s̄ ← (1 − η) s̄ + η (δ − α) with η = 1 / (t + t₀); log ε = μ − √t s̄ / γ;
 * and the iterate average x̄ (weights t^−κ) gives the step size after warm-up.
 */
export class DualAveraging {
  private readonly mu: Float64Array;
  private readonly errorMean: Float64Array;
  private readonly logStepAverage: Float64Array;
  private readonly counter: Float64Array;

  constructor(numChains: number, private readonly target = 0.8, private readonly gamma = 0.05, private readonly t0 = 10, private readonly kappa = 0.75) {
    this.mu = new Float64Array(numChains);
    this.errorMean = new Float64Array(numChains);
    this.logStepAverage = new Float64Array(numChains);
    this.counter = new Float64Array(numChains);
  }

  /** Starts again from `stepSize`, shrinking toward μ = log(10 ε) (larger steps are tried early). */
  restart(stepSize: ArrayLike<number>): void {
    for (let c = 0; c < this.mu.length; c++) {
      this.mu[c] = Math.log(10 * stepSize[c]);
      this.errorMean[c] = 0;
      this.logStepAverage[c] = 0;
      this.counter[c] = 0;
    }
  }

  /** The next step sizes, given each chain's last acceptance statistic. */
  update(acceptStat: ArrayLike<number>): Float64Array {
    const out = new Float64Array(this.mu.length);
    for (let c = 0; c < out.length; c++) {
      const t = ++this.counter[c];
      const alpha = Math.min(1, acceptStat[c]);
      const eta = 1 / (t + this.t0);
      this.errorMean[c] = (1 - eta) * this.errorMean[c] + eta * (this.target - alpha);
      const logStep = this.mu[c] - (Math.sqrt(t) * this.errorMean[c]) / this.gamma;
      const weight = t ** -this.kappa;
      this.logStepAverage[c] = (1 - weight) * this.logStepAverage[c] + weight * logStep;
      out[c] = Math.exp(logStep);
    }
    return out;
  }

  /** The averaged step sizes exp(x̄), used after warm-up. */
  averaged(): Float64Array {
    return Float64Array.from(this.logStepAverage, Math.exp);
  }
}

const logAcceptTarget = Math.log(0.8);

/**
 * Stan's starting step size for each chain: from ε, one leapfrog step with fresh momentum; if
 * its acceptance probability exp(H₀ − H) is above 0.8, double ε until it falls below, else
 * halve ε until it rises above. Each try is one batched step for the chains not yet settled.
 */
export function initialStepSize(position: Position, stepSize: ArrayLike<number>, metric: Metric, gradient: BatchedGradient, dtype: DType, nextKey: () => RandomKey): Float64Array {
  const [numChains, dim] = position.q.shape;
  const eps = Float64Array.from(stepSize);
  const direction = new Int8Array(numChains);  // 0 until the first try sets it
  const settled = Array.from(eps, (e) => !(e > 0 && e <= 1e7));  // extreme values are left as they are
  for (let attempt = 0; !settled.every(Boolean); attempt++) {
    const energies = tidy(() => {
      const p = metric.sampleMomentum(numChains, dim, dtype, nextKey());
      const start = hamiltonian({ ...position, p }, metric).energy;
      const end = hamiltonian(leapfrog({ ...position, p }, perChain(eps, dtype), metric, gradient), metric).energy;
      return readNumbers(stack([start, end], 1));
    });
    for (let c = 0; c < numChains; c++) {
      if (settled[c]) continue;
      const end = energies[2 * c + 1];
      const logAccept = energies[2 * c] - (Number.isNaN(end) ? Infinity : end);
      if (direction[c] === 0) {
        direction[c] = logAccept > logAcceptTarget ? 1 : -1;
        continue;
      }
      if (direction[c] === 1 ? !(logAccept > logAcceptTarget) : !(logAccept < logAcceptTarget)) {
        settled[c] = true;
        continue;
      }
      eps[c] = direction[c] === 1 ? 2 * eps[c] : 0.5 * eps[c];
      if (eps[c] > 1e7) throw new Error(`initial step size: chain ${c}'s step size grew past 1e7 without the acceptance probability falling: the posterior may be improper (flat in some direction)`);
      if (eps[c] === 0) throw new Error(`initial step size: chain ${c}'s step size shrank to 0 without an acceptable step: the log density or its gradient may be wrong or non-finite near the current position`);
    }
  }
  return eps;
}
