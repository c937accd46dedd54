/** Monte Carlo standard error of the mean. */
import type { Tensor } from '../../tensor/tensor';
import { bulkEssOf } from './bulk-ess';
import { perQuantity, type ChainDraws } from './draws';
import { variance } from './moments';

/** sd / √(bulk ESS) of one quantity (pass the bulk ESS when it is known already). */
export function mcseMeanOf(x: ChainDraws, essBulk = bulkEssOf(x)): number {
  return Math.sqrt(variance(x.values) / essBulk);
}

/**
 * Monte Carlo standard error of the posterior mean estimate: sd / √ESS_bulk, the sd over all
 * draws pooled. (posterior and ArviZ divide by the ESS of the split, unranked draws instead;
 * the two agree for roughly normal marginals.)
 *
 * Per quantity: `[chain][draw]` arrays give a number; a Tensor of shape [chains, draws, ...]
 * gives a float64 Tensor of shape [...]; NaN where the bulk ESS is.
 *
 * @example
 * rv.mcseMean(fit.draws as rv.Tensor);
 */
export function mcseMean(draws: readonly (readonly number[])[]): number;
export function mcseMean(draws: Tensor): Tensor;
export function mcseMean(draws: Tensor | readonly (readonly number[])[]): number | Tensor {
  return perQuantity('mcseMean', draws, mcseMeanOf);
}
