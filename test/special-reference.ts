/**
 * High-precision references for the special-function tests, independent of the native code:
 * binary floating point with a 320-bit BigInt mantissa (about 96 decimal digits), and each
 * function computed from its defining series, continued fraction or asymptotic expansion at
 * that precision. The methods are deliberately different from native/special_math.h (no
 * Chebyshev fits, no reflection formulas, no Temme expansion): shifts by the recurrence to
 * where Stirling's series converges, power series with positive terms, and Newton's method on
 * the forward function for the inverses.
 */

/** Mantissa bits of every value. */
export const PREC = 320;
const PREC_N = BigInt(PREC);

/** m * 2^e, with |m| of exactly PREC bits (or m = 0). */
export interface Big {
  readonly m: bigint;
  readonly e: number;
}

const ZERO: Big = { m: 0n, e: 0 };

function bitLength(m: bigint): number {
  const hex = m.toString(16);
  const first = parseInt(hex[0], 16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(first));
}

function normalize(m: bigint, e: number): Big {
  if (m === 0n) return ZERO;
  const negative = m < 0n;
  let a = negative ? -m : m;
  const shift = bitLength(a) - PREC;
  if (shift > 0) a >>= BigInt(shift);
  else if (shift < 0) a <<= BigInt(-shift);
  return { m: negative ? -a : a, e: e + shift };
}

/** The exact value of a finite double. */
export function big(x: number): Big {
  if (!Number.isFinite(x)) throw new Error(`big: ${x} is not finite`);
  if (x === 0) return ZERO;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const exponent = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exponent === 0) e = -1074;
  else {
    mantissa |= 1n << 52n;
    e = exponent - 1075;
  }
  return normalize(hi >>> 31 ? -mantissa : mantissa, e);
}

/** The nearest double (the mantissa's top 64 bits, rounded by Number()). */
export function toNumber(a: Big): number {
  if (a.m === 0n) return 0;
  const negative = a.m < 0n;
  const abs = negative ? -a.m : a.m;
  const top = Number(abs >> BigInt(PREC - 64));
  let e = a.e + PREC - 64;
  let v = top;
  // Scale in steps so that no intermediate power of two over- or underflows.
  while (e > 600) { v *= 2 ** 600; e -= 600; }
  while (e < -600) { v *= 2 ** -600; e += 600; }
  v *= 2 ** e;
  return negative ? -v : v;
}

export const neg = (a: Big): Big => ({ m: -a.m, e: a.e });
export const abs = (a: Big): Big => (a.m < 0n ? neg(a) : a);
export const isZero = (a: Big): boolean => a.m === 0n;
export const sign = (a: Big): number => (a.m > 0n ? 1 : a.m < 0n ? -1 : 0);

export function add(a: Big, b: Big): Big {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  if (a.e < b.e) [a, b] = [b, a];
  const d = a.e - b.e;
  if (d > PREC + 4) return a;  // b is below a's last bit
  return normalize((a.m << BigInt(d)) + b.m, b.e);
}

export const sub = (a: Big, b: Big): Big => add(a, neg(b));
export const mul = (a: Big, b: Big): Big => normalize(a.m * b.m, a.e + b.e);

export function div(a: Big, b: Big): Big {
  if (b.m === 0n) throw new Error('div: division by zero');
  return normalize((a.m << (PREC_N + 8n)) / b.m, a.e - b.e - PREC - 8);
}

export const mulN = (a: Big, n: number): Big => mul(a, big(n));
export const divN = (a: Big, n: number): Big => div(a, big(n));
/** a * 2^k, exact. */
export const ldexp = (a: Big, k: number): Big => (a.m === 0n ? a : { m: a.m, e: a.e + k });

export function cmp(a: Big, b: Big): number {
  return sign(sub(a, b));
}

export const ONE = big(1);
export const HALF = big(0.5);

/** A rational p/q of BigInts. */
export function ratio(p: bigint, q: bigint): Big {
  return div(normalize(p, 0), normalize(q, 0));
}

export function sqrt(a: Big): Big {
  if (a.m < 0n) throw new Error('sqrt of a negative');
  if (a.m === 0n) return a;
  // Integer square root of m * 2^(PREC + parity), then halve the exponent.
  let m = a.m << PREC_N;
  let e = a.e - PREC;
  if (e % 2 !== 0) {
    m <<= 1n;
    e -= 1;
  }
  let x = 1n << BigInt(Math.ceil(bitLength(m) / 2));
  for (;;) {
    const y = (x + m / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  return normalize(x, e / 2);
}

/** Sum of a series until its terms fall below 2^-(PREC+8) of the sum. `term(n, previous)` gives term n. */
function series(first: Big, next: (n: number, previous: Big) => Big, maxTerms = 1_000_000): Big {
  let sum = first;
  let term = first;
  for (let n = 1; n < maxTerms; n++) {
    term = next(n, term);
    sum = add(sum, term);
    if (term.m === 0n || term.e + PREC < sum.e - 8) return sum;
  }
  throw new Error('series: no convergence');
}

function atanhInverse(k: number): Big {
  // atanh(1/k) = sum 1 / ((2j + 1) k^(2j+1))
  const inv = ratio(1n, BigInt(k));
  const inv2 = mul(inv, inv);
  let power = inv;
  return series(inv, (n) => {
    power = mul(power, inv2);
    return divN(power, 2 * n + 1);
  });
}

function atanInverse(k: number): Big {
  const inv = ratio(1n, BigInt(k));
  const inv2 = mul(inv, inv);
  let power = inv;
  return series(inv, (n) => {
    power = neg(mul(power, inv2));
    return divN(power, 2 * n + 1);
  });
}

/** log 2 = 2 atanh(1/3). */
export const LN2 = ldexp(atanhInverse(3), 1);
/** pi by Machin's formula, 16 atan(1/5) - 4 atan(1/239). */
export const PI = sub(mulN(atanInverse(5), 16), mulN(atanInverse(239), 4));
export const SQRT_PI = sqrt(PI);

export function exp(a: Big): Big {
  if (a.m === 0n) return ONE;
  // a = k log 2 + r, then e^r = (e^(r / 2^20))^(2^20) from a short Taylor series.
  const k = Math.round(toNumber(a) / Math.LN2);
  const r = ldexp(sub(a, mulN(LN2, k)), -20);
  let result = series(ONE, (n, previous) => divN(mul(previous, r), n));
  for (let i = 0; i < 20; i++) result = mul(result, result);
  return ldexp(result, k);
}

/** e^a - 1, without cancellation near 0. */
export function expm1(a: Big): Big {
  if (Math.abs(toNumber(a)) > 0.5) return sub(exp(a), ONE);
  return series(a, (n, previous) => divN(mul(previous, a), n + 1));
}

export function log(a: Big): Big {
  if (a.m <= 0n) throw new Error('log of a non-positive number');
  // a = f 2^k with f in [1/sqrt2, sqrt2); log f = 2 atanh((f - 1)/(f + 1)).
  let k = a.e + PREC;
  let f: Big = { m: a.m, e: -PREC };  // [1/2, 1)
  if (toNumber(f) < Math.SQRT1_2) {
    f = ldexp(f, 1);
    k -= 1;
  }
  const s = div(sub(f, ONE), add(f, ONE));
  const s2 = mul(s, s);
  let power = s;
  const atanh = series(s, (n) => {
    power = mul(power, s2);
    return divN(power, 2 * n + 1);
  });
  return add(mulN(LN2, k), ldexp(atanh, 1));
}

/** log(1 + a), without cancellation near 0. */
export function log1p(a: Big): Big {
  if (Math.abs(toNumber(a)) > 2 ** -10) return log(add(ONE, a));
  let power = a;
  return series(a, (n) => {
    power = neg(mul(power, a));
    return divN(power, n + 1);
  });
}

// ---------------------------------------------------------------------------------------------
// Bernoulli numbers, exactly, from sum_{j=0}^{n} C(n+1, j) B_j = 0.

const bernoulliCache: [bigint, bigint][] = [];
function bernoulliRational(n: number): [bigint, bigint] {
  if (bernoulliCache.length === 0) bernoulliCache.push([1n, 1n]);
  const gcd = (a: bigint, b: bigint): bigint => {
    a = a < 0n ? -a : a;
    while (b) [a, b] = [b, a % b];
    return a;
  };
  for (let m = bernoulliCache.length; m <= n; m++) {
    let p = 0n;
    let q = 1n;
    let c = 1n;  // C(m + 1, j)
    for (let j = 0; j < m; j++) {
      const [bp, bq] = bernoulliCache[j];
      // p/q += c * bp / bq
      p = p * bq + c * bp * q;
      q = q * bq;
      const g = gcd(p, q);
      p /= g;
      q /= g;
      c = (c * BigInt(m + 1 - j)) / BigInt(j + 1);
    }
    // B_m = -(p/q) / (m + 1)
    let bp = -p;
    let bq = q * BigInt(m + 1);
    const g = gcd(bp, bq);
    bp /= g;
    bq /= g;
    bernoulliCache.push([bp, bq]);
  }
  return bernoulliCache[n];
}

/** B_2k as a Big. */
export function bernoulli2k(k: number): Big {
  const [p, q] = bernoulliRational(2 * k);
  return ratio(p, q);
}

const STIRLING_TERMS = 30;
const SHIFT = 40;
const stirlingCoefficients = Array.from({ length: STIRLING_TERMS }, (_, i) => {
  const k = i + 1;
  return divN(bernoulli2k(k), 2 * k * (2 * k - 1));
});
const digammaCoefficients = Array.from({ length: STIRLING_TERMS }, (_, i) => divN(bernoulli2k(i + 1), 2 * (i + 1)));
const HALF_LOG_2PI = ldexp(log(ldexp(PI, 1)), -1);

/** x + n and the product x (x+1) ... (x+n-1), with x + n >= SHIFT. */
function shiftUp(x: Big): { z: Big; product: Big; n: number } {
  let z = x;
  let product = ONE;
  let n = 0;
  while (toNumber(z) < SHIFT) {
    product = mul(product, z);
    z = add(z, ONE);
    n++;
  }
  return { z, product, n };
}

/**
 * log|Gamma(x)| for x not a pole: shifted up by the recurrence to x + n >= 40, where Stirling's
 * series with 30 terms is accurate far beyond the working precision (the first omitted term is
 * below 1e-60); the shift works for negative x as well.
 */
export function lgamma(x: Big): Big {
  const { z, product } = shiftUp(x);
  const zr = div(ONE, z);
  const zr2 = mul(zr, zr);
  let power = zr;
  let sum = ZERO;
  for (const c of stirlingCoefficients) {
    sum = add(sum, mul(c, power));
    power = mul(power, zr2);
  }
  const main = add(sub(mul(sub(z, HALF), log(z)), z), HALF_LOG_2PI);
  return sub(add(main, sum), log(abs(product)));
}

/** digamma(x) for x not a pole: psi(x) = psi(x + n) - sum 1/(x + k), and the asymptotic series at x + n >= 40. */
export function digamma(x: Big): Big {
  let z = x;
  let shift = ZERO;
  while (toNumber(z) < SHIFT) {
    shift = add(shift, div(ONE, z));
    z = add(z, ONE);
  }
  const zr = div(ONE, z);
  const zr2 = mul(zr, zr);
  let power = zr2;
  let sum = ZERO;
  for (const c of digammaCoefficients) {
    sum = add(sum, mul(c, power));
    power = mul(power, zr2);
  }
  return sub(sub(sub(log(z), ldexp(zr, -1)), sum), shift);
}

/** Euler's constant, as -digamma(1). */
export const EULER = neg(digamma(ONE));

// ---------------------------------------------------------------------------------------------
// Error function

/** erf(x) = 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (1 3 5 ... (2n+1)), a series of positive terms. */
function erfSeries(x: Big): Big {
  const x2 = mul(x, x);
  const twoX2 = ldexp(x2, 1);
  const s = series(x, (n, previous) => divN(mul(previous, twoX2), 2 * n + 1));
  return div(ldexp(mul(exp(neg(x2)), s), 1), SQRT_PI);
}

/**
 * erfc(x) for x > 9 from its asymptotic series e^(-x^2) / (x sqrt(pi)) sum (-1)^n (2n-1)!! / (2x^2)^n,
 * summed to its smallest term, which is below e^(-x^2) (1e-35 relative at x = 9).
 */
function erfcAsymptotic(x: Big): Big {
  const x2 = mul(x, x);
  const inv = div(ONE, ldexp(x2, 1));
  let term = ONE;
  let sum = ONE;
  for (let n = 1; n < 10000; n++) {
    const next = neg(mul(mulN(term, 2 * n - 1), inv));
    if (cmp(abs(next), abs(term)) >= 0) break;
    term = next;
    sum = add(sum, term);
    if (term.e + PREC < sum.e - 8) break;
  }
  return div(mul(exp(neg(x2)), sum), mul(x, SQRT_PI));
}

export function erf(x: Big): Big {
  const v = toNumber(x);
  if (Math.abs(v) <= 9) return erfSeries(x);
  const c = erfcAsymptotic(abs(x));
  return v > 0 ? sub(ONE, c) : sub(c, ONE);
}

/** erfc(x): 1 - erf(x) up to 9 (at 320 bits the cancellation leaves more than 200), the asymptotic series beyond. */
export function erfc(x: Big): Big {
  const v = toNumber(x);
  if (v > 9) return erfcAsymptotic(x);
  if (v < -9) return sub(big(2), erfcAsymptotic(neg(x)));
  return sub(ONE, erfSeries(x));
}

/** Newton's method on f from a start, to convergence at the working precision. */
function newton(start: Big, step: (x: Big) => Big): Big {
  let x = start;
  for (let i = 0; i < 60; i++) {
    const d = step(x);
    x = sub(x, d);
    if (d.m === 0n || d.e + 150 < x.e) return x;  // |d| < 2^-150 |x|, well above the noise of erfc near 9
  }
  throw new Error('newton: no convergence');
}

const TWO_OVER_SQRT_PI = div(big(2), SQRT_PI);

/**
 * erfinv(y) by Newton's method on erf (or on erfc, beyond |y| = 1/2, where 1 - |y| is exact),
 * from any start near the root (the tests start from the value under test; a wrong start only
 * takes more steps).
 */
export function erfinv(y: number, start: number): Big {
  const target = big(y);
  const complement = big(1 - Math.abs(y));  // exact for |y| >= 1/2
  const s = Math.sign(y);
  return newton(big(start), (x) => {
    const slope = mul(TWO_OVER_SQRT_PI, exp(neg(mul(x, x))));
    if (Math.abs(y) <= 0.5) return div(sub(erf(x), target), slope);
    // erf(x) - y = s ((1 - |y|) - erfc(s x))
    const r = sub(complement, erfc(mulN(x, s)));
    return div(mulN(r, s), slope);
  });
}

const SQRT2 = sqrt(big(2));
const INV_SQRT_2PI = div(ONE, sqrt(ldexp(PI, 1)));

/** The standard normal CDF, erfc(-x / sqrt 2) / 2. */
export function normalCdf(x: Big): Big {
  return ldexp(erfc(neg(div(x, SQRT2))), -1);
}

/** ndtri(p) by Newton's method on the normal CDF. */
export function ndtri(p: number, start: number): Big {
  const target = big(p);
  return newton(big(start), (x) => {
    const density = mul(INV_SQRT_2PI, exp(ldexp(neg(mul(x, x)), -1)));
    return div(sub(normalCdf(x), target), density);
  });
}

// ---------------------------------------------------------------------------------------------
// Incomplete gamma and beta functions

/**
 * P(a, x) and Q(a, x): P from its series x^a e^-x / Gamma(a + 1) sum x^n / ((a+1)...(a+n)),
 * whose terms are positive; Q = 1 - P while Q > 2^-200, otherwise from Legendre's continued
 * fraction, evaluated backward at doubling depths until two depths agree to 2^-200.
 */
export function igamma(a: Big, x: Big): { p: Big; q: Big } {
  if (isZero(x)) return { p: ZERO, q: ONE };
  const logPrefix = sub(sub(mul(a, log(x)), x), lgamma(a));
  const s = series(ONE, (n, previous) => div(mul(previous, x), add(a, big(n))));
  const p = div(mul(exp(logPrefix), s), a);
  // 1 - P keeps more than 100 of the 320 bits while Q > 2^-200; below, x is far beyond a and the
  // continued fraction converges quickly.
  const complement = sub(ONE, p);
  if (complement.e + PREC > -200) return { p, q: complement };
  const fraction = (depth: number): Big => {
    // 1 / (x + 1 - a - 1(1-a) / (x + 3 - a - 2(2-a) / ...))
    let tail = ZERO;
    for (let i = depth; i >= 1; i--) {
      const numerator = neg(mul(big(i), sub(big(i), a)));
      tail = div(numerator, add(sub(add(x, big(2 * i + 1)), a), tail));
    }
    return div(ONE, add(sub(add(x, ONE), a), tail));
  };
  let depth = 64;
  let f = fraction(depth);
  for (;;) {
    depth *= 2;
    const g = fraction(depth);
    const d = sub(g, f);
    f = g;
    if (d.m === 0n || d.e + 200 < g.e) break;  // |d| < 2^-200 |g|
    if (depth > 1 << 16) throw new Error('igamma reference: continued fraction did not converge');
  }
  const q = mul(exp(logPrefix), f);
  return { p: sub(ONE, q), q };
}

export function betaln(a: Big, b: Big): Big {
  return sub(add(lgamma(a), lgamma(b)), lgamma(add(a, b)));
}

/**
 * I_x(a, b) from x^a y^b / (a B(a, b)) 2F1(a + b, 1; a + 1; x), whose terms are positive and
 * shrink at least like x^n in the end: directly for x <= 1/2, as 1 - I_{1-x}(b, a) above, unless
 * that difference is below 2^-200 (fewer than 120 of the 320 bits would survive), where the
 * direct series is summed after all.
 */
export function betainc(a: Big, b: Big, x: Big): Big {
  const side = (a: Big, b: Big, x: Big): Big => {
    const y = sub(ONE, x);
    const ab = add(a, b);
    const s = series(ONE, (n, previous) => div(mul(mul(previous, add(ab, big(n - 1))), x), add(a, big(n))));
    const logPrefix = sub(sub(add(mul(a, log(x)), mul(b, log(y))), log(a)), betaln(a, b));
    return mul(exp(logPrefix), s);
  };
  if (toNumber(x) <= 0.5) return side(a, b, x);
  const complement = sub(ONE, side(b, a, sub(ONE, x)));
  if (complement.e + PREC > -200) return complement;
  return side(a, b, x);
}

// ---------------------------------------------------------------------------------------------
// Bessel functions

/**
 * e^-|x| I_nu(x) for nu = 0, 1: the power series (x/2)^nu sum (x^2/4)^k / (k! (k+nu)!) up to
 * |x| = 500, the asymptotic series 1/sqrt(2 pi x) sum (-1)^k a_k(nu) / x^k beyond, summed to its
 * smallest term (below e^-2x).
 */
export function besselIe(nu: 0 | 1, x: Big): Big {
  const v = toNumber(x);
  const ax = abs(x);
  let r: Big;
  if (Math.abs(v) <= 500) {
    const q = ldexp(mul(x, x), -2);
    const first = nu === 0 ? ONE : ldexp(ax, -1);
    const s = series(first, (k, previous) => div(mul(previous, q), big(k * (k + nu))));
    r = mul(s, exp(neg(ax)));
  } else {
    // a_k(nu) = (4nu^2 - 1)(4nu^2 - 9)...(4nu^2 - (2k-1)^2) / (k! 8^k)
    const mu = 4 * nu * nu;
    let term = ONE;
    let sum = ONE;
    for (let k = 1; k < 100000; k++) {
      const next = neg(div(mulN(term, mu - (2 * k - 1) ** 2), mulN(ax, 8 * k)));
      if (cmp(abs(next), abs(term)) >= 0) break;
      term = next;
      sum = add(sum, term);
      if (term.e + PREC < sum.e - 8) break;
    }
    r = mul(sum, div(INV_SQRT_2PI, sqrt(ax)));
  }
  return nu === 1 && v < 0 ? neg(r) : r;
}

// ---------------------------------------------------------------------------------------------
// Error measurement

/** One unit in the last place of the double nearest |r|, in dtype (subnormals included). */
export function ulpOfBig(r: Big, dtype: 'float32' | 'float64'): number {
  const [mantissaBits, minExponent] = dtype === 'float32' ? [23, -126] : [52, -1022];
  if (r.m === 0n) return 2 ** (minExponent - mantissaBits);
  const exponent = r.e + PREC - 1;  // 2^exponent <= |r| < 2^(exponent+1)
  return 2 ** (Math.max(exponent, minExponent) - mantissaBits);
}

/**
 * |got - exact| in ulps of `scale` (default: of the exact value itself). NaN and infinities
 * must be matched exactly by the caller; here both are finite.
 */
export function ulpError(got: number, exact: Big, dtype: 'float32' | 'float64' = 'float64', scale?: Big): number {
  if (!Number.isFinite(got)) return Infinity;
  const err = abs(sub(big(got), exact));
  const unit = ulpOfBig(scale && cmp(abs(scale), abs(exact)) > 0 ? scale : exact, dtype);
  return toNumber(err) / unit;
}
