/**
 * Reductions (sum, mean, prod, max, min, any, all, logSumExp), arg-reductions (argMax,
 * argMin), scans (cumsum, cumprod) and softmax/logSoftmax: declarations and functional forms,
 * with TensorFlow.js names and signatures.
 *
 * Under vmap every op here runs once on the batch with its axes shifted past the batch axis.
 */
import { addMethods, type ChainedMethods } from '../chain';
import type { TensorLike } from '../convert';
import { type DType, toFloat } from '../dtype';
import { type BatchContext, type BatchRule, defineOp, type GradientRule } from '../op';
import { normalizeAxes, normalizeAxis, RuleError, type Shape } from '../shape';
import type { Tensor } from '../tensor';
import { add, cast, div, equal, exp, mul, sub, where } from './elementwise';
import { pad } from './layout';
import { reshape, reverse, slice, transpose } from './view';

const inputsX = ['x'] as const;

// dtype rules
/** sum, prod: int32 stays int32 (wrapping), bool counts as int32. */
const sumDType = ([x]: DType[]) => {
  const t = x === 'bool' ? 'int32' : x;
  return { inputs: [t], output: t };
};
/** mean, logSumExp, softmax: computed in float (int32 and bool in float32). */
const floatDType = ([x]: DType[]) => {
  const t = toFloat(x);
  return { inputs: [t], output: t };
};
/** max, min: keep the dtype; bool is reduced as int32 (0/1) and gives int32. */
const extremeDType = sumDType;
/** any, all: bool only. */
const boolDType = ([x]: DType[]) => {
  if (x !== 'bool') throw new RuleError(`argument 'x' must be bool, got ${x}`);
  return { inputs: ['bool' as DType], output: 'bool' as DType };
};
/** argMax, argMin: compare in the input's dtype (bool as int32); indices are int32. */
const argDType = ([x]: DType[]) => ({ inputs: [x === 'bool' ? 'int32' : x] as DType[], output: 'int32' as DType });

function checkFlag(value: unknown, argument: string): boolean {
  if (typeof value !== 'boolean') throw new RuleError(`${argument} must be a boolean, got ${String(value)}`);
  return value;
}

/** Axes to reduce: a number, an array of numbers, or null/undefined for every axis. */
export type Axes = number | readonly number[] | null;

interface AxisAttrs {
  axis: number;
}

interface ReduceAttrs {
  axis: Axes | undefined;
  keepDims: boolean;
}

function reducedShape([x]: Shape[], { axis, keepDims }: ReduceAttrs): Shape {
  const axes = normalizeAxes(axis, x.length);
  const keep = checkFlag(keepDims, 'keepDims');
  const out: number[] = [];
  for (let d = 0; d < x.length; d++) {
    if (!axes.includes(d)) out.push(x[d]);
    else if (keep) out.push(1);
  }
  return out;
}

/** `t`, an output (or its cotangent) of a reduction of x, with the reduced axes kept as size 1. */
function keptDims(t: Tensor, x: Shape, { axis, keepDims }: ReduceAttrs): Tensor {
  if (keepDims) return t;
  const axes = normalizeAxes(axis, x.length);
  return reshape(t, x.map((d, i) => (axes.includes(i) ? 1 : d)));
}

/** Reductions under vmap: the same reduction, its axes (all the logical ones for null) shifted by one. */
const reduceBatch: BatchRule<ReduceAttrs> = ([x], ctx) =>
  ctx.run([x], { ...ctx.attrs, axis: normalizeAxes(ctx.attrs.axis, ctx.shapes[0].length).map((a) => a + 1) });

/** Ops with one `axis` attribute under vmap: the axis shifted by one. */
function axisBatch<A extends AxisAttrs>([x]: readonly Tensor[], ctx: BatchContext<A>): Tensor {
  return ctx.run([x], { ...ctx.attrs, axis: normalizeAxis(ctx.attrs.axis, ctx.shapes[0].length) + 1 });
}

/**
 * A reduction's gradient: dy (with the reduced axes kept, so that it broadcasts against x)
 * times `partial(x, y)`, y with axes kept.
 */
function reduceGradient(partial: ((x: Tensor, y: Tensor, attrs: ReduceAttrs) => Tensor | number) | null): GradientRule<ReduceAttrs> {
  return (dy, { inputs: [x], output, attrs }) => {
    const g = keptDims(dy, x.shape, attrs);
    return [partial === null ? g : mul(g, partial(x, keptDims(output, x.shape, attrs), attrs))];
  };
}

/** The number of elements each output of a reduction of x sums. */
function reducedCount(x: Shape, axis: Axes | undefined): number {
  return normalizeAxes(axis, x.length).reduce((n, d) => n * x[d], 1);
}

/**
 * For each element of x, the product of the others in its reduction, without division (zeros
 * are handled): the reduced axes are moved last and flattened, and the products of the
 * elements before and after each one (exclusive cumprods from both ends) are multiplied.
 */
function productOfOthers(x: Tensor, axis: Axes | undefined): Tensor {
  const axes = normalizeAxes(axis, x.rank);
  const perm = [...x.shape.keys()].filter((d) => !axes.includes(d)).concat(axes);
  const moved = transpose(x, perm);
  const rows = reshape(moved, [...moved.shape.slice(0, x.rank - axes.length), -1]);
  const others = mul(cumprod(rows, -1, true), cumprod(rows, -1, true, true));
  const inverse = perm.map((_, d) => perm.indexOf(d));
  return transpose(reshape(others, moved.shape), inverse);
}

/**
 * max and min send the gradient to the elements equal to the result, split evenly among ties,
 * as TensorFlow's reduce_max does.
 */
const extremeGradient = reduceGradient((x, y, { axis }) => {
  const hits = cast(equal(x, y), x.dtype);
  return div(hits, sum(hits, axis, true));
});

function reduceOp(name: string, dtype: (d: DType[]) => { inputs: readonly DType[]; output: DType }, gradient: GradientRule<ReduceAttrs> | 'none') {
  const op = defineOp<ReduceAttrs>({
    name,
    inputs: inputsX,
    dtype,
    shape: reducedShape,
    kernelAttrs: ({ axis, keepDims }, [x]) => [keepDims ? 1 : 0, ...normalizeAxes(axis, x.length)],
    gradient,
    batch: reduceBatch,
  });
  return (x: TensorLike, axis: Axes = null, keepDims = false): Tensor => op.run([x], { axis, keepDims });
}

/**
 * Sum over `axis` (a number, an array, or null for all axes; negative axes count from the
 * end); `keepDims` keeps reduced axes with size 1. int32 sums wrap; bool sums count (int32).
 * float32 accumulates in double. The empty sum is 0.
 *
 * @example
 * rv.sum([[1, 2], [3, 4]]);          // 10
 * rv.sum([[1, 2], [3, 4]], 0);       // [4, 6]
 * rv.sum([[1, 2], [3, 4]], -1, true); // [[3], [7]]
 */
export const sum = reduceOp('sum', sumDType, reduceGradient(null));
/** Mean over `axis` (as `sum`), in float; the mean of nothing is NaN. @example rv.mean([1, 2, 3, 4])  // 2.5 */
export const mean = reduceOp('mean', floatDType, reduceGradient((x, _, { axis }) => 1 / reducedCount(x.shape, axis)));
/**
 * Product over `axis` (as `sum`); int32 wraps; the empty product is 1. The gradient of each
 * element is the product of the others (computed without division, so zeros are exact).
 *
 * @example
 * rv.prod([1, 2, 3, 4]);  // 24
 */
export const prod = reduceOp('prod', sumDType, reduceGradient((x, _, { axis }) => productOfOthers(x, axis)));
/**
 * Maximum over `axis` (as `sum`), keeping the dtype; NaN propagates. Empty: -Infinity for
 * floats, -2147483648 for int32. bool inputs are reduced as int32 0/1 and give int32. The
 * gradient goes to the maximal elements, split evenly among ties (as TensorFlow).
 *
 * @example
 * rv.max([[1, 5], [3, 4]], 1);  // [5, 4]
 */
export const max = reduceOp('max', extremeDType, extremeGradient);
/**
 * Minimum over `axis`, as `max` (its gradient too); empty: +Infinity for floats, 2147483647
 * for int32.
 *
 * @example
 * rv.min([3, 1, 2]);  // 1
 */
export const min = reduceOp('min', extremeDType, extremeGradient);
/** Logical OR over `axis` of a bool tensor; false when empty. @example rv.any([false, true])  // true */
export const any = reduceOp('any', boolDType, 'none');
/** Logical AND over `axis` of a bool tensor; true when empty. @example rv.all([true, false])  // false */
export const all = reduceOp('all', boolDType, 'none');
/**
 * log Σ exp(x) over `axis` (as `sum`), computed stably (the maximum is subtracted first), in
 * float. All -Infinity (or empty) gives -Infinity; +Infinity gives +Infinity; NaN gives NaN.
 * The gradient is softmax(x)·dy: 0 for -Infinity elements, and 0 for all of them when all are.
 *
 * @example
 * rv.logSumExp([1000, 1000]);  // 1000.6931...
 */
export const logSumExp = reduceOp('logSumExp', floatDType, reduceGradient((x, y) =>
  // exp(x - y), with y = -Infinity (all x -Infinity) replaced by 0 so that it gives 0, not NaN.
  exp(sub(x, where(equal(y, -Infinity), 0, y)))));


function argOp(name: string) {
  const op = defineOp<AxisAttrs>({
    name,
    inputs: inputsX,
    dtype: argDType,
    shape: ([x], { axis }) => {
      const a = normalizeAxis(axis, x.length);
      if (x[a] === 0) throw new RuleError(`axis ${axis} has size 0: an empty axis has no ${name === 'argMax' ? 'maximum' : 'minimum'}`);
      return x.filter((_, d) => d !== a);
    },
    kernelAttrs: ({ axis }, [x]) => [normalizeAxis(axis, x.length)],
    gradient: 'none',
    batch: axisBatch,
  });
  return (x: TensorLike, axis = 0): Tensor => op.run([x], { axis });
}

/**
 * Index of the maximum along `axis` (int32). Ties give the first index; NaN counts as the
 * maximum (the first NaN wins, as NumPy). An empty axis is an error.
 *
 * @example
 * rv.argMax([[1, 5], [7, 2]], 1);  // [1, 0]
 */
export const argMax = argOp('argMax');
/** Index of the minimum along `axis` (int32), as `argMax`. @example rv.argMin([3, 1, 2])  // 1 */
export const argMin = argOp('argMin');

interface ScanAttrs {
  axis: number;
  exclusive: boolean;
  reverse: boolean;
}

/** Elements `shift` places further along `axis` (toward the end), zeros past the end. */
function shiftDown(t: Tensor, axis: number, shift: number): Tensor {
  const n = t.shape[axis];
  const s = Math.min(shift, n);
  const begin = t.shape.map((_, d) => (d === axis ? s : 0));
  return pad(slice(t, begin), t.shape.map((_, d) => (d === axis ? [0, s] : [0, 0]) as [number, number]));
}

/**
 * Solves s[i] = b[i] + a[i]·s[i+1] along `axis` (s past the end is 0) by recursive doubling:
 * log₂(n) rounds of whole-tensor ops, with no division.
 */
function reverseLinearScan(a: Tensor, b: Tensor, axis: number): Tensor {
  const n = b.shape[axis];
  for (let d = 1; d < n; d *= 2) {
    // Now s[i] = b[i] + a[i]·s[i+d]; substituting s[i+d] doubles the reach.
    b = add(b, mul(a, shiftDown(b, axis, d)));
    if (2 * d < n) a = mul(a, shiftDown(a, axis, d));
  }
  return b;
}

const cumsumGradient: GradientRule<ScanAttrs> = (dy, { attrs: { axis, exclusive, reverse: rev } }) =>
  [cumsum(dy, axis, exclusive, !rev)];

/**
 * cumprod's gradient without division, so exact with zeros. For the inclusive forward scan
 * y[j] = Π_{k≤j} x[k]: dx[i] = Π_{k<i} x[k] · s[i] with s[i] = Σ_{j≥i} dy[j] Π_{i<k≤j} x[k],
 * that is s[i] = dy[i] + x[i+1]·s[i+1], a linear recurrence solved by `reverseLinearScan`.
 * Reverse scans run on the reversed axis; an exclusive scan is the inclusive one shifted by
 * one, so its dy shifts back.
 */
const cumprodGradient: GradientRule<ScanAttrs> = (dy, { inputs: [input], attrs }) => {
  const axis = normalizeAxis(attrs.axis, input.rank);
  const flip = (t: Tensor) => (attrs.reverse ? reverse(t, axis) : t);
  const x = flip(input);
  const g = flip(dy);
  const s = reverseLinearScan(shiftDown(x, axis, 1), attrs.exclusive ? shiftDown(g, axis, 1) : g, axis);
  return [flip(mul(cumprod(x, axis, true), s))];
};

function scanOp(name: string, gradient: GradientRule<ScanAttrs>) {
  const op = defineOp<ScanAttrs>({
    name,
    inputs: inputsX,
    dtype: sumDType,
    shape: ([x], { axis, exclusive, reverse }) => {
      normalizeAxis(axis, x.length);
      checkFlag(exclusive, 'exclusive');
      checkFlag(reverse, 'reverse');
      return x;
    },
    kernelAttrs: ({ axis, exclusive, reverse }, [x]) => [normalizeAxis(axis, x.length), exclusive ? 1 : 0, reverse ? 1 : 0],
    gradient,
    batch: axisBatch,
  });
  return (x: TensorLike, axis = 0, exclusive = false, reverse = false): Tensor => op.run([x], { axis, exclusive, reverse });
}

/**
 * Cumulative sum along `axis`. `exclusive` leaves each element out of its own sum;
 * `reverse` sums from the end. int32 wraps; bool counts (int32); float32 accumulates in double.
 *
 * @example
 * rv.cumsum([1, 2, 3]);               // [1, 3, 6]
 * rv.cumsum([1, 2, 3], 0, true);      // [0, 1, 3]
 * rv.cumsum([1, 2, 3], 0, false, true); // [6, 5, 3]
 */
export const cumsum = scanOp('cumsum', cumsumGradient);
/**
 * Cumulative product along `axis`, with `exclusive` and `reverse` as `cumsum`. Its gradient
 * needs no division (zeros are exact) and takes log₂(n) rounds of ops for an axis of n.
 *
 * @example
 * rv.cumprod([1, 2, 3]);  // [1, 2, 6]
 */
export const cumprod = scanOp('cumprod', cumprodGradient);

/** softmax: y·(dy − Σ dy·y); logSoftmax: dy − softmax·Σ dy. -Infinity logits get 0 and dy. */
const softmaxGradient: GradientRule<AxisAttrs> = (dy, { output: y, attrs: { axis } }) =>
  [mul(y, sub(dy, sum(mul(dy, y), axis, true)))];
const logSoftmaxGradient: GradientRule<AxisAttrs> = (dy, { output: y, attrs: { axis } }) =>
  [sub(dy, mul(exp(y), sum(dy, axis, true)))];

function softmaxOp(name: string, gradient: GradientRule<AxisAttrs>) {
  const op = defineOp<AxisAttrs>({
    name,
    inputs: ['logits'],
    dtype: floatDType,
    shape: ([x], { axis }) => {
      normalizeAxis(axis, x.length);
      return x;
    },
    kernelAttrs: ({ axis }, [x]) => [normalizeAxis(axis, x.length)],
    gradient,
    batch: axisBatch,
  });
  return (logits: TensorLike, axis = -1): Tensor => op.run([logits], { axis });
}

/**
 * exp(x) / Σ exp(x) along `axis` (default the last), stable for huge logits. -Infinity
 * logits get probability exactly 0; a row that is all -Infinity (or holds +Infinity or NaN)
 * has no defined softmax and gives NaN.
 *
 * @example
 * rv.softmax([1000, 0]);  // [1, 0]
 */
export const softmax = softmaxOp('softmax', softmaxGradient);
/**
 * x − logSumExp(x) along `axis` (default the last), stable for huge logits; -Infinity logits
 * give exactly -Infinity. A row that is all -Infinity (or holds +Infinity or NaN) gives NaN.
 *
 * @example
 * rv.logSoftmax([0, 0]);  // [-0.693..., -0.693...]
 */
export const logSoftmax = softmaxOp('logSoftmax', logSoftmaxGradient);

const methods = {
  sum, mean, prod, max, min, any, all, logSumExp, argMax, argMin, cumsum, cumprod, softmax, logSoftmax,
};
addMethods(methods);

declare module '../tensor' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends ChainedMethods<typeof methods> {}
}
