/**
 * `rv.mcmc`: Hamiltonian Monte Carlo and the No-U-Turn Sampler, with Stan's warm-up adaptation,
 * many chains as one batched computation, and targets given as functions or as models.
 */
import type { Fit } from '../fit';
import { hmcTransition, type StepCount } from './hmc';
import { nutsTransition } from './nuts';
import { checkInteger, checkPositive, type HmcOptions, type NutsOptions, resolveOptions } from './options';
import { runSampler } from './run';

export type { DrawEvent, HmcOptions, McmcOptions, NutsOptions } from './options';
export type { MetricKind } from './metric';
export type { State } from './state';

/**
 * Samples with the No-U-Turn Sampler (multinomial, with the generalised no-U-turn criterion, as
 * Stan and NumPyro), after a warm-up that adapts each chain's step size and metric. The chains
 * run as one batched computation of the target (written for one chain) under vmap.
 *
 * @example
 * const fit = await rv.mcmc.nuts({
 *   target: (x: rv.Tensor) => x.square().sum().mul(-0.5),   // a standard normal in 3 dimensions
 *   init: rv.zeros([3], 'float64'), numChains: 4, numWarmup: 500, numSamples: 500, seed: 1,
 * });
 * fit.draws;  // a Tensor [4, 500, 3]
 *
 * const fit2 = await rv.mcmc.nuts({ model: betaBernoulli, args: [50], observed: { x: data }, seed: 1 });
 * fit2.named().p;  // [4, 1000], on (0, 1)
 */
export async function nuts(options: NutsOptions): Promise<Fit> {
  const settings = resolveOptions('nuts', options, ['maxTreeDepth']);
  const maxTreeDepth = checkInteger('nuts', 'maxTreeDepth', options.maxTreeDepth, 10, 1);
  return runSampler('nuts', 'nuts', options, settings, nutsTransition(maxTreeDepth));
}

/**
 * Samples with Hamiltonian Monte Carlo: `numLeapfrogSteps` steps per transition, or
 * ⌊trajectoryLength / ε⌋ (default length 2π), with a Metropolis correction; warm-up adapts
 * step size and metric as for NUTS.
 *
 * @example
 * const fit = await rv.mcmc.hmc({ target, init, numLeapfrogSteps: 20, seed: 1 });
 */
export async function hmc(options: HmcOptions): Promise<Fit> {
  const settings = resolveOptions('hmc', options, ['numLeapfrogSteps', 'trajectoryLength']);
  if (options.numLeapfrogSteps !== undefined && options.trajectoryLength !== undefined) {
    throw new Error('hmc: give numLeapfrogSteps or trajectoryLength, not both');
  }
  const count: StepCount = options.numLeapfrogSteps !== undefined
    ? { numLeapfrogSteps: checkInteger('hmc', 'numLeapfrogSteps', options.numLeapfrogSteps, 1, 1) }
    : { trajectoryLength: checkPositive('hmc', 'trajectoryLength', options.trajectoryLength, 2 * Math.PI) };
  return runSampler('hmc', 'hmc', options, settings, hmcTransition(count));
}
