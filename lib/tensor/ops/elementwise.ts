/**
 * Unary and binary elementwise ops, `where` and `cast`: declarations (with their gradient and
 * batching rules) and their functional forms.
 */
import { elementwiseBatch } from '../batching';
import { addMethods, type ChainedMethods } from '../chain';
import type { TensorLike } from '../convert';
import { type DType, isDType, isFloat, promote, toFloat } from '../dtype';
import { defineOp, type GradientRule, type Op } from '../op';
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

// Gradient rules. Ops on int/bool are never asked for gradients (autodiff skips those inputs),
// so the rules only see floats. Cotangents are returned at the output's (broadcast) shape;
// autodiff sums them back to each input's shape.

/** A unary op's rule from its vector–Jacobian product `(dy, x, y) => dx`, y being the output. */
function unaryGrad(vjp: (dy: Tensor, x: Tensor, y: Tensor) => Tensor): GradientRule<void> {
  return (dy, { inputs, output }) => [vjp(dy, inputs[0], output)];
}

type BinaryVjp = (dy: Tensor, a: Tensor, b: Tensor, y: Tensor) => Tensor;
/** A binary op's rule from the products for `a` and for `b`; each runs only when needed. */
function binaryGrad(da: BinaryVjp, db: BinaryVjp): GradientRule<void> {
  return (dy, { inputs: [a, b], output, needs }) => [
    needs[0] ? da(dy, a, b, output) : null,
    needs[1] ? db(dy, a, b, output) : null,
  ];
}

/** dy where `mask` holds, 0 elsewhere. */
const maskedBy = (mask: Tensor, dy: Tensor) => where(mask, dy, 0);
/** dy where `mask` does not hold, 0 elsewhere. */
const maskedOut = (mask: Tensor, dy: Tensor) => where(mask, 0, dy);

/**
 * log a where a > 0, else 0: the factor of pow's derivative in its exponent (TensorFlow's
 * choice; for a = 0 and b > 0 the derivative is 0, for a < 0 it does not exist). The inner
 * `where` keeps log away from a ≤ 0 so that the second derivative has no NaN either.
 */
function logWherePositive(a: Tensor): Tensor {
  const positive = greater(a, 0);
  return where(positive, log(where(positive, a, 1)), 0);
}

/**
 * d(aᵇ)/da = b·aᵇ⁻¹, with b = 0 giving 0 (aᵇ = 1) even at a = 0, where 0·0⁻¹ would be NaN: the
 * exponent is moved off 0 there, and the factor b makes the term 0.
 */
function powBaseDerivative(a: Tensor, b: Tensor): Tensor {
  const safeB = where(equal(b, 0), 1, b);
  return mul(b, pow(a, sub(safeB, 1)));
}

function unaryOp(name: string, dtype: (d: DType[]) => { inputs: DType[]; output: DType }, gradient: GradientRule<void> | 'none'): (x: TensorLike) => Tensor {
  const op = defineOp<void>({ name, inputs: unaryInputs, dtype, shape: sameShape, gradient, batch: elementwiseBatch });
  return (x: TensorLike) => op.run([x], undefined);
}

function binaryOp(name: string, dtype: (d: DType[]) => { inputs: DType[]; output: DType }, gradient: GradientRule<void> | 'none'): (a: TensorLike, b: TensorLike) => Tensor {
  const op = defineOp<void>({ name, inputs: binaryInputs, dtype, shape: broadcastBinary, gradient, batch: elementwiseBatch });
  return (a: TensorLike, b: TensorLike) => op.run([a, b], undefined);
}

/** -x. @example rv.neg([1, -2])  // [-1, 2] */
export const neg = unaryOp('neg', numericUnary, unaryGrad((dy) => neg(dy)));
/**
 * |x|. Its gradient at 0 is 0 (the subgradient TensorFlow picks). @example rv.abs([-1, 2])  // [1, 2]
 */
export const abs = unaryOp('abs', numericUnary, unaryGrad((dy, x) => mul(dy, sign(x))));
/** -1, 0 or 1 by the sign of x (NaN stays NaN). @example rv.sign([-3, 0, 2])  // [-1, 0, 1] */
export const sign = unaryOp('sign', numericUnary, 'none');
/** x². @example rv.square([3])  // [9] */
export const square = unaryOp('square', numericUnary, unaryGrad((dy, x) => mul(dy, mul(x, 2))));
/** eˣ. @example rv.exp([0, 1])  // [1, 2.718...] */
export const exp = unaryOp('exp', floatUnary, unaryGrad((dy, _x, y) => mul(dy, y)));
/** eˣ − 1, accurate near 0. @example rv.expm1([1e-10]) */
export const expm1 = unaryOp('expm1', floatUnary, unaryGrad((dy, _x, y) => mul(dy, add(y, 1))));
/** Natural logarithm. @example rv.log([1, Math.E])  // [0, 1] */
export const log = unaryOp('log', floatUnary, unaryGrad((dy, x) => div(dy, x)));
/** log(1 + x), accurate near 0. @example rv.log1p([1e-10]) */
export const log1p = unaryOp('log1p', floatUnary, unaryGrad((dy, x) => div(dy, add(x, 1))));
/** √x. @example rv.sqrt([4])  // [2] */
export const sqrt = unaryOp('sqrt', floatUnary, unaryGrad((dy, _x, y) => div(dy, mul(y, 2))));
/** 1/√x. @example rv.rsqrt([4])  // [0.5] */
export const rsqrt = unaryOp('rsqrt', floatUnary, unaryGrad((dy, _x, y) => mul(dy, mul(mul(square(y), y), -0.5))));
/** 1/x. @example rv.reciprocal([4])  // [0.25] */
export const reciprocal = unaryOp('reciprocal', floatUnary, unaryGrad((dy, _x, y) => neg(mul(dy, square(y)))));
/** 1/(1 + e⁻ˣ), never NaN for non-NaN x. @example rv.sigmoid([0])  // [0.5] */
export const sigmoid = unaryOp('sigmoid', floatUnary, unaryGrad((dy, _x, y) => mul(dy, mul(y, sub(1, y)))));
/** log σ(x) = −softplus(−x), exact for large |x|. @example rv.logSigmoid([-800])  // [-800] */
export const logSigmoid = unaryOp('logSigmoid', floatUnary, unaryGrad((dy, x) => mul(dy, sigmoid(neg(x)))));
/** log(1 + eˣ), exact for large |x|. @example rv.softplus([800])  // [800] */
export const softplus = unaryOp('softplus', floatUnary, unaryGrad((dy, x) => mul(dy, sigmoid(x))));
/** Hyperbolic tangent. @example rv.tanh([0])  // [0] */
export const tanh = unaryOp('tanh', floatUnary, unaryGrad((dy, _x, y) => mul(dy, sub(1, square(y)))));
/** Sine. @example rv.sin([0]) */
export const sin = unaryOp('sin', floatUnary, unaryGrad((dy, x) => mul(dy, cos(x))));
/** Cosine. @example rv.cos([0])  // [1] */
export const cos = unaryOp('cos', floatUnary, unaryGrad((dy, x) => neg(mul(dy, sin(x)))));
/** Largest integer ≤ x; no gradient. @example rv.floor([1.5])  // [1] */
export const floor = unaryOp('floor', floatUnary, 'none');
/** Smallest integer ≥ x; no gradient. @example rv.ceil([1.5])  // [2] */
export const ceil = unaryOp('ceil', floatUnary, 'none');
/** Nearest integer, halves to even; no gradient. @example rv.round([0.5, 1.5])  // [0, 2] */
export const round = unaryOp('round', floatUnary, 'none');
/** True where x is neither infinite nor NaN. @example rv.isFinite([1, Infinity])  // [true, false] */
export const isFinite = unaryOp('isFinite', predicate, 'none');
/** True where x is NaN. @example rv.isNaN([NaN, 1])  // [true, false] */
export const isNaN = unaryOp('isNaN', predicate, 'none');
/** Logical not of a bool tensor. @example rv.logicalNot([true])  // [false] */
export const logicalNot = unaryOp('logicalNot', (d) => requireBool(d, unaryInputs), 'none');

/** a + b, broadcasting. @example rv.add([1, 2], 10)  // [11, 12] */
export const add = binaryOp('add', numericBinary, binaryGrad((dy) => dy, (dy) => dy));
/** a − b. @example rv.sub([5], [2])  // [3] */
export const sub = binaryOp('sub', numericBinary, binaryGrad((dy) => dy, (dy) => neg(dy)));
/** a · b. @example rv.mul([2, 3], 2)  // [4, 6] */
export const mul = binaryOp('mul', numericBinary, binaryGrad((dy, _a, b) => mul(dy, b), (dy, a) => mul(dy, a)));
/** a / b, in floating point (integers are divided as float32). @example rv.div([1], [4])  // [0.25] */
export const div = binaryOp('div', floatBinary, binaryGrad(
  (dy, _a, b) => div(dy, b),
  (dy, _a, b, y) => neg(div(mul(dy, y), b)),
));
/**
 * aᵇ. Its gradient in b is taken as 0 where a ≤ 0 (TensorFlow's choice: exact for a = 0 < b,
 * undefined for a < 0). Not differentiable on int32 (an int32 result gives no gradient).
 *
 * @example rv.pow([2], [10])  // [1024]
 */
export const pow = binaryOp('pow', numericBinary, binaryGrad(
  (dy, a, b) => mul(dy, powBaseDerivative(a, b)),
  (dy, a, _b, y) => mul(dy, mul(y, logWherePositive(a))),
));
/**
 * Elementwise maximum; NaN wins. On ties the gradient goes to `a` (as in TensorFlow).
 *
 * @example rv.maximum([1, 5], 3)  // [3, 5]
 */
export const maximum = binaryOp('maximum', numericBinary, binaryGrad(
  (dy, a, b) => maskedBy(greaterEqual(a, b), dy),
  (dy, a, b) => maskedOut(greaterEqual(a, b), dy),
));
/**
 * Elementwise minimum; NaN wins. On ties the gradient goes to `a` (as in TensorFlow).
 *
 * @example rv.minimum([1, 5], 3)  // [1, 3]
 */
export const minimum = binaryOp('minimum', numericBinary, binaryGrad(
  (dy, a, b) => maskedBy(lessEqual(a, b), dy),
  (dy, a, b) => maskedOut(lessEqual(a, b), dy),
));
/** (a − b)². @example rv.squaredDifference([3], [1])  // [4] */
export const squaredDifference = binaryOp('squaredDifference', numericBinary, binaryGrad(
  (dy, a, b) => mul(dy, mul(sub(a, b), 2)),
  (dy, a, b) => mul(dy, mul(sub(b, a), 2)),
));
/** atan2(a, b), the angle of the point (b, a). @example rv.atan2([1], [1])  // [π/4] */
export const atan2 = binaryOp('atan2', floatBinary, binaryGrad(
  (dy, a, b) => div(mul(dy, b), add(square(a), square(b))),
  (dy, a, b) => neg(div(mul(dy, a), add(square(a), square(b)))),
));
/** a == b. @example rv.equal([1, 2], 2)  // [false, true] */
export const equal = binaryOp('equal', comparisonBinary, 'none');
/** a != b. */
export const notEqual = binaryOp('notEqual', comparisonBinary, 'none');
/** a < b. */
export const less = binaryOp('less', comparisonBinary, 'none');
/** a <= b. */
export const lessEqual = binaryOp('lessEqual', comparisonBinary, 'none');
/** a > b. */
export const greater = binaryOp('greater', comparisonBinary, 'none');
/** a >= b. */
export const greaterEqual = binaryOp('greaterEqual', comparisonBinary, 'none');
/** a AND b (bool). */
export const logicalAnd = binaryOp('logicalAnd', (d) => requireBool(d, binaryInputs), 'none');
/** a OR b (bool). */
export const logicalOr = binaryOp('logicalOr', (d) => requireBool(d, binaryInputs), 'none');
/** a XOR b (bool). */
export const logicalXor = binaryOp('logicalXor', (d) => requireBool(d, binaryInputs), 'none');

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
  // The condition gets no gradient; each branch gets dy where it was picked.
  gradient: (dy, { inputs: [condition], needs }) => [
    null,
    needs[1] ? maskedBy(condition, dy) : null,
    needs[2] ? maskedOut(condition, dy) : null,
  ],
  batch: elementwiseBatch,
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
  // Between floats, dy cast back to the input's dtype; to or from int32/bool, no gradient.
  gradient: (dy, { inputs: [x], output }) => [isFloat(x.dtype) && isFloat(output.dtype) ? cast(dy, x.dtype) : null],
  batch: elementwiseBatch,
});
/**
 * Converts to `dtype`. Floats to int32 truncate toward zero and saturate (NaN becomes 0);
 * anything to bool is `x != 0`. Gradients flow only between float dtypes.
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
