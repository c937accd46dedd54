/**
 * Indexing ops: gather, gatherND, scatterAdd (gather's adjoint) and oneHot. Indices are
 * int32: JS numbers and arrays of integers are converted (as TF.js does), float tensors
 * are an error, and every index is range-checked natively before anything is written.
 */
import { addMethods, type ChainedMethods } from '../chain';
import { makeTensor, type TensorLike } from '../convert';
import { type DType, isDType, promote } from '../dtype';
import { defineOp, opError } from '../op';
import { checkShape, formatShape, normalizeAxis, RuleError, type Shape, shapesEqual } from '../shape';
import { Tensor } from '../tensor';

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
});

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
