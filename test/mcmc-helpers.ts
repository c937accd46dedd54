/**
 * Shared by the MCMC tests: posterior means checked within 4 Monte Carlo standard errors (from
 * the bulk ESS), and eight schools with its posterior means by quadrature.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';

export const f64 = (values: number[], shape?: number[]) => rv.tensor(values, shape ?? [values.length], 'float64');
export const numbers = (t: rv.Tensor) => Array.from(t.dataSync());
export const total = (t: rv.Tensor) => rv.sum(t).dataSync()[0];

/** Each element's mean over chains and draws of `draws` [chains, draws, ...] is `expected` within 4 MCSE. */
export function assertMeans(draws: rv.Tensor, expected: readonly number[], what: string): void {
  const means = numbers(rv.mean(draws, [0, 1]));
  const mcse = numbers(rv.mcseMean(draws));
  means.forEach((m, i) => {
    assert.ok(Math.abs(m - expected[i]) <= 4 * mcse[i], `${what}[${i}]: mean ${m} vs ${expected[i]} (MCSE ${mcse[i]})`);
  });
}

/** Each element's variance about the known mean is `variance` within 4 MCSE (of the mean squared deviation). */
export function assertVariances(draws: rv.Tensor, mean: readonly number[], variance: readonly number[], what: string): void {
  const squares = rv.square(rv.sub(draws, f64(mean as number[], draws.shape.slice(2))));
  assertMeans(squares, variance, `${what} variance`);
}

export const schoolsY = [28, 8, -3, 7, -1, 1, 18, 12];
export const schoolsSigma = [15, 10, 16, 11, 9, 11, 10, 18];

/**
 * Posterior means of mu, log tau and tau in eight schools (mu ~ N(0, 5), tau ~ HalfCauchy(0, 5),
 * y_j ~ N(mu + tau θ̃_j, σ_j) with θ̃_j ~ N(0, 1)), by quadrature: θ̃ integrates out exactly
 * (y_j | mu, tau ~ N(mu, σ_j² + tau²)), leaving a 2-D integral over mu and u = log tau on a fine grid.
 */
export function eightSchoolsPosteriorMeans(): { mu: number; logTau: number; tau: number } {
  const logDensity = (mu: number, u: number) => {
    const tau = Math.exp(u);
    let lp = -0.5 * (mu / 5) ** 2 - Math.log1p((tau / 5) ** 2) + u;
    schoolsY.forEach((y, j) => {
      const v = schoolsSigma[j] ** 2 + tau * tau;
      lp += -0.5 * (y - mu) ** 2 / v - 0.5 * Math.log(v);
    });
    return lp;
  };
  const mus = Array.from({ length: 801 }, (_, i) => -35 + 0.1 * i);
  const us = Array.from({ length: 1001 }, (_, i) => -12 + 0.02 * i);
  let peak = -Infinity;
  for (const mu of mus) for (const u of us) peak = Math.max(peak, logDensity(mu, u));
  let [mass, mu1, u1, tau1] = [0, 0, 0, 0];
  for (const mu of mus) {
    for (const u of us) {
      const w = Math.exp(logDensity(mu, u) - peak);
      mass += w;
      mu1 += w * mu;
      u1 += w * u;
      tau1 += w * Math.exp(u);
    }
  }
  return { mu: mu1 / mass, logTau: u1 / mass, tau: tau1 / mass };
}
