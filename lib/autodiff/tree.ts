/**
 * Nested arguments and results: arrays and plain objects are walked, tensors are leaves, and
 * anything else is a constant leaf.
 */
import { Tensor } from '../tensor/tensor';

/** Whether `value` is an array or a plain object, whose entries are walked. */
export function isContainer(value: unknown): value is unknown[] | Record<string, unknown> {
  return Array.isArray(value) || (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype);
}

/** The tensor leaves of `value`, in order. */
export function tensorLeaves(value: unknown, out: Tensor[] = []): Tensor[] {
  if (value instanceof Tensor) out.push(value);
  else if (isContainer(value)) for (const v of Object.values(value)) tensorLeaves(v, out);
  return out;
}

/** `value` with each tensor leaf replaced by fn(leaf) and each other leaf by other(leaf). */
export function mapLeaves(value: unknown, fn: (t: Tensor) => unknown, other: (v: unknown) => unknown = (v) => v): unknown {
  if (value instanceof Tensor) return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapLeaves(v, fn, other));
  if (isContainer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapLeaves(v, fn, other);
    return out;
  }
  return other(value);
}
