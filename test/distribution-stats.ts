/**
 * Statistical checks for the distribution tests, computed in float64 in JS: moments within 4
 * standard errors, chi-square and Kolmogorov–Smirnov tests at a fixed significance level,
 * Monte Carlo estimates with their standard errors, and reference special functions.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import * as big from './special-reference';

/** The significance level of the goodness-of-fit tests; seeds are fixed, so a pass is reproducible. */
export const alpha = 1e-3;
/** The standard normal quantile of 1 − alpha (one-sided, for the chi-square bound). */
const zAlpha = 3.090232306167813;

const lgammaCache = new Map<number, number>();
/** log Γ(x), from the 320-bit reference (cached: the tests ask for few distinct arguments). */
export function lgamma(x: number): number {
  let v = lgammaCache.get(x);
  if (v === undefined) lgammaCache.set(x, (v = big.toNumber(big.lgamma(big.big(x)))));
  return v;
}

/** ψ(x), from the 320-bit reference. */
export function digamma(x: number): number {
  return big.toNumber(big.digamma(big.big(x)));
}

/** log C(n, k). */
export function logChoose(n: number, k: number): number {
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

/** Values of a tensor as a float64 JS array. */
export function values(t: rv.Tensor): number[] {
  return Array.from(t.dataSync(), Number);
}

export function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

export function meanOf(xs: readonly number[]): number {
  return sum(xs) / xs.length;
}

/** The standard error of the mean of xs: sample standard deviation / √n. */
export function standardError(xs: readonly number[]): number {
  const m = meanOf(xs);
  const v = sum(xs.map((x) => (x - m) ** 2)) / (xs.length - 1);
  return Math.sqrt(v / xs.length);
}

/** Every `stride`-th value from `offset`: one batch member's draws from a flat [n, batch] array. */
export function column(xs: ArrayLike<number>, stride: number, offset: number): number[] {
  const out: number[] = [];
  for (let i = offset; i < xs.length; i += stride) out.push(xs[i]);
  return out;
}

/**
 * Asserts that the sample mean and variance of `xs` are within 4 standard errors of `mean` and
 * `variance`: the mean's error σ/√n, the variance's √((μ₄ − σ⁴)/n) with μ₄ estimated from xs.
 */
export function assertMoments(xs: readonly number[], mean: number, variance: number, what: string): void {
  const n = xs.length;
  const m = meanOf(xs);
  assert.ok(Math.abs(m - mean) <= 4 * Math.sqrt(variance / n), `${what}: sample mean ${m}, expected ${mean} (4 SE = ${4 * Math.sqrt(variance / n)})`);
  const s2 = sum(xs.map((x) => (x - m) ** 2)) / (n - 1);
  const m4 = sum(xs.map((x) => (x - m) ** 4)) / n;
  const se = Math.sqrt(Math.max(m4 - s2 * s2, 0) / n);
  assert.ok(Math.abs(s2 - variance) <= 4 * se + 1e-12, `${what}: sample variance ${s2}, expected ${variance} (4 SE = ${4 * se})`);
}

/** The upper alpha quantile of chi-square with df degrees of freedom (Wilson–Hilferty). */
export function chiSquareCritical(df: number): number {
  const c = 2 / (9 * df);
  return df * (1 - c + zAlpha * Math.sqrt(c)) ** 3;
}

/**
 * Pearson's chi-square test of integer draws against probabilities probs[k] of the values k
 * (the remaining mass, if any, is one more bin); bins expected below 5 are pooled.
 */
export function assertChiSquare(draws: readonly number[], probs: readonly number[], what: string): void {
  const n = draws.length;
  const counts = new Array<number>(probs.length + 1).fill(0);
  for (const d of draws) {
    assert.ok(Number.isInteger(d) && d >= 0, `${what}: draw ${d} is not a non-negative integer`);
    counts[Math.min(d, probs.length)] += 1;
  }
  const expected = [...probs.map((p) => p * n), Math.max(0, 1 - sum(probs)) * n];
  // Pool bins in order until each pooled bin expects at least 5.
  const pooled: [number, number][] = [];
  let acc: [number, number] = [0, 0];
  expected.forEach((e, k) => {
    acc = [acc[0] + counts[k], acc[1] + e];
    if (acc[1] >= 5) {
      pooled.push(acc);
      acc = [0, 0];
    }
  });
  if (acc[1] > 0 || acc[0] > 0) {
    if (pooled.length === 0) pooled.push(acc);
    else pooled[pooled.length - 1] = [pooled[pooled.length - 1][0] + acc[0], pooled[pooled.length - 1][1] + acc[1]];
  }
  assert.ok(pooled.length >= 2, `${what}: too few bins for a chi-square test`);
  const stat = sum(pooled.map(([o, e]) => (o - e) ** 2 / e));
  const critical = chiSquareCritical(pooled.length - 1);
  assert.ok(stat <= critical, `${what}: chi-square ${stat.toFixed(2)} over ${pooled.length - 1} df exceeds ${critical.toFixed(2)}`);
}

/** The Kolmogorov–Smirnov test of continuous draws against a CDF, at level alpha. */
export function assertKS(draws: readonly number[], cdf: (x: number) => number, what: string): void {
  const xs = draws.slice().sort((a, b) => a - b);
  const n = xs.length;
  let d = 0;
  xs.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
  });
  const critical = Math.sqrt(-0.5 * Math.log(alpha / 2)) / Math.sqrt(n);
  assert.ok(d <= critical, `${what}: KS statistic ${d.toFixed(4)} exceeds ${critical.toFixed(4)}`);
}

/** Asserts |estimate − exact| <= 4 standard errors of a Monte Carlo estimate over terms. */
export function assertMonteCarlo(terms: readonly number[], exact: number, what: string): void {
  const m = meanOf(terms);
  const se = standardError(terms);
  assert.ok(Math.abs(m - exact) <= 4 * se + 1e-12, `${what}: Monte Carlo ${m} ± ${se}, closed form ${exact}`);
}

/**
 * The standard normal CDF, to about 1e-7 absolute (Abramowitz & Stegun 7.1.26 for erfc), enough
 * for KS tests at any sample size used here.
 */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-z * z);
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** The regularised incomplete beta I_x(a, b) for integer a, b >= 1: P(Binomial(a + b − 1, x) >= a). */
export function betaCdfIntegers(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const n = a + b - 1;
  let total = 0;
  for (let k = a; k <= n; k++) total += Math.exp(logChoose(n, k) + k * Math.log(x) + (n - k) * Math.log1p(-x));
  return total;
}

/** A float64 tensor. */
export function f64(data: number | number[] | number[][] | number[][][], shape?: number[]): rv.Tensor {
  return rv.tensor(data as rv.TensorLike, shape, 'float64');
}
