/**
 * The Euclidean metric (mass matrix M) of each chain. Kinetic energy is K(p) = ½ pᵀM⁻¹p with
 * momentum p ~ N(0, M); what is stored is the inverse metric M⁻¹, the posterior (co)variance
 * that warm-up estimates. 'unit' is M = I; 'diag' a diagonal M⁻¹ [chains, dim]; 'dense' a full
 * M⁻¹ = Σ [chains, dim, dim] with its Cholesky factor L (Σ = LLᵀ), through which momenta are
 * drawn as p = L⁻ᵀz, whose covariance is Σ⁻¹ = M.
 */
import { getDevice } from '../../tensor/device';
import { eye, ones, scalar } from '../../tensor/ops/creation';
import { mul, rsqrt } from '../../tensor/ops/elementwise';
import { cholesky, triangularSolve } from '../../tensor/ops/linalg';
import { matMul } from '../../tensor/ops/matmul';
import { randomNormal } from '../../tensor/ops/random';
import { sum } from '../../tensor/ops/reduction';
import { expandDims, reshape } from '../../tensor/ops/view';
import type { DType } from '../../tensor/dtype';
import type { RandomKey } from '../../tensor/random/key';
import { keep } from '../../tensor/scope';
import type { Tensor } from '../../tensor/tensor';

export type MetricKind = 'diag' | 'dense' | 'unit';

export class Metric {
  /**
   * N(0, 1)'s parameters as float64 scalars (the dtype JS numbers give a draw's parameters), made
   * once on the run's device: every transition draws momenta, and two scalar tensors made and
   * freed per draw cost two uploads on a GPU.
   */
  private standard: { device: string; zero: Tensor; one: Tensor } | null = null;

  /**
   * @param inverse M⁻¹: [chains, dim] (diag) or [chains, dim, dim] (dense); null for unit.
   * @param factor diag: M^½ = 1/√M⁻¹ elementwise; dense: the Cholesky factor L of M⁻¹.
   */
  private constructor(readonly kind: MetricKind, readonly inverse: Tensor | null, private readonly factor: Tensor | null) {}

  /** The identity metric for each chain (where adaptation starts). */
  static identity(kind: MetricKind, numChains: number, dim: number, dtype: DType): Metric {
    if (kind === 'unit') return new Metric('unit', null, null);
    const inverse = keep(kind === 'diag' ? ones([numChains, dim], dtype) : eye(dim, dim, [numChains], dtype));
    return new Metric(kind, inverse, inverse);
  }

  /**
   * The metric whose inverse is `inverse`: variances [chains, dim] (diag) or covariance
   * matrices [chains, dim, dim] (dense). Takes ownership of `inverse`.
   */
  static fromInverse(kind: 'diag' | 'dense', inverse: Tensor): Metric {
    const factor = kind === 'diag' ? rsqrt(inverse) : cholesky(inverse);
    return new Metric(kind, keep(inverse), keep(factor));
  }

  /**
   * A metric for the leapfrog and the Hamiltonian only (velocity, kinetic energy) from its kind and
   * M⁻¹, as a captured leaf step rebuilds it from its arguments; it cannot draw momenta.
   */
  static forDynamics(kind: MetricKind, inverse: Tensor | null): Metric {
    return new Metric(kind, inverse, null);
  }

  /** The velocity M⁻¹p [chains, dim]: dq/dt in the leapfrog, and v in the no-U-turn criterion. */
  velocity(p: Tensor): Tensor {
    if (this.inverse === null) return p;
    if (this.kind === 'diag') return mul(this.inverse, p);
    return reshape(matMul(this.inverse, expandDims(p, -1)), p.shape);
  }

  /** K = ½ p·v per chain [chains], given v = velocity(p). */
  kineticEnergy(p: Tensor, v: Tensor): Tensor {
    return mul(sum(mul(p, v), -1), 0.5);
  }

  /** Momenta p ~ N(0, M) [chains, dim]. */
  sampleMomentum(numChains: number, dim: number, dtype: DType, key: RandomKey): Tensor {
    if (this.kind === 'dense') {
      const { zero, one } = this.standardNormal();
      const z = randomNormal([numChains, dim, 1], zero, one, dtype, key);
      return reshape(triangularSolve(this.factor as Tensor, z, true, true), [numChains, dim]);
    }
    const { zero, one } = this.standardNormal();
    const z = randomNormal([numChains, dim], zero, one, dtype, key);
    return this.factor === null ? z : mul(z, this.factor);
  }

  private standardNormal(): { zero: Tensor; one: Tensor } {
    const device = getDevice();
    if (this.standard === null || this.standard.device !== device) {
      this.releaseStandard();
      this.standard = { device, zero: keep(scalar(0, 'float64')), one: keep(scalar(1, 'float64')) };
    }
    return this.standard;
  }

  private releaseStandard(): void {
    this.standard?.zero.dispose();
    this.standard?.one.dispose();
    this.standard = null;
  }

  dispose(): void {
    this.inverse?.dispose();
    this.factor?.dispose();
    this.releaseStandard();
  }
}
