/** MixtureSameFamily: a mixture over the last batch axis of one distribution (TFP's MixtureSameFamily). */
import type { Seed } from '../tensor/random/key';
import { formatShape, type Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { Categorical } from './categorical';
import { expandBeforeEvent, sampleOver, selectComponent } from './components';
import type { Constraint } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import * as ops from './ops';
import { batchShapeOf } from './params';
import { splitSeed } from './shared';

export interface MixtureSameFamilyArgs extends DistributionOptions {
  /** The mixing distribution over the C components, batch shape broadcasting with B. */
  mixtureDistribution: Categorical;
  /** The components: one distribution of batch shape B + [C]. */
  componentsDistribution: Distribution;
}

/**
 * The mixture Σ_c π_c p_c(x) whose components are the last batch axis of
 * `componentsDistribution` (batch shape B + [C]), weighted by `mixtureDistribution`; the mixture
 * has batch shape B and the components' event shape.
 *
 * @example
 * const d = new rv.distributions.MixtureSameFamily({
 *   mixtureDistribution: new rv.distributions.Categorical({ probs: [0.3, 0.7] }),
 *   componentsDistribution: new rv.distributions.Normal({ loc: [-1, 2], scale: [0.5, 1] }),
 * });
 * d.sample([100], { seed: 1 });   // shape [100]
 */
export class MixtureSameFamily extends Distribution {
  readonly hasRsample = false;
  readonly support: Constraint;
  readonly mixtureDistribution: Categorical;
  readonly componentsDistribution: Distribution;

  constructor(args: MixtureSameFamilyArgs) {
    const { mixtureDistribution: mix, componentsDistribution: components } = args;
    if (!(mix instanceof Categorical)) throw new Error('MixtureSameFamily: mixtureDistribution must be a Categorical');
    const batch = components.batchShape;
    if (batch.length === 0 || batch[batch.length - 1] !== mix.numClasses) {
      throw new Error(`MixtureSameFamily: componentsDistribution's batch shape ${formatShape(batch)} must end in the ${mix.numClasses} classes of mixtureDistribution`);
    }
    const batchShape = batchShapeOf('MixtureSameFamily', { mixtureDistribution: mix.batchShape, 'componentsDistribution (without its last batch axis)': batch.slice(0, -1) });
    super({ name: 'MixtureSameFamily', dtype: components.dtype, batchShape, eventShape: components.eventShape, parameters: {}, options: args });
    this.mixtureDistribution = mix;
    this.componentsDistribution = components;
    this.support = components.support;
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const [mixSeed, componentSeed] = splitSeed(seed, 2);
    const componentsBatch = [...this.batchShape, this.mixtureDistribution.numClasses];
    const draws = sampleOver(this.componentsDistribution, sampleShape, componentsBatch, componentSeed);
    const choice = sampleOver(this.mixtureDistribution, sampleShape, this.batchShape, mixSeed);
    return selectComponent(draws, choice, this.eventShape.length);
  }

  /** log Σ_c π_c p_c(x): x gets a component axis before its event axes. */
  protected logProbImpl(value: Tensor): Tensor {
    const perComponent = this.componentsDistribution.logProb(expandBeforeEvent(value, this.eventShape.length));
    return ops.logSumExp(ops.add(perComponent, this.mixtureDistribution.classLogProbs()), -1);
  }

  /** Σ_c π_c mean_c. */
  override mean(): Tensor {
    return this.weightedSum(this.componentsDistribution.mean());
  }

  /** Σ_c π_c (variance_c + mean_c²) − mean² (the law of total variance). */
  override variance(): Tensor {
    const m = this.componentsDistribution.mean();
    const secondMoment = this.weightedSum(ops.add(this.componentsDistribution.variance(), ops.square(m)));
    return ops.sub(secondMoment, ops.square(this.weightedSum(m)));
  }

  /** Σ_c π_c x_c for x of shape B + [C] + eventShape, broadcast to batchShape + eventShape. */
  private weightedSum(x: Tensor): Tensor {
    let weights = this.mixtureDistribution.probsParameter();
    for (let i = 0; i < this.eventShape.length; i++) weights = ops.expandDims(weights, -1);
    const total = ops.sum(ops.mul(weights, x), -1 - this.eventShape.length);
    return ops.broadcastTo(total, [...this.batchShape, ...this.eventShape]);
  }
}
