/**
 * Nested arguments and results: arrays and plain objects are walked, tensors are leaves, and
 * anything else is a constant leaf.
 */
import { Tensor } from '../tensor/tensor';

/** Whether `value` is a plain object (made by a literal), whose entries are walked. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}

/** Whether `value` is an array or a plain object, whose entries are walked. */
export function isContainer(value: unknown): value is unknown[] | Record<string, unknown> {
  return Array.isArray(value) || isPlainObject(value);
}

/** The tensor leaves of `value`, in order. */
export function tensorLeaves(value: unknown, out: Tensor[] = []): Tensor[] {
  // for...in, not Object.values: no array per container (this runs per sampler step).
  if (value instanceof Tensor) out.push(value);
  else if (Array.isArray(value)) for (const v of value) tensorLeaves(v, out);
  else if (isPlainObject(value)) for (const k in value) tensorLeaves(value[k], out);
  return out;
}

/** `value` with each tensor leaf replaced by fn(leaf) and each other leaf by other(leaf). */
export function mapLeaves(value: unknown, fn: (t: Tensor) => unknown, other: (v: unknown) => unknown = (v) => v): unknown {
  if (value instanceof Tensor) return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapLeaves(v, fn, other));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k in value) out[k] = mapLeaves(value[k], fn, other);
    return out;
  }
  return other(value);
}
