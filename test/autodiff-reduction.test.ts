/**
 * Gradient and batching rules of the reductions, scans and softmax (lib/tensor/ops/reduction.ts):
 * gradients against central finite differences in float64 (relative error below 1e-6) for
 * every axis form (null, one, negative, several, keepDims) on contiguous and non-contiguous
 * inputs, with zeros for prod and cumprod; ties, -Infinity and non-differentiable ops; second
 * derivatives; vmap against stacking with the batch axis first, in the middle and last.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { makeRng, nonContiguous, sizeOf } from './helpers';
import { checkGradient, checkVmap, weightedSum } from './transform-helpers';

type Fn = (...xs: rv.Tensor[]) => rv.Tensor;
type Reduce = (x: rv.TensorLike, axis?: rv.Axes, keepDims?: boolean) => rv.Tensor;

const rng = makeRng(4040);
function randomValues(shape: number[], lo = -2, hi = 2): number[] {
  return Array.from({ length: sizeOf(shape) }, () => lo + (hi - lo) * rng());
}
const random = (shape: number[], lo = -2, hi = 2) => rv.tensor(randomValues(shape, lo, hi), shape, 'float64');
const randomView = (shape: number[], lo = -2, hi = 2) => nonContiguous(randomValues(shape, lo, hi), shape, 'float64', rng);
/** Random values with some set to exactly zero (at the given flat positions). */
function withZeros(shape: number[], zeros: number[]): rv.Tensor {
  const v = randomValues(shape, 0.5, 2).map((x) => (rng() < 0.5 ? -x : x));
  for (const i of zeros) v[i] = 0;
  return rv.tensor(v, shape, 'float64');
}
const values = (t: rv.Tensor) => Array.from(t.dataSync());
const grad1 = (f: Fn) => (x: rv.Tensor) => rv.grad(f)(x) as rv.Tensor;
/** Exact equality of each value (0 and -0 alike). */
function assertValues(got: number[], want: number[], what = ''): void {
  assert.equal(got.length, want.length, what);
  got.forEach((v, i) => assert.ok(v === want[i], `${what}[${i}]: got ${v}, want ${want[i]} (all: ${got})`));
}
/** |got - want| within `ulps` units of 2⁻⁵² relative, elementwise. */
function assertNear(got: number[], want: number[], ulps: number, what = ''): void {
  assert.equal(got.length, want.length, what);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= ulps * 2 ** -52 * Math.abs(want[i]), `${what}[${i}]: got ${v}, want ${want[i]}`));
}

const reductions: [string, Reduce][] = [
  ['sum', rv.sum], ['mean', rv.mean], ['prod', rv.prod], ['max', rv.max], ['min', rv.min], ['logSumExp', rv.logSumExp],
];
const axisForms: [rv.Axes, boolean][] = [[null, false], [1, false], [-1, true], [[0, 2], false], [[2, 0], true], [[], false]];
const scans: [string, typeof rv.cumsum][] = [['cumsum', rv.cumsum], ['cumprod', rv.cumprod]];
const flags: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

describe('autodiff: reductions', () => {
  describe('gradients against finite differences', () => {
    for (const [name, op] of reductions) {
      it(`${name}, every axis form`, () => {
        // Random continuous values have no ties, so max and min are differentiable there.
        for (const [axis, keepDims] of axisForms) {
          const f = weightedSum((x) => op(x, axis, keepDims));
          const what = `${name}(axis ${JSON.stringify(axis)}, keepDims ${keepDims})`;
          checkGradient(f, [random([2, 3, 4])], { what });
          checkGradient(f, [randomView([2, 3, 4])], { what: `${what}, view` });
        }
        checkGradient(weightedSum((x) => op(x)), [random([])], { what: `${name} of a scalar` });
      });
    }

    it('prod with zeros: the product of the others, exactly', () => {
      // One zero in a reduction, two zeros in one, and a reduction over several axes.
      const x = withZeros([3, 4], [1, 5, 6]);
      checkGradient(weightedSum((t) => rv.prod(t, 1)), [x], { what: 'prod rows with zeros' });
      checkGradient(weightedSum((t) => rv.prod(t, 0, true)), [x], { what: 'prod columns with zeros' });
      checkGradient(weightedSum((t) => rv.prod(t, [0, 2])), [withZeros([2, 3, 2], [0, 7])], { what: 'prod over [0, 2] with zeros' });
      const g = values(grad1((t) => rv.prod(t))(rv.tensor([2, 0, 3, 0], undefined, 'float64')));
      assertValues(g, [0, 0, 0, 0], 'two zeros');
      assertValues(values(grad1((t) => rv.prod(t))(rv.tensor([2, 0, 3, 5], undefined, 'float64'))), [0, 30, 0, 0], 'one zero');
    });

    for (const [name, op] of scans) {
      it(`${name}, exclusive and reverse, along every axis`, () => {
        for (const [exclusive, reverse] of flags) {
          for (const axis of [0, 1, -1]) {
            const what = `${name}(axis ${axis}, exclusive ${exclusive}, reverse ${reverse})`;
            checkGradient(weightedSum((x) => op(x, axis, exclusive, reverse)), [random([3, 2, 5])], { what });
          }
          // A long axis: several rounds of cumprod's doubling scan (n = 13 is not a power of two).
          checkGradient(weightedSum((x) => op(x, 0, exclusive, reverse)), [randomView([13], 0.5, 1.5)], { what: `${name} length 13, view` });
        }
      });
    }

    it('cumprod with zeros: exact, no division', () => {
      for (const [exclusive, reverse] of flags) {
        const what = `cumprod with zeros (exclusive ${exclusive}, reverse ${reverse})`;
        checkGradient(weightedSum((x) => rv.cumprod(x, 1, exclusive, reverse)), [withZeros([2, 7], [2, 5, 9, 10])], { what });
      }
      // y = [x0, x0 x1, x0 x1 x2] at x = [2, 0, 3]: dy/dx1 summed = x0 + x0 x2 = 8.
      assertValues(values(grad1((x) => rv.sum(rv.cumprod(x)))(rv.tensor([2, 0, 3], undefined, 'float64'))), [1, 8, 0]);
    });

    for (const [name, op] of [['softmax', rv.softmax], ['logSoftmax', rv.logSoftmax]] as [string, typeof rv.softmax][]) {
      it(name, () => {
        for (const axis of [0, 1, -1]) {
          checkGradient(weightedSum((x) => op(x, axis)), [random([3, 4, 2])], { what: `${name}(axis ${axis})` });
          checkGradient(weightedSum((x) => op(x, axis)), [randomView([3, 4, 2])], { what: `${name}(axis ${axis}), view` });
        }
      });
    }
  });

  describe('kinks, infinities and non-differentiable ops', () => {
    it('max and min split the gradient evenly among ties (as TensorFlow)', () => {
      const x = rv.tensor([[1, 3, 3, 2], [5, 5, 5, -1]], undefined, 'float64');
      assertValues(values(grad1((t) => rv.sum(rv.max(t, 1)))(x)), [0, 0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3, 0]);
      assertValues(values(grad1((t) => rv.sum(rv.min(t, 0)))(x)), [1, 1, 1, 0, 0, 0, 0, 1]);
      assertValues(values(grad1((t) => rv.max(t))(x)), [0, 0, 0, 0, 1 / 3, 1 / 3, 1 / 3, 0]);
      // -Infinity everywhere is a tie of all.
      assertValues(values(grad1((t) => rv.max(t))(rv.tensor([-Infinity, -Infinity], undefined, 'float64'))), [0.5, 0.5]);
    });

    it('logSumExp: 0 for -Infinity entries and for all--Infinity reductions, never NaN', () => {
      const x = rv.tensor([[-Infinity, 0, Math.log(3)], [-Infinity, -Infinity, -Infinity]], undefined, 'float64');
      const g = values(grad1((t) => rv.sum(rv.logSumExp(t, 1)))(x));
      // exp(x − lse) with log 3 and lse = log 4 rounded: within 4 ulp.
      assertNear(g, [0, 0.25, 0.75, 0, 0, 0], 4);
      // Huge logits: the weights are still the softmax, to the rounding of the result
      // 1000.69... (half an ulp of 1000 is 2⁻⁴⁴ = 256 ulp of 2⁻⁵²), which passes into them.
      assertNear(values(grad1((t) => rv.logSumExp(t))(rv.tensor([1000, 1000], undefined, 'float64'))), [0.5, 0.5], 300);
    });

    it('softmax and logSoftmax: finite gradients with -Infinity logits', () => {
      const x = rv.tensor([-Infinity, 0, Math.log(3)], undefined, 'float64');
      const w = rv.tensor([1, 2, 3], undefined, 'float64');
      // softmax = [0, 1/4, 3/4]: d(w·p)/dx = p (w − w·p) with w·p = 2.75. The rounding of p
      // (2 ulp) reaches w·p as about 8 ulp of 1 in absolute terms, and the cancellation in
      // w − w·p (3 − 2.75) scales it by 4 relative to the result: 32 ulp.
      assertNear(values(grad1((t) => rv.sum(rv.mul(rv.softmax(t), w)))(x)), [0, -0.1875, 0.1875], 32);
      // The finite entries of logSoftmax: d(ls₁ + ls₂)/dx = [0, 1, 1] − 2p.
      const finite = (t: rv.Tensor) => rv.sum(rv.slice(rv.logSoftmax(t), [1], [2]));
      assertNear(values(grad1(finite)(x)), [0, 0.5, -0.5], 4);
    });

    it('argMax, argMin, any and all give no gradient: zeros, not NaN', () => {
      const x = random([3, 4]);
      const f = (t: rv.Tensor) => {
        const picks = rv.add(rv.cast(rv.argMax(t, 1), 'float64'), rv.cast(rv.argMin(t, 0), 'float64').sum());
        const flags = rv.cast(rv.logicalAnd(rv.any(rv.greater(t, 0), 1), rv.all(rv.less(t, 3), 1)), 'float64');
        return rv.add(rv.sum(rv.mul(picks, flags)), rv.sum(t));
      };
      assertValues(values(grad1(f)(x)), new Array(12).fill(1));
    });

    it('int32 inputs are not differentiated; the float path beside them is', () => {
      const n = rv.tensor([[1, 2], [3, 4]], undefined, 'int32');
      const f = (x: rv.Tensor) => rv.sum(rv.mul(x, rv.cast(rv.add(rv.sum(n), rv.prod(n, 0)), 'float64')));
      assertValues(values(grad1(f)(rv.tensor([1, 1], undefined, 'float64'))), [13, 18]);
    });
  });

  describe('second derivatives against finite differences of the first', () => {
    const cases: [string, Fn, () => rv.Tensor][] = [
      ['mean', (x) => rv.mean(x, 1), () => random([2, 3])],
      ['prod with a zero', (x) => rv.prod(x, 1), () => withZeros([2, 4], [1])],
      ['cumprod with a zero', (x) => rv.cumprod(x, 0, false, true), () => withZeros([6], [2])],
      ['cumprod, exclusive', (x) => rv.cumprod(x, 0, true), () => random([9], 0.5, 1.5)],
      ['logSumExp', (x) => rv.logSumExp(x, -1), () => random([2, 3])],
      ['softmax', (x) => rv.softmax(x, 0), () => random([3, 2])],
      ['logSoftmax', (x) => rv.logSoftmax(x), () => random([2, 3])],
      ['max (zero curvature)', (x) => rv.max(x, 0), () => random([3, 2])],
    ];
    for (const [name, op, input] of cases) {
      it(name, () => {
        // The gradient of a weighted sum of op, itself summed with other weights.
        const first = (x: rv.Tensor) => rv.grad(weightedSum(op, 7))(x) as rv.Tensor;
        checkGradient(weightedSum(first, 3), [input()], { what: name });
      });
    }
  });

  describe('vmap', () => {
    for (const [name, op] of [...reductions, ['any', rv.any], ['all', rv.all]] as [string, Reduce][]) {
      it(name, () => {
        const bool = name === 'any' || name === 'all';
        const x = bool ? rv.greater(random([4, 3, 5]), 0.5) : random([4, 3, 5]);
        for (const [axis, keepDims] of [[null, false], [0, false], [-1, true], [[0, 1], false], [[], true]] as [rv.Axes, boolean][]) {
          for (const inAxis of [0, 1, -1]) {
            checkVmap((t) => op(t, axis, keepDims), [x], [inAxis], { what: `${name}(${JSON.stringify(axis)}, ${keepDims}) inAxes ${inAxis}` });
          }
        }
      });
    }
    for (const [name, op] of [['argMax', rv.argMax], ['argMin', rv.argMin], ['softmax', rv.softmax], ['logSoftmax', rv.logSoftmax]] as [string, typeof rv.argMax][]) {
      it(name, () => {
        const x = random([4, 3, 5]);
        for (const axis of [0, 1, -1]) {
          for (const inAxis of [0, 1, -1]) checkVmap((t) => op(t, axis), [x], [inAxis], { what: `${name}(${axis}) inAxes ${inAxis}` });
        }
      });
    }
    for (const [name, op] of scans) {
      it(name, () => {
        const x = random([4, 3, 5], 0.5, 1.5);
        for (const [exclusive, reverse] of flags) {
          for (const inAxis of [0, 1, -1]) {
            checkVmap((t) => op(t, -1, exclusive, reverse), [x], [inAxis], { what: `${name}(-1, ${exclusive}, ${reverse}) inAxes ${inAxis}` });
          }
        }
      });
    }
    it('with an unmapped input', () => {
      const f = (x: rv.Tensor, y: rv.Tensor) => rv.logSumExp(rv.mul(x, y), 0);
      checkVmap(f, [random([4, 3]), random([3])], [0, null], { what: 'logSumExp of x·y, y unmapped' });
      checkVmap(f, [random([3]), random([3, 4])], [null, 1], { what: 'logSumExp of x·y, x unmapped' });
    });
    it('nested vmap', () => {
      const x = random([2, 3, 4]);
      const f = rv.vmap(rv.vmap((t: rv.Tensor) => rv.softmax(t, 0), { inAxes: [1] }), { inAxes: [0] });
      const got = f(x) as rv.Tensor;
      assert.deepEqual(got.shape, [2, 4, 3]);
      assertValues(values(got), values(rv.transpose(rv.softmax(x, 1), [0, 2, 1])), 'nested softmax');
      const g = rv.vmap(rv.vmap((t: rv.Tensor) => rv.prod(t)), { inAxes: [2] })(x) as rv.Tensor;
      assertValues(values(g), values(rv.transpose(rv.prod(x, 1), [1, 0])), 'nested prod');
    });
    it('vmap of grad equals a loop of grads', () => {
      const ops: [string, Fn][] = [
        ['prod', (t) => rv.prod(t)],
        ['max', (t) => rv.max(t)],
        ['logSumExp', (t) => rv.logSumExp(t)],
        ['cumprod', (t) => rv.sum(rv.cumprod(t, 0, true))],
        ['softmax', weightedSum((t) => rv.softmax(t))],
      ];
      for (const [name, op] of ops) {
        const x = withZeros([4, 5], [3, 12]);
        checkVmap(grad1(op), [x], [0], { what: `vmap of grad of ${name}` });
        checkVmap(grad1(op), [x], [-1], { what: `vmap of grad of ${name}, last axis` });
      }
    });
  });
});
