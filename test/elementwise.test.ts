/**
 * Elementwise ops against plain-JS float64 references: every unary and binary op, `where` and
 * `cast`, on random shapes (scalars, size-0 dimensions, broadcasting both ways, non-contiguous
 * views), in every dtype the op accepts, plus special values, accuracy in ulps and large
 * (multi-threaded) arrays.
 *
 * Inputs are rounded to their dtype before the reference sees them, and the reference's result
 * is rounded to the output dtype, so the only error measured is the kernel's own.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import {
  assertClose, assertManyClose, broadcastPair, broadcastableTo, elementwiseReference, makeRng, maxUlpError, nonContiguous, randomData,
  randomShape, roundTo, sizeOf, toleranceFor,
} from './helpers';

type DType = rv.DType;
type Unary = (x: number) => number;
type Binary = (a: number, b: number) => number;
const dtypes: DType[] = ['float32', 'float64', 'int32', 'bool'];
const floatDTypes = ['float32', 'float64'] as const;

// ---------------------------------------------------------------------------------------------
// References, in float64. Where Math has no function, a numerically stable form is written out.

const sigmoidRef: Unary = (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplusRef: Unary = (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const logSigmoidRef: Unary = (x) => -softplusRef(-x);
const roundHalfEvenRef: Unary = (x) => {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;  // exact for doubles
  if (d !== 0.5) return d < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
};
const truthy = (v: number) => (v !== 0 ? 1 : 0);  // NaN is truthy, as C++ and NumPy's bool(nan)

/** int32 pow as the kernel documents it: by squaring, wrapping; negative exponents truncate. */
function intPowRef(base: number, exponent: number): number {
  if (exponent < 0) {
    if (base === 1) return 1;
    if (base === -1) return exponent % 2 !== 0 ? -1 : 1;
    return 0;
  }
  let r = 1;
  for (let i = 0; i < exponent; i++) r = Math.imul(r, base);
  return r;
}

/** Float to int32 as `cast` documents it: truncate toward zero, saturate, NaN to 0. */
function toInt32Ref(v: number): number {
  if (Number.isNaN(v)) return 0;
  if (v >= 2147483647) return 2147483647;
  if (v <= -2147483648) return -2147483648;
  return Math.trunc(v);
}

// ---------------------------------------------------------------------------------------------
// Dtype rules (lib/tensor/ops/elementwise.ts), restated.

type Kind = 'numeric' | 'float' | 'predicate' | 'logical' | 'comparison';
function outputDType(kind: Kind, input: DType): DType {
  switch (kind) {
    case 'numeric': return input === 'bool' ? 'int32' : input;
    case 'float': return input === 'float64' ? 'float64' : 'float32';
    default: return 'bool';
  }
}
/** The dtype the kernel computes in: the output's for arithmetic, the input's for the rest. */
function computeDType(kind: Kind, input: DType): DType {
  return kind === 'numeric' || kind === 'float' ? outputDType(kind, input) : input;
}

/** Expected values for the output dtype: exact for int32 and bool, float64 rounded to float32. */
function expectedIn(dtype: DType, values: number[]): number[] {
  if (dtype === 'int32') return values.map((v) => v | 0);
  return roundTo(dtype, values);
}

/** A tensor of `values`, contiguous or a strided view with offset, negative strides and permuted axes. */
function input(values: number[], shape: number[], dtype: DType, layout: 'contiguous' | 'view', rng: () => number): rv.Tensor {
  return layout === 'view' ? nonContiguous(values, shape, dtype, rng) : rv.tensor(values, shape, dtype);
}

const unaryShapes = (rng: () => number): number[][] =>
  [[], [], [0], [3, 0, 2], [1], ...Array.from({ length: 7 }, () => randomShape(rng, { maxRank: 4, maxDim: 5 }))];

// ---------------------------------------------------------------------------------------------
// Unary ops

interface UnarySpec {
  name: string;
  kind: Kind;
  ref: Unary;
  /** The reference when the op computes in int32 (wrapping). */
  intRef?: Unary;
  /** Where random float inputs are drawn from. */
  range?: [number, number];
}

const unarySpecs: UnarySpec[] = [
  { name: 'neg', kind: 'numeric', ref: (x) => -x, intRef: (x) => -x | 0 },
  { name: 'abs', kind: 'numeric', ref: Math.abs, intRef: (x) => (x < 0 ? -x | 0 : x) },
  { name: 'sign', kind: 'numeric', ref: Math.sign },
  { name: 'square', kind: 'numeric', ref: (x) => x * x, intRef: (x) => Math.imul(x, x) },
  { name: 'exp', kind: 'float', ref: Math.exp, range: [-10, 10] },
  { name: 'expm1', kind: 'float', ref: Math.expm1, range: [-3, 3] },
  { name: 'log', kind: 'float', ref: Math.log, range: [0, 10] },
  { name: 'log1p', kind: 'float', ref: Math.log1p, range: [-1, 5] },
  { name: 'sqrt', kind: 'float', ref: Math.sqrt, range: [0, 10] },
  { name: 'rsqrt', kind: 'float', ref: (x) => 1 / Math.sqrt(x), range: [0, 10] },
  { name: 'reciprocal', kind: 'float', ref: (x) => 1 / x },
  { name: 'sigmoid', kind: 'float', ref: sigmoidRef, range: [-20, 20] },
  { name: 'logSigmoid', kind: 'float', ref: logSigmoidRef, range: [-20, 20] },
  { name: 'softplus', kind: 'float', ref: softplusRef, range: [-20, 20] },
  { name: 'tanh', kind: 'float', ref: Math.tanh },
  { name: 'sin', kind: 'float', ref: Math.sin, range: [-10, 10] },
  { name: 'cos', kind: 'float', ref: Math.cos, range: [-10, 10] },
  { name: 'floor', kind: 'float', ref: Math.floor },
  { name: 'ceil', kind: 'float', ref: Math.ceil },
  { name: 'round', kind: 'float', ref: roundHalfEvenRef },
  { name: 'isFinite', kind: 'predicate', ref: (x) => (Number.isFinite(x) ? 1 : 0) },
  { name: 'isNaN', kind: 'predicate', ref: (x) => (Number.isNaN(x) ? 1 : 0) },
  { name: 'logicalNot', kind: 'logical', ref: (x) => (x ? 0 : 1) },
];

function unaryFn(name: string): (x: rv.TensorLike) => rv.Tensor {
  return (rv as unknown as Record<string, (x: rv.TensorLike) => rv.Tensor>)[name];
}

/** Random inputs for a unary op, with NaN and infinities mixed into float inputs now and then. */
function unaryInputs(rng: () => number, spec: UnarySpec, dtype: DType, n: number): number[] {
  const [lo, hi] = spec.range ?? [-3, 3];
  const values = randomData(rng, n, dtype, lo, hi);
  if (dtype === 'float32' || dtype === 'float64') {
    for (let i = 0; i < n; i++) {
      const r = rng();
      if (r < 0.03) values[i] = NaN;
      else if (r < 0.06) values[i] = r < 0.045 ? Infinity : -Infinity;
    }
  }
  return roundTo(dtype, values);
}

describe('unary elementwise ops', () => {
  for (const spec of unarySpecs) {
    const inputDTypes = spec.kind === 'logical' ? (['bool'] as DType[]) : dtypes;
    describe(spec.name, () => {
      for (const dtype of inputDTypes) {
        const out = outputDType(spec.kind, dtype);
        it(`matches the float64 reference on ${dtype} input (${out} output) for scalars, empty, random and non-contiguous shapes`, () => {
          const rng = makeRng(0x5eed + spec.name.length * 101 + dtypes.indexOf(dtype));
          const fn = unaryFn(spec.name);
          const ref = computeDType(spec.kind, dtype) === 'int32' && spec.intRef ? spec.intRef : spec.ref;
          unaryShapes(rng).forEach((shape, k) => {
            rv.tidy(() => {
              const values = unaryInputs(rng, spec, dtype, sizeOf(shape));
              const layout = k % 2 === 1 ? 'view' : 'contiguous';
              const y = fn(input(values, shape, dtype, layout, rng));
              const what = `${spec.name}(${dtype} ${layout} [${shape}])`;
              assert.deepEqual(y.shape, shape, `${what}: shape`);
              assert.equal(y.dtype, out, `${what}: dtype`);
              assertClose(y.dataSync(), expectedIn(out, values.map(ref)), toleranceFor(out), what);
            });
          });
        });
      }
    });
  }
});

describe('unary special values', () => {
  it('exp in float32 overflows to Infinity above ~88.72, underflows to 0 below ~-103.97 and keeps NaN', () => {
    const x = [88, 88.72, 88.73, 89, 104, -88, -100, -103.9, -104, -200, Infinity, -Infinity, NaN];
    const y = rv.exp(rv.tensor(x)).dataSync();
    const expected = x.map((v) => Math.fround(Math.exp(Math.fround(v))));
    assert.deepEqual(Array.from(y), expected);  // correctly rounded, subnormals included
    assert.equal(y[3], Infinity);
    assert.equal(y[8], 0);
  });

  it('exp in float64 overflows and underflows where Math.exp does', () => {
    const x = [709, 710, -745, -746, Infinity, -Infinity, NaN];
    assertClose(rv.exp(rv.tensor(x, undefined, 'float64')).dataSync(), x.map(Math.exp), toleranceFor('float64'));
  });

  for (const dtype of floatDTypes) {
    it(`softplus is exact at ±800 and ±1e4 in ${dtype}`, () => {
      const y = rv.softplus(rv.tensor([800, -800, 1e4, -1e4, Infinity, -Infinity], undefined, dtype)).dataSync();
      assert.deepEqual(Array.from(y), [800, 0, 1e4, 0, Infinity, 0]);
    });

    it(`logSigmoid is exact at ±800 and ±1e4 in ${dtype}`, () => {
      const y = rv.logSigmoid(rv.tensor([800, -800, 1e4, -1e4, Infinity, -Infinity], undefined, dtype)).dataSync();
      assert.deepEqual(Array.from(y).map((v) => v + 0), [0, -800, 0, -1e4, 0, -Infinity]);
    });

    it(`sigmoid is never NaN for infinite or huge inputs in ${dtype}`, () => {
      const y = rv.sigmoid(rv.tensor([Infinity, -Infinity, 1e30, -1e30, 800, -800, 3e38, -3e38], undefined, dtype)).dataSync();
      assert.deepEqual(Array.from(y), [1, 0, 1, 0, 1, 0, 1, 0]);
      assert.ok(Number.isNaN(rv.sigmoid(rv.tensor([NaN], undefined, dtype)).dataSync()[0]), 'NaN stays NaN');
    });

    it(`round halves to even in ${dtype}`, () => {
      const x = [0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 0.49999997, 1e7 + 0.5, -0, Infinity];
      const y = rv.round(rv.tensor(x, undefined, dtype)).dataSync();
      assert.deepEqual(Array.from(y).map((v) => v + 0), roundTo(dtype, x).map(roundHalfEvenRef).map((v) => v + 0));
      assert.deepEqual(Array.from(y.slice(0, 7)).map((v) => v + 0), [0, 2, 2, 4, 0, -2, -2]);
    });

    it(`log, sqrt and rsqrt of 0 and negatives give ±Infinity and NaN in ${dtype}`, () => {
      const x = [0, -1, -Infinity];
      assertClose(rv.log(rv.tensor(x, undefined, dtype)).dataSync(), [-Infinity, NaN, NaN], toleranceFor(dtype));
      assertClose(rv.sqrt(rv.tensor(x, undefined, dtype)).dataSync(), [0, NaN, NaN], toleranceFor(dtype));
      assertClose(rv.rsqrt(rv.tensor(x, undefined, dtype)).dataSync(), [Infinity, NaN, NaN], toleranceFor(dtype));
      assertClose(rv.log1p(rv.tensor([-1, -2], undefined, dtype)).dataSync(), [-Infinity, NaN], toleranceFor(dtype));
    });

    it(`expm1 and log1p keep full relative precision near 0 in ${dtype}`, () => {
      const x = roundTo(dtype, [1e-10, -1e-10, 1e-20, 3e-8]);
      assertClose(rv.expm1(rv.tensor(x, undefined, dtype)).dataSync(), roundTo(dtype, x.map(Math.expm1)), toleranceFor(dtype));
      assertClose(rv.log1p(rv.tensor(x, undefined, dtype)).dataSync(), roundTo(dtype, x.map(Math.log1p)), toleranceFor(dtype));
    });

    it(`sign keeps NaN and gives 0 for ±0 in ${dtype}`, () => {
      const y = rv.sign(rv.tensor([NaN, 0, -0, -Infinity, Infinity, 1e-30], undefined, dtype)).dataSync();
      assert.ok(Number.isNaN(y[0]));
      assert.deepEqual(Array.from(y.slice(1)).map((v) => v + 0), [0, 0, -1, 1, 1]);
    });
  }

  it('int32 neg, abs and square wrap around instead of overflowing', () => {
    const x = rv.tensor([-2147483648, 2147483647, 65536, 46341], undefined, 'int32');
    assert.deepEqual(Array.from(rv.neg(x).dataSync()), [-2147483648, -2147483647, -65536, -46341]);
    assert.deepEqual(Array.from(rv.abs(x).dataSync()), [-2147483648, 2147483647, 65536, 46341]);
    assert.deepEqual(Array.from(rv.square(x).dataSync()), [0, 1, 0, Math.imul(46341, 46341)]);
  });

  it('predicates accept every dtype: integers and booleans are always finite and never NaN', () => {
    for (const dtype of ['int32', 'bool'] as DType[]) {
      const x = rv.tensor([0, 1, 1], undefined, dtype);
      assert.deepEqual(Array.from(rv.isFinite(x).dataSync()), [1, 1, 1]);
      assert.deepEqual(Array.from(rv.isNaN(x).dataSync()), [0, 0, 0]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Accuracy in ulps. The default tolerance (toleranceFor) allows 4–16 ulps; these bounds pin each
// op's measured error. Measured over 2e5 random inputs per op and range on this machine (glibc
// libm, V8's fdlibm-based Math as the float64 reference): the bound is the measured maximum
// rounded up, plus one ulp of margin. float64 errors include the reference's own (<= 1 ulp).
//
//             float32   float64          float32   float64
//   exp        0.58      1.00   sigmoid    1.98      2.00
//   expm1      0.79      1.00   logSigm.   1.41      2.00
//   log        0.71      1.00   softplus   1.41      2.00
//   log1p      0.80      1.00   tanh       2.01      3.00
//   sqrt       0.50      0      sin, cos   0.56      1.00
//   rsqrt      1.47      0      pow        0.50      1.00
//   reciprocal 0.50      0      atan2      1.47      1.00
//   div        0.50      0
// sqrt, reciprocal and div are correctly rounded (IEEE); rsqrt is two rounded steps.

interface UlpCase { name: string; ref: Unary; range: [number, number]; bound: { float32: number; float64: number } }
const ulpCases: UlpCase[] = [
  { name: 'exp', ref: Math.exp, range: [-87, 88], bound: { float32: 2, float64: 2 } },
  { name: 'expm1', ref: Math.expm1, range: [-5, 5], bound: { float32: 2, float64: 2 } },
  { name: 'log', ref: Math.log, range: [1e-3, 100], bound: { float32: 2, float64: 2 } },
  { name: 'log1p', ref: Math.log1p, range: [-0.999, 5], bound: { float32: 2, float64: 2 } },
  { name: 'sqrt', ref: Math.sqrt, range: [0, 100], bound: { float32: 0.5, float64: 0.5 } },
  { name: 'rsqrt', ref: (x) => 1 / Math.sqrt(x), range: [1e-3, 100], bound: { float32: 2, float64: 1 } },
  { name: 'reciprocal', ref: (x) => 1 / x, range: [-5, 5], bound: { float32: 0.5, float64: 0.5 } },
  { name: 'sigmoid', ref: sigmoidRef, range: [-30, 30], bound: { float32: 3, float64: 3 } },
  { name: 'logSigmoid', ref: logSigmoidRef, range: [-30, 30], bound: { float32: 3, float64: 3 } },
  { name: 'softplus', ref: softplusRef, range: [-30, 30], bound: { float32: 3, float64: 3 } },
  { name: 'tanh', ref: Math.tanh, range: [-5, 5], bound: { float32: 3, float64: 4 } },
  { name: 'sin', ref: Math.sin, range: [-1000, 1000], bound: { float32: 2, float64: 2 } },
  { name: 'cos', ref: Math.cos, range: [-1000, 1000], bound: { float32: 2, float64: 2 } },
];

describe('accuracy in ulps', () => {
  for (const c of ulpCases) {
    for (const dtype of floatDTypes) {
      it(`${c.name} in ${dtype} is within ${c.bound[dtype]} ulp of the float64 reference on [${c.range}]`, () => {
        const rng = makeRng(0xacc + c.name.length);
        const x = roundTo(dtype, randomData(rng, 50000, 'float64', ...c.range));
        const y = rv.tidy(() => unaryFn(c.name)(rv.tensor(x, undefined, dtype)).dataSync());
        const worst = maxUlpError(y, x.map(c.ref), dtype);
        assert.ok(worst.ulps <= c.bound[dtype], `${c.name}(${x[worst.index]}) = ${y[worst.index]}: ${worst.ulps} ulp`);
      });
    }
  }

  const binaryUlp: { name: string; ref: Binary; a: [number, number]; b: [number, number]; bound: { float32: number; float64: number } }[] = [
    { name: 'pow', ref: Math.pow, a: [0.01, 5], b: [-6, 6], bound: { float32: 1.5, float64: 2 } },
    { name: 'atan2', ref: Math.atan2, a: [-3, 3], b: [-3, 3], bound: { float32: 2, float64: 2 } },
    { name: 'div', ref: (a, b) => a / b, a: [-3, 3], b: [-3, 3], bound: { float32: 0.5, float64: 0.5 } },
  ];
  for (const c of binaryUlp) {
    for (const dtype of floatDTypes) {
      it(`${c.name} in ${dtype} is within ${c.bound[dtype]} ulp of the float64 reference`, () => {
        const rng = makeRng(0xb1 + c.name.length);
        const a = roundTo(dtype, randomData(rng, 50000, 'float64', ...c.a));
        const b = roundTo(dtype, randomData(rng, 50000, 'float64', ...c.b));
        const y = rv.tidy(() => binaryFn(c.name)(rv.tensor(a, undefined, dtype), rv.tensor(b, undefined, dtype)).dataSync());
        const worst = maxUlpError(y, a.map((v, i) => c.ref(v, b[i])), dtype);
        assert.ok(worst.ulps <= c.bound[dtype], `${c.name}(${a[worst.index]}, ${b[worst.index]}) = ${y[worst.index]}: ${worst.ulps} ulp`);
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// cast

describe('cast', () => {
  const specials = [NaN, Infinity, -Infinity, 3e9, -3e9, 2147483647, -2147483648, 2147483648, -2147483649, 0.5, -0.5, 1.7, -1.7, -0, 1e-40];
  for (const from of dtypes) {
    for (const to of dtypes) {
      it(`converts ${from} to ${to} elementwise, on views too`, () => {
        const rng = makeRng(0xca57 + dtypes.indexOf(from) * 4 + dtypes.indexOf(to));
        const convert = (v: number): number => {
          if (to === 'bool') return truthy(v);
          if (to === 'int32') return toInt32Ref(v);
          return v;
        };
        for (const shape of [[], [0], [specials.length], [2, 3, 4], [5, 1, 3]]) {
          rv.tidy(() => {
            let values = roundTo(from, randomData(rng, sizeOf(shape), from, -5, 5));
            if (shape.length === 1 && shape[0] === specials.length) values = roundTo(from, specials);
            for (const layout of ['contiguous', 'view'] as const) {
              const y = rv.cast(input(values, shape, from, layout, rng), to);
              assert.equal(y.dtype, to);
              assert.deepEqual(y.shape, shape);
              assertClose(y.dataSync(), roundTo(to === 'int32' ? 'float64' : to, values.map(convert)), { rtol: 0, atol: 0 },
                `cast ${from} -> ${to} ${layout} [${shape}]`);
            }
          });
        }
      });
    }
  }

  it('saturates NaN, ±Infinity and ±3e9 to int32 (NaN becomes 0)', () => {
    for (const dtype of floatDTypes) {
      const y = rv.cast(rv.tensor([NaN, Infinity, -Infinity, 3e9, -3e9, 1.9, -1.9], undefined, dtype), 'int32');
      assert.deepEqual(Array.from(y.dataSync()), [0, 2147483647, -2147483648, 2147483647, -2147483648, 1, -1]);
    }
  });

  it('to bool is x != 0, so NaN is true', () => {
    assert.deepEqual(rv.cast(rv.tensor([NaN, 0, -0, 0.25, -3]), 'bool').arraySync(), [true, false, false, true, true]);
  });

  it('to the same dtype is a copy with equal values', () => {
    const x = rv.tensor([1.5, -2], undefined, 'float64');
    const y = rv.cast(x, 'float64');
    assert.deepEqual(y.arraySync(), [1.5, -2]);
    assert.notEqual(y, x);
  });
});

// ---------------------------------------------------------------------------------------------
// Binary ops

interface BinarySpec {
  name: string;
  kind: Kind;
  ref: Binary;
  intRef?: Binary;
  a?: [number, number];
  b?: [number, number];
}

const binarySpecs: BinarySpec[] = [
  { name: 'add', kind: 'numeric', ref: (a, b) => a + b, intRef: (a, b) => (a + b) | 0 },
  { name: 'sub', kind: 'numeric', ref: (a, b) => a - b, intRef: (a, b) => (a - b) | 0 },
  { name: 'mul', kind: 'numeric', ref: (a, b) => a * b, intRef: Math.imul },
  { name: 'div', kind: 'float', ref: (a, b) => a / b },
  { name: 'pow', kind: 'numeric', ref: Math.pow, intRef: intPowRef, a: [0.1, 3], b: [-3, 6] },
  { name: 'maximum', kind: 'numeric', ref: Math.max },  // Math.max propagates NaN, as maximum must
  { name: 'minimum', kind: 'numeric', ref: Math.min },
  { name: 'squaredDifference', kind: 'numeric', ref: (a, b) => (a - b) ** 2, intRef: (a, b) => Math.imul((a - b) | 0, (a - b) | 0) },
  { name: 'atan2', kind: 'float', ref: Math.atan2 },
  { name: 'equal', kind: 'comparison', ref: (a, b) => (a === b ? 1 : 0) },
  { name: 'notEqual', kind: 'comparison', ref: (a, b) => (a !== b ? 1 : 0) },
  { name: 'less', kind: 'comparison', ref: (a, b) => (a < b ? 1 : 0) },
  { name: 'lessEqual', kind: 'comparison', ref: (a, b) => (a <= b ? 1 : 0) },
  { name: 'greater', kind: 'comparison', ref: (a, b) => (a > b ? 1 : 0) },
  { name: 'greaterEqual', kind: 'comparison', ref: (a, b) => (a >= b ? 1 : 0) },
  { name: 'logicalAnd', kind: 'logical', ref: (a, b) => (a && b ? 1 : 0) },
  { name: 'logicalOr', kind: 'logical', ref: (a, b) => (a || b ? 1 : 0) },
  { name: 'logicalXor', kind: 'logical', ref: (a, b) => (!a !== !b ? 1 : 0) },
];

function binaryFn(name: string): (a: rv.TensorLike, b: rv.TensorLike) => rv.Tensor {
  return (rv as unknown as Record<string, (a: rv.TensorLike, b: rv.TensorLike) => rv.Tensor>)[name];
}

/** Random operands; comparisons get many ties (values from a small set), floats some NaN. */
function binaryInputs(rng: () => number, spec: BinarySpec, dtype: DType, n: number, which: 'a' | 'b'): number[] {
  let [lo, hi] = spec[which] ?? [-3, 3];
  if (dtype === 'int32' && spec.name === 'pow') [lo, hi] = which === 'a' ? [-3, 4] : [-2, 8];
  let values = randomData(rng, n, dtype, lo, hi);
  if (spec.kind === 'comparison' && dtype !== 'bool') values = values.map((v) => (rng() < 0.4 ? Math.round(v) : v));
  if ((dtype === 'float32' || dtype === 'float64') && spec.name !== 'pow') {
    values = values.map((v) => (rng() < 0.03 ? NaN : v));
  }
  return roundTo(dtype, values);
}

const pairKinds = ['same', 'left', 'right', 'mutual', 'scalar'] as const;

describe('binary elementwise ops', () => {
  for (const spec of binarySpecs) {
    const inputDTypes = spec.kind === 'logical' ? (['bool'] as DType[]) : dtypes;
    describe(spec.name, () => {
      for (const dtype of inputDTypes) {
        const out = outputDType(spec.kind, dtype);
        it(`matches the float64 reference on ${dtype} inputs (${out} output), broadcasting both ways, with scalars, empty and non-contiguous operands`, () => {
          const rng = makeRng(0xb17a + spec.name.length * 31 + dtypes.indexOf(dtype));
          const fn = binaryFn(spec.name);
          const ref = computeDType(spec.kind, dtype) === 'int32' && spec.intRef ? spec.intRef : spec.ref;
          const pairs: [number[], number[]][] = [[[], []], [[0], [1]], [[2, 0], [2, 1]], [[3], [0, 1]]];
          for (const kind of pairKinds) for (let r = 0; r < 3; r++) pairs.push(broadcastPair(rng, kind));
          pairs.forEach(([sa, sb], k) => {
            rv.tidy(() => {
              const a = binaryInputs(rng, spec, dtype, sizeOf(sa), 'a');
              const b = binaryInputs(rng, spec, dtype, sizeOf(sb), 'b');
              const la = k % 3 === 1 ? 'view' : 'contiguous';
              const lb = k % 4 >= 2 ? 'view' : 'contiguous';
              const y = fn(input(a, sa, dtype, la, rng), input(b, sb, dtype, lb, rng));
              const expected = elementwiseReference([{ values: a, shape: sa }, { values: b, shape: sb }], ref);
              const what = `${spec.name}(${dtype} ${la} [${sa}], ${lb} [${sb}])`;
              assert.deepEqual(y.shape, expected.shape, `${what}: shape`);
              assert.equal(y.dtype, out, `${what}: dtype`);
              assertClose(y.dataSync(), expectedIn(out, expected.values), toleranceFor(out), what);
            });
          });
        });
      }
    });
  }
});

describe('binary op dtype rules and special values', () => {
  it('promotes mixed dtypes: bool < int32 < float32 < float64', () => {
    const cases: [DType, DType, DType][] = [
      ['bool', 'int32', 'int32'], ['int32', 'float32', 'float32'], ['float32', 'float64', 'float64'],
      ['bool', 'float64', 'float64'], ['int32', 'float64', 'float64'], ['bool', 'bool', 'int32'],
    ];
    for (const [da, db, out] of cases) {
      rv.tidy(() => {
        const a = rv.tensor([1, 0, 1], undefined, da);
        const b = rv.tensor([1, 1, 0], undefined, db);
        const sum = rv.add(a, b);
        assert.equal(sum.dtype, out, `add(${da}, ${db})`);
        assert.deepEqual(sum.arraySync(), [2, 1, 1]);
        assert.equal(rv.add(b, a).dtype, out, `add(${db}, ${da})`);
        assert.equal(rv.less(a, b).dtype, 'bool');
      });
    }
  });

  it('int32 arithmetic stays int32 and wraps around', () => {
    const big = rv.tensor([2147483647, -2147483648, 65536], undefined, 'int32');
    assert.deepEqual(rv.add(big, 1).arraySync(), [-2147483648, -2147483647, 65537]);
    assert.deepEqual(rv.sub(big, 1).arraySync(), [2147483646, 2147483647, 65535]);
    assert.deepEqual(rv.mul(big, big).arraySync(), [1, 0, 0]);
    assert.deepEqual(rv.pow(big, 2).arraySync(), [1, 0, 0]);
    assert.deepEqual(rv.squaredDifference(big, -1).arraySync(), [0, Math.imul(-2147483647, -2147483647), Math.imul(65537, 65537)]);
    assert.equal(rv.mul(big, 3).dtype, 'int32');
  });

  it('int32 pow with negative exponents truncates toward zero', () => {
    const base = rv.tensor([2, 1, -1, -1, 0, 5], undefined, 'int32');
    const exponent = rv.tensor([-1, -5, -3, -2, 3, 0], undefined, 'int32');
    assert.deepEqual(rv.pow(base, exponent).arraySync(), [0, 1, -1, 1, 0, 1]);
  });

  it('div and atan2 of int32 tensors compute in float32', () => {
    const a = rv.tensor([1, -7, 0, 3], undefined, 'int32');
    const b = rv.tensor([4, 2, 0, 0], undefined, 'int32');
    const q = rv.div(a, b);
    assert.equal(q.dtype, 'float32');
    assertClose(q.dataSync(), [0.25, -3.5, NaN, Infinity], toleranceFor('float32'));
    assert.equal(rv.atan2(a, b).dtype, 'float32');
  });

  it('exp and the other float functions of int32 tensors give float32', () => {
    const x = rv.tensor([0, 1, 2], undefined, 'int32');
    for (const name of ['exp', 'log', 'sqrt', 'sigmoid', 'round']) assert.equal(unaryFn(name)(x).dtype, 'float32', name);
    assertClose(rv.exp(x).dataSync(), roundTo('float32', [1, Math.E, Math.exp(2)]), toleranceFor('float32'));
  });

  it('a JS number next to a tensor takes the tensor dtype (a weak scalar)', () => {
    const f64 = rv.tensor([1.5], undefined, 'float64');
    const f32 = rv.tensor([1.5]);
    const i32 = rv.tensor([3], undefined, 'int32');
    const b = rv.tensor([true]);
    assert.equal(f64.mul(2).dtype, 'float64');
    assert.deepEqual(f64.add(0.1).arraySync(), [1.5 + 0.1]);  // 0.1 in float64, not rounded to float32
    assert.equal(f32.add(0.1).dtype, 'float32');
    assert.deepEqual(f32.add(0.1).arraySync(), [Math.fround(1.5 + Math.fround(0.1))]);
    assert.equal(i32.mul(2).dtype, 'int32');
    assert.equal(rv.sub(10, i32).dtype, 'int32');
    assert.deepEqual(rv.sub(10, i32).arraySync(), [7]);
    assert.equal(i32.mul(2.5).dtype, 'float32', 'a fractional number lifts int32 to float32');
    assert.deepEqual(i32.mul(2.5).arraySync(), [7.5]);
    assert.equal(b.add(1).dtype, 'int32');
    assert.equal(rv.less(i32, 3.5).dtype, 'bool');
    assert.deepEqual(rv.less(i32, 3.5).arraySync(), [true]);
  });

  it('two JS numbers give a float32 scalar; JS arrays are accepted as tensors', () => {
    const s = rv.add(2, 3);
    assert.deepEqual([s.shape, s.dtype, s.arraySync()], [[], 'float32', 5]);
    assert.deepEqual(rv.mul([[1], [2]], [10, 20]).arraySync(), [[10, 20], [20, 40]]);
  });

  for (const dtype of floatDTypes) {
    it(`maximum and minimum propagate NaN from either side in ${dtype}`, () => {
      const a = rv.tensor([NaN, 1, NaN, 2, -Infinity], undefined, dtype);
      const b = rv.tensor([1, NaN, NaN, -3, 5], undefined, dtype);
      assertClose(rv.maximum(a, b).dataSync(), [NaN, NaN, NaN, 2, 5], toleranceFor(dtype));
      assertClose(rv.minimum(a, b).dataSync(), [NaN, NaN, NaN, -3, -Infinity], toleranceFor(dtype));
      assertClose(rv.maximum(a, 0).dataSync(), [NaN, 1, NaN, 2, 0], toleranceFor(dtype));
    });

    it(`comparisons with NaN are false except notEqual in ${dtype}`, () => {
      const a = rv.tensor([NaN, NaN, 1], undefined, dtype);
      const b = rv.tensor([NaN, 1, NaN], undefined, dtype);
      for (const name of ['equal', 'less', 'lessEqual', 'greater', 'greaterEqual']) {
        assert.deepEqual(binaryFn(name)(a, b).arraySync(), [false, false, false], name);
      }
      assert.deepEqual(rv.notEqual(a, b).arraySync(), [true, true, true]);
    });

    it(`pow handles negative bases with integer exponents, 0^0 and infinities in ${dtype}`, () => {
      const a = [-2, -2, 0, 0, 2, -8, Infinity, 1];
      const b = [3, -2, 0, -1, -Infinity, 1 / 3, -1, NaN];
      const y = rv.pow(rv.tensor(a, undefined, dtype), rv.tensor(b, undefined, dtype)).dataSync();
      const bb = roundTo(dtype, b);
      assertClose(y, roundTo(dtype, a.map((v, i) => Math.pow(v, bb[i]))).map((v, i) => (a[i] === 1 ? 1 : v)), toleranceFor(dtype));
    });
  }
});

// ---------------------------------------------------------------------------------------------
// where

describe('where', () => {
  for (const dtype of dtypes) {
    it(`picks a where condition holds and b elsewhere for ${dtype} branches, all three broadcasting, on views`, () => {
      const rng = makeRng(0x3e7e + dtypes.indexOf(dtype));
      for (let k = 0; k < 14; k++) {
        rv.tidy(() => {
          const base = randomShape(rng, { minRank: 0, maxRank: 4, maxDim: 4, allowZero: k === 3 });
          const shapes = [0, 1, 2].map((i) => (i === k % 3 ? base : broadcastableTo(rng, base)));
          const [c, a, b] = shapes.map((s, i) => roundTo(i === 0 ? 'bool' : dtype, randomData(rng, sizeOf(s), i === 0 ? 'bool' : dtype)));
          const layouts = [k % 2, (k >> 1) % 2, (k >> 2) % 2].map((v) => (v ? 'view' : 'contiguous') as 'view' | 'contiguous');
          const y = rv.where(input(c, shapes[0], 'bool', layouts[0], rng), input(a, shapes[1], dtype, layouts[1], rng),
            input(b, shapes[2], dtype, layouts[2], rng));
          const expected = elementwiseReference([{ values: c, shape: shapes[0] }, { values: a, shape: shapes[1] }, { values: b, shape: shapes[2] }],
            (cv, av, bv) => (cv ? av : bv));
          assert.deepEqual(y.shape, expected.shape);
          assert.equal(y.dtype, dtype);
          assertClose(y.dataSync(), expected.values, { rtol: 0, atol: 0 }, `where [${shapes.join('] [')}]`);
        });
      }
    });
  }

  it('promotes the branches to a common dtype and takes JS numbers as weak scalars', () => {
    const c = rv.tensor([true, false]);
    assert.equal(rv.where(c, rv.tensor([1, 2], undefined, 'int32'), rv.tensor([0.5, 0.5], undefined, 'float64')).dtype, 'float64');
    const w = rv.where(c, rv.tensor([1.5, 2.5], undefined, 'float64'), 0);
    assert.deepEqual([w.dtype, w.arraySync()], ['float64', [1.5, 0]]);
    assert.deepEqual(rv.where(c, rv.tensor([7, 8], undefined, 'int32'), -1).arraySync(), [7, -1]);
    assert.equal(rv.where(c, rv.tensor([7, 8], undefined, 'int32'), -1).dtype, 'int32');
  });

  it('keeps NaN in the branch it picks', () => {
    assertClose(rv.where([true, false], [NaN, 1], [2, NaN]).dataSync(), [NaN, NaN], toleranceFor('float32'));
  });
});

// ---------------------------------------------------------------------------------------------
// Large arrays: above the parallel grain (32768 elements), kernels split across the thread pool.

describe('large arrays (multi-threaded)', () => {
  const n = 1_000_000;
  let x: number[];
  let y: number[];
  let x32: Float32Array;
  let y32: Float32Array;
  let originalThreads: number;
  before(() => {
    const rng = makeRng(0x1a29e);
    x = roundTo('float32', randomData(rng, n, 'float64', -20, 20));
    y = roundTo('float32', randomData(rng, n, 'float64', -20, 20));
    x32 = Float32Array.from(x);
    y32 = Float32Array.from(y);
    originalThreads = rv.getNumThreads();
  });
  afterEach(() => rv.setNumThreads(originalThreads));

  const largeUnary: [string, Unary][] = [
    ['exp', Math.exp], ['sigmoid', sigmoidRef], ['softplus', softplusRef], ['tanh', Math.tanh], ['round', roundHalfEvenRef], ['abs', Math.abs],
  ];
  for (const [name, ref] of largeUnary) {
    it(`${name} of 1e6 float32 elements matches the reference at every index`, () => {
      rv.setNumThreads(4);
      rv.tidy(() => {
        const out = unaryFn(name)(rv.tensor(x32)).dataSync();
        assertManyClose(out, roundTo('float32', x.map(ref)), toleranceFor('float32'), name);
      });
    });
  }

  it('add of a [1000, 1000] tensor and a broadcast [1000] row matches the reference', () => {
    rv.setNumThreads(4);
    rv.tidy(() => {
      const row = y.slice(0, 1000);
      const out = rv.add(rv.tensor(x32, [1000, 1000]), rv.tensor(row)).dataSync();
      assertManyClose(out, roundTo('float32', x.map((v, i) => v + row[i % 1000])), toleranceFor('float32'));
    });
  });

  it('mul, maximum, less and where of 1e6 float64 elements match the reference', () => {
    rv.setNumThreads(4);
    rv.tidy(() => {
      const a = rv.tensor(Float64Array.from(x32));
      const b = rv.tensor(Float64Array.from(y32));
      assertManyClose(rv.mul(a, b).dataSync(), x.map((v, i) => v * y[i]), toleranceFor('float64'), 'mul');
      assertManyClose(rv.maximum(a, b).dataSync(), x.map((v, i) => Math.max(v, y[i])), toleranceFor('float64'), 'maximum');
      const lt = rv.less(a, b);
      assertManyClose(lt.dataSync(), x.map((v, i) => (v < y[i] ? 1 : 0)), { rtol: 0, atol: 0 }, 'less');
      assertManyClose(rv.where(lt, a, b).dataSync(), x.map((v, i) => Math.min(v, y[i])), { rtol: 0, atol: 0 }, 'where');
    });
  });

  it('exp of a transposed [1000, 1000] view and cast of a reversed view match the reference', () => {
    rv.setNumThreads(4);
    rv.tidy(() => {
      const t = rv.tensor(x32, [1000, 1000]).transpose();
      const expected = new Array(n);
      for (let i = 0; i < 1000; i++) for (let j = 0; j < 1000; j++) expected[i * 1000 + j] = Math.exp(x[j * 1000 + i]);
      assertManyClose(rv.exp(t).dataSync(), roundTo('float32', expected), toleranceFor('float32'), 'exp of transpose');
      const reversed = rv.tensor(x32).reverse();
      assertManyClose(rv.cast(reversed, 'int32').dataSync(), x.slice().reverse().map(toInt32Ref), { rtol: 0, atol: 0 }, 'cast of reverse');
    });
  });

  it('gives bitwise the same results on 1 thread as on many', () => {
    rv.tidy(() => {
      const a = rv.tensor(x32);
      const b = rv.tensor(y32, [1000, 1000]).transpose();
      const run = () => [rv.exp(a), rv.sigmoid(a), rv.add(a.reshape([1000, 1000]), b), rv.pow(a.abs(), 0.5)].map((t) => t.dataSync());
      rv.setNumThreads(1);
      const single = run();
      rv.setNumThreads(4);
      const multi = run();
      single.forEach((s, k) => assert.deepEqual(multi[k], s, `result ${k}`));
    });
  });
});
