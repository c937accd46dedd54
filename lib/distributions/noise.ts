/**
 * Standard logistic and Gumbel draws, by inverting their CDFs: the samplers of Logistic and
 * Gumbel, and the noise of the relaxed (Concrete) Bernoulli and one-hot categorical.
 */
import type { DType } from '../tensor/dtype';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import * as ops from './ops';
import { logit } from './probs-logits';
import { openUniform } from './shared';

/** −log(−log p): the quantile function of the standard Gumbel distribution. */
export function gumbelQuantile(p: Tensor): Tensor {
  return ops.neg(ops.log(ops.neg(ops.log(p))));
}

/** Standard logistic draws (loc 0, scale 1). */
export function logisticNoise(shape: Shape, dtype: DType, seed: Seed | undefined): Tensor {
  // The standard logistic quantile function is the logit.
  return logit(openUniform(shape, dtype, seed));
}

/** Standard Gumbel draws (loc 0, scale 1). */
export function gumbelNoise(shape: Shape, dtype: DType, seed: Seed | undefined): Tensor {
  return gumbelQuantile(openUniform(shape, dtype, seed));
}
