/** `rv.summary`: the posterior summary table of Stan and ArviZ. */
import { bulkEssOf } from './bulk-ess';
import { elementDraws, isDegenerate, namedDraws, type ChainDraws, type FitLike } from './draws';
import { mcseMeanOf } from './mcse';
import { mean, variance } from './moments';
import { quantileSorted, sortedCopy } from './quantile';
import { rhatOf } from './rhat';
import { formatSummary } from './table';
import { tailEssOf } from './tail-ess';
import { rankNormalize, splitChains } from './transforms';

export interface SummaryOptions {
  /** Print the table (and the sampler's divergences and tree-depth hits) to the console. Default true. */
  print?: boolean;
  /** Probabilities of the quantiles to report. Default [0.05, 0.5, 0.95]. */
  probs?: readonly number[];
}

/** One row of the summary: one scalar element of one variable. */
export interface SummaryRow {
  /** The variable's name ('x' for a Tensor state). */
  name: string;
  /** The element's index within the variable; [] for a scalar. */
  index: number[];
  /** How the table labels the row: 'mu', 'theta[3]', 'L[1, 0]'. */
  label: string;
  mean: number;
  /** Standard deviation over all draws pooled. */
  sd: number;
  /** Quantiles at `probs` (by default 5%, 50%, 95%), in the same order. */
  quantiles: number[];
  essBulk: number;
  essTail: number;
  /** Split R̂ with rank normalisation and folding. */
  rhat: number;
  /** Monte Carlo standard error of the mean: sd / √essBulk. */
  mcseMean: number;
}

/**
 * Summarises the draws of a fit, one row per scalar element of each variable: mean, sd,
 * quantiles, bulk and tail ESS, R̂ (rank-normalised, split, folded; Vehtari et al. 2021) and
 * the MCSE of the mean. Prints them as a table, with the divergences and maximum-tree-depth
 * hits from `fit.stats` when present, unless `print: false`. Takes a `Fit` or any
 * `{ draws }` whose draws are a [chains, draws, ...] Tensor or an object of them by name.
 *
 * @example
 * const rows = rv.summary(fit);                                 // prints the table
 * const rhats = rv.summary(fit, { print: false }).map((r) => r.rhat);
 * rv.summary({ draws: { mu: muDraws } }, { probs: [0.025, 0.975] });
 */
export function summary(fit: FitLike, options: SummaryOptions = {}): SummaryRow[] {
  const probs = options.probs ?? [0.05, 0.5, 0.95];
  if (!Array.isArray(probs) || probs.some((p) => typeof p !== 'number' || !(p >= 0 && p <= 1))) {
    throw new Error(`summary: probs must be numbers in [0, 1], got ${JSON.stringify(probs)}`);
  }
  const rows: SummaryRow[] = [];
  for (const [name, draws] of Object.entries(namedDraws(fit, 'summary'))) {
    const { shape, elements } = elementDraws(`summary: variable '${name}'`, draws);
    elements.forEach((x, flat) => rows.push(summaryRow(name, unravel(flat, shape), x, probs)));
  }
  if (options.print ?? true) console.log(formatSummary(fit, rows, probs));
  return rows;
}

function summaryRow(name: string, index: number[], x: ChainDraws, probs: readonly number[]): SummaryRow {
  const sorted = sortedCopy(x.values);
  // The rank-normalised split chains serve both the bulk ESS and R̂.
  const ranked = isDegenerate(x.values) ? undefined : rankNormalize(splitChains(x));
  const essBulk = bulkEssOf(x, ranked);
  return {
    name,
    index,
    label: index.length === 0 ? name : `${name}[${index.join(', ')}]`,
    mean: mean(x.values),
    sd: Math.sqrt(variance(x.values)),
    quantiles: probs.map((p) => quantileSorted(sorted, p)),
    essBulk,
    essTail: tailEssOf(x, sorted),
    rhat: rhatOf(x, ranked),
    mcseMean: mcseMeanOf(x, essBulk),
  };
}

/** The multi-index of row-major position `flat` in `shape`. */
function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return index;
}
