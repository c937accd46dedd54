/**
 * View ops: reshape, transpose, slices, broadcastTo and the shape utilities built on them
 * (expandDims, squeeze, flatten, reverse, split, unstack). Their results share the input's
 * storage (reshape copies only when no strides can express it); `clone` copies.
 */
import { alignBatched } from '../batching';
import { addMethods, type ChainedMethods } from '../chain';
import type { TensorLike } from '../convert';
import type { DType } from '../dtype';
import { type BatchRule, defineOp, type Op, opError } from '../op';
import { broadcastShapes, checkShape, formatShape, normalizeAxes, normalizeAxis, RuleError, type Shape, shapesEqual, sizeOf } from '../shape';
import { Tensor } from '../tensor';
import { pad } from './layout';

const sameDType = ([x]: DType[]) => ({ inputs: [x], output: x });
const xInput = ['x'] as const;
/** Batching rule of ops whose attributes do not depend on the rank: the batch axis rides along. */
const sameBatch: BatchRule<unknown> = (inputs, ctx) => ctx.run(inputs);

const reshapeOp: Op<{ shape: Shape }> = defineOp<{ shape: Shape }>({
  name: 'reshape',
  inputs: xInput,
  dtype: sameDType,
  shape: ([x], { shape }) => {
    const out = checkShape(shape);
    if (sizeOf(out) !== sizeOf(x)) throw new RuleError(`cannot reshape x of shape ${formatShape(x)} (${sizeOf(x)} elements) to ${formatShape(out)}`);
    return out;
  },
  gradient: (dy, { inputs: [x] }) => [reshapeOp.run([dy], { shape: x.shape })],
  batch: ([x], ctx) => ctx.run([x], { shape: [ctx.size, ...ctx.attrs.shape] }),
});

const transposeOp: Op<{ perm: readonly number[] }> = defineOp<{ perm: readonly number[] }>({
  name: 'transpose',
  inputs: xInput,
  dtype: sameDType,
  shape: ([x], { perm }) => {
    const given = Array.isArray(perm) ? `[${perm.join(', ')}]` : String(perm);
    if (!Array.isArray(perm) || perm.length !== x.length) {
      throw new RuleError(`perm ${given} must list each of the ${x.length} axes of x ${formatShape(x)} once`);
    }
    const axes = perm.map((p) => normalizeAxis(p, x.length, 'perm entry'));
    if (new Set(axes).size !== axes.length) throw new RuleError(`perm ${given} repeats an axis of x ${formatShape(x)}`);
    return axes.map((a) => x[a]);
  },
  kernelAttrs: ({ perm }, [x]) => perm.map((p) => (p < 0 ? p + x.length : p)),
  gradient: (dy, { attrs: { perm } }) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => { inverse[p < 0 ? p + perm.length : p] = i; });
    return [transposeOp.run([dy], { perm: inverse })];
  },
  batch: ([x], ctx) => {
    const rank = ctx.shapes[0].length;
    return ctx.run([x], { perm: [0, ...ctx.attrs.perm.map((p) => (p < 0 ? p + rank : p) + 1)] });
  },
});

/** A strided slice: `size[i]` elements from `begin[i]` by `step[i]` along every axis. */
interface SliceAttrs { begin: readonly number[]; size: readonly number[]; step: readonly number[] }
const sliceOp: Op<SliceAttrs> = defineOp<SliceAttrs>({
  name: 'slice',
  inputs: xInput,
  dtype: sameDType,
  shape: ([x], { begin, size, step }) => {
    for (let i = 0; i < x.length; i++) {
      const last = begin[i] + (size[i] - 1) * step[i];
      if (size[i] > 0 && (begin[i] < 0 || begin[i] >= x[i] || last < 0 || last >= x[i])) {
        throw new RuleError(`slice of ${size[i]} from ${begin[i]} by ${step[i]} is out of range for axis ${i} of x ${formatShape(x)}`);
      }
    }
    return size;
  },
  kernelAttrs: ({ begin, size, step }) => [...begin.map((b, i) => (size[i] > 0 ? b : 0)), ...step],
  gradient: (dy, { inputs: [x], attrs }) => [sliceGradient(dy, x.shape, attrs)],
  batch: ([x], ctx) => {
    const { begin, size, step } = ctx.attrs;
    return ctx.run([x], { begin: [0, ...begin], size: [ctx.size, ...size], step: [1, ...step] });
  },
});

/**
 * The adjoint of a strided slice: dy scattered into zeros of the input's shape, with views,
 * pad and reshape only. Negatively stepped axes are reversed first, so that every axis runs
 * forwards from its lowest index; an axis with step s > 1 gets s - 1 zeros after each element
 * (pad an inserted axis of size 1, merge it, drop the zeros past the last element); then pad
 * puts the block at its place.
 */
function sliceGradient(dy: Tensor, x: Shape, { begin, size, step }: SliceAttrs): Tensor {
  // An axis with at most one element reads it whatever its step.
  const steps = size.map((n, i) => (n > 1 ? step[i] : 1));
  const stride = steps.map(Math.abs);
  const low = size.map((n, i) => (n === 0 ? 0 : steps[i] < 0 ? begin[i] + (n - 1) * steps[i] : begin[i]));
  const extent = size.map((n, i) => (n === 0 ? 0 : (n - 1) * stride[i] + 1));
  let g = dy;
  if (steps.some((s) => s < 0)) g = reverse(g, steps.flatMap((s, i) => (s < 0 ? [i] : [])));
  if (stride.some((s) => s > 1)) {
    const spread = size.flatMap((n, i) => (stride[i] > 1 ? [n, 1] : [n]));
    g = reshapeOp.run([g], { shape: spread });
    g = pad(g, size.flatMap((_, i) => (stride[i] > 1 ? [[0, 0], [0, stride[i] - 1]] : [[0, 0]])) as [number, number][]);
    g = reshapeOp.run([g], { shape: size.map((n, i) => n * stride[i]) });
    g = sliceOp.run([g], { begin: size.map(() => 0), size: extent, step: size.map(() => 1) });
  }
  return pad(g, x.map((d, i) => [low[i], d - low[i] - extent[i]] as [number, number]));
}

const broadcastToOp = defineOp<{ shape: Shape }>({
  name: 'broadcastTo',
  inputs: xInput,
  dtype: sameDType,
  shape: ([x], { shape }) => {
    const target = checkShape(shape);
    const out = broadcastShapes([x, target], ['x', 'shape']);
    if (!shapesEqual(out, target)) throw new RuleError(`x of shape ${formatShape(x)} does not broadcast to ${formatShape(target)}`);
    return target;
  },
  // autodiff sums a cotangent back to its input's shape: dy itself is the rule.
  gradient: (dy) => [dy],
  batch: ([x], ctx) => ctx.run([alignBatched(x, ctx.attrs.shape.length)], { shape: [ctx.size, ...ctx.attrs.shape] }),
});

const cloneOp = defineOp<void>({
  name: 'clone',
  inputs: xInput,
  dtype: sameDType,
  shape: ([x]) => x,
  gradient: (dy) => [dy],
  batch: sameBatch,
});

const stopGradientOp = defineOp<void>({
  name: 'stopGradient',
  kernel: 'reshape',
  inputs: xInput,
  dtype: sameDType,
  shape: ([x]) => x,
  gradient: 'none',
  batch: sameBatch,
});

/**
 * x itself (a view) to the forward computation, a constant to autodiff: no gradient flows
 * back through it.
 *
 * @example
 * rv.grad((x) => x.mul(rv.stopGradient(x)).sum())(rv.tensor([3]));  // [3], not [6]
 */
export function stopGradient(x: TensorLike): Tensor {
  return stopGradientOp.run([x], undefined);
}

function checkIntegers(op: string, argument: string, values: unknown): number[] {
  const list = typeof values === 'number' ? [values] : values;
  if (!Array.isArray(list) || list.some((v) => typeof v !== 'number' || !Number.isInteger(v))) {
    throw opError(op, `${argument} must be an integer or an array of integers, got ${JSON.stringify(values)}`);
  }
  return list;
}

/**
 * Runs fn on x as a Tensor: JS values are converted first and the temporary freed after
 * (results that are views keep the storage alive on their own).
 */
function withTensor<R>(op: string, x: TensorLike, fn: (t: Tensor) => R): R {
  if (x instanceof Tensor) {
    if (x.isDisposed) throw opError(op, `argument 'x' (shape [${x.shape}]) is disposed`);
    return fn(x);
  }
  const t = cloneOp.run([x], undefined, op);
  try {
    return fn(t);
  } finally {
    t.dispose();
  }
}

/**
 * Gives x a new shape with the same elements in row-major order; one entry may be -1 (inferred).
 * A view when the strides allow, else a copy.
 *
 * @example
 * rv.arange(6).reshape([2, -1]);  // shape [2, 3]
 */
export function reshape(x: TensorLike, shape: Shape): Tensor {
  return withTensor('reshape', x, (t) => reshapeTensor(t, shape));
}

function reshapeTensor(x: Tensor, shape: Shape): Tensor {
  const dims = checkIntegers('reshape', 'shape', shape);
  const inferred = dims.filter((d) => d === -1).length;
  if (inferred > 1) throw opError('reshape', `shape ${formatShape(dims)} has more than one -1`);
  if (inferred === 1) {
    const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    if (known === 0 || x.size % known !== 0) {
      throw opError('reshape', `cannot reshape x of shape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(dims)}`);
    }
    return reshapeOp.run([x], { shape: dims.map((d) => (d === -1 ? x.size / known : d)) });
  }
  return reshapeOp.run([x], { shape: dims });
}

/**
 * Permutes the axes (reversed by default): a view.
 *
 * @example
 * rv.zeros([2, 3, 4]).transpose([2, 0, 1]).shape;  // [4, 2, 3]
 */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  return withTensor('transpose', x, (t) =>
    transposeOp.run([t], { perm: perm ?? Array.from({ length: t.rank }, (_, i) => t.rank - 1 - i) }));
}

/**
 * `size` elements from `begin` along each axis (TF.js semantics): a view. Missing trailing
 * entries of begin are 0; a size of -1 (or a missing entry) takes the rest of the axis.
 *
 * @example
 * rv.arange(10).slice([2], [3]);  // [2, 3, 4]
 */
export function slice(x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  return withTensor('slice', x, (t) => sliceTensor(t, begin, size));
}

function sliceTensor(x: Tensor, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  const b = checkIntegers('slice', 'begin', begin);
  const s = size === undefined ? [] : checkIntegers('slice', 'size', size);
  if (b.length > x.rank || s.length > x.rank) {
    throw opError('slice', `begin [${b}] and size [${s}] must not be longer than the rank ${x.rank} of x`);
  }
  const beginAll = x.shape.map((_, i) => b[i] ?? 0);
  const sizeAll = x.shape.map((d, i) => {
    const want = s[i] ?? -1;
    const start = beginAll[i];
    if (start < 0 || start > d) throw opError('slice', `begin ${start} is out of range for axis ${i} of x ${formatShape(x.shape)}`);
    const take = want === -1 ? d - start : want;
    if (take < 0 || start + take > d) throw opError('slice', `size ${want} from ${start} exceeds axis ${i} of x ${formatShape(x.shape)}`);
    return take;
  });
  return sliceOp.run([x], { begin: beginAll, size: sizeAll, step: x.shape.map(() => 1) }, 'slice');
}

/**
 * Python-style strided slicing with TensorFlow's masks: negative indices count from the end,
 * negative strides step backwards, and the begin/end/ellipsis/newAxis/shrinkAxis masks are
 * bit fields over the entries of `begin`. A view.
 *
 * @example
 * rv.arange(10).stridedSlice([8], [2], [-2]);       // [8, 6, 4]
 * rv.zeros([3, 4]).stridedSlice([1], [2], [1], 0, 0, 0, 0, 1).shape;  // [4] (row 1)
 */
export function stridedSlice(x: TensorLike, begin: readonly number[], end: readonly number[], strides?: readonly number[],
  beginMask = 0, endMask = 0, ellipsisMask = 0, newAxisMask = 0, shrinkAxisMask = 0): Tensor {
  return withTensor('stridedSlice', x, (t) =>
    stridedSliceTensor(t, begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask));
}

function stridedSliceTensor(x: Tensor, begin: readonly number[], end: readonly number[], strides: readonly number[] | undefined,
  beginMask: number, endMask: number, ellipsisMask: number, newAxisMask: number, shrinkAxisMask: number): Tensor {
  const op = 'stridedSlice';
  const b = checkIntegers(op, 'begin', begin);
  const e = checkIntegers(op, 'end', end);
  const st = strides === undefined ? b.map(() => 1) : checkIntegers(op, 'strides', strides);
  if (e.length !== b.length || st.length !== b.length) {
    throw opError(op, `begin, end and strides must have one length, got ${b.length}, ${e.length}, ${st.length}`);
  }
  for (const [name, mask] of Object.entries({ beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask })) {
    if (!Number.isInteger(mask) || mask < 0) throw opError(op, `${name} must be a non-negative integer bit mask`);
  }
  if ((ellipsisMask & (ellipsisMask - 1)) !== 0) throw opError(op, 'at most one ellipsis is allowed');
  const bit = (mask: number, i: number) => Math.floor(mask / 2 ** i) % 2 === 1;
  const consuming = b.filter((_, i) => !bit(ellipsisMask, i) && !bit(newAxisMask, i)).length;
  if (consuming > x.rank) throw opError(op, `${consuming} sliced axes exceed the rank ${x.rank} of x`);

  const sliceBegin = new Array(x.rank).fill(0);
  const sliceSize = [...x.shape];
  const sliceStep = new Array(x.rank).fill(1);
  const outShape: number[] = [];
  let axis = 0;
  const fullAxes = (count: number) => {
    for (let k = 0; k < count; k++) outShape.push(x.shape[axis++]);
  };
  for (let i = 0; i < b.length; i++) {
    if (bit(ellipsisMask, i)) {
      fullAxes(x.rank - consuming);
      continue;
    }
    if (bit(newAxisMask, i)) {
      outShape.push(1);
      continue;
    }
    const d = x.shape[axis];
    const step = st[i];
    if (step === 0) throw opError(op, `strides[${i}] is 0`);
    if (bit(shrinkAxisMask, i)) {
      const index = b[i] < 0 ? b[i] + d : b[i];
      if (index < 0 || index >= d) throw opError(op, `index ${b[i]} is out of range for axis ${axis} of x ${formatShape(x.shape)}`);
      sliceBegin[axis] = index;
      sliceSize[axis] = 1;
      axis++;
      continue;
    }
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    const wrap = (v: number) => (v < 0 ? v + d : v);
    let start: number;
    let stop: number;
    if (step > 0) {
      start = bit(beginMask, i) ? 0 : clamp(wrap(b[i]), 0, d);
      stop = bit(endMask, i) ? d : clamp(wrap(e[i]), 0, d);
    } else {
      start = bit(beginMask, i) ? d - 1 : clamp(wrap(b[i]), -1, d - 1);
      stop = bit(endMask, i) ? -1 : clamp(wrap(e[i]), -1, d - 1);
    }
    const count = Math.max(0, Math.ceil((stop - start) / step));
    sliceBegin[axis] = count > 0 ? start : 0;
    sliceSize[axis] = count;
    sliceStep[axis] = step;
    outShape.push(count);
    axis++;
  }
  fullAxes(x.rank - axis);
  const view = sliceOp.run([x], { begin: sliceBegin, size: sliceSize, step: sliceStep }, op);
  if (shapesEqual(view.shape, outShape)) return view;
  const out = reshapeOp.run([view], { shape: outShape }, op);
  view.dispose();
  return out;
}

/**
 * Inserts an axis of size 1 at `axis` (in [-rank-1, rank]): a view.
 *
 * @example
 * rv.zeros([3]).expandDims(0).shape;  // [1, 3]
 */
export function expandDims(x: TensorLike, axis = 0): Tensor {
  return withTensor('expandDims', x, (t) => {
    if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -t.rank - 1 || axis > t.rank) {
      throw opError('expandDims', `axis ${String(axis)} is out of range for x of shape ${formatShape(t.shape)} (expected an integer in [${-t.rank - 1}, ${t.rank}])`);
    }
    const a = axis < 0 ? axis + t.rank + 1 : axis;
    const shape = [...t.shape];
    shape.splice(a, 0, 1);
    return reshapeOp.run([t], { shape }, 'expandDims');
  });
}

function ruleAxis(op: string, axis: unknown, shape: Shape): number {
  try {
    return normalizeAxis(axis, shape.length);
  } catch (error) {
    throw opError(op, `${(error as Error).message}; x has shape ${formatShape(shape)}`);
  }
}

function ruleAxes(op: string, axes: unknown, shape: Shape): number[] {
  try {
    return normalizeAxes(axes, shape.length);
  } catch (error) {
    throw opError(op, `${(error as Error).message}; x has shape ${formatShape(shape)}`);
  }
}

/**
 * Removes axes of size 1 (the given ones, or all): a view.
 *
 * @example
 * rv.zeros([1, 3, 1]).squeeze().shape;  // [3]
 */
export function squeeze(x: TensorLike, axis?: number | readonly number[]): Tensor {
  return withTensor('squeeze', x, (t) => {
    const axes = axis === undefined ? t.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : ruleAxes('squeeze', axis, t.shape);
    for (const a of axes) {
      if (t.shape[a] !== 1) throw opError('squeeze', `axis ${a} of x ${formatShape(t.shape)} has size ${t.shape[a]}, not 1`);
    }
    return reshapeOp.run([t], { shape: t.shape.filter((_, i) => !axes.includes(i)) }, 'squeeze');
  });
}

/** The elements as a rank-1 tensor. @example rv.zeros([2, 3]).flatten().shape  // [6] */
export function flatten(x: TensorLike): Tensor {
  return withTensor('flatten', x, (t) => reshapeOp.run([t], { shape: [t.size] }, 'flatten'));
}

/**
 * Broadcasts x to `shape` (NumPy rules): a view with zero strides.
 *
 * @example
 * rv.tensor([1, 2]).broadcastTo([3, 2]);
 */
export function broadcastTo(x: TensorLike, shape: Shape): Tensor {
  return broadcastToOp.run([x], { shape });
}

/**
 * Reverses the order of elements along the given axes (all by default): a view.
 *
 * @example
 * rv.tensor([1, 2, 3]).reverse();  // [3, 2, 1]
 */
export function reverse(x: TensorLike, axis?: number | readonly number[]): Tensor {
  return withTensor('reverse', x, (t) => {
    const axes = ruleAxes('reverse', axis, t.shape);
    const flip = (i: number) => axes.includes(i) && t.shape[i] > 0;
    return sliceOp.run([t], {
      begin: t.shape.map((d, i) => (flip(i) ? d - 1 : 0)),
      size: t.shape,
      step: t.shape.map((_, i) => (flip(i) ? -1 : 1)),
    }, 'reverse');
  });
}

/**
 * Splits x along `axis` into `n` equal parts, or into parts of the given sizes (one may be -1): views.
 *
 * @example
 * const [a, b] = rv.arange(6).split(2);       // [0, 1, 2], [3, 4, 5]
 * const [c, d] = rv.arange(6).split([1, -1]); // [0], [1, 2, 3, 4, 5]
 */
export function split(x: TensorLike, numOrSizeSplits: number | readonly number[], axis = 0): Tensor[] {
  return withTensor('split', x, (t) => splitTensor(t, numOrSizeSplits, axis));
}

function splitTensor(t: Tensor, numOrSizeSplits: number | readonly number[], axis: number): Tensor[] {
  const a = ruleAxis('split', axis, t.shape);
  const d = t.shape[a];
  let sizes: number[];
  if (typeof numOrSizeSplits === 'number') {
    const n = numOrSizeSplits;
    // At most d parts (one for an empty axis): more would be parts of size 0 without end.
    if (!Number.isInteger(n) || n <= 0 || n > Math.max(d, 1) || d % n !== 0) {
      throw opError('split', `axis ${a} of size ${d} does not split into ${n} equal parts`);
    }
    sizes = new Array(n).fill(d / n);
  } else {
    sizes = checkIntegers('split', 'numOrSizeSplits', numOrSizeSplits);
    const unknown = sizes.filter((s) => s === -1).length;
    const known = sizes.filter((s) => s !== -1).reduce((p, q) => p + q, 0);
    if (unknown > 1 || sizes.some((s) => s < -1) || known > d || (unknown === 0 && known !== d)) {
      throw opError('split', `sizes [${sizes.join(', ')}] do not add up to ${d}, the size of axis ${a}`);
    }
    sizes = sizes.map((s) => (s === -1 ? d - known : s));
  }
  let start = 0;
  return sizes.map((size) => {
    const begin = t.shape.map((_, i) => (i === a ? start : 0));
    const part = sliceOp.run([t], { begin, size: t.shape.map((s, i) => (i === a ? size : s)), step: t.shape.map(() => 1) }, 'split');
    start += size;
    return part;
  });
}

/**
 * The slices of x along `axis`, each without that axis: views.
 *
 * @example
 * const [row0, row1] = rv.tensor([[1, 2], [3, 4]]).unstack();  // [1, 2], [3, 4]
 */
export function unstack(x: TensorLike, axis = 0): Tensor[] {
  return withTensor('unstack', x, (t) => unstackTensor(t, axis));
}

function unstackTensor(t: Tensor, axis: number): Tensor[] {
  const a = ruleAxis('unstack', axis, t.shape);
  const shape = t.shape.filter((_, i) => i !== a);
  return Array.from({ length: t.shape[a] }, (_, k) => {
    const part = sliceOp.run([t], {
      begin: t.shape.map((_, i) => (i === a ? k : 0)),
      size: t.shape.map((s, i) => (i === a ? 1 : s)),
      step: t.shape.map(() => 1),
    }, 'unstack');
    const out = reshapeOp.run([part], { shape }, 'unstack');
    part.dispose();
    return out;
  });
}

/** A contiguous copy that shares nothing with x. @example const y = x.clone() */
export function clone(x: TensorLike): Tensor {
  return cloneOp.run([x], undefined);
}

const methods = { reshape, transpose, slice, stridedSlice, expandDims, squeeze, flatten, broadcastTo, reverse, split, unstack, clone, stopGradient };
addMethods(methods);

declare module '../tensor' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends ChainedMethods<typeof methods> {}
}
