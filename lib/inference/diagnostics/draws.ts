/**
 * The draws that diagnostics work on: one scalar quantity's draws as a chains × draws matrix
 * of float64, read once from a [chains, draws, ...] Tensor (one matrix per element) or given as
 * nested arrays.
 */
import { tensor } from '../../tensor/ops/creation';
import { cast } from '../../tensor/ops/elementwise';
import { transpose } from '../../tensor/ops/view';
import { tidy } from '../../tensor/scope';
import { Tensor } from '../../tensor/tensor';
import type { SamplerStats } from '../fit';

/** Draws as a Tensor of shape [chains, draws, ...], or one quantity's draws as `[chain][draw]` arrays. */
export type DrawsLike = Tensor | readonly (readonly number[])[];

/** A Fit, or any object with draws (by name, or one Tensor named 'x') and optionally sampler statistics. */
export interface FitLike {
  readonly draws: Tensor | Record<string, Tensor>;
  readonly stats?: Partial<SamplerStats>;
  readonly sampler?: string;
  readonly numWarmup?: number;
  readonly aborted?: boolean;
}

/** One scalar quantity's draws: `chains` chains of `draws` draws each, stored chain after chain. */
export interface ChainDraws {
  readonly chains: number;
  readonly draws: number;
  readonly values: Float64Array;
}

/** The draws of chain `c`, as a view. */
export function chainOf(x: ChainDraws, c: number): Float64Array {
  return x.values.subarray(c * x.draws, (c + 1) * x.draws);
}

/** True when no diagnostic can be computed: a non-finite value, or all values equal. */
export function isDegenerate(values: Float64Array): boolean {
  for (const v of values) if (!Number.isFinite(v)) return true;
  return values.every((v) => v === values[0]);
}

/** The draws by name; a single Tensor is named 'x', as `Fit.named()` does. */
export function namedDraws(fit: FitLike, op: string): Record<string, Tensor> {
  if (fit === null || typeof fit !== 'object' || !('draws' in fit)) throw new Error(`${op}: expected a Fit or an object with draws`);
  return fit.draws instanceof Tensor ? { x: fit.draws } : fit.draws;
}

/**
 * Each element's draws from a [chains, draws, ...] tensor, in row-major order of the trailing
 * shape. The chain and draw axes are moved last natively, so each element's draws are one
 * contiguous block of a single read-back.
 */
export function elementDraws(op: string, draws: Tensor): { shape: number[]; elements: ChainDraws[] } {
  if (!(draws instanceof Tensor)) throw new Error(`${op}: draws must be a Tensor of shape [chains, draws, ...]`);
  if (draws.rank < 2) throw new Error(`${op}: draws must have shape [chains, draws, ...], got [${draws.shape}]`);
  const [chains, n] = draws.shape;
  if (chains === 0 || n === 0) throw new Error(`${op}: draws of shape [${draws.shape}] have no draws`);
  const shape = draws.shape.slice(2);
  const values = tidy(() => {
    const perm = [...shape.map((_, i) => i + 2), 0, 1];
    const moved = draws.rank > 2 ? transpose(draws, perm) : draws;
    return cast(moved, 'float64').dataSync() as Float64Array;
  });
  const block = chains * n;
  const elements: ChainDraws[] = [];
  for (let e = 0; e * block < values.length; e++) {
    elements.push({ chains, draws: n, values: values.subarray(e * block, (e + 1) * block) });
  }
  return { shape, elements };
}

/** One quantity's draws from `[chain][draw]` arrays (all chains the same length). */
export function arrayDraws(op: string, rows: readonly (readonly number[])[]): ChainDraws {
  if (!Array.isArray(rows) || rows.length === 0 || !rows.every((r) => Array.isArray(r))) {
    throw new Error(`${op}: draws must be a Tensor of shape [chains, draws, ...] or a non-empty array of chains (arrays of numbers)`);
  }
  const n = rows[0].length;
  if (n === 0 || rows.some((r) => r.length !== n)) throw new Error(`${op}: every chain must have the same, non-zero number of draws`);
  const values = new Float64Array(rows.length * n);
  rows.forEach((r, c) => values.set(r, c * n));
  return { chains: rows.length, draws: n, values };
}

/**
 * Applies a per-quantity diagnostic: to `[chain][draw]` arrays, giving a number; to a
 * [chains, draws, ...] Tensor, giving a float64 Tensor of the trailing shape.
 */
export function perQuantity(op: string, draws: DrawsLike, diagnostic: (x: ChainDraws) => number): number | Tensor {
  if (!(draws instanceof Tensor)) return diagnostic(arrayDraws(op, draws));
  const { shape, elements } = elementDraws(op, draws);
  return tensor(Float64Array.from(elements, (x) => diagnostic(x)), shape, 'float64');
}
