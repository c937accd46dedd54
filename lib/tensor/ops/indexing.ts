/**
 * Indexing ops: gather, gatherND, scatterAdd (gather's adjoint) and oneHot. Indices are
 * int32: JS numbers and arrays of integers are converted (as TF.js does), float tensors
 * are an error, and every index is range-checked natively before anything is written.
 */
import { allBatched, broadcastBatch, moveAxis } from '../batching';
import { addMethods, type ChainedMethods } from '../chain';
import { makeTensor, type TensorLike } from '../convert';
import { type DType, isDType, promote } from '../dtype';
import { defineOp, opError } from '../op';
import { checkShape, formatShape, normalizeAxis, RuleError, type Shape, shapesEqual, sizeOf } from '../shape';
import { Tensor } from '../tensor';
import { arange, tensor, zeros } from './creation';
import { add, mul } from './elementwise';
import { concat } from './layout';
import { sum } from './reduction';
import { broadcastTo, reshape, transpose } from './view';

const range = (start: number, stop: number) => Array.from({ length: stop - start }, (_, i) => start + i);

function requireIndices(dtype: DType, argument = 'indices'): void {
  if (dtype !== 'int32') throw new RuleError(`argument '${argument}' must be int32, got ${dtype}`);
}

/**
 * Runs fn with `indices` as a tensor. A Tensor passes through (the dtype rule rejects
 * non-int32 ones); JS numbers and (nested) arrays of integers become a temporary int32
 * tensor, freed afterwards; non-integers are an error naming the op and the argument.
 */
function withIndices<R>(op: string, indices: TensorLike, fn: (t: TensorLike) => R): R {
  if (indices instanceof Tensor || ArrayBuffer.isView(indices)) return fn(indices);
  let t: Tensor;
  try {
    const probe = makeTensor(indices);
    if (probe.dtype !== 'float32') {
      t = probe;
    } else {
      probe.dispose();
      const wide = makeTensor(indices, undefined, 'float64');
      const values = wide.dataSync();
      wide.dispose();
      const bad = values.find((v) => !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31);
      if (bad !== undefined) throw new RuleError(`argument 'indices' must hold int32 indices, got ${bad}`);
      t = makeTensor(Int32Array.from(values), wide.shape, 'int32');
    }
  } catch (error) {
    if (error instanceof RuleError) throw opError(op, error.message.startsWith('argument') ? error.message : `argument 'indices': ${error.message}`);
    throw error;
  }
  try {
    return fn(t);
  } finally {
    t.dispose();
  }
}

interface GatherAttrs { axis: number; batchDims: number }

/** The normalised axis and batchDims of a gather of x by indices. */
function gatherAxes(x: Shape, indices: Shape, { axis, batchDims }: GatherAttrs): { axis: number; batchDims: number } {
  if (x.length === 0) throw new RuleError('x must have rank >= 1, got a scalar');
  const r = indices.length;
  if (typeof batchDims !== 'number' || !Number.isInteger(batchDims) || batchDims < -r || batchDims > r) {
    throw new RuleError(`batchDims ${String(batchDims)} is out of range for indices of rank ${r} (expected an integer in [${-r}, ${r}])`);
  }
  const b = batchDims < 0 ? batchDims + r : batchDims;
  const a = normalizeAxis(axis, x.length);
  if (b > a) throw new RuleError(`batchDims ${b} must not exceed axis ${a}`);
  for (let i = 0; i < b; i++) {
    if (x[i] !== indices[i]) {
      throw new RuleError(`x ${formatShape(x)} and indices ${formatShape(indices)} must agree in their first ${b} (batch) dimensions`);
    }
  }
  return { axis: a, batchDims: b };
}

const gatherOp = defineOp<GatherAttrs>({
  name: 'gather',
  inputs: ['x', 'indices'],
  dtype: ([x, indices]) => {
    requireIndices(indices);
    return { inputs: [x, 'int32'], output: x };
  },
  shape: ([x, indices], attrs) => {
    const { axis, batchDims } = gatherAxes(x, indices, attrs);
    return checkShape([...x.slice(0, axis), ...indices.slice(batchDims), ...x.slice(axis + 1)], 'output shape');
  },
  kernelAttrs: (attrs, [x, indices]) => {
    const { axis, batchDims } = gatherAxes(x, indices, attrs);
    return [axis, batchDims];
  },
  gradient: (dy, { inputs: [x, indices], attrs, needs }) => {
    if (!needs[0]) return [null, null];
    const { axis, batchDims } = gatherAxes(x.shape, indices.shape, attrs);
    return [gatherAdjoint(zeros(x.shape, dy.dtype), indices, dy, axis, batchDims), null];
  },
  batch: ([x, indices], ctx) => {
    const { axis, batchDims } = gatherAxes(ctx.shapes[0], ctx.shapes[1], ctx.attrs);
    const [xBatched, indicesBatched] = ctx.batched;
    if (indicesBatched && !xBatched) {
      // The batch axis becomes the first index axis (after the batch dims), so the result has it at `axis`.
      return moveAxis(ctx.run([x, moveAxis(indices, 0, batchDims)], { axis, batchDims }), axis, 0);
    }
    if (batchDims === 0 && !indicesBatched) return ctx.run([x, indices], { axis: axis + 1, batchDims });
    // The batch axis is one more batch dim of x and the indices.
    return ctx.run(allBatched([x, indices], ctx), { axis: axis + 1, batchDims: batchDims + 1 });
  },
});

/**
 * x plus the adjoint of gather(·, indices, axis, batchDims) applied to updates (normalised axis
 * and batchDims). scatterAdd has no batch dims, so with b > 0 the batch axes and `axis` are
 * merged into one axis of size B·n, indexed by indices + n·(flat batch position).
 */
function gatherAdjoint(x: Tensor, indices: Tensor, updates: Tensor, axis: number, batchDims: number): Tensor {
  if (batchDims === 0) return scatterAddOp.run([x, indices, updates], { axis });
  const rank = x.rank;
  const batch = x.shape.slice(0, batchDims);
  const outer = x.shape.slice(batchDims, axis);  // x's axes between the batch dims and `axis`
  const inner = x.shape.slice(axis + 1);
  const n = x.shape[axis];
  const b = sizeOf(batch);
  const idx = indices.shape.slice(batchDims);
  // x as [B·n, ...outer, ...inner]; updates [B, ...outer, ...idx, ...inner] as [B, ...idx, ...outer, ...inner].
  const perm = [...range(0, batchDims), axis, ...range(batchDims, axis), ...range(axis + 1, rank)];
  const merged = reshape(transpose(x, perm), [b * n, ...outer, ...inner]);
  const u = reshape(updates, [b, ...outer, ...idx, ...inner]);
  const o = outer.length;
  const uPerm = [0, ...range(1 + o, 1 + o + idx.length), ...range(1, 1 + o), ...range(1 + o + idx.length, u.rank)];
  const offsets = reshape(mul(arange(0, b, 1, 'int32'), n), [b, ...idx.map(() => 1)]);
  const flat = add(reshape(indices, [b, ...idx]), offsets);
  const out = scatterAddOp.run([merged, flat, transpose(u, uPerm)], { axis: 0 });
  const inverse = new Array<number>(rank);
  perm.forEach((p, i) => { inverse[p] = i; });
  return transpose(reshape(out, [...batch, n, ...outer, ...inner]), inverse);
}

/**
 * Slices of x along `axis` at the given int32 indices (TF semantics): the output has shape
 * x.shape[:axis] + indices.shape[batchDims:] + x.shape[axis+1:]. With batchDims = b, the first
 * b axes of x and indices are batch axes gathered in lockstep. Indices must lie in
 * [0, x.shape[axis]).
 *
 * @example
 * rv.tensor([10, 20, 30]).gather([2, 0]);                  // [30, 10]
 * rv.tensor([[1, 2], [3, 4]]).gather(rv.tensor([1], [1], 'int32'), 1);  // [[2], [4]]
 */
export function gather(x: TensorLike, indices: TensorLike, axis = 0, batchDims = 0): Tensor {
  return withIndices('gather', indices, (i) => gatherOp.run([x, i], { axis, batchDims }));
}

const gatherNDOp = defineOp<void>({
  name: 'gatherND',
  inputs: ['x', 'indices'],
  dtype: ([x, indices]) => {
    requireIndices(indices);
    return { inputs: [x, 'int32'], output: x };
  },
  shape: ([x, indices]) => {
    if (indices.length === 0) throw new RuleError('indices must have rank >= 1, got a scalar');
    const k = indices[indices.length - 1];
    if (k > x.length) throw new RuleError(`indices.shape[-1] = ${k} exceeds the rank ${x.length} of x`);
    return checkShape([...indices.slice(0, -1), ...x.slice(k)], 'output shape');
  },
  // Scatter-ND as a scatterAdd into x with its first K axes flattened, at the flat positions.
  gradient: (dy, { inputs: [x, indices], needs }) => {
    if (!needs[0]) return [null, null];
    const k = indices.shape[indices.rank - 1];
    const lead = x.shape.slice(0, k);
    const strides = lead.map((_, i) => sizeOf(lead.slice(i + 1)));
    const flat = sum(mul(indices, tensor(strides, [k], 'int32')), -1);
    const g = scatterAddOp.run([zeros([sizeOf(lead), ...x.shape.slice(k)], dy.dtype), flat, dy], { axis: 0 });
    return [reshape(g, x.shape), null];
  },
  batch: ([x, indices], ctx) => {
    const [xBatched, indicesBatched] = ctx.batched;
    // Batched indices only: their batch axis is one more index axis, first in the result.
    if (!xBatched) return ctx.run([x, indices]);
    const iShape = ctx.shapes[1];
    const k = iShape[iShape.length - 1];
    // x only: its batch axis after the K indexed ones is sliced whole, after the index axes.
    if (!indicesBatched) return moveAxis(ctx.run([moveAxis(x, 0, k), indices]), iShape.length - 1, 0);
    // Both: each member's indices gain its batch position in front.
    const lead = [ctx.size, ...iShape.slice(0, -1).map(() => 1), 1];
    const position = broadcastTo(reshape(arange(0, ctx.size, 1, 'int32'), lead), [ctx.size, ...iShape.slice(0, -1), 1]);
    return ctx.run([x, concat([position, indices], -1)]);
  },
});

/**
 * Slices of x at multi-indices (TF semantics): the last axis of `indices` (of length K) indexes
 * the first K axes of x, so the output has shape indices.shape[:-1] + x.shape[K:].
 *
 * @example
 * rv.gatherND([[1, 2], [3, 4]], [[0, 1], [1, 0]]);  // [2, 3]
 * rv.gatherND([[1, 2], [3, 4]], [[1]]);             // [[3, 4]]
 */
export function gatherND(x: TensorLike, indices: TensorLike): Tensor {
  return withIndices('gatherND', indices, (i) => gatherNDOp.run([x, i], undefined));
}

function scatterAxis(x: Shape, axis: number): number {
  if (x.length === 0) throw new RuleError('x must have rank >= 1, got a scalar');
  return normalizeAxis(axis, x.length);
}

const scatterAddOp = defineOp<{ axis: number }>({
  name: 'scatterAdd',
  inputs: ['x', 'indices', 'updates'],
  dtype: ([x, indices, updates]) => {
    requireIndices(indices);
    const p = promote(x, updates);
    const t: DType = p === 'bool' ? 'int32' : p;
    return { inputs: [t, 'int32', t], output: t };
  },
  shape: ([x, indices, updates], { axis }) => {
    const a = scatterAxis(x, axis);
    const expected = [...x.slice(0, a), ...indices, ...x.slice(a + 1)];
    if (!shapesEqual(updates, expected)) {
      throw new RuleError(`argument 'updates' of shape ${formatShape(updates)} must have shape ${formatShape(expected)} ` +
        '(x.shape[:axis] + indices.shape + x.shape[axis+1:], the shape gather returns)');
    }
    return x;
  },
  kernelAttrs: ({ axis }, [x]) => [scatterAxis(x, axis)],
  gradient: (dy, { inputs: [, indices], attrs: { axis }, needs }) => [
    needs[0] ? dy : null,
    null,
    needs[2] ? gather(dy, indices, axis) : null,
  ],
  batch: (inputs, ctx) => {
    const axis = scatterAxis(ctx.shapes[0], ctx.attrs.axis) + 1;
    const [x, indices, updates] = inputs.map((t, i) => (ctx.batched[i] || i === 1 ? t : broadcastBatch(t, ctx.size)));
    // Shared indices scatter every member at once; per-member indices need a batch dim.
    return ctx.batched[1] ? gatherAdjoint(x, indices, updates, axis, 1) : ctx.run([x, indices, updates], { axis });
  },
});

/**
 * The adjoint of gather: a copy of x with `updates` added at the int32 indices along `axis`;
 * updates has the shape `gather(x, indices, axis)` returns, and duplicate indices accumulate.
 * Dtypes promote (bool computes in int32).
 *
 * @example
 * rv.scatterAdd([0, 0, 0], [2, 0, 2], [1, 2, 3]);  // [2, 0, 4]
 */
export function scatterAdd(x: TensorLike, indices: TensorLike, updates: TensorLike, axis = 0): Tensor {
  return withIndices('scatterAdd', indices, (i) => scatterAddOp.run([x, i, updates], { axis }));
}

interface OneHotAttrs { depth: number; onValue: number; offValue: number; dtype: DType }
const oneHotOp = defineOp<OneHotAttrs>({
  name: 'oneHot',
  inputs: ['indices'],
  dtype: ([indices], { dtype }) => {
    requireIndices(indices);
    if (!isDType(dtype)) throw new RuleError(`unknown dtype ${String(dtype)} (expected float32, float64, int32 or bool)`);
    return { inputs: ['int32'], output: dtype };
  },
  shape: ([indices], { depth }) => {
    if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 0) {
      throw new RuleError(`depth must be a non-negative integer, got ${String(depth)}`);
    }
    return checkShape([...indices, depth], 'output shape');
  },
  kernelAttrs: ({ depth, onValue, offValue }) => {
    for (const [name, v] of [['onValue', onValue], ['offValue', offValue]] as const) {
      if (typeof v !== 'number' && typeof v !== 'boolean') throw new RuleError(`${name} must be a number, got ${typeof v}`);
    }
    return [depth, Number(onValue), Number(offValue)];
  },
  gradient: 'none',
  batch: (inputs, ctx) => ctx.run(inputs),
});

/**
 * One-hot rows: each int32 index becomes `depth` values, onValue at the index and offValue
 * elsewhere; an index outside [0, depth) gives a row of offValue. Output shape
 * indices.shape + [depth].
 *
 * @example
 * rv.oneHot([0, 2, 5], 3);  // [[1, 0, 0], [0, 0, 1], [0, 0, 0]] (int32)
 */
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0, dtype: DType = 'int32'): Tensor {
  return withIndices('oneHot', indices, (i) => oneHotOp.run([i], { depth, onValue, offValue, dtype }));
}

const methods = { gather, oneHot };
addMethods(methods);

declare module '../tensor' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends ChainedMethods<typeof methods> {}
}
