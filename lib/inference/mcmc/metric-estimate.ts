/**
 * The warm-up estimate of each chain's inverse metric: Welford's running mean and sum of squared
 * deviations over one adaptation window's draws, then the sample (co)variance shrunk toward the
 * identity as Stan does, Σ̂ ← (n / (n + 5)) Σ̂ + 10⁻³ (5 / (n + 5)) I, so that a short window
 * cannot give a singular or wildly small metric.
 */
import { add, div, mul, sub } from '../../tensor/ops/elementwise';
import { eye, zerosLike } from '../../tensor/ops/creation';
import { clone, expandDims } from '../../tensor/ops/view';
import { keep, tidy } from '../../tensor/scope';
import type { Tensor } from '../../tensor/tensor';

export class MetricEstimate {
  private count = 0;
  private mean: Tensor | null = null;
  /** Sum of squared deviations: [chains, dim] (diag) or of outer products [chains, dim, dim] (dense). */
  private squares: Tensor | null = null;

  constructor(readonly kind: 'diag' | 'dense') {}

  /** Draws in the window so far. */
  get size(): number {
    return this.count;
  }

  /** Adds one draw per chain, q [chains, dim]. */
  add(q: Tensor): void {
    this.count += 1;
    const n = this.count;
    const [mean, squares] = tidy(() => {
      if (this.mean === null || this.squares === null) {
        const zero = zerosLike(q);
        return [clone(q), this.kind === 'diag' ? zero : mul(expandDims(zero, -1), expandDims(zero, -2))];
      }
      const before = sub(q, this.mean);
      const nextMean = add(this.mean, div(before, n));
      const after = sub(q, nextMean);
      const term = this.kind === 'diag' ? mul(before, after) : mul(expandDims(before, -1), expandDims(after, -2));
      return [nextMean, add(this.squares, term)];
    });
    this.release();
    this.mean = keep(mean);
    this.squares = keep(squares);
  }

  /** The regularised variances [chains, dim] or covariances [chains, dim, dim] (needs two draws). */
  inverseMetric(): Tensor {
    const n = this.count;
    if (this.squares === null || n < 2) throw new Error(`metric estimate: needs at least 2 draws, has ${n}`);
    const squares = this.squares;
    return tidy(() => {
      const covariance = div(squares, n - 1);
      const shrink = 1e-3 * (5 / (n + 5));
      const [chains, dim] = squares.shape;
      const identity = this.kind === 'diag' ? shrink : mul(eye(dim, dim, [chains], squares.dtype), shrink);
      return add(mul(covariance, n / (n + 5)), identity);
    });
  }

  /** Forgets the draws (a new window starts). */
  reset(): void {
    this.release();
    this.count = 0;
  }

  private release(): void {
    this.mean?.dispose();
    this.squares?.dispose();
    this.mean = null;
    this.squares = null;
  }
}
