/**
 * matMul, dot and outer against a plain-JS float64 reference: random batch-broadcast shapes,
 * vectors, transposes by flag and by view (transposed, sliced, non-contiguous, broadcast
 * inside the matrix), size-0 dimensions, float32 and float64, on both paths: the one the
 * environment selects (a BLAS when one is found) and the built-in kernel. CI runs this file
 * again with RANDVAR_BLAS=builtin, where only the built-in kernel is tested.
 *
 * Tolerance. Each entry is a dot product s = Σ_p a_p b_p of length k. Computed in floating
 * point with unit roundoff u, in any order of summation, with or without FMA, its error is at
 * most γ_k · Σ_p |a_p b_p| with γ_k = k·u / (1 − k·u) (Higham, Accuracy and Stability of
 * Numerical Algorithms, §3.1). Inputs are rounded to their dtype before the reference sees
 * them, so the kernel's error is γ_k(u_dtype) · S and the float64 reference's own is at most
 * γ_k(2^-53) · S: the bound below is their sum, and exact zeros when k = 0.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as rv from '../lib/index';
import { assertThrowsNamed, makeRng, nonContiguous, randomData, randomInt, roundTo, sizeOf, stridesOf, unravel } from './helpers';

type FloatDType = 'float32' | 'float64';
const floatDTypes: FloatDType[] = ['float32', 'float64'];
const unitRoundoff = (dtype: FloatDType) => (dtype === 'float32' ? 2 ** -24 : 2 ** -53);
const gamma = (k: number, u: number) => (k * u) / (1 - k * u);

interface Ref { values: number[]; shape: number[] }
interface Product extends Ref { scale: number[]; k: number }

/**
 * NumPy matmul with TensorFlow's transpose flags, in float64, written from the definition:
 * a vector a is [1, k] and a vector b [k, 1] (flags ignored), the added axis dropped after;
 * batch axes broadcast. `scale` holds Σ_p |a_ip b_pj| per entry, for the tolerance.
 */
function matmulRef(a: Ref, b: Ref, ta: boolean, tb: boolean): Product {
  const aShape = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const bShape = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const fa = a.shape.length > 1 && ta;
  const fb = b.shape.length > 1 && tb;
  const ra = aShape.length;
  const rb = bShape.length;
  const m = fa ? aShape[ra - 1] : aShape[ra - 2];
  const k = fa ? aShape[ra - 2] : aShape[ra - 1];
  const n = fb ? bShape[rb - 2] : bShape[rb - 1];
  assert.equal(fb ? bShape[rb - 1] : bShape[rb - 2], k, 'reference: inner dimensions');
  const batchA = aShape.slice(0, -2);
  const batchB = bShape.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const batch = Array.from({ length: rank }, (_, d) => {
    const x = batchA[d - (rank - batchA.length)] ?? 1;
    const y = batchB[d - (rank - batchB.length)] ?? 1;
    return x === 1 ? y : x;
  });
  const sa = stridesOf(aShape);
  const sb = stridesOf(bShape);
  // Flat offset of a batch index in an operand (broadcast axes contribute nothing).
  const batchOffset = (idx: number[], shape: number[], strides: number[]) => {
    let off = 0;
    const lead = rank - (shape.length - 2);
    for (let d = 0; d < shape.length - 2; d++) if (shape[d] !== 1) off += idx[lead + d] * strides[d];
    return off;
  };
  const batches = sizeOf(batch);
  const values: number[] = [];
  const scale: number[] = [];
  for (let f = 0; f < batches; f++) {
    const idx = unravel(f, batch);
    const oa = batchOffset(idx, aShape, sa);
    const ob = batchOffset(idx, bShape, sb);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let t = 0;
        for (let p = 0; p < k; p++) {
          const x = a.values[oa + (fa ? p * sa[ra - 2] + i : i * sa[ra - 2] + p)];
          const y = b.values[ob + (fb ? j * sb[rb - 2] + p : p * sb[rb - 2] + j)];
          s += x * y;
          t += Math.abs(x * y);
        }
        values.push(s);
        scale.push(t);
      }
    }
  }
  const shape = [...batch, ...(a.shape.length > 1 ? [m] : []), ...(b.shape.length > 1 ? [n] : [])];
  return { values, shape, scale, k };
}

/** Asserts result against the reference within the rounding-error bound described above. */
function assertProduct(result: rv.Tensor, ref: Product, dtype: FloatDType, what: string): void {
  assert.deepEqual([...result.shape], ref.shape, `${what}: shape`);
  assert.equal(result.dtype, dtype, `${what}: dtype`);
  const got = result.dataSync();
  assert.equal(got.length, ref.values.length, `${what}: length`);
  const factor = gamma(ref.k, unitRoundoff(dtype)) + gamma(ref.k, 2 ** -53);
  for (let i = 0; i < got.length; i++) {
    const bound = factor * ref.scale[i];
    const err = Math.abs(got[i] - ref.values[i]);
    if (!(err <= bound)) assert.fail(`${what}[${i}]: got ${got[i]}, expected ${ref.values[i]} (error ${err} > bound ${bound})`);
  }
}

type Layout = 'contiguous' | 'transposed' | 'sliced' | 'nonContiguous';

/**
 * A tensor holding `values` (row-major for `shape`) laid out as asked: the matrices stored
 * transposed and viewed back (unit row stride), inside wider rows (a leading dimension larger
 * than the row), or permuted and reversed with gaps (helpers.nonContiguous).
 */
function makeInput(values: number[], shape: number[], dtype: FloatDType, layout: Layout, rng: () => number): rv.Tensor {
  const r = shape.length;
  if (layout === 'nonContiguous') return nonContiguous(values, shape, dtype, rng);
  if (layout === 'transposed' && r >= 2) {
    const swapped = [...shape.slice(0, -2), shape[r - 1], shape[r - 2]];
    const stored = new Array(values.length);
    for (let f = 0; f < values.length; f++) {
      const idx = unravel(f, shape);
      [idx[r - 2], idx[r - 1]] = [idx[r - 1], idx[r - 2]];
      let flat = 0;
      const s = stridesOf(swapped);
      for (let d = 0; d < r; d++) flat += idx[d] * s[d];
      stored[flat] = values[f];
    }
    const base = rv.tensor(stored, swapped, dtype);
    const perm = [...Array(r - 2).keys(), r - 1, r - 2];
    const view = base.transpose(perm);
    base.dispose();
    return view;
  }
  if (layout === 'sliced' || (layout === 'transposed' && r < 2)) {
    // Pad the last axis by 3 entries on the left and 2 on the right, then slice them off.
    const padded = [...shape.slice(0, -1), shape[r - 1] + 5];
    const stored = new Array(sizeOf(padded)).fill(99);
    for (let f = 0; f < values.length; f++) {
      const idx = unravel(f, shape);
      idx[r - 1] += 3;
      let flat = 0;
      const s = stridesOf(padded);
      for (let d = 0; d < r; d++) flat += idx[d] * s[d];
      stored[flat] = values[f];
    }
    const base = rv.tensor(stored, padded, dtype);
    const view = base.slice(new Array(r).fill(0).map((_, d) => (d === r - 1 ? 3 : 0)), shape);
    base.dispose();
    return view;
  }
  return rv.tensor(values, shape, dtype);
}

/** A batch shape for each operand that broadcast together (rank 0–3, dims 1–3, some 1s, rarely 0). */
function batchPair(rng: () => number, allowZero: boolean): [number[], number[]] {
  const rank = randomInt(rng, 0, 3);
  const full = Array.from({ length: rank }, () => (allowZero && rng() < 0.05 ? 0 : randomInt(rng, 1, 3)));
  const a = full.map((d) => (rng() < 0.3 ? 1 : d));
  const b = full.map((d, i) => (a[i] === 1 || rng() < 0.5 ? d : 1));
  const dropA = rng() < 0.3 ? randomInt(rng, 0, rank) : 0;
  const dropB = rng() < 0.3 ? randomInt(rng, 0, rank) : 0;
  return [a.slice(dropA), b.slice(dropB)];
}

interface Case { aShape: number[]; bShape: number[]; ta: boolean; tb: boolean }

/** A random product: sizes up to `maxDim` (often small), vectors, flags, broadcast batches. */
function randomCase(rng: () => number, maxDim: number): Case {
  const dim = () => (rng() < 0.06 ? 0 : rng() < 0.5 ? randomInt(rng, 1, 4) : randomInt(rng, 1, maxDim));
  const [m, n, k] = [dim(), dim(), dim()];
  const [batchA, batchB] = batchPair(rng, true);
  const vecA = rng() < 0.15;
  const vecB = rng() < 0.15;
  const ta = rng() < 0.5;
  const tb = rng() < 0.5;
  const aShape = vecA ? [k] : [...batchA, ...(ta ? [k, m] : [m, k])];
  const bShape = vecB ? [k] : [...batchB, ...(tb ? [n, k] : [k, n])];
  return { aShape, bShape, ta, tb };
}

function runCase(c: Case, dtype: FloatDType, layouts: [Layout, Layout], rng: () => number, what: string): void {
  const a = roundTo(dtype, randomData(rng, sizeOf(c.aShape), dtype));
  const b = roundTo(dtype, randomData(rng, sizeOf(c.bShape), dtype));
  const ref = matmulRef({ values: a, shape: c.aShape }, { values: b, shape: c.bShape }, c.ta, c.tb);
  rv.tidy(() => {
    const x = makeInput(a, c.aShape, dtype, layouts[0], rng);
    const y = makeInput(b, c.bShape, dtype, layouts[1], rng);
    const label = `${what} ${dtype} a [${c.aShape}]${c.ta ? 'ᵀ' : ''} (${layouts[0]}) · b [${c.bShape}]${c.tb ? 'ᵀ' : ''} (${layouts[1]})`;
    assertProduct(rv.matMul(x, y, c.ta, c.tb), ref, dtype, label);
  });
}

// The path the environment selected, then the built-in kernel (if that was not it already).
const selected = rv.blasInfo();
const paths = selected.name === 'builtin' ? ['builtin'] : [selected.name, 'builtin'];
const choose = (path: string) => rv.setBlas(path === 'builtin' ? 'builtin' : selected.path!);

// CI also runs this file alone with --no-config (mocha's 2 s default), on a shared machine.
const timeout = 120_000;

describe('matMul: the BLAS in use', function () {
  this.timeout(timeout);
  it('reports the library the environment selects', () => {
    if (process.env.RANDVAR_BLAS === 'builtin') {
      assert.equal(selected.name, 'builtin');
      assert.equal(selected.path, null);
    } else if (selected.name !== 'builtin') {
      assert.ok(['OpenBLAS', 'BLIS', 'BLAS'].includes(selected.name), selected.name);
      assert.ok(typeof selected.path === 'string' && selected.path.length > 0);
    }
    // CI installs OpenBLAS and says so, so that a failed load cannot pass as the built-in path.
    if (process.env.RANDVAR_EXPECT_BLAS && process.env.RANDVAR_BLAS !== 'builtin') {
      assert.equal(selected.name, process.env.RANDVAR_EXPECT_BLAS);
    }
  });

  it('switches between the BLAS and the built-in kernel at run time', () => {
    try {
      rv.setBlas('builtin');
      assert.equal(rv.blasInfo().name, 'builtin');
      rv.setBlas('auto');
      const found = rv.blasInfo();
      if (found.name !== 'builtin') assert.ok(found.path);
    } finally {
      choose(selected.name);
    }
    assert.deepEqual(rv.blasInfo().name, selected.name);
  });

  it('refuses a library that cannot be loaded, by name, keeping the current choice', () => {
    assertThrowsNamed(() => rv.setBlas('/no/such/libblas.so'), 'setBlas', '/no/such/libblas.so');
    assertThrowsNamed(() => rv.setBlas(7 as unknown as string), 'setBlas');
    assert.equal(rv.blasInfo().name, selected.name);
  });

  it('fails loudly when RANDVAR_BLAS names a library that cannot be loaded', () => {
    const code = `const rv = require('./lib/index'); try { rv.matMul([[1]], [[1]]); console.log('no error'); } catch (e) { console.log(e.message); }`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
      encoding: 'utf8', timeout: 60_000, env: { ...process.env, RANDVAR_BLAS: '/no/such/libblas.so' },
    });
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /^matMul: RANDVAR_BLAS: cannot use BLAS library '\/no\/such\/libblas\.so'/);
  });
});

for (const path of paths) {
  describe(`matMul on ${path === 'builtin' ? 'the built-in kernel' : path}`, function () {
    this.timeout(timeout);
    before(() => choose(path));
    after(() => choose(selected.name));

    it('is on the path named', () => {
      assert.equal(rv.blasInfo().name, path);
    });

    for (const dtype of floatDTypes) {
      it(`matches the reference on random broadcast batches, vectors and flags (${dtype})`, () => {
        const rng = makeRng(dtype === 'float32' ? 11 : 12);
        for (let i = 0; i < 150; i++) runCase(randomCase(rng, 9), dtype, ['contiguous', 'contiguous'], rng, `case ${i}`);
      });

      it(`matches the reference on products large enough for blocking and threads (${dtype})`, () => {
        const rng = makeRng(dtype === 'float32' ? 21 : 22);
        const cases: Case[] = [
          { aShape: [67, 45], bShape: [45, 71], ta: false, tb: false },          // edge tiles everywhere
          { aShape: [300, 130], bShape: [300, 97], ta: true, tb: false },        // k > one packed panel
          { aShape: [2, 40, 90], bShape: [3, 1, 50, 90], ta: false, tb: true },  // broadcast batch, B transposed
          { aShape: [4300, 9], bShape: [9, 20], ta: false, tb: false },          // more rows than one packing pass
          { aShape: [9, 10], bShape: [9, 4200], ta: true, tb: false },           // more columns than one packed block
          { aShape: [600, 700], bShape: [700], ta: false, tb: false },           // matrix · vector
          { aShape: [700], bShape: [700, 600], ta: false, tb: false },           // vector · matrix
          { aShape: [20000, 7], bShape: [20000], ta: true, tb: false },          // Xᵀr: columns summed in chunks
          { aShape: [8300, 1024], bShape: [8300], ta: true, tb: false },         // Xᵀr with many rows: split by rows
          { aShape: [5000], bShape: [5000], ta: false, tb: false },              // a long dot product
          { aShape: [64, 1, 30, 20], bShape: [5, 20, 1], ta: false, tb: false }, // many small matrix-vector products
          { aShape: [40, 12, 12], bShape: [40, 12, 12], ta: true, tb: true },    // many small products
        ];
        for (const c of cases) runCase(c, dtype, ['contiguous', 'contiguous'], rng, 'large');
      });

      it(`takes transposed, sliced and non-contiguous views (${dtype})`, () => {
        const rng = makeRng(dtype === 'float32' ? 31 : 32);
        const layouts: Layout[] = ['contiguous', 'transposed', 'sliced', 'nonContiguous'];
        for (let i = 0; i < 120; i++) {
          const c = randomCase(rng, i % 4 === 0 ? 40 : 9);
          runCase(c, dtype, [layouts[randomInt(rng, 0, 3)], layouts[randomInt(rng, 0, 3)]], rng, `view case ${i}`);
        }
        for (const la of layouts) {
          for (const lb of layouts) {
            runCase({ aShape: [2, 70, 50], bShape: [50, 60], ta: false, tb: false }, dtype, [la, lb], rng, 'views');
            runCase({ aShape: [2, 50, 70], bShape: [60, 50], ta: true, tb: true }, dtype, [la, lb], rng, 'views');
            runCase({ aShape: [300, 80], bShape: [80], ta: false, tb: false }, dtype, [la, lb], rng, 'views');
            runCase({ aShape: [300, 80], bShape: [300], ta: true, tb: false }, dtype, [la, lb], rng, 'views');
          }
        }
      });
    }

    it('treats a batch that shares one B as one product only where the rows line up', () => {
      const rng = makeRng(45);
      for (const dtype of floatDTypes) {
        const cases: Case[] = [
          { aShape: [3, 4, 40, 30], bShape: [30, 20], ta: false, tb: false },   // folds: 480 rows
          { aShape: [3, 40, 30], bShape: [1, 30, 20], ta: false, tb: false },   // B's batch of one folds too
          { aShape: [6, 1, 30], bShape: [30, 20], ta: false, tb: false },       // single rows, one per batch entry
          { aShape: [5, 40, 30], bShape: [30], ta: false, tb: false },          // a matrix-vector product
          { aShape: [3, 1, 40, 30], bShape: [5, 30, 20], ta: false, tb: false }, // A broadcast: no fold
          { aShape: [3, 30, 40], bShape: [30, 20], ta: true, tb: false },       // rows not at one stride: no fold
        ];
        for (const c of cases) {
          for (const layout of ['contiguous', 'transposed', 'sliced', 'nonContiguous'] as Layout[]) {
            runCase(c, dtype, [layout, 'contiguous'], rng, 'fold');
          }
        }
        // Every other batch entry: a stride that skips, so no fold.
        const a = roundTo(dtype, randomData(rng, 6 * 40 * 30, dtype));
        const b = roundTo(dtype, randomData(rng, 30 * 20, dtype));
        rv.tidy(() => {
          const base = rv.tensor(a, [6, 40, 30], dtype);
          const skip = base.stridedSlice([0], [6], [2]);
          const kept = a.filter((_, i) => Math.floor(i / 1200) % 2 === 0);
          const ref = matmulRef({ values: kept, shape: [3, 40, 30] }, { values: b, shape: [30, 20] }, false, false);
          assertProduct(rv.matMul(skip, rv.tensor(b, [30, 20], dtype)), ref, dtype, 'every other batch entry');
        });
      }
    });

    it('passes transposed and sliced views to the BLAS without copies; copies only irregular layouts', function () {
      if (rv.getDevice() !== 'cpu') this.skip();  // counts the CPU BLAS's calls
      const rng = makeRng(41);
      const before = rv.blasInfo().operandCopies;
      for (const layouts of [['transposed', 'sliced'], ['sliced', 'transposed'], ['transposed', 'transposed']] as [Layout, Layout][]) {
        runCase({ aShape: [3, 40, 30], bShape: [30, 50], ta: false, tb: false }, 'float64', layouts, rng, 'no copy');
        runCase({ aShape: [30, 40], bShape: [50, 30], ta: true, tb: true }, 'float32', layouts, rng, 'no copy');
        runCase({ aShape: [40, 30], bShape: [30], ta: false, tb: false }, 'float32', layouts, rng, 'no copy');
      }
      assert.equal(rv.blasInfo().operandCopies, before, 'an operand was copied');
      // A matrix broadcast along its rows (stride 0) has no BLAS layout: the BLAS path copies it.
      const row = rv.tensor(roundTo('float32', randomData(rng, 30)), [1, 30]);
      const a = row.broadcastTo([40, 30]);
      const b = rv.tensor(roundTo('float32', randomData(rng, 30 * 20)), [30, 20]);
      const ref = matmulRef({ values: Array.from(a.dataSync()), shape: [40, 30] }, { values: Array.from(b.dataSync()), shape: [30, 20] }, false, false);
      assertProduct(rv.matMul(a, b), ref, 'float32', 'broadcast rows');
      assert.equal(rv.blasInfo().operandCopies, before + (path === 'builtin' ? 0 : 1));
      rv.dispose([row, a, b]);
    });

    it('gives zeros when k = 0 and empty results for size-0 dimensions', () => {
      for (const dtype of floatDTypes) {
        const z = rv.matMul(rv.zeros([2, 3, 0], dtype), rv.zeros([0, 4], dtype));
        assert.deepEqual(z.shape, [2, 3, 4]);
        assert.deepEqual(Array.from(z.dataSync()), new Array(24).fill(0));
        assert.deepEqual(rv.matMul(rv.zeros([0, 5], dtype), rv.zeros([5, 3], dtype)).shape, [0, 3]);
        assert.deepEqual(rv.matMul(rv.zeros([4, 5], dtype), rv.zeros([5, 0], dtype)).shape, [4, 0]);
        assert.deepEqual(rv.matMul(rv.zeros([0, 4, 5], dtype), rv.zeros([5, 2], dtype)).shape, [0, 4, 2]);
        assert.deepEqual(Array.from(rv.dot(rv.zeros([0], dtype), rv.zeros([0], dtype)).dataSync()), [0]);
      }
    });

    it('gives the same bits on one thread as on several', () => {
      const rng = makeRng(51);
      const threads = rv.getNumThreads();
      const shapes: [number[], number[], boolean, boolean][] = [
        [[257, 300], [300, 129], false, false], [[20000, 7], [20000], true, false], [[800, 300], [300], false, false],
        [[8300, 1024], [8300], true, false],
        [[30, 16, 16], [16, 16], false, true],
      ];
      try {
        for (const [sa, sb, ta, tb] of shapes) {
          const a = rv.tensor(randomData(rng, sizeOf(sa)), sa, 'float32');
          const b = rv.tensor(randomData(rng, sizeOf(sb)), sb, 'float32');
          rv.setNumThreads(Math.max(2, threads));
          const many = rv.matMul(a, b, ta, tb).dataSync();
          rv.setNumThreads(1);
          const one = rv.matMul(a, b, ta, tb).dataSync();
          // A BLAS may split sums differently by thread count; the built-in kernel must not.
          if (path === 'builtin') assert.deepEqual(one, many, `[${sa}] · [${sb}]`);
          rv.dispose([a, b]);
        }
      } finally {
        rv.setNumThreads(threads);
      }
    });
  });
}

/**
 * Skinny products: a side of at most 8 rows (or columns) against a long operand, which matMul
 * runs on kernels of their own whatever the BLAS (native/kernels/matmul.cc). The shapes are
 * those of a linear model's gradient with C chains batched: W·Xᵀ and X·Wᵀ (W [C, k], X [n, k]),
 * R·X and Xᵀ·Rᵀ (R [C, n]), and the matrix-vector forms.
 */
type SkinnyForm = 'W·Xᵀ' | 'X·Wᵀ' | 'R·X' | 'Xᵀ·Rᵀ' | 'X·w' | 'w·Xᵀ' | 'r·X' | 'Xᵀ·r';
const skinnyForms: SkinnyForm[] = ['W·Xᵀ', 'X·Wᵀ', 'R·X', 'Xᵀ·Rᵀ'];

/** The product `form` with s small rows, X [n, k]. */
function skinnyCase(form: SkinnyForm, s: number, k: number, n: number): Case {
  switch (form) {
    case 'W·Xᵀ': return { aShape: [s, k], bShape: [n, k], ta: false, tb: true };
    case 'X·Wᵀ': return { aShape: [n, k], bShape: [s, k], ta: false, tb: true };
    case 'R·X': return { aShape: [s, n], bShape: [n, k], ta: false, tb: false };
    case 'Xᵀ·Rᵀ': return { aShape: [n, k], bShape: [s, n], ta: true, tb: true };
    case 'X·w': return { aShape: [n, k], bShape: [k], ta: false, tb: false };
    case 'w·Xᵀ': return { aShape: [k], bShape: [n, k], ta: false, tb: true };
    case 'r·X': return { aShape: [n], bShape: [n, k], ta: false, tb: false };
    case 'Xᵀ·r': return { aShape: [n, k], bShape: [n], ta: true, tb: false };
  }
}

/** Layouts for X and the small operand, as runCase takes them (a first). */
function skinnyLayouts(form: SkinnyForm, x: Layout, small: Layout): [Layout, Layout] {
  const xFirst = form === 'X·Wᵀ' || form === 'Xᵀ·Rᵀ' || form === 'X·w' || form === 'Xᵀ·r';
  return xFirst ? [x, small] : [small, x];
}

describe('matMul: skinny products (a side of at most 8 against a long one)', function () {
  this.timeout(timeout);
  const skinnyCount = () => rv.blasInfo().skinnyProducts;

  for (const path of paths) {
    describe(`skinny products on ${path === 'builtin' ? 'the built-in kernel' : path}`, () => {
      before(() => choose(path));
      after(() => choose(selected.name));

      for (const dtype of floatDTypes) {
        it(`match the reference for every small size, inner sizes off the vector width, long sides split across threads (${dtype})`, () => {
          const rng = makeRng(dtype === 'float32' ? 61 : 62);
          const before = skinnyCount();
          let expected = 0;
          for (let s = 1; s <= 8; s++) {
            for (const form of skinnyForms) {
              // dots (W·Xᵀ, X·Wᵀ) need k >= 16; axpys take short rows of X but for one chain.
              const dots = form === 'W·Xᵀ' || form === 'X·Wᵀ';
              const short = dots ? 17 : s === 1 ? 16 : 3;
              for (const k of [short, 55]) {
                runCase(skinnyCase(form, s, k, 700), dtype, ['contiguous', 'contiguous'], rng, `${form} s=${s} k=${k}`);
                expected++;
              }
            }
          }
          // Long enough for several tasks and several partial sums, on either kernel.
          for (const s of [1, 3, 4, 8]) {
            for (const form of skinnyForms) runCase(skinnyCase(form, s, 55, 5000), dtype, ['contiguous', 'contiguous'], rng, `${form} s=${s} n=5000`);
            expected += skinnyForms.length;
          }
          for (const form of ['X·w', 'w·Xᵀ', 'r·X', 'Xᵀ·r'] as SkinnyForm[]) {
            runCase(skinnyCase(form, 1, 55, 5000), dtype, ['contiguous', 'contiguous'], rng, `${form} n=5000`);
            expected++;
          }
          // The count is of the CPU's skinny kernels; a GPU has its own (cudaInfo().skinnyProducts).
          if (rv.getDevice() === 'cpu') assert.equal(skinnyCount() - before, expected, 'products that did not run on the skinny kernels');
        });

        it(`take transposed, sliced and non-contiguous views (${dtype})`, () => {
          const rng = makeRng(dtype === 'float32' ? 63 : 64);
          const layouts: Layout[] = ['contiguous', 'transposed', 'sliced', 'nonContiguous'];
          for (const form of skinnyForms) {
            for (const x of layouts) {
              for (const small of layouts) {
                runCase(skinnyCase(form, 3, 55, 700), dtype, skinnyLayouts(form, x, small), rng, `${form} X ${x}, small ${small}`);
              }
            }
          }
        });
      }

      it('run where the shape and layout suit them, and only there', function () {
        if (rv.getDevice() !== 'cpu') this.skip();  // counts the CPU kernels' calls
        const rng = makeRng(65);
        const uses = (c: Case, layouts: [Layout, Layout] = ['contiguous', 'contiguous']) => {
          const before = skinnyCount();
          runCase(c, 'float32', layouts, rng, 'dispatch');
          return skinnyCount() - before;
        };
        for (const form of [...skinnyForms, 'X·w', 'w·Xᵀ', 'r·X', 'Xᵀ·r'] as SkinnyForm[]) {
          assert.equal(uses(skinnyCase(form, 4, 55, 2000)), 1, form);
          // Rows of X inside wider rows (a slice), any layout of the small side.
          assert.equal(uses(skinnyCase(form, 4, 55, 2000), skinnyLayouts(form, 'sliced', 'nonContiguous')), 1, `${form}, sliced X`);
          // X with gaps between its values (and axes permuted, reversed): the general paths.
          assert.equal(uses(skinnyCase(form, 4, 55, 2000), skinnyLayouts(form, 'nonContiguous', 'contiguous')), 0, `${form}, X strided`);
        }
        // X stored transposed: for R·X the long inner axis is then contiguous in both operands,
        // which is the other kernel's case (each of X's 55 columns against each row of R).
        assert.equal(uses(skinnyCase('R·X', 4, 55, 2000), ['contiguous', 'transposed']), 1, 'R·X, X transposed');
        assert.equal(uses(skinnyCase('W·Xᵀ', 9, 55, 2000)), 0, 'nine rows');
        assert.equal(uses(skinnyCase('W·Xᵀ', 4, 8, 2000)), 0, 'k < 16: sums of short rows');
        assert.equal(uses(skinnyCase('R·X', 4, 1, 2000)), 0, 'rows of one value: a matrix-vector product of R');
        assert.equal(uses(skinnyCase('r·X', 1, 8, 2000)), 0, 'one chain, short rows: the matrix-vector kernels');
        assert.equal(uses(skinnyCase('W·Xᵀ', 4, 55, 20)), 0, 'a short long side');
        assert.equal(uses({ aShape: [1, 4, 55], bShape: [2000, 55], ta: false, tb: true }), 1, 'a batch of one');
        assert.equal(uses({ aShape: [2, 4, 55], bShape: [2000, 55], ta: false, tb: true }), 0, 'a batch of two');
      });

      it('give the same bits on any number of threads', () => {
        const rng = makeRng(66);
        const threads = rv.getNumThreads();
        try {
          for (const dtype of floatDTypes) {
            for (const form of [...skinnyForms, 'X·w', 'r·X'] as SkinnyForm[]) {
              const c = skinnyCase(form, 5, 55, 10007);
              const a = rv.tensor(randomData(rng, sizeOf(c.aShape)), c.aShape, dtype);
              const b = rv.tensor(randomData(rng, sizeOf(c.bShape)), c.bShape, dtype);
              const results = [1, 2, 3, 4].map((t) => {
                rv.setNumThreads(t);
                return rv.tidy(() => rv.matMul(a, b, c.ta, c.tb).dataSync());
              });
              for (const r of results.slice(1)) assert.deepEqual(r, results[0], `${form} ${dtype}`);
              rv.dispose([a, b]);
            }
          }
        } finally {
          rv.setNumThreads(threads);
        }
      });

      it('keep the values read past the end of a row out of its sums', () => {
        // Whole vectors are read across the ends of rows; odd rows of X start with inf or NaN.
        // Small integers: every product and sum below is exact, in any order.
        const n = 600;
        const k = 20;
        const x = Array.from({ length: n * k }, (_, i) => ((i * 7) % 11) - 5);
        for (let i = 1; i < n; i += 2) x[i * k] = i % 4 === 1 ? Infinity : NaN;
        const w = [0.5, -1, 2].flatMap((v) => Array.from({ length: k }, (_, p) => v * (p + 1)));
        const r = Array.from({ length: 3 * n }, (_, i) => ((i * 5) % 7) - 2.5);
        for (const dtype of floatDTypes) {
          rv.tidy(() => {
            const tx = rv.tensor(x, [n, k], dtype);
            const z = rv.matMul(rv.tensor(w, [3, k], dtype), tx, false, true).dataSync();
            for (let s = 0; s < 3; s++) {
              for (let i = 0; i < n; i++) {
                let ref = 0;
                for (let p = 0; p < k; p++) ref += w[s * k + p] * x[i * k + p];
                assert.equal(z[s * n + i], ref, `W·Xᵀ [${s}, ${i}] ${dtype}`);  // NaN equals NaN here
              }
            }
            // Column 0 of R·X meets the inf and NaN; the lanes read past each row must not.
            const g = rv.matMul(rv.tensor(r, [3, n], dtype), tx).dataSync();
            for (let s = 0; s < 3; s++) {
              assert.ok(Number.isNaN(g[s * k]), `R·X [${s}, 0] ${dtype}`);
              for (let j = 1; j < k; j++) {
                let ref = 0;
                for (let i = 0; i < n; i++) ref += r[s * n + i] * x[i * k + j];
                assert.equal(g[s * k + j], ref, `R·X [${s}, ${j}] ${dtype}`);
              }
            }
          });
        }
      });
    });
  }
});

describe('matMul: every built-in kernel variant', () => {
  // The built-in kernel has one tile per instruction set (AVX-512, AVX2, baseline SSE2 on
  // x86-64); RANDVAR_GEMM_ISA selects a lesser one, so each is checked on this machine.
  for (const isa of ['avx2', 'base']) {
    it(`passes the reference tests with RANDVAR_GEMM_ISA=${isa}`, function () {
      if (process.env.RANDVAR_GEMM_ISA) this.skip();  // already the child
      this.timeout(240_000);
      const child = spawnSync(process.execPath, [
        require.resolve('mocha/bin/mocha.js'), '--no-config', '--node-option', 'import=tsx', '--timeout', '120000',
        '--grep', 'built-in kernel .*(random broadcast|large enough|views)|skinny products on the built-in kernel', __filename,
      ], { encoding: 'utf8', timeout: 230_000, env: { ...process.env, RANDVAR_BLAS: 'builtin', RANDVAR_GEMM_ISA: isa } });
      assert.equal(child.status, 0, `${child.stdout.slice(-3000)}\n${child.stderr.slice(-2000)}`);
      // Random, large and view tests, both dtypes; the no-copy test; the 7 skinny tests.
      assert.match(child.stdout, /\b14 passing/);
    });
  }
});

describe('matMul, dot and outer: semantics', function () {
  this.timeout(timeout);
  it('computes small products exactly', () => {
    assert.deepEqual(Array.from(rv.matMul([[1, 2], [3, 4]], [[5], [6]]).dataSync()), [17, 39]);
    assert.deepEqual(Array.from(rv.matMul([[1, 2], [3, 4]], [[5, 6], [7, 8]], true, false).dataSync()), [26, 30, 38, 44]);
    assert.deepEqual(Array.from(rv.matMul([[1, 2], [3, 4]], [[5, 6], [7, 8]], false, true).dataSync()), [17, 23, 39, 53]);
  });

  it('follows NumPy for vectors: the added axis is dropped; flags on vectors are ignored', () => {
    assert.deepEqual(rv.matMul([1, 2], [3, 4]).shape, []);
    assert.deepEqual(Array.from(rv.matMul([1, 2], [3, 4]).dataSync()), [11]);
    assert.deepEqual(rv.matMul([1, 2], [[1, 0, 2], [0, 1, 3]]).shape, [3]);
    assert.deepEqual(rv.matMul(rv.ones([4, 2, 3]), [1, 1, 1]).shape, [4, 2]);
    assert.deepEqual(rv.matMul([1, 1], rv.ones([4, 2, 3])).shape, [4, 3]);
    assert.deepEqual(Array.from(rv.matMul([1, 2], [3, 4], true, true).dataSync()), [11]);
  });

  it('promotes float32 with float64 to float64', () => {
    const r = rv.matMul(rv.ones([2, 2], 'float32'), rv.ones([2, 2], 'float64'));
    assert.equal(r.dtype, 'float64');
  });

  it('dot: vector·vector is a scalar, matrix·vector and vector·matrix vectors', () => {
    const s = rv.dot([1, 2, 3], [4, 5, 6]);
    assert.deepEqual(s.shape, []);
    assert.equal(s.dataSync()[0], 32);
    assert.deepEqual(Array.from(rv.dot([[1, 2], [3, 4]], [1, 1]).dataSync()), [3, 7]);
    assert.deepEqual(Array.from(rv.dot([1, 1], [[1, 2], [3, 4]]).dataSync()), [4, 6]);
    assert.deepEqual(Array.from(rv.dot([[1, 2], [3, 4]], [[1, 0], [0, 1]]).dataSync()), [1, 2, 3, 4]);
  });

  it('outer: a[i]·b[j] on any layout', () => {
    for (const dtype of floatDTypes) {
      const rng = makeRng(61);
      const a = roundTo(dtype, randomData(rng, 7, dtype));
      const b = roundTo(dtype, randomData(rng, 5, dtype));
      const expected = roundTo(dtype, a.flatMap((x) => b.map((y) => x * y)));  // one rounding: exact
      const plain = rv.outer(rv.tensor(a, [7], dtype), rv.tensor(b, [5], dtype));
      assert.deepEqual([...plain.shape], [7, 5]);
      assert.deepEqual(Array.from(plain.dataSync()), expected);
      const strided = rv.outer(nonContiguous(a, [7], dtype, rng), nonContiguous(b, [5], dtype, rng));
      assert.deepEqual(Array.from(strided.dataSync()), expected);
    }
    assert.deepEqual(rv.outer(rv.zeros([0]), [1, 2]).shape, [0, 2]);
  });

  it('has chainable methods', () => {
    const a = rv.tensor([[1, 2], [3, 4]]);
    assert.deepEqual(Array.from(a.matMul(a).dataSync()), [7, 10, 15, 22]);
    assert.deepEqual(Array.from(a.matMul(a, true).dataSync()), [10, 14, 14, 20]);
    assert.deepEqual(Array.from(rv.tensor([1, 2]).dot([3, 4]).dataSync()), [11]);
    assert.deepEqual(Array.from(rv.tensor([1, 2]).outer([3, 4]).dataSync()), [3, 4, 6, 8]);
  });
});

describe('matMul, dot and outer: errors name the op and the shapes', function () {
  this.timeout(timeout);
  it('inner dimensions that differ', () => {
    assertThrowsNamed(() => rv.matMul(rv.ones([2, 3]), rv.ones([4, 5])), 'matMul:', 'inner dimensions', '[2, 3]', '[4, 5]');
    assertThrowsNamed(() => rv.matMul(rv.ones([2, 3]), rv.ones([3, 5]), true), 'matMul:', '(transposed)');
    assertThrowsNamed(() => rv.matMul(rv.ones([3]), rv.ones([4])), 'matMul:', '[3]', '[4]');
    assertThrowsNamed(() => rv.dot(rv.ones([2, 3]), rv.ones([2])), 'dot:', 'inner dimensions');
  });

  it('batch dimensions that do not broadcast', () => {
    assertThrowsNamed(() => rv.matMul(rv.ones([2, 2, 3]), rv.ones([3, 3, 4])), 'matMul:', 'broadcast', '[2, 2, 3]', '[3, 3, 4]');
  });

  it('scalars, ranks dot and outer do not take, and non-boolean flags', () => {
    assertThrowsNamed(() => rv.matMul(rv.scalar(2), rv.ones([2, 2])), 'matMul:', "'a'", 'scalar');
    assertThrowsNamed(() => rv.matMul(rv.ones([2, 2]), 3), 'matMul:', "'b'", 'scalar');
    assertThrowsNamed(() => rv.dot(rv.ones([2, 2, 2]), rv.ones([2])), 'dot:', '[2, 2, 2]');
    assertThrowsNamed(() => rv.outer(rv.ones([2, 2]), rv.ones([2])), 'outer:', '[2, 2]');
    assertThrowsNamed(() => rv.matMul(rv.ones([2, 2]), rv.ones([2, 2]), 1 as unknown as boolean), 'matMul:', 'transposeA');
  });

  it('int32 and bool inputs (cast them first)', () => {
    assertThrowsNamed(() => rv.matMul(rv.ones([2, 2], 'int32'), rv.ones([2, 2])), 'matMul:', "'a'", 'int32');
    assertThrowsNamed(() => rv.matMul(rv.ones([2, 2]), rv.ones([2, 2], 'bool')), 'matMul:', "'b'", 'bool');
    assertThrowsNamed(() => rv.dot(rv.ones([2], 'int32'), rv.ones([2], 'int32')), 'dot:', 'int32');
    assertThrowsNamed(() => rv.outer(rv.ones([2], 'bool'), rv.ones([2])), 'outer:', 'bool');
  });

  it('disposed inputs', () => {
    const a = rv.ones([2, 2]);
    a.dispose();
    assertThrowsNamed(() => rv.matMul(a, rv.ones([2, 2])), 'matMul:', 'disposed');
  });
});
