/**
 * Discrete distributions (Bernoulli, Binomial, Categorical, OneHotCategorical, Multinomial,
 * Poisson, NegativeBinomial, Geometric), Deterministic and Empirical, and the meta
 * distributions over them (Mixture, MixtureSameFamily, Independent, TransformedDistribution):
 * log-probabilities, CDFs and moments against float64 formulas in the test over broadcast
 * parameter shapes, sampling by moments and chi-square tests at fixed seeds, KL closed forms
 * against exact sums and Monte Carlo, invalid parameters and values outside the support.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { assertClose, assertThrowsNamed, elementwiseReference } from './helpers';
import { assertChiSquare, assertMoments, assertMonteCarlo, column, f64, lgamma, logChoose, sum, values } from './distribution-stats';

const D = rv.distributions;
const tol64 = { rtol: 1e-12, atol: 1e-12 };
const sigmoid = (l: number) => 1 / (1 + Math.exp(-l));
/** log σ(l), stable for large |l|. */
const logSigmoid = (l: number) => (l >= 0 ? -Math.log1p(Math.exp(-l)) : l - Math.log1p(Math.exp(l)));
/** x log y with 0 log 0 = 0. */
const xlogy = (x: number, y: number) => (x === 0 ? 0 : x * Math.log(y));

function checkRef(t: rv.Tensor, ref: { values: number[]; shape: number[] }, what: string, tol = tol64): void {
  assert.deepEqual([...t.shape], ref.shape, `${what}: shape`);
  assertClose(values(t), ref.values, tol, what);
}

/** The pmf of a distribution over 0..n−1 from its logProb, as JS numbers. */
function pmf(d: rv.distributions.Distribution, n: number): number[] {
  return values(d.prob(f64(Array.from({ length: n }, (_, k) => k))));
}

describe('distributions: Bernoulli', () => {
  const probs = [0.1, 0.5, 0.97];
  const logits = [-3, 0.5, 40];
  const x = [[0], [1]];   // [2, 1] against batch [3]

  it('logProb, prob, cdf, mean, variance, mode, entropy in both forms over broadcast shapes', () => {
    const p = new D.Bernoulli({ probs: f64(probs) });
    const l = new D.Bernoulli({ logits: f64(logits) });
    assert.equal(p.dtype, 'int32');
    assert.deepEqual(p.batchShape, [3]);
    const ref = (pr: number[], f: (x: number, q: number) => number) => elementwiseReference([{ values: [0, 1], shape: [2, 1] }, { values: pr, shape: [3] }], f);
    checkRef(p.logProb(x), ref(probs, (v, q) => xlogy(v, q) + xlogy(1 - v, 1 - q)), 'probs logProb');
    checkRef(l.logProb(x), ref(logits, (v, q) => (v === 1 ? logSigmoid(q) : logSigmoid(-q))), 'logits logProb');
    checkRef(l.prob(x), ref(logits, (v, q) => (v === 1 ? sigmoid(q) : sigmoid(-q))), 'logits prob');
    checkRef(p.cdf([[-0.5], [0], [0.5], [1]]), elementwiseReference([{ values: [-0.5, 0, 0.5, 1], shape: [4, 1] }, { values: probs, shape: [3] }], (v, q) => (v < 0 ? 0 : v < 1 ? 1 - q : 1)), 'cdf');
    assertClose(values(p.mean()), probs, tol64, 'mean');
    assertClose(values(p.variance()), probs.map((q) => q * (1 - q)), tol64, 'variance');
    assert.deepEqual(values(p.mode()), [0, 0, 1]);
    assertClose(values(p.entropy()), probs.map((q) => -q * Math.log(q) - (1 - q) * Math.log(1 - q)), tol64, 'entropy');
    assertClose(values(l.entropy()), logits.map((q) => -sigmoid(q) * logSigmoid(q) - sigmoid(-q) * logSigmoid(-q)), tol64, 'logits entropy');
    // probs 0 and 1: 0 log 0 = 0 in logProb and entropy.
    const edge = new D.Bernoulli({ probs: f64([0, 1]) });
    assertClose(values(edge.logProb([0, 1])), [0, 0], tol64, 'edge logProb');
    assertClose(values(edge.logProb([1, 0])), [-Infinity, -Infinity], tol64, 'edge logProb, impossible');
    assertClose(values(edge.entropy()), [0, 0], tol64, 'edge entropy');
  });

  it('samples int32 of shape sampleShape + batchShape, frequencies by chi-square', () => {
    const d = new D.Bernoulli({ logits: f64(logits.slice(0, 2)) });
    const s = d.sample([20000], { seed: 11 });
    assert.deepEqual(s.shape, [20000, 2]);
    assert.equal(s.dtype, 'int32');
    const v = values(s);
    logits.slice(0, 2).forEach((l, j) => {
      const c = column(v, 2, j);
      assertMoments(c, sigmoid(l), sigmoid(l) * sigmoid(-l), `member ${j}`);
      assertChiSquare(c, [sigmoid(-l), sigmoid(l)], `member ${j}`);
    });
    assert.deepEqual(values(d.sample([5], { seed: 3 })), values(d.sample([5], { seed: 3 })), 'same seed, same draws');
  });

  it('KL against the exact sum and Monte Carlo', () => {
    const p = new D.Bernoulli({ logits: f64([0.3, -2]) });
    const q = new D.Bernoulli({ probs: f64([0.6, 0.05]) });
    const kl = values(D.klDivergence(p, q));
    const exact = [0.3, -2].map((l, i) => {
      const a = sigmoid(l);
      const b = [0.6, 0.05][i];
      return a * Math.log(a / b) + (1 - a) * Math.log((1 - a) / (1 - b));
    });
    assertClose(kl, exact, tol64, 'exact');
    const x = p.sample([20000], { seed: 5 });
    const terms = values(rv.sub(p.logProb(x), q.logProb(x)));
    [0, 1].forEach((j) => assertMonteCarlo(column(terms, 2, j), kl[j], `member ${j}`));
  });

  it('invalid parameters and values outside the support', () => {
    assertThrowsNamed(() => new D.Bernoulli({ probs: [0.5, 1.5] }), 'Bernoulli', 'probs');
    assertThrowsNamed(() => new D.Bernoulli({ probs: 0.5, logits: 0 }), 'Bernoulli', 'probs', 'logits');
    assertThrowsNamed(() => new D.Bernoulli({ probs: 0.5 }).logProb(0.5), 'Bernoulli', 'support');
    const lax = new D.Bernoulli({ probs: f64(0.3), validateArgs: false });
    assert.deepEqual(values(lax.logProb([0.5, 2, -1, 0])).slice(0, 3), [-Infinity, -Infinity, -Infinity]);
    assertClose(values(lax.logProb([0, 1])), [Math.log(0.7), Math.log(0.3)], tol64, 'inside');
  });
});

describe('distributions: Binomial', () => {
  const n = [[10], [25]];   // [2, 1]
  const p = [0.2, 0.5, 0.9];   // [3]

  it('logProb, cdf, mean, variance, mode over broadcast shapes, probs and logits forms', () => {
    const d = new D.Binomial({ totalCount: f64(n), probs: f64(p) });
    const dl = new D.Binomial({ totalCount: f64(n), logits: f64(p.map((q) => Math.log(q / (1 - q)))) });
    assert.deepEqual(d.batchShape, [2, 3]);
    const k = [3, 7, 9];
    const args = [{ values: [10, 25], shape: [2, 1] }, { values: p, shape: [3] }, { values: k, shape: [3] }];
    const logPmf = (nn: number, q: number, kk: number) => logChoose(nn, kk) + kk * Math.log(q) + (nn - kk) * Math.log1p(-q);
    checkRef(d.logProb(f64(k)), elementwiseReference(args, logPmf), 'logProb', { rtol: 1e-12, atol: 1e-11 });
    checkRef(dl.logProb(f64(k)), elementwiseReference(args, logPmf), 'logits logProb', { rtol: 1e-12, atol: 1e-11 });
    const cdf = (nn: number, q: number, kk: number) => sum(Array.from({ length: kk + 1 }, (_, j) => Math.exp(logPmf(nn, q, j))));
    checkRef(d.cdf(f64(k)), elementwiseReference(args, cdf), 'cdf', { rtol: 1e-10, atol: 1e-13 });
    checkRef(d.cdf(f64([-1, 7.5, 30])), elementwiseReference([args[0], args[1], { values: [-1, 7, 30], shape: [3] }], (nn, q, kk) => (kk < 0 ? 0 : kk >= nn ? 1 : cdf(nn, q, kk))), 'cdf outside', { rtol: 1e-10, atol: 1e-13 });
    checkRef(d.mean(), elementwiseReference(args.slice(0, 2), (nn, q) => nn * q), 'mean');
    checkRef(d.variance(), elementwiseReference(args.slice(0, 2), (nn, q) => nn * q * (1 - q)), 'variance');
    checkRef(d.mode(), elementwiseReference(args.slice(0, 2), (nn, q) => Math.min(Math.floor((nn + 1) * q), nn)), 'mode');
  });

  it('samples by moments and chi-square', () => {
    const d = new D.Binomial({ totalCount: f64([10, 60]), logits: f64([-1, 0.4]) });
    const v = values(d.sample([20000], { seed: 21 }));
    [[10, -1], [60, 0.4]].forEach(([nn, l], j) => {
      const q = sigmoid(l);
      const c = column(v, 2, j);
      assertMoments(c, nn * q, nn * q * (1 - q), `member ${j}`);
      assertChiSquare(c, Array.from({ length: nn + 1 }, (_, kk) => Math.exp(logChoose(nn, kk) + kk * Math.log(q) + (nn - kk) * Math.log1p(-q))), `member ${j}`);
    });
  });

  it('invalid parameters and values outside the support', () => {
    assertThrowsNamed(() => new D.Binomial({ totalCount: 2.5, probs: 0.5 }), 'Binomial', 'totalCount');
    assertThrowsNamed(() => new D.Binomial({ totalCount: 3, probs: -0.1 }), 'Binomial', 'probs');
    const lax = new D.Binomial({ totalCount: f64(5), probs: f64(0.5), validateArgs: false });
    assert.deepEqual(values(lax.logProb([-1, 2.5, 6])), [-Infinity, -Infinity, -Infinity]);
    assertThrowsNamed(() => new D.Binomial({ totalCount: 5, probs: 0.5 }).logProb(6), 'Binomial', 'support');
  });
});

describe('distributions: Categorical', () => {
  const logits = [[0, 1, 2], [-1, 0.5, -Infinity]];   // batch [2], K = 3
  const probsOf = (row: number[]) => {
    const m = Math.max(...row);
    const e = row.map((l) => Math.exp(l - m));
    return e.map((v) => v / sum(e));
  };
  const P = logits.map(probsOf);

  it('logProb, cdf, mode and entropy over broadcast shapes, logits and probs forms', () => {
    const d = new D.Categorical({ logits: f64(logits) });
    const dp = new D.Categorical({ probs: f64(P) });
    assert.deepEqual(d.batchShape, [2]);
    assert.deepEqual(d.eventShape, []);
    assert.equal(d.dtype, 'int32');
    const x = [[0], [1], [2]];   // [3, 1] against batch [2]
    const expected = [0, 1, 2].flatMap((k) => [0, 1].map((b) => Math.log(P[b][k])));
    assertClose(values(d.logProb(x)), expected, tol64, 'logits logProb');
    assertClose(values(dp.logProb(x)), expected, tol64, 'probs logProb');
    assertClose(values(d.cdf([[-1], [0], [1.5], [2]])), [-1, 0, 1, 2].flatMap((k) => [0, 1].map((b) => sum(P[b].slice(0, k + 1)))), tol64, 'cdf');
    assert.deepEqual(values(d.mode()), [2, 1]);
    assertClose(values(d.entropy()), P.map((row) => -sum(row.map((q) => (q > 0 ? q * Math.log(q) : 0)))), tol64, 'entropy');
    assertClose(values(dp.entropy()), values(d.entropy()), tol64, 'probs entropy');
  });

  it('samples int32 of shape sampleShape + batchShape, frequencies by chi-square', () => {
    const d = new D.Categorical({ logits: f64(logits) });
    const s = d.sample([4000, 5], { seed: 31 });
    assert.deepEqual(s.shape, [4000, 5, 2]);
    assert.equal(s.dtype, 'int32');
    const v = values(s);
    [0, 1].forEach((b) => assertChiSquare(column(v, 2, b), P[b], `member ${b}`));
    const dp = new D.Categorical({ probs: f64(P) });
    const vp = values(dp.sample([20000], { seed: 32 }));
    [0, 1].forEach((b) => assertChiSquare(column(vp, 2, b), P[b], `probs member ${b}`));
  });

  it('KL against the exact sum and Monte Carlo', () => {
    const p = new D.Categorical({ logits: f64([[0, 1, 2], [0.3, 0.3, -1]]) });
    const q = new D.Categorical({ probs: f64([[0.2, 0.2, 0.6], [0.5, 0.25, 0.25]]) });
    const kl = values(D.klDivergence(p, q));
    const pp = [[0, 1, 2], [0.3, 0.3, -1]].map(probsOf);
    const qq = [[0.2, 0.2, 0.6], [0.5, 0.25, 0.25]];
    assertClose(kl, pp.map((row, b) => sum(row.map((a, k) => a * Math.log(a / qq[b][k])))), tol64, 'exact');
    const x = p.sample([20000], { seed: 33 });
    const terms = values(rv.sub(p.logProb(x), q.logProb(x)));
    [0, 1].forEach((b) => assertMonteCarlo(column(terms, 2, b), kl[b], `member ${b}`));
  });

  it('invalid parameters and values outside the support', () => {
    assertThrowsNamed(() => new D.Categorical({ probs: [0.5, 0.6] }), 'Categorical', 'probs');
    assertThrowsNamed(() => new D.Categorical({ logits: 1 }), 'Categorical', 'logits');
    const lax = new D.Categorical({ logits: f64([0, 0, 0]), validateArgs: false });
    assert.deepEqual(values(lax.logProb([-1, 3, 1.5])), [-Infinity, -Infinity, -Infinity]);
    assertThrowsNamed(() => new D.Categorical({ logits: [0, 0] }).logProb(2), 'Categorical', 'support');
  });
});

describe('distributions: OneHotCategorical', () => {
  const probs = [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]];

  it('logProb, mean, variance, mode, entropy; samples are one-hot by chi-square', () => {
    const d = new D.OneHotCategorical({ probs: f64(probs) });
    assert.deepEqual(d.batchShape, [2]);
    assert.deepEqual(d.eventShape, [3]);
    assertClose(values(d.logProb([[0, 0, 1], [0, 1, 0]])), [Math.log(0.5), Math.log(0.3)], tol64, 'logProb');
    assertClose(values(d.logProb([1, 0, 0])), [Math.log(0.2), Math.log(0.6)], tol64, 'logProb broadcast');
    assertClose(values(d.mean()), probs.flat(), tol64, 'mean');
    assertClose(values(d.variance()), probs.flat().map((q) => q * (1 - q)), tol64, 'variance');
    assert.deepEqual(values(d.mode()), [0, 0, 1, 1, 0, 0]);
    assertClose(values(d.entropy()), probs.map((r) => -sum(r.map((q) => q * Math.log(q)))), tol64, 'entropy');
    const s = d.sample([10000], { seed: 41 });
    assert.deepEqual(s.shape, [10000, 2, 3]);
    assert.equal(s.dtype, 'int32');
    const v = values(s);
    const classes: number[][] = [[], []];
    for (let i = 0; i < v.length; i += 3) {
      assert.equal(v[i] + v[i + 1] + v[i + 2], 1, 'one-hot');
      classes[(i / 3) % 2].push(v[i] === 1 ? 0 : v[i + 1] === 1 ? 1 : 2);
    }
    classes.forEach((c, b) => assertChiSquare(c, probs[b], `member ${b}`));
  });

  it('KL is the categorical KL, against Monte Carlo', () => {
    const p = new D.OneHotCategorical({ logits: f64([0, 1, -1]) });
    const q = new D.OneHotCategorical({ probs: f64([0.3, 0.3, 0.4]) });
    const kl = values(D.klDivergence(p, q))[0];
    assertClose([kl], values(D.klDivergence(p.categorical, q.categorical)), tol64, 'categorical');
    const x = p.sample([20000], { seed: 42 });
    assertMonteCarlo(values(rv.sub(p.logProb(x), q.logProb(x))), kl, 'Monte Carlo');
  });

  it('values outside the support', () => {
    const lax = new D.OneHotCategorical({ probs: f64([0.5, 0.5]), validateArgs: false });
    assert.deepEqual(values(lax.logProb([[1, 1], [0, 0], [0.5, 0.5]])), [-Infinity, -Infinity, -Infinity]);
    assertThrowsNamed(() => new D.OneHotCategorical({ probs: [0.5, 0.5] }).logProb([1, 1]), 'OneHotCategorical', 'support');
    assertThrowsNamed(() => new D.OneHotCategorical({ probs: [0.5, 0.6] }), 'OneHotCategorical', 'probs');
  });
});

describe('distributions: Multinomial', () => {
  it('logProb over broadcast totalCount and probs, mean, variance, covariance', () => {
    const probs = [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]];   // batch [2]
    const d = new D.Multinomial({ totalCount: f64([[10], [4]]), probs: f64(probs) });   // batch [2, 2]
    assert.deepEqual(d.batchShape, [2, 2]);
    assert.deepEqual(d.eventShape, [3]);
    const counts = [[[2, 3, 5], [1, 1, 8]], [[0, 0, 4], [4, 0, 0]]];
    const logPmf = (n: number, x: number[], p: number[]) => lgamma(n + 1) - sum(x.map((v) => lgamma(v + 1))) + sum(x.map((v, k) => xlogy(v, p[k])));
    const expected = [logPmf(10, counts[0][0], probs[0]), logPmf(10, counts[0][1], probs[1]), logPmf(4, counts[1][0], probs[0]), logPmf(4, counts[1][1], probs[1])];
    assertClose(values(d.logProb(f64(counts))), expected, { rtol: 1e-12, atol: 1e-11 }, 'logProb');
    const dl = new D.Multinomial({ totalCount: f64([[10], [4]]), logits: f64(probs.map((r) => r.map(Math.log))) });
    assertClose(values(dl.logProb(f64(counts))), expected, { rtol: 1e-12, atol: 1e-11 }, 'logits logProb');
    assertClose(values(d.mean()), [10, 4].flatMap((n) => probs.flatMap((r) => r.map((q) => n * q))), tol64, 'mean');
    assertClose(values(d.variance()), [10, 4].flatMap((n) => probs.flatMap((r) => r.map((q) => n * q * (1 - q)))), tol64, 'variance');
    const cov = [10, 4].flatMap((n) => probs.flatMap((r) => r.flatMap((a, i) => r.map((b, j) => n * ((i === j ? a : 0) - a * b)))));
    assertClose(values(d.covariance()), cov, tol64, 'covariance');
  });

  it('samples: counts sum to totalCount, class moments, a marginal by chi-square', () => {
    const p = [0.2, 0.3, 0.5];
    const d = new D.Multinomial({ totalCount: f64(12), probs: f64(p) });
    const v = values(d.sample([10000], { seed: 51 }));
    for (let i = 0; i < v.length; i += 3) assert.equal(v[i] + v[i + 1] + v[i + 2], 12, 'total');
    p.forEach((q, k) => assertMoments(column(v, 3, k), 12 * q, 12 * q * (1 - q), `class ${k}`));
    assertChiSquare(column(v, 3, 0), Array.from({ length: 13 }, (_, k) => Math.exp(logChoose(12, k) + k * Math.log(0.2) + (12 - k) * Math.log(0.8))), 'class 0 ~ Binomial(12, 0.2)');
  });

  it('invalid parameters and values outside the support', () => {
    assertThrowsNamed(() => new D.Multinomial({ totalCount: -1, probs: [0.5, 0.5] }), 'Multinomial', 'totalCount');
    assertThrowsNamed(() => new D.Multinomial({ totalCount: 3, probs: [0.5, 0.6] }), 'Multinomial', 'probs');
    const lax = new D.Multinomial({ totalCount: f64(3), probs: f64([0.5, 0.5]), validateArgs: false });
    assert.deepEqual(values(lax.logProb([[1, 1], [4, -1], [1.5, 1.5]])), [-Infinity, -Infinity, -Infinity]);
  });
});

describe('distributions: Poisson', () => {
  const rates = [0.5, 3, 40];
  const logPmf = (k: number, r: number) => xlogy(k, r) - r - lgamma(k + 1);

  it('logProb, cdf, mean, variance, mode over broadcast shapes, rate and logRate forms', () => {
    const d = new D.Poisson({ rate: f64(rates) });
    const dl = new D.Poisson({ logRate: f64(rates.map(Math.log)) });
    const k = [[0], [2], [37]];
    const args = [{ values: [0, 2, 37], shape: [3, 1] }, { values: rates, shape: [3] }];
    checkRef(d.logProb(f64(k)), elementwiseReference(args, logPmf), 'logProb', { rtol: 1e-13, atol: 1e-12 });
    checkRef(dl.logProb(f64(k)), elementwiseReference(args, logPmf), 'logRate logProb', { rtol: 1e-13, atol: 1e-12 });
    const cdf = (kk: number, r: number) => (kk < 0 ? 0 : sum(Array.from({ length: Math.floor(kk) + 1 }, (_, j) => Math.exp(logPmf(j, r)))));
    checkRef(d.cdf(f64([[-0.5], [2.5], [37]])), elementwiseReference([{ values: [-0.5, 2.5, 37], shape: [3, 1] }, args[1]], cdf), 'cdf', { rtol: 1e-11, atol: 1e-14 });
    assertClose(values(d.mean()), rates, tol64, 'mean');
    assertClose(values(d.variance()), rates, tol64, 'variance');
    assert.deepEqual(values(d.mode()), [0, 3, 40]);
    assertClose(values(new D.Poisson({ rate: f64(0) }).logProb([0, 1])), [0, -Infinity], tol64, 'rate 0');
  });

  it('samples by moments and chi-square', () => {
    const d = new D.Poisson({ rate: f64([0.7, 12]) });
    const v = values(d.sample([20000], { seed: 61 }));
    [0.7, 12].forEach((r, j) => {
      const c = column(v, 2, j);
      assertMoments(c, r, r, `rate ${r}`);
      assertChiSquare(c, Array.from({ length: 40 }, (_, k) => Math.exp(logPmf(k, r))), `rate ${r}`);
    });
  });

  it('KL against the closed form in JS and Monte Carlo', () => {
    const p = new D.Poisson({ rate: f64([2, 0.5]) });
    const q = new D.Poisson({ logRate: f64([0, Math.log(3)]) });
    const kl = values(D.klDivergence(p, q));
    assertClose(kl, [[2, 1], [0.5, 3]].map(([a, b]) => a * Math.log(a / b) - a + b), tol64, 'exact');
    const x = p.sample([20000], { seed: 62 });
    const terms = values(rv.sub(p.logProb(x), q.logProb(x)));
    [0, 1].forEach((j) => assertMonteCarlo(column(terms, 2, j), kl[j], `member ${j}`));
    assertClose(values(D.klDivergence(new D.Poisson({ rate: f64(0) }), new D.Poisson({ rate: f64(2) }))), [2], tol64, 'rate 0');
  });

  it('invalid parameters and values outside the support', () => {
    assertThrowsNamed(() => new D.Poisson({ rate: [1, -1] }), 'Poisson', 'rate');
    assertThrowsNamed(() => new D.Poisson({}), 'Poisson', 'rate', 'logRate');
    const lax = new D.Poisson({ rate: f64(2), validateArgs: false });
    assert.deepEqual(values(lax.logProb([-1, 1.5])), [-Infinity, -Infinity]);
    assertThrowsNamed(() => new D.Poisson({ rate: 2 }).logProb(1.5), 'Poisson', 'support');
  });
});

describe('distributions: NegativeBinomial', () => {
  const logPmf = (k: number, r: number, p: number) => lgamma(k + r) - lgamma(k + 1) - lgamma(r) + k * Math.log(p) + r * Math.log1p(-p);

  it('logProb, mean, variance, mode over broadcast shapes, probs and logits forms', () => {
    const r = [[2.5], [7]];
    const p = [0.2, 0.6];
    const d = new D.NegativeBinomial({ totalCount: f64(r), probs: f64(p) });
    const dl = new D.NegativeBinomial({ totalCount: f64(r), logits: f64(p.map((q) => Math.log(q / (1 - q)))) });
    assert.deepEqual(d.batchShape, [2, 2]);
    const args = [{ values: [2.5, 7], shape: [2, 1] }, { values: p, shape: [2] }];
    const k = [0, 5];
    const ref = elementwiseReference([{ values: k, shape: [2] }, ...args], logPmf);
    checkRef(d.logProb(f64(k)), ref, 'logProb', { rtol: 1e-12, atol: 1e-12 });
    checkRef(dl.logProb(f64(k)), ref, 'logits logProb', { rtol: 1e-12, atol: 1e-12 });
    checkRef(d.mean(), elementwiseReference(args, (rr, q) => (rr * q) / (1 - q)), 'mean');
    checkRef(d.variance(), elementwiseReference(args, (rr, q) => (rr * q) / (1 - q) ** 2), 'variance');
    checkRef(d.mode(), elementwiseReference(args, (rr, q) => (rr > 1 ? Math.floor(((rr - 1) * q) / (1 - q)) : 0)), 'mode');
  });

  it('samples by moments and chi-square', () => {
    const d = new D.NegativeBinomial({ totalCount: f64([3, 0.8]), probs: f64([0.4, 0.7]) });
    const v = values(d.sample([20000], { seed: 71 }));
    [[3, 0.4], [0.8, 0.7]].forEach(([r, p], j) => {
      const c = column(v, 2, j);
      assertMoments(c, (r * p) / (1 - p), (r * p) / (1 - p) ** 2, `member ${j}`);
      assertChiSquare(c, Array.from({ length: 40 }, (_, k) => Math.exp(logPmf(k, r, p))), `member ${j}`);
    });
  });

  it('invalid parameters and values outside the support', () => {
    assertThrowsNamed(() => new D.NegativeBinomial({ totalCount: 0, probs: 0.5 }), 'NegativeBinomial', 'totalCount');
    assertThrowsNamed(() => new D.NegativeBinomial({ totalCount: 2, probs: 1.2 }), 'NegativeBinomial', 'probs');
    const lax = new D.NegativeBinomial({ totalCount: f64(2), probs: f64(0.5), validateArgs: false });
    assert.deepEqual(values(lax.logProb([-1, 0.5])), [-Infinity, -Infinity]);
  });
});

describe('distributions: Geometric', () => {
  it('logProb, cdf, mean, variance, entropy in both forms', () => {
    const p = [0.1, 0.5, 1];
    const d = new D.Geometric({ probs: f64(p) });
    const dl = new D.Geometric({ logits: f64([Math.log(0.1 / 0.9), 0]) });
    const k = [[0], [3]];
    checkRef(d.logProb(f64(k)), elementwiseReference([{ values: [0, 3], shape: [2, 1] }, { values: p, shape: [3] }], (kk, q) => xlogy(kk, 1 - q) + Math.log(q)), 'logProb');
    checkRef(dl.logProb(f64(k)), elementwiseReference([{ values: [0, 3], shape: [2, 1] }, { values: [0.1, 0.5], shape: [2] }], (kk, q) => kk * Math.log1p(-q) + Math.log(q)), 'logits logProb');
    checkRef(d.cdf(f64([[-1], [0], [2.5]])), elementwiseReference([{ values: [-1, 0, 2], shape: [3, 1] }, { values: p, shape: [3] }], (kk, q) => (kk < 0 ? 0 : 1 - (1 - q) ** (kk + 1))), 'cdf');
    assertClose(values(d.mean()), p.map((q) => (1 - q) / q), tol64, 'mean');
    assertClose(values(d.variance()), p.map((q) => (1 - q) / q ** 2), tol64, 'variance');
    // The entropy as the series −Σ P(k) log P(k).
    const series = (q: number) => -sum(Array.from({ length: 2000 }, (_, kk) => {
      const lp = xlogy(kk, 1 - q) + Math.log(q);
      return lp === -Infinity ? 0 : Math.exp(lp) * lp;
    }));
    assertClose(values(d.entropy()), p.map(series), { rtol: 1e-12, atol: 1e-12 }, 'entropy');
  });

  it('samples by moments and chi-square', () => {
    const d = new D.Geometric({ probs: f64([0.25, 0.8]) });
    const v = values(d.sample([20000], { seed: 81 }));
    [0.25, 0.8].forEach((q, j) => {
      const c = column(v, 2, j);
      assertMoments(c, (1 - q) / q, (1 - q) / q ** 2, `p ${q}`);
      assertChiSquare(c, Array.from({ length: 40 }, (_, kk) => (1 - q) ** kk * q), `p ${q}`);
    });
  });

  it('invalid parameters and values outside the support', () => {
    assertThrowsNamed(() => new D.Geometric({ probs: 0 }), 'Geometric', 'probs');
    const lax = new D.Geometric({ probs: f64(0.5), validateArgs: false });
    assert.deepEqual(values(lax.logProb([-1, 0.5])), [-Infinity, -Infinity]);
  });
});

describe('distributions: Deterministic', () => {
  it('logProb, cdf, moments and samples', () => {
    const d = new D.Deterministic({ loc: f64([1, 2]), atol: 0.1 });
    assertClose(values(d.logProb([[1.05, 2.2], [0.8, 2]])), [0, -Infinity, -Infinity, 0], tol64, 'logProb');
    assertClose(values(d.cdf([0.85, 2.5])), [0, 1], tol64, 'cdf');
    assert.deepEqual(values(d.sample([3])), [1, 2, 1, 2, 1, 2]);
    assert.deepEqual(values(d.mean()), [1, 2]);
    assert.deepEqual(values(d.variance()), [0, 0]);
    assert.deepEqual(values(d.entropy()), [0, 0]);
    assertThrowsNamed(() => new D.Deterministic({ loc: 0, atol: -1 }), 'Deterministic', 'atol');
  });
});

describe('distributions: Empirical', () => {
  it('scalar events: logProb, cdf, mean, variance, mode, entropy, samples by chi-square', () => {
    const samples = [0, 1, 1, 3, 1, 0, 2, 1];
    const d = new D.Empirical({ samples: f64(samples) });
    assert.deepEqual(d.batchShape, []);
    const freq = [2 / 8, 4 / 8, 1 / 8, 1 / 8];
    assertClose(values(d.logProb([0, 1, 2, 3, 5])), [...freq.map(Math.log), -Infinity], tol64, 'logProb');
    assertClose(values(d.cdf([-1, 0, 1.5, 3])), [0, 2 / 8, 6 / 8, 1], tol64, 'cdf');
    const m = sum(samples) / 8;
    assertClose(values(d.mean()), [m], tol64, 'mean');
    assertClose(values(d.variance()), [sum(samples.map((x) => (x - m) ** 2)) / 8], tol64, 'variance');
    assert.deepEqual(values(d.mode()), [1]);
    assertClose(values(d.entropy()), [-sum(freq.map((q) => q * Math.log(q)))], tol64, 'entropy');
    assertChiSquare(values(d.sample([8000], { seed: 91 })), freq, 'samples');
  });

  it('batches of vector events', () => {
    // batch [2], N = 3, event [2].
    const samples = [[[0, 0], [1, 2], [0, 0]], [[5, 5], [5, 6], [7, 7]]];
    const d = new D.Empirical({ samples: f64(samples), eventNdims: 1 });
    assert.deepEqual(d.batchShape, [2]);
    assert.deepEqual(d.eventShape, [2]);
    assertClose(values(d.logProb([[0, 0], [5, 6]])), [Math.log(2 / 3), Math.log(1 / 3)], tol64, 'logProb');
    assertClose(values(d.logProb([1, 2])), [Math.log(1 / 3), -Infinity], tol64, 'logProb broadcast');
    assertClose(values(d.mean()), [1 / 3, 2 / 3, 17 / 3, 6], tol64, 'mean');
    assert.deepEqual(values(d.mode()), [0, 0, 5, 5]);
    const s = d.sample([3000, 2], { seed: 92 });
    assert.deepEqual(s.shape, [3000, 2, 2, 2]);
    const v = values(s);
    const firstMember: number[] = [];
    for (let i = 0; i < v.length; i += 4) firstMember.push(v[i] === 1 ? 1 : 0);   // member 0: [1, 2] has probability 1/3
    assertChiSquare(firstMember, [2 / 3, 1 / 3], 'member 0');
  });
});

describe('distributions: Mixture and MixtureSameFamily', () => {
  const weights = [0.3, 0.7];
  const rates = [1, 6];
  const poissonPmf = (k: number, r: number) => Math.exp(xlogy(k, r) - r - lgamma(k + 1));
  const mixturePmf = (k: number) => weights[0] * poissonPmf(k, rates[0]) + weights[1] * poissonPmf(k, rates[1]);
  const mean = weights[0] * rates[0] + weights[1] * rates[1];
  const variance = weights[0] * (rates[0] + rates[0] ** 2) + weights[1] * (rates[1] + rates[1] ** 2) - mean ** 2;

  it('Mixture of two Poissons: logProb, mean, variance, samples by chi-square', () => {
    const d = new D.Mixture({
      cat: new D.Categorical({ probs: f64(weights) }),
      components: [new D.Poisson({ rate: f64(rates[0]) }), new D.Poisson({ rate: f64(rates[1]) })],
    });
    assertClose(values(d.logProb([0, 3, 10])), [0, 3, 10].map((k) => Math.log(mixturePmf(k))), tol64, 'logProb');
    assertClose(values(d.mean()), [mean], tol64, 'mean');
    assertClose(values(d.variance()), [variance], tol64, 'variance');
    const v = values(d.sample([20000], { seed: 101 }));
    assertMoments(v, mean, variance, 'samples');
    assertChiSquare(v, Array.from({ length: 30 }, (_, k) => mixturePmf(k)), 'samples');
  });

  it('MixtureSameFamily over a batch of Poissons equals the Mixture', () => {
    const d = new D.MixtureSameFamily({
      mixtureDistribution: new D.Categorical({ probs: f64(weights) }),
      componentsDistribution: new D.Poisson({ rate: f64(rates) }),
    });
    assert.deepEqual(d.batchShape, []);
    assertClose(values(d.logProb([[0], [3], [10]])), [0, 3, 10].map((k) => Math.log(mixturePmf(k))), tol64, 'logProb');
    assertClose(values(d.mean()), [mean], tol64, 'mean');
    assertClose(values(d.variance()), [variance], tol64, 'variance');
    const v = values(d.sample([20000], { seed: 102 }));
    assertChiSquare(v, Array.from({ length: 30 }, (_, k) => mixturePmf(k)), 'samples');
  });

  it('MixtureSameFamily with a batch and vector events', () => {
    // Batch [2] of mixtures of 3 two-dimensional diagonal normals.
    const loc = [[[0, 0], [3, 3], [-3, 1]], [[1, 1], [2, 2], [3, 3]]];
    const scale = [[[1, 1], [0.5, 2], [1, 1]], [[1, 1], [1, 1], [1, 1]]];
    const w = [[0.2, 0.5, 0.3], [0.6, 0.2, 0.2]];
    const d = new D.MixtureSameFamily({
      mixtureDistribution: new D.Categorical({ probs: f64(w) }),
      componentsDistribution: new D.MultivariateNormalDiag({ loc: f64(loc), scaleDiag: f64(scale) }),
    });
    assert.deepEqual(d.batchShape, [2]);
    assert.deepEqual(d.eventShape, [2]);
    const x = [0.5, 1.5];
    const normalLogPdf = (v: number, m: number, s: number) => -0.5 * ((v - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
    const expected = [0, 1].map((b) => Math.log(sum(w[b].map((wc, c) => wc * Math.exp(normalLogPdf(x[0], loc[b][c][0], scale[b][c][0]) + normalLogPdf(x[1], loc[b][c][1], scale[b][c][1]))))));
    assertClose(values(d.logProb(f64(x))), expected, tol64, 'logProb');
    const means = [0, 1].flatMap((b) => [0, 1].map((e) => sum(w[b].map((wc, c) => wc * loc[b][c][e]))));
    assertClose(values(d.mean()), means, tol64, 'mean');
    const vars = [0, 1].flatMap((b) => [0, 1].map((e) => sum(w[b].map((wc, c) => wc * (scale[b][c][e] ** 2 + loc[b][c][e] ** 2))) - means[2 * b + e] ** 2));
    assertClose(values(d.variance()), vars, tol64, 'variance');
    const s = d.sample([10000], { seed: 103 });
    assert.deepEqual(s.shape, [10000, 2, 2]);
    const v = values(s);
    [0, 1, 2, 3].forEach((j) => assertMoments(column(v, 4, j), means[j], vars[j], `element ${j}`));
  });

  it('int32 components: a non-integer value is outside the support, not truncated into it', () => {
    const cat = new D.Categorical({ probs: f64([0.5, 0.5]) });
    const mix = new D.Mixture({ cat, components: [new D.Bernoulli({ probs: f64(0.2) }), new D.Bernoulli({ probs: f64(0.9) })], validateArgs: false });
    const same = new D.MixtureSameFamily({ mixtureDistribution: cat, componentsDistribution: new D.Bernoulli({ probs: f64([0.2, 0.9]) }), validateArgs: false });
    const atZero = Math.log(0.5 * 0.8 + 0.5 * 0.1);
    for (const d of [mix, same]) assert.deepEqual(values(d.logProb([0.5, -0.5])), [-Infinity, -Infinity], d.name);
    for (const d of [mix, same]) assertClose(values(d.logProb([0])), [atZero], tol64, d.name);
  });

  it('rejects mismatched components', () => {
    const cat = new D.Categorical({ probs: [0.5, 0.5] });
    assertThrowsNamed(() => new D.Mixture({ cat, components: [new D.Poisson({ rate: 1 })] }), 'Mixture', 'components');
    assertThrowsNamed(() => new D.MixtureSameFamily({ mixtureDistribution: cat, componentsDistribution: new D.Poisson({ rate: [1, 2, 3] }) }), 'MixtureSameFamily');
  });
});

describe('distributions: Independent', () => {
  it('sums log-probabilities and entropies over the reinterpreted axes', () => {
    const probs = [[0.1, 0.5, 0.9], [0.2, 0.3, 0.4]];
    const base = new D.Bernoulli({ probs: f64(probs) });
    const d = new D.Independent({ distribution: base, reinterpretedBatchNdims: 1 });
    assert.deepEqual(d.batchShape, [2]);
    assert.deepEqual(d.eventShape, [3]);
    const x = [0, 1, 1];
    assertClose(values(d.logProb(x)), probs.map((r) => sum(r.map((q, i) => Math.log(x[i] ? q : 1 - q)))), tol64, 'logProb');
    assertClose(values(d.entropy()), probs.map((r) => sum(r.map((q) => -q * Math.log(q) - (1 - q) * Math.log(1 - q)))), tol64, 'entropy');
    assert.deepEqual(d.sample([4], { seed: 1 }).shape, [4, 2, 3]);
    assertClose(values(d.mean()), probs.flat(), tol64, 'mean');
    const all = new D.Independent({ distribution: base });
    assert.deepEqual(all.batchShape, []);
    assert.deepEqual(all.eventShape, [2, 3]);
    assertClose(values(all.logProb([x, x])), [sum(values(d.logProb(x)))], tol64, 'all axes');
    const lax = new D.Independent({ distribution: new D.Bernoulli({ probs: f64([0.5, 0.5]), validateArgs: false }) });
    assert.deepEqual(values(lax.logProb([0, 0.5])), [-Infinity]);
    assertThrowsNamed(() => new D.Independent({ distribution: base, reinterpretedBatchNdims: 3 }), 'Independent', 'reinterpretedBatchNdims');
  });

  it('KL is the sum of the bases\' KL, against Monte Carlo', () => {
    const p = new D.Independent({ distribution: new D.Poisson({ rate: f64([1, 2, 3]) }), reinterpretedBatchNdims: 1 });
    const q = new D.Independent({ distribution: new D.Poisson({ rate: f64([2, 2, 1]) }), reinterpretedBatchNdims: 1 });
    const kl = values(D.klDivergence(p, q))[0];
    assertClose([kl], [sum([[1, 2], [2, 2], [3, 1]].map(([a, b]) => a * Math.log(a / b) - a + b))], tol64, 'exact');
    const x = p.sample([20000], { seed: 111 });
    assertMonteCarlo(values(rv.sub(p.logProb(x), q.logProb(x))), kl, 'Monte Carlo');
  });
});

/** y = exp(x), elementwise: a bijector for the TransformedDistribution test, independent of lib/bijectors. */
class TestExp extends rv.bijectors.Bijector {
  constructor() {
    super({ name: 'TestExp', forwardMinEventNdims: 0 });
  }
  protected forwardImpl(x: rv.Tensor): rv.Tensor {
    return rv.exp(x);
  }
  protected inverseImpl(y: rv.Tensor): rv.Tensor {
    return rv.log(y);
  }
  protected forwardLogDetJacobianImpl(x: rv.Tensor): rv.Tensor {
    return x;
  }
}

describe('distributions: TransformedDistribution', () => {
  it('exp of a diagonal normal: logProb with the Jacobian summed over the event, samples', () => {
    const base = new D.MultivariateNormalDiag({ loc: f64([0, 1]), scaleDiag: f64([1, 0.5]) });
    const d = new D.TransformedDistribution({ distribution: base, bijector: new TestExp() });
    assert.deepEqual(d.eventShape, [2]);
    assert.equal(d.hasRsample, true);
    const y = [[1.5, 2], [0.3, 4]];
    const logNormal = (v: number, m: number, s: number) => -0.5 * ((Math.log(v) - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI) - Math.log(v);
    assertClose(values(d.logProb(f64(y))), y.map((r) => logNormal(r[0], 0, 1) + logNormal(r[1], 1, 0.5)), tol64, 'logProb');
    const s = values(d.sample([20000], { seed: 121 }));
    assertMoments(column(s, 2, 0), Math.exp(0.5), (Math.exp(1) - 1) * Math.exp(1), 'component 0');
  });

  it('default bijector: the base\'s, then the transform (unconstrained reals onto the image)', () => {
    const d = new D.TransformedDistribution({ distribution: new D.Dirichlet({ concentration: f64([1, 2, 3]) }), bijector: new TestExp() });
    const y = values(d.defaultBijector().forward(f64([0.3, -1.2])));
    assert.equal(y.length, 3);
    assertClose([sum(y.map(Math.log))], [1], tol64, 'log y on the simplex');
    assert.ok(Number.isFinite(values(d.logProb(f64(y)))[0]), 'finite log density there');
  });
});

describe('distributions: float32 parameters', () => {
  it('JS-number parameters compute in float32, close to the float64 values', () => {
    const tol32 = { rtol: 1e-5, atol: 1e-5 };
    const cases: [rv.distributions.Distribution, rv.distributions.Distribution, number[]][] = [
      [new D.Binomial({ totalCount: 12, logits: 0.3 }), new D.Binomial({ totalCount: f64(12), logits: f64(0.3) }), [0, 4, 12]],
      [new D.Poisson({ rate: 4.5 }), new D.Poisson({ rate: f64(4.5) }), [0, 4, 30]],
      [new D.NegativeBinomial({ totalCount: 3.5, probs: 0.4 }), new D.NegativeBinomial({ totalCount: f64(3.5), probs: f64(0.4) }), [0, 2, 9]],
      [new D.Categorical({ logits: [0, 1, -2] }), new D.Categorical({ logits: f64([0, 1, -2]) }), [0, 1, 2]],
    ];
    for (const [d32, d64, x] of cases) {
      const lp = d32.logProb(x);
      assert.equal(lp.dtype, 'float32', d32.name);
      assertClose(values(lp), values(d64.logProb(f64(x))), tol32, d32.name);
      const s = d32.sample([3], { seed: 1 });
      assert.equal(s.dtype, d32.dtype, `${d32.name} sample dtype`);
    }
  });
});
