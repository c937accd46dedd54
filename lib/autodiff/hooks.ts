/**
 * The one object through which the op table reaches the transformations: tape.ts installs
 * `record`, batch.ts installs `batch`, and both keep their depth counters here, so that op
 * execution checks two numbers and pays nothing else while no transformation is active.
 */
import { setTransformHooks, type TransformHooks } from '../tensor/op';

export const transformHooks: TransformHooks = {
  vmapDepth: 0,
  tapeDepth: 0,
  batch() {
    throw new Error('vmap: the batching engine is not loaded');
  },
  record() {},
};

setTransformHooks(transformHooks);
