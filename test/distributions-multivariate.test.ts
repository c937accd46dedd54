/**
 * Multivariate and relaxed distributions (MultivariateNormalDiag, MultivariateNormalTriL,
 * Dirichlet, LKJCholesky, RelaxedBernoulli, RelaxedOneHotCategorical): densities and moments
 * against float64 formulas in the test, normalising constants by Monte Carlo integration,
 * sampling by moments and KS / chi-square tests at fixed seeds, KL closed forms against JS
 * formulas and Monte Carlo, reparameterised gradients against finite differences of a
 * fixed-noise expectation, invalid parameters and values outside the support.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { assertClose, assertThrowsNamed, makeRng } from './helpers';
import { assertChiSquare, assertKS, assertMoments, assertMonteCarlo, betaCdfIntegers, column, digamma, f64, lgamma, normalCdf, sum, values } from './distribution-stats';
import { checkGradient } from './transform-helpers';

const D = rv.distributions;
const tol64 = { rtol: 1e-12, atol: 1e-12 };
const log2Pi = Math.log(2 * Math.PI);

type Matrix = number[][];
const matMul = (a: Matrix, b: Matrix): Matrix => a.map((row) => b[0].map((_, j) => sum(row.map((v, k) => v * b[k][j]))));
const transpose = (a: Matrix): Matrix => a[0].map((_, j) => a.map((row) => row[j]));
/** Solves L z = b by forward substitution (L lower-triangular). */
function forwardSolve(l: Matrix, b: number[]): number[] {
  const z: number[] = [];
  b.forEach((bi, i) => { z.push((bi - sum(z.map((zj, j) => l[i][j] * zj))) / l[i][i]); });
  return z;
}
const logDetTril = (l: Matrix) => sum(l.map((row, i) => Math.log(Math.abs(row[i]))));
/** log N(x; μ, L Lᵀ). */
function mvnLogPdf(x: number[], mu: number[], l: Matrix): number {
  const z = forwardSolve(l, x.map((v, i) => v - mu[i]));
  return -0.5 * sum(z.map((v) => v * v)) - logDetTril(l) - (x.length / 2) * log2Pi;
}
/** KL(N(μp, Lp Lpᵀ) ‖ N(μq, Lq Lqᵀ)) from the covariance matrices, by explicit inverses. */
function mvnKL(mp: number[], lp: Matrix, mq: number[], lq: Matrix): number {
  const k = mp.length;
  const cols = transpose(lp).map((c) => forwardSolve(lq, c));   // Lq⁻¹ Lp, by columns
  const trace = sum(cols.flat().map((v) => v * v));
  const shift = forwardSolve(lq, mq.map((v, i) => v - mp[i]));
  return 0.5 * (trace + sum(shift.map((v) => v * v)) - k) + logDetTril(lq) - logDetTril(lp);
}
const diag = (d: number[]): Matrix => d.map((v, i) => d.map((_, j) => (i === j ? v : 0)));

describe('distributions: MultivariateNormalDiag', () => {
  const loc = [[[0, 1, -1]], [[2, 0, 0]]];   // [2, 1, 3]
  const scale = [[1, 2, 0.5], [0.3, 1, 3], [1, 1, 1], [2, 2, 2]];   // [4, 3]

  it('logProb, mean, variance, covariance, entropy over broadcast shapes', () => {
    const d = new D.MultivariateNormalDiag({ loc: f64(loc), scaleDiag: f64(scale) });
    assert.deepEqual(d.batchShape, [2, 4]);
    assert.deepEqual(d.eventShape, [3]);
    const x = [0.5, -0.5, 2];
    const expected = [0, 1].flatMap((a) => scale.map((s) => mvnLogPdf(x, loc[a][0], diag(s))));
    assertClose(values(d.logProb(f64(x))), expected, tol64, 'logProb');
    assertClose(values(d.mean()), [0, 1].flatMap((a) => scale.flatMap(() => loc[a][0])), tol64, 'mean');
    assertClose(values(d.variance()), [0, 1].flatMap(() => scale.flatMap((s) => s.map((v) => v * v))), tol64, 'variance');
    assertClose(values(d.covariance()), [0, 1].flatMap(() => scale.flatMap((s) => diag(s.map((v) => v * v)).flat())), tol64, 'covariance');
    assertClose(values(d.entropy()), [0, 1].flatMap(() => scale.map((s) => 1.5 * (1 + log2Pi) + sum(s.map(Math.log)))), tol64, 'entropy');
    const standard = new D.MultivariateNormalDiag({ scaleDiag: f64([1, 1]) });
    assertClose(values(standard.logProb([0, 0])), [-log2Pi], tol64, 'loc defaults to zeros');
  });

  it('samples: shape, moments per component, KS of a projection', () => {
    const d = new D.MultivariateNormalDiag({ loc: f64([1, -2]), scaleDiag: f64([0.5, 3]) });
    const s = d.sample([20000], { seed: 201 });
    assert.deepEqual(s.shape, [20000, 2]);
    const v = values(s);
    assertMoments(column(v, 2, 0), 1, 0.25, 'component 0');
    assertMoments(column(v, 2, 1), -2, 9, 'component 1');
    const [c0, c1] = [column(v, 2, 0), column(v, 2, 1)];
    const projection = c0.map((a, i) => a + c1[i]);
    assertKS(projection, (t) => normalCdf((t + 1) / Math.sqrt(9.25)), 'x0 + x1');
  });

  it('invalid parameters', () => {
    assertThrowsNamed(() => new D.MultivariateNormalDiag({ loc: [0, 0], scaleDiag: [1, 0] }), 'MultivariateNormalDiag', 'scaleDiag');
    assertThrowsNamed(() => new D.MultivariateNormalDiag({ loc: 0 }), 'MultivariateNormalDiag', 'loc');
    assertThrowsNamed(() => new D.MultivariateNormalDiag({}), 'MultivariateNormalDiag', 'loc');
    assertThrowsNamed(() => new D.MultivariateNormalDiag({ loc: [0, 0, 0], scaleDiag: [1, 1] }), 'MultivariateNormalDiag', 'broadcast');
  });
});

describe('distributions: MultivariateNormalTriL', () => {
  const l1: Matrix = [[1, 0, 0], [0.5, 2, 0], [-1, 0.3, 0.7]];
  const l2: Matrix = [[2, 0, 0], [1, 1, 0], [0, -0.5, 1.5]];

  it('logProb, mean, variance, covariance, entropy over broadcast loc and scale batches', () => {
    const loc = [[0, 0, 0], [1, -1, 2], [0.5, 0.5, 0.5]];   // [3, 3]: batch [3]
    const d = new D.MultivariateNormalTriL({ loc: f64(loc), scaleTril: f64([[l1], [l2]]) });   // scale batch [2, 1]
    assert.deepEqual(d.batchShape, [2, 3]);
    const x = [[0.3, -0.2, 1]];
    const expected = [l1, l2].flatMap((l) => loc.map((m) => mvnLogPdf(x[0], m, l)));
    assertClose(values(d.logProb(f64(x))), expected, tol64, 'logProb');
    const cov = (l: Matrix) => matMul(l, transpose(l));
    assertClose(values(d.covariance()), [l1, l2].flatMap((l) => loc.flatMap(() => cov(l).flat())), tol64, 'covariance');
    assertClose(values(d.variance()), [l1, l2].flatMap((l) => loc.flatMap(() => cov(l).map((r, i) => r[i]))), tol64, 'variance');
    assertClose(values(d.mean()), [0, 1].flatMap(() => loc.flat()), tol64, 'mean');
    assertClose(values(d.entropy()), [l1, l2].flatMap((l) => loc.map(() => 1.5 * (1 + log2Pi) + logDetTril(l))), tol64, 'entropy');
    // The upper triangle is ignored.
    const upper = new D.MultivariateNormalTriL({ scaleTril: f64([[1, 5, 5], [0.5, 2, 5], [-1, 0.3, 0.7]]) });
    assertClose(values(upper.logProb(f64(x))), [mvnLogPdf(x[0], [0, 0, 0], l1)], tol64, 'upper triangle ignored');
  });

  it('samples: moments, covariance within standard errors, KS of a projection', () => {
    const mu = [1, 0, -1];
    const d = new D.MultivariateNormalTriL({ loc: f64(mu), scaleTril: f64(l1) });
    const v = values(d.sample([20000], { seed: 211 }));
    const cov = matMul(l1, transpose(l1));
    const comps = [0, 1, 2].map((j) => column(v, 3, j));
    comps.forEach((c, j) => assertMoments(c, mu[j], cov[j][j], `component ${j}`));
    // Cross moments: E[(x0 − μ0)(x1 − μ1)] within 4 standard errors of the covariance.
    const cross = comps[0].map((a, i) => (a - mu[0]) * (comps[1][i] - mu[1]));
    assertMonteCarlo(cross, cov[0][1], 'covariance 0,1');
    const u = [1, -1, 0.5];
    const projection = comps[0].map((_, i) => u[0] * comps[0][i] + u[1] * comps[1][i] + u[2] * comps[2][i]);
    const pm = sum(u.map((ui, i) => ui * mu[i]));
    const pv = sum(u.map((ui, i) => sum(u.map((uj, j) => ui * cov[i][j] * uj))));
    assertKS(projection, (t) => normalCdf((t - pm) / Math.sqrt(pv)), 'projection');
  });

  it('invalid parameters', () => {
    assertThrowsNamed(() => new D.MultivariateNormalTriL({ scaleTril: [[1, 0], [1, 0]] }), 'MultivariateNormalTriL', 'scaleTril');
    assertThrowsNamed(() => new D.MultivariateNormalTriL({ scaleTril: [[1, 0, 0], [1, 1, 0]] }), 'MultivariateNormalTriL', 'scaleTril', 'square');
    assertThrowsNamed(() => new D.MultivariateNormalTriL({ loc: [0, 0, 0], scaleTril: [[1, 0], [0, 1]] }), 'MultivariateNormalTriL', 'broadcast');
  });
});

describe('distributions: multivariate normal KL divergences', () => {
  const mp = [0.5, -1];
  const mq = [0, 1];
  const lp: Matrix = [[1, 0], [0.4, 0.8]];
  const lq: Matrix = [[1.5, 0], [-0.3, 1.1]];
  const dp = [0.7, 1.3];
  const dq = [1.2, 0.6];
  const tril = (m: number[], l: Matrix) => new D.MultivariateNormalTriL({ loc: f64(m), scaleTril: f64(l) });
  const diagonal = (m: number[], s: number[]) => new D.MultivariateNormalDiag({ loc: f64(m), scaleDiag: f64(s) });
  const cases: [string, rv.distributions.Distribution, rv.distributions.Distribution, number][] = [
    ['Diag ‖ Diag', diagonal(mp, dp), diagonal(mq, dq), mvnKL(mp, diag(dp), mq, diag(dq))],
    ['TriL ‖ TriL', tril(mp, lp), tril(mq, lq), mvnKL(mp, lp, mq, lq)],
    ['Diag ‖ TriL', diagonal(mp, dp), tril(mq, lq), mvnKL(mp, diag(dp), mq, lq)],
    ['TriL ‖ Diag', tril(mp, lp), diagonal(mq, dq), mvnKL(mp, lp, mq, diag(dq))],
  ];
  for (const [name, p, q, exact] of cases) {
    it(`${name}: closed form against JS and Monte Carlo`, () => {
      const kl = values(rv.distributions.klDivergence(p, q))[0];
      assertClose([kl], [exact], tol64, name);
      const x = p.sample([20000], { seed: 221 });
      assertMonteCarlo(values(rv.sub(p.logProb(x), q.logProb(x))), kl, name);
    });
  }

  it('broadcasts over batches and is zero for equal distributions', () => {
    const p = new D.MultivariateNormalDiag({ loc: f64([[0, 0], [1, 1]]), scaleDiag: f64([1, 2]) });
    const q = tril([0, 0], [[1, 0], [0, 2]]);
    assertClose(values(rv.distributions.klDivergence(p, q)), [0, mvnKL([1, 1], diag([1, 2]), [0, 0], diag([1, 2]))], tol64, 'batch');
  });
});

describe('distributions: Dirichlet', () => {
  const alpha = [[2, 3, 4], [0.5, 1, 1.5]];
  const logBeta = (a: number[]) => sum(a.map(lgamma)) - lgamma(sum(a));

  it('logProb, mean, variance, covariance, mode, entropy', () => {
    const d = new D.Dirichlet({ concentration: f64(alpha) });
    assert.deepEqual(d.batchShape, [2]);
    assert.deepEqual(d.eventShape, [3]);
    const x = [0.2, 0.3, 0.5];
    assertClose(values(d.logProb(f64(x))), alpha.map((a) => sum(a.map((ai, i) => (ai - 1) * Math.log(x[i]))) - logBeta(a)), tol64, 'logProb');
    const a0 = alpha.map(sum);
    assertClose(values(d.mean()), alpha.flatMap((a, b) => a.map((ai) => ai / a0[b])), tol64, 'mean');
    const cov = (a: number[], t: number) => a.map((ai, i) => a.map((aj, j) => ((i === j ? ai * t : 0) - ai * aj) / (t * t * (t + 1))));
    assertClose(values(d.variance()), alpha.flatMap((a, b) => cov(a, a0[b]).map((r, i) => r[i])), tol64, 'variance');
    assertClose(values(d.covariance()), alpha.flatMap((a, b) => cov(a, a0[b]).flat()), tol64, 'covariance');
    assertClose(values(d.mode()), [1 / 6, 2 / 6, 3 / 6, NaN, NaN, NaN], tol64, 'mode');
    const entropy = (a: number[]) => logBeta(a) + (sum(a) - a.length) * digamma(sum(a)) - sum(a.map((ai) => (ai - 1) * digamma(ai)));
    assertClose(values(d.entropy()), alpha.map(entropy), { rtol: 1e-12, atol: 1e-12 }, 'entropy');
  });

  it('samples: on the simplex, moments, KS of a Beta marginal', () => {
    const d = new D.Dirichlet({ concentration: f64(alpha[0]) });
    const v = values(d.sample([20000], { seed: 231 }));
    for (let i = 0; i < v.length; i += 3) assert.ok(Math.abs(v[i] + v[i + 1] + v[i + 2] - 1) < 1e-12, 'sums to 1');
    const a0 = 9;
    alpha[0].forEach((ai, k) => assertMoments(column(v, 3, k), ai / a0, (ai * (a0 - ai)) / (a0 * a0 * (a0 + 1)), `component ${k}`));
    // x₀ ~ Beta(2, 7).
    assertKS(column(v, 3, 0), (t) => betaCdfIntegers(t, 2, 7), 'x0 ~ Beta(2, 7)');
  });

  it('KL against the closed form in JS and Monte Carlo', () => {
    const a = [2, 3, 4];
    const b = [1, 1.5, 6];
    const p = new D.Dirichlet({ concentration: f64(a) });
    const q = new D.Dirichlet({ concentration: f64(b) });
    const kl = values(D.klDivergence(p, q))[0];
    const exact = logBeta(b) - logBeta(a) + sum(a.map((ai, i) => (ai - b[i]) * (digamma(ai) - digamma(sum(a)))));
    assertClose([kl], [exact], tol64, 'exact');
    const x = p.sample([20000], { seed: 232 });
    assertMonteCarlo(values(rv.sub(p.logProb(x), q.logProb(x))), kl, 'Monte Carlo');
  });

  it('invalid parameters and values outside the support', () => {
    assertThrowsNamed(() => new D.Dirichlet({ concentration: [1, 0] }), 'Dirichlet', 'concentration');
    assertThrowsNamed(() => new D.Dirichlet({ concentration: 1 }), 'Dirichlet', 'concentration');
    const lax = new D.Dirichlet({ concentration: f64([1, 2]), validateArgs: false });
    assert.deepEqual(values(lax.logProb([[0.5, 0.6], [-0.1, 1.1]])), [-Infinity, -Infinity]);
    assertThrowsNamed(() => new D.Dirichlet({ concentration: [1, 2] }).logProb([0.5, 0.6]), 'Dirichlet', 'support');
  });
});

/** A draw uniform in the unit ball of R^k (rejection from the cube). */
function uniformBall(rng: () => number, k: number): number[] {
  for (;;) {
    const p = Array.from({ length: k }, () => 2 * rng() - 1);
    if (sum(p.map((v) => v * v)) < 1) return p;
  }
}

describe('distributions: LKJCholesky', () => {
  it('logProb of d = 2 against the density of the correlation', () => {
    const d = new D.LKJCholesky({ dimension: 2, concentration: f64([1, 2.5]) });
    assert.deepEqual(d.batchShape, [2]);
    assert.deepEqual(d.eventShape, [2, 2]);
    const r = 0.3;
    // r has density (1 − r²)^(η−1) / (2^(2η−1) B(η, η)).
    const expected = [1, 2.5].map((eta) => (eta - 1) * Math.log(1 - r * r) - (2 * eta - 1) * Math.log(2) - (2 * lgamma(eta) - lgamma(2 * eta)));
    assertClose(values(d.logProb(f64([[1, 0], [r, Math.sqrt(1 - r * r)]]))), expected, tol64, 'logProb');
  });

  it('logProb of d = 3 integrates to 1 over the rows\' balls (Monte Carlo)', () => {
    // Rows 1 and 2 below the diagonal range over the unit balls of R¹ and R²: volume 2π.
    const rng = makeRng(7);
    const n = 4000;
    const mats: number[] = [];
    for (let i = 0; i < n; i++) {
      const [a] = uniformBall(rng, 1);
      const [b, c] = uniformBall(rng, 2);
      mats.push(1, 0, 0, a, Math.sqrt(1 - a * a), 0, b, c, Math.sqrt(1 - b * b - c * c));
    }
    const d = new D.LKJCholesky({ dimension: 3, concentration: f64(1.7) });
    const densities = values(d.prob(f64(mats, [n, 3, 3]))).map((p) => p * 2 * Math.PI);
    assertMonteCarlo(densities, 1, 'normalisation');
  });

  it('samples: correlation Cholesky factors; correlations have the LKJ Beta marginal (KS)', () => {
    // For d = 3 and η = 1.5 each correlation is 2B − 1 with B ~ Beta(η − 1 + d/2, same) = Beta(2, 2).
    const d = new D.LKJCholesky({ dimension: 3, concentration: f64(1.5) });
    const s = d.sample([10000], { seed: 241 });
    assert.deepEqual(s.shape, [10000, 3, 3]);
    const v = values(s);
    const corr01: number[] = [];
    const corr12: number[] = [];
    for (let i = 0; i < v.length; i += 9) {
      const L = [v.slice(i, i + 3), v.slice(i + 3, i + 6), v.slice(i + 6, i + 9)];
      L.forEach((row, j) => {
        assert.ok(Math.abs(sum(row.map((x) => x * x)) - 1) < 1e-12, 'unit rows');
        assert.ok(row[j] > 0, 'positive diagonal');
        row.slice(j + 1).forEach((x) => assert.equal(x, 0, 'lower-triangular'));
      });
      corr01.push(L[1][0]);
      corr12.push(L[2][0] * L[1][0] + L[2][1] * L[1][1]);
    }
    const cdf = (t: number) => betaCdfIntegers((t + 1) / 2, 2, 2);
    assertKS(corr01, cdf, 'C01');
    assertKS(corr12, cdf, 'C12');
    assert.ok(values(d.logProb(s)).every(Number.isFinite), 'samples have finite log density');
  });

  it('invalid parameters and values outside the support', () => {
    assertThrowsNamed(() => new D.LKJCholesky({ dimension: 2, concentration: 0 }), 'LKJCholesky', 'concentration');
    assertThrowsNamed(() => new D.LKJCholesky({ dimension: 1.5, concentration: 1 }), 'LKJCholesky', 'dimension');
    const lax = new D.LKJCholesky({ dimension: 2, concentration: f64(1), validateArgs: false });
    assert.deepEqual(values(lax.logProb(f64([[[1, 0], [0.5, 0.5]], [[1, 0.1], [0, 1]]]))), [-Infinity, -Infinity]);
  });
});

describe('distributions: RelaxedBernoulli', () => {
  const temperature = 0.7;
  const logit = -0.4;
  const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));
  /** P(X <= x) = σ(λ logit(x) − logits). */
  const cdf = (x: number) => sigmoid(temperature * Math.log(x / (1 - x)) - logit);

  it('logProb is the derivative of the CDF; samples by KS', () => {
    const d = new D.RelaxedBernoulli({ temperature: f64(temperature), logits: f64(logit) });
    const xs = [0.01, 0.3, 0.5, 0.95];
    const density = (x: number) => sigmoid(temperature * Math.log(x / (1 - x)) - logit) * (1 - sigmoid(temperature * Math.log(x / (1 - x)) - logit)) * temperature / (x * (1 - x));
    assertClose(values(d.logProb(f64(xs))), xs.map((x) => Math.log(density(x))), tol64, 'logProb');
    const dp = new D.RelaxedBernoulli({ temperature: f64(temperature), probs: f64(sigmoid(logit)) });
    assertClose(values(dp.logProb(f64(xs))), xs.map((x) => Math.log(density(x))), { rtol: 1e-12, atol: 1e-12 }, 'probs logProb');
    assertKS(values(d.sample([20000], { seed: 251 })), cdf, 'samples');
    assert.deepEqual(values(new D.RelaxedBernoulli({ temperature: f64(1), probs: f64(0.5), validateArgs: false }).logProb(f64([0, 1, 1.5]))), [-Infinity, -Infinity, -Infinity]);
    assertThrowsNamed(() => new D.RelaxedBernoulli({ temperature: 0, probs: 0.5 }), 'RelaxedBernoulli', 'temperature');
  });
});

describe('distributions: RelaxedOneHotCategorical', () => {
  const probs = [0.2, 0.3, 0.5];
  const temperature = 0.8;
  /** The Concrete density in JS. */
  function logDensity(x: number[], lambda: number): number {
    const k = x.length;
    const terms = x.map((xi, i) => Math.log(probs[i]) - lambda * Math.log(xi));
    const m = Math.max(...terms);
    const lse = m + Math.log(sum(terms.map((t) => Math.exp(t - m))));
    return lgamma(k) + (k - 1) * Math.log(lambda) + sum(x.map((xi, i) => Math.log(probs[i]) - (lambda + 1) * Math.log(xi))) - k * lse;
  }

  it('logProb against the Concrete density; it integrates to 1 over the simplex (Monte Carlo)', () => {
    const d = new D.RelaxedOneHotCategorical({ temperature: f64(temperature), probs: f64(probs) });
    assert.deepEqual(d.eventShape, [3]);
    const x = [0.1, 0.6, 0.3];
    assertClose(values(d.logProb(f64(x))), [logDensity(x, temperature)], tol64, 'logProb');
    const dl = new D.RelaxedOneHotCategorical({ temperature: f64(temperature), logits: f64(probs.map((p) => Math.log(p) + 2)) });
    assertClose(values(dl.logProb(f64(x))), [logDensity(x, temperature)], tol64, 'logits logProb');
    // Uniform points of the simplex (sorted uniform spacings) have density 2 over (x0, x1).
    const rng = makeRng(3);
    const n = 20000;
    const pts: number[] = [];
    for (let i = 0; i < n; i++) {
      const [a, b] = [rng(), rng()].sort((u, w) => u - w);
      pts.push(a, b - a, 1 - b);
    }
    const ratios = values(d.prob(f64(pts, [n, 3]))).map((p) => p / 2);
    assertMonteCarlo(ratios, 1, 'normalisation');
  });

  it('samples lie on the simplex and their argmax is the categorical (Gumbel-max)', () => {
    const d = new D.RelaxedOneHotCategorical({ temperature: f64([0.5, 2]), probs: f64(probs) });
    const s = d.sample([10000], { seed: 261 });
    assert.deepEqual(s.shape, [10000, 2, 3]);
    const v = values(s);
    const argmax: number[][] = [[], []];
    for (let i = 0; i < v.length; i += 3) {
      assert.ok(Math.abs(v[i] + v[i + 1] + v[i + 2] - 1) < 1e-12, 'on the simplex');
      const row = [v[i], v[i + 1], v[i + 2]];
      argmax[(i / 3) % 2].push(row.indexOf(Math.max(...row)));
    }
    argmax.forEach((a, b) => assertChiSquare(a, probs, `temperature member ${b}`));
    assertThrowsNamed(() => new D.RelaxedOneHotCategorical({ temperature: -1, probs }), 'RelaxedOneHotCategorical', 'temperature');
    assertThrowsNamed(() => new D.RelaxedOneHotCategorical({ temperature: 1, probs: [0.5, 0.6] }), 'RelaxedOneHotCategorical', 'probs');
  });
});

/**
 * The expectation E[f(sample)] over a fixed set of draws as a function of the parameters:
 * the same seed gives the same noise, so finite differences of it are the pathwise gradient.
 */
function fixedNoiseExpectation(make: (...params: rv.Tensor[]) => rv.distributions.Distribution, f: (x: rv.Tensor) => rv.Tensor, n: number, seed: number) {
  return (...params: rv.Tensor[]) => rv.mean(f(make(...params).sample([n], { seed })));
}

describe('distributions: reparameterised gradients', () => {
  const square = (x: rv.Tensor) => rv.sum(rv.mul(rv.square(x), f64([1, 0.5, 2].slice(0, x.shape[x.rank - 1]))), -1);

  it('MultivariateNormalDiag: pathwise gradients match finite differences', () => {
    const make = (loc: rv.Tensor, scale: rv.Tensor) => new D.MultivariateNormalDiag({ loc, scaleDiag: scale, validateArgs: false });
    checkGradient(fixedNoiseExpectation(make, square, 64, 271), [f64([0.5, -1, 2]), f64([1, 0.7, 1.3])], { what: 'MVNDiag' });
  });

  it('MultivariateNormalTriL: pathwise gradients match finite differences', () => {
    const make = (loc: rv.Tensor, l: rv.Tensor) => new D.MultivariateNormalTriL({ loc, scaleTril: l, validateArgs: false });
    checkGradient(fixedNoiseExpectation(make, square, 64, 272), [f64([0.5, -1, 2]), f64([[1, 0, 0], [0.3, 0.8, 0], [-0.2, 0.4, 1.2]])], { what: 'MVNTriL' });
  });

  it('RelaxedBernoulli and RelaxedOneHotCategorical: pathwise gradients match finite differences', () => {
    const bern = (t: rv.Tensor, l: rv.Tensor) => new D.RelaxedBernoulli({ temperature: t, logits: l, validateArgs: false });
    checkGradient(fixedNoiseExpectation(bern, rv.square, 64, 273), [f64(0.8), f64([-0.5, 1])], { what: 'RelaxedBernoulli' });
    const cat = (t: rv.Tensor, l: rv.Tensor) => new D.RelaxedOneHotCategorical({ temperature: t, logits: l, validateArgs: false });
    checkGradient(fixedNoiseExpectation(cat, square, 64, 274), [f64(0.8), f64([0.2, -0.3, 1])], { what: 'RelaxedOneHotCategorical' });
  });

  it('Dirichlet: implicit gradients average to the gradient of E[Σ w x²] within 4 standard errors', () => {
    // Gamma draws by rejection do not move smoothly with α at a fixed seed, so instead: n
    // identical batch members give n per-draw gradients, whose mean must match the exact
    // gradient of E[Σ wₖ xₖ²] = Σ wₖ αₖ(αₖ + 1) / (α₀(α₀ + 1)) (by central differences in JS).
    const alpha = [2, 0.7, 4];
    const w = [1, 0.5, 2];
    const n = 4000;
    const expectation = (a: number[]) => sum(a.map((ak, k) => (w[k] * ak * (ak + 1)) / (sum(a) * (sum(a) + 1))));
    const concentration = f64(Array.from({ length: n }, () => alpha), [n, 3]);
    const grad = values(rv.grad((c: rv.Tensor) => rv.sum(square(new D.Dirichlet({ concentration: c }).sample([], { seed: 275 }))))(concentration));
    alpha.forEach((_, k) => {
      const h = 1e-6;
      const exact = (expectation(alpha.map((a, j) => a + (j === k ? h : 0))) - expectation(alpha.map((a, j) => a - (j === k ? h : 0)))) / (2 * h);
      assertMonteCarlo(column(grad, 3, k), exact, `d/dα${k}`);
    });
  });

  it('Deterministic: the sample is loc', () => {
    const make = (loc: rv.Tensor) => new D.Deterministic({ loc });
    checkGradient(fixedNoiseExpectation(make, rv.square, 3, 0), [f64([0.5, -2])], { what: 'Deterministic' });
  });

  it('log-probability gradients match finite differences', () => {
    const x = f64([[0, 1, 2], [2, 2, 1]]);
    checkGradient((l: rv.Tensor) => rv.sum(new D.Categorical({ logits: l }).logProb(x)), [f64([0.3, -1, 2])], { what: 'Categorical logits' });
    checkGradient((r: rv.Tensor) => rv.sum(new D.Poisson({ rate: r }).logProb(f64([0, 3, 7]))), [f64([0.5, 2, 6])], { what: 'Poisson rate' });
    checkGradient((l: rv.Tensor) => rv.sum(new D.Bernoulli({ logits: l }).logProb([0, 1, 1])), [f64([-3, 0.5, 20])], { what: 'Bernoulli logits' });
    checkGradient((a: rv.Tensor) => rv.sum(new D.Dirichlet({ concentration: a }).logProb(f64([0.2, 0.3, 0.5]))), [f64([0.7, 2, 3])], { what: 'Dirichlet concentration' });
    const y = f64([0.3, -0.2, 1]);
    checkGradient((m: rv.Tensor, l: rv.Tensor) => new D.MultivariateNormalTriL({ loc: m, scaleTril: l }).logProb(y), [f64([0, 1, 0]), f64([[1, 0, 0], [0.3, 0.8, 0], [-0.2, 0.4, 1.2]])], { what: 'MVNTriL logProb' });
    checkGradient((e: rv.Tensor) => rv.sum(new D.LKJCholesky({ dimension: 3, concentration: e }).logProb(f64([[1, 0, 0], [0.6, 0.8, 0], [0, 0.6, 0.8]]))), [f64([1.5])], { what: 'LKJ concentration' });
  });

  it('KL gradients match finite differences', () => {
    checkGradient((a: rv.Tensor, b: rv.Tensor) => rv.distributions.klDivergence(new D.Dirichlet({ concentration: a }), new D.Dirichlet({ concentration: b })), [f64([2, 3, 4]), f64([1, 1.5, 6])], { what: 'Dirichlet KL' });
    checkGradient((m: rv.Tensor, s: rv.Tensor) => rv.sum(rv.distributions.klDivergence(new D.MultivariateNormalDiag({ loc: m, scaleDiag: s }), new D.MultivariateNormalTriL({ loc: f64([0, 1]), scaleTril: f64([[1.5, 0], [-0.3, 1.1]]) }))), [f64([0.5, -1]), f64([0.7, 1.3])], { what: 'MVN KL' });
  });
});

