/** Deterministic: all mass at one point (TFP's Deterministic). */
import type { TensorLike } from '../tensor/convert';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, real } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import * as ops from './ops';
import { batchShapeOf, floatParams, nonNegative, shapesOf } from './params';

export interface DeterministicArgs extends DistributionOptions {
  /** The point. */
  loc: TensorLike;
  /** Values within atol + rtol·|loc| of loc count as loc (default 0, 0). */
  atol?: TensorLike;
  rtol?: TensorLike;
}

/**
 * The point mass at `loc`: logProb is 0 within atol + rtol·|loc| of loc and −∞ elsewhere; samples
 * are loc (reparameterised: their gradient with respect to loc is 1).
 *
 * @example
 * const d = new rv.distributions.Deterministic({ loc: [1, 2] });
 * d.logProb([1, 3]);   // [0, −Infinity]
 * d.sample([2]);       // [[1, 2], [1, 2]]
 */
export class Deterministic extends Distribution {
  readonly hasRsample = true;
  readonly support: Constraint = real;
  readonly loc: Tensor;
  readonly atol: Tensor;
  readonly rtol: Tensor;

  constructor(args: DeterministicArgs) {
    const { dtype, tensors } = floatParams('Deterministic', { loc: args.loc, atol: args.atol ?? 0, rtol: args.rtol ?? 0 });
    const batchShape = batchShapeOf('Deterministic', shapesOf(tensors));
    super({ name: 'Deterministic', dtype, batchShape, parameters: tensors, options: args });
    this.loc = tensors.loc;
    this.atol = tensors.atol;
    this.rtol = tensors.rtol;
    this.requireParam(this.atol, nonNegative, 'atol must be non-negative');
    this.requireParam(this.rtol, nonNegative, 'rtol must be non-negative');
  }

  protected sampleImpl(sampleShape: Shape, _seed: Seed | undefined): Tensor {
    return ops.broadcastTo(this.loc, [...sampleShape, ...this.batchShape]);
  }

  protected logProbImpl(value: Tensor): Tensor {
    return ops.where(ops.lessEqual(ops.abs(ops.sub(value, this.loc)), this.tolerance()), 0, -Infinity);
  }

  /** 1 from loc − tolerance on, else 0. */
  override cdf(value: TensorLike): Tensor {
    const x = this.value(value, 'cdf');
    return ops.cast(ops.greaterEqual(x, ops.sub(this.loc, this.tolerance())), this.dtype);
  }

  override mean(): Tensor {
    return ops.broadcastTo(this.loc, this.batchShape);
  }

  override mode(): Tensor {
    return this.mean();
  }

  override variance(): Tensor {
    return ops.zeros(this.batchShape, this.dtype);
  }

  override entropy(): Tensor {
    return ops.zeros(this.batchShape, this.dtype);
  }

  private tolerance(): Tensor {
    return ops.add(this.atol, ops.mul(this.rtol, ops.abs(this.loc)));
  }
}
