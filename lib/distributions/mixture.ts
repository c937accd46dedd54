/** Mixture: a categorical choice among component distributions (TFP's Mixture). */
import type { Seed } from '../tensor/random/key';
import { formatShape, type Shape, shapesEqual } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { Categorical } from './categorical';
import { sampleOver, selectComponent, stackBroadcast } from './components';
import type { Constraint } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import * as ops from './ops';
import { batchShapeOf } from './params';
import { splitSeed } from './shared';

export interface MixtureArgs extends DistributionOptions {
  /** The mixing distribution over the C components. */
  cat: Categorical;
  /** The C components: same event shape and dtype, batch shapes broadcasting with cat's. */
  components: readonly Distribution[];
}

/**
 * The mixture Σ_c π_c p_c(x) of `components` with weights from `cat`: a draw picks a component
 * from cat, then draws from it. Components may be of different families, with the same event
 * shape, dtype and support.
 *
 * @example
 * const d = new rv.distributions.Mixture({
 *   cat: new rv.distributions.Categorical({ probs: [0.3, 0.7] }),
 *   components: [new rv.distributions.Normal({ loc: -1, scale: 0.5 }), new rv.distributions.Normal({ loc: 2, scale: 1 })],
 * });
 * d.logProb(0);   // log(0.3 N(0; −1, 0.5) + 0.7 N(0; 2, 1))
 */
export class Mixture extends Distribution {
  readonly hasRsample = false;
  readonly support: Constraint;
  readonly cat: Categorical;
  readonly components: readonly Distribution[];

  constructor(args: MixtureArgs) {
    const { cat, components } = args;
    if (!(cat instanceof Categorical)) throw new Error('Mixture: cat must be a Categorical');
    if (components.length === 0 || components.length !== cat.numClasses) {
      throw new Error(`Mixture: cat has ${cat.numClasses} classes but ${components.length} components were given`);
    }
    const first = components[0];
    components.forEach((c, i) => {
      if (!shapesEqual(c.eventShape, first.eventShape) || c.dtype !== first.dtype) {
        throw new Error(`Mixture: component ${i} has event shape ${formatShape(c.eventShape)} and dtype ${c.dtype}, component 0 ${formatShape(first.eventShape)} and ${first.dtype}`);
      }
    });
    const shapes: Record<string, Shape> = { cat: cat.batchShape };
    components.forEach((c, i) => { shapes[`component ${i}`] = c.batchShape; });
    const batchShape = batchShapeOf('Mixture', shapes);
    super({ name: 'Mixture', dtype: first.dtype, batchShape, eventShape: first.eventShape, parameters: {}, options: args });
    this.cat = cat;
    this.components = components;
    this.support = first.support;
  }

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const seeds = splitSeed(seed, this.components.length + 1);
    const draws = this.components.map((c, i) => sampleOver(c, sampleShape, this.batchShape, seeds[i + 1]));
    const stacked = ops.stack(draws, sampleShape.length + this.batchShape.length);
    const choice = sampleOver(this.cat, sampleShape, this.batchShape, seeds[0]);
    return selectComponent(stacked, choice, this.eventShape.length);
  }

  /** log Σ_c π_c p_c(x), as a logSumExp over the components. */
  protected logProbImpl(value: Tensor): Tensor {
    const perComponent = stackBroadcast('Mixture.logProb', this.components.map((c) => c.logProb(value)), -1);
    return ops.logSumExp(ops.add(perComponent, this.cat.classLogProbs()), -1);
  }

  /** Σ_c π_c mean_c. */
  override mean(): Tensor {
    return this.weightedSum((c) => c.mean());
  }

  /** Σ_c π_c (variance_c + mean_c²) − mean² (the law of total variance). */
  override variance(): Tensor {
    const secondMoment = this.weightedSum((c) => ops.add(c.variance(), ops.square(c.mean())));
    return ops.sub(secondMoment, ops.square(this.mean()));
  }

  /** Σ_c π_c f(component c), for f giving batchShape + eventShape tensors. */
  private weightedSum(f: (c: Distribution) => Tensor): Tensor {
    const shape = [...this.batchShape, ...this.eventShape];
    const stacked = ops.stack(this.components.map((c) => ops.broadcastTo(f(c), shape)), this.batchShape.length);
    let weights = this.cat.probsParameter();
    for (let i = 0; i < this.eventShape.length; i++) weights = ops.expandDims(weights, -1);
    return ops.sum(ops.mul(weights, stacked), this.batchShape.length);
  }
}
