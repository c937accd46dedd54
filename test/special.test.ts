/**
 * Special functions against references computed in this test, independently of the native
 * code (test/special-reference.ts: 320-bit arithmetic from defining series, continued fractions,
 * Stirling's series after shifting, Newton's method on the forward functions), against exact
 * identities (lgamma(n) = log((n-1)!) in BigInt, P(n, x) as a finite sum, I_x(a, b) as a
 * binomial sum), and against published table values. Errors are measured in ulps over
 * thousands of fixed-seed points per function in float64; the bound for every function is the
 * documented "few ulp" (4), except where a function's own condition number makes a relative
 * error meaningless (lgamma and digamma near their negative zeros, betaln where it crosses
 * zero): there the error is measured in ulps of the sum of the terms' magnitudes, which is the
 * error a perturbation of the inputs by an ulp produces. The measured maxima on this machine
 * are in the comments.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { assertThrowsNamed, broadcastShape, makeRng, nonContiguous, readBroadcast, sizeOf, unravel } from './helpers';
import * as R from './special-reference';

type Fn = (...args: rv.Tensor[]) => rv.Tensor;
type Exact = R.Big | number;  // a number stands for NaN or an infinity, matched exactly

/** The op applied to float64 columns of inputs, in one call. */
function evaluate(fn: Fn, ...columns: number[][]): Float64Array {
  return rv.tidy(() => fn(...columns.map((c) => rv.tensor(c, [c.length], 'float64'))).dataSync() as Float64Array);
}

/** The largest error in ulps (of max(|exact|, |scale|) when a scale is given), and where. */
function maxError(got: ArrayLike<number>, exact: Exact[], scales?: R.Big[], dtype: 'float32' | 'float64' = 'float64') {
  let worst = { ulps: 0, index: -1 };
  for (let i = 0; i < exact.length; i++) {
    const e = exact[i];
    let ulps: number;
    if (typeof e === 'number') ulps = Object.is(got[i], e) || (Number.isNaN(e) && Number.isNaN(got[i])) ? 0 : Infinity;
    else ulps = R.ulpError(got[i], e, dtype, scales?.[i]);
    if (ulps > worst.ulps) worst = { ulps, index: i };
  }
  return worst;
}

/** RV_SPECIAL_REPORT=1 prints each measured maximum (to refresh the numbers in the comments). */
const report = process.env.RV_SPECIAL_REPORT === '1';

function assertAccurate(what: string, inputs: number[][], got: ArrayLike<number>, exact: Exact[], bound: number, scales?: R.Big[]) {
  const { ulps, index } = maxError(got, exact, scales);
  if (report) console.log(`      ${what}: ${ulps.toFixed(2)} ulp at (${inputs.map((c) => c[index]).join(', ')})`);
  const at = index >= 0 ? inputs.map((c) => c[index]).join(', ') : '';
  const want = index >= 0 ? (typeof exact[index] === 'number' ? exact[index] : R.toNumber(exact[index] as R.Big)) : '';
  assert.ok(ulps <= bound, `${what}: ${ulps.toFixed(2)} ulp at (${at}): got ${got[index]}, exact ${want}`);
}

const uniform = (rng: () => number, lo: number, hi: number) => lo + (hi - lo) * rng();
const logUniform = (rng: () => number, lo: number, hi: number) => Math.exp(uniform(rng, Math.log(lo), Math.log(hi)));
const points = (n: number, f: () => number) => Array.from({ length: n }, f);
const b = R.big;

/** The bound on float64 errors: "a few ulp". */
const FEW = 4;

// ---------------------------------------------------------------------------------------------
// References from exact identities

/** lgamma(n) = log((n - 1)!) with the factorial in BigInt. */
function lgammaOfInteger(n: number): R.Big {
  let f = 1n;
  for (let k = 2n; k < BigInt(n); k++) f *= k;
  return R.log(R.ratio(f, 1n));
}

/** P(n, x) = e^-x sum_{k>=n} x^k / k! and Q(n, x) = e^-x sum_{k<n} x^k / k! for integer n, both sums of positive terms. */
function igammaOfInteger(n: number, x: number): { p: R.Big; q: R.Big } {
  const X = b(x);
  let term = R.ONE;
  let q = R.ONE;
  for (let k = 1; k < n; k++) {
    term = R.divN(R.mul(term, X), k);
    q = R.add(q, term);
  }
  let p = R.big(0);
  for (let k = n; k < n + 100000; k++) {
    term = R.divN(R.mul(term, X), k);
    p = R.add(p, term);
    if (term.e + R.PREC < p.e - 8) break;
  }
  const ex = R.exp(R.neg(X));
  return { p: R.mul(p, ex), q: R.mul(q, ex) };
}

/** I_x(a, b) = sum_{j=a}^{a+b-1} C(a+b-1, j) x^j (1-x)^(a+b-1-j) for integer a, b. */
function betaincOfIntegers(a: number, bb: number, x: number): R.Big {
  const n = a + bb - 1;
  const X = b(x);
  const Y = R.sub(R.ONE, X);
  // The first term C(n, a) x^a y^(n-a) exactly in BigInt, the rest by the ratio (n-j+1)/j x/y.
  let c = 1n;
  for (let j = 1; j <= a; j++) c = (c * BigInt(n - j + 1)) / BigInt(j);
  let term = R.mul(R.ratio(c, 1n), R.exp(R.add(R.mulN(R.log(X), a), R.mulN(R.log(Y), n - a))));
  let sum = term;
  const xy = R.div(X, Y);
  for (let j = a + 1; j <= n; j++) {
    term = R.mul(R.mul(term, R.ratio(BigInt(n - j + 1), BigInt(j))), xy);
    sum = R.add(sum, term);
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------

describe('special functions: float64 accuracy against high-precision references', function () {
  this.timeout(300000);

  it('lgamma: within 4 ulp on (0, 1e300), and 4 ulp of the terms on the negative axis', () => {
    const rng = makeRng(101);
    const x = [
      ...points(800, () => uniform(rng, 0, 3)),
      ...points(300, () => uniform(rng, 3, 30)),
      ...points(300, () => logUniform(rng, 30, 1e300)),
      ...points(300, () => logUniform(rng, 1e-300, 1e-2)),
    ];
    // Measured: 2.0 ulp (at 8.24; up to 2.3 in wider sweeps).
    assertAccurate('lgamma on (0, 1e300)', [x], evaluate(rv.lgamma, x), x.map((v) => R.lgamma(b(v))), FEW);

    const neg = points(600, () => uniform(rng, -30, 0));
    const exact = neg.map((v) => R.lgamma(b(v)));
    // The condition scale |x digamma(x)| + |lgamma(x)|: lgamma's own sensitivity to x.
    const scales = neg.map((v, i) => R.add(R.abs(R.mul(b(v), R.digamma(b(v)))), R.abs(exact[i])));
    // Measured: 1.7 ulp of the scale (the relative error reaches ~50 ulp next to the zeros of lgamma).
    assertAccurate('lgamma on (-30, 0)', [neg], evaluate(rv.lgamma, neg), exact, FEW, scales);
  });

  it('lgamma(n) equals log((n-1)!) from BigInt factorials', () => {
    const n = [1, 2, 3, 4, 5, 10, 20, 50, 100, 170, 171, 500, 1000, 4000];
    // Measured: 1.1 ulp.
    assertAccurate('lgamma(n)', [n], evaluate(rv.lgamma, n), n.map(lgammaOfInteger), FEW);
  });

  it('digamma: within 4 ulp on (0, 1e300), and 4 ulp of the terms on the negative axis', () => {
    const rng = makeRng(102);
    const x = [
      ...points(800, () => uniform(rng, 0, 3)),
      ...points(300, () => uniform(rng, 3, 40)),
      ...points(300, () => logUniform(rng, 40, 1e300)),
      ...points(300, () => logUniform(rng, 1e-300, 1e-2)),
    ];
    // Measured: 1.9 ulp (at 1.23).
    assertAccurate('digamma on (0, 1e300)', [x], evaluate(rv.digamma, x), x.map((v) => R.digamma(b(v))), FEW);

    const neg = points(600, () => uniform(rng, -30, 0));
    const exact = neg.map((v) => R.digamma(b(v)));
    // Scale |x digamma'(x)| + |digamma(x)|, with digamma'(x) from the difference of digammas an
    // ulp apart in the reference (plenty accurate at 320 bits).
    const scales = neg.map((v, i) => {
      const h = R.ldexp(b(v), -60);
      const slope = R.div(R.sub(R.digamma(R.add(b(v), h)), exact[i]), h);
      return R.add(R.abs(R.mul(b(v), slope)), R.abs(exact[i]));
    });
    // Measured: 0.5 ulp of the scale (the relative error reaches ~500 ulp next to the zeros).
    assertAccurate('digamma on (-30, 0)', [neg], evaluate(rv.digamma, neg), exact, FEW, scales);
  });

  it('digamma(n) equals -gamma + H(n-1)', () => {
    const n = [1, 2, 3, 7, 10, 50, 1000];
    const exact = n.map((k) => {
      let h = R.big(0);
      for (let j = 1; j < k; j++) h = R.add(h, R.ratio(1n, BigInt(j)));
      return R.sub(h, R.EULER);
    });
    // Measured: 0.7 ulp.
    assertAccurate('digamma(n)', [n], evaluate(rv.digamma, n), exact, FEW);
  });

  it('erf and erfc: within 4 ulp, erfc keeping its relative accuracy down to its underflow at 27.2', () => {
    const rng = makeRng(103);
    const x = [...points(1200, () => uniform(rng, -6, 6)), ...points(300, () => logUniform(rng, 1e-300, 0.5))];
    // Measured: erf 2.0 ulp.
    assertAccurate('erf', [x], evaluate(rv.erf, x), x.map((v) => R.erf(b(v))), FEW);
    const xc = [...points(1200, () => uniform(rng, -6, 27.2)), ...points(300, () => uniform(rng, -1, 1))];
    // Measured: erfc 3.1 ulp (at 20.8, where the result is 1e-189).
    assertAccurate('erfc', [xc], evaluate(rv.erfc, xc), xc.map((v) => R.erfc(b(v))), FEW);
  });

  it('erfinv: within 4 ulp on (-1, 1), including next to ±1', () => {
    const rng = makeRng(104);
    const y = [
      ...points(800, () => uniform(rng, -1, 1)),
      ...points(400, () => (rng() < 0.5 ? 1 : -1) * (1 - logUniform(rng, 1e-16, 0.5))),
      ...points(200, () => logUniform(rng, 1e-300, 0.5)),
    ];
    const got = evaluate(rv.erfinv, y);
    // Measured: 2.0 ulp.
    assertAccurate('erfinv', [y], got, y.map((v, i) => R.erfinv(v, got[i])), FEW);
  });

  it('ndtri: within 4 ulp on (0, 1), both tails down to subnormal p', () => {
    const rng = makeRng(105);
    const p = [
      ...points(600, () => rng()),
      ...points(400, () => logUniform(rng, 5e-324, 0.25)),
      ...points(300, () => 1 - logUniform(rng, 1e-16, 0.25)),
    ];
    const got = evaluate(rv.ndtri, p);
    // Measured: 2.2 ulp.
    assertAccurate('ndtri', [p], got, p.map((v, i) => R.ndtri(v, got[i])), FEW);
  });

  it('log1pexp and log1mexp: within 4 ulp, exact in the far tails', () => {
    const rng = makeRng(106);
    const x = points(600, () => uniform(rng, -800, 800));
    // Measured: 0.6 ulp.
    const softplusExact = (v: number) => (v > 0 ? R.add(b(v), R.log1p(R.exp(b(-v)))) : R.log1p(R.exp(b(v))));
    assertAccurate('log1pexp', [x], evaluate(rv.log1pexp, x), x.map(softplusExact), FEW);
    const xm = [...points(600, () => -logUniform(rng, 1e-300, 700)), ...points(100, () => logUniform(rng, 1e-10, 30))];
    // Measured: 0.7 ulp (log(1 - e^-|x|): positive x give the same as -x, TensorFlow Probability's convention).
    assertAccurate('log1mexp', [xm], evaluate(rv.log1mexp, xm), xm.map((v) => R.log(R.neg(R.expm1(b(-Math.abs(v)))))), FEW);
  });

  it('besselI0e and besselI1e: within 4 ulp on (-1e300, 1e300)', () => {
    const rng = makeRng(107);
    const x = [
      ...points(800, () => uniform(rng, -30, 30)),
      ...points(200, () => (rng() < 0.5 ? -1 : 1) * logUniform(rng, 30, 1e300)),
      ...points(100, () => logUniform(rng, 1e-300, 1)),
    ];
    // Measured: I0e 2.3 ulp, I1e 2.1 ulp.
    assertAccurate('besselI0e', [x], evaluate(rv.besselI0e, x), x.map((v) => R.besselIe(0, b(v))), FEW);
    assertAccurate('besselI1e', [x], evaluate(rv.besselI1e, x), x.map((v) => R.besselIe(1, b(v))), FEW);
  });

  it('betaln: within 4 ulp for large arguments, 4 ulp of the terms where it crosses zero', () => {
    const rng = makeRng(108);
    const pairs: [number, number][] = [
      ...points(300, () => [logUniform(rng, 1e-5, 10), logUniform(rng, 1e-5, 10)] as [number, number]),
      ...points(300, () => [logUniform(rng, 1e-5, 10), logUniform(rng, 10, 1e10)] as [number, number]),
      ...points(300, () => [logUniform(rng, 10, 1e10), logUniform(rng, 10, 1e10)] as [number, number]),
    ];
    const a = pairs.map((p) => p[0]);
    const bb = pairs.map((p) => p[1]);
    const exact = pairs.map(([u, v]) => R.betaln(b(u), b(v)));
    // Scale: |a (digamma(a) - digamma(a+b))| + |b (digamma(b) - digamma(a+b))| + |betaln|.
    const scales = pairs.map(([u, v], i) => {
      const s = R.digamma(R.add(b(u), b(v)));
      const da = R.mul(b(u), R.sub(R.digamma(b(u)), s));
      const db = R.mul(b(v), R.sub(R.digamma(b(v)), s));
      return R.add(R.add(R.abs(da), R.abs(db)), R.abs(exact[i]));
    });
    // Measured: 1.0 ulp of the scale; in plain relative terms 2.1 ulp where both are >= 10.
    assertAccurate('betaln', [a, bb], evaluate(rv.betaln, a, bb), exact, FEW, scales);
    assertAccurate('betaln, both >= 10', [a.slice(600), bb.slice(600)], evaluate(rv.betaln, a.slice(600), bb.slice(600)), exact.slice(600), FEW);
  });

  it('xlogy and xlog1py: within 1 ulp', () => {
    const rng = makeRng(109);
    const x = points(400, () => uniform(rng, -10, 10));
    const y = points(400, () => logUniform(rng, 1e-300, 1e300));
    // Measured: xlogy 0.5 ulp, xlog1py 0.9 ulp.
    assertAccurate('xlogy', [x, y], evaluate(rv.xlogy, x, y), x.map((v, i) => R.mul(b(v), R.log(b(y[i])))), 1);
    const y1 = points(400, () => (rng() < 0.5 ? -1 : 1) * logUniform(rng, 1e-300, 0.99));
    assertAccurate('xlog1py', [x, y1], evaluate(rv.xlog1py, x, y1), x.map((v, i) => R.mul(b(v), R.log1p(b(y1[i])))), 1);
  });

  it('igamma and igammac: within 4 ulp for a in (1e-3, 300), both computed directly where each is small', () => {
    const rng = makeRng(110);
    const a: number[] = [];
    const x: number[] = [];
    const push = (u: number, v: number) => { a.push(u); x.push(v); };
    for (let i = 0; i < 400; i++) push(logUniform(rng, 1e-3, 1), logUniform(rng, 1e-3, 30));
    for (let i = 0; i < 400; i++) push(uniform(rng, 1, 20), logUniform(rng, 1e-2, 60));
    for (let i = 0; i < 300; i++) {
      // Around the bulk: a +- 5 standard deviations, where Temme's expansion takes over (a >= 20).
      const u = logUniform(rng, 20, 300);
      push(u, Math.max(1e-3, u + 5 * Math.sqrt(u) * uniform(rng, -1, 1)));
    }
    const exact = a.map((u, i) => R.igamma(b(u), b(x[i])));
    // Measured: igamma 2.5 ulp, igammac 2.8 ulp (3.2 over 20000 points against mpmath).
    assertAccurate('igamma', [a, x], evaluate(rv.igamma, a, x), exact.map((e) => e.p), FEW);
    assertAccurate('igammac', [a, x], evaluate(rv.igammac, a, x), exact.map((e) => e.q), FEW);
  });

  it('igamma and igammac for integer a up to 5000 equal the finite Poisson sums', () => {
    const rng = makeRng(111);
    const a: number[] = [];
    const x: number[] = [];
    for (const n of [1, 2, 5, 30, 100, 500, 2000, 5000]) {
      for (let i = 0; i < 6; i++) {
        a.push(n);
        x.push(Math.max(1e-3, n + 6 * Math.sqrt(n) * uniform(rng, -1, 1)));
      }
    }
    const exact = a.map((n, i) => igammaOfInteger(n, x[i]));
    // Measured: igamma 2.0 ulp, igammac 1.6 ulp.
    assertAccurate('igamma(n, x)', [a, x], evaluate(rv.igamma, a, x), exact.map((e) => e.p), FEW);
    assertAccurate('igammac(n, x)', [a, x], evaluate(rv.igammac, a, x), exact.map((e) => e.q), FEW);
  });

  it('betainc: within 4 ulp for a, b in (0.01, 1000)', () => {
    const rng = makeRng(112);
    const a: number[] = [];
    const bb: number[] = [];
    const x: number[] = [];
    const push = (u: number, v: number, w: number) => { a.push(u); bb.push(v); x.push(w); };
    const nearMean = (u: number, v: number) => {
      const m = u / (u + v);
      const sd = Math.sqrt((u * v) / ((u + v) ** 2 * (u + v + 1)));
      return Math.min(Math.max(m + 4 * sd * uniform(rng, -1, 1), 1e-300), 1 - 2 ** -53);
    };
    for (let i = 0; i < 400; i++) push(logUniform(rng, 0.01, 10), logUniform(rng, 0.01, 10), rng());
    for (let i = 0; i < 200; i++) {
      const [u, v] = rng() < 0.5 ? [logUniform(rng, 0.01, 10), logUniform(rng, 10, 1000)] : [logUniform(rng, 10, 1000), logUniform(rng, 0.01, 10)];
      push(u, v, nearMean(u, v));
    }
    for (let i = 0; i < 200; i++) {
      const u = logUniform(rng, 10, 1000);
      const v = logUniform(rng, 10, 1000);
      push(u, v, nearMean(u, v));
    }
    const exact = a.map((u, i) => R.betainc(b(u), b(bb[i]), b(x[i])));
    // Measured: 2.7 ulp (3.3 over 7000 points against mpmath).
    assertAccurate('betainc', [a, bb, x], evaluate(rv.betainc, a, bb, x), exact, FEW);
  });

  it('betainc in its gamma limits (one parameter beyond 1e9 times the other^1.5): within 4 ulp', () => {
    const rng = makeRng(114);
    const small = points(80, () => logUniform(rng, 0.05, 20));
    const large = small.map((u) => Math.max(u, 1) ** 1.5 * logUniform(rng, 2e9, 1e12));
    const t = small.map((u, i) => (u / large[i]) * logUniform(rng, 0.05, 5));
    // Half with b the large one (x small), half with a the large one (x near 1).
    const a = small.map((u, i) => (i % 2 === 0 ? u : large[i]));
    const bb = small.map((u, i) => (i % 2 === 0 ? large[i] : u));
    const x = t.map((v, i) => (i % 2 === 0 ? v : 1 - v));
    // Measured: 1.5 ulp.
    assertAccurate('betainc(gamma limit)', [a, bb, x], evaluate(rv.betainc, a, bb, x), a.map((u, i) => R.betainc(b(u), b(bb[i]), b(x[i]))), FEW);
  });

  it('betainc for integer a, b up to 4000 equals the binomial sum', () => {
    const rng = makeRng(113);
    const a: number[] = [];
    const bb: number[] = [];
    const x: number[] = [];
    for (const [u, v] of [[1, 1], [1, 5], [3, 2], [10, 10], [40, 3], [200, 150], [1500, 2500], [4000, 20]]) {
      for (let i = 0; i < 5; i++) {
        a.push(u);
        bb.push(v);
        const m = u / (u + v);
        const sd = Math.sqrt((u * v) / ((u + v) ** 2 * (u + v + 1)));
        x.push(Math.min(Math.max(m + 5 * sd * uniform(rng, -1, 1), 1e-6), 1 - 1e-6));
      }
    }
    // Measured: 1.3 ulp.
    assertAccurate('betainc(integers)', [a, bb, x], evaluate(rv.betainc, a, bb, x), a.map((u, i) => betaincOfIntegers(u, bb[i], x[i])), FEW);
  });
});

// ---------------------------------------------------------------------------------------------

describe('special functions: published table values', () => {
  // Each value with the digits its table prints, so the tolerance is half a unit in the last
  // printed place. The high-precision reference must reproduce them as well.
  const cases: [string, Fn, number[], number, number][] = [
    // Abramowitz & Stegun 6.1.8: Gamma(1/2) = sqrt(pi); log sqrt(pi) = 0.5723649429247001.
    ['lgamma(0.5)', rv.lgamma, [0.5], 0.5723649429247001, 5e-17],
    // A&S Table 6.1: Gamma(1.25) = 0.9064024771, Gamma(1.75) = 0.9190625268 (10 decimals).
    ['exp(lgamma(1.25))', (x) => rv.exp(rv.lgamma(x)), [1.25], 0.9064024771, 5e-11],
    ['exp(lgamma(1.75))', (x) => rv.exp(rv.lgamma(x)), [1.75], 0.9190625268, 5e-11],
    // A&S 6.3.2 and 6.3.3: psi(1) = -0.5772156649015329, psi(1/2) = -1.9635100260214235.
    ['digamma(1)', rv.digamma, [1], -0.5772156649015329, 5e-17],
    ['digamma(0.5)', rv.digamma, [0.5], -1.9635100260214235, 5e-16],
    // A&S Table 7.1 (erf to 15 decimals): erf(0.5) = 0.520499877813047, erf(1) = 0.842700792949715, erf(2) = 0.995322265018953.
    ['erf(0.5)', rv.erf, [0.5], 0.520499877813047, 5e-16],
    ['erf(1)', rv.erf, [1], 0.842700792949715, 5e-16],
    ['erf(2)', rv.erf, [2], 0.995322265018953, 5e-16],
    // A&S Table 26.5 (percentage points of the normal distribution): 1.959963984540, 2.575829303549.
    ['ndtri(0.975)', rv.ndtri, [0.975], 1.95996398454, 5e-13],
    ['ndtri(0.995)', rv.ndtri, [0.995], 2.575829303549, 5e-13],
    // A&S Table 9.8: e^-x I0(x) at 1 and 2: 0.4657596076, 0.3085083226; e^-x I1(x) at 1 and 2: 0.2079104153, 0.2152692892.
    ['besselI0e(1)', rv.besselI0e, [1], 0.4657596076, 5e-11],
    ['besselI0e(2)', rv.besselI0e, [2], 0.3085083226, 5e-11],
    ['besselI1e(1)', rv.besselI1e, [1], 0.2079104153, 5e-11],
    ['besselI1e(2)', rv.besselI1e, [2], 0.2152692892, 5e-11],
  ];
  for (const [what, fn, args, table, tolerance] of cases) {
    it(`${what} = ${table}`, () => {
      const got = evaluate(fn, ...args.map((v) => [v]))[0];
      assert.ok(Math.abs(got - table) <= tolerance, `${what}: got ${got}, table ${table}`);
    });
  }

  it('the high-precision reference reproduces the same table values', () => {
    const close = (x: R.Big, v: number, tol: number) => assert.ok(Math.abs(R.toNumber(x) - v) <= tol, `${R.toNumber(x)} vs ${v}`);
    close(R.lgamma(b(0.5)), 0.5723649429247001, 5e-17);
    close(R.exp(R.lgamma(b(1.25))), 0.9064024771, 5e-11);
    close(R.digamma(b(0.5)), -1.9635100260214235, 5e-16);
    close(R.erf(b(1)), 0.842700792949715, 5e-16);
    close(R.ndtri(0.975, 1.96), 1.95996398454, 5e-13);
    close(R.besselIe(0, b(2)), 0.3085083226, 5e-11);
    close(R.besselIe(1, b(1)), 0.2079104153, 5e-11);
    close(R.EULER, 0.5772156649015329, 5e-17);
  });
});

// ---------------------------------------------------------------------------------------------

describe('special functions: identities', () => {
  const rng = makeRng(201);

  it('lgamma(x + 1) = lgamma(x) + log(x), to a few ulp of the larger term', () => {
    const x = points(500, () => logUniform(rng, 1e-3, 1e6));
    const y0 = evaluate(rv.lgamma, x);
    const y1 = evaluate(rv.lgamma, x.map((v) => v + 1));
    for (let i = 0; i < x.length; i++) {
      if (x[i] + 1 - x[i] !== 1) continue;  // x + 1 rounded
      const scale = Math.max(Math.abs(y0[i]), Math.abs(Math.log(x[i])), Math.abs(y1[i]));
      assert.ok(Math.abs(y1[i] - (y0[i] + Math.log(x[i]))) <= 8 * 2 ** -52 * scale, `x = ${x[i]}`);
    }
  });

  it('digamma(1 - x) - digamma(x) = pi cot(pi x) (reflection)', () => {
    const x = points(300, () => uniform(rng, 0.01, 0.99));
    const d0 = evaluate(rv.digamma, x);
    const d1 = evaluate(rv.digamma, x.map((v) => 1 - v));
    for (let i = 0; i < x.length; i++) {
      if (1 - (1 - x[i]) !== x[i]) continue;
      const r = x[i] <= 0.5 ? x[i] : x[i] - 1;  // cot has period 1; pi r rounds far less than pi x near 1
      const cot = Math.cos(Math.PI * r) / Math.sin(Math.PI * r);
      const scale = Math.max(Math.abs(d0[i]), Math.abs(d1[i]), Math.abs(Math.PI * cot));
      assert.ok(Math.abs(d1[i] - d0[i] - Math.PI * cot) <= 8 * 2 ** -52 * scale, `x = ${x[i]}`);
    }
  });

  it('igamma + igammac = 1', () => {
    const a = points(500, () => logUniform(rng, 1e-3, 1e4));
    const x = a.map((u) => u * logUniform(rng, 0.1, 10));
    const p = evaluate(rv.igamma, a, x);
    const q = evaluate(rv.igammac, a, x);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(p[i] + q[i] - 1) <= 4 * 2 ** -53, `a = ${a[i]}, x = ${x[i]}`);
  });

  it('igamma(1, x) = 1 - e^-x and igamma(1/2, x) = erf(sqrt x)', () => {
    const x = points(200, () => logUniform(rng, 1e-5, 50));
    const one = evaluate(rv.igammac, x.map(() => 1), x);
    const half = evaluate(rv.igamma, x.map(() => 0.5), x);
    const erf = evaluate(rv.erf, x.map(Math.sqrt));
    for (let i = 0; i < x.length; i++) {
      assert.ok(Math.abs(one[i] - Math.exp(-x[i])) <= 4 * 2 ** -52 * Math.exp(-x[i]), `Q(1, ${x[i]})`);
      // sqrt rounds: erf's sensitivity to it is 2/sqrt(pi) sqrt(x) e^-x * 2^-53.
      const slack = 2 ** -52 * (1 + Math.sqrt(x[i]) * Math.exp(-x[i]));
      assert.ok(Math.abs(half[i] - erf[i]) <= 4 * slack, `P(1/2, ${x[i]})`);
    }
  });

  it('erf(erfinv(y)) = y and erfc(erfinv(1 - c)) = c', () => {
    const y = points(400, () => uniform(rng, -1, 1));
    const back = evaluate(rv.erf, Array.from(evaluate(rv.erfinv, y)));
    for (let i = 0; i < y.length; i++) assert.ok(Math.abs(back[i] - y[i]) <= 4 * 2 ** -53, `y = ${y[i]}`);
    // Tails: -log10(c) up to 16 (1 - c must stay distinct from 1). erfc magnifies the relative
    // error of its argument by 2x^2, so a few ulp of x allow 2x^2 times as many in c.
    const c = points(400, () => logUniform(rng, 1e-16, 0.5));
    const x = Array.from(evaluate(rv.erfinv, c.map((v) => 1 - v)));
    const backc = evaluate(rv.erfc, x);
    for (let i = 0; i < c.length; i++) {
      const cc = 1 - (1 - c[i]);  // the c that 1 - c represents exactly
      assert.ok(Math.abs(backc[i] - cc) <= 8 * 2 ** -53 * (1 + 2 * x[i] * x[i]) * cc, `c = ${c[i]}`);
    }
  });

  it('ndtri(Phi(x)) = x, with Phi(x) = erfc(-x / sqrt 2) / 2', () => {
    const x = points(400, () => uniform(rng, -37, 3));
    const phi = Array.from(evaluate((t) => rv.mul(rv.erfc(rv.mul(t, -Math.SQRT1_2)), 0.5), x));
    const back = evaluate(rv.ndtri, phi);
    for (let i = 0; i < x.length; i++) {
      // Phi(x) carries a few ulp (x / sqrt 2 rounds too); the inverse turns a relative error e
      // of Phi into e Phi / phi in x, plus its own few ulp of x.
      const density = Math.exp(-x[i] * x[i] / 2) / Math.sqrt(2 * Math.PI);
      const slack = 8 * 2 ** -53 * (phi[i] / density + Math.abs(x[i]) * (1 + (x[i] * x[i] * phi[i]) / density / Math.max(Math.abs(x[i]), 1)));
      assert.ok(Math.abs(back[i] - x[i]) <= slack, `x = ${x[i]}: ${back[i]}`);
    }
  });

  it('betainc(a, b, x) = 1 - betainc(b, a, 1 - x)', () => {
    const a = points(300, () => logUniform(rng, 0.05, 200));
    const bb = points(300, () => logUniform(rng, 0.05, 200));
    const x = points(300, () => 0.5 + 0.5 * rng());  // 1 - x is exact
    const i1 = evaluate(rv.betainc, a, bb, x);
    const i2 = evaluate(rv.betainc, bb, a, x.map((v) => 1 - v));
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(i1[i] - (1 - i2[i])) <= 6 * 2 ** -53, `(${a[i]}, ${bb[i]}, ${x[i]})`);
  });

  it('betaln(a, b) = betaln(b, a) and betaln(a, 1) = -log(a)', () => {
    const a = points(200, () => logUniform(rng, 1e-3, 1e6));
    const bb = points(200, () => logUniform(rng, 1e-3, 1e6));
    assert.deepEqual(Array.from(evaluate(rv.betaln, a, bb)), Array.from(evaluate(rv.betaln, bb, a)));
    const one = evaluate(rv.betaln, a, a.map(() => 1));
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(one[i] + Math.log(a[i])) <= 4 * 2 ** -52 * Math.max(1, Math.abs(Math.log(a[i]))), `a = ${a[i]}`);
  });
});

// ---------------------------------------------------------------------------------------------

describe('special functions: poles, edges and NaN', () => {
  const values = (fn: Fn, ...columns: number[][]) => Array.from(evaluate(fn, ...columns));
  const same = (got: number[], want: number[], what: string) =>
    want.forEach((w, i) => assert.ok(Object.is(got[i], w) || (Number.isNaN(w) && Number.isNaN(got[i])), `${what}[${i}]: got ${got[i]}, want ${w}`));

  it('lgamma: +Infinity at 0, the negative integers and ±Infinity; 0 at 1 and 2', () => {
    same(values(rv.lgamma, [0, -0, -1, -2, -1e10, Infinity, -Infinity, 1, 2, NaN]), [Infinity, Infinity, Infinity, Infinity, Infinity, Infinity, Infinity, 0, 0, NaN], 'lgamma');
  });

  it('digamma: NaN at the negative integers and -Infinity, -Infinity at +0 and +Infinity at -0', () => {
    same(values(rv.digamma, [-1, -2, -1e10, -Infinity, 0, -0, Infinity, NaN]), [NaN, NaN, NaN, NaN, -Infinity, Infinity, Infinity, NaN], 'digamma');
  });

  it('erf, erfc: limits at ±Infinity; erfinv: ±Infinity at ±1 and NaN outside [-1, 1]', () => {
    same(values(rv.erf, [Infinity, -Infinity, 0, -0, NaN]), [1, -1, 0, -0, NaN], 'erf');
    same(values(rv.erfc, [Infinity, -Infinity, 0, 30, NaN]), [0, 2, 1, 0, NaN], 'erfc');
    same(values(rv.erfinv, [1, -1, 0, 1.0000001, -2, Infinity, NaN]), [Infinity, -Infinity, 0, NaN, NaN, NaN, NaN], 'erfinv');
  });

  it('ndtri: -Infinity at 0, +Infinity at 1, 0 at 1/2, NaN outside [0, 1]', () => {
    same(values(rv.ndtri, [0, 1, 0.5, -0.1, 1.1, NaN]), [-Infinity, Infinity, 0, NaN, NaN, NaN], 'ndtri');
  });

  it('log1mexp: -Infinity at 0, 0 at ±Infinity, even in |x|; log1pexp: exact limits', () => {
    same(values(rv.log1mexp, [0, -0, Infinity, -Infinity, NaN]), [-Infinity, -Infinity, 0, 0, NaN], 'log1mexp');
    assert.deepEqual(values(rv.log1mexp, [2, 1e-5]), values(rv.log1mexp, [-2, -1e-5]));
    same(values(rv.log1pexp, [Infinity, -Infinity, 1000, -1000, NaN]), [Infinity, 0, 1000, 0, NaN], 'log1pexp');
  });

  it('besselI0e, besselI1e: 1 and 0 at 0, 0 at ±Infinity, I1e odd', () => {
    same(values(rv.besselI0e, [0, Infinity, -Infinity, NaN]), [1, 0, 0, NaN], 'besselI0e');
    same(values(rv.besselI1e, [0, Infinity, NaN]), [0, 0, NaN], 'besselI1e');
    const x = [0.3, 5, 40];
    assert.deepEqual(values(rv.besselI1e, x.map((v) => -v)), values(rv.besselI1e, x).map((v) => -v));
  });

  it('xlogy and xlog1py are 0 where x = 0, even for y = 0, Infinity or NaN (TensorFlow semantics)', () => {
    same(values(rv.xlogy, [0, 0, 0, 0, 1, NaN, 2], [0, Infinity, NaN, -1, 0, 1, -1]), [0, 0, 0, 0, -Infinity, NaN, NaN], 'xlogy');
    same(values(rv.xlog1py, [0, 0, 0, 1, 1], [-1, NaN, Infinity, -1, -2]), [0, 0, 0, -Infinity, NaN], 'xlog1py');
  });

  it('igamma, igammac: 0 and 1 at x = 0, 1 and 0 at x = Infinity, NaN for a <= 0, x < 0 or NaN', () => {
    const a = [2, 2, 0.5, 0, -1, 2, NaN, 2, Infinity, Infinity];
    const x = [0, Infinity, Infinity, 1, 1, -1, 1, NaN, 3, Infinity];
    same(values(rv.igamma, a, x), [0, 1, 1, NaN, NaN, NaN, NaN, NaN, 0, NaN], 'igamma');
    same(values(rv.igammac, a, x), [1, 0, 0, NaN, NaN, NaN, NaN, NaN, 1, NaN], 'igammac');
  });

  it('igamma for tiny and huge a: shape 1e-300 and rate-scale 1e15', () => {
    // P(a, x) -> 1 as a -> 0 for any x > 0 (Q = a E1(x) + O(a^2)); P(1e15, 1e15) -> 1/2.
    const p = values(rv.igamma, [1e-300, 1e15, 1e15, 1e15], [1, 1e15, 0.999e15, 1.001e15]);
    assert.equal(p[0], 1);
    assert.ok(Math.abs(p[1] - 0.5) < 1e-7);
    assert.equal(p[2], 0);
    assert.equal(p[3], 1);
    const q = values(rv.igammac, [1e-300], [1]);
    assert.ok(Math.abs(q[0] / (1e-300 * 0.21938393439552029) - 1) < 1e-14, `Q(1e-300, 1) = ${q[0]}`);  // E1(1) = 0.2193839343955203
  });

  it('betainc: 0 at x = 0, 1 at x = 1, NaN for a or b <= 0, x outside [0, 1] or NaN', () => {
    const a = [2, 2, 0, 2, 2, 2, NaN, 2];
    const bb = [3, 3, 1, -1, 3, 3, 1, 3];
    const x = [0, 1, 0.5, 0.5, -0.1, 1.1, 0.5, NaN];
    same(values(rv.betainc, a, bb, x), [0, 1, NaN, NaN, NaN, NaN, NaN, NaN], 'betainc');
  });

  it('betaln: +Infinity at the poles of Gamma, log B for small and huge arguments', () => {
    same(values(rv.betaln, [0, -1, 1, NaN], [1, 2, 1, 1]), [Infinity, Infinity, 0, NaN], 'betaln');
  });
});

// ---------------------------------------------------------------------------------------------

describe('special functions: dtypes, broadcasting, views and errors', () => {
  const unary: [string, Fn, (x: R.Big) => R.Big, [number, number]][] = [
    ['lgamma', rv.lgamma, R.lgamma, [0.01, 50]],
    ['digamma', rv.digamma, R.digamma, [0.01, 50]],
    ['erf', rv.erf, R.erf, [-4, 4]],
    ['erfc', rv.erfc, R.erfc, [-2, 9]],
    ['besselI0e', rv.besselI0e, (x) => R.besselIe(0, x), [-20, 20]],
    ['besselI1e', rv.besselI1e, (x) => R.besselIe(1, x), [-20, 20]],
  ];

  for (const [name, fn, ref, [lo, hi]] of unary) {
    it(`${name} in float32 rounds the exact value: within 1 float32 ulp`, () => {
      const rng = makeRng(300 + name.length);
      const x = Array.from(Float32Array.from(points(300, () => uniform(rng, lo, hi))));
      const got = rv.tidy(() => fn(rv.tensor(x, [x.length], 'float32')).dataSync());
      // Measured: at most 0.5 ulp plus the double result's few 1e-16 (under 0.51 ulp).
      const { ulps, index } = maxError(got, x.map((v) => ref(b(v))), undefined, 'float32');
      assert.ok(ulps <= 1, `${name} float32: ${ulps} ulp at ${x[index]}`);
    });
  }

  it('float32 inputs of the binary and ternary ops give float32, computed in double and rounded once', () => {
    const a = [0.5, 3, 40];
    const x = [0.25, 2.5, 41];
    const got = rv.igamma(rv.tensor(a, [3], 'float32'), rv.tensor(x, [3], 'float32'));
    assert.equal(got.dtype, 'float32');
    assert.deepEqual(Array.from(got.dataSync()), Array.from(Float32Array.from(evaluate(rv.igamma, a, x))));
    const bi = rv.betainc(rv.tensor([2], [1], 'float32'), rv.tensor([3], [1], 'float32'), rv.tensor([0.5], [1], 'float32'));
    assert.equal(bi.dtype, 'float32');
    assert.equal(bi.dataSync()[0], 0.6875);
  });

  it('int32 and bool inputs compute in float32; mixed float32/float64 promote to float64', () => {
    const y = rv.lgamma(rv.tensor([1, 2, 3, 4], [4], 'int32'));
    assert.equal(y.dtype, 'float32');
    assert.deepEqual(Array.from(y.dataSync()), Array.from(Float32Array.from([0, 0, Math.log(2), Math.log(6)])));
    assert.equal(rv.erf(rv.tensor([true, false], [2], 'bool')).dtype, 'float32');
    assert.equal(rv.igamma(rv.tensor([1], [1], 'float32'), rv.tensor([1], [1], 'float64')).dtype, 'float64');
    assert.equal(rv.betainc(2, 3, rv.tensor([0.5], [1], 'float64')).dtype, 'float64');
  });

  /** Expected values for broadcast inputs: the op on contiguous 1-d columns of the broadcast values. */
  function broadcastExpected(fn: Fn, inputs: { values: number[]; shape: number[] }[]): { values: number[]; shape: number[] } {
    const shape = broadcastShape(...inputs.map((i) => i.shape));
    const columns = inputs.map((input) => Array.from({ length: sizeOf(shape) }, (_, k) => readBroadcast(input.values, input.shape, unravel(k, shape))));
    return { values: Array.from(evaluate(fn, ...columns)), shape };
  }

  const arities: [string, Fn, [number, number][]][] = [
    ['lgamma', rv.lgamma, [[0.1, 20]]],
    ['igamma', rv.igamma, [[0.1, 20], [0.01, 30]]],
    ['betainc', rv.betainc, [[0.1, 20], [0.1, 20], [0, 1]]],
  ];
  for (const [name, fn, ranges] of arities) {
    it(`${name} broadcasts and reads non-contiguous views (offsets, permuted and reversed axes)`, () => {
      const rng = makeRng(400 + name.length);
      const out = [3, 1, 4, 2];
      for (let trial = 0; trial < 6; trial++) {
        rv.tidy(() => {
          const inputs = ranges.map(([lo, hi]) => {
            const shape = out.slice(Math.floor(rng() * 3)).map((d) => (rng() < 0.4 ? 1 : d));
            return { values: points(sizeOf(shape), () => uniform(rng, lo, hi)), shape };
          });
          const expected = broadcastExpected(fn, inputs);
          const tensors = inputs.map((input) => (trial % 2 === 0 ? nonContiguous(input.values, input.shape, 'float64', rng) : rv.tensor(input.values, input.shape, 'float64')));
          const got = fn(...tensors);
          assert.deepEqual(got.shape, expected.shape);
          assert.deepEqual(Array.from(got.dataSync()), expected.values, `${name} trial ${trial}`);
        });
      }
    });
  }

  it('large inputs split across threads give the same values as one element at a time', () => {
    const rng = makeRng(500);
    const n = 20000;
    const a = points(n, () => logUniform(rng, 0.1, 100));
    const bb = points(n, () => logUniform(rng, 0.1, 100));
    const x = points(n, () => rng());
    const all = evaluate(rv.betainc, a, bb, x);
    for (let i = 0; i < n; i += 997) assert.equal(all[i], evaluate(rv.betainc, [a[i]], [bb[i]], [x[i]])[0]);
  });

  it('errors name the op and its arguments with their shapes', () => {
    assertThrowsNamed(() => rv.igamma([1, 2], [1, 2, 3]), 'igamma:', "a [2]", "x [3]");
    assertThrowsNamed(() => rv.betainc([1, 2], 1, [0.1, 0.2, 0.3]), 'betainc:', 'a [2]', 'b []', 'x [3]');
    assertThrowsNamed(() => rv.xlogy([[1, 2]], [1, 2, 3]), 'xlogy:', 'x [1, 2]', 'y [3]');
    const t = rv.tensor([1, 2]);
    t.dispose();
    assertThrowsNamed(() => rv.lgamma(t), 'lgamma:', "'x'", 'disposed');
    assertThrowsNamed(() => rv.ndtri([[1], [2, 3]] as unknown as number[]), 'ndtri:', "'p'");
    assertThrowsNamed(() => rv.betaln(1, 'x' as unknown as number), 'betaln:', "'b'");
  });

  it('chainable methods: x.lgamma(), x.erf(), x.ndtri() ...', () => {
    const x = rv.tensor([0.3, 0.6], [2], 'float64');
    assert.deepEqual(Array.from(x.lgamma().dataSync()), Array.from(rv.lgamma(x).dataSync()));
    assert.deepEqual(Array.from(x.erfinv().dataSync()), Array.from(rv.erfinv(x).dataSync()));
    assert.deepEqual(Array.from(x.ndtri().dataSync()), Array.from(rv.ndtri(x).dataSync()));
    assert.deepEqual(Array.from(x.log1mexp().dataSync()), Array.from(rv.log1mexp(x).dataSync()));
  });
});
