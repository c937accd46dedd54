/**
 * Shared test utilities: a seeded PRNG, random shapes and data, float64 references for
 * broadcasting ops, closeness checks with dtype-derived tolerances, and non-contiguous views.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { type Binding, binding } from '../lib/backend/binding';

/** mulberry32: a small deterministic PRNG; tests always seed it. */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** A random shape: rank in [minRank, maxRank], dims in [0 or 1, maxDim]. */
export function randomShape(rng: () => number, { minRank = 0, maxRank = 4, maxDim = 5, allowZero = true } = {}): number[] {
  const rank = randomInt(rng, minRank, maxRank);
  return Array.from({ length: rank }, () => (allowZero && rng() < 0.08 ? 0 : randomInt(rng, 1, maxDim)));
}

/** A shape that broadcasts to `shape`: a suffix of it with some dims set to 1. */
export function broadcastableTo(rng: () => number, shape: readonly number[]): number[] {
  const drop = randomInt(rng, 0, shape.length);
  return shape.slice(drop).map((d) => (rng() < 0.3 ? 1 : d));
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Random values in [lo, hi); integers for int32, 0/1 for bool. */
export function randomData(rng: () => number, n: number, dtype: rv.DType = 'float64', lo = -3, hi = 3): number[] {
  return Array.from({ length: n }, () => {
    if (dtype === 'bool') return rng() < 0.5 ? 0 : 1;
    const v = lo + (hi - lo) * rng();
    return dtype === 'int32' ? Math.floor(v) : v;
  });
}

/** Values as the dtype stores them (float32 rounding, int32 truncation). */
export function roundTo(dtype: rv.DType, values: readonly number[]): number[] {
  if (dtype === 'float32') return Array.from(Float32Array.from(values));
  if (dtype === 'int32') return Array.from(Int32Array.from(values));
  if (dtype === 'bool') return values.map((v) => (v ? 1 : 0));
  return values.slice();
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** Multi-index of flat position `flat` in `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

/** NumPy broadcast of shapes (reference implementation, independent of the library's). */
export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      if (s[i] !== 1) out[o] = s[i];
    }
  }
  return out;
}

/** Reads `values` (row-major, of `shape`) at an index of the broadcast output shape. */
export function readBroadcast(values: readonly number[], shape: readonly number[], outIndex: readonly number[]): number {
  let flat = 0;
  const strides = stridesOf(shape);
  const lead = outIndex.length - shape.length;
  for (let d = 0; d < shape.length; d++) flat += (shape[d] === 1 ? 0 : outIndex[lead + d]) * strides[d];
  return values[flat];
}

/** Reference for an elementwise op over broadcast inputs, in float64. */
export function elementwiseReference(inputs: { values: number[]; shape: number[] }[], f: (...xs: number[]) => number): { values: number[]; shape: number[] } {
  const shape = broadcastShape(...inputs.map((i) => i.shape));
  const n = sizeOf(shape);
  const values = new Array(n);
  for (let k = 0; k < n; k++) {
    const idx = unravel(k, shape);
    values[k] = f(...inputs.map((i) => readBroadcast(i.values, i.shape, idx)));
  }
  return { values, shape };
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** Default tolerances: a few units in the last place of the dtype. */
export function toleranceFor(dtype: rv.DType): Tolerance {
  if (dtype === 'float32') return { rtol: 4 * 2 ** -23, atol: 4 * 2 ** -23 };
  if (dtype === 'float64') return { rtol: 8 * 2 ** -52, atol: 8 * 2 ** -52 };
  return { rtol: 0, atol: 0 };
}

/** Asserts |actual - expected| <= atol + rtol·|expected| elementwise; NaN matches NaN, ±inf match exactly. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what = ''): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${what}[${i}]: got ${a}, expected NaN`);
      continue;
    }
    if (!Number.isFinite(e)) {
      assert.equal(a, e, `${what}[${i}]: got ${a}, expected ${e}`);
      continue;
    }
    const err = Math.abs(a - e);
    assert.ok(err <= tol.atol + tol.rtol * Math.abs(e), `${what}[${i}]: got ${a}, expected ${e} (error ${err})`);
  }
}

/** Asserts a tensor's shape, dtype and values. */
export function assertTensor(t: rv.Tensor, shape: readonly number[], dtype: rv.DType, expected: ArrayLike<number>, tol = toleranceFor(dtype), what = ''): void {
  assert.deepEqual([...t.shape], [...shape], `${what}: shape`);
  assert.equal(t.dtype, dtype, `${what}: dtype`);
  assertClose(t.dataSync(), expected, tol, what);
}

/** Asserts that fn throws an Error whose message contains every fragment. */
export function assertThrowsNamed(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error, `expected an Error, got ${String(e)}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `message "${e.message}" lacks "${f}"`);
    return true;
  });
}

/**
 * A tensor holding `values` (row-major for `shape`) whose storage is not contiguous: the values
 * sit at odd positions of a larger buffer filled with a sentinel, with axes permuted and some
 * reversed (negative strides), so kernels that ignore strides or offsets read the sentinel.
 */
export function nonContiguous(values: readonly number[], shape: readonly number[], dtype: rv.DType, rng: () => number): rv.Tensor {
  const rank = shape.length;
  const sentinel = dtype === 'bool' ? 1 : 77;
  if (rank === 0) {
    const base = rv.tensor([sentinel, values[0], sentinel], [3], dtype);
    const view = base.stridedSlice([1], [2], [1], 0, 0, 0, 0, 1);
    base.dispose();
    return view;
  }
  const perm = Array.from({ length: rank }, (_, i) => i);
  for (let i = rank - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const reversed = shape.map(() => rng() < 0.5);
  const storageShape = perm.map((p) => 2 * shape[p] + 1);
  const big = new Array(sizeOf(storageShape)).fill(sentinel);
  const storageStrides = stridesOf(storageShape);
  for (let k = 0; k < values.length; k++) {
    const idx = unravel(k, shape);
    let flat = 0;
    for (let j = 0; j < rank; j++) {
      const p = perm[j];
      const i = reversed[p] ? shape[p] - 1 - idx[p] : idx[p];
      flat += (1 + 2 * i) * storageStrides[j];
    }
    big[flat] = values[k];
  }
  const base = rv.tensor(big, storageShape, dtype);
  const begin = perm.map((p) => (reversed[p] ? 2 * shape[p] - 1 : 1));
  const end = perm.map((p) => (reversed[p] ? 0 : 2 * shape[p] + 1));
  const steps = perm.map((p) => (reversed[p] ? -2 : 2));
  const strided = base.stridedSlice(begin, end, steps);
  const inverse = new Array(rank);
  perm.forEach((p, j) => { inverse[p] = j; });
  const view = strided.transpose(inverse);
  base.dispose();
  strided.dispose();
  return view;
}

/** One unit in the last place of `x` as stored in `dtype` (float32 or float64), subnormals included. */
export function ulpOf(x: number, dtype: 'float32' | 'float64'): number {
  const [mantissaBits, minExponent] = dtype === 'float32' ? [23, -126] : [52, -1022];
  const a = Math.abs(x);
  if (a < 2 ** minExponent) return 2 ** (minExponent - mantissaBits);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;  // log2 may round up just below a power of two
  return 2 ** (e - mantissaBits);
}

/**
 * The largest error of `actual` against the exact (float64) `expected`, in ulps of `dtype`;
 * NaN must match NaN and infinities must match exactly (else the result is Infinity).
 */
export function maxUlpError(actual: ArrayLike<number>, expected: ArrayLike<number>, dtype: 'float32' | 'float64'): { ulps: number; index: number } {
  let worst = { ulps: 0, index: -1 };
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    let ulps: number;
    if (Number.isNaN(e) || Number.isNaN(a)) ulps = Number.isNaN(e) && Number.isNaN(a) ? 0 : Infinity;
    else if (!Number.isFinite(e) || !Number.isFinite(a)) ulps = a === e ? 0 : Infinity;
    else ulps = Math.abs(a - e) / ulpOf(e, dtype);
    if (ulps > worst.ulps) worst = { ulps, index: i };
  }
  return worst;
}

/** Like `randomShape`, but pairs of shapes that broadcast together, in every direction. */
export function broadcastPair(rng: () => number, kind: 'same' | 'left' | 'right' | 'mutual' | 'scalar'): [number[], number[]] {
  const shape = randomShape(rng, { minRank: 1, maxRank: 4, maxDim: 4, allowZero: rng() < 0.15 });
  switch (kind) {
    case 'same': return [shape, shape.slice()];
    case 'left': return [shape, broadcastableTo(rng, shape)];
    case 'right': return [broadcastableTo(rng, shape), shape];
    case 'scalar': return rng() < 0.5 ? [[], shape] : [shape, []];
    case 'mutual': {
      // Each dimension is 1 in at least one of the two shapes, so both broadcast.
      const ones = shape.map(() => rng() < 0.5);
      return [shape.map((d, i) => (ones[i] ? 1 : d)), shape.map((d, i) => (ones[i] ? d : 1))];
    }
  }
}

/**
 * `assertClose` for large arrays: the same check without building a message per element
 * (it reports the first mismatch, with its index, as assertClose does).
 */
export function assertManyClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what = ''): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
    if (!ok) assertClose([a], [e], tol, `${what}[${i}]`);
  }
}

/** Values of a reference tensor in row-major order, with its shape. */
export interface Ref { values: number[]; shape: number[] }

const strideCache = new Map<string, number[]>();
/** Row-major flat position of a multi-index in `shape`. */
export function flatIndex(idx: readonly number[], shape: readonly number[]): number {
  const key = shape.join(',');
  let s = strideCache.get(key);
  if (s === undefined) strideCache.set(key, (s = stridesOf(shape)));
  let flat = 0;
  for (let d = 0; d < idx.length; d++) flat += idx[d] * s[d];
  return flat;
}

/** A reference built element by element: f maps an output multi-index to its value. */
export function build(shape: number[], f: (idx: number[]) => number): Ref {
  const values = new Array(sizeOf(shape));
  for (let k = 0; k < values.length; k++) values[k] = f(unravel(k, shape));
  return { values, shape };
}

/** Counts the calls of the addon function `name` from now on; stop() puts it back and gives the count. */
export function countCalls(name: keyof Binding): { stop(): number } {
  const table = binding as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = table[name];
  let count = 0;
  table[name] = (...args: unknown[]) => {
    count++;
    return original(...args);
  };
  return {
    stop: () => {
      table[name] = original;
      return count;
    },
  };
}

/** Number of native kernel calls `fn` makes. */
export function nativeCalls(fn: () => void): number {
  const counter = countCalls('run');
  let count = 0;
  try {
    fn();
  } finally {
    count = counter.stop();
  }
  return count;
}
