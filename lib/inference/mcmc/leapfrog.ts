/**
 * Hamiltonian dynamics for all chains at once: positions, momenta and gradients are [chains,
 * dim] tensors, log densities and energies [chains], and each chain has its own (signed) step
 * size [chains, 1].
 */
import { add, mul, sub } from '../../tensor/ops/elementwise';
import type { Tensor } from '../../tensor/tensor';
import type { Metric } from './metric';

/** Where each chain is: position q, the gradient of the log density there, and the log density. */
export interface Position {
  readonly q: Tensor;
  readonly grad: Tensor;
  readonly logp: Tensor;
}

/** A position with its momentum p. */
export interface PhasePoint extends Position {
  readonly p: Tensor;
}

/** The log densities [chains] and their gradients [chains, dim] at positions [chains, dim]. */
export type BatchedGradient = (q: Tensor) => { value: Tensor; grad: Tensor };

/**
 * One leapfrog step of `stepSize` [chains, 1] (negative: backwards in time): a half step of
 * momentum, a full step of position along the velocity M⁻¹p, a half step of momentum. The
 * gradient at the start is the one the previous step computed: one gradient per step.
 */
export function leapfrog(point: PhasePoint, stepSize: Tensor, metric: Metric, gradient: BatchedGradient): PhasePoint {
  const halfStep = mul(stepSize, 0.5);
  const pHalf = add(point.p, mul(halfStep, point.grad));
  const q = add(point.q, mul(stepSize, metric.velocity(pHalf)));
  const { value: logp, grad } = gradient(q);
  const p = add(pHalf, mul(halfStep, grad));
  return { q, p, grad, logp };
}

/** The velocity v = M⁻¹p [chains, dim] and the Hamiltonian H = −log p(q) + ½ p·v [chains]. */
export function hamiltonian(point: PhasePoint, metric: Metric): { v: Tensor; energy: Tensor } {
  const v = metric.velocity(point.p);
  return { v, energy: sub(metric.kineticEnergy(point.p, v), point.logp) };
}
