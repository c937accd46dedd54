/**
 * Random numbers: Philox against the Random123 known-answer vectors, the counter layout, the
 * same draws on any thread count, keys and the global seed, and every sampler against its exact
 * distribution: Kolmogorov–Smirnov (continuous) or chi-square (discrete) at a fixed seed, and
 * sample mean and variance within 4 standard errors (the variance's from the fourth moment).
 *
 * The distribution functions are computed here, in float64, independently of the library:
 * log-gamma by the Stirling series after shifting the argument up, the regularised incomplete
 * gamma by its series and Legendre's continued fraction, the regularised incomplete beta by its
 * continued fraction, the normal CDF through the incomplete gamma (erf(x) = P(1/2, x^2)).
 * Significance level of the KS and chi-square tests: 1e-3, fixed seeds.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as rv from '../lib/index';
import { binding } from '../lib/backend/binding';
import { philoxBlocks, RandomKey } from '../lib/tensor/random/key';
import { assertThrowsNamed, makeRng, nonContiguous } from './helpers';

const alpha = 1e-3;

// ---------------------------------------------------------------------------------------------
// Reference math.

const halfLog2Pi = 0.5 * Math.log(2 * Math.PI);

/** log Γ(x), x > 0: shift to x >= 15, then Stirling's series (error below 1e-16 there). */
function lgamma(x: number): number {
  let shift = 0;
  while (x < 15) {
    shift += Math.log(x);
    x += 1;
  }
  const r = 1 / x;
  const r2 = r * r;
  const series = r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 / 1188))));
  return (x - 0.5) * Math.log(x) - x + halfLog2Pi + series - shift;
}

/** e^-x x^a / Γ(a), the common factor of the incomplete gamma's series and fraction. */
function gammaFactor(a: number, x: number): number {
  return Math.exp(-x + a * Math.log(x) - lgamma(a));
}

/** Regularised lower incomplete gamma P(a, x). */
function gammaP(a: number, x: number): number {
  if (!(x > 0)) return 0;
  if (x >= a + 1) return 1 - gammaQFraction(a, x);
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < 1e6; n++) {
    term *= x / (a + n);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return gammaFactor(a, x) * sum;
}

/** Regularised upper incomplete gamma Q(a, x) = 1 - P(a, x). */
function gammaQ(a: number, x: number): number {
  if (!(x > 0)) return 1;
  return x < a + 1 ? 1 - gammaP(a, x) : gammaQFraction(a, x);
}

/** Legendre's continued fraction for Q(a, x), x >= a + 1, by the modified Lentz method. */
function gammaQFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1e6; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return gammaFactor(a, x) * h;
}

/** Standard normal CDF: Φ(x) = (1 ± P(1/2, x²/2)) / 2. */
function normalCdf(x: number): number {
  const p = gammaP(0.5, (x * x) / 2);
  return x >= 0 ? 0.5 + 0.5 * p : 0.5 - 0.5 * p;
}
const normalPdf = (x: number) => Math.exp(-0.5 * x * x - halfLog2Pi);

function lbeta(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/** Continued fraction of the incomplete beta (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 1e6; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
function betaCdf(a: number, b: number, x: number): number {
  if (!(x > 0)) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - lbeta(a, b));
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(a, b, x)) / a;
  return 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

const logFactorial = (k: number) => lgamma(k + 1);
const poissonPmf = (lam: number) => (k: number) => Math.exp(-lam + k * Math.log(lam) - logFactorial(k));
const binomialPmf = (n: number, p: number) => (k: number) =>
  Math.exp(logFactorial(n) - logFactorial(k) - logFactorial(n - k) + k * Math.log(p) + (n - k) * Math.log1p(-p));

// ---------------------------------------------------------------------------------------------
// Statistical tests.

/** Kolmogorov's limiting distribution: P(sqrt(n) D > lambda). */
function kolmogorovQ(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k < 200; k++) {
    const term = 2 * (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-15) break;
  }
  return Math.min(1, Math.max(0, sum));
}

/** One-sample KS test; ties (atoms such as float underflow to 0) are handled by the step form. */
function ksTest(samples: ArrayLike<number>, cdf: (x: number) => number, what: string): void {
  const xs = Float64Array.from(samples).sort();
  const n = xs.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(xs[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  const sqrtN = Math.sqrt(n);
  const p = kolmogorovQ((sqrtN + 0.12 + 0.11 / sqrtN) * d);  // Stephens' small-sample correction
  assert.ok(p > alpha, `${what}: KS statistic ${d.toFixed(5)} over ${n} draws, p = ${p.toExponential(2)}`);
}

/**
 * Chi-square goodness of fit for integer draws: consecutive values from lo to hi are merged
 * into bins expecting at least 20 draws; the probability outside [lo, hi] (chosen negligible)
 * joins the last bin.
 */
function chiSquareTest(samples: ArrayLike<number>, pmf: (k: number) => number, lo: number, hi: number, what: string): void {
  const n = samples.length;
  const observed = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = samples[i];
    assert.ok(Number.isInteger(k), `${what}: draw ${k} is not an integer`);
    observed.set(k, (observed.get(k) ?? 0) + 1);
  }
  const bins: { p: number; o: number }[] = [];
  let p = 0;
  let o = 0;
  let total = 0;
  for (let k = lo; k <= hi; k++) {
    const pk = pmf(k);
    p += pk;
    total += pk;
    o += observed.get(k) ?? 0;
    observed.delete(k);
    if (p * n >= 20) {
      bins.push({ p, o });
      p = 0;
      o = 0;
    }
  }
  let outside = 0;
  for (const count of observed.values()) outside += count;
  const last = bins[bins.length - 1];
  last.p += p + Math.max(0, 1 - total);
  last.o += o + outside;
  let stat = 0;
  for (const b of bins) stat += (b.o - n * b.p) ** 2 / (n * b.p);
  const df = bins.length - 1;
  const pValue = gammaQ(df / 2, stat / 2);
  assert.ok(pValue > alpha, `${what}: chi-square ${stat.toFixed(2)} on ${df} df, p = ${pValue.toExponential(2)}`);
}

/**
 * Sample mean and variance within 4 standard errors of the exact ones; the variance's standard
 * error from the central fourth moment mu4: Var(s²) = mu4/n - σ⁴(n-3)/(n(n-1)).
 */
function checkMoments(samples: ArrayLike<number>, mean: number, variance: number, mu4: number, what: string): void {
  const n = samples.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += samples[i];
  const m = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (samples[i] - m) ** 2;
  const s2 = ss / (n - 1);
  const seMean = Math.sqrt(variance / n);
  const seVar = Math.sqrt(mu4 / n - (variance * variance * (n - 3)) / (n * (n - 1)));
  assert.ok(Math.abs(m - mean) <= 4 * seMean, `${what}: mean ${m} vs ${mean} (standard error ${seMean})`);
  assert.ok(Math.abs(s2 - variance) <= 4 * seVar, `${what}: variance ${s2} vs ${variance} (standard error ${seVar})`);
}

/** Central moments (mean, variance, mu4) from raw moments E[X], E[X²], E[X³], E[X⁴]. */
function centralMoments(m1: number, m2: number, m3: number, m4: number): [number, number, number] {
  const variance = m2 - m1 * m1;
  const mu4 = m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1 ** 4;
  return [m1, variance, mu4];
}

function betaMoments(a: number, b: number): [number, number, number] {
  const raw = (k: number) => {
    let r = 1;
    for (let i = 0; i < k; i++) r *= (a + i) / (a + b + i);
    return r;
  };
  return centralMoments(raw(1), raw(2), raw(3), raw(4));
}

/** Mean, variance and mu4 of a standard normal truncated to [-c, c]. */
function truncatedMoments(c: number): [number, number, number] {
  const z = 2 * normalCdf(c) - 1;
  const phi = normalPdf(c);
  const second = (z - 2 * c * phi) / z;
  const fourth = (3 * (z - 2 * c * phi) - 2 * c ** 3 * phi) / z;
  return [0, second, fourth];
}

const data = (t: rv.Tensor): Float64Array => {
  const d = Float64Array.from(t.dataSync());
  t.dispose();
  return d;
};

function withThreads<T>(n: number, fn: () => T): T {
  const before = rv.getNumThreads();
  rv.setNumThreads(n);
  try {
    return fn();
  } finally {
    rv.setNumThreads(before);
  }
}

// ---------------------------------------------------------------------------------------------

/** The device argument of every native kernel call from now on (-1: the CPU). */
function countDevices(): { devices: number[]; stop(): void } {
  const table = binding as unknown as { run: (...args: unknown[]) => unknown };
  const original = table.run;
  const devices: number[] = [];
  table.run = (...args: unknown[]) => {
    devices.push(args[4] as number);
    return original(...args);
  };
  return { devices, stop: () => { table.run = original; } };
}

describe('random numbers', () => {
  describe('Philox4x32-10', () => {
    it('matches the Random123 known-answer vectors', () => {
      const vectors: [number[], number[], number[]][] = [
        [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
        [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
        [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
      ];
      for (const [counter, key, expected] of vectors) {
        const got = philoxBlocks(new RandomKey(key[0], key[1]), counter as [number, number, number, number], 1);
        assert.deepEqual(Array.from(got), expected);
      }
    });

    it('counts blocks as one 64-bit counter in words 0 and 1', () => {
      const key = new RandomKey(123, 456);
      const two = philoxBlocks(key, [0xffffffff, 7, 9, 11], 2);
      const next = philoxBlocks(key, [0, 8, 9, 11], 1);
      assert.deepEqual(Array.from(two.slice(4)), Array.from(next));
    });
  });

  it('derives keys (split, foldIn) on the CPU whatever the default device: a sampler derives one per transition, and a GPU would add a launch and a wait', () => {
    const counter = countDevices();
    try {
      rv.random.split(rv.random.key(3), 4);
      rv.random.foldIn(rv.random.key(3), 17);
    } finally {
      counter.stop();
    }
    assert.deepEqual(counter.devices, [-1, -1]);
  });

  describe('counter layout', () => {
    // Restated from native/philox.h and native/kernels/random.h: a call's key is the seed's key
    // encrypted with counter (stream, 0, "FOLD"); element i of a float32 uniform is word i % 4 of
    // block i / 4, counter (i / 4, 0, 0, 0), top 24 bits; float64 takes 53 bits of a word pair.
    const foldTag = 0x464f4c44;
    const callKey = (seed: RandomKey, stream: number) => {
      const w = philoxBlocks(seed, [stream, 0, 0, foldTag], 1);
      return new RandomKey(w[0], w[1]);
    };

    it('float32 uniforms are the top 24 bits of each word, in element order', () => {
      const seed = rv.random.key(2024);
      const n = 4 * 37 + 3;
      const got = data(rv.randomUniform([n], 0, 1, 'float32', seed));
      const words = philoxBlocks(callKey(seed, 0), [0, 0, 0, 0], Math.ceil(n / 4));
      for (let i = 0; i < n; i++) assert.equal(got[i], (words[i] >>> 8) * 2 ** -24, `element ${i}`);
    });

    it('float64 uniforms take 53 bits from each pair of words', () => {
      const seed = rv.random.key(-5);
      const n = 2 * 21 + 1;
      const got = data(rv.randomUniform([n], 0, 1, 'float64', seed));
      const words = philoxBlocks(callKey(seed, 0), [0, 0, 0, 0], Math.ceil(n / 2));
      for (let i = 0; i < n; i++) {
        const hi = words[2 * i];
        const lo = words[2 * i + 1];
        assert.equal(got[i], (hi * 2 ** 21 + (lo >>> 11)) * 2 ** -53, `element ${i}`);
      }
    });

    // Box–Muller with Math.log/cos/sin on the same words: checks the kernels' own log and
    // sin/cos as well as the layout. Tolerance: the reference's angle 2πu is itself rounded
    // (up to 4.4e-16), plus an ulp or so from each of log, sqrt and cos: about 1e-15 of r.
    it('float64 normals are Box–Muller on 53-bit uniforms from each block (2 per block)', () => {
      const seed = rv.random.key(31);
      const n = 2 * 300 + 1;
      const got = data(rv.randomNormal([n], 0, 1, 'float64', seed));
      const w = philoxBlocks(callKey(seed, 0), [0, 0, 0, 0], Math.ceil(n / 2));
      const u53 = (hi: number, lo: number) => (hi * 2 ** 21 + (lo >>> 11)) * 2 ** -53;
      for (let i = 0; i < n; i++) {
        const b = 4 * Math.floor(i / 2);
        const r = Math.sqrt(-2 * Math.log(1 - u53(w[b], w[b + 1])));
        const theta = 2 * Math.PI * u53(w[b + 2], w[b + 3]);
        const expected = i % 2 === 0 ? r * Math.cos(theta) : r * Math.sin(theta);
        assert.ok(Math.abs(got[i] - expected) <= 1e-15 * Math.max(1, r), `element ${i}: ${got[i]} vs ${expected}`);
      }
    });

    it('float32 normals are Box–Muller on pairs of 32-bit words (4 per block)', () => {
      const seed = rv.random.key(32);
      const n = 4 * 200 + 3;
      const got = data(rv.randomNormal([n], 0, 1, 'float32', seed));
      const w = philoxBlocks(callKey(seed, 0), [0, 0, 0, 0], Math.ceil(n / 4));
      for (let i = 0; i < n; i++) {
        const pair = 2 * Math.floor(i / 2);  // words of the pair: radius, angle
        const r = Math.sqrt(-2 * Math.log((w[pair] + 1) * 2 ** -32));
        const theta = 2 * Math.PI * w[pair + 1] * 2 ** -32;
        const expected = i % 2 === 0 ? r * Math.cos(theta) : r * Math.sin(theta);
        assert.ok(Math.abs(got[i] - expected) <= 2 ** -24 * Math.max(Math.abs(expected), 2 ** -10) + 1e-15 * r, `element ${i}: ${got[i]} vs ${expected}`);
      }
    });

    it('exponentials are -log of 53-bit uniforms on (0, 1]', () => {
      const seed = rv.random.key(33);
      const n = 301;
      const got = data(rv.randomExponential([n], 1, 'float64', seed));
      const w = philoxBlocks(callKey(seed, 0), [0, 0, 0, 0], Math.ceil(n / 2));
      for (let i = 0; i < n; i++) {
        const u = (w[2 * i] * 2 ** 21 + (w[2 * i + 1] >>> 11)) * 2 ** -53;
        const expected = -Math.log(1 - u);
        assert.ok(Math.abs(got[i] - expected) <= 4e-16 * Math.max(expected, 1e-3), `element ${i}: ${got[i]} vs ${expected}`);
      }
    });

    it('an unseeded draw uses the global key with the next stream number', () => {
      rv.setSeed(77);
      rv.randomUniform([1]).dispose();
      const got = data(rv.randomUniform([5], 0, 1, 'float32'));
      const words = philoxBlocks(callKey(rv.random.key(77), 2), [0, 0, 0, 0], 2);
      for (let i = 0; i < 5; i++) assert.equal(got[i], (words[i] >>> 8) * 2 ** -24);
    });
  });

  // Every sampler, called with a fixed seed on a shape of n elements.
  const samplers: [string, (shape: number[], seed: rv.Seed) => rv.Tensor][] = [
    ['randomUniform float32', (s, seed) => rv.randomUniform(s, -1, 2, 'float32', seed)],
    ['randomUniform float64', (s, seed) => rv.randomUniform(s, 0, 1, 'float64', seed)],
    ['randomUniform int32', (s, seed) => rv.randomUniform(s, -5, 1000, 'int32', seed)],
    ['randomNormal float32', (s, seed) => rv.randomNormal(s, 0, 1, 'float32', seed)],
    ['randomNormal float64', (s, seed) => rv.randomNormal(s, 1, 3, 'float64', seed)],
    ['truncatedNormal', (s, seed) => rv.truncatedNormal(s, 0, 1, 'float32', seed)],
    ['randomExponential', (s, seed) => rv.randomExponential(s, 2, 'float64', seed)],
    ['randomGamma', (s, seed) => rv.randomGamma(s, 2.5, 1, 'float32', seed)],
    ['randomGamma small alpha', (s, seed) => rv.randomGamma(s, 0.2, 1, 'float64', seed)],
    ['randomBeta', (s, seed) => rv.randomBeta(s, 0.5, 3, 'float64', seed)],
    ['randomPoisson', (s, seed) => rv.randomPoisson(s, 4, 'float32', seed)],
    ['randomPoisson large', (s, seed) => rv.randomPoisson(s, 500, 'int32', seed)],
    ['randomBinomial', (s, seed) => rv.randomBinomial(s, 200, 0.3, 'float64', seed)],
    ['randomBernoulli', (s, seed) => rv.randomBernoulli(s, 0.4, 'int32', seed)],
    ['multinomial', (s, seed) => rv.multinomial([0, 1, 2], s.reduce((a, b) => a * b, 1), seed)],
    ['randomMultinomial', (s, seed) => rv.randomMultinomial(s, 20, [0.1, 0.2, 0.7], 'float32', seed)],
  ];

  describe('determinism', () => {
    // 100,003 elements: above every kernel's parallel grain, and not a multiple of the elements
    // per Philox block, so chunk boundaries fall inside blocks.
    const n = 100_003;
    for (const [name, draw] of samplers) {
      it(`${name}: the same values on 1, 2, 3 and 7 threads`, () => {
        const one = withThreads(1, () => data(draw([n], 9)));
        for (const threads of [2, 3, 7]) {
          const many = withThreads(threads, () => data(draw([n], 9)));
          assert.ok(one.every((v, i) => Object.is(v, many[i])), `${threads} threads differ`);
        }
      });

      it(`${name}: each element depends only on its position (a short draw is a prefix of a long one)`, () => {
        const long = withThreads(2, () => data(draw([n], 3)));
        const short = withThreads(1, () => data(draw([1000], 3)));
        assert.ok(short.every((v, i) => Object.is(v, long[i])));
      });
    }

    it('every Philox batch path (AVX-512, AVX2, scalar: RANDVAR_RANDOM_ISA) gives the same draws', function () {
      this.timeout(60_000);
      const script = path.join(os.tmpdir(), `randvar-isa-${process.pid}.ts`);
      fs.writeFileSync(script, [
        `import * as rv from ${JSON.stringify(path.resolve(__dirname, '../lib/index'))};`,
        'const draws = [',
        "  rv.randomUniform([999], 0, 1, 'float32', 5), rv.randomUniform([999], 0, 1, 'float64', 5),",
        "  rv.randomUniform([999], -7, 100, 'int32', 5), rv.randomNormal([999], 0, 1, 'float64', 5),",
        "  rv.randomGamma([999], 1.7, 1, 'float64', 5), rv.randomPoisson([999], 30, 'float64', 5),",
        '];',
        'console.log(JSON.stringify(draws.map((t) => Array.from(t.dataSync()))));',
      ].join('\n'));
      try {
        const runs = ['avx512', 'avx2', 'scalar'].map((isa) => {
          const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', env: { ...process.env, RANDVAR_RANDOM_ISA: isa } });
          assert.equal(child.status, 0, child.stderr);
          return child.stdout.trim();
        });
        assert.equal(runs[1], runs[0], 'AVX2 differs from AVX-512');
        assert.equal(runs[2], runs[0], 'scalar differs from AVX-512');
      } finally {
        fs.unlinkSync(script);
      }
    });

    it('the output shape does not change the values, only their arrangement', () => {
      const flat = data(rv.randomGamma([60], 1.5, 1, 'float64', 4));
      const shaped = rv.randomGamma([3, 4, 5], 1.5, 1, 'float64', 4);
      assert.deepEqual(shaped.shape, [3, 4, 5]);
      assert.deepEqual(Array.from(data(shaped)), Array.from(flat));
    });

    it('different seeds and split keys give unrelated streams', () => {
      const n2 = 20_000;
      const [k1, k2] = rv.random.split(rv.random.key(1));
      const streams = [
        data(rv.randomNormal([n2], 0, 1, 'float64', 1)),
        data(rv.randomNormal([n2], 0, 1, 'float64', 2)),
        data(rv.randomNormal([n2], 0, 1, 'float64', k1)),
        data(rv.randomNormal([n2], 0, 1, 'float64', k2)),
        data(rv.randomNormal([n2], 0, 1, 'float64', rv.random.foldIn(rv.random.key(1), 0))),
        data(rv.randomNormal([n2], 0, 1, 'float64', rv.random.foldIn(rv.random.key(1), 1))),
      ];
      // Correlations of independent standard normals: standard error 1/sqrt(n).
      for (let a = 0; a < streams.length; a++) {
        for (let b = a + 1; b < streams.length; b++) {
          let dot = 0;
          for (let i = 0; i < n2; i++) dot += streams[a][i] * streams[b][i];
          assert.ok(Math.abs(dot / n2) < 4 / Math.sqrt(n2), `streams ${a} and ${b}: correlation ${dot / n2}`);
        }
      }
      assert.notDeepEqual(rv.random.split(rv.random.key(1)).map(String), rv.random.split(rv.random.key(2)).map(String));
      assert.deepEqual(rv.random.split(rv.random.key(1), 3).map(String).slice(0, 2), [k1, k2].map(String));
    });

    it('keys: integers are their own key, other numbers their float64 bits; a key passes through', () => {
      assert.equal(String(rv.random.key(0)), 'RandomKey(0x0000000000000000)');
      assert.equal(String(rv.random.key(2 ** 40 + 5)), 'RandomKey(0x0000010000000005)');
      assert.equal(String(rv.random.key(-1)), 'RandomKey(0xffffffffffffffff)');
      assert.equal(String(rv.random.key(1.5)), 'RandomKey(0x3ff8000000000000)');
      const k = rv.random.key(9);
      assert.equal(rv.random.key(k), k);
      assert.deepEqual(Array.from(data(rv.randomNormal([4], 0, 1, 'float32', k))), Array.from(data(rv.randomNormal([4], 0, 1, 'float32', 9))));
    });

    it('setSeed makes the unseeded sequence reproducible; unseeded calls differ; failed calls do not advance it', () => {
      rv.setSeed(123);
      const a = data(rv.randomNormal([8]));
      assert.throws(() => rv.randomNormal([8], 0, 1, 'int32' as rv.DType));
      const b = data(rv.randomGamma([8], 2));
      const seeded = data(rv.randomNormal([8], 0, 1, 'float32', 5));  // explicit seeds leave the sequence alone
      const c = data(rv.randomNormal([8]));
      rv.setSeed(123);
      assert.deepEqual(Array.from(data(rv.randomNormal([8]))), Array.from(a));
      assert.deepEqual(Array.from(data(rv.randomGamma([8], 2))), Array.from(b));
      assert.deepEqual(Array.from(data(rv.randomNormal([8]))), Array.from(c));
      assert.notDeepEqual(Array.from(a), Array.from(c));
      assert.notDeepEqual(Array.from(seeded), Array.from(a));
      rv.setSeed(124);
      assert.notDeepEqual(Array.from(data(rv.randomNormal([8]))), Array.from(a));
    });
  });

  describe('parameters', () => {
    it('location and scale tensors broadcast to the shape; values are mean + stdDev z for the same z', () => {
      const mean = rv.tensor([[1], [2], [3]], undefined, 'float64');
      const sd = rv.tensor([0.5, 1, 2, 4], undefined, 'float64');
      const got = data(rv.randomNormal([3, 4], mean, sd, 'float64', 8));
      const z = data(rv.randomNormal([3, 4], 0, 1, 'float64', 8));
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 4; j++) assert.equal(got[4 * i + j], [1, 2, 3][i] + [0.5, 1, 2, 4][j] * z[4 * i + j]);
      }
      mean.dispose();
      sd.dispose();
    });

    it('non-contiguous parameter tensors give the values of their contiguous copies', () => {
      const rng = makeRng(5);
      const values = [0.3, 1, 2.5, 7, 0.05, 40];
      const alphaView = nonContiguous(values, [2, 3], 'float64', rng);
      const rateView = nonContiguous([1, 2, 0.5], [3], 'float32', rng);
      const a = data(rv.randomGamma([50], alphaView, rateView, 'float64', 6));
      const alphaCopy = rv.tensor(values, [2, 3], 'float64');
      const b = data(rv.randomGamma([50], alphaCopy, [1, 2, 0.5], 'float64', 6));
      assert.deepEqual(Array.from(a), Array.from(b));
      const lam = nonContiguous([1, 20, 300], [3], 'float32', rng);
      assert.deepEqual(Array.from(data(rv.randomPoisson([9], lam, 'float32', 2))), Array.from(data(rv.randomPoisson([9], [1, 20, 300], 'float32', 2))));
      for (const t of [alphaView, rateView, alphaCopy, lam]) t.dispose();
    });

    it('per-element samplers: element (i, j) of a batch draws as a scalar-parameter call would at that position', () => {
      const alphas = [0.1, 1, 3.5, 100];
      const batch = data(rv.randomGamma([25], alphas, 1, 'float64', 12));
      for (let j = 0; j < alphas.length; j++) {
        const scalar = data(rv.randomGamma([100], alphas[j], 1, 'float64', 12));
        for (let i = 0; i < 25; i++) assert.equal(batch[4 * i + j], scalar[4 * i + j]);
      }
    });

    it('output shapes follow TensorFlow: prepend for gamma, beta, poisson, exponential, multinomial counts', () => {
      const shapes: [rv.Tensor, number[]][] = [
        [rv.randomGamma([2, 3], [[1], [2]], [1, 2, 3, 4]), [2, 3, 2, 4]],
        [rv.randomBeta([5], [1, 2], 3), [5, 2]],
        [rv.randomPoisson([4], [[1, 2]]), [4, 1, 2]],
        [rv.randomExponential([], [1, 2, 3]), [3]],
        [rv.randomMultinomial([2], [10, 20], [0.5, 0.5]), [2, 2, 2]],
        [rv.randomNormal([2, 3], [1, 2, 3]), [2, 3]],
        [rv.randomBinomial([4, 2], [5, 6], 0.5), [4, 2]],
        [rv.multinomial([[0, 0], [1, 1], [2, 2]], 7), [3, 7]],
        [rv.multinomial([0, 0], 0), [0]],
        [rv.randomUniform([0, 3]), [0, 3]],
        [rv.randomNormal([]), []],
      ];
      for (const [t, shape] of shapes) {
        assert.deepEqual([...t.shape], shape);
        t.dispose();
      }
    });

    it('float64 parameters given as numbers are not rounded to float32', () => {
      const x = data(rv.randomNormal([4], 0.1, 0, 'float64', 1));
      assert.deepEqual(Array.from(x), [0.1, 0.1, 0.1, 0.1]);
    });

    it('invalid parameters give NaN (or -1 in int32), valid edge values their limits', () => {
      const nan = (t: rv.Tensor) => data(t).every(Number.isNaN);
      const all = (t: rv.Tensor, v: number) => data(t).every((x) => x === v);
      assert.ok(nan(rv.randomGamma([3], 0)));
      assert.ok(nan(rv.randomGamma([3], -1)));
      assert.ok(nan(rv.randomGamma([3], NaN)));
      assert.ok(nan(rv.randomGamma([3], 2, 0)));
      assert.ok(nan(rv.randomBeta([3], 1, -2)));
      assert.ok(nan(rv.randomExponential([3], 0)));
      assert.ok(nan(rv.randomPoisson([3], -1)));
      assert.ok(all(rv.randomPoisson([3], -1, 'int32'), -1));
      assert.ok(all(rv.randomPoisson([3], 0), 0));
      assert.ok(all(rv.randomPoisson([3], 3e9, 'int32'), 2147483647));
      assert.ok(nan(rv.randomBinomial([3], 5.5, 0.5)));
      assert.ok(nan(rv.randomBinomial([3], 5, 1.5)));
      assert.ok(all(rv.randomBinomial([3], 5, 0), 0));
      assert.ok(all(rv.randomBinomial([3], 5, 1), 5));
      assert.ok(all(rv.randomBinomial([3], 0, 0.5), 0));
      assert.ok(all(rv.randomBernoulli([3], 1), 1));
      assert.ok(all(rv.randomBernoulli([3], 0), 0));
      assert.ok(all(rv.randomBernoulli([3], 2), -1));
      assert.ok(nan(rv.randomBernoulli([3], NaN, 'float32')));
      assert.ok(all(rv.multinomial([NaN, 1], 3), -1));
      assert.ok(all(rv.multinomial([-Infinity, -Infinity], 3), -1));
      assert.ok(all(rv.multinomial([[0.5, -0.5]], 3, 1, true), -1));
      assert.ok(nan(rv.randomMultinomial([2], 3, [0.5, -0.5])));
      assert.ok(all(rv.randomUniform([5], 2, 2, 'float32'), 2));
      // Extreme but valid parameters finish and stay in range.
      assert.ok(data(rv.randomGamma([100], 1e-300, 1, 'float64', 1)).every((x) => x >= 0 && x < 1e-200));
      assert.ok(data(rv.randomGamma([100], 1e300, 1, 'float64', 1)).every((x) => Math.abs(x / 1e300 - 1) < 1e-100));
      assert.ok(data(rv.randomBinomial([100], 1e15, 0.5, 'float64', 1)).every((x) => Number.isInteger(x) && Math.abs(x - 5e14) < 6 * Math.sqrt(2.5e14)));
    });

    it('never chooses a zero-probability class', () => {
      const draws = data(rv.multinomial([-Infinity, 0, -Infinity, 0, -Infinity], 10_000, 3));
      assert.ok(draws.every((k) => k === 1 || k === 3));
      const probs = data(rv.multinomial([[0, 0.5, 0, 0.5, 0]], 10_000, 3, true));
      assert.ok(probs.every((k) => k === 1 || k === 3));
      const counts = data(rv.randomMultinomial([1000], 30, [0, 0.5, 0, 0.5], 'int32', 2));
      for (let r = 0; r < 1000; r++) {
        assert.equal(counts[4 * r] + counts[4 * r + 2], 0);
        assert.equal(counts[4 * r + 1] + counts[4 * r + 3], 30);
      }
    });

    it('uniform floats stay below maxval even where lo + (hi - lo) u would round up to it', () => {
      const hi = 1 + 2 ** -23;
      assert.ok(data(rv.randomUniform([1000], 1, hi, 'float32', 1)).every((x) => x >= 1 && x < hi));
      const x = data(rv.randomUniform([100_000], -3, 5, 'float32', 2));
      assert.ok(x.every((v) => v >= -3 && v < 5));
    });

    it('truncated normals lie within two standard deviations of the mean', () => {
      const x64 = data(rv.truncatedNormal([100_000], 3, 0.5, 'float64', 1));
      assert.ok(x64.every((v) => Math.abs(v - 3) <= 1));
      const x32 = data(rv.truncatedNormal([100_000], -2, 7, 'float32', 2));
      assert.ok(x32.every((v) => Math.abs(v + 2) <= 14 * (1 + 2 ** -22)));
    });
  });

  describe('distributions', () => {
    const n = 100_000;

    it('uniform (KS, moments), float32 and float64', () => {
      for (const [dt, lo, hi] of [['float32', -2, 3], ['float64', 0, 1]] as const) {
        const x = data(rv.randomUniform([n], lo, hi, dt, 11));
        ksTest(x, (v) => Math.min(1, Math.max(0, (v - lo) / (hi - lo))), `uniform ${dt}`);
        checkMoments(x, (lo + hi) / 2, (hi - lo) ** 2 / 12, (hi - lo) ** 4 / 80, `uniform ${dt}`);
      }
    });

    it('uniform int32 (chi-square, moments)', () => {
      const x = data(rv.randomUniform([n], -3, 7, 'int32', 12));
      chiSquareTest(x, (k) => (k >= -3 && k < 7 ? 0.1 : 0), -3, 6, 'uniform int32');
      const m = 10;
      checkMoments(x, 1.5, (m * m - 1) / 12, ((m * m - 1) * (3 * m * m - 7)) / 240, 'uniform int32');
    });

    it('normal (KS, moments), float32 and float64', () => {
      for (const dt of ['float32', 'float64'] as const) {
        const x = data(rv.randomNormal([n], 1, 2, dt, 13));
        ksTest(x, (v) => normalCdf((v - 1) / 2), `normal ${dt}`);
        checkMoments(x, 1, 4, 3 * 16, `normal ${dt}`);
      }
    });

    it('normal tails: the frequency beyond 4 standard deviations', () => {
      const big = 4_000_000;
      const p = 2 * normalCdf(-4);
      for (const dt of ['float32', 'float64'] as const) {
        const x = data(rv.randomNormal([big], 0, 1, dt, 14));
        let count = 0;
        for (const v of x) if (Math.abs(v) > 4) count++;
        const expected = big * p;
        assert.ok(Math.abs(count - expected) <= 4 * Math.sqrt(expected), `${dt}: ${count} beyond 4 sd, expected ${expected.toFixed(1)}`);
      }
    });

    it('truncated normal (KS, moments)', () => {
      const [, variance, mu4] = truncatedMoments(2);
      const z = 2 * normalCdf(2) - 1;
      for (const [dt, mean, sd] of [['float64', 0, 1], ['float32', 3, 0.5]] as const) {
        const x = data(rv.truncatedNormal([n], mean, sd, dt, 15));
        ksTest(x, (v) => Math.min(1, Math.max(0, (normalCdf((v - mean) / sd) - normalCdf(-2)) / z)), `truncated normal ${dt}`);
        checkMoments(x, mean, variance * sd * sd, mu4 * sd ** 4, `truncated normal ${dt}`);
      }
    });

    it('exponential (KS, moments)', () => {
      for (const dt of ['float32', 'float64'] as const) {
        const x = data(rv.randomExponential([n], 2, dt, 16));
        ksTest(x, (v) => (v <= 0 ? 0 : -Math.expm1(-2 * v)), `exponential ${dt}`);
        checkMoments(x, 0.5, 0.25, 9 / 16, `exponential ${dt}`);
      }
    });

    const gammaCases: [number, number, rv.DType][] = [[0.01, 1, 'float64'], [0.3, 2, 'float32'], [1, 1, 'float64'], [2.5, 3, 'float32'], [50, 0.5, 'float64']];
    for (const [a, rate, dt] of gammaCases) {
      it(`gamma alpha = ${a}, rate ${rate}, ${dt} (KS, moments)`, () => {
        const x = data(rv.randomGamma([n], a, rate, dt, 17));
        ksTest(x, (v) => gammaP(a, rate * v), `gamma(${a}, ${rate})`);
        checkMoments(x, a / rate, a / rate ** 2, (3 * a * (a + 2)) / rate ** 4, `gamma(${a}, ${rate})`);
      });
    }

    it('gamma alpha = 0.01 in float32: zeros and subnormals in the proportions the exact CDF gives', () => {
      // Values below 2^-150 round to 0 in float32; those below 2^-126 are subnormal. A sampler
      // that formed U^(1/alpha) in float32 would give far more zeros and no subnormals.
      const x = data(rv.randomGamma([n], 0.01, 1, 'float32', 18));
      const pZero = gammaP(0.01, 2 ** -150);
      const pSub = gammaP(0.01, 2 ** -126) - pZero;
      let zeros = 0;
      let subnormal = 0;
      for (const v of x) {
        if (v === 0) zeros++;
        else if (v < 2 ** -126) subnormal++;
      }
      for (const [count, p, what] of [[zeros, pZero, 'zeros'], [subnormal, pSub, 'subnormals']] as const) {
        const se = Math.sqrt(n * p * (1 - p));
        assert.ok(Math.abs(count - n * p) <= 4 * se, `${what}: ${count}, expected ${(n * p).toFixed(0)} ± ${se.toFixed(0)}`);
      }
      assert.ok(x.every((v) => v >= 0 && Number.isFinite(v)));
    });

    const betaCases: [number, number, rv.DType][] = [[2, 5, 'float64'], [0.5, 0.5, 'float32'], [0.05, 0.2, 'float64'], [30, 20, 'float64'], [1, 0.7, 'float32']];
    for (const [a, b, dt] of betaCases) {
      it(`beta(${a}, ${b}), ${dt} (KS, moments)`, () => {
        const x = data(rv.randomBeta([n], a, b, dt, 19));
        assert.ok(x.every((v) => v >= 0 && v <= 1));
        ksTest(x, (v) => betaCdf(a, b, v), `beta(${a}, ${b})`);
        const [mean, variance, mu4] = betaMoments(a, b);
        checkMoments(x, mean, variance, mu4, `beta(${a}, ${b})`);
      });
    }

    const poissonCases: [number, rv.DType][] = [[0.5, 'float32'], [3.5, 'int32'], [10, 'float64'], [37.2, 'float32'], [1e6, 'float32']];
    for (const [lam, dt] of poissonCases) {
      it(`poisson rate ${lam}, ${dt} (chi-square, moments)`, () => {
        const x = data(rv.randomPoisson([n], lam, dt, 20));
        const spread = Math.ceil(12 * Math.sqrt(lam) + 30);
        chiSquareTest(x, poissonPmf(lam), Math.max(0, Math.floor(lam) - spread), Math.ceil(lam) + spread, `poisson(${lam})`);
        checkMoments(x, lam, lam, lam * (1 + 3 * lam), `poisson(${lam})`);
      });
    }

    it('poisson with a huge rate (1e15): mean and variance', () => {
      const lam = 1e15;
      const x = data(rv.randomPoisson([20_000], lam, 'float64', 21));
      checkMoments(x, lam, lam, lam * (1 + 3 * lam), 'poisson(1e15)');
    });

    const binomialCases: [number, number, rv.DType][] = [[20, 0.3, 'float32'], [1000, 0.4, 'float64'], [100, 0.93, 'int32'], [50, 0.99, 'float32'], [1e7, 0.001, 'float64'], [1e9, 0.5, 'float64']];
    for (const [count, p, dt] of binomialCases) {
      it(`binomial(${count}, ${p}), ${dt} (chi-square, moments)`, () => {
        const x = data(rv.randomBinomial([n], count, p, dt, 22));
        const mean = count * p;
        const sd = Math.sqrt(count * p * (1 - p));
        const spread = Math.ceil(12 * sd + 30);
        chiSquareTest(x, binomialPmf(count, p), Math.max(0, Math.floor(mean) - spread), Math.min(count, Math.ceil(mean) + spread), `binomial(${count}, ${p})`);
        const q = 1 - p;
        checkMoments(x, mean, count * p * q, count * p * q * (1 + 3 * (count - 2) * p * q), `binomial(${count}, ${p})`);
      });
    }

    it('bernoulli (chi-square, moments)', () => {
      for (const dt of ['int32', 'float64'] as const) {
        const x = data(rv.randomBernoulli([n], 0.3, dt, 23));
        chiSquareTest(x, (k) => (k === 1 ? 0.3 : k === 0 ? 0.7 : 0), 0, 1, `bernoulli ${dt}`);
        checkMoments(x, 0.3, 0.21, 0.21 * (1 - 3 * 0.21), `bernoulli ${dt}`);
      }
    });

    it('categorical (multinomial): class frequencies by chi-square, per row', () => {
      const logits = [[0, 1, 2, -1], [3, 3, 3, 3]];
      const x = data(rv.multinomial(logits, n, 24));
      for (let r = 0; r < 2; r++) {
        const z = logits[r].reduce((s, l) => s + Math.exp(l), 0);
        chiSquareTest(x.subarray(r * n, (r + 1) * n), (k) => Math.exp(logits[r][k]) / z, 0, 3, `categorical row ${r}`);
      }
      const probs = [0.1, 0.6, 0.3];
      const y = data(rv.multinomial(rv.tensor(probs, undefined, 'float64'), n, 25, true));
      chiSquareTest(y, (k) => probs[k], 0, 2, 'categorical, normalized');
    });

    it('multinomial counts: rows sum to the total, each class is binomial', () => {
      const probs = [0.1, 0.25, 0.65];
      const total = 40;
      const x = data(rv.randomMultinomial([n], total, probs, 'float64', 26));
      for (let r = 0; r < n; r++) assert.equal(x[3 * r] + x[3 * r + 1] + x[3 * r + 2], total);
      for (let j = 0; j < 3; j++) {
        const col = new Float64Array(n);
        for (let r = 0; r < n; r++) col[r] = x[3 * r + j];
        const p = probs[j];
        const q = 1 - p;
        chiSquareTest(col, binomialPmf(total, p), 0, total, `multinomial class ${j}`);
        checkMoments(col, total * p, total * p * q, total * p * q * (1 + 3 * (total - 2) * p * q), `multinomial class ${j}`);
      }
    });
  });

  describe('errors', () => {
    it('bad shapes, dtypes and seeds name the op and the argument', () => {
      assertThrowsNamed(() => rv.randomNormal([-1]), 'randomNormal', 'shape');
      assertThrowsNamed(() => rv.randomGamma([2.5], 1), 'randomGamma', 'shape');
      assertThrowsNamed(() => rv.randomNormal([2], 0, 1, 'int32'), 'randomNormal', 'dtype', 'int32');
      assertThrowsNamed(() => rv.randomUniform([2], 0, 1, 'bool'), 'randomUniform', 'dtype', 'bool');
      assertThrowsNamed(() => rv.randomNormal([2], 0, 1, 'float32', NaN), 'randomNormal', 'seed');
      assertThrowsNamed(() => rv.randomPoisson([2], 1, 'float32', 'x' as unknown as number), 'randomPoisson', 'seed');
      assertThrowsNamed(() => rv.setSeed(Infinity), 'setSeed', 'seed');
      assertThrowsNamed(() => rv.random.split(rv.random.key(1), -1), 'random.split', 'n');
      assertThrowsNamed(() => rv.random.foldIn(rv.random.key(1), 0.5), 'random.foldIn', 'data');
      assertThrowsNamed(() => rv.random.key(undefined as unknown as number), 'random.key', 'seed');
    });

    it('parameters that do not broadcast name the op, the argument and the shapes', () => {
      assertThrowsNamed(() => rv.randomNormal([2, 3], [1, 2]), 'randomNormal', "'mean'", '[2]', '[2, 3]');
      assertThrowsNamed(() => rv.truncatedNormal([4], 0, [1, 2]), 'truncatedNormal', "'stdDev'", '[2]', '[4]');
      assertThrowsNamed(() => rv.randomGamma([2], [1, 2], [1, 2, 3]), 'randomGamma', 'alpha', 'beta', '[2]', '[3]');
      assertThrowsNamed(() => rv.randomBinomial([3], [1, 2], 0.5), 'randomBinomial', "'counts'");
      assertThrowsNamed(() => rv.randomNormal([2], 'a' as unknown as number), 'randomNormal', "'mean'");
      assertThrowsNamed(() => rv.randomMultinomial([2], 10, 0.5), 'randomMultinomial', 'class axis');
      assertThrowsNamed(() => rv.randomMultinomial([2], [1, 2, 3], [[0.5, 0.5], [0.2, 0.8]]), 'randomMultinomial', 'totalCount');
    });

    it('multinomial checks logits and numSamples', () => {
      assertThrowsNamed(() => rv.multinomial([[[1]]], 2), 'multinomial', 'rank');
      assertThrowsNamed(() => rv.multinomial([], 2), 'multinomial', 'no classes');
      assertThrowsNamed(() => rv.multinomial([1, 2], -1), 'multinomial', 'numSamples');
      assertThrowsNamed(() => rv.multinomial([1, 2], 1.5), 'multinomial', 'numSamples');
    });

    it('int32 uniform bounds must be integers with minval < maxval', () => {
      assertThrowsNamed(() => rv.randomUniform([2], 0, 1.5, 'int32'), 'randomUniform', 'int32');
      assertThrowsNamed(() => rv.randomUniform([2], 3, 3, 'int32'), 'randomUniform', 'minval < maxval');
      assertThrowsNamed(() => rv.randomUniform([2], 0, 2 ** 40, 'int32'), 'randomUniform', 'int32');
      const x = data(rv.randomUniform([1000], -(2 ** 31), 2 ** 31 - 1, 'int32', 3));
      assert.ok(x.every((v) => v >= -(2 ** 31) && v < 2 ** 31 - 1));
    });

    it('a failed call leaves the global sequence where it was', () => {
      rv.setSeed(5);
      const first = data(rv.randomUniform([3]));
      rv.setSeed(5);
      assert.throws(() => rv.randomUniform([3], 0, 1, 'float32', NaN));
      assert.throws(() => rv.randomUniform([-3]));
      assert.deepEqual(Array.from(data(rv.randomUniform([3]))), Array.from(first));
    });
  });
});
