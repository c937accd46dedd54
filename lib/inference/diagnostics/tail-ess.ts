/** Tail effective sample size (Vehtari et al. 2021). */
import type { Tensor } from '../../tensor/tensor';
import { isDegenerate, perQuantity, type ChainDraws } from './draws';
import { essOf } from './ess';
import { quantileSorted, sortedCopy } from './quantile';
import { indicator, splitChains } from './transforms';

/**
 * The tail ESS of one quantity: the smaller ESS of the split indicators of x ≤ q5% and x ≤ q95%
 * (pass x's values sorted when they are known already).
 */
export function tailEssOf(x: ChainDraws, sorted?: Float64Array): number {
  if (isDegenerate(x.values)) return NaN;
  sorted ??= sortedCopy(x.values);
  const essAt = (p: number) => essOf(splitChains(indicator(x, quantileSorted(sorted, p))));
  return Math.min(essAt(0.05), essAt(0.95));
}

/**
 * Tail effective sample size: the smaller of the ESS of the indicators I(x ≤ q5%) and
 * I(x ≤ q95%) over split chains, where q are the pooled sample quantiles. It measures how well
 * the tails are explored, which is what 5% and 95% quantiles (and intervals) depend on; it
 * can be far below the bulk ESS when chains visit a tail rarely and stay there.
 *
 * Per quantity: `[chain][draw]` arrays give a number; a Tensor of shape [chains, draws, ...]
 * gives a float64 Tensor of shape [...]. NaN as for `bulkEss`, and where an indicator is
 * constant (heavily tied draws).
 *
 * @example
 * rv.tailEss(fit.draws as rv.Tensor);
 */
export function tailEss(draws: readonly (readonly number[])[]): number;
export function tailEss(draws: Tensor): Tensor;
export function tailEss(draws: Tensor | readonly (readonly number[])[]): number | Tensor {
  return perQuantity('tailEss', draws, tailEssOf);
}
