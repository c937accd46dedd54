/**
 * The batching engine behind vmap. Inside a vmap, a mapped tensor is a Tensor that stands for
 * one batch member: its shape is the member's, and it holds the whole batch as a value with
 * the batch axis first. An op with such an input runs once, on the whole batch, through the
 * batching rule in its declaration. vmaps nest as levels (1 for the outermost): an op is
 * batched at the innermost level among its inputs, and its rule runs at the level below, so
 * that a rule's own ops are batched for the outer levels in turn.
 */
import type { DType } from '../tensor/dtype';
import type { BatchContext, Op } from '../tensor/op';
import { reshape } from '../tensor/ops/view';
import { tidy } from '../tensor/scope';
import { formatShape, shapesEqual, type Shape } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { transformHooks } from './hooks';

/**
 * The active vmap levels, outermost first. Each vmap call gets a fresh id, so a tensor kept
 * from a vmap that has returned is never mistaken for a member of a later one.
 */
const levels: { id: number; size: number }[] = [];
let nextId = 1;

/** How many levels ops see now: all, or fewer while a batching rule runs. */
function setDepth(depth: number): void {
  transformHooks.vmapDepth = depth;
}

/** Runs `fn` with a new vmap level of `size`; fn gets the level's id. */
export function withLevel<T>(size: number, fn: (id: number) => T): T {
  const saved = transformHooks.vmapDepth;
  const id = nextId++;
  levels.push({ id, size });
  setDepth(levels.length);
  try {
    return fn(id);
  } finally {
    levels.pop();
    setDepth(saved);
  }
}

/** The tensor that stands for one member of `value` (batch axis first) at level `id`. */
export function member(value: Tensor, id: number): Tensor {
  return new Tensor(null, value.shape.slice(1), value.dtype, { value, level: id });
}

transformHooks.batch = function batch<A>(op: Op<A>, inputs: Tensor[], attrs: A, shape: Shape, dtype: DType): Tensor {
  const depth = transformHooks.vmapDepth;
  // The innermost level among the inputs (ids grow inwards); a random op's own level is the
  // innermost visible one, so that every member draws its own values.
  let id = op.random === true ? levels[depth - 1].id : 0;
  for (const t of inputs) if (t.batch !== null && t.batch.level > id) id = t.batch.level;
  let index = depth - 1;
  while (index >= 0 && levels[index].id !== id) index--;
  if (index < 0) {
    throw new Error(`${op.name}: an input is a tensor from inside a vmap that has returned; return it from the vmapped function instead of keeping it`);
  }
  const rule = op.batch;
  if (rule === undefined) throw new Error(`vmap: op ${op.name} has no batching rule`);
  const size = levels[index].size;
  const batched = inputs.map((t) => t.batch !== null && t.batch.level === id);
  const physical = inputs.map((t, i) => (batched[i] ? (t.batch as { value: Tensor }).value : t));
  const ctx: BatchContext<A> = {
    attrs,
    size,
    batched,
    shapes: inputs.map((t) => t.shape),
    outShape: shape,
    outDType: dtype,
    run: (xs, a) => op.run(xs, a ?? attrs),
  };
  setDepth(index);
  let value: Tensor;
  try {
    value = tidy(() => {
      const out = rule(physical, ctx);
      // The result owns its value: never one of the inputs' (or another holder's) handles.
      return physical.includes(out) ? reshape(out, out.shape) : out;
    });
  } finally {
    setDepth(depth);
  }
  if (!shapesEqual(value.shape, [size, ...shape]) || value.dtype !== dtype) {
    const got = `${formatShape(value.shape)} ${value.dtype}`;
    value.dispose();
    throw new Error(`${op.name}: batching rule gave ${got}, expected ${formatShape([size, ...shape])} ${dtype}`);
  }
  return member(value, id);
};
