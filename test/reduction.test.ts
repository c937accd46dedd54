/**
 * Reductions, arg-reductions, scans and softmax against plain-JS float64 references, on
 * random shapes (seeded), contiguous and non-contiguous inputs, every dtype each op defines.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import {
  assertThrowsNamed, makeRng, nonContiguous, randomData, randomInt, randomShape, roundTo, sizeOf, stridesOf, unravel,
} from './helpers';

const EPS: Record<rv.DType, number> = { float32: 2 ** -23, float64: 2 ** -52, int32: 0, bool: 0 };

type Rng = () => number;
type Axes = number | number[] | null | undefined;

/** Normalised (sorted, non-negative) axes for an axis argument, as NumPy reads it. */
function axesOf(axis: Axes, rank: number): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  return list.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
}

/** A random axis argument: undefined, null, one axis or a list (possibly empty), negatives included. */
function randomAxes(rng: Rng, rank: number): Axes {
  const mode = randomInt(rng, 0, 3);
  if (mode === 0) return undefined;
  if (mode === 1 || rank === 0) return null;
  const signed = (a: number) => (rng() < 0.5 ? a - rank : a);
  if (mode === 2) return signed(randomInt(rng, 0, rank - 1));
  const picked = Array.from({ length: rank }, (_, i) => i).filter(() => rng() < 0.5);
  for (let i = picked.length - 1; i > 0; i--) {
    const j = randomInt(rng, 0, i);
    [picked[i], picked[j]] = [picked[j], picked[i]];
  }
  return picked.map(signed);
}

function shuffled(rng: Rng, n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(rng, 0, i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

interface Group {
  outShape: number[];
  /** For each output element (row-major), the input values it reduces, in input order. */
  groups: number[][];
}

/** Groups the input values by output position of a reduction over `axes`. */
function groupBy(values: readonly number[], shape: readonly number[], axes: readonly number[], keepDims: boolean): Group {
  const keptShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepDims ? keptShape : shape.filter((_, i) => !axes.includes(i));
  const groups: number[][] = Array.from({ length: sizeOf(keptShape) }, () => []);
  const keptStrides = stridesOf(keptShape);
  for (let k = 0; k < values.length; k++) {
    const idx = unravel(k, shape);
    let flat = 0;
    for (let d = 0; d < shape.length; d++) if (!axes.includes(d)) flat += idx[d] * keptStrides[d];
    groups[flat].push(values[k]);
  }
  return { outShape, groups };
}

/** Per-element check with a tolerance that may depend on the element. */
function assertEach(actual: ArrayLike<number>, expected: readonly number[], tol: (i: number) => number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) assert.ok(Number.isNaN(a), `${what}[${i}]: got ${a}, expected NaN`);
    else if (!Number.isFinite(e)) assert.equal(a, e, `${what}[${i}]: got ${a}, expected ${e}`);
    else assert.ok(Math.abs(a - e) <= tol(i), `${what}[${i}]: got ${a}, expected ${e} (error ${Math.abs(a - e)}, tolerance ${tol(i)})`);
  }
}

const sumAbs = (g: readonly number[]) => g.reduce((s, v) => s + Math.abs(v), 0);

/**
 * Tolerance of a floating-point sum of the group g: a recursive sum of n terms in precision u
 * errs by at most (n - 1)·u·Σ|x| (Higham, Accuracy and Stability, §4.2), plus half an ulp for
 * rounding the result to the output dtype. The kernel accumulates float32 in double, so it is
 * far inside this bound; the bound is what the tests promise.
 */
function sumTol(dtype: rv.DType, g: readonly number[], expected: number): number {
  const u = EPS[dtype];
  return Math.max(g.length, 1) * u * sumAbs(g) + u * Math.abs(expected);
}

interface ReductionCase {
  name: 'sum' | 'mean' | 'prod' | 'max' | 'min' | 'logSumExp';
  dtypes: rv.DType[];
  outDType(d: rv.DType): rv.DType;
  reference(g: number[], dtype: rv.DType): number;
  tolerance(g: number[], expected: number, outDType: rv.DType): number;
}

const floatOut = (d: rv.DType): rv.DType => (d === 'float64' ? 'float64' : 'float32');
const intOut = (d: rv.DType): rv.DType => (d === 'bool' ? 'int32' : d);

function logSumExpRef(g: readonly number[]): number {
  const m = g.reduce((a, b) => (b > a || Number.isNaN(b) ? b : a), -Infinity);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(g.reduce((s, v) => s + Math.exp(v - m), 0));
}

const reductionCases: ReductionCase[] = [
  {
    name: 'sum',
    dtypes: ['float32', 'float64', 'int32', 'bool'],
    outDType: intOut,
    reference: (g, d) => (d === 'int32' || d === 'bool' ? g.reduce((s, v) => (s + v) | 0, 0) : g.reduce((s, v) => s + v, 0)),
    tolerance: (g, e, d) => sumTol(d, g, e),
  },
  {
    name: 'mean',
    dtypes: ['float32', 'float64', 'int32', 'bool'],
    outDType: floatOut,
    reference: (g) => g.reduce((s, v) => s + v, 0) / g.length,
    // The sum's bound divided by n, plus the division's rounding.
    tolerance: (g, e, d) => sumTol(d, g, e) / Math.max(g.length, 1) + EPS[d] * Math.abs(e),
  },
  {
    name: 'prod',
    dtypes: ['float32', 'float64', 'int32', 'bool'],
    outDType: intOut,
    reference: (g, d) => (d === 'int32' || d === 'bool' ? g.reduce((s, v) => Math.imul(s, v), 1) : g.reduce((s, v) => s * v, 1)),
    // Each multiplication errs by at most u relative: (n + 1)·u·|product|.
    tolerance: (g, e, d) => (g.length + 1) * EPS[d] * Math.abs(e),
  },
  { name: 'max', dtypes: ['float32', 'float64', 'int32', 'bool'], outDType: intOut, reference: (g, d) => extremeRef(g, d, true), tolerance: () => 0 },
  { name: 'min', dtypes: ['float32', 'float64', 'int32', 'bool'], outDType: intOut, reference: (g, d) => extremeRef(g, d, false), tolerance: () => 0 },
  {
    name: 'logSumExp',
    dtypes: ['float32', 'float64', 'int32'],
    outDType: floatOut,
    reference: (g) => logSumExpRef(g),
    // m + log(s), s in [1, n]: s errs by ~n·u relatively (each exp by a few u), so log s by
    // ~n·u absolutely; the result is rounded once more.
    tolerance: (g, e, d) => (g.length + 4) * 2 * EPS[floatOut(d)] + 2 * EPS[floatOut(d)] * Math.abs(e),
  },
];

function extremeRef(g: readonly number[], dtype: rv.DType, isMax: boolean): number {
  if (g.length === 0) {
    if (dtype === 'int32' || dtype === 'bool') return isMax ? -2147483648 : 2147483647;
    return isMax ? -Infinity : Infinity;
  }
  if (g.some((v) => Number.isNaN(v))) return NaN;
  return isMax ? Math.max(...g) : Math.min(...g);
}

function randomValues(rng: Rng, n: number, dtype: rv.DType, op: string): number[] {
  // Products of up to 625 terms stay finite in float32 only with factors near 1.
  const [lo, hi] = op === 'prod' ? (dtype === 'int32' ? [-3, 4] : [0.7, 1.4]) : dtype === 'int32' ? [-50, 50] : [-3, 3];
  const v = randomData(rng, n, dtype, lo, hi);
  if (op === 'prod' && dtype !== 'int32' && dtype !== 'bool') return roundTo(dtype, v.map((x) => (rng() < 0.3 ? -x : x)));
  return roundTo(dtype, v);
}

function makeInput(values: number[], shape: number[], dtype: rv.DType, rng: Rng, layout: 'contiguous' | 'strided'): rv.Tensor {
  return layout === 'contiguous' ? rv.tensor(values, shape, dtype) : nonContiguous(values, shape, dtype, rng);
}

describe('reductions: sum, mean, prod, max, min, logSumExp', () => {
  for (const c of reductionCases) {
    for (const dtype of c.dtypes) {
      for (const layout of ['contiguous', 'strided'] as const) {
        it(`${c.name} of ${dtype} (${layout}) matches a float64 reference`, () => {
          const rng = makeRng(1000 + c.name.length * 31 + dtype.length * 7 + (layout === 'strided' ? 1 : 0));
          for (let trial = 0; trial < 60; trial++) {
            const shape = randomShape(rng, { maxRank: 4, maxDim: 5 });
            const values = randomValues(rng, sizeOf(shape), dtype, c.name);
            const axis = randomAxes(rng, shape.length);
            const keepDims = rng() < 0.5;
            const x = makeInput(values, shape, dtype, rng, layout);
            const fn = rv[c.name] as (x: rv.Tensor, axis?: Axes, keepDims?: boolean) => rv.Tensor;
            const y = trial % 2 === 0 ? fn(x, axis, keepDims) : (x[c.name] as (axis?: Axes, keepDims?: boolean) => rv.Tensor)(axis, keepDims);
            const { outShape, groups } = groupBy(values, shape, axesOf(axis, shape.length), keepDims);
            const outDType = c.outDType(dtype);
            const expected = groups.map((g) => c.reference(g, dtype));
            const what = `${c.name}(${dtype} [${shape}], axis ${JSON.stringify(axis)}, keepDims ${keepDims})`;
            assert.deepEqual([...y.shape], outShape, `${what}: shape`);
            assert.equal(y.dtype, outDType, `${what}: dtype`);
            assertEach(y.dataSync(), expected, (i) => c.tolerance(groups[i], expected[i], dtype === 'float64' ? 'float64' : 'float32'), what);
            x.dispose();
            y.dispose();
          }
        });
      }
    }
  }

  for (const name of ['any', 'all'] as const) {
    for (const layout of ['contiguous', 'strided'] as const) {
      it(`${name} (${layout}) matches a reference`, () => {
        const rng = makeRng(name === 'any' ? 17 : 18);
        for (let trial = 0; trial < 60; trial++) {
          const shape = randomShape(rng, { maxRank: 4, maxDim: 5 });
          // Mostly-true or mostly-false data, so both outcomes occur.
          const p = rng();
          const values = Array.from({ length: sizeOf(shape) }, () => (rng() < p ? 1 : 0));
          const axis = randomAxes(rng, shape.length);
          const keepDims = rng() < 0.5;
          const x = makeInput(values, shape, 'bool', rng, layout);
          const y = rv[name](x, axis, keepDims);
          const { outShape, groups } = groupBy(values, shape, axesOf(axis, shape.length), keepDims);
          const expected = groups.map((g) => (name === 'any' ? (g.some((v) => v) ? 1 : 0) : g.every((v) => v) ? 1 : 0));
          assert.deepEqual([...y.shape], outShape);
          assert.equal(y.dtype, 'bool');
          assert.deepEqual(Array.from(y.dataSync()), expected, `${name}([${shape}], ${JSON.stringify(axis)})`);
        }
      });
    }
  }

  it('reduces dense permuted, reversed and broadcast views (no-copy and copy paths)', () => {
    const rng = makeRng(5);
    for (let trial = 0; trial < 150; trial++) {
      const shape = randomShape(rng, { minRank: 1, maxRank: 4, maxDim: 6, allowZero: false });
      const dtype = rng() < 0.5 ? 'float64' : 'float32';
      const base = rv.tensor(roundTo(dtype, randomData(rng, sizeOf(shape), dtype)), shape, dtype);
      const perm = shuffled(rng, shape.length);
      let view = base.transpose(perm);
      const mode = trial % 3;  // 0: transposed only, 1: and some axes reversed, 2: and broadcast
      const flips = mode === 1 ? perm.map((_, i) => i).filter(() => rng() < 0.5) : [];
      if (flips.length > 0) view = view.reverse(flips);
      if (mode === 2) {
        const at = randomInt(rng, 0, view.rank);
        const target = [...view.shape];
        target.splice(at, 0, 2);
        view = view.expandDims(at).broadcastTo(target);
      }
      const values = Array.from(view.dataSync());
      const axis = trial % 7 === 0 ? null : randomAxes(rng, view.rank) ?? shuffled(rng, view.rank).slice(0, randomInt(rng, 1, view.rank));
      for (const name of ['sum', 'max', 'logSumExp', 'mean'] as const) {
        const c = reductionCases.find((r) => r.name === name)!;
        const y = rv[name](view, axis, false);
        const { groups } = groupBy(values, view.shape, axesOf(axis, view.rank), false);
        const expected = groups.map((g) => c.reference(g, dtype));
        assertEach(y.dataSync(), expected, (i) => c.tolerance(groups[i], expected[i], dtype), `${name} of a view [${view.shape}] axis ${JSON.stringify(axis)}`);
      }
    }
    // Kept axes out of memory order: the output must follow the logical order.
    const t = rv.arange(24).reshape([2, 3, 4]).transpose([2, 1, 0]);
    assert.deepEqual(rv.sum(t, 1).arraySync(), rv.sum(t.clone(), 1).arraySync());
    assert.deepEqual(rv.sum(t, 1).arraySync(), [[12, 48], [15, 51], [18, 54], [21, 57]]);
  });

  it('sums large tensors along every axis pattern: chunked rows, column tiles, row blocks', () => {
    const rng = makeRng(99);
    const cases: [number[], Axes][] = [
      [[100003], null],          // one long row, split into chunks
      [[3, 70001], 1],           // several long rows
      [[2000, 600], 0],          // leading axis: column tiles (600 > one tile) and row blocks
      [[5, 700, 3], 1],          // middle axis, narrow columns
      [[7, 1300, 2], [0, 1]],    // leading axes merged
      [[40, 30, 50], [0, 2]],    // non-adjacent axes: the copy path
      [[1, 65537], -1],
    ];
    for (const [shape, axis] of cases) {
      for (const dtype of ['float64', 'float32'] as const) {
        const values = roundTo(dtype, randomData(rng, sizeOf(shape), dtype));
        const x = rv.tensor(values, shape, dtype);
        const { groups } = groupBy(values, shape, axesOf(axis, shape.length), false);
        for (const c of reductionCases.filter((r) => r.name !== 'prod')) {
          const y = rv[c.name](x, axis);
          const expected = groups.map((g) => c.reference(g, dtype));
          assertEach(y.dataSync(), expected, (i) => c.tolerance(groups[i], expected[i], dtype), `${c.name} ${dtype} [${shape}] axis ${JSON.stringify(axis)}`);
          y.dispose();
        }
        x.dispose();
      }
    }
  });

  it('gives the same bits on 1 and 2 threads', () => {
    const rng = makeRng(3);
    const x = rv.tensor(randomData(rng, 300000, 'float32'), [300, 1000], 'float32');
    const before = rv.getNumThreads();
    try {
      const results = [1, 2].map((n) => {
        rv.setNumThreads(n);
        return [rv.sum(x), rv.sum(x, 0), rv.sum(x, 1), rv.logSumExp(x), rv.mean(x.transpose(), 1)].map((t) => Array.from(t.dataSync()));
      });
      assert.deepEqual(results[0], results[1]);
    } finally {
      rv.setNumThreads(before);
    }
  });

  it('has the documented values for empty reductions', () => {
    const e = rv.zeros([2, 0, 3]);
    assert.deepEqual(rv.sum(e, 1).arraySync(), [[0, 0, 0], [0, 0, 0]]);
    assert.deepEqual(rv.prod(e, 1).arraySync(), [[1, 1, 1], [1, 1, 1]]);
    assert.ok(Array.from(rv.mean(e, 1).dataSync()).every(Number.isNaN));
    assert.deepEqual(Array.from(rv.max(e, 1).dataSync()), new Array(6).fill(-Infinity));
    assert.deepEqual(Array.from(rv.min(e, 1).dataSync()), new Array(6).fill(Infinity));
    assert.deepEqual(Array.from(rv.logSumExp(e, 1).dataSync()), new Array(6).fill(-Infinity));
    assert.deepEqual(rv.sum(e, 1, true).shape, [2, 1, 3]);
    assert.deepEqual(rv.sum(e, 0).shape, [0, 3]);
    assert.equal(rv.sum(e).arraySync(), 0);
    const ei = rv.zeros([0], 'int32');
    assert.equal(rv.max(ei).arraySync(), -2147483648);
    assert.equal(rv.min(ei).arraySync(), 2147483647);
    assert.equal(rv.any(rv.zeros([0], 'bool')).arraySync(), false);
    assert.equal(rv.all(rv.zeros([0], 'bool')).arraySync(), true);
  });

  it('reduces scalars and size-1 axes; an empty axis list reduces nothing', () => {
    const s = rv.scalar(2.5, 'float64');
    assert.equal(rv.sum(s).arraySync(), 2.5);
    assert.equal(rv.max(s, null, true).arraySync(), 2.5);
    assert.equal(rv.logSumExp(s).arraySync(), 2.5);
    const x = rv.tensor([[1, 2, 3]]);
    assert.deepEqual(rv.sum(x, []).arraySync(), [[1, 2, 3]]);
    assert.deepEqual(rv.sum(x, 0).arraySync(), [1, 2, 3]);
    assert.deepEqual(rv.sum(x, [0, 1], true).arraySync(), [[6]]);
  });

  it('wraps int32 sums and products and counts bools', () => {
    assert.equal(rv.sum(rv.tensor([2147483647, 1], [2], 'int32')).arraySync(), -2147483648);
    assert.equal(rv.prod(rv.tensor([65536, 65536], [2], 'int32')).arraySync(), 0);
    assert.equal(rv.prod(rv.tensor([65537, 65537], [2], 'int32')).arraySync(), Math.imul(65537, 65537));
    const b = rv.tensor([[true, false, true], [true, true, true]]);
    const count = rv.sum(b, 1);
    assert.equal(count.dtype, 'int32');
    assert.deepEqual(count.arraySync(), [2, 3]);
    assert.equal(rv.max(b).dtype, 'int32');
    assert.equal(rv.mean(b).dtype, 'float32');
    assert.ok(Math.abs((rv.mean(b).arraySync() as number) - 5 / 6) < 1e-7);
    assert.equal(rv.mean(rv.tensor([1, 2], [2], 'int32')).arraySync(), 1.5);
  });

  it('propagates NaN through max and min on every path', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      assert.ok(Number.isNaN(rv.max(rv.tensor([1, NaN, 3], [3], dtype)).arraySync() as number));
      assert.ok(Number.isNaN(rv.min(rv.tensor([NaN, 1, 3], [3], dtype)).arraySync() as number));
      const long = new Array(100000).fill(0).map((_, i) => Math.sin(i));
      long[99999] = NaN;  // in the last chunk's tail
      assert.ok(Number.isNaN(rv.max(rv.tensor(long, [100000], dtype)).arraySync() as number));
      long[99999] = 0;
      long[40000] = NaN;
      assert.ok(Number.isNaN(rv.min(rv.tensor(long, [100000], dtype)).arraySync() as number));
      const cols = rv.tensor([[1, 2, 3], [NaN, 0, 9], [5, NaN, 1]], [3, 3], dtype);
      assert.deepEqual(Array.from(rv.max(cols, 0).dataSync()).map(String), ['NaN', 'NaN', '9']);
      assert.deepEqual(Array.from(rv.min(cols, 1).dataSync()).map(String), ['1', 'NaN', 'NaN']);
      assert.deepEqual(Array.from(rv.max(rv.tensor([-Infinity, Infinity, 1], [3], dtype)).dataSync()), [Infinity]);
    }
  });

  it('is numerically stable: logSumExp of huge and -Infinity inputs', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const tol = { float32: 1000 * 2 ** -23, float64: 1000 * 2 ** -52 }[dtype];
      const v = rv.logSumExp(rv.tensor([1000, 1000], [2], dtype)).arraySync() as number;
      assert.ok(Math.abs(v - (1000 + Math.LN2)) <= 2 * tol, `${dtype}: ${v}`);
      const w = rv.logSumExp(rv.tensor([-1000, -1000], [2], dtype)).arraySync() as number;
      assert.ok(Math.abs(w - (-1000 + Math.LN2)) <= 2 * tol, `${dtype}: ${w}`);
      assert.equal(rv.logSumExp(rv.tensor([-Infinity, -Infinity], [2], dtype)).arraySync(), -Infinity);
      assert.equal(rv.logSumExp(rv.tensor([-Infinity, 0], [2], dtype)).arraySync(), 0);
      assert.equal(rv.logSumExp(rv.tensor([Infinity, 0], [2], dtype)).arraySync(), Infinity);
      assert.ok(Number.isNaN(rv.logSumExp(rv.tensor([NaN, 0], [2], dtype)).arraySync() as number));
      const rows = rv.logSumExp(rv.tensor([[-Infinity, -Infinity], [3, -Infinity]], [2, 2], dtype), 1);
      assert.deepEqual(Array.from(rows.dataSync()), [-Infinity, 3]);
      const cols = rv.logSumExp(rv.tensor([[-Infinity, 1e30], [-Infinity, 1e30]], [2, 2], dtype), 0);
      assert.equal(cols.dataSync()[0], -Infinity);
      assert.ok(Math.abs(cols.dataSync()[1] - 1e30) <= 1e30 * 4 * 2 ** -23);
    }
  });
});

describe('argMax, argMin', () => {
  function argRef(g: readonly number[], isMax: boolean): number {
    let best = 0;
    for (let i = 1; i < g.length; i++) {
      if (Number.isNaN(g[best])) break;
      if (Number.isNaN(g[i]) || (isMax ? g[i] > g[best] : g[i] < g[best])) best = i;
    }
    return best;
  }

  for (const name of ['argMax', 'argMin'] as const) {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
      for (const layout of ['contiguous', 'strided'] as const) {
        it(`${name} of ${dtype} (${layout}): first occurrence, NaN first`, () => {
          const rng = makeRng(200 + name.length + dtype.length * 3 + (layout === 'strided' ? 50 : 0));
          for (let trial = 0; trial < 60; trial++) {
            const shape = randomShape(rng, { minRank: 1, maxRank: 4, maxDim: 5, allowZero: false });
            // Few distinct values, so ties are common; some NaNs in floats.
            let values = roundTo(dtype, randomData(rng, sizeOf(shape), dtype, -2, 3).map(Math.floor));
            if ((dtype === 'float32' || dtype === 'float64') && rng() < 0.3) values = values.map((v) => (rng() < 0.15 ? NaN : v));
            const axisArg = trial % 5 === 0 ? undefined : randomInt(rng, -shape.length, shape.length - 1);
            const axis = axisArg === undefined ? 0 : axisArg < 0 ? axisArg + shape.length : axisArg;
            const x = makeInput(values, shape, dtype, rng, layout);
            const y = axisArg === undefined ? (trial % 2 ? rv[name](x) : x[name]()) : rv[name](x, axisArg);
            const { outShape, groups } = groupBy(values, shape, [axis], false);
            assert.deepEqual([...y.shape], outShape);
            assert.equal(y.dtype, 'int32');
            assert.deepEqual(Array.from(y.dataSync()), groups.map((g) => argRef(g, name === 'argMax')), `${name}([${shape}], ${axis}) of ${values}`);
          }
        });
      }
    }
  }

  it('finds the extreme in long rows and wide columns', () => {
    const n = 100003;
    const v = new Float64Array(n).map((_, i) => Math.sin(i) * 0.5);
    v[70000] = 2;
    v[90000] = 2;  // a later tie: the first wins
    v[10] = -2;
    assert.equal(rv.argMax(v).arraySync(), 70000);
    assert.equal(rv.argMin(v).arraySync(), 10);
    v[95000] = NaN;
    v[99000] = NaN;
    assert.equal(rv.argMax(v).arraySync(), 95000);
    assert.equal(rv.argMin(v).arraySync(), 95000);
    const rows = 700;
    const cols = rv.tensor(new Float32Array(rows * 600).map((_, i) => ((i * 7919) % 1009) / 1009), [rows, 600]);
    const data = cols.dataSync();
    const got = rv.argMax(cols, 0).dataSync();
    for (const j of [0, 1, 511, 512, 599]) {
      const col = Array.from({ length: rows }, (_, r) => data[r * 600 + j]);
      assert.equal(got[j], argRef(col, true), `column ${j}`);
    }
  });
});

describe('cumsum, cumprod', () => {
  function scanRef(g: readonly number[], op: 'cumsum' | 'cumprod', dtype: rv.DType, exclusive: boolean, reverse: boolean): number[] {
    const integer = dtype === 'int32' || dtype === 'bool';
    const step = op === 'cumsum'
      ? (a: number, v: number) => (integer ? (a + v) | 0 : a + v)
      : (a: number, v: number) => (integer ? Math.imul(a, v) : a * v);
    const order = g.map((_, i) => i);
    if (reverse) order.reverse();
    const out = new Array(g.length);
    let acc = op === 'cumsum' ? 0 : 1;
    for (const i of order) {
      if (exclusive) {
        out[i] = acc;
        acc = step(acc, g[i]);
      } else {
        acc = step(acc, g[i]);
        out[i] = acc;
      }
    }
    return out;
  }

  for (const op of ['cumsum', 'cumprod'] as const) {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
      for (const layout of ['contiguous', 'strided'] as const) {
        it(`${op} of ${dtype} (${layout}) matches a reference`, () => {
          const rng = makeRng(300 + op.length + dtype.length * 5 + (layout === 'strided' ? 70 : 0));
          for (let trial = 0; trial < 50; trial++) {
            const shape = randomShape(rng, { minRank: 1, maxRank: 4, maxDim: 6 });
            const values = randomValues(rng, sizeOf(shape), dtype, op === 'cumprod' ? 'prod' : 'sum');
            const axisArg = trial % 6 === 0 ? undefined : randomInt(rng, -shape.length, shape.length - 1);
            const axis = axisArg === undefined ? 0 : axisArg < 0 ? axisArg + shape.length : axisArg;
            const exclusive = rng() < 0.5;
            const reverse = rng() < 0.5;
            const x = makeInput(values, shape, dtype, rng, layout);
            const y = axisArg === undefined ? rv[op](x) : trial % 2 ? rv[op](x, axisArg, exclusive, reverse) : x[op](axisArg, exclusive, reverse);
            const ex = axisArg === undefined ? false : exclusive;
            const rev = axisArg === undefined ? false : reverse;
            // Scan each line along the axis, scattering back to row-major order.
            const expected = new Array(values.length);
            const tols = new Array(values.length);
            const strides = stridesOf(shape);
            for (let k = 0; k < values.length; k++) {
              const idx = unravel(k, shape);
              if (idx[axis] !== 0) continue;
              const pos = Array.from({ length: shape[axis] }, (_, r) => k + r * strides[axis]);
              const line = pos.map((p) => values[p]);
              const s = scanRef(line, op, dtype, ex, rev);
              pos.forEach((p, r) => {
                expected[p] = s[r];
                // A prefix of at most n terms: the sum and product bounds above.
                const u = dtype === 'float64' ? EPS.float64 : EPS.float32;
                tols[p] = op === 'cumsum' ? line.length * u * sumAbs(line) + u * Math.abs(s[r]) : (line.length + 1) * u * Math.abs(s[r]);
              });
            }
            assert.deepEqual([...y.shape], shape);
            assert.equal(y.dtype, intOut(dtype));
            assertEach(y.dataSync(), expected, (i) => tols[i], `${op}(${dtype} [${shape}], ${axis}, ${ex}, ${rev})`);
          }
        });
      }
    }
  }

  it('scans long rows and wide columns', () => {
    const x = rv.tensor(new Float64Array(3 * 40000).map((_, i) => (i % 7) - 3), [3, 40000], 'float64');
    const y = rv.cumsum(x, 1).dataSync();
    const data = x.dataSync();
    for (let r = 0; r < 3; r++) {
      let acc = 0;
      for (let i = 0; i < 40000; i++) {
        acc += data[r * 40000 + i];
        if (y[r * 40000 + i] !== acc) assert.fail(`cumsum row ${r} at ${i}: ${y[r * 40000 + i]} != ${acc}`);
      }
    }
    const z = rv.cumsum(x.reshape([40000, 3]), 0, true, true).dataSync();
    assert.equal(z[3 * 39999], 0);
    assert.deepEqual(rv.cumsum([[1, 2], [3, 4]], 1, true).arraySync(), [[0, 1], [0, 3]]);
    assert.deepEqual(rv.cumprod([1, 2, 3, 4], 0, false, true).arraySync(), [24, 24, 12, 4]);
  });
});

describe('softmax, logSoftmax', () => {
  function softmaxRef(g: readonly number[], log: boolean): number[] {
    const lse = logSumExpRef(g);
    return g.map((v) => (log ? v - lse : Math.exp(v - lse)));
  }

  for (const name of ['softmax', 'logSoftmax'] as const) {
    for (const dtype of ['float32', 'float64', 'int32'] as const) {
      for (const layout of ['contiguous', 'strided'] as const) {
        it(`${name} of ${dtype} (${layout}) matches a reference`, () => {
          const rng = makeRng(400 + name.length + dtype.length * 11 + (layout === 'strided' ? 3 : 0));
          for (let trial = 0; trial < 50; trial++) {
            const shape = randomShape(rng, { minRank: 1, maxRank: 4, maxDim: 6 });
            const values = randomValues(rng, sizeOf(shape), dtype, name).map((v) => (dtype === 'int32' ? v / 10 | 0 : v * 5));
            const axisArg = trial % 4 === 0 ? undefined : randomInt(rng, -shape.length, shape.length - 1);
            const axis = axisArg === undefined ? shape.length - 1 : axisArg < 0 ? axisArg + shape.length : axisArg;
            const x = makeInput(roundTo(dtype, values), shape, dtype, rng, layout);
            const y = axisArg === undefined ? (trial % 2 ? rv[name](x) : x[name]()) : rv[name](x, axisArg);
            const expected = new Array(values.length);
            const strides = stridesOf(shape);
            const vals = roundTo(dtype, values);
            for (let k = 0; k < vals.length; k++) {
              if (unravel(k, shape)[axis] !== 0) continue;
              const pos = Array.from({ length: shape[axis] }, (_, r) => k + r * strides[axis]);
              const s = softmaxRef(pos.map((p) => vals[p]), name === 'logSoftmax');
              pos.forEach((p, r) => { expected[p] = s[r]; });
            }
            const outDType = floatOut(dtype);
            const u = EPS[outDType];
            // softmax: each probability errs by a few u relatively (exp, the sum, the division),
            // plus n·u·p for the sum of n terms. logSoftmax: (x - m) - log s errs by ~n·u
            // absolutely (log s) plus rounding relative to the result.
            const n = shape[axis];
            const tol = (i: number) => (name === 'softmax' ? (n + 4) * u * Math.abs(expected[i]) + u : (n + 4) * u + 2 * u * Math.abs(expected[i]));
            assert.deepEqual([...y.shape], shape);
            assert.equal(y.dtype, outDType);
            assertEach(y.dataSync(), expected, tol, `${name}(${dtype} [${shape}], ${axis})`);
          }
        });
      }
    }
  }

  it('is exact for huge logits and -Infinity', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      assert.deepEqual(Array.from(rv.softmax(rv.tensor([1000, 0], [2], dtype)).dataSync()), [1, 0]);
      assert.deepEqual(Array.from(rv.softmax(rv.tensor([1000, 1000], [2], dtype)).dataSync()), [0.5, 0.5]);
      assert.deepEqual(Array.from(rv.softmax(rv.tensor([-1000, -1000], [2], dtype)).dataSync()), [0.5, 0.5]);
      assert.deepEqual(Array.from(rv.logSoftmax(rv.tensor([1000, 0], [2], dtype)).dataSync()), [0, -1000]);
      assert.deepEqual(Array.from(rv.softmax(rv.tensor([0, -Infinity], [2], dtype)).dataSync()), [1, 0]);
      assert.deepEqual(Array.from(rv.logSoftmax(rv.tensor([0, -Infinity], [2], dtype)).dataSync()), [0, -Infinity]);
      const half = rv.logSoftmax(rv.tensor([1e4, 1e4], [2], dtype)).dataSync();
      assert.ok(Math.abs(half[0] + Math.LN2) < 4 * EPS[dtype]);
      // Columns (softmax over a leading axis) take the tiled path.
      const cols = rv.softmax(rv.tensor([[1000, -Infinity], [0, 5]], [2, 2], dtype), 0).dataSync();
      assert.deepEqual(Array.from(cols), [1, 0, 0, 1]);
      // A row of only -Infinity has no softmax: NaN, documented.
      assert.ok(Array.from(rv.softmax(rv.tensor([-Infinity, -Infinity], [2], dtype)).dataSync()).every(Number.isNaN));
    }
    const probs = rv.softmax(rv.tensor([[1, 2, 3], [1, 1, 1]]), -1);
    assertEach(rv.sum(probs, -1).dataSync(), [1, 1], () => 4 * EPS.float32, 'rows sum to 1');
  });
});

describe('reduction errors', () => {
  const x = rv.tensor([[1, 2], [3, 4]]);

  it('names the op and the argument for bad axes', () => {
    for (const name of ['sum', 'mean', 'prod', 'max', 'min', 'logSumExp'] as const) {
      assertThrowsNamed(() => rv[name](x, 2), `${name}:`, 'axis 2', 'out of range');
      assertThrowsNamed(() => rv[name](x, -3), `${name}:`, 'axis -3');
      assertThrowsNamed(() => rv[name](x, [0, -2]), `${name}:`, 'axis', 'repeats');
      assertThrowsNamed(() => rv[name](x, 0.5), `${name}:`, 'axis 0.5');
      assertThrowsNamed(() => rv[name](x, 'a' as unknown as number), `${name}:`, 'axis');
      assertThrowsNamed(() => rv[name](x, 0, 1 as unknown as boolean), `${name}:`, 'keepDims');
      assertThrowsNamed(() => rv[name](rv.scalar(1), 0), `${name}:`, 'axis 0', 'rank 0');
    }
    for (const name of ['argMax', 'argMin', 'cumsum', 'cumprod'] as const) {
      assertThrowsNamed(() => rv[name](x, 2), `${name}:`, 'axis 2');
      assertThrowsNamed(() => rv[name](rv.scalar(1)), `${name}:`, 'axis 0', 'rank 0');
    }
    for (const name of ['softmax', 'logSoftmax'] as const) {
      assertThrowsNamed(() => rv[name](x, 2), `${name}:`, 'axis 2');
      assertThrowsNamed(() => rv[name](rv.scalar(1)), `${name}:`, 'axis -1', 'rank 0');
    }
    assertThrowsNamed(() => rv.cumsum(x, 0, 1 as unknown as boolean), 'cumsum:', 'exclusive');
    assertThrowsNamed(() => rv.cumprod(x, 0, false, 'yes' as unknown as boolean), 'cumprod:', 'reverse');
  });

  it('rejects an empty axis for argMax and argMin', () => {
    assertThrowsNamed(() => rv.argMax(rv.zeros([0, 3])), 'argMax:', 'axis 0', 'size 0');
    assertThrowsNamed(() => rv.argMin(rv.zeros([3, 0]), 1), 'argMin:', 'axis 1', 'size 0');
    assert.deepEqual(rv.argMax(rv.zeros([0, 3]), 1).shape, [0]);
  });

  it('requires bool for any and all', () => {
    assertThrowsNamed(() => rv.any(x), 'any:', "argument 'x'", 'bool', 'float32');
    assertThrowsNamed(() => rv.all(rv.tensor([1], [1], 'int32')), 'all:', "argument 'x'", 'bool', 'int32');
  });

  it('rejects disposed tensors', () => {
    const d = rv.tensor([1, 2]);
    d.dispose();
    for (const name of ['sum', 'mean', 'max', 'logSumExp', 'argMax', 'cumsum'] as const) {
      assertThrowsNamed(() => (rv[name] as (t: rv.Tensor) => rv.Tensor)(d), `${name}:`, "argument 'x'", 'disposed');
    }
    assertThrowsNamed(() => rv.softmax(d), 'softmax:', "argument 'logits'", 'disposed');
  });
});
