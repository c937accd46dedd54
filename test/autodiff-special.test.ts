/**
 * Gradient and batching rules of the special functions (lib/tensor/ops/special.ts): gradients
 * against central finite differences in float64 (relative error below 1e-6, checkGradient's
 * default) on random inputs inside each function's smooth domain, over broadcasting shapes and
 * non-contiguous views; second derivatives against finite differences of the first; the
 * derivative's values at the documented edges (no NaN where the derivative exists); and vmap
 * against stacking, with the batch axis first, in the middle and last.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { makeRng, nonContiguous, sizeOf } from './helpers';
import { checkGradient, checkVmap, weightedSum } from './transform-helpers';

type Fn = (...xs: rv.Tensor[]) => rv.Tensor;
type Sampler = (rng: () => number) => number;

const rng = makeRng(20240604);
const uniform = (lo: number, hi: number): Sampler => (r) => lo + (hi - lo) * r();
/** |x| in [lo, hi) with a random sign: keeps away from a kink or pole at 0. */
const signed = (lo: number, hi: number): Sampler => (r) => (r() < 0.5 ? -1 : 1) * (lo + (hi - lo) * r());
/** Negative non-integers, at least 0.1 from the poles of lgamma and digamma. */
const negativeNonInteger: Sampler = (r) => -Math.floor(1 + 4 * r()) + 0.1 + 0.8 * r();

function random(shape: number[], sample: Sampler): rv.Tensor {
  return rv.tensor(Array.from({ length: sizeOf(shape) }, () => sample(rng)), shape, 'float64');
}
function randomView(shape: number[], sample: Sampler): rv.Tensor {
  return nonContiguous(Array.from({ length: sizeOf(shape) }, () => sample(rng)), shape, 'float64', rng);
}
const values = (t: rv.Tensor) => Array.from(t.dataSync());
/** Exact equality of each value (0 and -0 alike; NaN never expected). */
function assertValues(got: number[], want: number[]): void {
  assert.equal(got.length, want.length);
  got.forEach((v, i) => assert.ok(v === want[i], `[${i}]: got ${v}, want ${want[i]} (all: ${got})`));
}
/** The elementwise derivative of a unary op at x: the gradient of sum(op(x)). */
const derivative = (op: Fn) => (x: rv.Tensor) => rv.grad((t: rv.Tensor) => rv.sum(op(t)))(x) as rv.Tensor;

const unary: [string, Fn, Sampler[]][] = [
  ['lgamma', rv.lgamma, [uniform(0.1, 6), negativeNonInteger]],
  ['digamma', rv.digamma, [uniform(0.1, 30), negativeNonInteger]],
  ['erf', rv.erf, [uniform(-2.5, 2.5)]],
  ['erfc', rv.erfc, [uniform(-2, 4)]],
  ['erfinv', rv.erfinv, [uniform(-0.95, 0.95)]],
  ['ndtri', rv.ndtri, [uniform(0.02, 0.98)]],
  ['log1mexp', rv.log1mexp, [signed(0.05, 5)]],
  ['log1pexp', rv.log1pexp, [uniform(-6, 6)]],
  ['besselI0e', rv.besselI0e, [signed(0.05, 6)]],
  ['besselI1e', rv.besselI1e, [uniform(-6, 6)]],
];

// Binary and ternary ops: the function of the inputs the gradient is checked for (a and b of
// igamma, igammac and betainc have no gradient and are held fixed), and each input's sampler.
const binary: [string, Fn, Sampler[]][] = [
  ['betaln', rv.betaln, [uniform(0.3, 5), uniform(0.3, 5)]],
  ['xlogy', rv.xlogy, [signed(0.1, 2), uniform(0.2, 5)]],
  ['xlog1py', rv.xlog1py, [signed(0.1, 2), uniform(-0.8, 4)]],
];
const aFixed = random([3], uniform(0.5, 5));
const bFixed = random([1], uniform(0.5, 5));
const withRespectToX: [string, Fn, Sampler][] = [
  ['igamma', (x) => rv.igamma(aFixed, x), uniform(0.1, 6)],
  ['igammac', (x) => rv.igammac(aFixed, x), uniform(0.1, 6)],
  ['betainc', (x) => rv.betainc(aFixed, bFixed, x), uniform(0.05, 0.95)],
];

describe('autodiff: special functions', () => {
  describe('gradients against finite differences', () => {
    for (const [name, op, samplers] of unary) {
      it(name, () => {
        samplers.forEach((sample, k) => {
          checkGradient(weightedSum(op), [random([2, 3], sample)], { what: `${name} (domain ${k})` });
          checkGradient(weightedSum(op), [randomView([3, 2], sample)], { what: `${name} (domain ${k}, view)` });
        });
      });
    }
    for (const [name, op, samplers] of binary) {
      it(`${name}, broadcasting`, () => {
        const [sa, sb] = samplers;
        checkGradient(weightedSum(op), [random([2, 3], sa), random([3], sb)], { what: `${name} [2, 3] with [3]` });
        checkGradient(weightedSum(op), [random([1, 3], sa), random([2, 1], sb)], { what: `${name} [1, 3] with [2, 1]` });
        checkGradient(weightedSum(op), [randomView([2, 3], sa), random([], sb)], { what: `${name} view with scalar` });
      });
    }
    for (const [name, op, sample] of withRespectToX) {
      it(`${name}, with respect to x`, () => {
        checkGradient(weightedSum(op), [random([2, 3], sample)], { what: name });
        checkGradient(weightedSum(op), [randomView([2, 3], sample)], { what: `${name} (view)` });
      });
    }
  });

  describe('second derivatives against finite differences of the first', () => {
    const cases: [string, Fn, Sampler][] = [
      ['lgamma (trigamma)', rv.lgamma, uniform(0.2, 8)],
      ['lgamma (trigamma, reflected)', rv.lgamma, negativeNonInteger],
      ['digamma', rv.digamma, uniform(0.2, 25)],
      ['digamma (reflected)', rv.digamma, negativeNonInteger],
      ['erf', rv.erf, uniform(-2, 2)],
      ['erfinv', rv.erfinv, uniform(-0.9, 0.9)],
      ['log1mexp', rv.log1mexp, signed(0.1, 4)],
      ['besselI1e', rv.besselI1e, signed(0.1, 5)],
    ];
    for (const [name, op, sample] of cases) {
      it(name, () => checkGradient(weightedSum(derivative(op)), [random([5], sample)], { what: name }));
    }
    it('xlogy in both arguments', () => {
      const f = (x: rv.Tensor, y: rv.Tensor) => {
        const [gx, gy] = rv.grad(weightedSum(rv.xlogy))(x, y) as rv.Tensor[];
        return rv.add(rv.sum(rv.mul(gx, gx)), rv.sum(rv.mul(gy, gy)));
      };
      checkGradient(f, [random([2, 3], signed(0.1, 2)), random([3], uniform(0.2, 4))], { what: 'xlogy' });
    });
    it('betainc in x', () => {
      checkGradient(weightedSum(derivative((x) => rv.betainc(aFixed, bFixed, x))), [random([2, 3], uniform(0.1, 0.9))], { what: 'betainc' });
    });
  });

  describe('values of the derivatives', () => {
    it("digamma's derivative is trigamma to a few ulp, through the reflection and at the poles", () => {
      // ψ₁(x) from mpmath at 50 digits (mpmath.psi(1, x)), rounded to double.
      const table: [number, number][] = [
        [0.001, 1000001.6425331958], [0.1, 101.43329915079275], [0.5, 4.934802200544679], [1, 1.6449340668482264],
        [1.5, 0.9348022005446793], [2, 0.6449340668482264], [3.7, 0.3100378576700383], [9.99, 0.10527695014824179],
        [10, 0.10516633568168575], [25, 0.04081066325722558], [1000, 0.0010005001666666333], [-0.5, 8.934802200544679],
        [-1.5, 9.379246644989124], [-2.25, 19.37941051186914], [-10.3, 14.986887065722637], [-0.999, 1000002.6445361981],
        [-100.5, 9.859703491870086],
      ];
      const got = values(derivative(rv.digamma)(rv.tensor(table.map(([x]) => x), undefined, 'float64')));
      // About 20 roundings of positive terms (no cancellation: the reflection's pole term is at
      // least π² and ψ₁(1 − x) at most π²/6): below 8 ulp of the result.
      got.forEach((g, i) => {
        const [x, want] = table[i];
        assert.ok(Math.abs(g - want) <= 8 * 2 ** -52 * want, `ψ₁(${x}): got ${g}, want ${want}`);
      });
      assertValues(values(derivative(rv.digamma)(rv.tensor([0, -1, -3, Infinity], undefined, 'float64'))), [Infinity, Infinity, Infinity, 0]);
      const big = values(derivative(rv.digamma)(rv.tensor([1e8, 1e200], undefined, 'float64')));
      assert.ok(Math.abs(big[0] / (1 / 1e8 + 0.5 / 1e16) - 1) < 1e-15 && Math.abs(big[1] / 1e-200 - 1) < 1e-15, `ψ₁ of large x: ${big}`);
    });

    it('edges: finite or the true infinity, never NaN', () => {
      const at = (op: Fn, xs: number[]) => values(derivative(op)(rv.tensor(xs, undefined, 'float64')));
      assertValues(at(rv.besselI1e, [0, -0]), [0.5, 0.5]);
      assertValues(at(rv.besselI0e, [0]), [0]);  // the subgradient at the kink, as TensorFlow
      const tiny = at(rv.besselI1e, [1e-300, 1e-17, 5e-324]);
      tiny.forEach((v) => assert.equal(v, 0.5));
      assertValues(at(rv.erfinv, [-1, 1]), [Infinity, Infinity]);
      assertValues(at(rv.ndtri, [0, 1]), [Infinity, Infinity]);
      assertValues(at(rv.log1pexp, [-800, 800]), [0, 1]);
      assertValues(at(rv.erf, [-40, 40]), [0, 0]);
      assertValues(at(rv.log1mexp, [800, -800]), [0, -0]);
      assert.equal(at(rv.log1mexp, [0])[0], Infinity);
      // The Gamma(a, 1) density at x = 0: 1 for a = 1, 0 for a = 2, Infinity for a = 1/2.
      const dP = rv.grad((x: rv.Tensor) => rv.sum(rv.igamma(rv.tensor([1, 2, 0.5], undefined, 'float64'), x)));
      assertValues(values(dP(rv.tensor([0, 0, 0], undefined, 'float64')) as rv.Tensor), [1, 0, Infinity]);
      // The Beta(1, 1) density is 1 on [0, 1], endpoints included.
      const dI = rv.grad((x: rv.Tensor) => rv.sum(rv.betainc(1, 1, x)));
      assertValues(values(dI(rv.tensor([0, 0.5, 1], undefined, 'float64')) as rv.Tensor), [1, 1, 1]);
    });

    it('xlogy and xlog1py: zero gradients wherever x = 0, even at y = 0 or -1 (as TensorFlow)', () => {
      const x = rv.tensor([0, 0, 0, 2], undefined, 'float64');
      const y = rv.tensor([0, 3, Infinity, 4], undefined, 'float64');
      const [gx, gy] = rv.grad((a: rv.Tensor, b: rv.Tensor) => rv.sum(rv.xlogy(a, b)))(x, y) as rv.Tensor[];
      assertValues(values(gx), [0, 0, 0, Math.log(4)]);
      assertValues(values(gy), [0, 0, 0, 0.5]);
      const y1 = rv.tensor([-1, 3, Infinity, 3], undefined, 'float64');
      const [hx, hy] = rv.grad((a: rv.Tensor, b: rv.Tensor) => rv.sum(rv.xlog1py(a, b)))(x, y1) as rv.Tensor[];
      assertValues(values(hx), [0, 0, 0, Math.log(4)]);
      assertValues(values(hy), [0, 0, 0, 0.5]);
      // The second derivative there is finite too.
      const second = rv.grad((b: rv.Tensor) => rv.sum(rv.grad((c: rv.Tensor) => rv.sum(rv.xlogy(x, c)))(b) as rv.Tensor))(y);
      assertValues(values(second as rv.Tensor), [0, 0, 0, -2 / 16]);
    });

    it('no gradient yet with respect to the parameters of igamma, igammac and betainc: zeros, not NaN', () => {
      const a = rv.tensor([0.5, 2], undefined, 'float64');
      const x = rv.tensor([0.3, 0.6], undefined, 'float64');
      for (const f of [rv.igamma, rv.igammac, (p: rv.Tensor, q: rv.Tensor) => rv.betainc(p, p, q)]) {
        const [ga] = rv.grad((p: rv.Tensor, q: rv.Tensor) => rv.sum(f(p, q)))(a, x) as rv.Tensor[];
        assertValues(values(ga), [0, 0]);
      }
    });

    it('float32 inputs get float32 gradients close to the float64 ones', () => {
      const xs = [0.3, 1.7, 4];
      for (const [name, op] of [['lgamma', rv.lgamma], ['digamma', rv.digamma], ['besselI1e', rv.besselI1e]] as [string, Fn][]) {
        const g32 = derivative(op)(rv.tensor(xs, undefined, 'float32'));
        const g64 = values(derivative(op)(rv.tensor(xs, undefined, 'float64')));
        assert.equal(g32.dtype, 'float32', name);
        // A dozen float32 roundings in the rule: 32 ulp of 2⁻²³ bounds them.
        values(g32).forEach((v, i) => assert.ok(Math.abs(v - g64[i]) <= 32 * 2 ** -23 * Math.abs(g64[i]), `${name}(${xs[i]}): ${v} vs ${g64[i]}`));
      }
    });
  });

  describe('vmap', () => {
    for (const [name, op, [sample]] of unary) {
      it(name, () => {
        const x = random([4, 3, 2], sample);
        for (const axis of [0, 1, -1]) checkVmap(op, [x], [axis], { what: `${name} inAxes ${axis}` });
      });
    }
    for (const [name, op, [sa, sb]] of binary) {
      it(name, () => {
        const a = random([4, 3], sa);
        const b = random([3, 4], sb);
        checkVmap(op, [a, b], [0, 1], { what: `${name} [0, 1]` });
        checkVmap(op, [a, b], [-1, 0], { what: `${name} [-1, 0]` });
        checkVmap(op, [a, random([2, 4], sb)], [1, null], { what: `${name} [1, null]` });
        // A batched logical scalar against an unbatched matrix: the batch axis must not align with its columns.
        checkVmap(op, [random([3], sa), random([2, 3], sb)], [0, null], { what: `${name} scalar members` });
      });
    }
    it('igamma, igammac and betainc', () => {
      const a = random([3, 4], uniform(0.5, 4));
      const x = random([4, 3], uniform(0.1, 0.9));
      checkVmap(rv.igamma, [a, x], [0, -1], { what: 'igamma' });
      checkVmap(rv.igammac, [a, random([2, 4], uniform(0.1, 5))], [null, 0], { what: 'igammac' });
      checkVmap(rv.betainc, [a, random([3], uniform(0.5, 4)), x], [1, null, 0], { what: 'betainc' });
      checkVmap(rv.betainc, [a, random([3], uniform(0.5, 4)), random([2, 4], uniform(0.1, 0.9))], [0, 0, null], { what: 'betainc, two mapped' });
    });
    it('nested vmap', () => {
      const a = random([3, 4], uniform(0.3, 5));
      const b = random([2, 4], uniform(0.3, 5));
      // Outer over rows of b, inner over rows of a: every pair.
      const pairs = rv.vmap((bRow: rv.Tensor) => rv.vmap((aRow: rv.Tensor) => rv.betaln(aRow, bRow))(a), { inAxes: [0] })(b) as rv.Tensor;
      assert.deepEqual(pairs.shape, [2, 3, 4]);
      const want = rv.betaln(rv.expandDims(a, 0), rv.expandDims(b, 1));
      values(pairs).forEach((v, i) => assert.equal(v, want.dataSync()[i]));
    });
    it('vmap of grad equals a loop of grads', () => {
      for (const op of [rv.lgamma, rv.digamma, rv.besselI1e] as Fn[]) {
        const x = random([4, 3], uniform(0.2, 5));
        checkVmap(derivative(op), [x], [0], { what: 'vmap of grad' });
        checkVmap(derivative(op), [x], [1], { what: 'vmap of grad, axis 1' });
      }
      const g = (a: rv.Tensor, x: rv.Tensor) => rv.grad((t: rv.Tensor) => rv.sum(rv.betainc(a, 2, t)))(x) as rv.Tensor;
      checkVmap(g, [random([4, 3], uniform(0.5, 4)), random([3], uniform(0.1, 0.9))], [0, null], { what: 'vmap of grad of betainc' });
    });
  });
});
