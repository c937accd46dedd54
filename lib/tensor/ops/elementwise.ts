/** Unary and binary elementwise ops, `where` and `cast`: declarations and their functional forms. */
import { addMethods, type ChainedMethods } from '../chain';
import type { TensorLike } from '../convert';
import { type DType, isDType, promote, toFloat } from '../dtype';
import { defineOp, type Op } from '../op';
import { broadcastShapes, RuleError } from '../shape';
import type { Tensor } from '../tensor';

// dtype rules
const floatUnary = ([x]: DType[]) => {
  const t = toFloat(x);
  return { inputs: [t], output: t };
};
const numericUnary = ([x]: DType[]) => {
  const t = x === 'bool' ? 'int32' : x;
  return { inputs: [t], output: t };
};
const predicate = ([x]: DType[]) => ({ inputs: [x], output: 'bool' as DType });
const numericBinary = ([a, b]: DType[]) => {
  const p = promote(a, b);
  const t = p === 'bool' ? 'int32' : p;
  return { inputs: [t, t], output: t };
};
const floatBinary = ([a, b]: DType[]) => {
  const t = toFloat(promote(a, b));
  return { inputs: [t, t], output: t };
};
const comparisonBinary = ([a, b]: DType[]) => {
  const t = promote(a, b);
  return { inputs: [t, t], output: 'bool' as DType };
};
function requireBool(dtypes: DType[], names: readonly string[]) {
  dtypes.forEach((d, i) => {
    if (d !== 'bool') throw new RuleError(`argument '${names[i]}' must be bool, got ${d}`);
  });
  return { inputs: dtypes.map(() => 'bool' as DType), output: 'bool' as DType };
}

const sameShape = ([x]: readonly (readonly number[])[]) => x;
const unaryInputs = ['x'] as const;
const binaryInputs = ['a', 'b'] as const;
const broadcastBinary = (shapes: readonly (readonly number[])[]) => broadcastShapes(shapes, binaryInputs);

function unaryOp(name: string, dtype: (d: DType[]) => { inputs: DType[]; output: DType }): (x: TensorLike) => Tensor {
  const op = defineOp<void>({ name, inputs: unaryInputs, dtype, shape: sameShape });
  return (x: TensorLike) => op.run([x], undefined);
}

function binaryOp(name: string, dtype: (d: DType[]) => { inputs: DType[]; output: DType }): (a: TensorLike, b: TensorLike) => Tensor {
  const op = defineOp<void>({ name, inputs: binaryInputs, dtype, shape: broadcastBinary });
  return (a: TensorLike, b: TensorLike) => op.run([a, b], undefined);
}

/** -x. @example rv.neg([1, -2])  // [-1, 2] */
export const neg = unaryOp('neg', numericUnary);
/** |x|. @example rv.abs([-1, 2])  // [1, 2] */
export const abs = unaryOp('abs', numericUnary);
/** -1, 0 or 1 by the sign of x (NaN stays NaN). @example rv.sign([-3, 0, 2])  // [-1, 0, 1] */
export const sign = unaryOp('sign', numericUnary);
/** x². @example rv.square([3])  // [9] */
export const square = unaryOp('square', numericUnary);
/** eˣ. @example rv.exp([0, 1])  // [1, 2.718...] */
export const exp = unaryOp('exp', floatUnary);
/** eˣ − 1, accurate near 0. @example rv.expm1([1e-10]) */
export const expm1 = unaryOp('expm1', floatUnary);
/** Natural logarithm. @example rv.log([1, Math.E])  // [0, 1] */
export const log = unaryOp('log', floatUnary);
/** log(1 + x), accurate near 0. @example rv.log1p([1e-10]) */
export const log1p = unaryOp('log1p', floatUnary);
/** √x. @example rv.sqrt([4])  // [2] */
export const sqrt = unaryOp('sqrt', floatUnary);
/** 1/√x. @example rv.rsqrt([4])  // [0.5] */
export const rsqrt = unaryOp('rsqrt', floatUnary);
/** 1/x. @example rv.reciprocal([4])  // [0.25] */
export const reciprocal = unaryOp('reciprocal', floatUnary);
/** 1/(1 + e⁻ˣ), never NaN for non-NaN x. @example rv.sigmoid([0])  // [0.5] */
export const sigmoid = unaryOp('sigmoid', floatUnary);
/** log σ(x) = −softplus(−x), exact for large |x|. @example rv.logSigmoid([-800])  // [-800] */
export const logSigmoid = unaryOp('logSigmoid', floatUnary);
/** log(1 + eˣ), exact for large |x|. @example rv.softplus([800])  // [800] */
export const softplus = unaryOp('softplus', floatUnary);
/** Hyperbolic tangent. @example rv.tanh([0])  // [0] */
export const tanh = unaryOp('tanh', floatUnary);
/** Sine. @example rv.sin([0]) */
export const sin = unaryOp('sin', floatUnary);
/** Cosine. @example rv.cos([0])  // [1] */
export const cos = unaryOp('cos', floatUnary);
/** Largest integer ≤ x. @example rv.floor([1.5])  // [1] */
export const floor = unaryOp('floor', floatUnary);
/** Smallest integer ≥ x. @example rv.ceil([1.5])  // [2] */
export const ceil = unaryOp('ceil', floatUnary);
/** Nearest integer, halves to even. @example rv.round([0.5, 1.5])  // [0, 2] */
export const round = unaryOp('round', floatUnary);
/** True where x is neither infinite nor NaN. @example rv.isFinite([1, Infinity])  // [true, false] */
export const isFinite = unaryOp('isFinite', predicate);
/** True where x is NaN. @example rv.isNaN([NaN, 1])  // [true, false] */
export const isNaN = unaryOp('isNaN', predicate);
/** Logical not of a bool tensor. @example rv.logicalNot([true])  // [false] */
export const logicalNot = unaryOp('logicalNot', (d) => requireBool(d, unaryInputs));

/** a + b, broadcasting. @example rv.add([1, 2], 10)  // [11, 12] */
export const add = binaryOp('add', numericBinary);
/** a − b. @example rv.sub([5], [2])  // [3] */
export const sub = binaryOp('sub', numericBinary);
/** a · b. @example rv.mul([2, 3], 2)  // [4, 6] */
export const mul = binaryOp('mul', numericBinary);
/** a / b, in floating point (integers are divided as float32). @example rv.div([1], [4])  // [0.25] */
export const div = binaryOp('div', floatBinary);
/** aᵇ. @example rv.pow([2], [10])  // [1024] */
export const pow = binaryOp('pow', numericBinary);
/** Elementwise maximum; NaN wins. @example rv.maximum([1, 5], 3)  // [3, 5] */
export const maximum = binaryOp('maximum', numericBinary);
/** Elementwise minimum; NaN wins. @example rv.minimum([1, 5], 3)  // [1, 3] */
export const minimum = binaryOp('minimum', numericBinary);
/** (a − b)². @example rv.squaredDifference([3], [1])  // [4] */
export const squaredDifference = binaryOp('squaredDifference', numericBinary);
/** atan2(a, b), the angle of the point (b, a). @example rv.atan2([1], [1])  // [π/4] */
export const atan2 = binaryOp('atan2', floatBinary);
/** a == b. @example rv.equal([1, 2], 2)  // [false, true] */
export const equal = binaryOp('equal', comparisonBinary);
/** a != b. */
export const notEqual = binaryOp('notEqual', comparisonBinary);
/** a < b. */
export const less = binaryOp('less', comparisonBinary);
/** a <= b. */
export const lessEqual = binaryOp('lessEqual', comparisonBinary);
/** a > b. */
export const greater = binaryOp('greater', comparisonBinary);
/** a >= b. */
export const greaterEqual = binaryOp('greaterEqual', comparisonBinary);
/** a AND b (bool). */
export const logicalAnd = binaryOp('logicalAnd', (d) => requireBool(d, binaryInputs));
/** a OR b (bool). */
export const logicalOr = binaryOp('logicalOr', (d) => requireBool(d, binaryInputs));
/** a XOR b (bool). */
export const logicalXor = binaryOp('logicalXor', (d) => requireBool(d, binaryInputs));

const whereInputs = ['condition', 'a', 'b'] as const;
const whereOp = defineOp<void>({
  name: 'where',
  inputs: whereInputs,
  dtype: ([c, a, b]) => {
    if (c !== 'bool') throw new RuleError(`argument 'condition' must be bool, got ${c}`);
    const t = promote(a, b);
    return { inputs: ['bool', t, t], output: t };
  },
  shape: (shapes) => broadcastShapes(shapes, whereInputs),
});
/**
 * Picks from `a` where `condition` holds and from `b` elsewhere; all three broadcast.
 *
 * @example
 * rv.where([true, false], [1, 2], [10, 20]);  // [1, 20]
 */
export function where(condition: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  return whereOp.run([condition, a, b], undefined);
}

const castOp: Op<{ dtype: DType }> = defineOp<{ dtype: DType }>({
  name: 'cast',
  inputs: unaryInputs,
  dtype: ([x], { dtype }) => {
    if (!isDType(dtype)) throw new RuleError(`unknown dtype ${String(dtype)} (expected float32, float64, int32 or bool)`);
    return { inputs: [x], output: dtype };
  },
  shape: sameShape,
});
/**
 * Converts to `dtype`. Floats to int32 truncate toward zero and saturate (NaN becomes 0);
 * anything to bool is `x != 0`.
 *
 * @example
 * rv.cast([1.7, -1.7], 'int32');  // [1, -1]
 */
export function cast(x: TensorLike, dtype: DType): Tensor {
  return castOp.run([x], { dtype });
}

const methods = {
  neg, abs, sign, square, exp, expm1, log, log1p, sqrt, rsqrt, reciprocal, sigmoid, logSigmoid, softplus, tanh,
  sin, cos, floor, ceil, round, isFinite, isNaN, logicalNot, add, sub, mul, div, pow, maximum, minimum,
  squaredDifference, atan2, equal, notEqual, less, lessEqual, greater, greaterEqual, logicalAnd, logicalOr,
  logicalXor, cast,
};
addMethods(methods);

declare module '../tensor' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends ChainedMethods<typeof methods> {}
}
