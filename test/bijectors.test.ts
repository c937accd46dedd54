/**
 * Bijectors: inverse(forward(x)) = x and forward(inverse(y)) = y; log-det Jacobians against
 * autodiff of the transform (elementwise maps: log |dy/dx| from rv.grad; maps of vectors and
 * matrices: log |det J| with J's rows from rv.vjp, over the free coordinates of each side) and
 * against central finite differences; event shapes and ranks; Chain, Invert; MAF/IAF; the
 * default bijector of each constraint. All in float64.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { assertClose, assertThrowsNamed, makeRng } from './helpers';
import { checkGradient, checkVmap } from './transform-helpers';

const B = rv.bijectors;
type Bijector = rv.bijectors.Bijector;

const f64 = (values: number[], shape?: number[]) => rv.tensor(values, shape ?? [values.length], 'float64');
const values = (t: rv.Tensor) => Array.from(t.dataSync());
const rng = makeRng(20240605);
const uniform = (n: number, lo: number, hi: number) => Array.from({ length: n }, () => lo + (hi - lo) * rng());

// Round trips lose a few ulps per op; log-dets from autodiff agree to rounding; finite
// differences (step 1e-5, error ~h²·f''' + ε/h ~ 1e-10 per entry) move a log-det of a
// well-conditioned Jacobian of order <= 10 by well under 1e-6.
const roundTrip = { rtol: 1e-11, atol: 1e-11 };
const autodiff = { rtol: 1e-10, atol: 1e-10 };
const finite = { rtol: 1e-6, atol: 1e-6 };

/** log |det A| by Gaussian elimination with partial pivoting (an independent JS reference). */
function logAbsDet(a: number[][]): number {
  const m = a.map((row) => row.slice());
  const n = m.length;
  let total = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    total += Math.log(Math.abs(m[c][c]));
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k < n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return total;
}

/** The Jacobian of f: R^n → R^m (flat float64 vectors) at x, one row per output from the pullback. */
function jacobianAD(f: (x: rv.Tensor) => rv.Tensor, x: number[]): number[][] {
  const [out, pullback] = rv.vjp(f, f64(x));
  const { size, shape } = out as rv.Tensor;
  const unit = (i: number) => rv.tensor(Array.from({ length: size }, (_, k) => (k === i ? 1 : 0)), shape, 'float64');
  const rows = Array.from({ length: size }, (_, i) => values(pullback(unit(i))));
  pullback.dispose();
  return rows;
}

/** The Jacobian of f at x by central differences, step 1e-5. */
function jacobianFD(f: (x: rv.Tensor) => rv.Tensor, x: number[]): number[][] {
  const h = 1e-5;
  const columns = x.map((_, j) => {
    const at = (d: number) => values(f(f64(x.map((v, k) => (k === j ? v + d : v)))));
    const plus = at(h);
    const minus = at(-h);
    return plus.map((p, i) => (p - minus[i]) / (2 * h));
  });
  return columns[0].map((_, i) => columns.map((c) => c[i]));
}

/**
 * Checks a bijector on one event x (flat values of event shape `shape`): the round trips, and
 * its forward log-det Jacobian against log |det J| of x ↦ free(forward(x)) from autodiff and from
 * finite differences, where `free` picks the output's free coordinates (the square-up of maps
 * onto simplices and triangles). The inverse log-det must be minus the forward one at y.
 */
function checkBijector(b: Bijector, x: number[], shape: number[], free: (y: rv.Tensor) => rv.Tensor = (y) => y, what = b.name): void {
  rv.tidy(() => {
    const xt = rv.tensor(x, shape, 'float64');
    const y = b.forward(xt);
    assert.deepEqual([...y.shape], [...b.forwardEventShape(shape)], `${what}: forward shape`);
    assert.equal(y.dtype, 'float64', `${what}: dtype`);
    assertClose(values(b.inverse(y)), x, roundTrip, `${what}: inverse(forward(x))`);
    assertClose(values(b.forward(b.inverse(y))), values(y), roundTrip, `${what}: forward(inverse(y))`);

    // The whole of x is one event: sum over all its dims.
    const ldj = b.forwardLogDetJacobian(xt, shape.length).dataSync()[0];
    const flat = (v: rv.Tensor) => rv.reshape(free(b.forward(rv.reshape(v, shape))), [-1]);
    assertClose([ldj], [logAbsDet(jacobianAD(flat, x))], autodiff, `${what}: log-det vs autodiff`);
    assertClose([ldj], [logAbsDet(jacobianFD(flat, x))], finite, `${what}: log-det vs finite differences`);
    assertClose([b.inverseLogDetJacobian(y, y.rank).dataSync()[0]], [-ldj], roundTrip, `${what}: inverse log-det`);
  });
}

/** Lower triangle of matrices [n, n] (strictly below the diagonal with `strict`), row by row. */
function lowerOf(strict: boolean): (y: rv.Tensor) => rv.Tensor {
  return (y) => {
    const n = y.shape[y.rank - 1];
    const picks: number[] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < (strict ? i : i + 1); j++) picks.push(i * n + j);
    return rv.gather(rv.reshape(y, [n * n]), rv.tensor(picks, [picks.length], 'int32'));
  };
}
const firstEntries = (y: rv.Tensor) => rv.slice(y, [0], [y.shape[0] - 1]);

describe('bijectors: elementwise', () => {
  const positive = () => uniform(6, 0.2, 3);
  const real = () => uniform(6, -3, 3);
  const cases: [Bijector, () => number[]][] = [
    [new B.Identity(), real],
    [new B.Shift({ shift: [1, -2, 0.5] }), real],
    [new B.Scale({ scale: [2, -0.5, 3] }), real],
    [new B.AffineScalar({ shift: 1.5, scale: [-2, 0.25, 1] }), real],
    [new B.Exp(), real],
    [new B.Log(), positive],
    [new B.Softplus(), real],
    [new B.Softplus({ hingeSoftness: 0.3 }), real],
    [new B.Sigmoid(), real],
    [new B.Sigmoid({ low: -1, high: [2, 3, 4] }), real],
    [new B.Tanh(), real],
    [new B.Power({ power: 2.5 }), positive],
    [new B.Power({ power: -0.5 }), positive],
  ];

  for (const [b, sample] of cases) {
    it(`${b.name}${JSON.stringify((b as unknown as Record<string, unknown>).scale ?? (b as unknown as Record<string, unknown>).power ?? '')}: round trips and log |dy/dx| from rv.grad`, () => {
      rv.tidy(() => {
        const x = f64(sample(), [2, 3]);
        const y = b.forward(x);
        assert.deepEqual([...y.shape], [2, 3]);
        assert.equal(y.dtype, 'float64');
        assertClose(values(b.inverse(y)), values(x), roundTrip, 'inverse(forward(x))');
        assertClose(values(b.forward(b.inverse(y))), values(y), roundTrip, 'forward(inverse(y))');
        // Elementwise: the Jacobian is diagonal, its entries the gradient of Σ forward(x).
        const dydx = rv.grad((v: rv.Tensor) => rv.sum(b.forward(v)))(x) as rv.Tensor;
        const ldj = b.forwardLogDetJacobian(x);
        assert.deepEqual([...ldj.shape], [2, 3]);
        assertClose(values(ldj), values(dydx).map((g) => Math.log(Math.abs(g))), autodiff, 'forward log-det');
        const dxdy = rv.grad((v: rv.Tensor) => rv.sum(b.inverse(v)))(y) as rv.Tensor;
        assertClose(values(b.inverseLogDetJacobian(y)), values(dxdy).map((g) => Math.log(Math.abs(g))), autodiff, 'inverse log-det');
        // Summed over an event dim when asked.
        assertClose(values(b.forwardLogDetJacobian(x, 1)), [0, 1].map((r) => values(ldj).slice(3 * r, 3 * r + 3).reduce((a, c) => a + c, 0)), roundTrip, 'eventNdims 1');
      });
    });
  }

  it('closed forms at known points', () => {
    assertClose(values(new B.Exp().forward(f64([0, 1]))), [1, Math.E], roundTrip);
    assertClose(values(new B.Softplus().forward(f64([0]))), [Math.LN2], roundTrip);
    assertClose(values(new B.Sigmoid({ low: -1, high: 3 }).inverse(f64([1]))), [0], roundTrip);
    assertClose(values(new B.Power({ power: 2 }).forward(f64([3]))), [9], roundTrip);
    assertClose(values(new B.AffineScalar({ shift: 1, scale: 2 }).forward(f64([0, 1]))), [1, 3], roundTrip);
    // Far in the tails the log-dets stay finite (the stable forms).
    assertClose(values(new B.Tanh().forwardLogDetJacobian(f64([40]))), [2 * (Math.LN2 - 40)], roundTrip);
    assertClose(values(new B.Sigmoid().forwardLogDetJacobian(f64([-800]))), [-800], roundTrip);
    assertClose(values(new B.Softplus().inverse(f64([1e-12]))), [Math.log(1e-12)], { rtol: 1e-10, atol: 0 });
    assertClose(values(new B.Softplus().inverse(f64([800]))), [800], roundTrip);
  });

  it('outputs keep the input dtype, float32 included', () => {
    const y = new B.Scale({ scale: rv.tensor([2], [1], 'float64') }).forward(rv.tensor([1, 2], [2], 'float32'));
    assert.equal(y.dtype, 'float32');
    const z = new B.Shift({ shift: 0.1 }).forward(f64([0]));
    assert.equal(z.dataSync()[0], 0.1, 'JS parameters are made in the input dtype');
  });

  it('parameters get gradients (Sigmoid low/high, Scale)', () => {
    const x = f64([-0.3, 0.8, 2]);
    checkGradient((low, high) => rv.sum(rv.add(new B.Sigmoid({ low, high }).forward(x), new B.Sigmoid({ low, high }).forwardLogDetJacobian(x))), [f64([-1]), f64([2.5])]);
    checkGradient((scale) => rv.sum(new B.Scale({ scale }).forwardLogDetJacobian(x)), [f64([1.5, -2, 0.7])]);
  });

  it('validateArgs checks parameters, naming the bijector and parameter', () => {
    assertThrowsNamed(() => new B.Scale({ scale: [1, 0], validateArgs: true }), 'Scale', 'scale');
    assertThrowsNamed(() => new B.AffineScalar({ scale: 0, validateArgs: true }), 'AffineScalar', 'scale');
    assertThrowsNamed(() => new B.Power({ power: 0, validateArgs: true }), 'Power', 'power');
    assertThrowsNamed(() => new B.Softplus({ hingeSoftness: 0, validateArgs: true }), 'Softplus', 'hingeSoftness');
    assertThrowsNamed(() => new B.Sigmoid({ low: 2, high: 1, validateArgs: true }), 'Sigmoid', 'low must be below high');
    assertThrowsNamed(() => new B.Sigmoid({ low: 2 }), 'Sigmoid', 'both low and high');
    assertThrowsNamed(() => new B.ScaleTriL({ scaleTril: [[1, 0], [1, 0]], validateArgs: true }), 'ScaleTriL', 'scaleTril');
    // Off by default, as in TFP.
    new B.Scale({ scale: 0 });
  });
});

describe('bijectors: vectors and matrices', () => {
  it('ScaleTriL: L·x, triangular solve back, log-det Σ log |L_ii|; batches broadcast', () => {
    const scaleTril = [[2, 0, 0], [0.5, -1.5, 0], [1, 2, 0.7]];
    const b = new B.ScaleTriL({ scaleTril: rv.tensor(scaleTril, undefined, 'float64') });
    checkBijector(b, [0.3, -1.2, 2], [3]);
    const y = b.forward(f64([1, 0, 0, 0, 1, 1], [2, 3]));
    assertClose(values(y), [2, 0.5, 1, 0, -1.5, 2.7], roundTrip, 'matvec');
    assertClose(values(b.forwardLogDetJacobian(f64([1, 0, 0, 0, 1, 1], [2, 3]))), Array(2).fill(Math.log(2 * 1.5 * 0.7)), roundTrip);
    // The upper triangle is not read.
    assertClose(values(new B.ScaleTriL({ scaleTril: [[1, 5], [0, 1]] }).forward(f64([1, 1]))), [1, 1], roundTrip, 'upper ignored');
    const batched = new B.ScaleTriL({ scaleTril: rv.tensor([[[1, 0], [0, 1]], [[2, 0], [1, 3]]], undefined, 'float64') });
    assert.deepEqual([...batched.forward(f64([1, 1])).shape], [2, 2]);
    assertClose(values(batched.forwardLogDetJacobian(f64([1, 1]))), [0, Math.log(6)], roundTrip, 'batched log-det');
  });

  it('SoftmaxCentered: onto the simplex, log-det Σ log y over all k (first k−1 coordinates)', () => {
    const b = new B.SoftmaxCentered();
    const x = [0.4, -1.1, 2.3];
    checkBijector(b, x, [3], firstEntries);
    // Independent closed form: y = exp([x, 0]) / Σ exp([x, 0]).
    const e = [...x, 0].map(Math.exp);
    const total = e.reduce((a, c) => a + c, 0);
    const y = e.map((v) => v / total);
    assertClose(values(b.forward(f64(x))), y, roundTrip, 'closed form');
    assertClose(values(b.forwardLogDetJacobian(f64(x))), [y.reduce((a, v) => a + Math.log(v), 0)], roundTrip, 'Σ log y');
    assert.deepEqual(b.forwardEventShape([2, 3]), [2, 4]);
    assert.deepEqual(b.inverseEventShape([4]), [3]);
  });

  it('StickBreaking: Stan’s stick-breaking onto the simplex; x = 0 is uniform', () => {
    const b = new B.StickBreaking();
    checkBijector(b, [0.4, -1.1, 2.3, 0.2], [4], firstEntries);
    assertClose(values(b.forward(f64([0, 0, 0]))), [0.25, 0.25, 0.25, 0.25], roundTrip, 'uniform');
    // Independent closed form: z_i = σ(x_i − log(k−1−i)), y_i = z_i Π_{j<i}(1 − z_j).
    const x = [0.7, -0.3];
    const z = x.map((v, i) => 1 / (1 + Math.exp(-(v - Math.log(2 - i)))));
    const y = [z[0], z[1] * (1 - z[0]), (1 - z[0]) * (1 - z[1])];
    assertClose(values(b.forward(f64(x))), y, roundTrip, 'closed form');
    assertClose(values(b.forwardLogDetJacobian(f64(x))), [y.reduce((a, v) => a + Math.log(v), 0)], roundTrip, 'Σ log y');
    // Batches, and sums to one.
    const yb = b.forward(f64(uniform(12, -4, 4), [3, 4]));
    assert.deepEqual([...yb.shape], [3, 5]);
    assertClose(values(rv.sum(yb, -1)), [1, 1, 1], roundTrip, 'sums');
    assert.deepEqual([...b.forwardLogDetJacobian(f64(uniform(12, -4, 4), [3, 4])).shape], [3]);
  });

  it('FillTriangular: row-major fill, log-det 0', () => {
    const b = new B.FillTriangular();
    assert.deepEqual(b.forward(f64([1, 2, 3, 4, 5, 6])).arraySync(), [[1, 0, 0], [2, 3, 0], [4, 5, 6]]);
    checkBijector(b, uniform(6, -2, 2), [6], lowerOf(false));
    assert.deepEqual(b.forwardEventShape([5, 10]), [5, 4, 4]);
    assert.deepEqual(b.inverseEventShape([4, 4]), [10]);
    assert.equal(b.forwardMinEventNdims, 1);
    assert.equal(b.inverseMinEventNdims, 2);
    assertThrowsNamed(() => b.forward(f64([1, 2])), 'FillTriangular', 'length 2');
    assert.deepEqual([...b.forward(f64(uniform(12, -1, 1), [4, 3])).shape], [4, 2, 2]);
  });

  it('CorrelationCholesky: unit rows, positive diagonal, log-det Σ (i+2) log y_ii', () => {
    const b = new B.CorrelationCholesky();
    const x = [0.5, -1.2, 0.8, 2, -0.3, 0.1];
    checkBijector(b, x, [6], lowerOf(true));
    const y = b.forward(f64(x));
    assert.deepEqual([...y.shape], [4, 4]);
    assertClose(values(rv.sum(rv.square(y), -1)), [1, 1, 1, 1], roundTrip, 'unit rows');
    assert.ok(values(rv.matrixDiagPart(y)).every((d) => d > 0), 'positive diagonal');
    assert.ok(rv.distributions.constraints.correlationCholesky.check(y).dataSync()[0] === 1, 'in the support');
    assertClose(values(new B.CorrelationCholesky().forward(f64([1]))), [1, 0, Math.SQRT1_2, Math.SQRT1_2], roundTrip, 'n = 2');
    assert.deepEqual(b.forwardEventShape([3]), [3, 3]);
    assert.deepEqual(b.inverseEventShape([2, 3, 3]), [2, 3]);
  });

  it('TransformDiagonal and CholeskyOuterProduct (the positive-definite default)', () => {
    const lower = [1.3, 0.4, 0.8, -0.5, 1.1, 2];
    const tril = rv.tensor([[1.3, 0, 0], [0.4, 0.8, 0], [-0.5, 1.1, 2]], undefined, 'float64');
    const outer = new B.CholeskyOuterProduct();
    // Over the lower triangles: L's free entries to A's.
    const viaVector = new B.Chain([outer, new B.FillTriangular()]);
    checkBijector(viaVector, lower, [6], lowerOf(false), 'CholeskyOuterProduct');
    assertClose(values(outer.forwardLogDetJacobian(tril)), [3 * Math.LN2 + 3 * Math.log(1.3) + 2 * Math.log(0.8) + Math.log(2)], roundTrip, 'closed form');
    const diag = new B.Chain([new B.TransformDiagonal(new B.Exp()), new B.FillTriangular()]);
    checkBijector(diag, [0.3, 0.4, -0.8, -0.5, 1.1, 0.2], [6], lowerOf(false), 'TransformDiagonal(Exp)');
  });

  it('Reshape: event shapes with −1, batch dims kept, log-det 0', () => {
    const b = new B.Reshape({ eventShapeOut: [2, -1], eventShapeIn: [6] });
    const y = b.forward(f64(uniform(12, -1, 1), [2, 6]));
    assert.deepEqual([...y.shape], [2, 2, 3]);
    assert.deepEqual([...b.inverse(y).shape], [2, 6]);
    assert.deepEqual(b.forwardEventShape([6]), [2, 3]);
    assert.deepEqual(b.inverseEventShape([4, 2, 3]), [4, 6]);
    assert.deepEqual([...b.forwardLogDetJacobian(f64(uniform(12, -1, 1), [2, 6])).shape], [2]);
    assert.equal(b.forwardMinEventNdims, 1);
    assert.equal(b.inverseMinEventNdims, 2);
    checkBijector(new B.Reshape({ eventShapeOut: [2, 2] }), uniform(4, -1, 1), [4], (t) => t);
    assertThrowsNamed(() => b.forward(f64(uniform(5, -1, 1))), 'Reshape', 'does not end in');
    assertThrowsNamed(() => new B.Reshape({ eventShapeOut: [4, 2] }).forward(f64(uniform(6, -1, 1))), 'Reshape', 'cannot be reshaped');
  });
});

describe('bijectors: Chain and Invert', () => {
  it('Chain applies the last bijector first; log-dets add up', () => {
    const b = new B.Chain([new B.Shift({ shift: 1 }), new B.Scale({ scale: 2 }), new B.Exp()]);
    const x = f64([-0.5, 0.3]);
    assertClose(values(b.forward(x)), [-0.5, 0.3].map((v) => 2 * Math.exp(v) + 1), roundTrip, 'y = 2 exp(x) + 1');
    assertClose(values(b.forwardLogDetJacobian(x)), [-0.5, 0.3].map((v) => Math.LN2 + v), roundTrip, 'log 2 + x');
    assertClose(values(b.inverse(b.forward(x))), values(x), roundTrip);
    assertClose(values(b.inverseLogDetJacobian(b.forward(x))), [-0.5, 0.3].map((v) => -Math.LN2 - v), roundTrip);
    assert.equal(b.isConstantJacobian, false);
    assert.equal(new B.Chain([new B.Shift({ shift: 1 }), new B.Scale({ scale: 2 })]).isConstantJacobian, true);
  });

  it('Chain tracks event ranks through maps between vectors and matrices', () => {
    const b = new B.Chain([new B.CholeskyOuterProduct(), new B.TransformDiagonal(new B.Exp()), new B.FillTriangular()]);
    assert.equal(b.forwardMinEventNdims, 1);
    assert.equal(b.inverseMinEventNdims, 2);
    assert.deepEqual(b.forwardEventShape([2, 6]), [2, 3, 3]);
    assert.deepEqual(b.inverseEventShape([3, 3]), [6]);
    // An elementwise map after a vector map: the chain acts on vectors, log-dets summed over them.
    const tril = rv.tensor([[1.5, 0], [-0.4, 0.8]], undefined, 'float64');
    const c = new B.Chain([new B.Exp(), new B.ScaleTriL({ scaleTril: tril })]);
    assert.equal(c.forwardMinEventNdims, 1);
    const x = f64([0.2, -0.4, 0.1, 0.3], [2, 2]);
    const y = new B.ScaleTriL({ scaleTril: tril }).forward(x);
    assertClose(values(c.forwardLogDetJacobian(x)), values(rv.sum(y, -1)).map((v) => v + Math.log(1.5 * 0.8)), roundTrip, 'log-dets over the vector');
    checkBijector(c, [0.2, -0.4], [2], (t) => t, 'Chain(Exp, ScaleTriL)');
    // An elementwise map before a vector map lifts to the vector's rank.
    const lifted = new B.Chain([new B.SoftmaxCentered(), new B.Scale({ scale: [2, -3] })]);
    assert.equal(lifted.forwardMinEventNdims, 1);
    assertClose(values(lifted.forwardLogDetJacobian(x)),
      values(new B.SoftmaxCentered().forwardLogDetJacobian(rv.mul(x, f64([2, -3])))).map((v) => v + Math.log(6)), roundTrip, 'lifted log-det');
    checkBijector(lifted, [0.2, -0.4], [2], firstEntries, 'Chain(SoftmaxCentered, Scale)');
    // Extra event dims are summed.
    assert.deepEqual([...c.forwardLogDetJacobian(x, 2).shape], []);
    assert.deepEqual([...new B.Chain([]).forward(x).shape], [2, 2]);
    assert.deepEqual([...new B.Chain([]).forwardLogDetJacobian(x).shape], [2, 2]);
  });

  it('Invert swaps directions, log-dets and event shapes', () => {
    const b = new B.Invert(new B.Exp());
    assertClose(values(b.forward(f64([1, Math.E]))), [0, 1], roundTrip);
    assertClose(values(b.forwardLogDetJacobian(f64([2]))), [-Math.log(2)], roundTrip);
    checkBijector(b, [0.5, 2], [2]);
    const fill = new B.Invert(new B.FillTriangular());
    assert.equal(fill.forwardMinEventNdims, 2);
    assert.equal(fill.inverseMinEventNdims, 1);
    assert.deepEqual(fill.forwardEventShape([3, 3]), [6]);
    const sb = new B.Invert(new B.StickBreaking());
    assert.deepEqual(sb.forwardEventShape([4]), [3]);
  });
});

describe('bijectors: autoregressive flows', () => {
  const d = 4;
  const kernels = [0, 1, 2].map((s) => rv.randomNormal([d, d], 0, 0.6, 'float64', 100 + s));
  // A two-layer masked network: exclusive mask first, inclusive after, tanh between.
  const net = (y: rv.Tensor): [rv.Tensor, rv.Tensor] => {
    const hidden = rv.tanh(B.maskedDense(y, kernels[0], f64([0.1, -0.2, 0.3, 0])));
    return [B.maskedDense(hidden, kernels[1], undefined, false), rv.mul(rv.tanh(B.maskedDense(hidden, kernels[2], undefined, false)), 0.8)];
  };

  it('maskedDense is autoregressive: output i depends only on inputs before i', () => {
    const jac = jacobianAD((x) => net(x)[1], [0.3, -0.7, 1.1, 0.2]);
    jac.forEach((row, i) => row.forEach((v, j) => {
      if (j >= i) assert.equal(v, 0, `∂out_${i}/∂x_${j}`);
    }));
    assert.ok(jac[3][0] !== 0 && jac[2][1] !== 0, 'earlier inputs do feed later outputs');
  });

  it('MaskedAutoregressiveFlow: forward (d passes) and inverse (one pass) agree; log-det vs autodiff', () => {
    let calls = 0;
    const maf = new B.MaskedAutoregressiveFlow({ shiftAndLogScaleFn: (y) => { calls++; return net(y); } });
    checkBijector(maf, [0.3, -0.7, 1.1, 0.2], [4]);
    calls = 0;
    const x = f64(uniform(3 * d, -2, 2), [3, d]);
    const y = maf.forward(x);
    assert.equal(calls, d, 'forward: one pass per entry');
    calls = 0;
    assertClose(values(maf.inverse(y)), values(x), roundTrip, 'batched round trip');
    assert.equal(calls, 1, 'inverse: one pass');
    calls = 0;
    const ildj = maf.inverseLogDetJacobian(y);
    assert.equal(calls, 1, 'inverse log-det: one pass');
    assertClose(values(ildj), values(maf.forwardLogDetJacobian(x)).map((v) => -v), roundTrip);
    assert.deepEqual([...ildj.shape], [3]);
    // Volume-preserving with no log-scale.
    const shiftOnly = new B.MaskedAutoregressiveFlow({ shiftAndLogScaleFn: (v) => [net(v)[0], null] });
    checkBijector(shiftOnly, [0.3, -0.7, 1.1, 0.2], [4], (t) => t, 'shift-only MAF');
    assertClose(values(shiftOnly.forwardLogDetJacobian(x)), [0, 0, 0], roundTrip);
  });

  it('InverseAutoregressiveFlow = Invert(MAF): forward is the one-pass direction', () => {
    let calls = 0;
    const options = { shiftAndLogScaleFn: (v: rv.Tensor) => { calls++; return net(v); } };
    const iaf = new B.InverseAutoregressiveFlow(options);
    const maf = new B.MaskedAutoregressiveFlow(options);
    const x = f64(uniform(d, -2, 2));
    calls = 0;
    const y = iaf.forward(x);
    assert.equal(calls, 1, 'IAF forward: one pass');
    assertClose(values(y), values(maf.inverse(x)), roundTrip, 'IAF forward = MAF inverse');
    checkBijector(iaf, values(x), [d]);
    assert.equal(iaf.name, 'InverseAutoregressiveFlow');
  });

  it('gradients reach the network weights (log-det of the inverse, as in density fitting)', () => {
    const y = f64([0.3, -0.7, 1.1, 0.2]);
    checkGradient((k) => {
      const maf = new B.MaskedAutoregressiveFlow({ shiftAndLogScaleFn: (v) => [B.maskedDense(v, k), rv.tanh(B.maskedDense(v, k, undefined, true))] });
      return rv.add(rv.sum(maf.inverse(y)), maf.inverseLogDetJacobian(y));
    }, [kernels[0]]);
  });
});

describe('bijectors: default bijectors of constraints', () => {
  const c = rv.distributions.constraints;

  const cases: [string, rv.distributions.constraints.Constraint, number[], number[], (y: rv.Tensor) => rv.Tensor][] = [
    ['real', c.real, [4], [4], (y) => y],
    ['realVector', c.realVector, [4], [4], (y) => y],
    ['positive', c.positive, [4], [4], (y) => y],
    ['greaterThan(2)', c.greaterThan(2), [4], [4], (y) => y],
    ['nonNegative', c.nonNegative, [4], [4], (y) => y],
    ['unitInterval', c.unitInterval, [4], [4], (y) => y],
    ['interval(-1, 3)', c.interval(-1, 3), [4], [4], (y) => y],
    ['simplex', c.simplex, [3], [4], firstEntries],
    ['lowerCholesky', c.lowerCholesky, [6], [3, 3], lowerOf(false)],
    ['correlationCholesky', c.correlationCholesky, [3], [3, 3], lowerOf(true)],
    ['positiveDefinite', c.positiveDefinite, [6], [3, 3], lowerOf(false)],
  ];

  for (const [name, constraint, inShape, outShape, free] of cases) {
    it(`${name}: unconstrained reals onto the support`, () => {
      const b = constraint.bijector();
      const x = uniform(inShape.reduce((a, v) => a * v, 1), -2, 2);
      const y = b.forward(f64(x, inShape));
      assert.deepEqual([...y.shape], outShape);
      assert.deepEqual(b.forwardEventShape(inShape), outShape);
      assert.deepEqual(b.inverseEventShape(outShape), inShape);
      assert.ok(values(constraint.check(y)).every((v) => v === 1), `${name}: forward(x) lies in the support`);
      checkBijector(b, x, inShape, free, name);
    });
  }

  it('positive uses Exp; greaterThan shifts it', () => {
    assert.ok(c.positive.bijector() instanceof B.Exp);
    assertClose(values(c.greaterThan(2).bijector().forward(f64([0, 1]))), [3, 2 + Math.E], roundTrip);
    assertClose(values(c.interval(-1, 3).bijector().forward(f64([0]))), [1], roundTrip);
  });

  it('discrete supports have none', () => {
    assertThrowsNamed(() => c.nonNegativeInteger.bijector(), 'no bijector for a discrete support');
    assertThrowsNamed(() => c.binary.bijector(), 'no bijector for a discrete support');
    assertThrowsNamed(() => c.integerInterval(0, 5).bijector(), 'no bijector for a discrete support');
    assertThrowsNamed(() => c.oneHot.bijector(), 'no bijector for a discrete support');
    assertThrowsNamed(() => c.countVector(rv.tensor(3)).bijector(), 'no bijector for a discrete support');
  });
});

describe('bijectors: under vmap (one chain written, many run)', () => {
  const cases: [Bijector, number][] = [
    [new B.StickBreaking(), 3],
    [new B.SoftmaxCentered(), 3],
    [new B.CorrelationCholesky(), 3],
    [rv.distributions.constraints.positiveDefinite.bijector(), 6],
    [new B.ScaleTriL({ scaleTril: rv.tensor([[1.5, 0], [-0.4, 0.8]], undefined, 'float64') }), 2],
    [new B.Sigmoid({ low: -1, high: 2 }), 2],
  ];
  for (const [b, n] of cases) {
    it(`${b.name}: vmap of forward and its log-det equals stacking`, () => {
      const x = f64(uniform(4 * n, -1.5, 1.5), [4, n]);
      checkVmap((v) => b.forward(v), [x], [0], { what: `${b.name} forward` });
      checkVmap((v) => b.forwardLogDetJacobian(v, 1), [x], [0], { what: `${b.name} log-det` });
      checkVmap((v) => b.forwardLogDetJacobian(v, 1), [rv.transpose(x)], [1], { what: `${b.name} log-det, batch axis last` });
    });
  }
});

