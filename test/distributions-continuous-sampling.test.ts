/**
 * Sampling from the continuous scalar families: moments within 4 standard errors and a
 * Kolmogorov–Smirnov test at fixed seeds, seeding, KL closed forms against Monte Carlo, and
 * reparameterisation gradients (pathwise ones against finite differences of the fixed-noise
 * expectation, implicit ones against the derivative of the draw at fixed quantile and against
 * exact gradients of expectations).
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import * as B from './special-reference';
import type { Params } from './continuous-references';
import { checkGradient } from './transform-helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Init = Record<string, any>;
type Distribution = rv.distributions.Distribution;
const D = rv.distributions as unknown as Record<string, new (init: Init) => Distribution>;

const n = 20000;
/** Kolmogorov's critical value at level 0.001 for n draws (the asymptotic 1.9495/√n). */
const ksCritical = 1.9495 / Math.sqrt(n);

const f64 = (v: number | number[]) => (typeof v === 'number' ? rv.scalar(v, 'float64') : rv.tensor(v, [v.length], 'float64'));

/** Parameters as float64 tensors (batch members along the arrays). */
function float64Params(params: Init): Init {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, f64(v)]));
}

/** Column j of a row-major [rows, cols] array. */
function column(values: ArrayLike<number>, cols: number, j: number): number[] {
  const out: number[] = [];
  for (let i = j; i < values.length; i += cols) out.push(values[i]);
  return out;
}

/** sup |F_n − F| of the draws against CDF values at them (F evaluated at each draw). */
function ksStatistic(draws: number[], cdfAtDraws: number[]): number {
  const order = draws.map((_, i) => i).sort((a, b) => draws[a] - draws[b]);
  let worst = 0;
  order.forEach((k, rank) => {
    const f = cdfAtDraws[k];
    worst = Math.max(worst, Math.abs((rank + 1) / draws.length - f), Math.abs(rank / draws.length - f));
  });
  return worst;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const centralMoment = (xs: number[], m: number, k: number) => mean(xs.map((x) => (x - m) ** k));

interface SamplingCase {
  name: string;
  /** Two batch members: the first parameter has two entries. */
  params: Init;
  /** Which moment checks apply: both (finite fourth moment), mean only, none (no finite mean), or circular. */
  moments: 'both' | 'mean' | 'none' | 'circular';
}

const samplingCases: SamplingCase[] = [
  { name: 'Normal', params: { loc: [0.5, -1], scale: 1.5 }, moments: 'both' },
  { name: 'HalfNormal', params: { scale: [0.7, 2] }, moments: 'both' },
  { name: 'LogNormal', params: { loc: [0, 0.5], scale: 0.4 }, moments: 'both' },
  { name: 'StudentT', params: { df: [9, 15], loc: 0.3, scale: 1.2 }, moments: 'both' },
  { name: 'Cauchy', params: { loc: [0, 2], scale: 0.7 }, moments: 'none' },
  { name: 'HalfCauchy', params: { loc: [0, 1], scale: 1.3 }, moments: 'none' },
  { name: 'Laplace', params: { loc: [0.2, -1], scale: 1.1 }, moments: 'both' },
  { name: 'Logistic', params: { loc: [0.2, -1], scale: 0.9 }, moments: 'both' },
  { name: 'Gumbel', params: { loc: [0.2, -1], scale: 1.4 }, moments: 'both' },
  { name: 'Uniform', params: { low: [-1, 0.5], high: 3 }, moments: 'both' },
  { name: 'Exponential', params: { rate: [0.5, 2] }, moments: 'both' },
  { name: 'Gamma', params: { concentration: [0.3, 4], rate: 2 }, moments: 'both' },
  { name: 'InverseGamma', params: { concentration: [9, 12], scale: 2 }, moments: 'both' },
  { name: 'Beta', params: { concentration1: [0.4, 3], concentration0: [2, 0.6] }, moments: 'both' },
  { name: 'Chi2', params: { df: [1, 7] }, moments: 'both' },
  { name: 'Weibull', params: { concentration: [0.8, 3], scale: 1.5 }, moments: 'both' },
  { name: 'Pareto', params: { concentration: [9, 12], scale: 1 }, moments: 'both' },
  { name: 'VonMises', params: { loc: [0.5, -2], concentration: [0.5, 4] }, moments: 'circular' },
];

/** Batch member j's parameters as numbers. */
function member(params: Init, j: number): Params {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v[j] : v]));
}

/**
 * The CDF on [−π, π] of an unnormalised density at the given points: Simpson's rule on a grid of
 * 4000 cells, linear interpolation inside a cell (error below 1e-6, far under the KS critical value).
 */
function gridCdf(density: (x: number) => number, points: number[]): number[] {
  const m = 4000;
  const h = (2 * Math.PI) / m;
  const at = (i: number) => -Math.PI + i * h;
  const cumulative = [0];
  for (let i = 0; i < m; i++) cumulative.push(cumulative[i] + (h / 6) * (density(at(i)) + 4 * density(at(i) + h / 2) + density(at(i + 1))));
  const total = cumulative[m];
  return points.map((x) => {
    const position = (x + Math.PI) / h;
    const i = Math.min(m - 1, Math.max(0, Math.floor(position)));
    const fraction = position - i;
    return (cumulative[i] + fraction * (cumulative[i + 1] - cumulative[i])) / total;
  });
}

describe('continuous distributions: sampling', () => {
  for (const c of samplingCases) {
    it(`${c.name}: draws match the moments (within 4 standard errors) and pass a KS test`, function () {
      this.timeout(60000);
      const d = new D[c.name](float64Params(c.params));
      const x = d.sample([n], { seed: 20240 + c.name.length });
      assert.deepEqual([...x.shape], [n, 2]);
      assert.equal(x.dtype, 'float64');
      const values = x.dataSync();
      assert.ok(Array.from(d.logProb(x).dataSync()).every(Number.isFinite), `${c.name}: every draw is inside the support`);
      const cdfs = c.moments === 'circular' ? null : d.cdf(x).dataSync();
      const means = d.mean().dataSync();
      const variances = d.variance().dataSync();
      for (let j = 0; j < 2; j++) {
        const draws = column(values, 2, j);
        const p = member(c.params, j);
        const what = `${c.name} member ${j}`;
        if (c.moments === 'circular') {
          // E[cos(X − loc)] = 1 − circular variance; E[sin(X − loc)] = 0.
          const cosines = draws.map((v) => Math.cos(v - p.loc));
          const sines = draws.map((v) => Math.sin(v - p.loc));
          const cosMean = mean(cosines);
          const cosSe = Math.sqrt(centralMoment(cosines, cosMean, 2) / n);
          assert.ok(Math.abs(cosMean - (1 - variances[j])) <= 4 * cosSe, `${what}: E cos = ${cosMean}, expected ${1 - variances[j]} ± ${4 * cosSe}`);
          const sinMean = mean(sines);
          assert.ok(Math.abs(sinMean) <= 4 * Math.sqrt(centralMoment(sines, sinMean, 2) / n), `${what}: E sin = ${sinMean}`);
          const ks = ksStatistic(draws, gridCdf((v) => Math.exp(p.concentration * Math.cos(v - p.loc)), draws));
          assert.ok(ks <= ksCritical, `${what}: KS statistic ${ks} > ${ksCritical}`);
          continue;
        }
        if (c.moments !== 'none') {
          const m = mean(draws);
          const se = Math.sqrt(variances[j] / n);
          assert.ok(Math.abs(m - means[j]) <= 4 * se, `${what}: sample mean ${m}, expected ${means[j]} ± ${4 * se}`);
          if (c.moments === 'both') {
            const s2 = centralMoment(draws, m, 2);
            const se2 = Math.sqrt((centralMoment(draws, m, 4) - s2 * s2) / n);
            assert.ok(Math.abs(s2 - variances[j]) <= 4 * se2, `${what}: sample variance ${s2}, expected ${variances[j]} ± ${4 * se2}`);
          }
        }
        // The library's cdf is checked against independent references in distributions-continuous.test.ts.
        const ks = ksStatistic(draws, column(cdfs!, 2, j));
        assert.ok(ks <= ksCritical, `${what}: KS statistic ${ks} > ${ksCritical}`);
      }
    });
  }

  it('the same seed gives the same draws, another seed other draws, no seed fresh draws', () => {
    for (const c of samplingCases) {
      const d = new D[c.name](float64Params(c.params));
      const a = Array.from(d.sample([50], { seed: 11 }).dataSync());
      assert.deepEqual(Array.from(d.sample([50], { seed: 11 }).dataSync()), a, `${c.name}: same seed`);
      assert.deepEqual(Array.from(d.sample([50], { seed: rv.random.key(11) }).dataSync()), a, `${c.name}: key of the seed`);
      assert.notDeepEqual(Array.from(d.sample([50], { seed: 12 }).dataSync()), a, `${c.name}: other seed`);
      assert.notDeepEqual(Array.from(d.sample([50]).dataSync()), Array.from(d.sample([50]).dataSync()), `${c.name}: unseeded`);
    }
  });

  it('sample shapes are sampleShape + batchShape, for a number, an array and []', () => {
    const d = new rv.distributions.Gamma({ concentration: [[1, 2, 3]], rate: [[1], [2]] });
    assert.deepEqual([...d.sample(4, { seed: 1 }).shape], [4, 2, 3]);
    assert.deepEqual([...d.sample([2, 5], { seed: 1 }).shape], [2, 5, 2, 3]);
    assert.deepEqual([...d.sample([], { seed: 1 }).shape], [2, 3]);
    assert.deepEqual([...new rv.distributions.VonMises({ loc: 0, concentration: [1, 2] }).sample([3, 1], { seed: 1 }).shape], [3, 1, 2]);
  });

  it('float32 gamma and beta draws with small concentrations are finite and inside the support', () => {
    const g = new rv.distributions.Gamma({ concentration: [0.05, 0.5], rate: 1 }).sample([5000], { seed: 3 });
    assert.equal(g.dtype, 'float32');
    assert.ok(Array.from(g.dataSync()).every((v) => Number.isFinite(v) && v >= 0));
    const b = new rv.distributions.Beta({ concentration1: [0.1, 0.5], concentration0: 0.2 }).sample([5000], { seed: 3 });
    assert.equal(b.dtype, 'float32');
    assert.ok(Array.from(b.dataSync()).every((v) => v >= 0 && v <= 1));
  });

  it('VonMises with concentration 0 is uniform on the circle; draws are wrapped into [−π, π]', () => {
    const d = new rv.distributions.VonMises({ loc: f64(3), concentration: f64(0) });
    const draws = Array.from(d.sample([n], { seed: 8 }).dataSync());
    assert.ok(draws.every((v) => v >= -Math.PI && v <= Math.PI));
    const ks = ksStatistic(draws, draws.map((v) => (v + Math.PI) / (2 * Math.PI)));
    assert.ok(ks <= ksCritical, `KS statistic ${ks}`);
  });
});

interface KLCase {
  name: string;
  p: Init;
  q: Init;
}

const klCases: KLCase[] = [
  { name: 'Normal', p: { loc: [0, 1], scale: [1, 0.5] }, q: { loc: 0.3, scale: 1.5 } },
  { name: 'Gamma', p: { concentration: [2, 0.8], rate: [1, 3] }, q: { concentration: 1.5, rate: 2 } },
  { name: 'Beta', p: { concentration1: [2, 0.7], concentration0: [3, 1.2] }, q: { concentration1: 1.5, concentration0: 1.1 } },
  { name: 'Exponential', p: { rate: [1, 3] }, q: { rate: 2 } },
  { name: 'Uniform', p: { low: [0, 0.5], high: [1, 2] }, q: { low: -1, high: 3 } },
  { name: 'Laplace', p: { loc: [0, 1], scale: [1, 0.5] }, q: { loc: 0.3, scale: 1.5 } },
  { name: 'HalfNormal', p: { scale: [1, 0.5] }, q: { scale: 1.5 } },
  { name: 'LogNormal', p: { loc: [0, 1], scale: [0.5, 0.3] }, q: { loc: 0.3, scale: 0.8 } },
];

describe('continuous distributions: KL divergences', () => {
  for (const c of klCases) {
    it(`KL(${c.name} ‖ ${c.name}) matches a Monte Carlo estimate within 4 standard errors`, () => {
      const p = new D[c.name](float64Params(c.p));
      const q = new D[c.name](float64Params(c.q));
      const kl = rv.distributions.klDivergence(p, q);
      assert.deepEqual([...kl.shape], [2]);
      const x = p.sample([n], { seed: 77 });
      const diff = rv.sub(p.logProb(x), q.logProb(x)).dataSync();
      const exact = kl.dataSync();
      for (let j = 0; j < 2; j++) {
        const d = column(diff, 2, j);
        const m = mean(d);
        const se = Math.sqrt(centralMoment(d, m, 2) / n);
        // Where log p − log q is constant on p's support (Uniform), the standard error is 0 and
        // only the rounding of the n-term sum, about 1e-12 relative, separates the two.
        const tolerance = 4 * se + 1e-12 * Math.abs(exact[j]);
        assert.ok(Math.abs(m - exact[j]) <= tolerance, `${c.name} member ${j}: Monte Carlo ${m}, closed form ${exact[j]} ± ${tolerance}`);
      }
    });
  }

  it('KL of a distribution with itself is 0, and broadcasts the two batch shapes', () => {
    const p = new rv.distributions.Normal({ loc: f64([0, 1]), scale: 2 });
    const q = new rv.distributions.Normal({ loc: rv.tensor([[0], [1], [2]], [3, 1], 'float64'), scale: 2 });
    const kl = rv.distributions.klDivergence(p, q);
    assert.deepEqual([...kl.shape], [3, 2]);
    const v = kl.dataSync();
    assert.equal(v[0], 0);
    assert.equal(v[3], 0);
    assert.ok(Math.abs(v[1] - 1 / 8) < 1e-15);
  });

  it('KL between uniforms is Infinity unless the first support lies inside the second', () => {
    const p = new rv.distributions.Uniform({ low: f64([0, -2]), high: 1 });
    const q = new rv.distributions.Uniform({ low: f64(-1), high: 1 });
    const kl = Array.from(rv.distributions.klDivergence(p, q).dataSync());
    assert.ok(Math.abs(kl[0] - Math.log(2)) < 1e-15);
    assert.equal(kl[1], Infinity);
  });

  it('a pair without a closed form is an Error naming both', () => {
    const p = new rv.distributions.Normal({ loc: 0, scale: 1 });
    const q = new rv.distributions.Gamma({ concentration: 1, rate: 1 });
    assert.throws(() => rv.distributions.klDivergence(p, q), /Normal ‖ Gamma/);
  });
});

/** The mean of sin over a fixed-seed draw: a smooth function of the parameters for fixed noise. */
function fixedNoiseExpectation(name: string, names: string[], sampleShape = [200]): (...params: rv.Tensor[]) => rv.Tensor {
  return (...params) => {
    const d = new D[name](Object.fromEntries(names.map((k, i) => [k, params[i]])));
    return rv.mean(rv.sin(d.sample(sampleShape, { seed: 5 })));
  };
}

describe('continuous distributions: reparameterisation gradients', () => {
  const pathwise: [string, Params][] = [
    ['Normal', { loc: 0.3, scale: 1.2 }], ['HalfNormal', { scale: 0.8 }], ['LogNormal', { loc: 0.1, scale: 0.4 }],
    ['Cauchy', { loc: -0.2, scale: 0.6 }], ['HalfCauchy', { loc: 0.5, scale: 0.7 }], ['Laplace', { loc: 0.1, scale: 0.9 }],
    ['Logistic', { loc: 0.4, scale: 0.8 }], ['Gumbel', { loc: -0.3, scale: 1.1 }], ['Uniform', { low: -0.5, high: 1.5 }],
    ['Exponential', { rate: 1.3 }], ['Weibull', { concentration: 1.7, scale: 1.2 }], ['Pareto', { concentration: 2.5, scale: 0.9 }],
  ];
  for (const [name, p] of pathwise) {
    it(`${name}: gradients of a fixed-seed expectation match finite differences`, () => {
      assert.equal(new D[name](p).hasRsample, true);
      const names = Object.keys(p);
      checkGradient(fixedNoiseExpectation(name, names), names.map((k) => rv.tensor([p[k]], [1], 'float64')), { what: name });
    });
  }

  it('Gamma: the gradient in rate is pathwise (matches finite differences at a fixed seed)', () => {
    const alpha = rv.tensor([2.5], [1], 'float64');
    checkGradient((rate) => rv.mean(rv.sin(new rv.distributions.Gamma({ concentration: alpha, rate }).sample([200], { seed: 5 }))), [rv.tensor([1.4], [1], 'float64')], { what: 'Gamma rate' });
  });

  it('Gamma: the gradient in concentration is the derivative of the draw at fixed quantile, −(∂F/∂α)/p', () => {
    // Per draw: x(α) solves P(α, x) = u; dx/dα = −(∂P/∂α)/p(x). The reference differentiates the
    // 320-bit P with step 1e-30 (truncation and rounding both far below double precision).
    const alphas = [0.05, 0.3, 1, 2.5, 7, 40, 0.3, 1, 2.5, 7];
    const a = rv.tensor(alphas, [alphas.length], 'float64');
    const rate = rv.tensor([1], [1], 'float64');
    const draws = new rv.distributions.Gamma({ concentration: a, rate }).sample([], { seed: 13 });
    const grad = rv.grad((c: rv.Tensor) => rv.sum(new rv.distributions.Gamma({ concentration: c, rate }).sample([], { seed: 13 })))(a);
    const got = Array.from(grad.dataSync());
    const x = Array.from(draws.dataSync());
    const h = B.big(1e-30);
    alphas.forEach((alpha, i) => {
      if (x[i] === 0) return;  // underflowed draw: no derivative
      const A = B.big(alpha);
      const X = B.big(x[i]);
      const dP = B.div(B.sub(B.igamma(B.add(A, h), X).p, B.igamma(B.sub(A, h), X).p), B.mulN(h, 2));
      const logDensity = B.sub(B.sub(B.mul(B.sub(A, B.ONE), B.log(X)), X), B.lgamma(A));
      const expected = -B.toNumber(B.div(dP, B.exp(logDensity)));
      // The library's derivative is a float64 central difference with relative step 1e-5·min(1, √α/α)·α:
      // truncation near 1e-10 and rounding near 1e-11, relative.
      assert.ok(Math.abs(got[i] - expected) <= 1e-8 * Math.abs(expected) + 1e-300, `α = ${alpha}, x = ${x[i]}: autodiff ${got[i]}, reference ${expected}`);
    });
  });

  /**
   * For n identical batch members, the gradient of Σ f(x_i) gives each draw's gradient; their
   * mean must match the exact gradient of E f(X) within 4 standard errors.
   */
  function checkExpectationGradient(what: string, gradients: ArrayLike<number>, exact: number): void {
    const g = Array.from(gradients);
    const m = mean(g);
    const se = Math.sqrt(centralMoment(g, m, 2) / g.length);
    assert.ok(Math.abs(m - exact) <= 4 * se, `${what}: mean gradient ${m}, exact ${exact} ± ${4 * se}`);
  }
  const same = (v: number) => rv.fill([n], v, 'float64');

  it('Gamma: implicit gradients average to d/dα E[X²] = (2α + 1)/β²', () => {
    const grad = rv.grad((a: rv.Tensor) => rv.sum(rv.square(new rv.distributions.Gamma({ concentration: a, rate: 2 }).sample([], { seed: 21 }))))(same(1.7));
    checkExpectationGradient('Gamma', grad.dataSync(), (2 * 1.7 + 1) / 4);
  });

  it('Beta: implicit gradients average to d/dα E[X] = β/(α + β)² and d/dβ E[X] = −α/(α + β)²', () => {
    const [a, b] = [1.3, 2.2];
    const [ga, gb] = rv.grad((c1: rv.Tensor, c0: rv.Tensor) => rv.sum(new rv.distributions.Beta({ concentration1: c1, concentration0: c0 }).sample([], { seed: 22 })))(same(a), same(b));
    checkExpectationGradient('Beta concentration1', ga.dataSync(), b / (a + b) ** 2);
    checkExpectationGradient('Beta concentration0', gb.dataSync(), -a / (a + b) ** 2);
  });

  it('Chi2: implicit gradients average to d/dk E[X²] = 2k + 2', () => {
    const grad = rv.grad((df: rv.Tensor) => rv.sum(rv.square(new rv.distributions.Chi2({ df }).sample([], { seed: 23 }))))(same(3.5));
    checkExpectationGradient('Chi2', grad.dataSync(), 2 * 3.5 + 2);
  });

  it('InverseGamma: implicit gradients average to d/dα E[X] = −β/(α − 1)²', () => {
    const grad = rv.grad((a: rv.Tensor) => rv.sum(new rv.distributions.InverseGamma({ concentration: a, scale: 1.5 }).sample([], { seed: 24 })))(same(5));
    checkExpectationGradient('InverseGamma', grad.dataSync(), -1.5 / 16);
  });

  it('StudentT: gradients in df average to d/dν E[X²] = −2σ²/(ν − 2)², and loc and scale are pathwise', () => {
    const grad = rv.grad((df: rv.Tensor) => rv.sum(rv.square(new rv.distributions.StudentT({ df, loc: 0, scale: 1.3 }).sample([], { seed: 25 }))))(same(9));
    checkExpectationGradient('StudentT df', grad.dataSync(), (-2 * 1.3 ** 2) / 49);
    const df = rv.tensor([6], [1], 'float64');
    checkGradient((loc, scale) => rv.mean(rv.sin(new rv.distributions.StudentT({ df, loc, scale }).sample([200], { seed: 5 }))), [rv.tensor([0.2], [1], 'float64'), rv.tensor([1.1], [1], 'float64')], { what: 'StudentT loc, scale' });
  });

  it('gradients of logProb and entropy with respect to parameters match finite differences', () => {
    const cases: [string, Params, number][] = [
      ['Normal', { loc: 0.3, scale: 1.2 }, 0.7], ['StudentT', { df: 4.5, loc: 0.2, scale: 1.1 }, -0.4], ['Gamma', { concentration: 2.5, rate: 1.5 }, 1.2],
      ['Beta', { concentration1: 2.5, concentration0: 1.5 }, 0.4], ['VonMises', { loc: 0.5, concentration: 2.5 }, 1.1], ['Weibull', { concentration: 1.8, scale: 1.3 }, 0.9],
    ];
    for (const [name, p, x] of cases) {
      const names = Object.keys(p);
      const make = (params: rv.Tensor[]) => new D[name](Object.fromEntries(names.map((k, i) => [k, params[i]])));
      const inputs = names.map((k) => rv.tensor([p[k]], [1], 'float64'));
      checkGradient((...ps) => rv.sum(make(ps).logProb(x)), inputs, { what: `${name}.logProb` });
      checkGradient((...ps) => rv.sum(make(ps).entropy()), inputs, { what: `${name}.entropy` });
    }
  });
});
