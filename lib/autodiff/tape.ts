/**
 * Gradient tapes. While a gradient is being taken, every op that reads a tensor the tape
 * watches (a source, or the output of an op already on the tape) is recorded with its inputs
 * and output; the backward pass then runs each op's gradient rule from the op table in
 * reverse. Tapes nest: the backward pass of an inner tape is itself recorded by the outer
 * ones, which is what makes grad of grad work. With no tape open, op execution checks one
 * counter and records nothing.
 */
import { isFloat } from '../tensor/dtype';
import type { Op } from '../tensor/op';
import { cast } from '../tensor/ops/elementwise';
import { sum } from '../tensor/ops/reduction';
import { broadcastTo, reshape } from '../tensor/ops/view';
import { tidy } from '../tensor/scope';
import { shapesEqual, type Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { transformHooks } from './hooks';

interface TapeNode {
  op: Op<unknown>;
  inputs: readonly Tensor[];
  attrs: unknown;
  output: Tensor;
}

/** One gradient computation's record of the ops between its sources and its result. */
export class Tape {
  readonly nodes: TapeNode[] = [];
  /** The sources and every recorded output: the tensors whose cotangents may be needed. */
  readonly watched = new Set<Tensor>();

  constructor(sources: readonly Tensor[]) {
    for (const s of sources) this.watched.add(s);
  }

  /** Releases what the tape still holds (after an error, or when a pullback is dropped). */
  release(): void {
    for (const node of this.nodes) releaseNode(node);
    this.nodes.length = 0;
  }
}

const open: Tape[] = [];

/**
 * Runs `fn` with `tape` recording. The tape is closed when `fn` returns or throws; a tape
 * that throws is released.
 */
export function recording<T>(tape: Tape, fn: () => T): T {
  open.push(tape);
  transformHooks.tapeDepth = open.length;
  try {
    return fn();
  } catch (error) {
    tape.release();
    throw error;
  } finally {
    open.splice(open.lastIndexOf(tape), 1);
    transformHooks.tapeDepth = open.length;
  }
}

transformHooks.record = function record<A>(op: Op<A>, inputs: readonly Tensor[], attrs: A, output: Tensor): void {
  // Ops without gradients, and integer or bool results, end the flow of gradients: the
  // output is a constant to every tape.
  if (op.gradient === 'none' || !isFloat(output.dtype)) return;
  for (const tape of open) {
    if (!inputs.some((t) => tape.watched.has(t))) continue;
    const node: TapeNode = { op: op as unknown as Op<unknown>, inputs, attrs, output };
    for (const t of inputs) pin(t);
    pin(output);
    tape.nodes.push(node);
    tape.watched.add(output);
  }
};

/** Holds `t` (and, inside vmap, the batched value it stands for) until unpinned. */
function pin(t: Tensor): void {
  t.pins++;
  if (t.batch !== null) pin(t.batch.value);
}

function unpin(t: Tensor): void {
  t.pins--;
  if (t.batch !== null) unpin(t.batch.value);
  if (t.pins === 0 && t.disposeDeferred) {
    t.disposeDeferred = false;
    t.dispose();
  }
}

function releaseNode(node: TapeNode): void {
  for (const t of node.inputs) unpin(t);
  unpin(node.output);
}

/**
 * Sums a cotangent that broadcasts to `shape` back to it, and gives it `dtype`: broadcasting in
 * the forward pass copies a value, so its gradient adds the copies up.
 */
export function unbroadcast(g: Tensor, shape: Shape, dtype: Tensor['dtype']): Tensor {
  let out = g;
  if (!shapesEqual(out.shape, shape)) {
    if (out.rank < shape.length || out.shape.slice(out.rank - shape.length).some((d, i) => d !== shape[i] && d !== 1 && shape[i] !== 1)) {
      out = broadcastTo(out, shape);
    } else {
      const lead = out.rank - shape.length;
      const axes: number[] = [];
      for (let d = 0; d < out.rank; d++) {
        if (d < lead || (shape[d - lead] === 1 && out.shape[d] !== 1)) axes.push(d);
      }
      const summed = axes.length > 0 ? sum(out, axes, true) : out;
      out = lead > 0 ? reshape(summed, summed.shape.slice(lead)) : summed;
      // Size-1 axes of the cotangent where the input's are larger: broadcast (a view).
      if (!shapesEqual(out.shape, shape)) out = broadcastTo(out, shape);
    }
  }
  return out.dtype === dtype ? out : cast(out, dtype);
}

/** A new handle to the same values (a view), to be owned and freed separately. */
function alias(t: Tensor): Tensor {
  return reshape(t, t.shape);
}

/**
 * The backward pass: from the cotangents of the results, the cotangent of every watched
 * tensor in `wanted` (undefined where none flows). Each node's saved tensors are released as
 * soon as its rule has run, and each cotangent is freed once passed on, so what stays alive
 * is what the remaining rules need (unless `consume` is false: a pullback called again keeps
 * its tape). Runs with `tape` closed, under any tapes still open.
 */
export function backward(tape: Tape, results: readonly Tensor[], cotangents: readonly Tensor[], wanted: readonly Tensor[], consume = true): Map<Tensor, Tensor> {
  const grads = new Map<Tensor, Tensor>();
  const keep = new Set<Tensor>(wanted);
  const accumulate = (t: Tensor, g: Tensor) => {
    const prior = grads.get(t);
    if (prior === undefined) {
      grads.set(t, g);
      return;
    }
    grads.set(t, tidy(() => prior.add(g)));
    prior.dispose();
    g.dispose();
  };
  try {
    results.forEach((r, i) => {
      if (!tape.watched.has(r)) return;
      const g = tidy(() => unbroadcast(cotangents[i], r.shape, r.dtype));
      accumulate(r, g === cotangents[i] ? alias(g) : g);
    });
    for (let n = tape.nodes.length - 1; n >= 0; n--) {
      const node = tape.nodes[n];
      if (consume) tape.nodes.length = n;
      const dy = grads.get(node.output);
      try {
        if (dy === undefined) continue;
        const needs = node.inputs.map((t) => tape.watched.has(t) && isFloat(t.dtype));
        if (!needs.some(Boolean)) continue;
        const rule = node.op.gradient;
        if (rule === undefined || rule === 'none') {
          throw new Error(`grad: op ${node.op.name} has no gradient rule`);
        }
        const parts = tidy(() => {
          const raw = rule(dy, { inputs: node.inputs, output: node.output, attrs: node.attrs, needs });
          const owned = new Set<Tensor>([dy, node.output, ...node.inputs]);
          return node.inputs.map((t, i) => {
            if (!needs[i] || !raw[i]) return null;
            let g = unbroadcast(raw[i] as Tensor, t.shape, t.dtype);
            // Each part is accumulated and freed on its own: never a tensor held elsewhere.
            if (owned.has(g)) g = alias(g);
            owned.add(g);
            return g;
          });
        });
        parts.forEach((g, i) => {
          if (g !== null) accumulate(node.inputs[i], g);
        });
      } finally {
        if (dy !== undefined && !keep.has(node.output)) {
          grads.delete(node.output);
          dy.dispose();
        }
        if (consume) releaseNode(node);
      }
    }
  } catch (error) {
    for (const g of grads.values()) g.dispose();
    throw error;
  } finally {
    if (consume) tape.release();
  }
  return grads;
}
