/**
 * The transformations behind the improved diagnostics of Vehtari et al. (2021): splitting
 * chains in half, rank normalisation, folding around the median, and quantile indicators.
 */
import { tensor } from '../../tensor/ops/creation';
import { ndtri } from '../../tensor/ops/special';
import { tidy } from '../../tensor/scope';
import { chainOf, type ChainDraws } from './draws';
import { quantileSorted, sortedCopy } from './quantile';

/**
 * Each chain cut into its first and second half (the middle draw of an odd-length chain is
 * dropped), so a trend within a chain shows up as a difference between chains.
 */
export function splitChains(x: ChainDraws): ChainDraws {
  const half = Math.floor(x.draws / 2);
  const values = new Float64Array(2 * x.chains * half);
  for (let c = 0; c < x.chains; c++) {
    const chain = chainOf(x, c);
    values.set(chain.subarray(0, half), 2 * c * half);
    values.set(chain.subarray(x.draws - half), (2 * c + 1) * half);
  }
  return { chains: 2 * x.chains, draws: half, values };
}

/** Ranks from 1 of all values pooled over chains; tied values share their average rank. */
export function averageRanks(values: Float64Array): Float64Array {
  const order = Uint32Array.from(values.keys()).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

/**
 * Normal scores of the pooled ranks, Φ⁻¹((r − 3/8) / (S + 1/4)) (Blom's offsets): the
 * diagnostics then work for heavy tails and infinite variance alike.
 */
export function rankNormalize(x: ChainDraws): ChainDraws {
  const s = x.values.length;
  const p = averageRanks(x.values).map((r) => (r - 3 / 8) / (s + 1 / 4));
  const z = tidy(() => ndtri(tensor(p, [s], 'float64')).dataSync() as Float64Array);
  return { ...x, values: z };
}

/** |x − median|: its spread across chains reveals chains that differ in scale, not location. */
export function fold(x: ChainDraws): ChainDraws {
  const median = quantileSorted(sortedCopy(x.values), 0.5);
  return { ...x, values: x.values.map((v) => Math.abs(v - median)) };
}

/** 1 where x ≤ threshold, else 0. */
export function indicator(x: ChainDraws, threshold: number): ChainDraws {
  return { ...x, values: x.values.map((v) => (v <= threshold ? 1 : 0)) };
}
