/**
 * Deterministic memory management: `tidy` frees every tensor made inside it except those it
 * returns; `keep` exempts a tensor from its enclosing tidy. Tensors left undisposed outside
 * any tidy are freed by the GC (the native handle carries a finalizer).
 */
import type { Tensor } from './tensor';

const scopes: Tensor[][] = [];

/** Called for every new tensor: records it in the innermost open tidy scope. */
export function trackTensor(t: Tensor): void {
  if (scopes.length > 0) scopes[scopes.length - 1].push(t);
}

/**
 * Exempts `t` from disposal by the enclosing `tidy` calls; returns it.
 *
 * @example
 * let kept: rv.Tensor;
 * rv.tidy(() => { kept = rv.keep(rv.ones([2])); rv.zeros([2]); });  // kept survives
 */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  // Inside vmap, the batched value it stands for is kept with it.
  if (t.batch !== null) keep(t.batch.value);
  return t;
}

function collectTensors(value: unknown, out: Set<Tensor>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTensor(value)) {
    out.add(value);
    // A tensor inside vmap stands for a batched value that must survive with it.
    if (value.batch !== null) collectTensors(value.batch.value, out, seen);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collectTensors(item, out, seen);
    return;
  }
  if (value instanceof Map) {
    for (const item of value.values()) collectTensors(item, out, seen);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const k in value) collectTensors((value as Record<string, unknown>)[k], out, seen);
  }
}

let tensorClass: (new (...args: never[]) => Tensor) | undefined;
/** @internal Lets this module recognise tensors without importing the class. */
export function registerTensorClass(cls: new (...args: never[]) => Tensor): void {
  tensorClass = cls;
}
function isTensor(value: unknown): value is Tensor {
  return tensorClass !== undefined && value instanceof tensorClass;
}

/**
 * Runs `fn` and disposes every tensor created during it, except the tensors in its result
 * (a tensor, or arrays, Maps and plain objects holding tensors) and those passed to `keep`.
 *
 * @example
 * const y = rv.tidy(() => rv.tensor([1, 2]).mul(2).add(1));  // the intermediate is freed
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new Error('tidy: fn must be a function');
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    scopes.pop();
    disposeAll(scope, new Set());
    throw error;
  }
  scopes.pop();
  if (result instanceof Promise) {
    disposeAll(scope, new Set());
    throw new Error('tidy: fn returned a Promise; tidy works on synchronous functions only');
  }
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors, new Set());
  disposeAll(scope, survivors);
  // Returned tensors made in this scope now belong to the enclosing one.
  for (const t of scope) if (survivors.has(t) && !t.kept) trackTensor(t);
  return result;
}

function disposeAll(scope: Tensor[], survivors: Set<Tensor>): void {
  for (const t of scope) {
    if (!t.kept && !survivors.has(t)) t.dispose();
  }
}

/**
 * Disposes a tensor or every tensor inside arrays, Maps and plain objects.
 *
 * @example
 * rv.dispose([a, { b, c }]);
 */
export function dispose(value: unknown): void {
  const found = new Set<Tensor>();
  collectTensors(value, found, new Set());
  for (const t of found) t.dispose();
}
