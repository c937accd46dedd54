/** Dirichlet: distributions over probability vectors (TFP's Dirichlet). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, simplex } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import { registerKL } from './kl';
import * as ops from './ops';
import { floatParams, positiveFinite, requireRank } from './params';
import { standardGammaSample } from './shared';

export interface DirichletArgs extends DistributionOptions {
  /** Positive concentrations α on the last axis (K >= 1 classes). */
  concentration: TensorLike;
}

/** log B(α) = Σ log Γ(αₖ) − log Γ(Σ αₖ), over the last axis. */
function logMultivariateBeta(alpha: Tensor): Tensor {
  return ops.sub(ops.sum(ops.lgamma(alpha), -1), ops.lgamma(ops.sum(alpha, -1)));
}

/**
 * The Dirichlet distribution on the simplex of K classes, with density
 * Πₖ xₖ^(αₖ − 1) / B(α). Samples are normalised gamma draws, reparameterised (implicit gamma
 * gradients).
 *
 * @example
 * const d = new rv.distributions.Dirichlet({ concentration: [1, 2, 3] });
 * d.mean();                          // [1/6, 2/6, 3/6]
 * d.logProb([0.2, 0.3, 0.5]);
 */
export class Dirichlet extends Distribution {
  readonly hasRsample = true;
  readonly support: Constraint = simplex;
  readonly concentration: Tensor;

  constructor(args: DirichletArgs) {
    const { dtype, tensors } = floatParams('Dirichlet', { concentration: args.concentration });
    const alpha = tensors.concentration;
    requireRank('Dirichlet', 'concentration', alpha, 1, 'classes on the last axis');
    super({ name: 'Dirichlet', dtype, batchShape: alpha.shape.slice(0, -1), eventShape: alpha.shape.slice(-1), parameters: { concentration: alpha }, options: args });
    this.concentration = alpha;
    this.requireParam(alpha, positiveFinite, 'concentration must be positive');
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    // Gamma draws carry implicit reparameterisation gradients, so the normalised draw does too.
    const gammas = standardGammaSample(sampleShape, this.concentration, this.dtype, seed);
    return ops.div(gammas, ops.sum(gammas, -1, true));
  }

  protected logProbImpl(value: Tensor): Tensor {
    // (α − 1) log x with 0·log 0 = 0, so that α = 1 allows components equal to 0.
    const kernel = ops.sum(ops.xlogy(ops.sub(this.concentration, 1), value), -1);
    return ops.sub(kernel, logMultivariateBeta(this.concentration));
  }

  /** α / α₀ with α₀ = Σ α. */
  override mean(): Tensor {
    return ops.div(this.concentration, this.total(true));
  }

  /** α (α₀ − α) / (α₀² (α₀ + 1)). */
  override variance(): Tensor {
    const a0 = this.total(true);
    return ops.div(ops.mul(this.concentration, ops.sub(a0, this.concentration)), ops.mul(ops.square(a0), ops.add(a0, 1)));
  }

  /** (α₀ diag(α) − α αᵀ) / (α₀² (α₀ + 1)), batchShape + [K, K]. */
  covariance(): Tensor {
    const a = this.concentration;
    const a0 = this.total(true);
    const scaled = ops.sub(ops.matrixDiag(ops.mul(a, a0)), ops.mul(ops.expandDims(a, -1), ops.expandDims(a, -2)));
    return ops.div(scaled, ops.expandDims(ops.mul(ops.square(a0), ops.add(a0, 1)), -1));
  }

  /** (α − 1) / (α₀ − K), defined when every α > 1 (NaN otherwise, as TFP with allowNanStats). */
  override mode(): Tensor {
    const k = this.eventShape[0];
    const m = ops.div(ops.sub(this.concentration, 1), ops.sub(this.total(true), k));
    const defined = ops.all(ops.greater(this.concentration, 1), -1, true);
    return ops.where(defined, m, NaN);
  }

  /** log B(α) + (α₀ − K) ψ(α₀) − Σ (αₖ − 1) ψ(αₖ). */
  override entropy(): Tensor {
    const a = this.concentration;
    const a0 = this.total(false);
    const k = this.eventShape[0];
    const spread = ops.sum(ops.mul(ops.sub(a, 1), ops.digamma(a)), -1);
    return ops.sub(ops.add(logMultivariateBeta(a), ops.mul(ops.sub(a0, k), ops.digamma(a0))), spread);
  }

  /** α₀ = Σ α (keeping the class axis as size 1 when `keepDims`). */
  private total(keepDims: boolean): Tensor {
    return ops.sum(this.concentration, -1, keepDims);
  }
}

registerKL(Dirichlet, Dirichlet, (p, q) => {
  // log B(β) − log B(α) + Σ (α − β)(ψ(α) − ψ(α₀)).
  const a = p.concentration;
  const b = q.concentration;
  const digammaGap = ops.sub(ops.digamma(a), ops.digamma(ops.sum(a, -1, true)));
  const cross = ops.sum(ops.mul(ops.sub(a, b), digammaGap), -1);
  return ops.add(ops.sub(logMultivariateBeta(b), logMultivariateBeta(a)), cross);
});
