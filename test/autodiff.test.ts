/**
 * The transformations themselves: grad/valueAndGrad/vjp (argument structures, higher order,
 * stopGradient, memory) and vmap (axes, nesting, composition with grad, native-call count).
 * Per-op gradient and batching rules are tested in the autodiff-<area> files.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { assertClose, makeRng, nativeCalls, randomData } from './helpers';
import { checkGradient, checkVmap, finiteDifferences } from './transform-helpers';

const f64 = (values: number[], shape?: number[]) => rv.tensor(values, shape ?? [values.length], 'float64');
const exact = { rtol: 0, atol: 0 };
const tight = { rtol: 1e-13, atol: 1e-13 };

function arrays(value: unknown): unknown {
  if (value instanceof rv.Tensor) return value.arraySync();
  if (Array.isArray(value)) return value.map(arrays);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, arrays(v)]));
  return value;
}

describe('grad: what it differentiates and the shape of the answer', () => {
  const x = f64([1, 2, 3]);
  const y = f64([0.5, -1, 2]);

  it('one argument gives its gradient; several give an array, one entry per argument', () => {
    const g = rv.grad((a: rv.Tensor) => rv.sum(rv.mul(a, a)))(x);
    assert.ok(g instanceof rv.Tensor);
    assert.deepEqual(g.arraySync(), [2, 4, 6]);
    const [ga, gb] = rv.grad((a: rv.Tensor, b: rv.Tensor) => rv.sum(rv.mul(a, b)))(x, y);
    assert.deepEqual(ga.arraySync(), [0.5, -1, 2]);
    assert.deepEqual(gb.arraySync(), [1, 2, 3]);
  });

  it('nested arrays and objects of tensors get gradients of the same structure; other leaves get null', () => {
    const f = (p: { w: rv.Tensor; layers: [rv.Tensor, rv.Tensor]; name: string }, scale: number) =>
      rv.sum(rv.mul(rv.mul(p.w, p.layers[0]), p.layers[1])).mul(scale);
    const g = rv.grad(f)({ w: x, layers: [y, x], name: 'model' }, 2);
    // d/dw = 2·y·x, d/dy = 2·w·x, d/dx (second layer) = 2·w·y, with w = x.
    assert.deepEqual(arrays(g), [{ w: [1, -4, 12], layers: [[2, 8, 18], [1, -4, 12]], name: null }, null]);
  });

  it('argnums picks the arguments; the others get null', () => {
    const f = (a: rv.Tensor, b: rv.Tensor) => rv.sum(rv.mul(a, rv.exp(b)));
    const [ga, gb] = rv.grad(f, { argnums: 1 })(x, y);
    assert.equal(ga, null);
    assertClose(gb.dataSync(), [1, 2, 3].map((v, i) => v * Math.exp([0.5, -1, 2][i])), { rtol: 1e-15, atol: 0 });
    assert.throws(() => rv.grad(f, { argnums: 2 })(x, y), /grad|valueAndGrad.*argnums entry 2/);
  });

  it('a tensor the function does not use, and an int32 tensor, get zeros of their shape and dtype', () => {
    const n = rv.tensor([1, 2], [2], 'int32');
    const [ga, gb, gn] = rv.grad((a: rv.Tensor, _b: rv.Tensor, k: rv.Tensor) => rv.sum(rv.mul(a, rv.cast(k, 'float64').sum())))(x, y, n);
    assert.deepEqual(ga.arraySync(), [3, 3, 3]);
    assert.deepEqual([gb.arraySync(), gb.dtype], [[0, 0, 0], 'float64']);
    assert.deepEqual([gn.arraySync(), gn.dtype], [[0, 0], 'int32']);
  });

  it('a tensor passed twice gets a separate gradient in each place', () => {
    const [ga, gb] = rv.grad((a: rv.Tensor, b: rv.Tensor) => rv.sum(rv.mul(a, rv.mul(b, b))))(x, x);
    assert.deepEqual(ga.arraySync(), [1, 4, 9]);
    assert.deepEqual(gb.arraySync(), [2, 8, 18]);
  });

  it('valueAndGrad returns the value; hasAux passes aux through', () => {
    const { value, grad } = rv.valueAndGrad((a: rv.Tensor) => rv.sum(rv.square(a)))(x);
    assert.equal(value.arraySync(), 14);
    assert.deepEqual(grad.arraySync(), [2, 4, 6]);
    const out = rv.valueAndGrad((a: rv.Tensor) => [rv.sum(a), { doubled: a.mul(2) }], { hasAux: true })(x);
    assert.deepEqual(arrays(out), { value: 6, grad: [1, 1, 1], aux: { doubled: [2, 4, 6] } });
  });

  it('stopGradient passes values but not gradients', () => {
    const g = rv.grad((a: rv.Tensor) => rv.sum(rv.mul(a, rv.stopGradient(a))))(x);
    assert.deepEqual(g.arraySync(), [1, 2, 3]);
    assert.deepEqual(rv.stopGradient(x).arraySync(), [1, 2, 3]);
  });

  it('non-differentiable ops (argMax, comparisons, floor) give zero gradient, never NaN', () => {
    const g = rv.grad((a: rv.Tensor) => {
      const picked = rv.cast(rv.argMax(a), 'float64');
      const mask = rv.cast(rv.greater(a, 1.5), 'float64');
      return rv.sum(rv.add(rv.mul(picked, mask), rv.floor(a)));
    })(x);
    assert.deepEqual(g.arraySync(), [0, 0, 0]);
  });

  it('throws clear errors for a non-scalar result, a non-tensor result and a non-function', () => {
    assert.throws(() => rv.grad((a: rv.Tensor) => a.mul(2))(x), /grad|valueAndGrad.*scalar.*shape \[3\].*vjp/);
    assert.throws(() => rv.grad(() => 3 as unknown as rv.Tensor)(x), /must return a scalar Tensor/);
    assert.throws(() => rv.grad(rv.tensor([1]) as unknown as () => rv.Tensor), /f must be a function/);
    assert.throws(() => rv.grad((a: rv.Tensor) => rv.sum(rv.cast(a, 'int32')))(x), /float32 or float64 scalar, got int32/);
  });

  it('an exception inside f closes the tape: later ops are not recorded and nothing stays pinned', () => {
    assert.throws(() => rv.grad((a: rv.Tensor) => {
      a.mul(2);
      throw new Error('inside');
    })(x), /inside/);
    assert.equal(x.pins, 0);
    const t = x.mul(3);
    assert.equal(t.pins, 0);
  });
});

describe('grad: higher order and composites', () => {
  it('grad of grad gives the second derivative (x³ → 6x)', () => {
    const f = (a: rv.Tensor) => rv.sum(rv.mul(rv.mul(a, a), a));
    const d2 = rv.grad((a: rv.Tensor) => rv.sum(rv.grad(f)(a)))(f64([-1, 0.5, 2]));
    assertClose(d2.dataSync(), [-6, 3, 12], { rtol: 1e-15, atol: 0 });
  });

  it('Hessian-vector products match finite differences of the gradient', () => {
    const rng = makeRng(11);
    const n = 5;
    const A = f64(randomData(rng, n * n), [n, n]);
    const f = (a: rv.Tensor) => rv.add(rv.sum(rv.mul(rv.matMul(A, a), rv.sin(a))), rv.logSumExp(a));
    const x0 = randomData(rng, n, 'float64', -1, 1);
    const v = randomData(rng, n, 'float64', -1, 1);
    const hvp = (a: rv.Tensor) => rv.sum(rv.mul(rv.grad(f)(a), f64(v)));
    // d/dx (∇f·v) = H v; its finite differences come from the first derivative alone.
    checkGradient(hvp, [f64(x0)], { what: 'Hessian-vector product', rtol: 1e-6 });
  });

  it('a two-layer MLP loss matches its hand-derived gradient', () => {
    const rng = makeRng(5);
    const [n, d, h] = [6, 3, 4];
    const Xv = randomData(rng, n * d);
    const yv = randomData(rng, n);
    const W1v = randomData(rng, d * h, 'float64', -1, 1);
    const b1v = randomData(rng, h, 'float64', -1, 1);
    const W2v = randomData(rng, h, 'float64', -1, 1);
    const b2v = 0.3;
    const loss = (W1: rv.Tensor, b1: rv.Tensor, W2: rv.Tensor, b2: rv.Tensor) => {
      const hidden = rv.tanh(rv.add(rv.matMul(f64(Xv, [n, d]), W1), b1));
      const out = rv.add(rv.matMul(hidden, W2), b2);
      return rv.mean(rv.square(rv.sub(out, f64(yv))));
    };
    const [gW1, gb1, gW2, gb2] = rv.grad(loss)(f64(W1v, [d, h]), f64(b1v), f64(W2v), f64([b2v], []));
    // Hand-derived in plain JS: dOut = 2(out − y)/n, dW2 = Hᵀ dOut, dPre = dOut W2ᵀ ⊙ (1 − H²), dW1 = Xᵀ dPre.
    const H = Array.from({ length: n }, (_, i) => Array.from({ length: h }, (_, j) =>
      Math.tanh(b1v[j] + Array.from({ length: d }, (_, k) => Xv[i * d + k] * W1v[k * h + j]).reduce((p, q) => p + q))));
    const dOut = H.map((row, i) => (2 * (row.reduce((s, v, j) => s + v * W2v[j], b2v) - yv[i])) / n);
    const dW2 = W2v.map((_, j) => H.reduce((s, row, i) => s + row[j] * dOut[i], 0));
    const dPre = H.map((row, i) => row.map((v, j) => dOut[i] * W2v[j] * (1 - v * v)));
    const dW1 = Array.from({ length: d * h }, (_, q) => dPre.reduce((s, row, i) => s + Xv[i * d + Math.floor(q / h)] * row[q % h], 0));
    const db1 = b1v.map((_, j) => dPre.reduce((s, row) => s + row[j], 0));
    const tol = { rtol: 1e-13, atol: 1e-15 };
    assertClose(gW1.dataSync(), dW1, tol, 'dW1');
    assertClose(gb1.dataSync(), db1, tol, 'db1');
    assertClose(gW2.dataSync(), dW2, tol, 'dW2');
    assertClose(gb2.dataSync(), [dOut.reduce((p, q) => p + q)], tol, 'db2');
  });
});

describe('vjp', () => {
  it('gives the vector–Jacobian product of a non-scalar function, any number of times, until disposed', () => {
    const x = f64([1, 2, 3]);
    const [y, pullback] = rv.vjp((a: rv.Tensor) => rv.mul(a, a), x);
    assert.deepEqual((y as rv.Tensor).arraySync(), [1, 4, 9]);
    assert.deepEqual(pullback(f64([1, 0, 0])).arraySync(), [2, 0, 0]);
    assert.deepEqual(pullback(f64([0, 1, 1])).arraySync(), [0, 4, 6]);
    assert.throws(() => pullback([f64([1]), f64([1])]), /cotangent holds 2 tensors, the result 1/);
    pullback.dispose();
    assert.throws(() => pullback(f64([1, 0, 0])), /disposed/);
    assert.equal(x.pins, 0);
  });

  it('structured results take structured cotangents', () => {
    const [out, pullback] = rv.vjp((a: rv.Tensor, b: rv.Tensor) => ({ s: rv.sum(a), p: rv.mul(a, b) }), f64([1, 2]), f64([3, 4]));
    assert.deepEqual(arrays(out), { s: 3, p: [3, 8] });
    assert.deepEqual(arrays(pullback({ s: f64([1], []), p: f64([1, 1]) })), [[4, 5], [1, 2]]);
    pullback.dispose();
  });
});

describe('grad: memory', () => {
  it('a tensor disposed inside f stays usable for the backward pass and is freed after', () => {
    const x = f64([1, 2]);
    let inner: rv.Tensor | undefined;
    const g = rv.grad((a: rv.Tensor) => {
      inner = rv.exp(a);
      const out = rv.sum(rv.mul(inner, inner));
      inner.dispose();
      return out;
    })(x);
    assertClose(g.dataSync(), [2 * Math.exp(2), 2 * Math.exp(4)], { rtol: 1e-15, atol: 0 });
    assert.ok(inner?.isDisposed);
  });

  it('1e4 valueAndGrad calls of a 20-op function leave native memory and the resident set bounded', () => {
    const rng = makeRng(3);
    const x = f64(randomData(rng, 64), [8, 8]);
    const w = f64(randomData(rng, 8), [8]);
    const f = (a: rv.Tensor, b: rv.Tensor) => {
      let h = rv.matMul(a, b);
      for (let i = 0; i < 4; i++) h = rv.tanh(rv.add(rv.mul(h, 0.9), rv.sin(h)));
      return rv.add(rv.logSumExp(h), rv.mean(rv.square(rv.sub(h, rv.exp(rv.neg(h))))));
    };
    const step = rv.valueAndGrad(f);
    const run = (n: number) => {
      for (let i = 0; i < n; i++) rv.dispose(step(x, w));
    };
    run(500);
    if (global.gc) global.gc();
    const live = rv.memory().liveBytes;
    const rss = process.memoryUsage().rss;
    run(10_000);
    if (global.gc) global.gc();
    assert.equal(rv.memory().liveBytes, live, 'native bytes in use');
    const grown = process.memoryUsage().rss - rss;
    assert.ok(grown < 64 * 2 ** 20, `resident set grew by ${(grown / 2 ** 20).toFixed(1)} MiB`);
  });
});

describe('vmap: axes and structure', () => {
  const rng = makeRng(21);
  const X = f64(randomData(rng, 12), [3, 4]);
  const v = f64(randomData(rng, 4));
  const norm = (a: rv.Tensor) => rv.sqrt(rv.sum(rv.square(a)));

  it('maps axis 0, a middle axis and the last axis, and places the batch axis with outAxes', () => {
    const Y = f64(randomData(rng, 24), [2, 3, 4]);
    const f = (a: rv.Tensor) => rv.mul(a, rv.sum(a));
    checkVmap(f, [Y], [0], { what: 'in 0', ...tight });
    checkVmap(f, [Y], [1], { what: 'in 1', ...tight });
    checkVmap(f, [Y], [-1], { what: 'in -1', ...tight });
    checkVmap(f, [Y], [1], { what: 'in 1, out 1', outAxes: 1, ...tight });
    checkVmap(f, [Y], [2], { what: 'in 2, out -1', outAxes: -1, ...tight });
  });

  it('unmapped (null) arguments are shared; non-tensor arguments pass through', () => {
    const f = (a: rv.Tensor, b: rv.Tensor) => rv.mul(a, b);
    checkVmap(f, [X, v], [0, null], { what: 'b shared', ...exact });
    const scaled = rv.vmap((a: rv.Tensor, k: number) => rv.mul(a, k), { inAxes: [0, null] })(X, 2);
    assertClose(scaled.dataSync(), Array.from(X.dataSync()).map((q) => 2 * q), exact);
  });

  it('inAxes and outAxes follow nested arguments and results', () => {
    const f = (p: { w: rv.Tensor; b: rv.Tensor }) => ({ out: rv.add(rv.mul(p.w, 2), p.b), w: p.w });
    const out = rv.vmap(f, { inAxes: [{ w: 1, b: null }], outAxes: { out: 0, w: -1 } })({ w: X, b: f64([1, 2, 3]) }) as { out: rv.Tensor; w: rv.Tensor };
    assert.deepEqual(out.out.shape, [4, 3]);
    assertClose(out.out.dataSync(), Array.from(rv.add(rv.mul(rv.transpose(X), 2), f64([1, 2, 3])).dataSync()), exact);
    assert.deepEqual(out.w.arraySync(), X.arraySync());
  });

  it('a result that does not depend on the mapped arguments is broadcast, or kept with outAxes null', () => {
    const out = rv.vmap((_a: rv.Tensor) => f64([7, 8]))(X) as rv.Tensor;
    assert.deepEqual(out.arraySync(), [[7, 8], [7, 8], [7, 8]]);
    const kept = rv.vmap((a: rv.Tensor) => [norm(a), f64([7, 8])], { outAxes: [0, null] })(X) as rv.Tensor[];
    assert.deepEqual(kept[1].arraySync(), [7, 8]);
  });

  it('throws clear errors: sizes that differ, nothing mapped, values read inside, a tensor kept from inside', () => {
    assert.throws(() => rv.vmap((a: rv.Tensor, b: rv.Tensor) => rv.add(a, b))(X, f64([1, 2])), /mapped axes differ in size: argument 0 .* has 3, argument 1 .* has 2/);
    assert.throws(() => rv.vmap((a: rv.Tensor) => a, { inAxes: null })(X), /no argument has a mapped axis/);
    assert.throws(() => rv.vmap((a: rv.Tensor) => a, { inAxes: 2 })(X), /axis 2 is out of range for argument 0 of shape \[3,4\]/);
    assert.throws(() => rv.vmap((a: rv.Tensor) => (a.dataSync(), a))(X), /inside vmap .* cannot be read/);
    let kept: rv.Tensor | undefined;
    rv.vmap((a: rv.Tensor) => {
      kept = rv.keep(rv.exp(a));
      return a;
    })(X);
    assert.throws(() => rv.vmap((a: rv.Tensor) => rv.add(a, kept as rv.Tensor))(X), /vmap that has returned|cannot be read/);
  });

  it('nested vmap maps two axes', () => {
    const Y = f64(randomData(rng, 24), [2, 3, 4]);
    const inner = rv.vmap((a: rv.Tensor) => rv.mul(a, rv.sum(a)), { inAxes: 1 });
    const both = rv.vmap(inner) as (y: rv.Tensor) => rv.Tensor;
    const out = both(Y);
    const expected = Y.unstack(0).map((m) => rv.stack(m.unstack(1).map((c) => rv.mul(c, rv.sum(c))), 0));
    assertClose(out.dataSync(), Array.from(rv.stack(expected).dataSync()), tight);
  });

  it('makes as many native calls as one member would, for an elementwise-reduction-matMul function', () => {
    const W = f64(randomData(rng, 20), [5, 4]);
    const f = (w: rv.Tensor) => rv.sum(rv.log(rv.sigmoid(rv.matMul(X, w))));
    const one = nativeCalls(() => rv.tidy(() => f(v)));
    const batched = rv.vmap(f);
    const many = nativeCalls(() => rv.tidy(() => batched(W)));
    // vmap itself adds one view of each mapped argument.
    assert.equal(many, one + 1);
  });
});

describe('vmap and grad compose', () => {
  const rng = makeRng(31);
  const X = f64(randomData(rng, 15), [5, 3]);
  const w = f64(randomData(rng, 3));
  const loss = (weights: rv.Tensor, x: rv.Tensor) => rv.square(rv.sub(rv.sum(rv.mul(weights, x)), 1));

  it('vmap(grad(f)) gives per-example gradients, equal to a loop of grads', () => {
    const perExample = rv.vmap(rv.grad(loss, { argnums: 0 }), { inAxes: [null, 0] })(w, X) as rv.Tensor[];
    const loop = X.unstack().map((x) => rv.grad(loss, { argnums: 0 })(w, x)[0]);
    assertClose(perExample[0].dataSync(), Array.from(rv.stack(loop).dataSync()), tight);
  });

  it('grad of a vmapped sum equals the sum of the per-example gradients', () => {
    const total = (weights: rv.Tensor) => rv.sum(rv.vmap(loss, { inAxes: [null, 0] })(weights, X) as rv.Tensor);
    const g = rv.grad(total)(w);
    const loop = X.unstack().map((x) => rv.grad(loss, { argnums: 0 })(w, x)[0]);
    assertClose(g.dataSync(), Array.from(rv.sum(rv.stack(loop), 0).dataSync()), tight);
  });

  it('vmap of a second derivative matches finite differences per member', () => {
    const f = (a: rv.Tensor) => rv.sum(rv.mul(rv.exp(a), rv.sin(a)));
    const d2 = rv.vmap(rv.grad((a: rv.Tensor) => rv.sum(rv.grad(f)(a))));
    const out = d2(X) as rv.Tensor;
    const fd = X.unstack().map((row) => finiteDifferences((a) => rv.sum(rv.grad(f)(a)), [row])[0]);
    assertClose(out.dataSync(), fd.flat(), { rtol: 1e-6, atol: 1e-8 });
  });
});

describe('the op table', () => {
  it('every op declares a gradient rule (or none), and every op with inputs or random draws a batching rule', () => {
    const missing: string[] = [];
    for (const [name, op] of rv.opTable) {
      if (op.gradient === undefined) missing.push(`${name}: gradient`);
      const hasInputs = op.inputs.length > 0 || op.variadicInputs !== undefined;
      if (op.batch === undefined && (hasInputs || op.random === true)) missing.push(`${name}: batch`);
    }
    assert.deepEqual(missing, []);
  });
});
