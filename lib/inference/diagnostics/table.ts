/** The printed form of `rv.summary`: a header, the table, and notes on what needs attention. */
import { sum } from '../../tensor/ops/reduction';
import { tidy } from '../../tensor/scope';
import type { Tensor } from '../../tensor/tensor';
import { namedDraws, type FitLike } from './draws';
import type { SummaryRow } from './summary';

/** The summary as text, as `summary` prints it. */
export function formatSummary(fit: FitLike, rows: readonly SummaryRow[], probs: readonly number[]): string {
  const [chains, draws] = Object.values(namedDraws(fit, 'summary'))[0]?.shape ?? [0, 0];
  return [header(fit, chains, draws), ...table(rows, probs), ...notes(fit, rows, chains)].join('\n');
}

function header(fit: FitLike, chains: number, draws: number): string {
  const warmup = fit.numWarmup !== undefined ? ` after ${fit.numWarmup} warm-up` : '';
  const aborted = fit.aborted ? ' (stopped early)' : '';
  return `${fit.sampler ?? 'draws'}: ${chains} chains × ${draws} draws${warmup}${aborted}`;
}

function table(rows: readonly SummaryRow[], probs: readonly number[]): string[] {
  const head = ['', 'mean', 'sd', ...probs.map((p) => `${Number((100 * p).toPrecision(6))}%`),
    'ess_bulk', 'ess_tail', 'r_hat', 'mcse_mean'];
  const cells = rows.map((r) => [r.label, formatValue(r.mean), formatValue(r.sd), ...r.quantiles.map(formatValue),
    formatCount(r.essBulk), formatCount(r.essTail), formatRhat(r.rhat), formatValue(r.mcseMean)]);
  const widths = head.map((h, j) => Math.max(h.length, ...cells.map((c) => c[j].length)));
  // Labels align left, numbers right, as in Stan's and ArviZ's tables.
  const line = (c: string[]) => c.map((s, j) => (j === 0 ? s.padEnd(widths[j]) : s.padStart(widths[j]))).join('  ');
  return [line(head), ...cells.map(line)];
}

/** Four significant digits; exponent form for very large or small magnitudes. */
function formatValue(v: number): string {
  const a = Math.abs(v);
  if (!Number.isFinite(v)) return String(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return a >= 1000 ? v.toFixed(0) : String(Number(v.toPrecision(4)));
}

function formatCount(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v)) : String(v);
}

/** Three decimals, so values either side of the 1.01 threshold look different. */
function formatRhat(v: number): string {
  return Number.isFinite(v) ? v.toFixed(3) : String(v);
}

function notes(fit: FitLike, rows: readonly SummaryRow[], chains: number): string[] {
  const out: string[] = [];
  const { diverging, hitMaxDepth } = fit.stats ?? {};
  if (diverging !== undefined) {
    out.push(flagNote(diverging, 'divergent transitions', 'the draws may be biased: raise targetAcceptProb or reparameterise the model'));
  }
  if (hitMaxDepth !== undefined) {
    out.push(flagNote(hitMaxDepth, 'maximum tree depth reached', 'trajectories were cut short: consider a larger maxTreeDepth'));
  }
  // Negated comparisons so that NaN values are listed too. The thresholds are those Vehtari
  // et al. (2021) recommend.
  listRows(out, rows.filter((r) => !(r.rhat <= 1.01)), 'R-hat above 1.01 (chains disagree)');
  listRows(out, rows.filter((r) => !(Math.min(r.essBulk, r.essTail) >= 100 * chains)),
    `bulk or tail ESS below 100 per chain (${100 * chains})`);
  return out;
}

/** A count of a [chains, draws] 0/1 statistic (summed natively), by chain when any. */
function flagNote(flags: Tensor, what: string, advice: string): string {
  const counts = tidy(() => Array.from(sum(flags, 1).dataSync()));
  const all = counts.reduce((a, b) => a + b, 0);
  if (all === 0) return `${what}: 0 of ${flags.size} draws`;
  const byChain = counts.length > 1 ? ` (by chain: ${counts.join(', ')})` : '';
  return `${what}: ${all} of ${flags.size} draws${byChain}; ${advice}`;
}

function listRows(out: string[], rows: readonly SummaryRow[], what: string): void {
  if (rows.length === 0) return;
  const shown = rows.slice(0, 8).map((r) => r.label).join(', ');
  out.push(`${what}: ${shown}${rows.length > 8 ? ` and ${rows.length - 8} more` : ''}`);
}
