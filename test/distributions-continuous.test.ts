/**
 * The continuous scalar families: log densities, CDFs, quantiles and statistics against float64
 * references computed independently in the test (continuous-references.ts), over broadcast
 * parameter shapes; statistics against quadrature of the reference densities; parameter checks
 * and values outside the support. Sampling, KL divergences and gradients are in
 * distributions-continuous-sampling.test.ts.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { references, type Params, integrate, logNormalCdf } from './continuous-references';
import { assertClose, assertThrowsNamed, elementwiseReference, makeRng, type Tolerance } from './helpers';

type Ref = { values: number[]; shape: number[] };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const D = rv.distributions as unknown as Record<string, new (init: any) => rv.distributions.Distribution>;

/** One family under test: parameter ranges, a range of values inside the support, a simple parameter set. */
interface Case {
  name: string;
  params: Record<string, [number, number]>;
  values: [number, number];
  fixed: Params;
  /** Values outside the support of `fixed`. */
  outside: number[];
  /** Parameters that must be positive (or non-negative) and an invalid value for each. */
  invalid: Record<string, number>;
  hasQuantile: boolean;
}

const cases: Case[] = [
  { name: 'Normal', params: { loc: [-2, 2], scale: [0.5, 3] }, values: [-5, 5], fixed: { loc: 0.5, scale: 1.5 }, outside: [], invalid: { scale: 0 }, hasQuantile: true },
  { name: 'HalfNormal', params: { scale: [0.5, 3] }, values: [0, 5], fixed: { scale: 1.5 }, outside: [-0.1], invalid: { scale: -1 }, hasQuantile: true },
  { name: 'LogNormal', params: { loc: [-1, 1], scale: [0.3, 1.5] }, values: [0.05, 5], fixed: { loc: 0.2, scale: 0.6 }, outside: [0, -1], invalid: { scale: 0 }, hasQuantile: true },
  { name: 'StudentT', params: { df: [0.5, 10], loc: [-1, 1], scale: [0.5, 2] }, values: [-6, 6], fixed: { df: 4.5, loc: 0.3, scale: 1.2 }, outside: [], invalid: { df: 0, scale: -2 }, hasQuantile: false },
  { name: 'Cauchy', params: { loc: [-2, 2], scale: [0.5, 2] }, values: [-10, 10], fixed: { loc: -0.5, scale: 0.8 }, outside: [], invalid: { scale: 0 }, hasQuantile: true },
  { name: 'HalfCauchy', params: { loc: [-1, 0], scale: [0.5, 2] }, values: [0, 8], fixed: { loc: 0.5, scale: 1.3 }, outside: [0.4, -3], invalid: { scale: -0.5 }, hasQuantile: true },
  { name: 'Laplace', params: { loc: [-2, 2], scale: [0.5, 2] }, values: [-5, 5], fixed: { loc: 0.4, scale: 1.1 }, outside: [], invalid: { scale: 0 }, hasQuantile: true },
  { name: 'Logistic', params: { loc: [-2, 2], scale: [0.5, 2] }, values: [-5, 5], fixed: { loc: -0.3, scale: 0.9 }, outside: [], invalid: { scale: -1 }, hasQuantile: true },
  { name: 'Gumbel', params: { loc: [-2, 2], scale: [0.5, 2] }, values: [-5, 5], fixed: { loc: 0.7, scale: 1.4 }, outside: [], invalid: { scale: 0 }, hasQuantile: true },
  { name: 'Uniform', params: { low: [-3, -1], high: [1, 3] }, values: [-1, 1], fixed: { low: -0.5, high: 2 }, outside: [-0.6, 2.1], invalid: { high: -1 }, hasQuantile: true },
  { name: 'Exponential', params: { rate: [0.5, 3] }, values: [0, 5], fixed: { rate: 1.7 }, outside: [-0.01], invalid: { rate: 0 }, hasQuantile: true },
  { name: 'Gamma', params: { concentration: [0.3, 5], rate: [0.5, 3] }, values: [0.05, 6], fixed: { concentration: 2.5, rate: 1.5 }, outside: [0, -1], invalid: { concentration: 0, rate: -1 }, hasQuantile: false },
  { name: 'InverseGamma', params: { concentration: [0.5, 5], scale: [0.5, 3] }, values: [0.1, 5], fixed: { concentration: 3.5, scale: 2 }, outside: [0, -2], invalid: { concentration: -1, scale: 0 }, hasQuantile: false },
  { name: 'Beta', params: { concentration1: [0.3, 4], concentration0: [0.3, 4] }, values: [0.02, 0.98], fixed: { concentration1: 2.5, concentration0: 1.5 }, outside: [-0.1, 1.2], invalid: { concentration1: 0, concentration0: -2 }, hasQuantile: false },
  { name: 'Chi2', params: { df: [0.5, 8] }, values: [0.05, 10], fixed: { df: 3 }, outside: [0, -1], invalid: { df: 0 }, hasQuantile: false },
  { name: 'Weibull', params: { concentration: [0.5, 4], scale: [0.5, 2] }, values: [0.05, 4], fixed: { concentration: 1.8, scale: 1.3 }, outside: [-0.5], invalid: { concentration: 0, scale: -1 }, hasQuantile: true },
  { name: 'Pareto', params: { concentration: [0.5, 5], scale: [0.5, 1] }, values: [1, 5], fixed: { concentration: 3.5, scale: 0.8 }, outside: [0.79, 0], invalid: { concentration: 0, scale: -1 }, hasQuantile: true },
  { name: 'VonMises', params: { loc: [-1, 1], concentration: [0, 10] }, values: [-Math.PI, Math.PI], fixed: { loc: 0.5, concentration: 2.5 }, outside: [3.5, -4], invalid: { concentration: -0.1 }, hasQuantile: false },
];

/** Shapes of the first, second and third parameter: they broadcast to [3, 2] (one parameter: [3, 2] itself). */
const paramShapes = [[3, 1], [2], []];
const shapeOf = (c: Case, i: number) => (Object.keys(c.params).length === 1 ? [3, 2] : paramShapes[i]);
/** Shape of the values: with the batch, results have shape [4, 3, 2]. */
const valueShape = [4, 1, 1];

/** Random parameters (float64 tensors and their values) of broadcasting shapes. */
function batchParams(c: Case, seed: number): { tensors: Record<string, rv.Tensor>; refs: Record<string, Ref> } {
  const rng = makeRng(seed);
  const tensors: Record<string, rv.Tensor> = {};
  const refs: Record<string, Ref> = {};
  Object.entries(c.params).forEach(([name, [lo, hi]], i) => {
    const shape = shapeOf(c, i);
    const values = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * rng());
    tensors[name] = rv.tensor(values, shape, 'float64');
    refs[name] = { values, shape };
  });
  return { tensors, refs };
}

function uniformValues(range: [number, number], n: number, seed: number): number[] {
  const rng = makeRng(seed);
  return Array.from({ length: n }, () => range[0] + (range[1] - range[0]) * rng());
}

/** The reference of fn over broadcast parameters (and values, when given), as elementwiseReference. */
function referenceOver(refs: Record<string, Ref>, fn: (p: Params, x: number) => number, x?: Ref): Ref {
  const names = Object.keys(refs);
  const inputs = [...(x ? [x] : []), ...names.map((k) => refs[k])];
  return elementwiseReference(inputs, (...v) => {
    const p: Params = {};
    names.forEach((k, i) => { p[k] = v[(x ? 1 : 0) + i]; });
    return fn(p, x ? v[0] : NaN);
  });
}

function assertMatches(t: rv.Tensor, expected: Ref, tol: Tolerance, what: string): void {
  assert.deepEqual([...t.shape], expected.shape, `${what}: shape`);
  assert.equal(t.dtype, 'float64', `${what}: dtype`);
  assertClose(t.dataSync(), expected.values, tol, what);
}

// Every quantity is computed in float64 from a few special-function values, each within a few
// ulp, and a handful of arithmetic operations: 1e-12 leaves room for about 10 roundings of the
// terms that cancel in the sums.
const tight: Tolerance = { rtol: 1e-12, atol: 1e-12 };

for (const c of cases) {
  const ref = references[c.name];
  const Family = D[c.name];
  const seed = c.name.length * 7919;

  describe(`${c.name}`, () => {
    it('logProb matches the reference density over broadcast parameters and values', () => {
      const { tensors, refs } = batchParams(c, seed);
      const x: Ref = { values: uniformValues(c.values, 4, seed + 1), shape: valueShape };
      const d = new Family(tensors);
      assert.deepEqual([...d.batchShape], [3, 2]);
      assert.equal(d.dtype, 'float64');
      const got = d.logProb(rv.tensor(x.values, x.shape, 'float64'));
      assertMatches(got, referenceOver(refs, (p, v) => ref.logProb(v, p), x), tight, `${c.name}.logProb`);
      const prob = d.prob(rv.tensor(x.values, x.shape, 'float64'));
      assertMatches(prob, referenceOver(refs, (p, v) => Math.exp(ref.logProb(v, p)), x), tight, `${c.name}.prob`);
    });

    if (ref.cdf) {
      const cdf = ref.cdf;
      it('cdf and logCdf match the reference CDF over broadcast parameters and values', () => {
        const { tensors, refs } = batchParams(c, seed);
        const x: Ref = { values: uniformValues(c.values, 4, seed + 2), shape: valueShape };
        const d = new Family(tensors);
        const values = rv.tensor(x.values, x.shape, 'float64');
        assertMatches(d.cdf(values), referenceOver(refs, (p, v) => cdf(v, p), x), tight, `${c.name}.cdf`);
        assertMatches(d.logCdf(values), referenceOver(refs, (p, v) => Math.log(cdf(v, p)), x), tight, `${c.name}.logCdf`);
        assertMatches(d.survivalFunction(values), referenceOver(refs, (p, v) => 1 - cdf(v, p), x), tight, `${c.name}.survivalFunction`);
      });
    } else {
      it('has no cdf (no closed form)', () => {
        const d = new Family(c.fixed);
        assertThrowsNamed(() => d.cdf(0.5), c.name, 'cdf', 'not available');
      });
    }

    if (c.hasQuantile) {
      it('quantile inverts the reference CDF, tails included', () => {
        const { tensors, refs } = batchParams(c, seed);
        const d = new Family(tensors);
        const probs = [1e-9, 1e-3, 0.2, 0.5, 0.77, 0.999, 1 - 1e-9];
        const p: Ref = { values: probs, shape: [7, 1, 1] };
        const q = d.quantile(rv.tensor(probs, p.shape, 'float64'));
        assert.deepEqual([...q.shape], [7, 3, 2]);
        // Back through the reference CDF: the error of a correctly rounded quantile is one ulp of
        // x times the density, a few units of 1e-16 relative to min(p, 1 − p) here.
        const cdf = ref.cdf!;
        const back = referenceOver(refs, (params, x) => cdf(x, params), { values: Array.from(q.dataSync()), shape: [7, 3, 2] });
        const target = referenceOver(refs, (_params, pv) => pv, p).values;
        back.values.forEach((got, i) => {
          const err = Math.abs(got - target[i]);
          assert.ok(err <= 1e-10 * Math.min(target[i], 1 - target[i]) + 1e-15, `${c.name}.quantile(${target[i]}) [${i}] = ${q.dataSync()[i]}: cdf there is ${got} (error ${err})`);
        });
      });
    } else {
      it('has no quantile (no closed form)', () => {
        assertThrowsNamed(() => new Family(c.fixed).quantile(0.5), c.name, 'quantile', 'not available');
      });
    }

    it('mean, variance, stddev, mode and entropy match closed forms over the batch', () => {
      const { tensors, refs } = batchParams(c, seed);
      const d = new Family(tensors);
      assertMatches(d.mean(), referenceOver(refs, (p) => ref.mean(p)), tight, `${c.name}.mean`);
      assertMatches(d.variance(), referenceOver(refs, (p) => ref.variance(p)), tight, `${c.name}.variance`);
      assertMatches(d.stddev(), referenceOver(refs, (p) => Math.sqrt(ref.variance(p))), tight, `${c.name}.stddev`);
      assertMatches(d.entropy(), referenceOver(refs, (p) => ref.entropy(p)), tight, `${c.name}.entropy`);
      if (ref.mode) assertMatches(d.mode(), referenceOver(refs, (p) => ref.mode!(p)), tight, `${c.name}.mode`);
      else assertThrowsNamed(() => d.mode(), c.name, 'mode');
    });

    it('the reference density integrates to 1, and mean, variance and entropy agree with quadrature of it', () => {
      const p = c.fixed;
      const d = new Family(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, rv.scalar(v, 'float64')])));
      const density = (x: number) => Math.exp(ref.logProb(x, p));
      const domain = ref.domain(p);
      // The quadrature is good to about 1e-13; heavy tails (Cauchy, Pareto) and endpoint
      // singularities cost a few digits, so 1e-9.
      const quad: Tolerance = { rtol: 1e-9, atol: 1e-9 };
      assertClose([integrate(density, domain)], [1], quad, `${c.name}: ∫ density`);
      const entropy = integrate((x) => -density(x) * ref.logProb(x, p), domain);
      assertClose(d.entropy().dataSync(), [entropy], quad, `${c.name}.entropy vs quadrature`);
      const mean = d.mean().dataSync()[0];
      if (ref.circular) {
        const meanCosine = integrate((x) => density(x) * Math.cos(x - p.loc), domain);
        assertClose(d.variance().dataSync(), [1 - meanCosine], quad, `${c.name}.variance vs quadrature`);
      } else if (Number.isFinite(mean)) {
        assertClose([mean], [integrate((x) => x * density(x), domain)], quad, `${c.name}.mean vs quadrature`);
        const variance = d.variance().dataSync()[0];
        if (Number.isFinite(variance)) assertClose([variance], [integrate((x) => (x - mean) ** 2 * density(x), domain)], quad, `${c.name}.variance vs quadrature`);
      }
    });

    it('statistics and log densities have the batch shape; float32 parameters give float32 results', () => {
      const d = new Family(c.fixed);
      assert.equal(d.dtype, 'float32');
      assert.deepEqual([...d.batchShape], []);
      const x = (c.values[0] + c.values[1]) / 2;
      const lp = d.logProb(x);
      assert.equal(lp.dtype, 'float32');
      assertClose(lp.dataSync(), [ref.logProb(x, c.fixed)], { rtol: 1e-5, atol: 1e-6 }, `${c.name}.logProb float32`);
      assertClose(d.entropy().dataSync(), [ref.entropy(c.fixed)], { rtol: 1e-5, atol: 1e-6 }, `${c.name}.entropy float32`);
      assert.deepEqual([...d.sample([5], { seed: 3 }).shape], [5]);
    });

    it('validateArgs: invalid parameters throw an Error naming the distribution and parameter', () => {
      for (const [name, bad] of Object.entries(c.invalid)) {
        assertThrowsNamed(() => new Family({ ...c.fixed, [name]: bad }), c.name, name);
        assert.doesNotThrow(() => new Family({ ...c.fixed, [name]: bad, validateArgs: false }), `${c.name}: validateArgs false`);
      }
      const checked = Object.keys(c.invalid)[0];
      assertThrowsNamed(() => new Family({ ...c.fixed, [checked]: [NaN, c.fixed[checked]] }), c.name, checked);
    });

    if (c.outside.length > 0) {
      it('values outside the support: -Infinity log-probability, or an Error with validateArgs', () => {
        const loose = new Family({ ...c.fixed, validateArgs: false });
        const lp = loose.logProb(rv.tensor(c.outside, [c.outside.length], 'float64'));
        assert.deepEqual(Array.from(lp.dataSync()), c.outside.map(() => -Infinity));
        assertThrowsNamed(() => new Family(c.fixed).logProb(c.outside[0]), c.name, 'logProb', 'support');
      });
    }
  });
}

describe('continuous distributions: construction', () => {
  it('parameters that do not broadcast are an Error naming the distribution', () => {
    assertThrowsNamed(() => new rv.distributions.Normal({ loc: [0, 1, 2], scale: [1, 2] }), 'Normal', 'broadcast');
    assertThrowsNamed(() => new rv.distributions.Gamma({ concentration: [[1, 2]], rate: [1, 2, 3] }), 'Gamma', 'broadcast');
  });

  it('a float64 tensor parameter makes the distribution float64; JS values follow it', () => {
    const d = new rv.distributions.StudentT({ df: 3, loc: rv.tensor([0, 1], [2], 'float64'), scale: 1 });
    assert.equal(d.dtype, 'float64');
    assert.equal(d.df.dtype, 'float64');
    assert.equal(d.sample([2], { seed: 1 }).dtype, 'float64');
  });

  it('uses the given name in messages', () => {
    assertThrowsNamed(() => new rv.distributions.Normal({ loc: 0, scale: -1, name: 'prior' }), 'prior', 'scale');
  });

  it('supports: Uniform, Pareto and HalfCauchy bounds follow their parameters', () => {
    const u = new rv.distributions.Uniform({ low: rv.tensor([0, 1], [2], 'float64'), high: [1, 3], validateArgs: false });
    assert.deepEqual(Array.from(u.logProb([1.5, 1.5]).dataSync()), [-Infinity, -Math.log(2)]);
    const p = new rv.distributions.Pareto({ concentration: 2, scale: [1, 2], validateArgs: false });
    assert.equal(p.logProb([1.5, 1.5]).dataSync()[1], -Infinity);
    const h = new rv.distributions.HalfCauchy({ loc: [0, 2], scale: 1, validateArgs: false });
    assert.equal(h.logProb([1, 1]).dataSync()[1], -Infinity);
  });

  it('cdfs are 0 below the support and 1 above it', () => {
    const below: [rv.distributions.Distribution, number][] = [
      [new rv.distributions.Exponential({ rate: 2 }), -1], [new rv.distributions.Gamma({ concentration: 2, rate: 1 }), -1],
      [new rv.distributions.InverseGamma({ concentration: 2, scale: 1 }), -1], [new rv.distributions.Beta({ concentration1: 2, concentration0: 3 }), -0.5],
      [new rv.distributions.Chi2({ df: 3 }), -2], [new rv.distributions.Weibull({ concentration: 2, scale: 1 }), -1],
      [new rv.distributions.Pareto({ concentration: 2, scale: 1 }), 0.5], [new rv.distributions.HalfNormal({ scale: 1 }), -1],
      [new rv.distributions.HalfCauchy({ loc: 1, scale: 1 }), 0], [new rv.distributions.LogNormal({ loc: 0, scale: 1 }), -1],
      [new rv.distributions.Uniform({ low: 0, high: 1 }), -1],
    ];
    for (const [d, x] of below) assert.ok(d.cdf(x).dataSync()[0] === 0, `${d.name}.cdf(${x}) = ${d.cdf(x).dataSync()[0]}`);
    assert.equal(new rv.distributions.Uniform({ low: 0, high: 1 }).cdf(2).dataSync()[0], 1);
    assert.equal(new rv.distributions.Beta({ concentration1: 2, concentration0: 3 }).cdf(1.5).dataSync()[0], 1);
  });

  it('Normal.logCdf keeps its accuracy far in the left tail', () => {
    const z = [-60, -40, -37.5, -37, -36.5, -20, -5, 0, 3];
    const d = new rv.distributions.Normal({ loc: rv.scalar(0, 'float64'), scale: 1 });
    // The series branch is good to its first omitted term, about 2e-17 relative at z = −37.
    assertClose(d.logCdf(rv.tensor(z, [z.length], 'float64')).dataSync(), z.map(logNormalCdf), { rtol: 1e-14, atol: 1e-16 }, 'Normal.logCdf');
  });

  it('logCdf of the closed-form families stays finite where the cdf underflows', () => {
    const f64 = (v: number) => rv.scalar(v, 'float64');
    assert.ok(Number.isFinite(new rv.distributions.Logistic({ loc: f64(0), scale: 1 }).logCdf(-800).dataSync()[0]));
    assert.ok(Number.isFinite(new rv.distributions.Laplace({ loc: f64(0), scale: 1 }).logCdf(-800).dataSync()[0]));
    assertClose(new rv.distributions.Gumbel({ loc: f64(0), scale: 1 }).logCdf(-5).dataSync(), [-Math.exp(5)], { rtol: 1e-15, atol: 0 }, 'Gumbel.logCdf');
    assertClose(new rv.distributions.Exponential({ rate: f64(1) }).logCdf(1e-20).dataSync(), [Math.log(1e-20)], { rtol: 1e-15, atol: 0 }, 'Exponential.logCdf');
  });
});

describe('parameter range checks', () => {
  it('test JS numbers as stored: a scale that float32 rounds to 0 is rejected, as a tensor of it is', () => {
    assert.throws(() => new rv.distributions.Normal({ loc: 0, scale: 1e-46 }), /Normal: scale must be positive/);
    assert.throws(() => new rv.distributions.Normal({ loc: 0, scale: rv.tensor([1, 0]) }), /Normal: scale must be positive/);
    assert.throws(() => new rv.distributions.Bernoulli({ probs: [0.5, 1.5] }), /probs must lie in \[0, 1\]/);
    assert.throws(() => new rv.distributions.Binomial({ totalCount: [3, 2.5], probs: 0.5 }), /totalCount must be a non-negative integer/);
    new rv.distributions.Normal({ loc: 0, scale: 1e-44 });  // positive in float32
    new rv.distributions.Normal({ loc: rv.scalar(0, 'float64'), scale: 1e-46 });  // float64 beside a float64 loc
  });
});
