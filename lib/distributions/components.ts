/**
 * Mixtures' components along an axis: lining values up against the component axis, picking a
 * component per position, stacking components, and drawing from a component over the
 * mixture's batch.
 */
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import type { Distribution } from './distribution';
import * as ops from './ops';
import { batchShapeOf } from './params';
import { classMask } from './probs-logits';

/**
 * `x` with a size-1 axis inserted before its last `eventRank` axes: a value of shape
 * [...] + batchShape + eventShape lined up against a component axis [..., C] + eventShape.
 */
export function expandBeforeEvent(x: Tensor, eventRank: number): Tensor {
  return ops.expandDims(x, x.rank - eventRank);
}

/**
 * Picks, for each position of `index` (shape S + B, int), the entry `index` of the component
 * axis of `stacked` (shape S + B + [C] + E), differentiably: Σ over the axis of where(mask, ·, 0).
 */
export function selectComponent(stacked: Tensor, index: Tensor, eventRank: number): Tensor {
  const axis = stacked.rank - eventRank - 1;
  let mask = classMask(index, stacked.shape[axis]);
  for (let i = 0; i < eventRank; i++) mask = ops.expandDims(mask, -1);
  return ops.sum(ops.where(mask, stacked, ops.zerosLike(stacked)), axis);
}

/** Stacks tensors whose shapes broadcast together, each broadcast to the common shape first. */
export function stackBroadcast(owner: string, tensors: readonly Tensor[], axis: number): Tensor {
  const shapes: Record<string, Shape> = {};
  tensors.forEach((t, i) => { shapes[`argument ${i}`] = t.shape; });
  const shape = batchShapeOf(owner, shapes);
  return ops.stack(tensors.map((t) => ops.broadcastTo(t, shape)), axis);
}

/**
 * `d.sample(sampleShape)` broadcast to sampleShape + `batchShape` + d.eventShape, where d's batch
 * shape broadcasts to `batchShape` (size-1 axes are inserted between the sample and batch axes).
 */
export function sampleOver(d: Distribution, sampleShape: Shape, batchShape: Shape, seed: Seed | undefined): Tensor {
  const draws = d.sample(sampleShape, { seed });
  const padding = new Array<number>(batchShape.length - d.batchShape.length).fill(1);
  const aligned = ops.reshape(draws, [...sampleShape, ...padding, ...d.batchShape, ...d.eventShape]);
  return ops.broadcastTo(aligned, [...sampleShape, ...batchShape, ...d.eventShape]);
}
