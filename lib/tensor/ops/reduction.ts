/**
 * Reductions (sum, mean, prod, max, min, any, all, logSumExp), arg-reductions (argMax,
 * argMin), scans (cumsum, cumprod) and softmax/logSoftmax: declarations and functional forms,
 * with TensorFlow.js names and signatures.
 */
import { addMethods, type ChainedMethods } from '../chain';
import type { TensorLike } from '../convert';
import { type DType, toFloat } from '../dtype';
import { defineOp } from '../op';
import { normalizeAxes, normalizeAxis, RuleError, type Shape } from '../shape';
import type { Tensor } from '../tensor';

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

function reduceOp(name: string, dtype: (d: DType[]) => { inputs: readonly DType[]; output: DType }) {
  const op = defineOp<ReduceAttrs>({
    name,
    inputs: inputsX,
    dtype,
    shape: reducedShape,
    kernelAttrs: ({ axis, keepDims }, [x]) => [keepDims ? 1 : 0, ...normalizeAxes(axis, x.length)],
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
export const sum = reduceOp('sum', sumDType);
/** Mean over `axis` (as `sum`), in float; the mean of nothing is NaN. @example rv.mean([1, 2, 3, 4])  // 2.5 */
export const mean = reduceOp('mean', floatDType);
/** Product over `axis` (as `sum`); int32 wraps; the empty product is 1. @example rv.prod([1, 2, 3, 4])  // 24 */
export const prod = reduceOp('prod', sumDType);
/**
 * Maximum over `axis` (as `sum`), keeping the dtype; NaN propagates. Empty: -Infinity for
 * floats, -2147483648 for int32. bool inputs are reduced as int32 0/1 and give int32.
 *
 * @example
 * rv.max([[1, 5], [3, 4]], 1);  // [5, 4]
 */
export const max = reduceOp('max', extremeDType);
/** Minimum over `axis`, as `max`; empty: +Infinity for floats, 2147483647 for int32. @example rv.min([3, 1, 2])  // 1 */
export const min = reduceOp('min', extremeDType);
/** Logical OR over `axis` of a bool tensor; false when empty. @example rv.any([false, true])  // true */
export const any = reduceOp('any', boolDType);
/** Logical AND over `axis` of a bool tensor; true when empty. @example rv.all([true, false])  // false */
export const all = reduceOp('all', boolDType);
/**
 * log Σ exp(x) over `axis` (as `sum`), computed stably (the maximum is subtracted first), in
 * float. All -Infinity (or empty) gives -Infinity; +Infinity gives +Infinity; NaN gives NaN.
 *
 * @example
 * rv.logSumExp([1000, 1000]);  // 1000.6931...
 */
export const logSumExp = reduceOp('logSumExp', floatDType);

interface AxisAttrs {
  axis: number;
}

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

function scanOp(name: string) {
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
export const cumsum = scanOp('cumsum');
/** Cumulative product along `axis`, with `exclusive` and `reverse` as `cumsum`. @example rv.cumprod([1, 2, 3])  // [1, 2, 6] */
export const cumprod = scanOp('cumprod');

function softmaxOp(name: string) {
  const op = defineOp<AxisAttrs>({
    name,
    inputs: ['logits'],
    dtype: floatDType,
    shape: ([x], { axis }) => {
      normalizeAxis(axis, x.length);
      return x;
    },
    kernelAttrs: ({ axis }, [x]) => [normalizeAxis(axis, x.length)],
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
export const softmax = softmaxOp('softmax');
/**
 * x − logSumExp(x) along `axis` (default the last), stable for huge logits; -Infinity logits
 * give exactly -Infinity. A row that is all -Infinity (or holds +Infinity or NaN) gives NaN.
 *
 * @example
 * rv.logSoftmax([0, 0]);  // [-0.693..., -0.693...]
 */
export const logSoftmax = softmaxOp('logSoftmax');

const methods = {
  sum, mean, prod, max, min, any, all, logSumExp, argMax, argMin, cumsum, cumprod, softmax, logSoftmax,
};
addMethods(methods);

declare module '../tensor' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends ChainedMethods<typeof methods> {}
}
