/** TransformedDistribution: the distribution of a bijector applied to draws of another (TFP's TransformedDistribution). */
import type { Bijector } from '../bijectors/bijector';
import { Chain } from '../bijectors/chain';
import type { Seed } from '../tensor/random/key';
import type { Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, real, reinterpreted } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import * as ops from './ops';

export interface TransformedDistributionArgs extends DistributionOptions {
  /** The base distribution, of X. */
  distribution: Distribution;
  /** The map f: Y = f(X). */
  bijector: Bijector;
}

/**
 * The distribution of Y = f(X) for X ~ `distribution` and an invertible f (`bijector`):
 * samples are f(x) and log p_Y(y) = log p_X(f⁻¹(y)) + log |det ∂f⁻¹/∂y|, the Jacobian taken over
 * the event dims. Reparameterised when the base is.
 *
 * @example
 * const logNormal = new rv.distributions.TransformedDistribution({
 *   distribution: new rv.distributions.Normal({ loc: 0, scale: 1 }),
 *   bijector: new rv.bijectors.Exp(),
 * });
 * logNormal.logProb(1);   // −½ log 2π
 */
export class TransformedDistribution extends Distribution {
  readonly hasRsample: boolean;
  /**
   * Every real (vector, matrix) of the event rank: the image of the base's support under a
   * general bijector is not known here (defaultBijector maps onto it all the same). Values
   * outside the image give NaN through f⁻¹.
   */
  readonly support: Constraint;
  readonly distribution: Distribution;
  readonly bijector: Bijector;

  constructor(args: TransformedDistributionArgs) {
    const { distribution, bijector } = args;
    const eventShape = bijector.forwardEventShape(distribution.eventShape);
    super({ name: 'TransformedDistribution', dtype: distribution.dtype, batchShape: distribution.batchShape, eventShape, parameters: {}, options: args });
    this.distribution = distribution;
    this.bijector = bijector;
    this.hasRsample = distribution.hasRsample;
    this.support = reinterpreted(real, eventShape.length);
  }

  /** Unconstrained reals → the base's support (its default bijector) → the image, through `bijector`. */
  override defaultBijector(): Bijector {
    return new Chain([this.bijector, this.distribution.defaultBijector()]);
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    return this.bijector.forward(this.distribution.sample(sampleShape, { seed }));
  }

  protected logProbImpl(value: Tensor): Tensor {
    const x = this.bijector.inverse(value);
    return ops.add(this.distribution.logProb(x), this.bijector.inverseLogDetJacobian(value, this.eventShape.length));
  }
}
