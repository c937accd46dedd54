/** Bulk effective sample size (Vehtari et al. 2021). */
import type { Tensor } from '../../tensor/tensor';
import { isDegenerate, perQuantity, type ChainDraws } from './draws';
import { essOf } from './ess';
import { rankNormalize, splitChains } from './transforms';

/**
 * The bulk ESS of one quantity: the ESS of its rank-normalised split chains (pass them when
 * they are known already).
 */
export function bulkEssOf(x: ChainDraws, ranked?: ChainDraws): number {
  if (isDegenerate(x.values)) return NaN;
  return essOf(ranked ?? rankNormalize(splitChains(x)));
}

/**
 * Bulk effective sample size: the ESS of the rank-normalised split chains. It measures how
 * well the centre of the distribution is explored, is defined even when the variance is not,
 * and (by splitting) is lowered by trends within chains. Vehtari et al. (2021) ask for at
 * least 100 per chain.
 *
 * Per quantity: `[chain][draw]` arrays give a number; a Tensor of shape [chains, draws, ...]
 * gives a float64 Tensor of shape [...]. NaN where fewer than 8 draws per chain (4 per half),
 * any non-finite value, or constant draws.
 *
 * @example
 * const ess = rv.bulkEss(fit.draws as rv.Tensor);   // one value per element of the state
 */
export function bulkEss(draws: readonly (readonly number[])[]): number;
export function bulkEss(draws: Tensor): Tensor;
export function bulkEss(draws: Tensor | readonly (readonly number[])[]): number | Tensor {
  return perQuantity('bulkEss', draws, bulkEssOf);
}
