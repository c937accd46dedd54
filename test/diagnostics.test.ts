/**
 * MCMC diagnostics: ESS (basic, bulk, tail), R-hat and MCSE against a direct implementation of
 * the textbook formulas written here (autocovariances by O(N²) sums, Geyer's sequence over
 * pairs, ranks by counting) and against values ArviZ 0.23.4 computes for the same arrays;
 * statistical behaviour (AR(1) chains of known ESS, i.i.d. draws, shifted and rescaled chains)
 * with tolerances from the spread of the estimates over independent replications; the summary
 * rows and table; the ArviZ JSON layout.
 */
import { strict as assert } from 'assert';
import { mkdtemp, readFile, rm } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import * as rv from '../lib/index';
import { assertThrowsNamed, makeRng } from './helpers';

// ---------------------------------------------------------------------------------------------
// Draws

function standardNormal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** Stationary AR(1) chains x_t = φ x_{t−1} + √(1−φ²) ε_t, with unit marginal variance. */
function ar1(rng: () => number, chains: number, draws: number, phi: number): number[][] {
  return Array.from({ length: chains }, () => {
    let x = standardNormal(rng);
    return Array.from({ length: draws }, () => (x = phi * x + Math.sqrt(1 - phi * phi) * standardNormal(rng)));
  });
}

/** A literal 2 × 8 example with positive autocorrelation. */
const fixed = [
  [0.3, 0.5, 0.9, 1.4, 1.1, 0.6, 0.2, -0.3],
  [1.1, 1.3, 0.8, 0.4, 0.7, 1.2, 1.6, 1.0],
];

// ---------------------------------------------------------------------------------------------
// Reference implementation of the textbook formulas (Vehtari et al. 2021; Stan Reference
// Manual), written for clarity rather than speed.

const avg = (x: readonly number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const sampleVar = (x: readonly number[]) => x.reduce((a, v) => a + (v - avg(x)) ** 2, 0) / (x.length - 1);

/** (1/N) Σ_{i<N−t} (x_i − x̄)(x_{i+t} − x̄), by direct summation. */
function refAutocov(x: readonly number[], t: number): number {
  const m = avg(x);
  let s = 0;
  for (let i = 0; i + t < x.length; i++) s += (x[i] - m) * (x[i + t] - m);
  return s / x.length;
}

function refEss(chains: readonly (readonly number[])[]): number {
  const n = chains[0].length;
  const within = avg(chains.map(sampleVar));
  const between = chains.length > 1 ? sampleVar(chains.map(avg)) : 0;
  const varPlus = ((n - 1) / n) * within + between;
  // ρ_0 = 1 by definition; other lags from the autocovariances and the pooled variance.
  const rho = (t: number) => (t === 0 ? 1 : 1 - (within - avg(chains.map((c) => refAutocov(c, t)))) / varPlus);
  // Pairs Γ_k = ρ_2k + ρ_2k+1 while the previous pair is positive and the lags stay ≤ n − 3.
  const pairs = [rho(0) + rho(1)];
  while (pairs[pairs.length - 1] > 0 && 2 * pairs.length + 1 <= n - 3) {
    const k = pairs.length;
    pairs.push(rho(2 * k) + rho(2 * k + 1));
  }
  const last = pairs.length - 1;
  // τ = −1 + 2 Σ_{k<K} min(Γ_0 … Γ_k), plus ρ_2K (counted when its pair was kept or it is positive).
  let tau = -1;
  let smallest = Infinity;
  for (let k = 0; k < last; k++) tau += 2 * (smallest = Math.min(smallest, pairs[k]));
  tau += pairs[last] >= 0 ? rho(2 * last) : Math.max(rho(2 * last), 0);
  const s = chains.length * n;
  return s / Math.max(tau, 1 / Math.log10(s));
}

function refSplit(chains: readonly (readonly number[])[]): number[][] {
  const n = chains[0].length;
  const h = Math.floor(n / 2);
  return chains.flatMap((c) => [c.slice(0, h), c.slice(n - h)]);
}

function refQuantile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * (s[Math.min(lo + 1, s.length - 1)] - s[lo]);
}

/** Normal scores of pooled average ranks, the ranks found by counting. */
function refZScale(chains: readonly (readonly number[])[]): number[][] {
  const all = chains.flat();
  const s = all.length;
  const p = all.map((v) => (all.filter((u) => u < v).length + (all.filter((u) => u === v).length + 1) / 2 - 3 / 8) / (s + 1 / 4));
  const z = Array.from(rv.ndtri(rv.tensor(p, [s], 'float64')).dataSync());
  const n = chains[0].length;
  return chains.map((_, c) => z.slice(c * n, (c + 1) * n));
}

function refClassicRhat(chains: readonly (readonly number[])[]): number {
  const n = chains[0].length;
  const between = n * sampleVar(chains.map(avg));
  const within = avg(chains.map(sampleVar));
  return Math.sqrt((between / within + n - 1) / n);
}

function refRhat(chains: readonly (readonly number[])[]): number {
  const split = refSplit(chains);
  const median = refQuantile(split.flat(), 0.5);
  const folded = split.map((c) => c.map((v) => Math.abs(v - median)));
  return Math.max(refClassicRhat(refZScale(split)), refClassicRhat(refZScale(folded)));
}

const refBulkEss = (chains: readonly (readonly number[])[]) => refEss(refZScale(refSplit(chains)));

function refTailEss(chains: readonly (readonly number[])[]): number {
  const essAt = (p: number) => {
    const q = refQuantile(chains.flat(), p);
    return refEss(refSplit(chains.map((c) => c.map((v) => (v <= q ? 1 : 0)))));
  };
  return Math.min(essAt(0.05), essAt(0.95));
}

function assertRel(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

/**
 * How far below the truth ESS estimates of AR(1) chains (of S draws in all) read on average.
 * Geyer's sequence keeps adding pairs of autocorrelations while their sum is positive, and past
 * the true cut-off each pair is noise of sd √(2v/S), v = (1+φ²)/(1−φ²) (Bartlett); about one
 * such pair gets in, adding about 2·√(2v/S)·√(2/π) = 4√(v/(πS)) to τ̂, a fraction of τ = (1+φ)/(1−φ).
 */
function truncationBias(phi: number, s: number): number {
  const v = (1 + phi * phi) / (1 - phi * phi);
  return (4 * Math.sqrt(v / (Math.PI * s))) / ((1 + phi) / (1 - phi));
}

/** mean ratio of estimate to truth within 4 standard errors of 1, less the known downward bias. */
function assertUnbiased(ratios: readonly number[], bias: number, what: string): void {
  const { mean, se } = meanAndSe(ratios);
  assert.ok(mean >= 1 - bias - 4 * se && mean <= 1 + 4 * se, `${what}: mean ratio to truth ${mean} ± ${se} (bias allowed ${bias})`);
}

/** Mean and standard error of the mean over replications. */
function meanAndSe(values: readonly number[]): { mean: number; se: number } {
  return { mean: avg(values), se: Math.sqrt(sampleVar(values) / values.length) };
}

// ---------------------------------------------------------------------------------------------

describe('diagnostics: against hand computations and ArviZ', () => {
  const generated = ar1(makeRng(2021), 4, 50, 0.6);

  it('the reference implementation and the library reproduce ArviZ 0.23.4', () => {
    // az.stats.diagnostics._ess / _ess_bulk / _ess_tail / _rhat_rank on the same arrays. (ArviZ
    // sums Geyer's pairs up to lag N − 2, Stan and this library to N − 3; that changes nothing
    // here but can when a sequence stays positive to the end, as for short indicator chains.)
    const arviz = ar1(makeRng(2021), 4, 100, 0.6);
    assertRel(refEss(fixed), 7.4917366163029255, 1e-12, 'ess, 2 × 8');
    assertRel(refRhat(fixed), 1.0716286129220622, 1e-9, 'rhat, 2 × 8');
    assertRel(refEss(arviz), 118.4843128101755, 1e-12, 'ess, 4 × 100');
    assertRel(refBulkEss(arviz), 122.10905922355525, 1e-9, 'bulk ess, 4 × 100');
    assertRel(refTailEss(arviz), 186.73067798029427, 1e-12, 'tail ess, 4 × 100');
    assertRel(refRhat(arviz), 1.0334762196760645, 1e-9, 'rhat, 4 × 100');
    assertRel(rv.effectiveSampleSize(arviz), 118.4843128101755, 1e-12, 'library ess');
    assertRel(rv.bulkEss(arviz), 122.10905922355525, 1e-9, 'library bulk ess');
    assertRel(rv.tailEss(arviz), 186.73067798029427, 1e-12, 'library tail ess');
    assertRel(rv.rhat(arviz), 1.0334762196760645, 1e-9, 'library rhat');
  });

  it('effectiveSampleSize matches the direct formulas', () => {
    assertRel(rv.effectiveSampleSize(fixed), refEss(fixed), 1e-12, '2 × 8');
    assertRel(rv.effectiveSampleSize(generated), refEss(generated), 1e-12, '4 × 50');
    const odd = ar1(makeRng(5), 3, 37, 0.3);
    assertRel(rv.effectiveSampleSize(odd), refEss(odd), 1e-12, '3 × 37');
    const oneChain = ar1(makeRng(6), 1, 64, 0.8);
    assertRel(rv.effectiveSampleSize(oneChain), refEss(oneChain), 1e-12, '1 × 64');
  });

  it('bulkEss, tailEss, rhat and mcseMean match the direct formulas', () => {
    for (const [what, draws] of [['2 × 8', fixed], ['4 × 50', generated], ['3 × 41 (odd)', ar1(makeRng(8), 3, 41, 0.4)]] as const) {
      assertRel(rv.bulkEss(draws), refBulkEss(draws), 1e-9, `bulk ess, ${what}`);
      assertRel(rv.tailEss(draws), refTailEss(draws), 1e-12, `tail ess, ${what}`);
      assertRel(rv.rhat(draws), refRhat(draws), 1e-9, `rhat, ${what}`);
      assertRel(rv.mcseMean(draws), Math.sqrt(sampleVar(draws.flat()) / refBulkEss(draws)), 1e-9, `mcse, ${what}`);
    }
    assert.equal(rv.rhat, rv.potentialScaleReduction);
  });

  it('ties share their average rank (discrete draws)', () => {
    const rng = makeRng(12);
    const draws = Array.from({ length: 4 }, () => Array.from({ length: 30 }, () => Math.floor(3 * rng())));
    assertRel(rv.bulkEss(draws), refBulkEss(draws), 1e-9, 'bulk ess');
    assertRel(rv.rhat(draws), refRhat(draws), 1e-9, 'rhat');
    // The 95% quantile is the largest value, so I(x ≤ q95%) is constant: no tail ESS.
    assert.ok(Number.isNaN(rv.tailEss(draws)));
  });

  it('a [chains, draws, ...] Tensor gives one value per element, in row-major order', () => {
    const rng = makeRng(3);
    const [chains, draws] = [3, 40];
    // element e = (i, j) of a [2, 3] state: AR(1) with its own φ, so every element differs.
    const perElement = Array.from({ length: 6 }, (_, e) => ar1(rng, chains, draws, 0.1 * e));
    const values: number[] = [];
    for (let c = 0; c < chains; c++) for (let d = 0; d < draws; d++) for (let e = 0; e < 6; e++) values.push(perElement[e][c][d]);
    for (const dtype of ['float64', 'float32'] as const) {
      const t = rv.tensor(values, [chains, draws, 2, 3], dtype);
      const round = (x: number[][]) => (dtype === 'float32' ? x.map((c) => Array.from(Float32Array.from(c))) : x);
      for (const [f, name] of [[rv.effectiveSampleSize, 'ess'], [rv.bulkEss, 'bulk'], [rv.tailEss, 'tail'], [rv.rhat, 'rhat'], [rv.mcseMean, 'mcse']] as const) {
        const out = f(t);
        assert.deepEqual(out.shape, [2, 3]);
        assert.equal(out.dtype, 'float64');
        const got = out.dataSync();
        perElement.forEach((x, e) => assertRel(got[e], f(round(x)), 1e-12, `${name} ${dtype} element ${e}`));
      }
    }
    // A [chains, draws] tensor gives a scalar tensor.
    const scalar = rv.effectiveSampleSize(rv.tensor(fixed, undefined, 'float64'));
    assert.deepEqual(scalar.shape, []);
    assertRel(scalar.dataSync()[0], refEss(fixed), 1e-12, 'scalar');
  });

  it('NaN when nothing can be said; errors for malformed draws', () => {
    const constant = [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1]];
    const nonFinite = [[0.1, 0.2, NaN, 0.4, 0.5, 0.6, 0.7, 0.8], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]];
    const short = [[0.1, 0.5, 0.2], [0.3, 0.9, 0.4]];
    for (const draws of [constant, nonFinite, short]) {
      for (const f of [rv.effectiveSampleSize, rv.bulkEss, rv.tailEss, rv.rhat, rv.mcseMean]) assert.ok(Number.isNaN(f(draws)), `${f.name} ${JSON.stringify(draws)}`);
    }
    assertThrowsNamed(() => rv.effectiveSampleSize(rv.tensor([1, 2, 3])), 'effectiveSampleSize', '[chains, draws, ...]');
    assertThrowsNamed(() => rv.bulkEss([[1, 2, 3], [1, 2]]), 'bulkEss', 'same');
    assertThrowsNamed(() => rv.rhat([]), 'potentialScaleReduction');
  });
});

describe('diagnostics: statistical behaviour', () => {
  // Tolerances: 4 standard errors of the mean over independent replications, and the
  // estimator's known downward bias.
  const reps = 20;

  for (const phi of [0.5, 0.9, -0.5]) {
    it(`AR(1) chains with φ = ${phi}: ESS ≈ N(1−φ)/(1+φ), basic and bulk`, () => {
      const rng = makeRng(100 + Math.round(10 * phi));
      const [chains, draws] = [4, 1000];
      const truth = (chains * draws * (1 - phi)) / (1 + phi);
      const ratios = { ess: [] as number[], bulk: [] as number[] };
      for (let r = 0; r < reps; r++) {
        const x = ar1(rng, chains, draws, phi);
        ratios.ess.push(rv.effectiveSampleSize(x) / truth);
        ratios.bulk.push(rv.bulkEss(x) / truth);
      }
      for (const [what, values] of Object.entries(ratios)) assertUnbiased(values, truncationBias(phi, chains * draws), what);
    });
  }

  it('i.i.d. normal draws: basic, bulk and tail ESS ≈ N', () => {
    const rng = makeRng(7);
    const ratios = { ess: [] as number[], bulk: [] as number[], tail: [] as number[] };
    for (let r = 0; r < reps; r++) {
      const x = ar1(rng, 4, 500, 0);
      ratios.ess.push(rv.effectiveSampleSize(x) / 2000);
      ratios.bulk.push(rv.bulkEss(x) / 2000);
      ratios.tail.push(rv.tailEss(x) / 2000);
    }
    // The tail indicators of i.i.d. draws are i.i.d. too.
    for (const [what, values] of Object.entries(ratios)) assertUnbiased(values, truncationBias(0, 2000), what);
  });

  it('the MCSE of the mean matches the spread of the mean over replications', () => {
    // (mean error / MCSE)² averages 1; its variance is about 2 for normal errors.
    const rng = makeRng(9);
    const z2 = Array.from({ length: 40 }, () => {
      const x = ar1(rng, 4, 500, 0.7);
      return (avg(x.flat()) / rv.mcseMean(x)) ** 2;
    });
    const { mean, se } = meanAndSe(z2);
    assert.ok(Math.abs(mean - 1) <= 4 * se, `mean (error / mcse)² = ${mean} ± ${se}`);
  });

  it('R-hat ≈ 1 for well-mixed chains, > 1.1 for shifted means, different scales or a trend', () => {
    const rng = makeRng(21);
    // Split chains of 250: R-hat − 1 ≈ (χ²₇/7 − 1) / 500, below 0.01 with overwhelming probability.
    const mixed = rv.rhat(ar1(rng, 4, 500, 0.3));
    assert.ok(mixed > 0.99 && mixed < 1.01, `well mixed: ${mixed}`);
    const shifted = ar1(rng, 4, 500, 0.3).map((c, i) => (i === 0 ? c.map((v) => v + 1) : c));
    assert.ok(rv.rhat(shifted) > 1.1, `shifted: ${rv.rhat(shifted)}`);
    // Same centre, one chain three times as wide: only the folded R-hat sees it.
    const wide = ar1(rng, 4, 500, 0.3).map((c, i) => (i === 0 ? c.map((v) => 3 * v) : c));
    assert.ok(rv.rhat(wide) > 1.1, `rescaled: ${rv.rhat(wide)}`);
    assert.ok(refClassicRhat(refZScale(refSplit(wide))) < 1.05, 'the bulk R-hat alone misses the scale difference');
    // One chain drifting: its halves disagree.
    const trend = [ar1(rng, 1, 500, 0.3)[0].map((v, i) => v + (4 * i) / 500)];
    assert.ok(rv.rhat(trend) > 1.1, `trend: ${rv.rhat(trend)}`);
  });

  it('tail ESS: low when chains explore the tails unevenly; rank-based ESS ignore monotone transforms', () => {
    const rng = makeRng(33);
    const wide = ar1(rng, 4, 500, 0.3).map((c, i) => (i === 0 ? c.map((v) => 3 * v) : c));
    const bulk = rv.bulkEss(wide);
    const tail = rv.tailEss(wide);
    assert.ok(tail < bulk / 3, `tail ${tail} vs bulk ${bulk}`);
    const x = ar1(rng, 4, 300, 0.5);
    const expX = x.map((c) => c.map(Math.exp));
    assertRel(rv.bulkEss(expX), rv.bulkEss(x), 1e-12, 'bulk ess of exp(x)');
    assertRel(rv.tailEss(expX), rv.tailEss(x), 1e-12, 'tail ess of exp(x)');
    assertRel(rv.rhat(expX), rv.rhat(x), 1e-12, 'rhat of exp(x)');
  });

  it('heavy tails: bulk ESS of i.i.d. Cauchy draws ≈ N', () => {
    const rng = makeRng(44);
    const ratios = Array.from({ length: reps }, () =>
      rv.bulkEss(Array.from({ length: 4 }, () => Array.from({ length: 500 }, () => Math.tan(Math.PI * (rng() - 0.5))))) / 2000);
    assertUnbiased(ratios, truncationBias(0, 2000), 'bulk ESS');
  });
});

// ---------------------------------------------------------------------------------------------

/** A fit of 4 chains × 50 draws: mu (float64 scalar) and theta (float32, [2, 3]), with stats. */
function makeFit(): { fit: rv.Fit; mu: number[][]; theta: number[][][] } {
  const rng = makeRng(77);
  const [chains, draws] = [4, 50];
  const mu = ar1(rng, chains, draws, 0.4);
  const theta = Array.from({ length: 6 }, (_, e) => ar1(rng, chains, draws, 0.2).map((c) => c.map((v) => v + e)));
  const thetaValues: number[] = [];
  for (let c = 0; c < chains; c++) for (let d = 0; d < draws; d++) for (let e = 0; e < 6; e++) thetaValues.push(theta[e][c][d]);
  const flags = (at: number[]) => rv.tensor(Array.from({ length: chains * draws }, (_, i) => at.includes(i)), [chains, draws]);
  const fit = new rv.Fit({
    draws: { mu: rv.tensor(mu, undefined, 'float64'), theta: rv.tensor(thetaValues, [chains, draws, 2, 3]) },
    stats: {
      stepSize: rv.fill([chains, draws], 0.25),
      treeDepth: rv.fill([chains, draws], 3, 'int32'),
      numSteps: rv.fill([chains, draws], 7, 'int32'),
      diverging: flags([3, 60, 61]),
      energy: rv.tensor(Array.from({ length: chains * draws }, (_, i) => 10 + i / 8), [chains, draws], 'float64'),
      acceptProb: rv.fill([chains, draws], 0.8),
      hitMaxDepth: flags([150]),
    },
    numChains: chains, numWarmup: 100, numSamples: draws, sampler: 'nuts',
  });
  return { fit, mu, theta };
}

/** Runs fn with console.log captured. */
function captureLog(fn: () => void): string {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(' '));
  try {
    fn();
  } finally {
    console.log = original;
  }
  return lines.join('\n');
}

describe('diagnostics: summary', () => {
  it('one row per element with mean, sd, quantiles, ESS, R-hat and MCSE', () => {
    const { fit, mu, theta } = makeFit();
    const rows = rv.summary(fit, { print: false });
    assert.deepEqual(rows.map((r) => r.label), ['mu', 'theta[0, 0]', 'theta[0, 1]', 'theta[0, 2]', 'theta[1, 0]', 'theta[1, 1]', 'theta[1, 2]']);
    assert.deepEqual(rows[0].index, []);
    assert.deepEqual(rows[6].index, [1, 2]);
    const expected = [mu, ...theta.map((x) => x.map((c) => Array.from(Float32Array.from(c))))];
    rows.forEach((row, i) => {
      const x = expected[i];
      const all = x.flat();
      assert.equal(row.name, i === 0 ? 'mu' : 'theta');
      assertRel(row.mean, avg(all), 1e-12, `${row.label} mean`);
      assertRel(row.sd, Math.sqrt(sampleVar(all)), 1e-12, `${row.label} sd`);
      [0.05, 0.5, 0.95].forEach((p, j) => assertRel(row.quantiles[j], refQuantile(all, p), 1e-12, `${row.label} q${p}`));
      assertRel(row.essBulk, refBulkEss(x), 1e-9, `${row.label} bulk ess`);
      assertRel(row.essTail, refTailEss(x), 1e-12, `${row.label} tail ess`);
      assertRel(row.rhat, refRhat(x), 1e-9, `${row.label} rhat`);
      assertRel(row.mcseMean, row.sd / Math.sqrt(row.essBulk), 1e-12, `${row.label} mcse`);
    });
    const custom = rv.summary({ draws: { mu: rv.tensor(mu, undefined, 'float64') } }, { print: false, probs: [0.025, 0.975] });
    assert.equal(custom.length, 1);
    assertRel(custom[0].quantiles[1], refQuantile(mu.flat(), 0.975), 1e-12, 'custom probs');
    assertThrowsNamed(() => rv.summary(fit, { probs: [1.5] }), 'summary', 'probs');
  });

  it('a Tensor state is named x; a plain { draws } object works', () => {
    const rows = rv.summary({ draws: rv.tensor(fixed, undefined, 'float64') }, { print: false });
    assert.deepEqual(rows.map((r) => r.label), ['x']);
    assertRel(rows[0].rhat, refRhat(fixed), 1e-9, 'rhat');
  });

  it('prints a table with the divergences and tree-depth hits', () => {
    const { fit } = makeFit();
    let rows: rv.SummaryRow[] = [];
    const text = captureLog(() => (rows = rv.summary(fit)));
    const lines = text.split('\n');
    assert.equal(lines[0], 'nuts: 4 chains × 50 draws after 100 warm-up');
    assert.match(lines[1], /^ +mean +sd +5% +50% +95% +ess_bulk +ess_tail +r_hat +mcse_mean$/);
    assert.match(lines[2], /^mu +-?\d/);
    assert.ok(lines[2].includes(rows[0].rhat.toFixed(3)));
    assert.ok(lines[2].includes(String(Math.round(rows[0].essBulk))));
    assert.match(lines[8], /^theta\[1, 2\] /);
    assert.match(text, /divergent transitions: 3 of 200 draws \(by chain: 1, 2, 0, 0\)/);
    assert.match(text, /maximum tree depth reached: 1 of 200 draws \(by chain: 0, 0, 0, 1\)/);
    // 200 draws cannot reach 100 ESS per chain.
    assert.match(text, /ESS below 100 per chain \(400\): mu, theta\[0, 0\]/);
  });
});

describe('diagnostics: ArviZ JSON', () => {
  it('fitToJSON: posterior and sample_stats as [chain][draw][...] with ArviZ names, dims and coords', () => {
    const { fit, mu, theta } = makeFit();
    const json = rv.fitToJSON(fit);
    assert.deepEqual(Object.keys(json), ['posterior', 'sample_stats', 'dims', 'coords', 'attrs']);
    assert.deepEqual(json.posterior.mu, mu);
    const th = json.posterior.theta as number[][][][];
    assert.deepEqual([th.length, th[0].length, th[0][0].length, th[0][0][0].length], [4, 50, 2, 3]);
    assert.equal(th[2][17][1][0], Number(Math.fround(theta[3][2][17]).toPrecision(9)));
    assert.equal(Math.fround(th[2][17][1][0]), Math.fround(theta[3][2][17]), 'float32 values survive the shortening');
    assert.deepEqual(Object.keys(json.sample_stats), ['diverging', 'energy', 'step_size', 'tree_depth', 'n_steps', 'acceptance_rate', 'reached_max_treedepth']);
    const diverging = json.sample_stats.diverging as boolean[][];
    assert.equal(diverging[0][3], true);
    assert.equal(diverging[1][10], true);
    assert.equal(diverging[0][4], false);
    assert.equal((json.sample_stats.tree_depth as number[][])[1][1], 3);
    assert.equal((json.sample_stats.energy as number[][])[1][2], 10 + 52 / 8);
    assert.equal((json.sample_stats.reached_max_treedepth as boolean[][])[3][0], true);
    assert.deepEqual(json.dims, { theta: ['theta_dim_0', 'theta_dim_1'] });
    assert.deepEqual(json.coords, { theta_dim_0: [0, 1], theta_dim_1: [0, 1, 2] });
    assert.deepEqual(json.attrs, { inference_library: 'randvar', sampler: 'nuts', num_warmup: 100, aborted: 0 });
    assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
  });

  it('a plain { draws } object: posterior only; saveFit writes the same JSON', async () => {
    const json = rv.fitToJSON({ draws: rv.tensor(fixed, undefined, 'float64') });
    assert.deepEqual(json, { posterior: { x: fixed }, sample_stats: {}, dims: {}, coords: {}, attrs: { inference_library: 'randvar' } });
    const { fit } = makeFit();
    const dir = await mkdtemp(join(tmpdir(), 'randvar-fit-'));
    try {
      const path = join(dir, 'fit.json');
      await rv.saveFit(path, fit);
      assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), rv.fitToJSON(fit));
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
