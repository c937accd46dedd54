/**
 * Linear algebra against float64 references computed here in plain JS: Cholesky round trips
 * (L·Lᵀ = A), triangular and Cholesky solves (solve, then multiply back), inverses, log
 * determinants against the factor and closed forms, diagonal and band ops exactly; batched,
 * broadcast, on non-contiguous views, size 0, in float32 and float64, plus the errors.
 *
 * Tolerances come from the standard rounding-error bounds (Higham, "Accuracy and Stability of
 * Numerical Algorithms", 2nd ed.), with u the unit roundoff of the dtype (2⁻²⁴ or 2⁻⁵³) and
 * γ(k) = k·u / (1 − k·u):
 *   Cholesky (Thm 10.3):        |A − L·Lᵀ| ≤ γ(n+2)·|L|·|Lᵀ|  (n+1 as in the theorem, one more for
 *                               the kernel's scaling by a reciprocal, as LAPACK's potf2 does);
 *   substitution (Thm 8.5):     |B − T·X| ≤ γ(n+1)·|T|·|X|;
 *   Cholesky solve (two solves): |B − L·Lᵀ·X| ≤ (2γ(n+1) + γ(n+1)²)·|L|·|Lᵀ|·|X|;
 *   LU (Thm 9.3):               A + ΔA = L·U with |ΔA| ≤ γ(n)·|L|·|U|, so log|det| moves by at
 *                               most ‖A⁻¹‖_F·‖ΔA‖_F (first order).
 * These hold for any order of summation, so they cover the blocked, multi-threaded kernels. The
 * references' own float64 rounding (γ(n) with u = 2⁻⁵³ on the same magnitudes) is added.
 * Random SPD matrices are A = M·Mᵀ + n·I with M uniform in [-1, 1): λ(A) ∈ [n, n + ‖M‖²_F], so
 * the condition number is at most 1 + ‖M‖²_F / n (about 2.3), known exactly for each matrix.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { binding } from '../lib/backend/binding';
import * as rv from '../lib/index';
import { assertThrowsNamed, assertTensor, makeRng, nonContiguous, roundTo, sizeOf } from './helpers';

type Rng = () => number;
type FloatDType = 'float32' | 'float64';
const floatDTypes: FloatDType[] = ['float32', 'float64'];
const unitRoundoff: Record<FloatDType, number> = { float32: 2 ** -24, float64: 2 ** -53 };
const gamma = (k: number, u: number) => (k * u) / (1 - k * u);
const U64 = unitRoundoff.float64;

// ---------------------------------------------------------------------------------------------
// Matrices as flat row-major arrays; batches as arrays of them.

const uniform = (rng: Rng, n: number) => Array.from({ length: n }, () => 2 * rng() - 1);

/** A = M·Mᵀ + n·I and its smallest and largest eigenvalue bounds. */
function randomSPD(rng: Rng, n: number): { a: number[]; lambdaMin: number; lambdaMax: number } {
  const m = uniform(rng, n * n);
  const a = new Array(n * n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += m[i * n + p] * m[j * n + p];
      a[i * n + j] = a[j * n + i] = s + (i === j ? n : 0);
    }
  }
  const frob2 = m.reduce((s, v) => s + v * v, 0);
  return { a, lambdaMin: n, lambdaMax: n + frob2 };
}

/** A lower triangular matrix with entries in [-1, 1) and diagonal ±[√n, 2√n] (well conditioned). */
function randomLower(rng: Rng, n: number): number[] {
  const t = new Array(n * n).fill(0);
  const s = Math.sqrt(Math.max(n, 1));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) t[i * n + j] = 2 * rng() - 1;
    t[i * n + i] = (rng() < 0.5 ? -1 : 1) * s * (1 + rng());
  }
  return t;
}

const transposed = (a: readonly number[], rows: number, cols: number) =>
  Array.from({ length: rows * cols }, (_, k) => a[(k % rows) * cols + Math.floor(k / rows)]);

/** Rows i and columns j of matrix `index` of a batch of [rows, cols] matrices. */
const at = (data: ArrayLike<number>, index: number, rows: number, cols: number) => (i: number, j: number) =>
  data[index * rows * cols + i * cols + j];

function fill<T>(n: number, f: (k: number) => T): T[] {
  return Array.from({ length: n }, (_, k) => f(k));
}

/** A tensor of `values`, contiguous or a non-contiguous view (permuted, reversed, strided). */
function make(values: number[], shape: number[], dtype: rv.DType, rng: Rng, view: boolean): rv.Tensor {
  return view ? nonContiguous(values, shape, dtype, rng) : rv.tensor(values, shape, dtype);
}

const cases: { dtype: FloatDType; view: boolean }[] = floatDTypes.flatMap((dtype) => [false, true].map((view) => ({ dtype, view })));
const label = ({ dtype, view }: { dtype: FloatDType; view: boolean }) => `${dtype}${view ? ', non-contiguous' : ''}`;

// ---------------------------------------------------------------------------------------------
// Checks against the bounds above.

/** |A − L·Lᵀ| ≤ γ(n+2)·|L||Lᵀ| elementwise; L lower with a positive diagonal, zeros above. */
function checkCholesky(l: ArrayLike<number>, a: readonly number[], n: number, count: number, dtype: FloatDType, what: string) {
  const u = unitRoundoff[dtype];
  for (let b = 0; b < count; b++) {
    const L = at(l, b, n, n);
    const A = at(a, b, n, n);
    for (let i = 0; i < n; i++) {
      assert.ok(L(i, i) > 0, `${what}: batch ${b} L(${i},${i}) = ${L(i, i)} is not positive`);
      for (let j = i + 1; j < n; j++) assert.equal(L(i, j), 0, `${what}: batch ${b} L(${i},${j}) above the diagonal`);
      for (let j = 0; j <= i; j++) {
        let s = 0;
        let abs = 0;
        for (let p = 0; p <= j; p++) {
          s += L(i, p) * L(j, p);
          abs += Math.abs(L(i, p) * L(j, p));
        }
        const tol = (gamma(n + 2, u) + gamma(n, U64)) * abs;
        assert.ok(Math.abs(s - A(i, j)) <= tol, `${what}: batch ${b} (L·Lᵀ)(${i},${j}) = ${s}, A = ${A(i, j)}, tol ${tol}`);
      }
    }
  }
}

/** |B − T·X| ≤ (γ(n+1) + float64 reference error)·|T||X| for each matrix of a batch. */
function checkSolve(T: (b: number) => (i: number, j: number) => number, X: (b: number) => (i: number, j: number) => number,
  B: (b: number) => (i: number, j: number) => number, n: number, k: number, count: number, factor: number, what: string) {
  for (let b = 0; b < count; b++) {
    const t = T(b);
    const x = X(b);
    const rhs = B(b);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        let abs = 0;
        for (let p = 0; p < n; p++) {
          s += t(i, p) * x(p, j);
          abs += Math.abs(t(i, p) * x(p, j));
        }
        const tol = (factor + gamma(n, U64)) * abs;
        assert.ok(Math.abs(s - rhs(i, j)) <= tol, `${what}: batch ${b} (T·X)(${i},${j}) = ${s}, rhs = ${rhs(i, j)}, tol ${tol}`);
      }
    }
  }
}

/** Index of batch element `flat` of `shape` in an operand whose batch `from` broadcasts to it. */
function broadcastIndex(flat: number, shape: readonly number[], from: readonly number[]): number {
  let index = 0;
  let stride = 1;
  for (let d = shape.length - 1, f = from.length - 1; d >= 0; d--, f--) {
    const i = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
    if (f >= 0) {
      if (from[f] !== 1) index += i * stride;
      stride *= from[f];
    }
  }
  return index;
}

// ---------------------------------------------------------------------------------------------

describe('linalg', () => {
  describe('cholesky', () => {
    const sizes = [1, 2, 3, 5, 8, 15, 16, 17, 31, 33, 64, 100, 130];
    for (const c of cases) {
      it(`factors random SPD matrices: L·Lᵀ = A within γ(n+2)|L||Lᵀ| (${label(c)})`, () => {
        const rng = makeRng(101 + (c.dtype === 'float32' ? 1 : 0) + (c.view ? 2 : 0));
        for (const n of sizes) {
          const batch = n <= 17 ? [2, 3] : n <= 64 ? [2] : [];
          const count = sizeOf(batch);
          const a = roundTo(c.dtype, fill(count, () => randomSPD(rng, n).a).flat());
          const x = make(a, [...batch, n, n], c.dtype, rng, c.view);
          const l = rv.cholesky(x);
          assert.deepEqual(l.shape, [...batch, n, n]);
          assert.equal(l.dtype, c.dtype);
          checkCholesky(l.dataSync(), a, n, count, c.dtype, `n=${n}`);
          x.dispose();
          l.dispose();
        }
      });
    }

    it('reads only the lower triangle', () => {
      const rng = makeRng(7);
      const n = 40;
      const { a } = randomSPD(rng, n);
      const garbage = a.map((v, k) => (k % n > Math.floor(k / n) ? NaN : v));
      const expected = rv.cholesky(rv.tensor(a, [n, n], 'float64')).dataSync();
      assertTensor(rv.cholesky(rv.tensor(garbage, [n, n], 'float64')), [n, n], 'float64', expected, { rtol: 0, atol: 0 });
    });

    it('gives the same bits on one thread as on several (a large matrix, parallel inside)', () => {
      const rng = makeRng(8);
      const n = 300;
      const { a } = randomSPD(rng, n);
      const x = rv.tensor(a, [n, n], 'float64');
      const original = rv.getNumThreads();
      try {
        rv.setNumThreads(1);
        const one = rv.cholesky(x).dataSync();
        rv.setNumThreads(4);
        const many = rv.cholesky(x).dataSync();
        assert.deepEqual(Array.from(many), Array.from(one));
        checkCholesky(many, a, n, 1, 'float64', 'n=300');
      } finally {
        rv.setNumThreads(original);
      }
    });

    it('computes int32 input in float32, and is a chainable method', () => {
      const l = rv.tensor([[4, 2], [2, 5]], undefined, 'int32').cholesky();
      assertTensor(l, [2, 2], 'float32', [2, 0, 1, 2], { rtol: 0, atol: 0 });
    });

    it('handles size-0 batches and 0×0 matrices', () => {
      assertTensor(rv.cholesky(rv.zeros([0, 3, 3])), [0, 3, 3], 'float32', []);
      assertTensor(rv.cholesky(rv.zeros([2, 0, 0], 'float64')), [2, 0, 0], 'float64', []);
    });

    it('rejects a matrix that is not positive definite, naming the batch index and the pivot', () => {
      const good = [4, 2, 2, 5];
      const bad = [1, 2, 2, 1];  // leading minors 1, -3
      assertThrowsNamed(() => rv.cholesky([[1, 2], [2, 1]]), 'cholesky', 'x [2, 2]', 'not positive definite', 'pivot 1 of 2');
      assertThrowsNamed(() => rv.cholesky(rv.tensor([...good, ...good, ...good, ...bad], [2, 2, 2, 2])),
        'cholesky', 'batch index [1, 1]', 'x [2, 2, 2, 2]', 'pivot 1 of 2', '-3');
      assertThrowsNamed(() => rv.cholesky([[-1, 0], [0, 1]]), 'cholesky', 'pivot 0 of 2');
      assertThrowsNamed(() => rv.cholesky([[1, 0], [NaN, 1]]), 'cholesky', 'pivot 1 of 2', 'nan');
      // A failure deep inside a large (blocked) factorisation is found at its pivot.
      const n = 100;
      const { a } = randomSPD(makeRng(9), n);
      a[70 * n + 70] = -1e6;
      assertThrowsNamed(() => rv.cholesky(rv.tensor(a, [n, n], 'float64')), 'cholesky', 'pivot 70 of 100');
    });

    it('with nanOnFailure, fills only the failing matrices with NaN', () => {
      const l = rv.cholesky(rv.tensor([4, 2, 2, 5, 1, 2, 2, 1], [2, 2, 2], 'float64'), true);
      assertTensor(l, [2, 2, 2], 'float64', [2, 0, 1, 2, NaN, NaN, NaN, NaN], { rtol: 0, atol: 0 });
    });

    it('rejects non-matrices and non-square matrices, naming the shape', () => {
      assertThrowsNamed(() => rv.cholesky([1, 2, 3]), 'cholesky', 'rank >= 2', '[3]');
      assertThrowsNamed(() => rv.cholesky(rv.zeros([2, 3, 4])), 'cholesky', 'square', '[2, 3, 4]');
      assertThrowsNamed(() => rv.cholesky(rv.eye(2), 1 as unknown as boolean), 'cholesky', 'nanOnFailure');
    });
  });

  describe('triangularSolve', () => {
    const shapes: [number, number][] = [[1, 1], [2, 3], [5, 1], [7, 2], [8, 3], [8, 4], [16, 9], [17, 5], [33, 16], [64, 40], [100, 1], [130, 67]];
    for (const c of cases) {
      for (const lower of [true, false]) {
        for (const adjoint of [false, true]) {
          it(`T·X = rhs within γ(n+1)|T||X|: lower ${lower}, adjoint ${adjoint} (${label(c)})`, () => {
            const rng = makeRng(200 + (lower ? 1 : 0) + (adjoint ? 2 : 0) + (c.view ? 4 : 0) + (c.dtype === 'float32' ? 8 : 0));
            const u = unitRoundoff[c.dtype];
            for (const [n, k] of shapes) {
              const batch = n <= 17 ? [3] : [];
              const count = sizeOf(batch);
              // The stored matrix: triangular as `lower` says, the other triangle full of NaN
              // (never read).
              const tri = fill(count, () => {
                const t = randomLower(rng, n);
                return lower ? t : transposed(t, n, n);
              });
              const stored = roundTo(c.dtype, tri.flat());
              const withGarbage = stored.map((v, idx) => {
                const i = Math.floor(idx / n) % n;
                const j = idx % n;
                return (lower ? j > i : j < i) ? NaN : v;
              });
              const rhs = roundTo(c.dtype, uniform(rng, count * n * k));
              const m = make(withGarbage, [...batch, n, n], c.dtype, rng, c.view);
              const r = make(rhs, [...batch, n, k], c.dtype, rng, c.view);
              const x = rv.triangularSolve(m, r, lower, adjoint);
              assert.deepEqual(x.shape, [...batch, n, k]);
              const xs = x.dataSync();
              // The system solved: T or Tᵀ, with zeros in place of the unread triangle.
              const T = (b: number) => (i: number, j: number) => {
                const [p, q] = adjoint ? [j, i] : [i, j];
                const inside = lower ? q <= p : q >= p;
                return inside ? stored[b * n * n + p * n + q] : 0;
              };
              checkSolve(T, (b) => at(xs, b, n, k), (b) => at(rhs, b, n, k), n, k, count, gamma(n + 1, u), `n=${n} k=${k}`);
              for (const t of [m, r, x]) t.dispose();
            }
          });
        }
      }
    }

    it('is exact on diagonal matrices (one division per entry), few and many columns', () => {
      for (const dtype of floatDTypes) {
        for (const k of [1, 3, 4, 20]) {
          const rng = makeRng(300 + k);
          const n = 37;
          const d = roundTo(dtype, fill(n, () => (rng() < 0.5 ? -1 : 1) * (0.5 + rng())));
          const rhs = roundTo(dtype, uniform(rng, n * k));
          const expected = roundTo(dtype, rhs.map((v, idx) => v / d[Math.floor(idx / k)]));
          for (const lower of [true, false]) {
            const x = rv.triangularSolve(rv.matrixDiag(rv.tensor(d, [n], dtype)), rv.tensor(rhs, [n, k], dtype), lower);
            assertTensor(x, [n, k], dtype, expected, { rtol: 0, atol: 0 }, `${dtype} k=${k}`);
          }
        }
      }
    });

    it('broadcasts batch dimensions between matrix and rhs', () => {
      const rng = makeRng(400);
      const n = 6;
      const k = 4;
      for (const [mb, rb] of [[[2, 1], [3]], [[1], [2, 3]], [[], [2]], [[2], []], [[2, 3], [1, 3]]] as number[][][]) {
        const out = [...(mb.length >= rb.length ? mb : rb)].map((_, i, arr) => {
          const a = mb[i - (arr.length - mb.length)] ?? 1;
          const b = rb[i - (arr.length - rb.length)] ?? 1;
          return Math.max(a, b);
        });
        const mats = fill(sizeOf(mb), () => randomLower(rng, n));
        const rhs = uniform(rng, sizeOf(rb) * n * k);
        const x = rv.triangularSolve(rv.tensor(mats.flat(), [...mb, n, n], 'float64'), rv.tensor(rhs, [...rb, n, k], 'float64'));
        assert.deepEqual(x.shape, [...out, n, k]);
        const xs = x.dataSync();
        checkSolve((b) => at(mats.flat(), broadcastIndex(b, out, mb), n, n), (b) => at(xs, b, n, k),
          (b) => at(rhs, broadcastIndex(b, out, rb), n, k), n, k, sizeOf(out), gamma(n + 1, U64), `batches ${mb} / ${rb}`);
      }
    });

    it('promotes float32 and float64 to float64', () => {
      const x = rv.triangularSolve(rv.tensor([[2, 0], [1, 1]], undefined, 'float32'), rv.tensor([[2], [3]], undefined, 'float64'));
      assertTensor(x, [2, 1], 'float64', [1, 2], { rtol: 0, atol: 0 });
    });

    it('handles size 0 in the batch, the matrix and the right-hand sides', () => {
      assertTensor(rv.triangularSolve(rv.zeros([0, 3, 3]), rv.zeros([3, 2])), [0, 3, 2], 'float32', []);
      assertTensor(rv.triangularSolve(rv.zeros([0, 0]), rv.zeros([0, 5])), [0, 5], 'float32', []);
      assertTensor(rv.triangularSolve(rv.eye(3), rv.zeros([3, 0])), [3, 0], 'float32', []);
    });

    it('rejects mismatched shapes, naming the op and the shapes', () => {
      assertThrowsNamed(() => rv.triangularSolve(rv.eye(3), rv.zeros([4, 1])), 'triangularSolve', 'rhs [4, 1]', '3 rows', 'matrix [3, 3]');
      assertThrowsNamed(() => rv.triangularSolve(rv.eye(3), rv.zeros([3])), 'triangularSolve', 'rhs', 'rank >= 2', '[3]');
      assertThrowsNamed(() => rv.triangularSolve(rv.zeros([3, 2]), rv.zeros([3, 1])), 'triangularSolve', 'matrix', 'square', '[3, 2]');
      assertThrowsNamed(() => rv.triangularSolve(rv.zeros([2, 3, 3]), rv.zeros([4, 3, 1])), 'triangularSolve',
        'do not broadcast', 'matrix [2, 3, 3]', 'rhs [4, 3, 1]');
      assertThrowsNamed(() => rv.triangularSolve(rv.eye(2), rv.zeros([2, 1]), 'yes' as unknown as boolean), 'triangularSolve', 'lower');
    });
  });

  describe('choleskySolve', () => {
    for (const c of cases) {
      it(`A·X = rhs given chol(A), within (2γ(n+1) + γ(n+1)²)|L||Lᵀ||X| (${label(c)})`, () => {
        const rng = makeRng(500 + (c.view ? 1 : 0) + (c.dtype === 'float32' ? 2 : 0));
        const u = unitRoundoff[c.dtype];
        for (const [n, k] of [[1, 1], [3, 2], [9, 5], [20, 1], [33, 8], [70, 30]]) {
          const batch = n <= 9 ? [2] : [];
          const count = sizeOf(batch);
          const a = roundTo(c.dtype, fill(count, () => randomSPD(rng, n).a).flat());
          const l = rv.cholesky(rv.tensor(a, [...batch, n, n], c.dtype));
          const ls = Array.from(l.dataSync());
          const lview = make(ls, [...batch, n, n], c.dtype, rng, c.view);
          const rhs = roundTo(c.dtype, uniform(rng, count * n * k));
          const x = rv.choleskySolve(lview, make(rhs, [...batch, n, k], c.dtype, rng, c.view));
          assert.deepEqual(x.shape, [...batch, n, k]);
          const xs = x.dataSync();
          // Residual against L·Lᵀ, the matrix the factor represents exactly.
          const g = gamma(n + 1, u);
          for (let b = 0; b < count; b++) {
            const L = at(ls, b, n, n);
            const X = at(xs, b, n, k);
            const B = at(rhs, b, n, k);
            const lx = fill(n * k, (idx) => {  // Lᵀ·X and |Lᵀ|·|X|
              const i = Math.floor(idx / k);
              const j = idx % k;
              let s = 0;
              let abs = 0;
              for (let p = i; p < n; p++) {
                s += L(p, i) * X(p, j);
                abs += Math.abs(L(p, i) * X(p, j));
              }
              return [s, abs];
            });
            for (let i = 0; i < n; i++) {
              for (let j = 0; j < k; j++) {
                let s = 0;
                let abs = 0;
                for (let p = 0; p <= i; p++) {
                  s += L(i, p) * lx[p * k + j][0];
                  abs += Math.abs(L(i, p)) * lx[p * k + j][1];
                }
                const tol = (2 * g + g * g + gamma(2 * n, U64)) * abs;
                assert.ok(Math.abs(s - B(i, j)) <= tol, `n=${n} batch ${b} (A·X)(${i},${j}) = ${s}, rhs ${B(i, j)}, tol ${tol}`);
              }
            }
          }
          for (const t of [l, lview, x]) t.dispose();
        }
      });
    }

    it('broadcasts batches and rejects mismatched shapes', () => {
      const l = rv.cholesky(rv.tensor([4, 2, 2, 5], [1, 2, 2], 'float64'));
      assertTensor(rv.choleskySolve(l, rv.tensor([6, 7, 12, 14], [2, 2, 1], 'float64')), [2, 2, 1], 'float64', [1, 1, 2, 2],
        { rtol: 4 * U64, atol: 0 });
      assertThrowsNamed(() => rv.choleskySolve(rv.eye(2), rv.zeros([3, 1])), 'choleskySolve', 'rhs [3, 1]', 'chol [2, 2]');
      assertThrowsNamed(() => rv.choleskySolve(rv.zeros([2, 3]), rv.zeros([2, 1])), 'choleskySolve', 'chol', 'square');
      assertTensor(rv.choleskySolve(rv.zeros([0, 0]), rv.zeros([0, 2])), [0, 2], 'float32', []);
    });
  });

  describe('choleskyInverse', () => {
    for (const c of cases) {
      it(`A·A⁻¹ = I from chol(A), exactly symmetric (${label(c)})`, () => {
        const rng = makeRng(600 + (c.view ? 1 : 0) + (c.dtype === 'float32' ? 2 : 0));
        const u = unitRoundoff[c.dtype];
        for (const n of [1, 2, 5, 16, 17, 40, 90]) {
          const batch = n <= 17 ? [2] : [];
          const count = sizeOf(batch);
          const a = roundTo(c.dtype, fill(count, () => randomSPD(rng, n).a).flat());
          const l = rv.cholesky(rv.tensor(a, [...batch, n, n], c.dtype));
          const ls = Array.from(l.dataSync());
          const w = rv.choleskyInverse(make(ls, [...batch, n, n], c.dtype, rng, c.view));
          assert.deepEqual(w.shape, [...batch, n, n]);
          const ws = w.dataSync();
          for (let b = 0; b < count; b++) {
            const L = at(ls, b, n, n);
            const W = at(ws, b, n, n);
            // A_L = L·Lᵀ (the matrix the factor represents), in float64.
            const al = fill(n * n, (idx) => {
              const i = Math.floor(idx / n);
              const j = idx % n;
              let s = 0;
              for (let p = 0; p <= Math.min(i, j); p++) s += L(i, p) * L(j, p);
              return s;
            });
            // Normwise: W = X̂ᵀX̂ with X̂ ≈ L⁻¹ from substitution (|LX̂ − I| ≤ γ(n+1)|L||X̂|), so
            // ‖W − A⁻¹‖_F ≤ (2γ(n+1)‖L‖_F‖X̂‖_F + γ(n))‖X̂‖²_F, with ‖X̂‖²_F ≈ tr W; the residual
            // A_L·W − I is at most ‖A_L‖_F times that.
            let trW = 0;
            let lF = 0;
            let aF = 0;
            let wF = 0;
            for (let i = 0; i < n; i++) {
              trW += W(i, i);
              for (let j = 0; j < n; j++) {
                lF += L(i, j) ** 2;
                aF += al[i * n + j] ** 2;
                wF += W(i, j) ** 2;
                assert.equal(W(i, j), W(j, i), `n=${n} batch ${b}: W(${i},${j}) != W(${j},${i})`);
              }
            }
            const xF2 = trW * (1 + 4 * gamma(n + 1, u));
            const tol = Math.sqrt(aF) * (2 * gamma(n + 1, u) * Math.sqrt(lF * xF2) + gamma(n, u)) * xF2 + gamma(n, U64) * Math.sqrt(aF * wF);
            for (let i = 0; i < n; i++) {
              for (let j = 0; j < n; j++) {
                let s = 0;
                for (let p = 0; p < n; p++) s += al[i * n + p] * W(p, j);
                const e = s - (i === j ? 1 : 0);
                assert.ok(Math.abs(e) <= tol, `n=${n} batch ${b} (A·W − I)(${i},${j}) = ${e}, tol ${tol}`);
              }
            }
          }
          for (const t of [l, w]) t.dispose();
        }
      });
    }

    it('inverts diagonal factors exactly up to rounding, and handles size 0', () => {
      assertTensor(rv.choleskyInverse(rv.tensor([[2, 0], [0, 4]], undefined, 'float64')), [2, 2], 'float64', [0.25, 0, 0, 1 / 16],
        { rtol: 0, atol: 0 });
      assertTensor(rv.choleskyInverse(rv.zeros([3, 0, 0])), [3, 0, 0], 'float32', []);
      assertThrowsNamed(() => rv.choleskyInverse(rv.zeros([2, 3])), 'choleskyInverse', 'chol', '[2, 3]');
    });
  });

  describe('logDet', () => {
    for (const c of cases) {
      it(`equals 2 Σ log L(i,i) of the factor (${label(c)})`, () => {
        const rng = makeRng(700 + (c.view ? 1 : 0) + (c.dtype === 'float32' ? 2 : 0));
        const u = unitRoundoff[c.dtype];
        for (const n of [1, 2, 7, 16, 45, 120]) {
          const batch = n <= 16 ? [2, 2] : [];
          const count = sizeOf(batch);
          const a = roundTo(c.dtype, fill(count, () => randomSPD(rng, n).a).flat());
          const ld = rv.logDet(make(a, [...batch, n, n], c.dtype, rng, c.view));
          assert.deepEqual(ld.shape, batch);
          const l = rv.cholesky(rv.tensor(a, [...batch, n, n], c.dtype)).dataSync();
          const terms = fill(count, (b) => fill(n, (i) => 2 * Math.log(l[b * n * n + i * n + i])));
          const expected = terms.map((t) => t.reduce((s, v) => s + v, 0));
          // The kernel sums the same logs in double and rounds once.
          const lds = ld.dataSync();
          expected.forEach((e, b) => {
            const tol = u * Math.abs(e) + gamma(n, U64) * terms[b].reduce((s, v) => s + Math.abs(v), 0);
            assert.ok(Math.abs(lds[b] - e) <= tol, `n=${n} batch ${b}: ${lds[b]} vs ${e}`);
          });
          ld.dispose();
        }
      });
    }

    it('matches closed forms: diagonal matrices and 2×2 matrices', () => {
      for (const dtype of floatDTypes) {
        const u = unitRoundoff[dtype];
        const rng = makeRng(710);
        // Diagonal: log det = Σ log dᵢ; the kernel's L(i,i) = √dᵢ rounded once (2 log of it is
        // off by at most 2u per term), then one final rounding.
        const n = 50;
        const d = roundTo(dtype, fill(n, () => 10 ** (4 * rng() - 2)));
        const expected = d.reduce((s, v) => s + Math.log(v), 0);
        const got = rv.logDet(rv.matrixDiag(rv.tensor(d, [n], dtype))).dataSync()[0];
        assert.ok(Math.abs(got - expected) <= n * 2 * u * 1.0001 + u * Math.abs(expected) + gamma(n, U64) * n * 5,
          `${dtype} diagonal: ${got} vs ${expected}`);
        // 2×2 [[a, b], [b, c]]: log(ac − b²). Backward error |ΔA| ≤ γ(4)|L||Lᵀ| ≤ γ(4)·√(aᵢᵢaⱼⱼ)
        // moves log det by at most ‖A⁻¹‖_F·‖ΔA‖_F.
        for (let t = 0; t < 20; t++) {
          const [a, b, cc] = roundTo(dtype, [1 + 9 * rng(), 2 * rng() - 1, 1 + 9 * rng()]);
          const det = a * cc - b * b;
          const exact = Math.log(det);
          const invF = Math.sqrt(a * a + 2 * b * b + cc * cc) / det;
          const sF = Math.sqrt(a * a + 2 * a * cc + cc * cc);
          const tol = gamma(4, u) * invF * sF * 1.0001 + u * Math.abs(exact) + 4 * U64;
          const got2 = rv.logDet(rv.tensor([a, b, b, cc], [2, 2], dtype)).dataSync()[0];
          assert.ok(Math.abs(got2 - exact) <= tol, `${dtype} 2×2 ${[a, b, cc]}: ${got2} vs ${exact}, tol ${tol}`);
        }
      }
    });

    it('is 0 for 0×0 matrices, handles empty batches, and reports failures as cholesky does', () => {
      assertTensor(rv.logDet(rv.zeros([3, 0, 0])), [3], 'float32', [0, 0, 0], { rtol: 0, atol: 0 });
      assertTensor(rv.logDet(rv.zeros([0, 4, 4])), [0], 'float32', []);
      assertThrowsNamed(() => rv.logDet(rv.tensor([4, 2, 2, 5, 1, 2, 2, 1], [2, 2, 2])), 'logDet', 'batch index [1]', 'pivot 1 of 2');
      assertTensor(rv.logDet(rv.tensor([4, 0, 0, 1, 1, 2, 2, 1], [2, 2, 2], 'float64'), true), [2], 'float64', [Math.log(4), NaN],
        { rtol: 2 * U64, atol: 0 });
      assertThrowsNamed(() => rv.logDet(rv.zeros([3, 2])), 'logDet', 'square', '[3, 2]');
    });
  });

  describe('logMatrixDeterminant', () => {
    /** float64 LU with partial pivoting, in JS: log|det|, sign and ‖|L||U|‖_F. */
    function luReference(a: readonly number[], n: number) {
      const m = a.slice();
      let sign = 1;
      let logAbs = 0;
      let sumAbsLog = 0;
      const L = new Array(n * n).fill(0);
      for (let k = 0; k < n; k++) {
        let p = k;
        for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]) > Math.abs(m[p * n + k])) p = i;
        if (p !== k) {
          sign = -sign;
          for (let j = 0; j < n; j++) {
            [m[k * n + j], m[p * n + j]] = [m[p * n + j], m[k * n + j]];
            [L[k * n + j], L[p * n + j]] = [L[p * n + j], L[k * n + j]];
          }
        }
        const piv = m[k * n + k];
        if (piv < 0) sign = -sign;
        logAbs += Math.log(Math.abs(piv));
        sumAbsLog += Math.abs(Math.log(Math.abs(piv)));
        L[k * n + k] = 1;
        for (let i = k + 1; i < n; i++) {
          const f = m[i * n + k] / piv;
          L[i * n + k] = f;
          for (let j = k; j < n; j++) m[i * n + j] -= f * m[k * n + j];
        }
      }
      let luF = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p <= Math.min(i, j); p++) s += Math.abs(L[i * n + p] * m[p * n + j]);
          luF += s * s;
        }
      }
      return { sign, logAbs, sumAbsLog, luF: Math.sqrt(luF) };
    }

    for (const c of cases) {
      it(`sign and log|det| of random matrices against a float64 LU (${label(c)})`, () => {
        const rng = makeRng(800 + (c.view ? 1 : 0) + (c.dtype === 'float32' ? 2 : 0));
        const u = unitRoundoff[c.dtype];
        for (const n of [1, 2, 3, 6, 17, 40]) {
          const batch = n <= 6 ? [3] : [];
          const count = sizeOf(batch);
          // M + 2n·D with D a random ±1 diagonal: σ_min ≥ 2n − ‖M‖_F, so ‖A⁻¹‖_F ≤ √n / (2n − ‖M‖_F).
          const mats = fill(count, () => {
            const m = uniform(rng, n * n);
            return roundTo(c.dtype, m.map((v, idx) => (idx % (n + 1) === 0 ? v + (rng() < 0.5 ? -2 : 2) * n : v)));
          });
          const [sign, logAbs] = rv.logMatrixDeterminant(make(mats.flat(), [...batch, n, n], c.dtype, rng, c.view));
          assert.deepEqual(sign.shape, batch);
          assert.deepEqual(logAbs.shape, batch);
          const ss = sign.dataSync();
          const ls = logAbs.dataSync();
          mats.forEach((m, b) => {
            const ref = luReference(m, n);
            const mF = Math.sqrt(m.reduce((s, v, idx) => s + (idx % (n + 1) === 0 ? 0 : v * v), 0) + n);
            const invF = Math.sqrt(n) / (2 * n - mF);
            const tol = gamma(n, u) * invF * ref.luF * 1.01 + u * Math.abs(ref.logAbs) + gamma(n, U64) * ref.sumAbsLog;
            assert.equal(ss[b], ref.sign, `n=${n} batch ${b}: sign`);
            assert.ok(Math.abs(ls[b] - ref.logAbs) <= tol, `n=${n} batch ${b}: ${ls[b]} vs ${ref.logAbs}, tol ${tol}`);
          });
          sign.dispose();
          logAbs.dispose();
        }
      });
    }

    it('is exact on permuted diagonal matrices, including the sign', () => {
      const rng = makeRng(810);
      const n = 9;
      const perm = [3, 0, 8, 1, 5, 2, 7, 4, 6];  // cycles (0 3 1)(2 8 6 7 4 5): 2 + 5 transpositions
      const d = fill(n, () => (rng() < 0.5 ? -1 : 1) * (0.5 + rng()));
      const a = new Array(n * n).fill(0);
      perm.forEach((p, i) => { a[i * n + p] = d[i]; });
      const expectedSign = d.reduce((s, v) => s * Math.sign(v), 1) * -1;
      const expectedLog = d.reduce((s, v) => s + Math.log(Math.abs(v)), 0);
      const [sign, logAbs] = rv.logMatrixDeterminant(rv.tensor(a, [n, n], 'float64'));
      assert.equal(sign.dataSync()[0], expectedSign);
      assert.ok(Math.abs(logAbs.dataSync()[0] - expectedLog) <= gamma(n, U64) * n * 2);
      const [s2] = rv.slogdet([[0, 2], [3, 0]]);
      assert.equal(s2.dataSync()[0], -1);
    });

    it('singular: sign 0 and -Infinity; NaN: NaN; 0×0: sign 1 and 0', () => {
      const [s1, l1] = rv.logMatrixDeterminant(rv.tensor([1, 2, 2, 4, 0, 0, 0, 0, NaN, 1, 1, 1], [3, 2, 2], 'float64'));
      assert.deepEqual(Array.from(s1.dataSync()), [0, 0, NaN]);
      assert.deepEqual(Array.from(l1.dataSync()), [-Infinity, -Infinity, NaN]);
      const [s0, l0] = rv.logMatrixDeterminant(rv.zeros([2, 0, 0]));
      assertTensor(s0, [2], 'float32', [1, 1], { rtol: 0, atol: 0 });
      assertTensor(l0, [2], 'float32', [0, 0], { rtol: 0, atol: 0 });
      assertThrowsNamed(() => rv.logMatrixDeterminant(rv.zeros([2, 3])), 'logMatrixDeterminant', 'square', '[2, 3]');
    });
  });

  describe('diagonals, bands and transposes', () => {
    const anyDTypes: rv.DType[] = ['float32', 'float64', 'int32', 'bool'];
    const values = (rng: Rng, n: number, dtype: rv.DType) =>
      roundTo(dtype, fill(n, () => (dtype === 'bool' ? (rng() < 0.5 ? 1 : 0) : Math.floor(20 * rng()) - 10 + (dtype === 'int32' ? 0 : 0.25))));

    for (const dtype of anyDTypes) {
      it(`matrixDiag, matrixDiagPart, matrixSetDiag, bandPart and matrixTranspose are exact (${dtype})`, () => {
        const rng = makeRng(900 + anyDTypes.indexOf(dtype));
        for (const [batch, m, n] of [[[], 3, 3], [[2], 4, 2], [[2, 3], 2, 5], [[1], 1, 1], [[0], 3, 3], [[2], 0, 3]] as [number[], number, number][]) {
          for (const view of [false, true]) {
            const count = sizeOf(batch);
            if (view && count * m * n === 0) continue;  // nothing to lay out
            const k = Math.min(m, n);
            const xs = values(rng, count * m * n, dtype);
            const ds = values(rng, count * k, dtype);
            const x = make(xs, [...batch, m, n], dtype, rng, view);
            const d = make(ds, [...batch, k], dtype, rng, view);
            const X = (b: number, i: number, j: number) => xs[b * m * n + i * n + j];
            const entries = (rows: number, cols: number, f: (b: number, i: number, j: number) => number) =>
              fill(count * rows * cols, (idx) => f(Math.floor(idx / (rows * cols)), Math.floor(idx / cols) % rows, idx % cols));
            const exact = { rtol: 0, atol: 0 };

            assertTensor(rv.matrixDiagPart(x), [...batch, k], dtype, entries(1, k, (b, _i, j) => X(b, j, j)), exact, 'matrixDiagPart');
            assertTensor(rv.matrixDiag(d), [...batch, k, k], dtype, entries(k, k, (b, i, j) => (i === j ? ds[b * k + i] : 0)), exact, 'matrixDiag');
            assertTensor(rv.matrixSetDiag(x, d), [...batch, m, n], dtype,
              entries(m, n, (b, i, j) => (i === j ? ds[b * k + i] : X(b, i, j))), exact, 'matrixSetDiag');
            for (const [lo, hi] of [[0, 0], [-1, 0], [0, -1], [1, 2], [-1, -1], [5, 0], [-3, 1]]) {
              const keep = (i: number, j: number) => (lo < 0 || i - j <= lo) && (hi < 0 || j - i <= hi);
              assertTensor(rv.bandPart(x, lo, hi), [...batch, m, n], dtype, entries(m, n, (b, i, j) => (keep(i, j) ? X(b, i, j) : 0)),
                exact, `bandPart(${lo}, ${hi})`);
            }
            assertTensor(rv.matrixTranspose(x), [...batch, n, m], dtype, entries(n, m, (b, i, j) => X(b, j, i)), exact, 'matrixTranspose');
            assertTensor(x.matrixTranspose(true), [...batch, n, m], dtype, entries(n, m, (b, i, j) => X(b, j, i)), exact, 'conjugate');
            x.dispose();
            d.dispose();
          }
        }
      });
    }

    it('matrixDiagPart and matrixTranspose are views sharing storage', () => {
      const x = rv.tensor([[1, 2], [3, 4]]);
      const storage = (t: rv.Tensor) => binding.layout(t.handle()).storage;
      assert.equal(storage(rv.matrixDiagPart(x)), storage(x));
      assert.equal(storage(rv.matrixTranspose(x)), storage(x));
    });

    it('matrixSetDiag broadcasts batch dimensions and promotes dtypes', () => {
      const x = rv.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'int32');
      assertTensor(rv.matrixSetDiag(x, rv.tensor([0.5, -1], [2], 'float32')), [2, 2, 2], 'float32', [0.5, 2, 3, -1, 0.5, 6, 7, -1],
        { rtol: 0, atol: 0 });
      const y = rv.matrixSetDiag(rv.tensor([[1, 2], [3, 4]]), rv.tensor([[9, 8], [7, 6], [5, 4]]));
      assertTensor(y, [3, 2, 2], 'float32', [9, 2, 3, 8, 7, 2, 3, 6, 5, 2, 3, 4], { rtol: 0, atol: 0 });
    });

    it('rejects bad ranks, diagonal lengths and bounds, naming op and shapes', () => {
      assertThrowsNamed(() => rv.matrixDiagPart([1, 2]), 'matrixDiagPart', 'rank >= 2', '[2]');
      assertThrowsNamed(() => rv.matrixDiag(3), 'matrixDiag', 'diagonal', 'scalar');
      assertThrowsNamed(() => rv.matrixSetDiag(rv.zeros([3, 4]), rv.zeros([4])), 'matrixSetDiag', 'diagonal [4]', '3 entries', 'x [3, 4]');
      assertThrowsNamed(() => rv.matrixSetDiag(rv.zeros([2, 3, 3]), rv.zeros([4, 3])), 'matrixSetDiag', 'do not broadcast', 'x [2, 3, 3]',
        'diagonal [4, 3]');
      assertThrowsNamed(() => rv.bandPart(rv.zeros([3]), 0, 0), 'bandPart', 'rank >= 2', '[3]');
      assertThrowsNamed(() => rv.bandPart(rv.zeros([3, 3]), 0.5, 0), 'bandPart', 'numLower', '0.5');
      assertThrowsNamed(() => rv.matrixTranspose(rv.zeros([3])), 'matrixTranspose', 'rank >= 2', '[3]');
      assertThrowsNamed(() => rv.matrixTranspose(rv.zeros([3, 3]), 'no' as unknown as boolean), 'matrixTranspose', 'conjugate');
    });
  });

  // The blocked kernels are compiled per instruction set (AVX-512, AVX2+FMA, baseline SSE2) and
  // this machine runs only the best one; RANDVAR_LINALG_KERNEL caps the choice, so the round
  // trips above run again, in child processes, under each lower set.
  if (!process.env.RANDVAR_LINALG_KERNEL) {
    describe('every instruction-set kernel', () => {
      for (const kernel of ['avx2', 'baseline']) {
        it(`passes the round trips with RANDVAR_LINALG_KERNEL=${kernel}`, function () {
          this.timeout(300_000);
          const mocha = path.join(__dirname, '..', 'node_modules', 'mocha', 'bin', 'mocha.js');
          const child = spawnSync(process.execPath, [mocha, '--no-config', '--node-option', 'import=tsx', '--reporter', 'dot',
            '--grep', 'within|A·A⁻¹|same bits|exact on diagonal', path.join(__dirname, 'linalg.test.ts')],
          { encoding: 'utf8', timeout: 300_000, env: { ...process.env, RANDVAR_LINALG_KERNEL: kernel } });
          assert.equal(child.signal, null, `killed by ${child.signal}`);
          assert.equal(child.status, 0, `${kernel}: ${child.stdout.slice(-3000)}${child.stderr.slice(-2000)}`);
          assert.match(child.stdout, /[2-9][0-9] passing/, 'the grep selects the round-trip tests');
        });
      }
    });
  }
});
