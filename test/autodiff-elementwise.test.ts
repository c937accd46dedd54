/**
 * Gradient and batching rules of the elementwise ops, `where` and `cast`: gradients against
 * central finite differences in float64 (random inputs away from kinks and domain edges, over
 * broadcasting shapes and non-contiguous views), exact gradients at the kinks and edges the
 * rules choose for, no gradient (never NaN) through non-differentiable ops and int paths,
 * second derivatives, and vmap of every op against stacking it over the batch.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { broadcastPair, makeRng, nonContiguous, randomShape, sizeOf } from './helpers';
import { checkGradient, checkVmap, weightedSum } from './transform-helpers';

type Sampler = (rng: () => number) => number;
type Fn = (...xs: rv.Tensor[]) => rv.Tensor;

const uniform = (lo: number, hi: number): Sampler => (rng) => lo + (hi - lo) * rng();
/** |x| in [lo, hi), either sign: keeps clear of a kink or pole at 0. */
const awayFromZero = (lo: number, hi: number): Sampler => (rng) => (rng() < 0.5 ? -1 : 1) * uniform(lo, hi)(rng);
const anyValue = uniform(-3, 3);

function sampled(rng: () => number, shape: readonly number[], sample: Sampler, contiguous = true): rv.Tensor {
  const values = Array.from({ length: sizeOf(shape) }, () => sample(rng));
  return contiguous ? rv.tensor(values, [...shape], 'float64') : nonContiguous(values, shape, 'float64', rng);
}

function values(t: rv.Tensor): number[] {
  return Array.from(t.dataSync(), Number);
}

/** Elementwise ===, so that -0 matches 0 (gradients may be summed from zeros) and NaN matches nothing. */
function assertValues(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, i) => assert.ok(v === expected[i], `${what} [${i}]: got ${v}, expected ${expected[i]}`));
}

/** The gradients of `f` as arrays, in input order (grad returns a bare tensor for one input). */
function gradValues(f: Fn, ...inputs: rv.Tensor[]): number[][] {
  return rv.tidy(() => {
    const g = rv.grad(f)(...inputs);
    return (inputs.length === 1 ? [g] : g).map(values);
  });
}

interface UnaryCase { name: string; f: Fn; sample: Sampler }
interface BinaryCase { name: string; f: Fn; a: Sampler; b: Sampler }

// Domains keep finite differences meaningful: away from poles, kinks and domain edges, and from
// values whose function is so large that its rounding swamps the step.
const unaryCases: UnaryCase[] = [
  { name: 'neg', f: rv.neg, sample: anyValue },
  { name: 'abs', f: rv.abs, sample: awayFromZero(0.1, 3) },
  { name: 'square', f: rv.square, sample: anyValue },
  { name: 'exp', f: rv.exp, sample: uniform(-3, 2) },
  { name: 'expm1', f: rv.expm1, sample: uniform(-3, 2) },
  { name: 'log', f: rv.log, sample: uniform(0.2, 4) },
  { name: 'log1p', f: rv.log1p, sample: uniform(-0.8, 3) },
  { name: 'sqrt', f: rv.sqrt, sample: uniform(0.2, 4) },
  { name: 'rsqrt', f: rv.rsqrt, sample: uniform(0.2, 4) },
  { name: 'reciprocal', f: rv.reciprocal, sample: awayFromZero(0.3, 3) },
  { name: 'sigmoid', f: rv.sigmoid, sample: uniform(-4, 4) },
  { name: 'logSigmoid', f: rv.logSigmoid, sample: uniform(-4, 4) },
  { name: 'softplus', f: rv.softplus, sample: uniform(-4, 4) },
  { name: 'tanh', f: rv.tanh, sample: uniform(-4, 4) },
  { name: 'sin', f: rv.sin, sample: uniform(-4, 4) },
  { name: 'cos', f: rv.cos, sample: uniform(-4, 4) },
  { name: 'cast to float64', f: (x) => rv.cast(x, 'float64'), sample: anyValue },
];

const binaryCases: BinaryCase[] = [
  { name: 'add', f: rv.add, a: anyValue, b: anyValue },
  { name: 'sub', f: rv.sub, a: anyValue, b: anyValue },
  { name: 'mul', f: rv.mul, a: anyValue, b: anyValue },
  { name: 'div', f: rv.div, a: anyValue, b: awayFromZero(0.5, 3) },
  { name: 'pow', f: rv.pow, a: uniform(0.3, 3), b: uniform(-2, 2) },
  { name: 'maximum', f: rv.maximum, a: anyValue, b: anyValue },
  { name: 'minimum', f: rv.minimum, a: anyValue, b: anyValue },
  { name: 'squaredDifference', f: rv.squaredDifference, a: anyValue, b: anyValue },
  { name: 'atan2', f: rv.atan2, a: awayFromZero(0.3, 3), b: awayFromZero(0.3, 3) },
];

const broadcastKinds = ['same', 'left', 'right', 'mutual', 'scalar'] as const;

/** A pair of broadcasting shapes of each kind, small enough for finite differences (1 to 24 elements). */
function smallPair(rng: () => number, kind: (typeof broadcastKinds)[number]): [number[], number[]] {
  for (;;) {
    const [sa, sb] = broadcastPair(rng, kind);
    const n = [sa, sb].map(sizeOf);
    if (Math.min(...n) > 0 && Math.max(...n) <= 24) return [sa, sb];
  }
}

describe('autodiff of elementwise ops', () => {
  describe('gradients against finite differences', () => {
    for (const { name, f, sample } of unaryCases) {
      it(name, () => {
        const rng = makeRng(name.length * 101 + 7);
        for (const contiguous of [true, false]) {
          const shape = randomShape(rng, { minRank: 0, maxRank: 3, maxDim: 3, allowZero: false });
          rv.tidy(() => checkGradient(weightedSum(f), [sampled(rng, shape, sample, contiguous)], { what: `${name} [${shape}]${contiguous ? '' : ' view'}` }));
        }
      });
    }

    for (const { name, f, a, b } of binaryCases) {
      it(`${name}, broadcasting both ways`, () => {
        const rng = makeRng(name.length * 131 + 3);
        for (const kind of broadcastKinds) {
          const [sa, sb] = smallPair(rng, kind);
          const contiguous = kind !== 'left' && kind !== 'mutual';
          rv.tidy(() => checkGradient(weightedSum(f), [sampled(rng, sa, a, contiguous), sampled(rng, sb, b, contiguous)],
            { what: `${name} [${sa}] with [${sb}]${contiguous ? '' : ' views'}` }));
        }
      });
    }

    it('where, in its branches, broadcasting all three inputs', () => {
      const rng = makeRng(17);
      for (const contiguous of [true, false]) {
        rv.tidy(() => {
          const cond = rv.tensor([[true], [false], [true]]);
          const f = weightedSum((x, y) => rv.where(cond, x, y));
          checkGradient(f, [sampled(rng, [3, 4], anyValue, contiguous), sampled(rng, [4], anyValue, contiguous)], { what: 'where' });
          checkGradient(f, [sampled(rng, [], anyValue), sampled(rng, [1, 4], anyValue, contiguous)], { what: 'where, scalar a' });
        });
      }
    });

    it('int32 exponents (promoted) leave the base differentiable', () => {
      const rng = makeRng(5);
      rv.tidy(() => {
        const n = rv.tensor([[2], [-1], [3]], undefined, 'int32');
        checkGradient(weightedSum((x) => rv.pow(x, n)), [sampled(rng, [3, 2], awayFromZero(0.3, 3))], { what: 'pow(x, int32)' });
      });
    });
  });

  describe('gradients at kinks and domain edges', () => {
    it('abs: 0 at 0', () => {
      assertValues(gradValues((x) => rv.abs(x).sum(), rv.tensor([-2, 0, 3], undefined, 'float64'))[0], [-1, 0, 1], 'abs');
    });

    it('maximum and minimum: ties send the gradient to a', () => {
      const a = rv.tensor([1, 2, 3], undefined, 'float64');
      const b = rv.tensor([1, 0, 3], undefined, 'float64');
      const [maxA, maxB] = gradValues((x, y) => rv.maximum(x, y).sum(), a, b);
      assertValues(maxA, [1, 1, 1], 'maximum, a');
      assertValues(maxB, [0, 0, 0], 'maximum, b');
      const [minA, minB] = gradValues((x, y) => rv.minimum(x, y).sum(), a, b);
      assertValues(minA, [1, 0, 1], 'minimum, a');
      assertValues(minB, [0, 1, 0], 'minimum, b');
    });

    it('pow: no NaN at a <= 0 or b = 0; the exponent gets 0 where a <= 0', () => {
      const a = rv.tensor([0, 0, -2, 0, 2, -2], undefined, 'float64');
      const b = rv.tensor([2, 0, 3, 1, 0, 0], undefined, 'float64');
      // d/da: b·a^(b-1) (0 for b = 0, as a^0 = 1); d/db: a^b·log a for a > 0, else 0.
      const [ga, gb] = gradValues((x, y) => rv.pow(x, y).sum(), a, b);
      assertValues(ga, [0, 0, 12, 1, 0, 0], 'pow, a');
      assertValues(gb, [0, 0, 0, 0, Math.log(2), 0], 'pow, b');
    });

    it('saturating functions: exact limits, no NaN, for large |x|', () => {
      const x = rv.tensor([-800, 800], undefined, 'float64');
      const check = (name: string, f: Fn, expected: number[]) => assertValues(gradValues((t) => f(t).sum(), x)[0], expected, name);
      check('sigmoid', rv.sigmoid, [0, 0]);
      check('logSigmoid', rv.logSigmoid, [1, 0]);
      check('softplus', rv.softplus, [0, 1]);
      check('tanh', rv.tanh, [0, 0]);
      check('exp', rv.exp, [0, Infinity]);
    });

    it('gradients of size-0 tensors have their shapes', () => {
      rv.tidy(() => {
        const [ga, gb] = rv.grad((x, y) => rv.mul(rv.exp(x), y).sum())(rv.zeros([0, 3], 'float64'), rv.ones([3], 'float64'));
        assert.deepEqual(ga.shape, [0, 3]);
        assertValues(values(gb), [0, 0, 0], 'sum over no rows');
      });
    });
  });

  describe('no gradient through non-differentiable ops and int paths', () => {
    const x = () => rv.tensor([-1.5, -0.5, 0.5, 0.25, 2.5, 3], undefined, 'float64');

    // Each f multiplies a non-differentiable function of x by x: the gradient is that function itself.
    for (const [name, op] of [['floor', rv.floor], ['ceil', rv.ceil], ['round', rv.round], ['sign', rv.sign]] as [string, Fn][]) {
      it(name, () => {
        const [g] = gradValues((t) => rv.mul(op(t), t).sum(), x());
        assertValues(g, values(op(x())), name);
      });
    }

    const predicates: [string, Fn][] = [
      ['isFinite', (t) => rv.isFinite(rv.div(t, 0))], ['isNaN', (t) => rv.isNaN(rv.log(t))],
      ['equal', (t) => rv.equal(t, 0.5)], ['notEqual', (t) => rv.notEqual(t, 0.5)], ['less', (t) => rv.less(t, 0.5)],
      ['lessEqual', (t) => rv.lessEqual(t, 0.5)], ['greater', (t) => rv.greater(t, 0.5)], ['greaterEqual', (t) => rv.greaterEqual(t, 0.5)],
      ['logicalNot', (t) => rv.logicalNot(rv.greater(t, 0))], ['logicalAnd', (t) => rv.logicalAnd(rv.greater(t, 0), rv.less(t, 1))],
      ['logicalOr', (t) => rv.logicalOr(rv.greater(t, 2), rv.less(t, 0))], ['logicalXor', (t) => rv.logicalXor(rv.greater(t, 0), rv.less(t, 1))],
    ];
    for (const [name, op] of predicates) {
      it(name, () => {
        const [g] = gradValues((t) => rv.mul(rv.cast(op(t), 'float64'), t).sum(), x());
        assertValues(g, values(rv.cast(op(x()), 'float64')), name);
      });
    }

    it('cast through int32 or bool gives no gradient; float32 casts back to float64', () => {
      const [g] = gradValues((t) => rv.add(rv.cast(rv.cast(t, 'int32'), 'float64'), rv.cast(rv.cast(t, 'bool'), 'float64')).mul(t).sum(), x());
      // int32 truncates to [-1, 0, 0, 0, 2, 3]; bool is 1 everywhere: only the last factor t has a gradient.
      assertValues(g, [-1 + 1, 0 + 1, 0 + 1, 0 + 1, 2 + 1, 3 + 1], 'through int32 and bool');
      const w = rv.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], undefined, 'float32');
      rv.tidy(() => {
        const g32 = rv.grad((t) => rv.mul(rv.cast(t, 'float32'), w).sum())(x());
        assert.equal(g32.dtype, 'float64');
        assertValues(values(g32), values(w), 'through float32');
      });
    });

    it('pow on int32 is not differentiable', () => {
      const [g] = gradValues((t) => rv.mul(rv.cast(rv.pow(rv.cast(t, 'int32'), 2), 'float64'), t).sum(), x());
      assertValues(g, [1, 0, 0, 0, 4, 9], 'int32 pow');
    });
  });

  describe('second derivatives against finite differences of the first', () => {
    /** The weighted sum of f's gradients: its gradient holds f's second derivatives. */
    const gradSum = (f: Fn): Fn => (...xs) => {
      const g = rv.grad(f)(...xs);
      const list: rv.Tensor[] = xs.length === 1 ? [g] : g;
      return list.map((t, i) => weightedSum((y) => y, 11 + i)(t)).reduce((s, t) => rv.add(s, t));
    };
    const secondOrder = ['exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'reciprocal', 'sigmoid', 'logSigmoid', 'softplus', 'tanh', 'sin', 'cos', 'abs', 'square'];
    for (const { name, f, sample } of unaryCases.filter((c) => secondOrder.includes(c.name))) {
      it(name, () => {
        const rng = makeRng(name.length * 17 + 1);
        rv.tidy(() => checkGradient(gradSum(weightedSum(f)), [sampled(rng, [2, 3], sample)], { what: `${name}''` }));
      });
    }
    for (const { name, f, a, b } of binaryCases.filter((c) => ['mul', 'div', 'pow', 'atan2', 'squaredDifference', 'maximum'].includes(c.name))) {
      it(name, () => {
        const rng = makeRng(name.length * 19 + 2);
        rv.tidy(() => checkGradient(gradSum(weightedSum(f)), [sampled(rng, [2, 3], a), sampled(rng, [3], b)], { what: `${name}''` }));
      });
    }
    it('where', () => {
      const rng = makeRng(23);
      const cond = rv.tensor([true, false, true]);
      rv.tidy(() => checkGradient(gradSum(weightedSum((x, y) => rv.where(cond, rv.exp(x), rv.sin(y)))), [sampled(rng, [2, 3], anyValue), sampled(rng, [3], anyValue)], { what: "where''" }));
    });
  });

  describe('vmap against stacking', () => {
    interface VmapCase { name: string; f: Fn; samplers: (Sampler | 'bool')[] }
    const boolSample: Sampler = (rng) => (rng() < 0.5 ? 1 : 0);
    const nonDifferentiable: VmapCase[] = [
      ...['sign', 'floor', 'ceil', 'round', 'isFinite', 'isNaN'].map((name) => ({ name, f: (rv as unknown as Record<string, Fn>)[name], samplers: [uniform(-3, 3)] })),
      { name: 'logicalNot', f: rv.logicalNot, samplers: ['bool'] },
      ...['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'].map((name) => ({
        name, f: (rv as unknown as Record<string, Fn>)[name], samplers: [(rng: () => number) => Math.floor(4 * rng()), (rng: () => number) => Math.floor(4 * rng())],
      })),
      ...['logicalAnd', 'logicalOr', 'logicalXor'].map((name) => ({ name, f: (rv as unknown as Record<string, Fn>)[name], samplers: ['bool', 'bool'] as 'bool'[] })),
      { name: 'cast to float32', f: (x) => rv.cast(x, 'float32'), samplers: [anyValue] },
      { name: 'cast to int32', f: (x) => rv.cast(x, 'int32'), samplers: [anyValue] },
      { name: 'where', f: rv.where, samplers: ['bool', anyValue, anyValue] },
    ];
    const cases: VmapCase[] = [
      ...unaryCases.map(({ name, f, sample }) => ({ name, f, samplers: [sample] })),
      ...binaryCases.map(({ name, f, a, b }) => ({ name, f, samplers: [a, b] })),
      ...nonDifferentiable,
    ];
    // Logical shapes of the inputs by arity: they broadcast, and the unmapped ones may have a
    // higher rank than the mapped ones, so that batched inputs need aligning.
    const logicalShapes: Record<number, number[][]> = { 1: [[2, 3]], 2: [[2, 3], [3]], 3: [[2, 1], [3], [2, 3]] };
    // inAxes per arity: the batch axis in front, in the middle and last, and unmapped inputs.
    const axesByArity: Record<number, (number | null)[][]> = {
      1: [[0], [1], [-1]],
      2: [[0, 0], [1, -1], [-1, null], [null, 0], [0, null]],
      3: [[0, 0, 0], [1, null, -1], [null, -1, null], [-1, 1, 0]],
    };
    const size = 3;

    function physical(rng: () => number, logical: number[], axis: number | null, sampler: Sampler | 'bool'): rv.Tensor {
      const shape = logical.slice();
      if (axis !== null) shape.splice(axis < 0 ? shape.length + 1 + axis : axis, 0, size);
      if (sampler === 'bool') return rv.tensor(Array.from({ length: sizeOf(shape) }, () => boolSample(rng) === 1), shape, 'bool');
      return sampled(rng, shape, sampler);
    }

    for (const { name, f, samplers } of cases) {
      it(name, () => {
        const rng = makeRng(name.length * 7 + 5);
        const arity = samplers.length;
        for (const inAxes of axesByArity[arity]) {
          const shapes = logicalShapes[arity];
          rv.tidy(() => {
            const inputs = samplers.map((s, i) => physical(rng, shapes[i], inAxes[i], s));
            checkVmap(f, inputs, inAxes, { what: `${name} inAxes [${inAxes.join(', ')}]` });
          });
        }
      });
    }

    it('outAxes other than 0', () => {
      const rng = makeRng(29);
      rv.tidy(() => {
        const inputs = [sampled(rng, [size, 2, 3], anyValue), sampled(rng, [3], anyValue)];
        checkVmap(rv.mul, inputs, [0, null], { outAxes: 2, what: 'mul outAxes 2' });
      });
    });

    it('nested vmap', () => {
      const rng = makeRng(31);
      rv.tidy(() => {
        const inner = rv.vmap(rv.atan2, { inAxes: [0, null] });
        checkVmap(inner, [sampled(rng, [2, 4, 3], awayFromZero(0.3, 3)), sampled(rng, [3, 4], anyValue)], [1, -1], { what: 'vmap(vmap(atan2))' });
        const innerWhere = rv.vmap(rv.where, { inAxes: [null, 0, 1] });
        checkVmap(innerWhere, [rv.tensor([true, false, false, true], [2, 2]), sampled(rng, [2, 2, 4], anyValue), sampled(rng, [2, 4, 2], anyValue)], [null, 2, 1],
          { what: 'vmap(vmap(where))' });
      });
    });

    describe('vmap of grad against a loop of grads', () => {
      for (const { name, f, samplers } of cases.filter((c) => ['tanh', 'log', 'pow', 'maximum', 'div'].includes(c.name))) {
        it(name, () => {
          const rng = makeRng(name.length * 3 + 13);
          rv.tidy(() => {
            if (samplers.length === 1) {
              checkVmap(rv.grad(weightedSum(f)), [sampled(rng, [2, size, 3], samplers[0] as Sampler)], [1], { what: `vmap(grad(${name}))` });
              return;
            }
            // Both gradients in one tensor: the batched a's and the shared b's (one per member).
            const both: Fn = (a, b) => {
              const [ga, gb] = rv.grad(weightedSum(f))(a, b);
              return rv.concat([rv.reshape(ga, [-1]), rv.reshape(gb, [-1])]);
            };
            const inputs = [sampled(rng, [2, 3, size], samplers[0] as Sampler), sampled(rng, [3], samplers[1] as Sampler)];
            checkVmap(both, inputs, [-1, null], { what: `vmap(grad(${name}))` });
          });
        });
      }
    });
  });
});
