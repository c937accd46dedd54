/**
 * The potential scale reduction R̂: split, rank-normalised and folded, as in Vehtari, Gelman,
 * Simpson, Carpenter and Bürkner (2021), "Rank-normalization, folding, and localization: an
 * improved R̂ for assessing convergence of MCMC".
 */
import type { Tensor } from '../../tensor/tensor';
import { chainOf, isDegenerate, perQuantity, type ChainDraws } from './draws';
import { mean, variance } from './moments';
import { fold, rankNormalize, splitChains } from './transforms';

/**
 * The classic R̂ of Gelman and Rubin: √(var⁺ / W), with W the mean within-chain variance and
 * var⁺ = (n−1)/n W + B/n, B/n the variance of the chain means.
 */
function classicRhat(x: ChainDraws): number {
  const means = new Float64Array(x.chains);
  let within = 0;
  for (let c = 0; c < x.chains; c++) {
    const chain = chainOf(x, c);
    means[c] = mean(chain);
    within += variance(chain) / x.chains;
  }
  const n = x.draws;
  return Math.sqrt((((n - 1) / n) * within + variance(means)) / within);
}

/**
 * R̂ of one quantity: the larger of the rank-normalised split R̂ of x and of |x − median|
 * (pass the rank-normalised split chains when they are known already).
 */
export function rhatOf(x: ChainDraws, ranked?: ChainDraws): number {
  if (x.draws < 4 || isDegenerate(x.values)) return NaN;
  const split = splitChains(x);
  return Math.max(classicRhat(ranked ?? rankNormalize(split)), classicRhat(rankNormalize(fold(split))));
}

/**
 * Potential scale reduction factor R̂ (Vehtari et al. 2021): split each chain in half, replace
 * the draws by the normal scores of their pooled ranks, and compute the classic R̂; do the same
 * for the draws folded around their median (which catches chains that differ in scale); report
 * the larger. Near 1 when the chains agree; above 1.01 signals that they have not mixed.
 * One chain works too (its halves are compared).
 *
 * Per quantity: `[chain][draw]` arrays give a number; a Tensor of shape [chains, draws, ...]
 * gives a float64 Tensor of shape [...]. NaN where fewer than 4 draws per chain, any
 * non-finite value, or constant draws.
 *
 * @example
 * rv.potentialScaleReduction([[0.1, 0.3, -0.2, 0.5], [2.1, 1.9, 2.4, 2.2]]);  // far above 1.01
 */
export function potentialScaleReduction(draws: readonly (readonly number[])[]): number;
export function potentialScaleReduction(draws: Tensor): Tensor;
export function potentialScaleReduction(draws: Tensor | readonly (readonly number[])[]): number | Tensor {
  return perQuantity('potentialScaleReduction', draws, rhatOf);
}

/** Short name of {@link potentialScaleReduction}. @example rv.rhat(fit.draws as rv.Tensor) */
export const rhat = potentialScaleReduction;
