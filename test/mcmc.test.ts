/**
 * HMC and NUTS on targets written as functions (issue 7): posterior means and variances against
 * closed forms within 4 Monte Carlo standard errors (MCSE from the bulk ESS), the dense metric
 * against the diagonal one, eight schools, simulation-based calibration, vectorised against
 * sequential chains, abort, callbacks, memory, and errors for bad input. Fixed seeds throughout.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { binding } from '../lib/backend/binding';
import { Metric } from '../lib/inference/mcmc/metric';
import { nutsTransition } from '../lib/inference/mcmc/nuts';
import { adaptationWindows } from '../lib/inference/mcmc/windows';
import { makeRng } from './helpers';
import { assertMeans, assertVariances, eightSchoolsPosteriorMeans, f64, numbers, schoolsSigma, schoolsY, total } from './mcmc-helpers';

/** x ↦ −½ xᵀ A x for a symmetric precision matrix A. */
function gaussianTarget(precision: number[][]) {
  const a = f64(precision.flat(), [precision.length, precision.length]);
  return (x: rv.Tensor) => rv.mul(rv.sum(rv.mul(x, rv.matMul(a, x))), -0.5);
}

/** Draws from a Gamma(shape a, rate 1) with a ≥ 1 (Marsaglia–Tsang), for the calibration data. */
function gammaDraw(rng: () => number, a: number): number {
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = normal();
    const v = (1 + c * z) ** 3;
    if (v > 0 && Math.log(1 - rng()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

function poissonDraw(rng: () => number, mean: number): number {
  let k = 0;
  for (let p = rng(); p > Math.exp(-mean); p *= rng()) k++;
  return k;
}

/**
 * R independent conjugate problems in one target: λ_r ~ Gamma(a, b), n Poisson(λ_r) counts
 * with sum s_r, sampled as x_r = log λ_r. The posterior of x_r has density ∝ exp((a + s_r) x −
 * (b + n) eˣ), skewed and of a different scale for each r. Returns the target and the true λ_r.
 */
function gammaPoissonProblems(replications: number, seed: number) {
  const rng = makeRng(seed);
  const [a, b, n] = [2, 1, 3];
  const truth = Array.from({ length: replications }, () => gammaDraw(rng, a) / b);
  const sums = truth.map((lambda) => poissonDraw(rng, n * lambda));
  const shape = f64(sums.map((s) => a + s));
  const target = (x: rv.Tensor) => rv.sum(rv.sub(rv.mul(shape, x), rv.mul(rv.exp(x), b + n)));
  return { target, truth, posteriorShape: sums.map((s) => a + s), posteriorRate: b + n };
}

/** The chi-square statistic of the ranks of truth[r] among `kept` draws of x_r = log λ_r, in `kept` + 1 bins. */
function rankChiSquare(draws: rv.Tensor, truth: readonly number[], kept: number): number {
  const [chains, perChain, replications] = draws.shape;
  const values = draws.dataSync();
  const counts = new Array<number>(kept + 1).fill(0);
  const spacing = Math.floor((chains * perChain) / kept);
  for (let r = 0; r < replications; r++) {
    let rank = 0;
    for (let k = 0; k < kept; k++) if (values[k * spacing * replications + r] < Math.log(truth[r])) rank++;
    counts[rank]++;
  }
  const expected = replications / (kept + 1);
  return counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
}


// ---------------------------------------------------------------------------------------------
// Stan's NUTS transition (base_nuts.hpp) transcribed as plain recursion over JS arrays, for a
// Gaussian target with precision `precision` and inverse metric `inverseMetric`, with the
// doubling directions given. Only what does not depend on the sampling decisions is returned:
// tree depth, leapfrog steps, divergence and the mean acceptance statistic.

type Vector = number[];
const dot = (a: Vector, b: Vector) => a.reduce((s, x, i) => s + x * b[i], 0);
const plus = (a: Vector, b: Vector) => a.map((x, i) => x + b[i]);
const times = (m: number[][], v: Vector) => m.map((row) => dot(row, v));

function stanTree(precision: number[][], inverseMetric: number[][], q0: Vector, p0: Vector, eps: number, forward: boolean[], maxDepth: number) {
  const gradient = (q: Vector) => times(precision, q).map((g) => -g);
  const energy = (q: Vector, p: Vector) => 0.5 * dot(q, times(precision, q)) + 0.5 * dot(p, times(inverseMetric, p));
  const criterion = (vMinus: Vector, vPlus: Vector, rho: Vector) => dot(vMinus, rho) > 0 && dot(vPlus, rho) > 0;
  const h0 = energy(q0, p0);
  let steps = 0;
  let acceptSum = 0;
  let divergent = false;
  interface Point { q: Vector; p: Vector; g: Vector }
  interface Built { valid: boolean; end: Point; pBeg: Vector; pEnd: Vector; rho: Vector }
  const evolve = (z: Point, e: number): Point => {
    const half = z.p.map((x, i) => x + 0.5 * e * z.g[i]);
    const q = plus(z.q, times(inverseMetric, half).map((v) => e * v));
    const g = gradient(q);
    return { q, p: half.map((x, i) => x + 0.5 * e * g[i]), g };
  };
  const build = (depth: number, z: Point, sign: number): Built => {
    if (depth === 0) {
      const next = evolve(z, sign * eps);
      steps++;
      let h = energy(next.q, next.p);
      if (Number.isNaN(h)) h = Infinity;
      if (h - h0 > 1000) divergent = true;
      acceptSum += h0 - h > 0 ? 1 : Math.exp(h0 - h);
      return { valid: !divergent, end: next, pBeg: next.p, pEnd: next.p, rho: next.p };
    }
    const init = build(depth - 1, z, sign);
    if (!init.valid) return init;
    const final = build(depth - 1, init.end, sign);
    if (!final.valid) return final;
    const v = (p: Vector) => times(inverseMetric, p);
    const rho = plus(init.rho, final.rho);
    const valid = criterion(v(init.pBeg), v(final.pEnd), rho)
      && criterion(v(init.pBeg), v(final.pBeg), plus(init.rho, final.pBeg))
      && criterion(v(init.pEnd), v(final.pEnd), plus(final.rho, init.pEnd));
    return { valid, end: final.end, pBeg: init.pBeg, pEnd: final.pEnd, rho };
  };
  const start: Point = { q: q0, p: p0, g: gradient(q0) };
  let [zForward, zBackward] = [start, start];
  let [pFF, pFB, pBF, pBB] = [p0, p0, p0, p0];
  let rho = p0;
  let depth = 0;
  while (depth < maxDepth) {
    let rhoForward: Vector;
    let rhoBackward: Vector;
    let sub: Built;
    if (forward[depth]) {
      [rhoBackward, pBF] = [rho, pFF];
      sub = build(depth, zForward, 1);
      [zForward, rhoForward, pFB, pFF] = [sub.end, sub.rho, sub.pBeg, sub.pEnd];
    } else {
      [rhoForward, pFB] = [rho, pBB];
      sub = build(depth, zBackward, -1);
      [zBackward, rhoBackward, pBF, pBB] = [sub.end, sub.rho, sub.pBeg, sub.pEnd];
    }
    if (!sub.valid) break;
    depth++;
    rho = plus(rhoBackward, rhoForward);
    const v = (p: Vector) => times(inverseMetric, p);
    const persist = criterion(v(pBB), v(pFF), rho)
      && criterion(v(pBB), v(pFB), plus(rhoBackward, pFB))
      && criterion(v(pBF), v(pFF), plus(rhoForward, pBF));
    if (!persist) break;
  }
  return { depth, steps, divergent, acceptStat: acceptSum / steps };
}

describe('rv.mcmc.nuts', () => {
  it('builds the trees of Stan\'s recursive algorithm: the same depths, steps, divergences and acceptance statistics', () => {
    // 64 chains from scattered starts with scripted directions, through the batched builder;
    // each chain against the recursion above. Step sizes from short trees to divergent ones.
    const precision = [[1, 0.6, 0], [0.6, 4, 0], [0, 0, 25]];
    const numChains = 64;
    const rng = makeRng(31);
    const target = (x: rv.Tensor) => rv.mul(rv.sum(rv.mul(x, rv.matMul(f64(precision.flat(), [3, 3]), x))), -0.5);
    const gradient = rv.vmap(rv.valueAndGrad(target)) as (q: rv.Tensor) => { value: rv.Tensor; grad: rv.Tensor };
    const inverses: Record<string, number[][]> = { unit: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], diag: [[1.5, 0, 0], [0, 0.3, 0], [0, 0, 0.05]], dense: [[1.2, -0.2, 0], [-0.2, 0.3, 0.01], [0, 0.01, 0.05]] };
    let checked = 0;
    for (const kind of ['unit', 'diag', 'dense'] as const) {
      for (const [eps, maxDepth] of [[0.05, 10], [0.3, 10], [0.3, 3], [0.7, 10], [1.5, 10]]) {
        const q0 = Array.from({ length: numChains }, () => [0, 1, 2].map(() => (rng() - 0.5) * 3));
        const forward = Array.from({ length: numChains }, () => Array.from({ length: maxDepth }, () => rng() < 0.5));
        const metric = kind === 'unit' ? Metric.identity('unit', numChains, 3, 'float64')
          : Metric.fromInverse(kind, kind === 'diag' ? f64(new Array(numChains).fill([1.5, 0.3, 0.05]).flat(), [numChains, 3]) : f64(new Array(numChains).fill(inverses.dense.flat()).flat(), [numChains, 3, 3]));
        const key = rv.random.key(checked);
        const p0 = metric.sampleMomentum(numChains, 3, 'float64', key).arraySync() as number[][];
        const q = f64(q0.flat(), [numChains, 3]);
        const { value, grad } = gradient(q);
        const doublings = new Array<number>(numChains).fill(0);
        const random = { uniform: () => 0.5, coin: (c: number) => forward[c][doublings[c]++] };
        const { position, stats } = nutsTransition(maxDepth)({ q, grad, logp: value }, new Float64Array(numChains).fill(eps), { gradient, metric, dtype: 'float64', random, nextKey: () => key });
        rv.dispose(position);
        metric.dispose();
        for (let c = 0; c < numChains; c++) {
          const expected = stanTree(precision, inverses[kind], q0[c], p0[c], eps, forward[c], maxDepth);
          const what = `${kind} metric, ε ${eps}, chain ${c}`;
          assert.equal(stats.treeDepth[c], expected.depth, `${what}: depth`);
          assert.equal(stats.numSteps[c], expected.steps, `${what}: steps`);
          assert.equal(stats.diverging[c], expected.divergent ? 1 : 0, `${what}: divergence`);
          assert.ok(Math.abs(stats.acceptProb[c] - expected.acceptStat) < 1e-9, `${what}: acceptance ${stats.acceptProb[c]} vs ${expected.acceptStat}`);
        }
        checked += numChains;
      }
    }
  });

  it('samples a standard normal in 1, 10 and 100 dimensions: means and variances within 4 MCSE, no divergences', async () => {
    for (const dim of [1, 10, 100]) {
      const fit = await rv.mcmc.nuts({
        target: (x: rv.Tensor) => rv.mul(rv.sum(rv.square(x)), -0.5),
        init: rv.zeros([dim], 'float64'), numChains: 4, numWarmup: 300, numSamples: 500, seed: dim, progress: false,
      });
      const draws = fit.draws as rv.Tensor;
      assert.deepEqual(draws.shape, [4, 500, dim]);
      assert.equal(draws.dtype, 'float64');
      assertMeans(draws, new Array(dim).fill(0), `N(0, I_${dim}) mean`);
      assertVariances(draws, new Array(dim).fill(0), new Array(dim).fill(1), `N(0, I_${dim})`);
      assert.equal(total(fit.stats.diverging), 0);
      assert.deepEqual(fit.stats.treeDepth.shape, [4, 500]);
      // The adapted step sizes shrink with the dimension, as ε ∝ d^(−1/4) for Gaussians.
      assert.ok(numbers(fit.stepSize as rv.Tensor).every((e) => e > 0.2 && e < 2), `step sizes ${numbers(fit.stepSize as rv.Tensor)}`);
    }
  });

  it('matches the closed-form Normal–Normal posterior', async () => {
    const y = [1.2, 0.4, 2.1, 1.7, 0.9, 1.5];
    const [priorMean, priorSd, noiseSd] = [0, 2, 1];
    const precision = 1 / priorSd ** 2 + y.length / noiseSd ** 2;
    const postMean = (priorMean / priorSd ** 2 + y.reduce((s, v) => s + v, 0) / noiseSd ** 2) / precision;
    const data = f64(y);
    const fit = await rv.mcmc.nuts({
      target: (mu: rv.Tensor) => rv.add(rv.mul(rv.square(rv.div(rv.sub(mu, priorMean), priorSd)), -0.5), rv.mul(rv.sum(rv.square(rv.sub(data, mu))), -0.5 / noiseSd ** 2)),
      init: 0, numChains: 4, numWarmup: 300, numSamples: 1000, seed: 2, progress: false,
    });
    const mu = fit.draws as rv.Tensor;
    assert.deepEqual(mu.shape, [4, 1000]);
    const draws = rv.reshape(mu, [4, 1000, 1]);
    assertMeans(draws, [postMean], 'mu');
    assertVariances(draws, [postMean], [1 / precision], 'mu');
  });

  it('matches the closed-form posterior of a Bayesian linear regression with known noise (a named state)', async () => {
    // y = b + X w + noise, b ~ N(0, 10²), w ~ N(0, I), noise sd 0.5.
    const rng = makeRng(7);
    const n = 20;
    const x = Array.from({ length: n }, () => [rng() * 4 - 2, rng() * 4 - 2]);
    const y = x.map(([u, v]) => 0.5 + 1.5 * u - 0.8 * v + 0.5 * (rng() + rng() + rng() - 1.5) * 2);
    const noiseVar = 0.25;
    // Closed form over θ = (b, w1, w2): Σ = (ZᵀZ/σ² + diag(1/100, 1, 1))⁻¹, m = Σ Zᵀy/σ².
    const z = x.map(([u, v]) => [1, u, v]);
    const priorPrecision = [1 / 100, 1, 1];
    const a = [0, 1, 2].map((i) => [0, 1, 2].map((j) => z.reduce((s, row) => s + row[i] * row[j], 0) / noiseVar + (i === j ? priorPrecision[i] : 0)));
    const rhs = [0, 1, 2].map((i) => z.reduce((s, row, k) => s + row[i] * y[k], 0) / noiseVar);
    const covariance = rv.tidy(() => rv.choleskyInverse(rv.cholesky(f64(a.flat(), [3, 3]))).arraySync() as number[][]);
    const postMean = covariance.map((row) => row.reduce((s, v, j) => s + v * rhs[j], 0));

    const design = f64(x.flat(), [n, 2]);
    const response = f64(y);
    const fit = await rv.mcmc.nuts({
      target: ({ intercept, weights }: { intercept: rv.Tensor; weights: rv.Tensor }) => {
        const residual = rv.sub(response, rv.add(intercept, rv.matMul(design, weights)));
        const prior = rv.add(rv.mul(rv.square(intercept), -0.5 / 100), rv.mul(rv.sum(rv.square(weights)), -0.5));
        return rv.add(prior, rv.mul(rv.sum(rv.square(residual)), -0.5 / noiseVar));
      },
      init: { intercept: 0, weights: [0, 0] }, numChains: 4, numWarmup: 300, numSamples: 600, seed: 3, progress: false,
    });
    const { intercept, weights } = fit.draws as Record<string, rv.Tensor>;
    assert.deepEqual(intercept.shape, [4, 600]);
    assert.deepEqual(weights.shape, [4, 600, 2]);
    const theta = rv.concat([rv.reshape(intercept, [4, 600, 1]), weights], 2);
    assertMeans(theta, postMean, 'regression coefficients');
    assertVariances(theta, postMean, [0, 1, 2].map((i) => covariance[i][i]), 'regression coefficients');
  });

  it('adapts a dense metric to a correlated Gaussian, which then gives more ESS per gradient than a diagonal one', async () => {
    // Σ with standard deviations 1 and 3 and correlation 0.95.
    const sigma = [[1, 2.85], [2.85, 9]];
    const det = sigma[0][0] * sigma[1][1] - sigma[0][1] ** 2;
    const precision = [[sigma[1][1] / det, -sigma[0][1] / det], [-sigma[0][1] / det, sigma[0][0] / det]];
    const run = (metric: 'diag' | 'dense') => rv.mcmc.nuts({
      target: gaussianTarget(precision), init: f64([0, 0]), metric, numChains: 4, numWarmup: 300, numSamples: 500, seed: 4, progress: false,
    });
    const essPerGradient = (fit: rv.Fit) => Math.min(...numbers(rv.bulkEss(fit.draws as rv.Tensor))) / total(fit.stats.numSteps);
    const dense = await run('dense');
    const diag = await run('diag');
    const draws = dense.draws as rv.Tensor;
    assertMeans(draws, [0, 0], 'dense');
    assertVariances(draws, [0, 0], [1, 9], 'dense');
    assertVariances(diag.draws as rv.Tensor, [0, 0], [1, 9], 'diag');
    // Each chain's adapted metric has the target's correlation.
    assert.deepEqual(dense.inverseMetric?.shape, [4, 2, 2]);
    for (const m of dense.inverseMetric?.arraySync() as number[][][]) assert.ok(m[0][1] / Math.sqrt(m[0][0] * m[1][1]) > 0.9, `adapted metric ${JSON.stringify(m)}`);
    assert.ok(essPerGradient(dense) > 1.5 * essPerGradient(diag), `ESS per gradient: dense ${essPerGradient(dense)}, diag ${essPerGradient(diag)}`);
  });

  it('samples eight schools (non-centred) without divergences, with R-hat below 1.01 and the posterior means of quadrature', async () => {
    // With the default target acceptance 0.8 a few transitions in 10⁴ diverge, as in Stan
    // (Betancourt's case study "Diagnosing biased inference with divergences"); 0.9 removes them.
    const y = f64(schoolsY);
    const sigma = f64(schoolsSigma);
    const fit = await rv.mcmc.nuts({
      target: ({ mu, logTau, thetaTilde }: Record<string, rv.Tensor>) => {
        const tau = rv.exp(logTau);
        const prior = rv.add(rv.mul(rv.square(rv.div(mu, 5)), -0.5), rv.sub(logTau, rv.log1p(rv.square(rv.div(tau, 5)))));
        const residual = rv.div(rv.sub(y, rv.add(mu, rv.mul(tau, thetaTilde))), sigma);
        return rv.add(prior, rv.mul(rv.add(rv.sum(rv.square(thetaTilde)), rv.sum(rv.square(residual))), -0.5));
      },
      init: { mu: 0, logTau: 0, thetaTilde: new Array(8).fill(0) }, numChains: 4, numWarmup: 300, numSamples: 500, seed: 5, progress: false, targetAcceptProb: 0.9,
    });
    assert.equal(total(fit.stats.diverging), 0);
    for (const [name, draws] of Object.entries(fit.named())) {
      for (const r of numbers(rv.rhat(draws))) assert.ok(r < 1.01, `R-hat of ${name}: ${r}`);
    }
    const expected = eightSchoolsPosteriorMeans();
    const { mu, logTau } = fit.draws as Record<string, rv.Tensor>;
    assertMeans(rv.stack([mu, logTau], 2), [expected.mu, expected.logTau], 'mu, log tau');
  });

  it('preserves the target: simulation-based calibration ranks are uniform (NUTS and HMC)', async () => {
    // 400 conjugate problems at once, each a coordinate of one target; the rank of each
    // problem's true parameter among 19 well-spaced posterior draws is uniform on 0..19 when
    // the sampler is right. Chi-square with 19 degrees of freedom: 43.8 is its 0.999 quantile.
    const { target, truth } = gammaPoissonProblems(400, 11);
    for (const sampler of [rv.mcmc.nuts, rv.mcmc.hmc]) {
      const fit = await sampler({ target, init: rv.zeros([400], 'float64'), numChains: 4, numWarmup: 250, numSamples: 300, seed: 12, progress: false });
      const chi2 = rankChiSquare(fit.draws as rv.Tensor, truth, 19);
      assert.ok(chi2 < 43.8, `${fit.sampler}: rank chi-square ${chi2}`);
    }
  });

  it('runs chains one after another with chainMethod sequential, in agreement with the vectorised chains', async () => {
    const { target, posteriorShape, posteriorRate } = gammaPoissonProblems(3, 21);
    const options = { target, init: rv.zeros([3], 'float64'), numChains: 3, numWarmup: 200, numSamples: 600, progress: false };
    const vectorised = await rv.mcmc.nuts({ ...options, seed: 22 });
    const sequential = await rv.mcmc.nuts({ ...options, seed: 23, chainMethod: 'sequential' });
    // E[log λ] = ψ(shape) − log(rate) for λ ~ Gamma(shape, rate); both runs match it, and each other.
    const digamma = (s: number) => numbers(rv.digamma(f64([s])))[0];
    const expected = posteriorShape.map((s) => digamma(s) - Math.log(posteriorRate));
    for (const fit of [vectorised, sequential]) assertMeans(fit.draws as rv.Tensor, expected, `${fit.numChains} chains`);
    const [m1, m2] = [vectorised, sequential].map((fit) => numbers(rv.mean(fit.draws as rv.Tensor, [0, 1])));
    const [s1, s2] = [vectorised, sequential].map((fit) => numbers(rv.mcseMean(fit.draws as rv.Tensor)));
    m1.forEach((m, i) => assert.ok(Math.abs(m - m2[i]) <= 4 * Math.hypot(s1[i], s2[i]), `coordinate ${i}: ${m} vs ${m2[i]}`));
    assert.deepEqual((sequential.draws as rv.Tensor).shape, [3, 600, 3]);
  });

  it('samples float32 targets in float32', async () => {
    const fit = await rv.mcmc.nuts({
      target: (x: rv.Tensor) => rv.mul(rv.sum(rv.square(x)), -0.5), init: rv.zeros([3], 'float32'),
      numChains: 2, numWarmup: 200, numSamples: 500, seed: 6, progress: false,
    });
    const draws = fit.draws as rv.Tensor;
    assert.equal(draws.dtype, 'float32');
    assertMeans(draws, [0, 0, 0], 'float32');
  });

  it('reports tree depth, steps, energy and acceptance per chain and draw, and the depth limit', async () => {
    // A step size of 1e-3 with no adaptation cannot U-turn within 2^3 − 1 steps.
    const fit = await rv.mcmc.nuts({
      target: (x: rv.Tensor) => rv.mul(rv.sum(rv.square(x)), -0.5), init: f64([1, 1]),
      numChains: 2, numWarmup: 0, numSamples: 5, stepSize: 1e-3, adaptStepSize: false, maxTreeDepth: 3, seed: 7, progress: false,
    });
    assert.deepEqual(numbers(fit.stats.treeDepth), new Array(10).fill(3));
    assert.deepEqual(numbers(fit.stats.numSteps), new Array(10).fill(7));
    assert.deepEqual(numbers(fit.stats.hitMaxDepth as rv.Tensor), new Array(10).fill(1));
    assert.deepEqual(numbers(fit.stats.stepSize), new Array(10).fill(1e-3));
    for (const a of numbers(fit.stats.acceptProb)) assert.ok(a > 0.999 && a <= 1);
    for (const e of numbers(fit.stats.energy)) assert.ok(Number.isFinite(e) && e > 0);
  });

  it('treats a trajectory into NaN as a divergence and keeps NaN out of the draws', async () => {
    // log p is NaN for x > 3: trajectories that get there diverge.
    const fit = await rv.mcmc.nuts({
      target: (x: rv.Tensor) => rv.add(rv.mul(rv.sum(rv.square(x)), -0.5), rv.sum(rv.log(rv.sub(3, x)))), init: f64([0]),
      numChains: 2, numWarmup: 0, numSamples: 200, stepSize: 1.5, adaptStepSize: false, seed: 8, progress: false,
    });
    assert.ok(total(fit.stats.diverging) > 0);
    for (const v of numbers(fit.draws as rv.Tensor)) assert.ok(Number.isFinite(v) && v < 3);
  });

  it('stops at an AbortSignal and returns the draws so far (vectorised and sequential)', async () => {
    const target = (x: rv.Tensor) => rv.mul(rv.sum(rv.square(x)), -0.5);
    const controller = new AbortController();
    const fit = await rv.mcmc.nuts({
      target, init: f64([0, 0]), numChains: 3, numWarmup: 50, numSamples: 1000, seed: 9, progress: false, signal: controller.signal,
      callback: (event) => { if (event.iteration === 50 + 39) controller.abort(); },
    });
    assert.equal(fit.aborted, true);
    assert.equal(fit.numSamples, 40);
    assert.deepEqual((fit.draws as rv.Tensor).shape, [3, 40, 2]);

    // Sequential: the chains that reached sampling are kept, cut to the shortest.
    const second = new AbortController();
    const partial = await rv.mcmc.nuts({
      target, init: f64([0, 0]), numChains: 3, numWarmup: 20, numSamples: 60, seed: 9, progress: false, chainMethod: 'sequential', signal: second.signal,
      callback: (event) => { if (event.chains[0] === 1 && event.iteration === 20 + 24) second.abort(); },
    });
    assert.equal(partial.aborted, true);
    assert.deepEqual((partial.draws as rv.Tensor).shape, [2, 25, 2]);

    // A timer fires while sampling runs: the loop yields to the event loop.
    const timed = new AbortController();
    setTimeout(() => timed.abort(), 300);
    const started = Date.now();
    const cut = await rv.mcmc.nuts({ target, init: f64([0, 0]), numChains: 2, numWarmup: 10, numSamples: 1_000_000, seed: 10, progress: false, signal: timed.signal });
    assert.equal(cut.aborted, true);
    assert.ok(cut.numSamples > 0 && cut.numSamples < 1_000_000 && Date.now() - started < 5000);
  });

  it('keeps every draw as the transition gave it: read back in batches, across chain groups, and up to an abort', async () => {
    // The positions are read back 64 draws at a time; the callback sees each draw at once.
    const target = (x: rv.Tensor) => rv.mul(rv.sum(rv.square(rv.sub(x, 1))), -0.5);
    for (const [chainMethod, numSamples, abortAt] of [['vectorized', 150, null], ['sequential', 70, null], ['vectorized', 200, 130]] as const) {
      const seen = new Map<number, number[][]>();  // chain -> its draws, as the callback read them
      const controller = new AbortController();
      const fit = await rv.mcmc.nuts({
        target, init: f64([0, 0, 0]), numChains: 2, numWarmup: 5, numSamples, seed: 13, progress: false, chainMethod, signal: controller.signal,
        callback: (event) => {
          if (event.warmup) return;
          const values = Array.from((event.draw as rv.Tensor).dataSync());
          event.chains.forEach((chain, i) => {
            if (!seen.has(chain)) seen.set(chain, []);
            seen.get(chain)!.push(values.slice(3 * i, 3 * i + 3));
          });
          if (abortAt !== null && seen.get(0)!.length === abortAt) controller.abort();
        },
      });
      const kept = abortAt ?? numSamples;
      const draws = fit.draws as rv.Tensor;
      assert.deepEqual(draws.shape, [2, kept, 3], `${chainMethod}, ${numSamples} draws`);
      const expected = [0, 1].flatMap((chain) => seen.get(chain)!.slice(0, kept).flat());
      assert.deepEqual(Array.from(draws.dataSync()), expected, `${chainMethod}, ${numSamples} draws${abortAt === null ? '' : `, aborted after ${abortAt}`}`);
      rv.dispose([draws, fit.stats]);
    }
  });

  it('calls the callback after every transition, with statistics and the draw in the state\'s shape', async () => {
    const events: rv.mcmc.DrawEvent[] = [];
    const shapes: number[][] = [];
    await rv.mcmc.nuts({
      target: ({ a, b }: Record<string, rv.Tensor>) => rv.mul(rv.add(rv.square(a), rv.sum(rv.square(b))), -0.5),
      init: { a: 0, b: [0, 0, 0] }, numChains: 2, numWarmup: 5, numSamples: 5, seed: 11, progress: false,
      callback: (event) => {
        events.push(event);
        const draw = event.draw as Record<string, rv.Tensor>;
        shapes.push([...draw.a.shape, -1, ...draw.b.shape]);
      },
    });
    assert.deepEqual(events.map((e) => e.iteration), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(events.map((e) => e.warmup), [true, true, true, true, true, false, false, false, false, false]);
    assert.deepEqual(shapes[0], [2, -1, 2, 3]);
    assert.equal(events[9].numSteps.length, 2);
  });

  for (const jit of [false, true]) {
    it(`holds no more native memory as a run goes on, and frees everything but the fit (jit: ${jit})`, async () => {
      // The draws not read back yet (up to 64 copies) make a sawtooth: its later peaks must not rise.
      // Garbage from earlier tests may be finalised meanwhile, so only growth is an error.
      const before = rv.memory().liveBytes;
      const live: number[] = [];
      const init = f64([0, 0, 0]);
      const fit = await rv.mcmc.nuts({
        target: (x: rv.Tensor) => rv.mul(rv.sum(rv.square(x)), -0.5), init, metric: 'dense',
        numChains: 4, numWarmup: 100, numSamples: 300, seed: 12, progress: false, jit,
        callback: (event) => { if (!event.warmup) live.push(rv.memory().liveBytes); },
      });
      const early = Math.max(...live.slice(0, 150)), late = Math.max(...live.slice(150));
      assert.ok(late <= early, `live bytes over the sampling iterations peaked at ${early}, later at ${late}`);
      rv.dispose([fit.draws, fit.stats, fit.stepSize, fit.inverseMetric, init]);
      assert.ok(rv.memory().liveBytes <= before, `${rv.memory().liveBytes - before} bytes more are live after the run`);
    });
  }

  it('rejects malformed arguments to the native tree building with Errors, not crashes', () => {
    const args = (): unknown[] => [null, [], [], null, null, 10, false, null, new Uint32Array(8),
      new Int32Array(2), new Int32Array(2), new Uint8Array(2), new Float64Array(2), new Float64Array(2)];
    const call = (a: unknown[]) => (binding.nutsTree as (...xs: unknown[]) => unknown)(...a);
    assert.throws(() => call([]), /nutsTree: expected 14 arguments/);
    assert.throws(() => call(args()), /nutsTree: expected an array of 5 graphs \(grow, leaf, choose, join, merge\)/);
    const graph = binding.makeGraph({ numSlots: 1, inputs: [0], constants: [], steps: [], outputs: [0] });
    const withGraphs = args();
    withGraphs[0] = [graph, graph, graph, graph, null];
    assert.throws(() => call(withGraphs), /nutsTree: not a graph/);
    withGraphs[0] = [graph, graph, graph, graph, graph];
    assert.throws(() => call(withGraphs), /nutsTree: expected an array of 5 tensors/);
    const leaf = [0, 1, 2, 3, 4].map(() => rv.zeros([2, 3]).handle());
    const position = [0, 1, 2].map(() => rv.zeros([2, 3]).handle());
    withGraphs.splice(1, 3, leaf, position, rv.zeros([2, 1]).handle());
    withGraphs[6] = 'yes';
    assert.throws(() => call(withGraphs), /nutsTree: speculate must be a boolean/);
    withGraphs[6] = true;
    assert.throws(() => call(withGraphs), /nutsTree: argument 7 is not a tensor/);
    withGraphs[7] = rv.zeros([3]).handle();
    assert.throws(() => call(withGraphs), /nutsTree: startEnergy must be a float tensor of 2 values \(one per chain\), got float32 \[3\]/);
    withGraphs[7] = rv.zeros([2]).handle();
    withGraphs[8] = new Uint32Array(2);
    assert.throws(() => call(withGraphs), /nutsTree: rng must be a typed array of 8 elements/);
    withGraphs[8] = new Uint32Array(8);
    // Graphs of the wrong arity are refused by their input count (the grow graph runs only where
    // the chains' directions differ, so the leaf graph may be the first), and a disposed graph runs no more.
    assert.throws(() => call(withGraphs), /nuts: the (grow graph takes 1 inputs, got 13|leaf graph takes 1 inputs, got 6)/);
    binding.disposeGraph(graph);
    assert.throws(() => binding.runGraph(graph, leaf[0]), /runGraph: the graph is disposed/);
  });

  it('throws clear errors for bad input before sampling', async () => {
    const target = (x: rv.Tensor) => rv.mul(rv.sum(rv.square(x)), -0.5);
    const rejects = (options: rv.mcmc.NutsOptions, pattern: RegExp) => assert.rejects(rv.mcmc.nuts({ progress: false, seed: 1, numWarmup: 5, numSamples: 5, ...options }), pattern);
    await rejects({ target: (x: rv.Tensor) => x, init: rv.zeros([3], 'float64') }, /nuts: the target must return a scalar log density, got a tensor of shape \[3\]/);
    await rejects({ target, init: (chain: number) => rv.zeros([chain === 2 ? 4 : 3], 'float64') }, /nuts: init\(2\): the state has shape \[4\], expected \[3\]/);
    await rejects({ target, init: { a: 0 }, numChains: 1 } as rv.mcmc.NutsOptions, /nuts: the log density failed at the initial state/);
    await rejects({ target: (x: rv.Tensor) => rv.sum(rv.log(x)), init: f64([1, -1]) }, /nuts: chain 0 cannot start: at the initial state, the log density is NaN/);
    await rejects({ target }, /nuts: init is required with target/);
    await rejects({ init: 0 }, /nuts: give either target \(with init\) or model/);
    await rejects({ target, init: 0, numWarmups: 5 } as rv.mcmc.NutsOptions, /nuts: unknown option 'numWarmups'/);
    await rejects({ target, init: 0, numChains: 0 }, /nuts: numChains must be an integer of at least 1, got 0/);
    await rejects({ target, init: 0, metric: 'full' as 'dense' }, /nuts: metric must be 'diag' or 'dense' or 'unit', got "full"/);
    await rejects({ target, init: 0, targetAcceptProb: 1 }, /nuts: targetAcceptProb must be in \(0, 1\)/);
    await rejects({ target, init: 0, maxTreeDepth: 0 }, /nuts: maxTreeDepth must be an integer of at least 1/);
    await assert.rejects(rv.mcmc.hmc({ target, init: 0, numLeapfrogSteps: 5, trajectoryLength: 1 }), /hmc: give numLeapfrogSteps or trajectoryLength, not both/);
    // A target vmap cannot batch (it reads values) asks for sequential chains.
    await rejects({ target: (x: rv.Tensor) => rv.scalar(x.dataSync()[0], 'float64'), init: 0 }, /chainMethod: 'sequential'/);
  });
});

describe('warm-up schedule', () => {
  it('follows Stan: 75 / 25, 50, 100, 200, 500 / 50 for 1000 iterations, 15% / 75% / 10% below 150, none below 20', () => {
    const ends = (n: number) => adaptationWindows(n).map((w) => [w.start, w.end]);
    assert.deepEqual(ends(1000), [[75, 99], [100, 149], [150, 249], [250, 449], [450, 949]]);
    assert.deepEqual(ends(500), [[75, 99], [100, 149], [150, 249], [250, 449]]);
    assert.deepEqual(ends(150), [[75, 99]]);
    assert.deepEqual(ends(100), [[15, 89]]);
    assert.deepEqual(ends(20), [[3, 17]]);
    assert.deepEqual(ends(19), []);
  });
});

describe('rv.mcmc.hmc', () => {
  it('samples a standard normal with a fixed number of leapfrog steps or a fixed trajectory length', async () => {
    for (const steps of [{ numLeapfrogSteps: 8 }, { trajectoryLength: 2 }]) {
      const fit = await rv.mcmc.hmc({
        target: (x: rv.Tensor) => rv.mul(rv.sum(rv.square(x)), -0.5), init: rv.zeros([10], 'float64'),
        numChains: 4, numWarmup: 300, numSamples: 500, seed: 13, progress: false, ...steps,
      });
      assert.equal(fit.sampler, 'hmc');
      const draws = fit.draws as rv.Tensor;
      assertMeans(draws, new Array(10).fill(0), 'HMC mean');
      assertVariances(draws, new Array(10).fill(0), new Array(10).fill(1), 'HMC');
      const numSteps = numbers(fit.stats.numSteps);
      if ('numLeapfrogSteps' in steps) assert.ok(numSteps.every((n) => n === 8));
      else {
        const eps = numbers(fit.stats.stepSize);
        numSteps.forEach((n, i) => assert.equal(n, Math.max(1, Math.floor(2 / eps[i]))));
      }
      const accept = numbers(rv.mean(fit.stats.acceptProb));
      assert.ok(accept[0] > 0.6 && accept[0] < 0.95, `mean acceptance ${accept[0]}`);
    }
  });
});
