/**
 * Effective sample size: the number of independent draws that would estimate a mean as
 * precisely as these autocorrelated chains do. Stan's estimator (Stan Reference Manual,
 * "Effective sample size"; Vehtari et al. 2021): autocovariances per chain by FFT, combined
 * across chains with the between-chain variance, summed by Geyer's initial monotone sequence.
 */
import type { Tensor } from '../../tensor/tensor';
import { autocovariance } from './autocovariance';
import { chainOf, isDegenerate, perQuantity, type ChainDraws } from './draws';
import { mean, variance } from './moments';

/**
 * The ESS of one quantity's chains as given (no splitting or ranking). NaN with fewer than 4
 * draws per chain, a non-finite value, or constant draws.
 */
export function essOf(x: ChainDraws): number {
  const { chains, draws: n } = x;
  if (n < 4 || isDegenerate(x.values)) return NaN;
  // Autocovariances averaged over chains, and the chain means.
  const acov = new Float64Array(n);
  const chainMeans = new Float64Array(chains);
  for (let c = 0; c < chains; c++) {
    const chain = chainOf(x, c);
    const g = autocovariance(chain);
    for (let t = 0; t < n; t++) acov[t] += g[t] / chains;
    chainMeans[c] = mean(chain);
  }
  // W: the mean within-chain variance; var⁺ = (n−1)/n W + B/n, the pooled variance estimate
  // that counts the spread of the chain means too (so disagreeing chains lower the ESS).
  const within = (acov[0] * n) / (n - 1);
  const varPlus = acov[0] + (chains > 1 ? variance(chainMeans) : 0);
  const rho = (t: number) => 1 - (within - acov[t]) / varPlus;
  const s = chains * n;
  // Stan caps the ESS at S·log10(S), for antithetic chains whose τ̂ comes out tiny or negative.
  return s / Math.max(integratedTime(rho, n), 1 / Math.log10(s));
}

/**
 * τ̂ = −1 + 2 Σ ρ̂_t over Geyer's initial monotone sequence: autocorrelations are taken in
 * pairs (ρ̂_2k + ρ̂_2k+1, positive for a reversible chain) until a pair's sum is no longer
 * positive, each pair's sum capped by the one before.
 */
function integratedTime(rho: (t: number) => number, n: number): number {
  const r = new Float64Array(n);  // the autocorrelations kept, zero past the truncation
  r[0] = 1;
  r[1] = rho(1);
  let even = r[0];
  let odd = r[1];
  let t = 0;  // even lag of the last pair computed
  // Initial positive sequence; as Stan, the last lag used is at most n − 3.
  while (even + odd > 0 && t + 2 <= n - 4) {
    t += 2;
    even = rho(t);
    odd = rho(t + 1);
    if (even + odd >= 0) {
      r[t] = even;
      r[t + 1] = odd;
    }
  }
  // Stan's improved estimate: the last pair's first lag counts once (it lowers the variance of
  // τ̂ for antithetic chains).
  if (even > 0) r[t] = even;
  // Initial monotone sequence: no pair may exceed the one before.
  for (let s = 2; s <= t - 2; s += 2) {
    const previous = r[s - 2] + r[s - 1];
    if (r[s] + r[s + 1] > previous) r[s] = r[s + 1] = previous / 2;
  }
  let tau = -1 + r[t];
  for (let s = 0; s < t; s++) tau += 2 * r[s];
  return tau;
}

/**
 * Effective sample size of the draws, for chains as given (no splitting, no rank
 * normalisation): the basic estimator of Stan, for the mean of a quantity with finite variance.
 * `summary` reports `bulkEss` and `tailEss` instead, which also catch trends within chains
 * and heavy tails.
 *
 * Per quantity: `[chain][draw]` arrays give a number; a Tensor of shape [chains, draws, ...]
 * gives a float64 Tensor of shape [...]. NaN where fewer than 4 draws per chain, any
 * non-finite value, or constant draws.
 *
 * @example
 * rv.effectiveSampleSize([[0.1, -0.4, 1.2, 0.3, 0.8], [0.5, -1.1, 0.2, 0.9, -0.3]]);  // a number
 * rv.effectiveSampleSize(fit.draws as rv.Tensor);    // [chains, draws, 3] → shape [3]
 */
export function effectiveSampleSize(draws: readonly (readonly number[])[]): number;
export function effectiveSampleSize(draws: Tensor): Tensor;
export function effectiveSampleSize(draws: Tensor | readonly (readonly number[])[]): number | Tensor {
  return perQuantity('effectiveSampleSize', draws, essOf);
}
