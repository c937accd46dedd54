/**
 * Pieces the batching rules share. A batching rule sees batched inputs with the batch axis
 * first; these helpers line such inputs up with the op's own shape rules.
 */
import { type BatchContext, type BatchRule, type Op, opTable } from './op';
import type { Shape } from './shape';
import type { Tensor } from './tensor';

// The view ops are reached through the table: op modules import this one for their rules.
function viewOp<A>(name: string, x: Tensor, attrs: A): Tensor {
  return (opTable.get(name) as unknown as Op<A>).run([x], attrs);
}
const reshape = (x: Tensor, shape: Shape) => viewOp('reshape', x, { shape });
const transpose = (x: Tensor, perm: readonly number[]) => viewOp('transpose', x, { perm });
const broadcastTo = (x: Tensor, shape: Shape) => viewOp('broadcastTo', x, { shape });

/** Moves axis `from` of `t` to position `to` (a view). @example moveAxis(x, 2, 0) */
export function moveAxis(t: Tensor, from: number, to: number): Tensor {
  const rank = t.rank;
  const f = from < 0 ? from + rank : from;
  const d = to < 0 ? to + rank : to;
  if (f === d) return t;
  const perm = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== f);
  perm.splice(d, 0, f);
  return transpose(t, perm);
}

/**
 * A batched input (batch axis first) given rank `rank` + 1 by inserting axes of size 1 after
 * the batch axis, so that it broadcasts against unbatched operands of rank up to `rank` as its
 * members would. Returns the input itself when no axis is missing.
 */
export function alignBatched(t: Tensor, rank: number): Tensor {
  const missing = rank + 1 - t.rank;
  if (missing <= 0) return t;
  return reshape(t, [t.shape[0], ...new Array<number>(missing).fill(1), ...t.shape.slice(1)]);
}

/**
 * The batching rule of ops whose inputs broadcast elementwise (NumPy rules): batched inputs
 * are aligned to the output's rank, unbatched ones broadcast from the right as before, and the
 * result has the batch axis first.
 */
export const elementwiseBatch: BatchRule<unknown> = (inputs: readonly Tensor[], ctx: BatchContext<unknown>) => {
  const rank = ctx.outShape.length;
  return ctx.run(inputs.map((t, i) => (ctx.batched[i] ? alignBatched(t, rank) : t)));
};

/**
 * An unbatched input given the batch axis (of `size`) in front, by broadcasting (a view), for
 * rules that need every input batched.
 */
export function broadcastBatch(t: Tensor, size: number): Tensor {
  return broadcastTo(t, [size, ...t.shape]);
}

/** Every input with the batch axis first: unbatched ones are broadcast (views). */
export function allBatched(inputs: readonly Tensor[], ctx: BatchContext<unknown>): Tensor[] {
  return inputs.map((t, i) => (ctx.batched[i] ? t : broadcastBatch(t, ctx.size)));
}
