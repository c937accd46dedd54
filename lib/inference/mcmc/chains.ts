/**
 * Bookkeeping for state batched over chains: per-chain masks and scalars made from JS values,
 * per-chain selection between two states, and the hand-over from one step's tensors to the
 * next's so that a long run holds a constant number of them.
 */
import { tensorLeaves } from '../../autodiff/tree';
import type { DType } from '../../tensor/dtype';
import { tensor } from '../../tensor/ops/creation';
import { where } from '../../tensor/ops/elementwise';
import { reshape } from '../../tensor/ops/view';
import { keep } from '../../tensor/scope';
import type { Tensor } from '../../tensor/tensor';

/** A bool tensor [chains] from one flag per chain. */
export function chainMask(flags: readonly boolean[]): Tensor {
  return tensor(Uint8Array.from(flags, (f) => (f ? 1 : 0)), [flags.length], 'bool');
}

/** A tensor [chains, 1] from one number per chain (it broadcasts against [chains, dim]). */
export function perChain(values: ArrayLike<number>, dtype: DType): Tensor {
  return tensor(Float64Array.from(values), [values.length, 1], dtype);
}

/** Each field of `a` for the chains where `mask` [chains] holds, of `b` for the others. */
export function select<T extends object>(mask: Tensor, a: T, b: T): T {
  const out: Record<string, Tensor> = {};
  const column = reshape(mask, [mask.size, 1]);
  for (const [key, value] of Object.entries(a) as [string, Tensor][]) {
    const other = (b as Record<string, Tensor>)[key];
    out[key] = value === other ? value : where(value.rank === 1 ? mask : column, value, other);
  }
  return out as T;
}

/**
 * Hands over from `previous` to `next` (objects and arrays holding tensors): next's tensors are
 * kept, and previous's tensors that next no longer holds are disposed. Returns next.
 */
export function advance<T>(previous: unknown, next: T): T {
  const live = new Set(tensorLeaves(next));
  for (const t of live) keep(t);
  for (const t of tensorLeaves(previous)) if (!live.has(t)) t.dispose();
  return next;
}

/** The values of a small tensor as JS numbers. */
export function readNumbers(t: Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}
