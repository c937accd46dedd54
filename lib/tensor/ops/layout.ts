/**
 * Ops that copy data into a new layout: concat, stack, pad, tile. Their results are fresh
 * contiguous tensors; inputs may be any views (transposed, sliced, broadcast, reversed).
 */
import { allBatched } from '../batching';
import { addMethods, type ChainedMethods } from '../chain';
import type { TensorLike } from '../convert';
import { type DType, promote } from '../dtype';
import { defineOp, opError } from '../op';
import { checkShape, formatShape, normalizeAxis, RuleError, type Shape, shapesEqual } from '../shape';
import { Tensor } from '../tensor';
import { sum } from './reduction';
import { reshape, slice } from './view';

const sameDType = ([x]: DType[]) => ({ inputs: [x], output: x });
const xInput = ['x'] as const;

/** Names of the tensors of a concat or stack call: tensors[0], tensors[1], ... */
const tensorsInputs = (count: number) => Array.from({ length: count }, (_, i) => `tensors[${i}]`);

/** Every input promotes to one dtype (bool < int32 < float32 < float64). */
function promoteAll(dtypes: DType[]) {
  if (dtypes.length === 0) throw new RuleError('tensors must hold at least one tensor');
  const t = dtypes.reduce(promote);
  return { inputs: dtypes.map(() => t), output: t };
}

function concatAxis(shapes: readonly Shape[], axis: number): number {
  if (shapes.length === 0) throw new RuleError('tensors must hold at least one tensor');
  const rank = shapes[0].length;
  if (rank === 0) throw new RuleError('cannot concatenate scalars (tensors[0] has rank 0); use stack');
  return normalizeAxis(axis, rank);
}

const concatOp = defineOp<{ axis: number }>({
  name: 'concat',
  inputs: [],
  variadicInputs: tensorsInputs,
  dtype: promoteAll,
  shape: (shapes, { axis }) => {
    const a = concatAxis(shapes, axis);
    const first = shapes[0];
    const out = [...first];
    for (let k = 1; k < shapes.length; k++) {
      const s = shapes[k];
      if (s.length !== first.length || s.some((d, i) => i !== a && d !== first[i])) {
        throw new RuleError(`tensors[${k}] of shape ${formatShape(s)} does not match tensors[0] of shape ${formatShape(first)} outside axis ${a}`);
      }
      out[a] += s[a];
    }
    return checkShape(out, 'output shape');
  },
  kernelAttrs: ({ axis }, shapes) => [concatAxis(shapes, axis)],
  // Each input gets its block of dy along the axis.
  gradient: (dy, { inputs, attrs, needs }) => {
    const a = concatAxis(inputs.map((t) => t.shape), attrs.axis);
    let start = 0;
    return inputs.map((t, i) => {
      const begin = start;
      start += t.shape[a];
      return needs[i] ? slice(dy, dy.shape.map((_, k) => (k === a ? begin : 0)), t.shape) : null;
    });
  },
  batch: (inputs, ctx) => ctx.run(allBatched(inputs, ctx), { axis: concatAxis(ctx.shapes, ctx.attrs.axis) + 1 }),
});

function stackAxis(shapes: readonly Shape[], axis: number): number {
  if (shapes.length === 0) throw new RuleError('tensors must hold at least one tensor');
  return normalizeAxis(axis, shapes[0].length + 1);
}

const stackOp = defineOp<{ axis: number }>({
  name: 'stack',
  inputs: [],
  variadicInputs: tensorsInputs,
  dtype: promoteAll,
  shape: (shapes, { axis }) => {
    const a = stackAxis(shapes, axis);
    const first = shapes[0];
    for (let k = 1; k < shapes.length; k++) {
      if (!shapesEqual(shapes[k], first)) {
        throw new RuleError(`tensors[${k}] of shape ${formatShape(shapes[k])} differs from tensors[0] of shape ${formatShape(first)}`);
      }
    }
    const out = [...first];
    out.splice(a, 0, shapes.length);
    return checkShape(out, 'output shape');
  },
  kernelAttrs: ({ axis }, shapes) => [stackAxis(shapes, axis)],
  // Input k gets dy's slice k along the new axis.
  gradient: (dy, { inputs, attrs, needs }) => {
    const a = stackAxis(inputs.map((t) => t.shape), attrs.axis);
    return inputs.map((t, k) => (needs[k]
      ? reshape(slice(dy, dy.shape.map((_, i) => (i === a ? k : 0)), dy.shape.map((d, i) => (i === a ? 1 : d))), t.shape)
      : null));
  },
  batch: (inputs, ctx) => ctx.run(allBatched(inputs, ctx), { axis: stackAxis(ctx.shapes, ctx.attrs.axis) + 1 }),
});

function checkTensorList(op: string, tensors: unknown): readonly TensorLike[] {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw opError(op, `tensors must be a non-empty array of tensors, got ${Array.isArray(tensors) ? '[]' : String(tensors)}`);
  }
  return tensors;
}

/**
 * Joins tensors along an existing axis (negative counts from the end). They must agree on
 * every other axis; dtypes promote.
 *
 * @example
 * rv.concat([rv.tensor([[1, 2]]), rv.tensor([[3, 4]])]);     // [[1, 2], [3, 4]]
 * rv.concat([rv.tensor([[1], [2]]), rv.tensor([[3], [4]])], 1); // [[1, 3], [2, 4]]
 */
export function concat(tensors: readonly TensorLike[], axis = 0): Tensor {
  return concatOp.run(checkTensorList('concat', tensors), { axis });
}

/**
 * Joins tensors of one shape along a new axis at `axis` (in [-rank-1, rank]); dtypes promote.
 *
 * @example
 * rv.stack([rv.tensor([1, 2]), rv.tensor([3, 4])]);     // [[1, 2], [3, 4]]
 * rv.stack([rv.tensor([1, 2]), rv.tensor([3, 4])], 1);  // [[1, 3], [2, 4]]
 */
export function stack(tensors: readonly TensorLike[], axis = 0): Tensor {
  return stackOp.run(checkTensorList('stack', tensors), { axis });
}

interface PadAttrs { paddings: readonly (readonly [number, number])[]; constantValue: number }

function checkPaddings(paddings: unknown, rank: number): readonly (readonly [number, number])[] {
  if (!Array.isArray(paddings) || paddings.length !== rank) {
    const got = Array.isArray(paddings) ? `${paddings.length} pairs` : String(paddings);
    throw new RuleError(`paddings must hold one [before, after] pair per axis of x (rank ${rank}), got ${got}`);
  }
  paddings.forEach((p: unknown, i) => {
    if (!Array.isArray(p) || p.length !== 2 || p.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
      throw new RuleError(`paddings[${i}] must be a pair of non-negative integers [before, after], got ${JSON.stringify(p)}`);
    }
  });
  return paddings;
}

const padOp = defineOp<PadAttrs>({
  name: 'pad',
  inputs: xInput,
  dtype: sameDType,
  shape: ([x], { paddings }) => {
    const p = checkPaddings(paddings, x.length);
    return checkShape(x.map((d, i) => d + p[i][0] + p[i][1]), 'padded shape');
  },
  kernelAttrs: ({ paddings, constantValue }) => {
    if (typeof constantValue !== 'number' && typeof constantValue !== 'boolean') {
      throw new RuleError(`constantValue must be a number, got ${typeof constantValue}`);
    }
    return [Number(constantValue), ...paddings.flatMap(([before, after]) => [before, after])];
  },
  gradient: (dy, { inputs: [x], attrs }) => [slice(dy, attrs.paddings.map(([before]) => before), x.shape)],
  batch: ([x], ctx) => ctx.run([x], { ...ctx.attrs, paddings: [[0, 0], ...ctx.attrs.paddings] }),
});

/**
 * Pads x with `constantValue`: `paddings[i] = [before, after]` elements along axis i.
 *
 * @example
 * rv.tensor([[1, 2]]).pad([[1, 0], [0, 2]]);  // [[0, 0, 0, 0], [1, 2, 0, 0]]
 */
export function pad(x: TensorLike, paddings: readonly (readonly [number, number])[], constantValue = 0): Tensor {
  return padOp.run([x], { paddings, constantValue });
}

function checkReps(reps: unknown, rank: number): readonly number[] {
  if (!Array.isArray(reps) || reps.length !== rank) {
    throw new RuleError(`reps must hold one count per axis of x (rank ${rank}), got ${JSON.stringify(reps)}`);
  }
  reps.forEach((r: unknown, i) => {
    if (typeof r !== 'number' || !Number.isInteger(r) || r < 0) {
      throw new RuleError(`reps[${i}] must be a non-negative integer, got ${String(r)}`);
    }
  });
  return reps;
}

const tileOp = defineOp<{ reps: readonly number[] }>({
  name: 'tile',
  inputs: xInput,
  dtype: sameDType,
  shape: ([x], { reps }) => {
    const r = checkReps(reps, x.length);
    return checkShape(x.map((d, i) => d * r[i]), 'tiled shape');
  },
  kernelAttrs: ({ reps }) => [...reps],
  // dy as [r0, d0, r1, d1, ...]: each copy of x is one index of the rep axes, summed away.
  gradient: (dy, { inputs: [x], attrs: { reps } }) => [
    sum(reshape(dy, x.shape.flatMap((d, i) => [reps[i], d])), x.shape.map((_, i) => 2 * i)),
  ],
  batch: ([x], ctx) => ctx.run([x], { reps: [1, ...ctx.attrs.reps] }),
});

/**
 * Repeats x `reps[i]` times along each axis i.
 *
 * @example
 * rv.tensor([[1, 2]]).tile([2, 2]);  // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export function tile(x: TensorLike, reps: readonly number[]): Tensor {
  return tileOp.run([x], { reps });
}

/** `x.concat(y)` or `x.concat([y, z], axis)`: concat([x, ...]). */
function concatMethod(x: Tensor, tensors: TensorLike | readonly TensorLike[], axis = 0): Tensor {
  return concat(tensors instanceof Tensor ? [x, tensors] : [x, ...checkTensorList('concat', tensors)], axis);
}

/** `x.stack(y)` or `x.stack([y, z], axis)`: stack([x, ...]). */
function stackMethod(x: Tensor, tensors: TensorLike | readonly TensorLike[], axis = 0): Tensor {
  return stack(tensors instanceof Tensor ? [x, tensors] : [x, ...checkTensorList('stack', tensors)], axis);
}

const methods = { concat: concatMethod, stack: stackMethod, pad, tile };
addMethods(methods);

declare module '../tensor' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends ChainedMethods<typeof methods> {}
}
