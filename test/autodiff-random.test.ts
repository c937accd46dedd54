/**
 * Random ops under the transformations: vmap draws the whole batch in one call (member k is
 * slice k of the unbatched draw of shape [size, ...shape] with the same seed and member k's
 * parameters), the location-scale samplers and the exponential are reparameterised, the other
 * samplers give no gradient; creation ops inside vmap.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { makeRng, nonContiguous } from './helpers';
import { checkGradient, checkVmap, member, weightedSum } from './transform-helpers';

const f64 = (values: number | number[] | number[][], shape?: number[]) => rv.tensor(values, shape, 'float64');
const values = (t: rv.Tensor) => Array.from(t.dataSync(), Number);

function assertSame(actual: rv.Tensor, expected: rv.Tensor, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assert.deepEqual(values(actual), values(expected), `${what}: values`);
}

function assertClose(actual: rv.Tensor, expected: rv.Tensor, what: string, rtol = 1e-12): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = values(actual);
  const b = values(expected);
  a.forEach((v, i) => assert.ok(Number.isFinite(v) && Math.abs(v - b[i]) <= rtol * Math.max(1, Math.abs(b[i])), `${what} [${i}]: ${v}, expected ${b[i]}`));
}

/** How many positions differ between two tensors of one shape. */
function differing(a: rv.Tensor, b: rv.Tensor): number {
  const x = values(a);
  const y = values(b);
  return x.filter((v, i) => v !== y[i]).length;
}

const seed = rv.random.key(11);
const S = 3;

interface Sampler {
  name: string;
  layout: 'broadcast' | 'prepend';
  shape: number[];
  /** Member k's parameters (k = 0 for the unbatched cases); one shape for every k. */
  params(k: number): rv.Tensor[];
  draw(shape: number[], params: rv.Tensor[], seed?: rv.Seed): rv.Tensor;
  /** Discrete draws: members may agree at some positions. */
  discrete?: boolean;
}

const samplers: Sampler[] = [
  {
    name: 'randomUniform', layout: 'broadcast', shape: [2, 3],
    params: (k) => [f64([-1, 0, 2 + k]), f64(5 + k)],
    draw: (s, [a, b], sd) => rv.randomUniform(s, a, b, 'float64', sd),
  },
  {
    name: 'randomNormal', layout: 'broadcast', shape: [2, 3],
    params: (k) => [f64([0, 10 * k, -3]), f64([[1 + k], [0.5]])],
    draw: (s, [m, sdev], sd) => rv.randomNormal(s, m, sdev, 'float64', sd),
  },
  {
    name: 'truncatedNormal', layout: 'broadcast', shape: [2, 3],
    params: (k) => [f64([1, -k, 0]), f64(2 + k)],
    draw: (s, [m, sdev], sd) => rv.truncatedNormal(s, m, sdev, 'float64', sd),
  },
  {
    name: 'randomBinomial', layout: 'broadcast', shape: [4, 3], discrete: true,
    params: (k) => [f64([5, 20 + k, 100]), f64([[0.3], [0.5], [0.1 + 0.2 * k], [0.9]])],
    draw: (s, [n, p], sd) => rv.randomBinomial(s, n, p, 'float64', sd),
  },
  {
    name: 'randomBernoulli', layout: 'broadcast', shape: [4, 3], discrete: true,
    params: (k) => [f64([0.5, 0.2 + 0.2 * k, 0.7])],
    draw: (s, [p], sd) => rv.randomBernoulli(s, p, 'float64', sd),
  },
  {
    name: 'randomGamma', layout: 'prepend', shape: [4],
    params: (k) => [f64([0.5, 3 + k]), f64(1 + k)],
    draw: (s, [a, b], sd) => rv.randomGamma(s, a, b, 'float64', sd),
  },
  {
    name: 'randomBeta', layout: 'prepend', shape: [4],
    params: (k) => [f64([0.5, 2 + k]), f64([1 + k])],
    draw: (s, [a, b], sd) => rv.randomBeta(s, a, b, 'float64', sd),
  },
  {
    name: 'randomExponential', layout: 'prepend', shape: [4],
    params: (k) => [f64([0.5, 2 + k])],
    draw: (s, [r], sd) => rv.randomExponential(s, r, 'float64', sd),
  },
  {
    name: 'randomPoisson', layout: 'prepend', shape: [4], discrete: true,
    params: (k) => [f64([3 + k, 30])],
    draw: (s, [lam], sd) => rv.randomPoisson(s, lam, 'float64', sd),
  },
  {
    name: 'randomMultinomial', layout: 'prepend', shape: [4], discrete: true,
    params: (k) => [f64([10, 100 + k]), f64([0.2, 0.3 + 0.1 * k, 0.5])],
    draw: (s, [n, p], sd) => rv.randomMultinomial(s, n, p, 'float64', sd),
  },
];

/** Member k of the documented semantics: slice k of the [size, ...shape] draw with member k's parameters. */
function expectedMember(s: Sampler, size: number, k: number, params: rv.Tensor[]): rv.Tensor {
  return member(s.draw([size, ...s.shape], params, seed), 0, k);
}

describe('random ops under vmap', () => {
  for (const s of samplers) {
    describe(s.name, () => {
      it('unbatched parameters: the draw of shape [size, ...shape], members differ', () => rv.tidy(() => {
        const x = rv.zeros([S]);
        const params = s.params(0);
        const out = rv.vmap((_x: rv.Tensor) => s.draw(s.shape, params, seed))(x) as rv.Tensor;
        const expected = s.draw([S, ...s.shape], params, seed);
        assertSame(out, expected, s.name);
        // Independent streams: members do not repeat each other's draws.
        const n = member(out, 0, 0).size;
        for (let k = 1; k < S; k++) {
          const d = differing(member(out, 0, 0), member(out, 0, k));
          assert.ok(s.discrete ? d >= n / 3 : d === n, `${s.name}: members 0 and ${k} differ at ${d} of ${n} positions`);
        }
      }));

      it('batched parameters (batch axis first): member k is slice k of the [size, ...shape] draw', () => rv.tidy(() => {
        const members = Array.from({ length: S }, (_, k) => s.params(k));
        const batched = members[0].map((_, i) => rv.stack(members.map((p) => p[i])));
        const out = rv.vmap((...p: rv.Tensor[]) => s.draw(s.shape, p, seed))(...batched) as rv.Tensor;
        const logical = s.draw(s.shape, members[0], seed).shape;
        assert.deepEqual(out.shape, [S, ...logical], `${s.name}: shape`);
        for (let k = 0; k < S; k++) assertSame(member(out, 0, k), expectedMember(s, S, k, members[k]), `${s.name} member ${k}`);
      }));

      it('one parameter batched on its last axis, the others not', () => rv.tidy(() => {
        const base = s.params(0);
        const first = rv.stack(Array.from({ length: S }, (_, k) => s.params(k)[0]), -1);
        const inAxes = base.map((_, i) => (i === 0 ? -1 : null));
        const out = rv.vmap((...p: rv.Tensor[]) => s.draw(s.shape, p, seed), { inAxes })(first, ...base.slice(1)) as rv.Tensor;
        for (let k = 0; k < S; k++) {
          const params = [s.params(k)[0], ...base.slice(1)];
          assertSame(member(out, 0, k), expectedMember(s, S, k, params), `${s.name} member ${k}`);
        }
      }));

      it('nested vmap: the draw of shape [outer, inner, ...shape]', () => rv.tidy(() => {
        const members = Array.from({ length: S }, (_, k) => s.params(k));
        const batched = members[0].map((_, i) => rv.stack(members.map((p) => p[i])));
        const outer = 2;
        const f = (_: rv.Tensor, ...p: rv.Tensor[]) => rv.vmap((...q: rv.Tensor[]) => s.draw(s.shape, q, seed))(...p) as rv.Tensor;
        const inAxes = [0, ...batched.map(() => null)];
        const out = rv.vmap(f, { inAxes })(rv.zeros([outer]), ...batched) as rv.Tensor;
        for (let i = 0; i < outer; i++) {
          for (let k = 0; k < S; k++) {
            const expected = member(member(s.draw([outer, S, ...s.shape], members[k], seed), 0, i), 0, k);
            assertSame(member(member(out, 0, i), 0, k), expected, `${s.name} member (${i}, ${k})`);
          }
        }
      }));
    });
  }

  it('a batched parameter with the batch axis in the middle (randomNormal)', () => rv.tidy(() => {
    const rng = makeRng(4);
    const means = Array.from({ length: S }, () => f64(Array.from({ length: 6 }, () => rng() * 10), [2, 3]));
    const out = rv.vmap((m: rv.Tensor) => rv.randomNormal([2, 3], m, 1, 'float64', seed), { inAxes: 1 })(rv.stack(means, 1)) as rv.Tensor;
    const z = rv.randomNormal([S, 2, 3], 0, 1, 'float64', seed);
    for (let k = 0; k < S; k++) assertClose(member(out, 0, k), rv.add(means[k], member(z, 0, k)), `member ${k}`, 0);
  }));

  it('unseeded draws take one global stream for the whole batch', () => rv.tidy(() => {
    const x = rv.zeros([S]);
    rv.setSeed(3);
    const a = rv.vmap((_x: rv.Tensor) => rv.randomNormal([2], 0, 1, 'float64'))(x) as rv.Tensor;
    const b = rv.randomNormal([2], 0, 1, 'float64');
    rv.setSeed(3);
    assertSame(a, rv.randomNormal([S, 2], 0, 1, 'float64'), 'vmapped draw');
    assertSame(b, rv.randomNormal([2], 0, 1, 'float64'), 'next draw');
  }));

  describe('multinomial (categorical)', () => {
    const n = 6;
    const rows = [[0, 1, 2], [2, 0, -1]];
    const logitsOf = (k: number) => f64(rows.map((r) => r.map((v) => v * (k + 1))));

    it('unbatched logits of one row: slice k of the draw from stacked rows', () => rv.tidy(() => {
      const logits = f64([0, 1, 2]);
      const out = rv.vmap((_x: rv.Tensor) => rv.multinomial(logits, n, seed))(rv.zeros([S])) as rv.Tensor;
      assertSame(out, rv.multinomial(rv.broadcastTo(logits, [S, 3]), n, seed), 'one row');
      assert.ok(differing(member(out, 0, 0), member(out, 0, 1)) > 0, 'members differ');
    }));

    it('unbatched rows: member k takes rows k·rows ... of the stacked draw', () => rv.tidy(() => {
      const logits = logitsOf(0);
      const out = rv.vmap((_x: rv.Tensor) => rv.multinomial(logits, n, seed))(rv.zeros([S])) as rv.Tensor;
      assertSame(out, rv.multinomial(rv.concat(Array.from({ length: S }, () => logits)), n, seed).reshape([S, 2, n]), 'rows');
    }));

    it('batched logits, rank 1 and 2', () => rv.tidy(() => {
      const members = Array.from({ length: S }, (_, k) => logitsOf(k));
      const stacked = rv.concat(members);
      const out = rv.vmap((l: rv.Tensor) => rv.multinomial(l, n, seed))(rv.stack(members)) as rv.Tensor;
      assertSame(out, rv.multinomial(stacked, n, seed).reshape([S, 2, n]), 'rank 2');
      const firstRows = members.map((m) => member(m, 0, 0));
      const out1 = rv.vmap((l: rv.Tensor) => rv.multinomial(l, n, seed, false), { inAxes: -1 })(rv.stack(firstRows, -1)) as rv.Tensor;
      assertSame(out1, rv.multinomial(rv.stack(firstRows), n, seed), 'rank 1, batch axis last');
    }));
  });

  it('key derivation inside vmap is not batched: split and foldIn give the same keys', () => rv.tidy(() => {
    const out = rv.vmap((_x: rv.Tensor) => {
      const [a] = rv.random.split(seed);
      return rv.randomNormal([2], 0, 1, 'float64', rv.random.foldIn(a, 5));
    })(rv.zeros([S])) as rv.Tensor;
    assertSame(out, rv.randomNormal([S, 2], 0, 1, 'float64', rv.random.foldIn(rv.random.split(seed)[0], 5)), 'derived keys');
  }));

  it('zerosLike and onesLike on a batched tensor give one unbatched tensor of the member shape', () => rv.tidy(() => {
    const x = f64([[1, 2, 3], [4, 5, 6]]);
    for (const inAxes of [0, 1, -1]) {
      checkVmap((t) => t.add(rv.onesLike(t)), [x], [inAxes], { what: `onesLike, inAxes ${inAxes}` });
      checkVmap((t) => t.mul(rv.zerosLike(t)).add(rv.onesLike(t).mul(2)), [x], [inAxes], { what: `zerosLike, inAxes ${inAxes}` });
    }
    const shapes: number[][] = [];
    rv.vmap((t: rv.Tensor) => {
      const o = rv.onesLike(t);
      shapes.push([...o.shape]);
      return t.add(o);
    })(x);
    assert.deepEqual(shapes, [[3]], 'onesLike has the member shape');
  }));
});

describe('random ops under grad', () => {
  const rng = makeRng(17);
  const data = (n: number, lo: number, hi: number) => Array.from({ length: n }, () => lo + (hi - lo) * rng());

  // The reparameterised samplers as functions of their parameters, one seed: the same seed
  // gives the same noise, so finite differences see out = a + b·noise.
  const uniform = (shape: number[]) => (lo: rv.Tensor, hi: rv.Tensor) => rv.randomUniform(shape, lo, hi, 'float64', seed);
  const normal = (shape: number[]) => (m: rv.Tensor, s: rv.Tensor) => rv.randomNormal(shape, m, s, 'float64', seed);
  const truncated = (shape: number[]) => (m: rv.Tensor, s: rv.Tensor) => rv.truncatedNormal(shape, m, s, 'float64', seed);
  const exponential = (shape: number[]) => (r: rv.Tensor) => rv.randomExponential(shape, r, 'float64', seed);

  it('randomUniform, randomNormal, truncatedNormal: finite differences over broadcasting shapes', () => {
    const a = () => f64(data(3, -2, 2));
    const b = () => f64(data(2, 3, 5), [2, 1]);
    checkGradient(weightedSum(uniform([2, 3])), [a(), b()], { what: 'randomUniform' });
    checkGradient(weightedSum(normal([2, 3])), [a(), b()], { what: 'randomNormal' });
    checkGradient(weightedSum(truncated([2, 3])), [a(), b()], { what: 'truncatedNormal' });
    checkGradient(weightedSum(normal([4, 2, 3])), [f64(data(1, -1, 1)), f64(data(6, 0.5, 2), [2, 3])], { what: 'randomNormal, scalar mean' });
  });

  it('non-contiguous parameters', () => {
    const a = nonContiguous(data(6, -2, 2), [2, 3], 'float64', rng);
    const b = nonContiguous(data(6, 3, 5), [2, 3], 'float64', rng);
    checkGradient(weightedSum(uniform([2, 3])), [a, b], { what: 'randomUniform' });
    checkGradient(weightedSum(normal([2, 3])), [a, b], { what: 'randomNormal' });
    checkGradient(weightedSum(truncated([2, 2, 3])), [a, b], { what: 'truncatedNormal' });
    checkGradient(weightedSum(exponential([2])), [nonContiguous(data(6, 0.5, 3), [2, 3], 'float64', rng)], { what: 'randomExponential' });
  });

  it('randomExponential: finite differences, output shape ++ rate shape', () => {
    checkGradient(weightedSum(exponential([4])), [f64(data(3, 0.2, 4))], { what: 'randomExponential' });
    checkGradient(weightedSum(exponential([2, 2])), [f64(data(6, 0.2, 4), [2, 3])], { what: 'randomExponential, rank 2' });
  });

  it('closed forms: du/dminval = 1 - u, du/dmaxval = u, dz/dmean = 1, dz/dstdDev = z, dE/drate = -E/rate', () => rv.tidy(() => {
    const w = f64(data(5, 0.5, 1.5));
    const sum = (f: (...p: rv.Tensor[]) => rv.Tensor) => (...p: rv.Tensor[]) => rv.sum(rv.mul(f(...p), w));
    const lo = f64(data(5, -2, 0));
    const hi = f64(data(5, 1, 3));
    const u = rv.randomUniform([5], 0, 1, 'float64', seed);
    const [gLo, gHi] = rv.grad(sum(uniform([5])))(lo, hi) as rv.Tensor[];
    assertClose(gLo, rv.mul(w, rv.sub(1, u)), 'uniform d/dminval');
    assertClose(gHi, rv.mul(w, u), 'uniform d/dmaxval');
    for (const [name, f, std] of [['normal', normal, rv.randomNormal], ['truncated', truncated, rv.truncatedNormal]] as const) {
      const z = std([5], 0, 1, 'float64', seed);
      const [gm, gs] = rv.grad(sum(f([5])))(lo, hi) as rv.Tensor[];
      assertClose(gm, w, `${name} d/dmean`);
      assertClose(gs, rv.mul(w, z), `${name} d/dstdDev`);
    }
    const rate = f64(data(5, 0.5, 2));
    // shape []: the output is rate's shape.
    const e = rv.randomExponential([], rate, 'float64', seed);
    assertClose(rv.grad(sum(exponential([])))(rate) as rv.Tensor, rv.neg(rv.div(rv.mul(w, e), rate)), 'exponential d/drate');
  }));

  it('a zero scale or an empty range gives the finite derivative, not NaN', () => rv.tidy(() => {
    const zero = f64([0, 0, 0]);
    const z = rv.randomNormal([3], 0, 1, 'float64', seed);
    const [gm, gs] = rv.grad((m: rv.Tensor, s: rv.Tensor) => normal([3])(m, s).sum())(f64([1, 2, 3]), zero) as rv.Tensor[];
    assertClose(gm, rv.ones([3], 'float64'), 'd/dmean at stdDev 0');
    assertClose(gs, z, 'd/dstdDev at stdDev 0');
    const u = rv.randomUniform([3], 0, 1, 'float64', seed);
    const [gLo, gHi] = rv.grad((a: rv.Tensor, b: rv.Tensor) => uniform([3])(a, b).sum())(zero, zero) as rv.Tensor[];
    assertClose(gLo, rv.sub(1, u), 'd/dminval at minval = maxval');
    assertClose(gHi, u, 'd/dmaxval at minval = maxval');
  }));

  it('float32 draws: the same closed forms, in float32', () => rv.tidy(() => {
    const m = rv.tensor([1, 2, 3]);
    const s = rv.tensor([0.5, 1, 2]);
    const [gm, gs] = rv.grad((a: rv.Tensor, b: rv.Tensor) => rv.randomNormal([3], a, b, 'float32', seed).sum())(m, s) as rv.Tensor[];
    assert.equal(gs.dtype, 'float32');
    assertSame(gm, rv.ones([3]), 'd/dmean');
    assertSame(gs, rv.randomNormal([3], 0, 1, 'float32', seed), 'd/dstdDev');
  }));

  it('int32 uniform draws and the non-reparameterised samplers give zero gradients, never NaN', () => rv.tidy(() => {
    const lo = f64([0, 1, 2]);
    const gInt = rv.grad((a: rv.Tensor) => rv.cast(rv.randomUniform([2, 3], a, 10, 'int32', seed), 'float64').sum())(lo) as rv.Tensor;
    assertSame(gInt, rv.zeros([3], 'float64'), 'int32 randomUniform');
    for (const s of samplers) {
      if (['randomUniform', 'randomNormal', 'truncatedNormal', 'randomExponential'].includes(s.name)) continue;
      const params = s.params(1);
      const g = rv.grad((...p: rv.Tensor[]) => rv.sum(s.draw(s.shape, p, seed)))(...params);
      const list: rv.Tensor[] = params.length === 1 ? [g as rv.Tensor] : g as rv.Tensor[];
      list.forEach((t, i) => assertSame(t, rv.zerosLike(params[i]), `${s.name} d/d${i}`));
    }
    const logits = f64([0, 1, 2]);
    const gl = rv.grad((l: rv.Tensor) => rv.cast(rv.multinomial(l, 5, seed), 'float64').sum())(logits) as rv.Tensor;
    assertSame(gl, rv.zerosLike(logits), 'multinomial');
  }));

  it('second derivatives against finite differences of the first', () => {
    const square = (f: (...p: rv.Tensor[]) => rv.Tensor) => (...p: rv.Tensor[]) => rv.square(f(...p));
    const firstDerivatives = (f: (...p: rv.Tensor[]) => rv.Tensor) => (...p: rv.Tensor[]) => {
      const g = rv.grad(weightedSum(square(f)))(...p);
      const list: rv.Tensor[] = p.length === 1 ? [g as rv.Tensor] : g as rv.Tensor[];
      return list.map((t, i) => weightedSum((x) => x, 5 + i)(t)).reduce((a, b) => rv.add(a, b));
    };
    checkGradient(firstDerivatives(normal([2, 3])), [f64(data(3, -1, 1)), f64(data(2, 0.5, 2), [2, 1])], { what: 'randomNormal' });
    checkGradient(firstDerivatives(uniform([4])), [f64(data(4, -1, 0)), f64(data(4, 1, 2))], { what: 'randomUniform' });
    checkGradient(firstDerivatives(exponential([3])), [f64(data(2, 0.5, 2))], { what: 'randomExponential' });
  });

  it('vmap of grad: per-member gradients with each member\'s own noise', () => rv.tidy(() => {
    const means = f64(data(S, -1, 1));
    const stds = f64(data(S, 0.5, 2));
    const f = (m: rv.Tensor, s: rv.Tensor) => rv.square(rv.randomNormal([4], m, s, 'float64', seed)).sum();
    const [gm, gs] = rv.vmap(rv.grad(f))(means, stds) as rv.Tensor[];
    // The loop: member k's function with its noise (slice k of the [size, 4] draw) fixed.
    const z = rv.randomNormal([S, 4], 0, 1, 'float64', seed);
    for (let k = 0; k < S; k++) {
      const zk = member(z, 0, k);
      const [em, es] = rv.grad((m: rv.Tensor, s: rv.Tensor) => rv.square(rv.add(m, rv.mul(s, zk))).sum())(member(means, 0, k), member(stds, 0, k)) as rv.Tensor[];
      assertClose(member(gm, 0, k), em, `d/dmean member ${k}`);
      assertClose(member(gs, 0, k), es, `d/dstdDev member ${k}`);
    }
  }));

  it('vmap of grad with a batched rate (randomExponential, prepend layout)', () => rv.tidy(() => {
    const rates = f64([[0.5, 1], [2, 3], [1.5, 4]]);
    const g = rv.vmap(rv.grad((r: rv.Tensor) => rv.randomExponential([3], r, 'float64', seed).sum()))(rates) as rv.Tensor;
    for (let k = 0; k < S; k++) {
      const rk = member(rates, 0, k);
      const out = member(rv.randomExponential([S, 3], rk, 'float64', seed), 0, k);
      assertClose(member(g, 0, k), rv.neg(rv.div(out, rk)).sum(0), `member ${k}`);
    }
  }));

  it('grad of a vmapped sum', () => rv.tidy(() => {
    const stds = f64(data(S, 0.5, 2));
    const g = rv.grad((s: rv.Tensor) => (rv.vmap((sk: rv.Tensor) => rv.randomNormal([4], 1, sk, 'float64', seed).sum())(s) as rv.Tensor).sum())(stds) as rv.Tensor;
    assertClose(g, rv.randomNormal([S, 4], 0, 1, 'float64', seed).sum(1), 'd/dstdDev');
    const rates = f64([[0.5, 1], [2, 3], [1.5, 4]]);
    const gr = rv.grad((r: rv.Tensor) => (rv.vmap((rk: rv.Tensor) => rv.randomExponential([3], rk, 'float64', seed))(r) as rv.Tensor).sum())(rates) as rv.Tensor;
    const out = rv.stack(Array.from({ length: S }, (_, k) => member(rv.randomExponential([S, 3], member(rates, 0, k), 'float64', seed), 0, k)));
    assertClose(gr, rv.neg(rv.div(out, rates.expandDims(1))).sum(1), 'd/drate');
  }));
});
