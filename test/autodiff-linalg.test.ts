/**
 * Gradients and vmap of the matrix products (matMul, dot, outer) and the linear algebra ops:
 * every rule against central finite differences in float64 (relative error below 1e-6, the
 * helpers' default), over broadcast batches, vectors, transposes and non-contiguous views; a
 * few second derivatives; a Gaussian log density through a Cholesky factor against its
 * hand-derived gradient; vmap against stacking, nested vmap, and vmap of grad against a loop.
 *
 * Inputs keep finite differences meaningful: Cholesky inputs are built inside the function as
 * A·Aᵀ + n·I (so the differences move A and the matrix stays symmetric positive definite, with
 * condition number at most 1 + ‖A‖²_F / n), triangular matrices have diagonals of magnitude in
 * [2, 3] against off-diagonal entries in [-1, 1), and general matrices for log|det| have
 * diagonals of magnitude in [3, 4], so that they are far from singular.
 */
import { strict as assert } from 'assert';
import { binding } from '../lib/backend/binding';
import * as rv from '../lib/index';
import { makeRng, nonContiguous, randomData, sizeOf } from './helpers';
import { checkGradient, checkVmap, weightedSum } from './transform-helpers';

const rng = makeRng(4);
type Fn = (...xs: rv.Tensor[]) => rv.Tensor;

/** Uniform float64 values in [lo, hi) of `shape`, as a contiguous tensor or a non-contiguous view. */
function rand(shape: number[], { lo = -1, hi = 1, strided = false } = {}): rv.Tensor {
  const values = randomData(rng, sizeOf(shape), 'float64', lo, hi);
  return strided ? nonContiguous(values, shape, 'float64', rng) : rv.tensor(values, shape, 'float64');
}

/**
 * Matrices [..., n, n] with entries in [-1, 1) and diagonal entries of magnitude in
 * [lo, lo + 1] (positive, or of random sign): well conditioned, as a whole and in either triangle.
 */
function dominant(shape: number[], lo: number, { positive = false, strided = false } = {}): rv.Tensor {
  const n = shape[shape.length - 1];
  const values = randomData(rng, sizeOf(shape), 'float64');
  for (let k = 0; k < values.length; k += n * n) {
    for (let i = 0; i < n; i++) {
      const magnitude = lo + rng();
      values[k + i * n + i] = positive || rng() < 0.5 ? magnitude : -magnitude;
    }
  }
  return strided ? nonContiguous(values, shape, 'float64', rng) : rv.tensor(values, shape, 'float64');
}

/** A·Aᵀ + n·I for each matrix of `a`: symmetric positive definite. */
function spd(a: rv.Tensor): rv.Tensor {
  const n = a.shape[a.rank - 1];
  return rv.add(rv.matMul(a, a, false, true), rv.mul(rv.eye(n, n, [], 'float64'), n));
}

/** The gradient of `f` with respect to its input `k`, as a function (for second derivatives). */
function gradOf(f: Fn, k = 0): Fn {
  return (...xs) => {
    const g = rv.grad(f)(...xs);
    return xs.length === 1 ? g : g[k];
  };
}

/** Moves the leading (batch) axis of `t` to `axis` (a view), as vmap's inAxes expect. */
function batchAt(t: rv.Tensor, axis: number): rv.Tensor {
  const a = axis < 0 ? axis + t.rank : axis;
  const perm = Array.from({ length: t.rank - 1 }, (_, i) => i + 1);
  perm.splice(a, 0, 0);
  return rv.transpose(t, perm);
}

/** Values of a float64 tensor. */
const values = (t: rv.Tensor) => Array.from(t.dataSync() as Float64Array);

describe('autodiff of matrix products', () => {
  const transposes: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

  for (const [ta, tb] of transposes) {
    it(`matMul of matrices, transposeA ${ta}, transposeB ${tb}, contiguous and strided`, () => {
      for (const strided of [false, true]) {
        const a = rand(ta ? [4, 3] : [3, 4], { strided });
        const b = rand(tb ? [5, 4] : [4, 5], { strided });
        checkGradient(weightedSum((x, y) => rv.matMul(x, y, ta, tb)), [a, b], { what: `matMul ${ta} ${tb} strided ${strided}` });
      }
    });
  }

  const batchCases: [number[], number[], boolean, boolean][] = [
    [[2, 3, 4], [4, 5], false, false],       // a batched, b broadcast over it
    [[3, 4], [2, 4, 5], false, false],       // b batched
    [[2, 1, 3, 4], [3, 5, 4], false, true],  // both batched, mutual broadcast
    [[1, 4, 3], [2, 4, 5], true, false],
  ];
  for (const [sa, sb, ta, tb] of batchCases) {
    it(`matMul broadcasts batch dims: [${sa}] · [${sb}] (transposes ${ta}, ${tb})`, () => {
      checkGradient(weightedSum((x, y) => rv.matMul(x, y, ta, tb)), [rand(sa, { strided: true }), rand(sb)], { what: `[${sa}]·[${sb}]` });
    });
  }

  const vectorCases: [number[], number[], boolean, boolean][] = [
    [[4], [4, 5], false, false],
    [[4], [5, 4], true, true],       // the flag of the vector is ignored, b's applies
    [[3, 4], [4], false, false],
    [[4, 3], [4], true, true],
    [[4], [4], false, false],
    [[2, 3, 4], [4], false, false],
    [[4], [2, 4, 5], false, false],
    [[4], [2, 5, 4], false, true],
  ];
  for (const [sa, sb, ta, tb] of vectorCases) {
    it(`matMul with vector operands: [${sa}] · [${sb}] (transposes ${ta}, ${tb})`, () => {
      checkGradient(weightedSum((x, y) => rv.matMul(x, y, ta, tb)), [rand(sa), rand(sb, { strided: true })], { what: `[${sa}]·[${sb}]` });
    });
  }

  it('matMul promotes float32 operands and gives float gradients of each input\'s shape', () => {
    const a = rand([3, 4]);
    const b = rv.cast(rand([4, 2]), 'float32');
    const [ga, gb] = rv.grad((x: rv.Tensor, y: rv.Tensor) => rv.sum(rv.matMul(x, y)))(a, b);
    assert.deepEqual(ga.shape, [3, 4]);
    assert.deepEqual(gb.shape, [4, 2]);
    // d/da of sum(a·b) is 1·bᵀ: each row of ga is the row sums of b.
    const bv = Array.from(b.dataSync());
    const rowSums = [0, 1, 2, 3].map((k) => bv[2 * k] + bv[2 * k + 1]);
    values(rv.cast(ga, 'float64')).forEach((v, i) => assert.ok(Math.abs(v - rowSums[i % 4]) <= 1e-6, `ga[${i}]`));
  });

  it('dot: vector·vector, matrix·vector, vector·matrix, matrix·matrix', () => {
    for (const [sa, sb] of [[[4], [4]], [[3, 4], [4]], [[4], [4, 2]], [[3, 4], [4, 2]]]) {
      checkGradient(weightedSum(rv.dot), [rand(sa, { strided: true }), rand(sb)], { what: `dot [${sa}]·[${sb}]` });
    }
  });

  it('outer', () => {
    checkGradient(weightedSum(rv.outer), [rand([3], { strided: true }), rand([4])], { what: 'outer' });
  });

  it('second derivatives of matMul: the gradient of a weighted gradient, against finite differences', () => {
    // The product is bilinear: squared operands make the second derivatives non-trivial.
    const f = weightedSum((x: rv.Tensor, y: rv.Tensor) => rv.matMul(rv.mul(x, x), rv.mul(y, y)));
    const a = rand([3, 4]);
    const b = rand([4, 2]);
    checkGradient(weightedSum(gradOf(f, 0), 2), [a, b], { what: 'd²/da' });
    checkGradient(weightedSum(gradOf(f, 1), 3), [a, b], { what: 'd²/db' });
  });
});

describe('autodiff of linear algebra', () => {
  it('cholesky of A·Aᵀ + n·I, one matrix and a batch', () => {
    checkGradient(weightedSum((a) => rv.cholesky(spd(a))), [rand([4, 4])], { what: 'cholesky 4×4' });
    checkGradient(weightedSum((a) => rv.cholesky(spd(a))), [rand([2, 3, 3], { strided: true })], { what: 'cholesky batch' });
  });

  it('cholesky: the gradient with respect to a symmetric input is symmetric and gives the derivative along symmetric directions', () => {
    const x = rv.tidy(() => spd(rand([4, 4])));
    const f = weightedSum((s) => rv.cholesky(s));
    const g = values(rv.grad(f)(x));
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < i; j++) assert.equal(g[i * 4 + j], g[j * 4 + i], `symmetric at (${i}, ${j})`);
    }
    // Along a symmetric direction V the derivative is <g, V>, by central differences.
    const v = rv.tidy(() => { const r = rand([4, 4]); return rv.add(r, rv.transpose(r)); });
    const h = 1e-6;
    const at = (t: number) => rv.tidy(() => f(rv.add(x, rv.mul(v, t))).dataSync()[0]);
    const numeric = (at(h) - at(-h)) / (2 * h);
    const analytic = values(v).reduce((s, vi, i) => s + vi * g[i], 0);
    assert.ok(Math.abs(analytic - numeric) <= 1e-6 * Math.abs(numeric), `directional: ${analytic} vs ${numeric}`);
  });

  it('logDet of A·Aᵀ + n·I, one matrix and a batch', () => {
    checkGradient(weightedSum((a) => rv.logDet(spd(a))), [rand([4, 4], { strided: true })], { what: 'logDet' });
    checkGradient(weightedSum((a) => rv.logDet(spd(a))), [rand([3, 2, 2])], { what: 'logDet batch' });
  });

  for (const lower of [true, false]) {
    for (const adjoint of [false, true]) {
      it(`triangularSolve, lower ${lower}, adjoint ${adjoint}: the other triangle gets zeros`, () => {
        const f = weightedSum((m, r) => rv.triangularSolve(m, r, lower, adjoint));
        checkGradient(f, [dominant([3, 3], 2, { strided: true }), rand([3, 2])], { what: 'triangularSolve' });
        const g = values(rv.grad(f)(dominant([3, 3], 2), rand([3, 2]))[0]);
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) if (lower ? j > i : j < i) assert.equal(g[i * 3 + j], 0, `unread entry (${i}, ${j})`);
        }
      });
    }
  }

  it('triangularSolve broadcasts batch dims of either argument', () => {
    const f = weightedSum((m, r) => rv.triangularSolve(m, r, true, true));
    checkGradient(f, [dominant([2, 3, 3], 2), rand([3, 2], { strided: true })], { what: 'batched matrix' });
    checkGradient(f, [dominant([3, 3], 2), rand([2, 3, 1])], { what: 'batched rhs' });
    checkGradient(f, [dominant([2, 1, 3, 3], 2), rand([3, 3, 2])], { what: 'both' });
  });

  it('choleskySolve with a factor given directly (only its lower triangle is read) and from cholesky', () => {
    const f = weightedSum(rv.choleskySolve);
    checkGradient(f, [dominant([3, 3], 2, { positive: true, strided: true }), rand([3, 2])], { what: 'choleskySolve' });
    checkGradient(f, [dominant([2, 3, 3], 2, { positive: true }), rand([3, 1], { strided: true })], { what: 'batched factor' });
    checkGradient(weightedSum((a, r) => rv.choleskySolve(rv.cholesky(spd(a)), r)), [rand([3, 3]), rand([2, 3, 2])], { what: 'composed' });
  });

  it('choleskyInverse with a factor given directly and from cholesky', () => {
    checkGradient(weightedSum(rv.choleskyInverse), [dominant([3, 3], 2, { positive: true, strided: true })], { what: 'choleskyInverse' });
    checkGradient(weightedSum((a) => rv.choleskyInverse(rv.cholesky(spd(a)))), [rand([2, 3, 3])], { what: 'composed' });
  });

  it('logMatrixDeterminant: log|det| gets X⁻ᵀ, of either sign of det; the sign gets zeros', () => {
    const f = weightedSum((x) => rv.logMatrixDeterminant(x)[1]);
    checkGradient(f, [dominant([4, 4], 3, { strided: true })], { what: 'logAbsDet' });
    checkGradient(f, [dominant([3, 2, 2], 3)], { what: 'logAbsDet batch' });
    const x = dominant([2, 3, 3], 3);
    const signs = values(rv.logMatrixDeterminant(x)[0]);
    assert.ok(signs.every((s) => s === 1 || s === -1));
    const g = values(rv.grad((y: rv.Tensor) => rv.sum(rv.logMatrixDeterminant(y)[0]))(x));
    assert.ok(g.length === 18 && g.every((v) => v === 0), `sign gradient ${g}`);
  });

  it('matrixDiag, matrixDiagPart (square and not), matrixSetDiag (broadcasting), bandPart, matrixTranspose', () => {
    checkGradient(weightedSum(rv.matrixDiag), [rand([2, 3], { strided: true })], { what: 'matrixDiag' });
    checkGradient(weightedSum(rv.matrixDiagPart), [rand([2, 3, 4], { strided: true })], { what: 'matrixDiagPart wide' });
    checkGradient(weightedSum(rv.matrixDiagPart), [rand([4, 3])], { what: 'matrixDiagPart tall' });
    checkGradient(weightedSum(rv.matrixSetDiag), [rand([3, 4], { strided: true }), rand([2, 3])], { what: 'matrixSetDiag, batched diagonal' });
    checkGradient(weightedSum(rv.matrixSetDiag), [rand([2, 4, 3]), rand([3])], { what: 'matrixSetDiag, batched x' });
    for (const [lo, up] of [[-1, 0], [0, -1], [1, 0], [0, 0], [1, 2]]) {
      checkGradient(weightedSum((x) => rv.bandPart(x, lo, up)), [rand([2, 3, 4], { strided: true })], { what: `bandPart ${lo} ${up}` });
    }
    checkGradient(weightedSum((x) => rv.matrixTranspose(x)), [rand([2, 3, 4], { strided: true })], { what: 'matrixTranspose' });
  });

  it('int inputs are not differentiated: a matrixSetDiag with an int32 diagonal', () => {
    const d = rv.tensor([1, 2, 3], [3], 'int32');
    const g = rv.grad((x: rv.Tensor) => rv.sum(rv.mul(rv.matrixSetDiag(x, d), x)))(rand([3, 3]));
    assert.ok(values(g).every(Number.isFinite));
  });

  describe('second derivatives against finite differences of the first', () => {
    it('cholesky', () => {
      const f = weightedSum((a) => rv.cholesky(spd(a)));
      checkGradient(weightedSum(gradOf(f), 5), [rand([3, 3])], { what: 'd² cholesky' });
    });
    it('logDet (the Hessian of a log density through logDet)', () => {
      const f = weightedSum((a) => rv.logDet(spd(a)));
      checkGradient(weightedSum(gradOf(f), 6), [rand([3, 3])], { what: 'd² logDet' });
    });
    it('triangularSolve, in both arguments', () => {
      const f = weightedSum((m, r) => rv.triangularSolve(m, r, false, true));
      const inputs = [dominant([3, 3], 2), rand([3, 2])];
      checkGradient(weightedSum(gradOf(f, 0), 7), inputs, { what: 'd²/dmatrix' });
      checkGradient(weightedSum(gradOf(f, 1), 8), inputs, { what: 'd²/drhs' });
    });
    it('choleskyInverse and logMatrixDeterminant', () => {
      checkGradient(weightedSum(gradOf(weightedSum(rv.choleskyInverse)), 9), [dominant([3, 3], 2, { positive: true })], { what: 'd² choleskyInverse' });
      const f = weightedSum((x) => rv.logMatrixDeterminant(x)[1]);
      checkGradient(weightedSum(gradOf(f), 10), [dominant([3, 3], 3)], { what: 'd² logAbsDet' });
    });
  });
});

// -----------------------------------------------------------------------------------------------
// A Gaussian log density through a Cholesky factor against its hand-derived gradient.

/** Σ⁻¹ and log det Σ of a small SPD matrix (row-major), by Gauss–Jordan elimination in float64. */
function inverseAndLogDet(sigma: number[], n: number): { inv: number[]; logDet: number } {
  const m = sigma.slice();
  const inv = Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
  let logDet = 0;
  for (let p = 0; p < n; p++) {
    const pivot = m[p * n + p];  // positive definite: no pivoting needed
    logDet += Math.log(pivot);
    for (let j = 0; j < n; j++) { m[p * n + j] /= pivot; inv[p * n + j] /= pivot; }
    for (let i = 0; i < n; i++) {
      if (i === p) continue;
      const factor = m[i * n + p];
      for (let j = 0; j < n; j++) { m[i * n + j] -= factor * m[p * n + j]; inv[i * n + j] -= factor * inv[p * n + j]; }
    }
  }
  return { inv, logDet };
}

describe('a Gaussian log density with a Cholesky factor', () => {
  const n = 4;
  const halfLog2Pi = 0.5 * Math.log(2 * Math.PI);

  /** log N(x; μ, Σ) with Σ = A·Aᵀ + n·I, through L = cholesky(Σ) and a triangular solve. */
  function viaSolve(x: rv.Tensor, mu: rv.Tensor, a: rv.Tensor): rv.Tensor {
    const l = rv.cholesky(spd(a));
    const z = rv.triangularSolve(l, rv.expandDims(rv.sub(x, mu), -1));
    const quadratic = rv.mul(rv.sum(rv.square(z)), -0.5);
    return rv.sub(rv.sub(quadratic, rv.sum(rv.log(rv.matrixDiagPart(l)))), n * halfLog2Pi);
  }

  /** The same density through choleskySolve and logDet. */
  function viaLogDet(x: rv.Tensor, mu: rv.Tensor, a: rv.Tensor): rv.Tensor {
    const sigma = spd(a);
    const r = rv.expandDims(rv.sub(x, mu), -1);
    const quadratic = rv.mul(rv.sum(rv.mul(r, rv.choleskySolve(rv.cholesky(sigma), r))), -0.5);
    return rv.sub(rv.sub(quadratic, rv.mul(rv.logDet(sigma), 0.5)), n * halfLog2Pi);
  }

  /**
   * With r = x − μ: d/dx = −Σ⁻¹r, d/dμ = Σ⁻¹r, d/dΣ = G = ½(Σ⁻¹rrᵀΣ⁻¹ − Σ⁻¹) and, through
   * Σ = A·Aᵀ + n·I, d/dA = (G + Gᵀ)·A = 2·G·A.
   */
  function handDerived(xv: number[], muv: number[], av: number[]) {
    const sigma = new Array(n * n).fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = i === j ? n : 0;
        for (let k = 0; k < n; k++) s += av[i * n + k] * av[j * n + k];
        sigma[i * n + j] = s;
      }
    }
    const { inv, logDet } = inverseAndLogDet(sigma, n);
    const r = xv.map((v, i) => v - muv[i]);
    const w = r.map((_, i) => r.reduce((s, rj, j) => s + inv[i * n + j] * rj, 0));  // Σ⁻¹r
    const value = -0.5 * r.reduce((s, ri, i) => s + ri * w[i], 0) - 0.5 * logDet - n * halfLog2Pi;
    const g = inv.map((v, k) => 0.5 * (w[Math.floor(k / n)] * w[k % n] - v));
    const gA = av.map((_, k) => {
      const [i, j] = [Math.floor(k / n), k % n];
      let s = 0;
      for (let p = 0; p < n; p++) s += g[i * n + p] * av[p * n + j];
      return 2 * s;
    });
    return { value, gx: w.map((v) => -v), gmu: w, gA };
  }

  // Σ has condition number at most κ = 1 + ‖A‖²_F / n ≤ 1 + n = 5 (entries of A in [-1, 1)).
  // Each of the ~25 float64 ops of the forward and backward passes (n = 4) perturbs its result
  // by at most about γ(n)·κ relative to the result's scale, so the gradients agree with the
  // Gauss–Jordan reference within 25·γ(4)·κ² ≈ 25·4.4e-16·25 ≈ 3e-13 of the largest component.
  const tolerance = 3e-13;

  for (const [name, density] of [['triangularSolve', viaSolve], ['choleskySolve and logDet', viaLogDet]] as const) {
    it(`through ${name}: value and gradients with respect to x, μ and A`, () => {
      const [x, mu, a] = [rand([n], { lo: -2, hi: 2 }), rand([n]), rand([n, n])];
      const { value, grad } = rv.valueAndGrad(density)(x, mu, a);
      const expected = handDerived(values(x), values(mu), values(a));
      assert.ok(Math.abs(value.dataSync()[0] - expected.value) <= tolerance * Math.abs(expected.value), 'value');
      (grad as rv.Tensor[]).forEach((g, k) => {
        const want = [expected.gx, expected.gmu, expected.gA][k];
        const scale = Math.max(...want.map(Math.abs));
        values(g).forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= tolerance * scale, `input ${k} [${i}]: ${v} vs ${want[i]}`));
      });
    });
  }

  it('vmap of its gradient over a batch of points equals a loop of gradients', () => {
    const [xs, mu, a] = [rand([5, n], { lo: -2, hi: 2 }), rand([n]), rand([n, n])];
    const perPoint = rv.vmap(rv.grad(viaSolve), { inAxes: [0, null, null] })(xs, mu, a) as rv.Tensor[];
    rv.unstack(xs).forEach((x, b) => {
      const each = rv.grad(viaSolve)(x, mu, a) as rv.Tensor[];
      each.forEach((g, k) => {
        const got = values(rv.unstack(perPoint[k])[b]);
        values(g).forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-12 * Math.max(1, Math.abs(v)), `point ${b} input ${k} [${i}]`));
      });
    });
  });
});

// -----------------------------------------------------------------------------------------------
// vmap

describe('vmap of matrix products', () => {
  const B = 3;
  // [a's member shape, b's member shape, transposeA, transposeB]
  const cases: [number[], number[], boolean, boolean][] = [
    [[3, 4], [4, 2], false, false],
    [[4, 3], [2, 4], true, true],
    [[2, 3, 4], [4, 2], false, false],
    [[3, 4], [2, 4, 2], false, false],
    [[4], [4, 2], false, false],
    [[4], [2, 2, 4], false, true],
    [[3, 4], [4], false, false],
    [[4, 3], [4], true, false],
    [[2, 3, 4], [4], false, false],
    [[4], [4], false, false],
  ];
  const axesChoices: (number | null)[][] = [[0, null], [null, 0], [0, 0], [1, -1], [-1, null], [null, 1]];
  for (const [sa, sb, ta, tb] of cases) {
    it(`matMul [${sa}] · [${sb}] (transposes ${ta}, ${tb}), batch axis first, middle, last or absent`, () => {
      for (const inAxes of axesChoices) {
        const make = (shape: number[], axis: number | null) => (axis === null ? rand(shape) : batchAt(rand([B, ...shape]), axis));
        const inputs = [make(sa, inAxes[0]), make(sb, inAxes[1])];
        checkVmap((x, y) => rv.matMul(x, y, ta, tb), inputs, inAxes, { what: `inAxes [${inAxes}]`, rtol: 1e-14, atol: 1e-14 });
      }
    });
  }

  it('dot and outer, and an output axis other than the first', () => {
    for (const [sa, sb] of [[[4], [4]], [[3, 4], [4]], [[4], [4, 2]], [[3, 4], [4, 2]]]) {
      checkVmap(rv.dot, [rand([B, ...sa]), rand(sb)], [0, null], { what: `dot [${sa}]·[${sb}]`, rtol: 1e-14, atol: 1e-14 });
      checkVmap(rv.dot, [rand(sa), batchAt(rand([B, ...sb]), -1)], [null, -1], { what: `dot [${sa}]·[${sb}]`, rtol: 1e-14, atol: 1e-14 });
    }
    checkVmap(rv.outer, [rand([B, 3]), rand([4])], [0, null], { what: 'outer a' });
    checkVmap(rv.outer, [rand([3]), rand([4, B])], [null, 1], { what: 'outer b', outAxes: 1 });
    checkVmap(rv.outer, [rand([3, B]), rand([B, 4])], [1, 0], { what: 'outer both', outAxes: -1 });
  });

  it('a batched vector against an unbatched matrix is one matMul kernel call and no copy', () => {
    const kernels = binding.kernels();
    const x = rand([50, 6]);
    const w = rand([B, 6]);
    const calls: number[] = [];
    const run = binding.run;
    binding.run = ((id: number, ...rest: unknown[]) => {
      calls.push(id);
      return (run as (...args: unknown[]) => unknown)(id, ...rest);
    }) as typeof binding.run;
    let out: rv.Tensor;
    try {
      out = rv.vmap((xm: rv.Tensor, wv: rv.Tensor) => rv.matMul(xm, wv), { inAxes: [null, 0] })(x, w) as rv.Tensor;
    } finally {
      binding.run = run;
    }
    // One product; besides it at most vmap's own view of the mapped argument, and no copy.
    const names = calls.map((id) => Object.keys(kernels).find((k) => kernels[k] === id));
    assert.equal(names.filter((k) => k === 'matMul').length, 1, `one matMul: ${names}`);
    assert.ok(names.length <= 2 && names.every((k) => k === 'matMul' || k === 'reshape' || k === 'transpose'), `kernels: ${names}`);
    assert.deepEqual(out.shape, [B, 50]);
    checkVmap((xm, wv) => rv.matMul(xm, wv), [x, w], [null, 0], { rtol: 1e-14, atol: 1e-14 });
  });

  it('nested vmap of matMul', () => {
    const a = rand([2, 3, 4, 5]);  // two outer and three inner members
    const b = rand([3, 5, 2]);     // mapped by the inner vmap only
    const f = rv.vmap(rv.vmap((x: rv.Tensor, y: rv.Tensor) => rv.matMul(x, y), { inAxes: [0, 0] }), { inAxes: [0, null] });
    const got = f(a, b) as rv.Tensor;
    const want = rv.matMul(a, b);
    assert.deepEqual(got.shape, [2, 3, 4, 2]);
    values(want).forEach((v, i) => assert.ok(Math.abs(v - got.dataSync()[i]) <= 1e-14 * Math.max(1, Math.abs(v)), `[${i}]`));
  });

  it('vmap of grad of a logistic-regression log likelihood over chains of weights equals a loop of grads', () => {
    const x = rand([20, 5]);
    const y = rv.tensor(randomData(rng, 20, 'float64', 0, 1).map((v) => (v < 0.5 ? 0 : 1)), [20], 'float64');
    const loglik = (w: rv.Tensor) => {
      const eta = rv.matMul(x, w);
      return rv.sum(rv.sub(rv.mul(y, eta), rv.softplus(eta)));
    };
    const ws = rand([4, 5]);
    const batched = rv.vmap(rv.grad(loglik))(ws) as rv.Tensor;
    rv.unstack(ws).forEach((w, c) => {
      const want = values(rv.grad(loglik)(w));
      const got = values(rv.unstack(batched)[c]);
      want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-12 * Math.max(1, Math.abs(v)), `chain ${c} [${i}]`));
    });
  });
});

describe('vmap of linear algebra', () => {
  const B = 3;
  /** B symmetric positive definite n × n matrices [B, n, n]. */
  const spdBatch = (n: number, lead: number[] = []) => rv.tidy(() => spd(rand([B, ...lead, n, n])));
  const lowerFactors = (n: number) => dominant([B, n, n], 2, { positive: true });
  const tol = { rtol: 1e-13, atol: 1e-13 };

  it('cholesky, logDet, choleskyInverse, logMatrixDeterminant: batch axis first, middle and last', () => {
    for (const axis of [0, 1, -1]) {
      checkVmap((x) => rv.cholesky(x), [batchAt(spdBatch(3), axis)], [axis], { what: `cholesky ${axis}`, ...tol });
      checkVmap((x) => rv.logDet(x), [batchAt(spdBatch(3, [2]), axis)], [axis], { what: `logDet ${axis}`, ...tol });
      checkVmap((x) => rv.choleskyInverse(x), [batchAt(lowerFactors(3), axis)], [axis], { what: `choleskyInverse ${axis}`, ...tol });
      checkVmap((x) => rv.logMatrixDeterminant(x)[1], [batchAt(dominant([B, 3, 3], 3), axis)], [axis], { what: `logAbsDet ${axis}`, ...tol });
      checkVmap((x) => rv.logMatrixDeterminant(x)[0], [batchAt(dominant([B, 3, 3], 3), axis)], [axis], { what: `sign ${axis}`, ...tol });
    }
  });

  it('triangularSolve and choleskySolve: either argument batched, with batch dims of their own', () => {
    for (const [lower, adjoint] of [[true, false], [false, true]]) {
      const solve = (m: rv.Tensor, r: rv.Tensor) => rv.triangularSolve(m, r, lower, adjoint);
      checkVmap(solve, [batchAt(dominant([B, 3, 3], 2), 1), rand([3, 2])], [1, null], { what: 'matrix batched', ...tol });
      checkVmap(solve, [dominant([2, 3, 3], 2), batchAt(rand([B, 3, 2]), -1)], [null, -1], { what: 'rhs batched, matrix has batch dims', ...tol });
      checkVmap(solve, [dominant([B, 3, 3], 2), batchAt(rand([B, 2, 3, 1]), 2)], [0, 2], { what: 'both, rhs has batch dims', ...tol });
    }
    checkVmap(rv.choleskySolve, [lowerFactors(3), rand([2, 3, 2])], [0, null], { what: 'choleskySolve factor batched', ...tol });
    checkVmap(rv.choleskySolve, [dominant([3, 3], 2, { positive: true }), batchAt(rand([B, 3, 2]), 1)], [null, 1], { what: 'choleskySolve rhs batched', ...tol });
  });

  it('matrixDiag, matrixDiagPart, matrixSetDiag, bandPart, matrixTranspose', () => {
    for (const axis of [0, 1, -1]) {
      checkVmap(rv.matrixDiag, [batchAt(rand([B, 2, 3]), axis)], [axis], { what: `matrixDiag ${axis}` });
      checkVmap(rv.matrixDiagPart, [batchAt(rand([B, 3, 4]), axis)], [axis], { what: `matrixDiagPart ${axis}` });
      checkVmap((x) => rv.bandPart(x, 1, 0), [batchAt(rand([B, 3, 4]), axis)], [axis], { what: `bandPart ${axis}` });
      checkVmap((x) => rv.matrixTranspose(x), [batchAt(rand([B, 2, 3, 4]), axis)], [axis], { what: `matrixTranspose ${axis}` });
    }
    checkVmap(rv.matrixSetDiag, [batchAt(rand([B, 3, 4]), 1), rand([2, 3])], [1, null], { what: 'matrixSetDiag x batched' });
    checkVmap(rv.matrixSetDiag, [rand([2, 4, 3]), batchAt(rand([B, 3]), -1)], [null, -1], { what: 'matrixSetDiag diagonal batched' });
    checkVmap(rv.matrixSetDiag, [rand([B, 4, 3]), rand([B, 2, 3])], [0, 0], { what: 'matrixSetDiag both' });
  });

  it('nested vmap of cholesky and triangularSolve', () => {
    const s = rv.tidy(() => spd(rand([2, B, 3, 3])));
    const r = rand([B, 3, 2]);
    const f = (m: rv.Tensor, rhs: rv.Tensor) => rv.triangularSolve(rv.cholesky(m), rhs);
    const got = rv.vmap(rv.vmap(f, { inAxes: [0, 0] }), { inAxes: [0, null] })(s, r) as rv.Tensor;
    const want = f(s, r);
    assert.deepEqual(got.shape, [2, B, 3, 2]);
    values(want).forEach((v, i) => assert.ok(Math.abs(v - got.dataSync()[i]) <= 1e-13 * Math.max(1, Math.abs(v)), `[${i}]`));
  });

  it('vmap of grad of cholesky and of triangularSolve equals a loop of grads', () => {
    const cases: [Fn, rv.Tensor[], (number | null)[]][] = [
      [weightedSum((a) => rv.cholesky(spd(a))), [rand([B, 3, 3])], [0]],
      [weightedSum((m, r) => rv.triangularSolve(m, r, true, true)), [dominant([B, 3, 3], 2), rand([3, 2])], [0, null]],
      [weightedSum((m, r) => rv.triangularSolve(m, r, false, false)), [dominant([3, 3], 2), rand([B, 3, 2])], [null, 0]],
    ];
    for (const [f, inputs, inAxes] of cases) {
      const batched = rv.vmap(rv.grad(f), { inAxes })(...inputs);
      const list: rv.Tensor[] = inputs.length === 1 ? [batched] : batched;
      for (let b = 0; b < B; b++) {
        const member = inputs.map((x, i) => (inAxes[i] === null ? x : rv.unstack(x)[b]));
        const g = rv.grad(f)(...member);
        const each: rv.Tensor[] = inputs.length === 1 ? [g] : g;
        // Every gradient, also an unmapped input's, depends on the member: each has the batch axis.
        each.forEach((t, k) => {
          const want = values(t);
          const got = values(rv.unstack(list[k])[b]);
          want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-12 * Math.max(1, Math.abs(v)), `member ${b} input ${k} [${i}]`));
        });
      }
    }
  });
});
