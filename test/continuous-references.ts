/**
 * Float64 references for the continuous scalar distributions, independent of the library:
 * densities, CDFs and statistics written as plain JS formulas, with the special functions from
 * the 320-bit references in special-reference.ts, and double-exponential quadrature to check
 * means, variances and entropies against the densities themselves.
 */
import * as B from './special-reference';

const toNumber = (x: B.Big): number => B.toNumber(x);
const big = (x: number): B.Big => B.big(x);

export const lgamma = (x: number): number => toNumber(B.lgamma(big(x)));
export const digamma = (x: number): number => toNumber(B.digamma(big(x)));
export const erf = (x: number): number => toNumber(B.erf(big(x)));
export const erfc = (x: number): number => toNumber(B.erfc(big(x)));
export const betaln = (a: number, b: number): number => toNumber(B.betaln(big(a), big(b)));
export const gammaP = (a: number, x: number): number => (x <= 0 ? 0 : toNumber(B.igamma(big(a), big(x)).p));
export const gammaQ = (a: number, x: number): number => (x <= 0 ? 1 : toNumber(B.igamma(big(a), big(x)).q));
export const betainc = (a: number, b: number, x: number): number => (x <= 0 ? 0 : x >= 1 ? 1 : toNumber(B.betainc(big(a), big(b), big(x))));
export const besselI0e = (x: number): number => toNumber(B.besselIe(0, big(x)));
export const besselI1e = (x: number): number => toNumber(B.besselIe(1, big(x)));
/** log Φ(z), from the 320-bit normal CDF. */
export const logNormalCdf = (z: number): number => toNumber(B.log(B.normalCdf(big(z))));
export const EULER = 0.5772156649015329;
export const LOG_2PI = Math.log(2 * Math.PI);

/** Parameters of one batch member, by name. */
export type Params = Record<string, number>;

/** Where a density lives, for quadrature: the real line, [lower, ∞) or [lower, upper]. */
export type Domain = { kind: 'real'; center: number; scale: number } | { kind: 'lower'; lower: number; scale: number } | { kind: 'interval'; lower: number; upper: number };

/**
 * ∫ f over the domain by the double-exponential (tanh-sinh family) rule with step 1/64 over
 * t ∈ [−4.5, 4.5]: exact to about 1e-13 for analytic integrands, including integrable endpoint
 * singularities and algebraic tails.
 */
export function integrate(f: (x: number) => number, domain: Domain): number {
  const h = 1 / 64;
  const half = Math.PI / 2;
  let sum = 0;
  for (let t = -4.5; t <= 4.5 + 1e-12; t += h) {
    const u = half * Math.sinh(t);
    const du = half * Math.cosh(t);
    const nodes: [number, number][] = [];
    if (domain.kind === 'real') {
      // Two half-lines from the centre, so that a kink there (Laplace) is an end, not a node.
      const reach = domain.scale * Math.exp(u);
      nodes.push([domain.center + reach, reach * du], [domain.center - reach, reach * du]);
    } else if (domain.kind === 'lower') {
      const reach = domain.scale * Math.exp(u);
      nodes.push([domain.lower + reach, reach * du]);
    } else {
      const radius = (domain.upper - domain.lower) / 2;
      // 1 ∓ tanh(u) without cancellation, so points next to the ends keep their distance.
      const toUpper = 2 / (1 + Math.exp(2 * u));
      const toLower = 2 / (1 + Math.exp(-2 * u));
      nodes.push([u > 0 ? domain.upper - radius * toUpper : domain.lower + radius * toLower, (radius * du) / Math.cosh(u) ** 2]);
    }
    for (const [x, w] of nodes) {
      // Points that round onto an end of the domain (where the density may be infinite) are left out.
      const atEnd = domain.kind !== 'real' && (x <= domain.lower || (domain.kind === 'interval' && x >= domain.upper));
      if (!Number.isFinite(x) || w === 0 || atEnd) continue;
      const v = f(x);
      if (Number.isFinite(v)) sum += v * w;
    }
  }
  return sum * h;
}

/** The reference of one family: its density, CDF and statistics at one batch member's parameters. */
export interface Reference {
  logProb(x: number, p: Params): number;
  cdf?(x: number, p: Params): number;
  mean(p: Params): number;
  variance(p: Params): number;
  mode?(p: Params): number;
  entropy(p: Params): number;
  /** The domain of the density, for quadrature. */
  domain(p: Params): Domain;
  /** Angles: the variance is the circular variance 1 − E[cos(X − loc)]. */
  circular?: boolean;
}

const t = (x: number, p: Params) => (x - p.loc) / p.scale;

export const references: Record<string, Reference> = {
  Normal: {
    logProb: (x, p) => -0.5 * t(x, p) ** 2 - Math.log(p.scale) - 0.5 * LOG_2PI,
    cdf: (x, p) => 0.5 * erfc(-t(x, p) / Math.SQRT2),
    mean: (p) => p.loc,
    variance: (p) => p.scale ** 2,
    mode: (p) => p.loc,
    entropy: (p) => 0.5 * Math.log(2 * Math.PI * Math.E * p.scale ** 2),
    domain: (p) => ({ kind: 'real', center: p.loc, scale: p.scale }),
  },
  HalfNormal: {
    logProb: (x, p) => 0.5 * Math.log(2 / Math.PI) - Math.log(p.scale) - x ** 2 / (2 * p.scale ** 2),
    cdf: (x, p) => erf(x / (p.scale * Math.SQRT2)),
    mean: (p) => p.scale * Math.sqrt(2 / Math.PI),
    variance: (p) => p.scale ** 2 * (1 - 2 / Math.PI),
    mode: () => 0,
    entropy: (p) => 0.5 * Math.log((Math.PI * Math.E * p.scale ** 2) / 2),
    domain: (p) => ({ kind: 'lower', lower: 0, scale: p.scale }),
  },
  LogNormal: {
    logProb: (x, p) => -0.5 * ((Math.log(x) - p.loc) / p.scale) ** 2 - Math.log(x * p.scale) - 0.5 * LOG_2PI,
    cdf: (x, p) => 0.5 * erfc(-(Math.log(x) - p.loc) / (p.scale * Math.SQRT2)),
    mean: (p) => Math.exp(p.loc + p.scale ** 2 / 2),
    variance: (p) => (Math.exp(p.scale ** 2) - 1) * Math.exp(2 * p.loc + p.scale ** 2),
    mode: (p) => Math.exp(p.loc - p.scale ** 2),
    entropy: (p) => Math.log(p.scale * Math.exp(p.loc + 0.5) * Math.sqrt(2 * Math.PI)),
    domain: (p) => ({ kind: 'lower', lower: 0, scale: Math.exp(p.loc) }),
  },
  StudentT: {
    logProb: (x, p) => lgamma((p.df + 1) / 2) - lgamma(p.df / 2) - 0.5 * Math.log(p.df * Math.PI) - Math.log(p.scale) - ((p.df + 1) / 2) * Math.log(1 + t(x, p) ** 2 / p.df),
    cdf: (x, p) => {
      const z = t(x, p);
      const tail = 0.5 * betainc(p.df / 2, 0.5, p.df / (p.df + z * z));
      return z < 0 ? tail : 1 - tail;
    },
    mean: (p) => (p.df > 1 ? p.loc : NaN),
    variance: (p) => (p.df > 2 ? (p.scale ** 2 * p.df) / (p.df - 2) : p.df > 1 ? Infinity : NaN),
    mode: (p) => p.loc,
    entropy: (p) => ((p.df + 1) / 2) * (digamma((p.df + 1) / 2) - digamma(p.df / 2)) + 0.5 * Math.log(p.df) + betaln(p.df / 2, 0.5) + Math.log(p.scale),
    domain: (p) => ({ kind: 'real', center: p.loc, scale: p.scale }),
  },
  Cauchy: {
    logProb: (x, p) => -Math.log(Math.PI * p.scale * (1 + t(x, p) ** 2)),
    cdf: (x, p) => 0.5 + Math.atan(t(x, p)) / Math.PI,
    mean: () => NaN,
    variance: () => NaN,
    mode: (p) => p.loc,
    entropy: (p) => Math.log(4 * Math.PI * p.scale),
    domain: (p) => ({ kind: 'real', center: p.loc, scale: p.scale }),
  },
  HalfCauchy: {
    logProb: (x, p) => Math.log(2 / (Math.PI * p.scale * (1 + t(x, p) ** 2))),
    cdf: (x, p) => (2 / Math.PI) * Math.atan(t(x, p)),
    mean: () => Infinity,
    variance: () => Infinity,
    mode: (p) => p.loc,
    entropy: (p) => Math.log(2 * Math.PI * p.scale),
    domain: (p) => ({ kind: 'lower', lower: p.loc, scale: p.scale }),
  },
  Laplace: {
    logProb: (x, p) => -Math.abs(t(x, p)) - Math.log(2 * p.scale),
    cdf: (x, p) => (t(x, p) < 0 ? 0.5 * Math.exp(t(x, p)) : 1 - 0.5 * Math.exp(-t(x, p))),
    mean: (p) => p.loc,
    variance: (p) => 2 * p.scale ** 2,
    mode: (p) => p.loc,
    entropy: (p) => 1 + Math.log(2 * p.scale),
    domain: (p) => ({ kind: 'real', center: p.loc, scale: p.scale }),
  },
  Logistic: {
    logProb: (x, p) => -t(x, p) - 2 * Math.log1p(Math.exp(-t(x, p))) - Math.log(p.scale),
    cdf: (x, p) => 1 / (1 + Math.exp(-t(x, p))),
    mean: (p) => p.loc,
    variance: (p) => (p.scale * Math.PI) ** 2 / 3,
    mode: (p) => p.loc,
    entropy: (p) => Math.log(p.scale) + 2,
    domain: (p) => ({ kind: 'real', center: p.loc, scale: p.scale }),
  },
  Gumbel: {
    logProb: (x, p) => -(t(x, p) + Math.exp(-t(x, p))) - Math.log(p.scale),
    cdf: (x, p) => Math.exp(-Math.exp(-t(x, p))),
    mean: (p) => p.loc + p.scale * EULER,
    variance: (p) => (Math.PI * p.scale) ** 2 / 6,
    mode: (p) => p.loc,
    entropy: (p) => Math.log(p.scale) + EULER + 1,
    domain: (p) => ({ kind: 'real', center: p.loc, scale: p.scale }),
  },
  Uniform: {
    logProb: (_x, p) => -Math.log(p.high - p.low),
    cdf: (x, p) => Math.min(1, Math.max(0, (x - p.low) / (p.high - p.low))),
    mean: (p) => (p.low + p.high) / 2,
    variance: (p) => (p.high - p.low) ** 2 / 12,
    entropy: (p) => Math.log(p.high - p.low),
    domain: (p) => ({ kind: 'interval', lower: p.low, upper: p.high }),
  },
  Exponential: {
    logProb: (x, p) => Math.log(p.rate) - p.rate * x,
    cdf: (x, p) => -Math.expm1(-p.rate * x),
    mean: (p) => 1 / p.rate,
    variance: (p) => 1 / p.rate ** 2,
    mode: () => 0,
    entropy: (p) => 1 - Math.log(p.rate),
    domain: (p) => ({ kind: 'lower', lower: 0, scale: 1 / p.rate }),
  },
  Gamma: {
    logProb: (x, p) => p.concentration * Math.log(p.rate) + (p.concentration - 1) * Math.log(x) - p.rate * x - lgamma(p.concentration),
    cdf: (x, p) => gammaP(p.concentration, p.rate * x),
    mean: (p) => p.concentration / p.rate,
    variance: (p) => p.concentration / p.rate ** 2,
    mode: (p) => (p.concentration >= 1 ? (p.concentration - 1) / p.rate : NaN),
    entropy: (p) => p.concentration - Math.log(p.rate) + lgamma(p.concentration) + (1 - p.concentration) * digamma(p.concentration),
    domain: (p) => ({ kind: 'lower', lower: 0, scale: p.concentration / p.rate }),
  },
  InverseGamma: {
    logProb: (x, p) => p.concentration * Math.log(p.scale) - lgamma(p.concentration) - (p.concentration + 1) * Math.log(x) - p.scale / x,
    cdf: (x, p) => gammaQ(p.concentration, p.scale / x),
    mean: (p) => (p.concentration > 1 ? p.scale / (p.concentration - 1) : NaN),
    variance: (p) => (p.concentration > 2 ? p.scale ** 2 / ((p.concentration - 1) ** 2 * (p.concentration - 2)) : NaN),
    mode: (p) => p.scale / (p.concentration + 1),
    entropy: (p) => p.concentration + Math.log(p.scale) + lgamma(p.concentration) - (1 + p.concentration) * digamma(p.concentration),
    domain: (p) => ({ kind: 'lower', lower: 0, scale: p.scale / (p.concentration + 1) }),
  },
  Beta: {
    logProb: (x, p) => (p.concentration1 - 1) * Math.log(x) + (p.concentration0 - 1) * Math.log1p(-x) - betaln(p.concentration1, p.concentration0),
    cdf: (x, p) => betainc(p.concentration1, p.concentration0, x),
    mean: (p) => p.concentration1 / (p.concentration1 + p.concentration0),
    variance: (p) => {
      const s = p.concentration1 + p.concentration0;
      return (p.concentration1 * p.concentration0) / (s * s * (s + 1));
    },
    mode: (p) => (p.concentration1 > 1 && p.concentration0 > 1 ? (p.concentration1 - 1) / (p.concentration1 + p.concentration0 - 2) : NaN),
    entropy: (p) => {
      const [a, b] = [p.concentration1, p.concentration0];
      return betaln(a, b) - (a - 1) * digamma(a) - (b - 1) * digamma(b) + (a + b - 2) * digamma(a + b);
    },
    domain: () => ({ kind: 'interval', lower: 0, upper: 1 }),
  },
  Chi2: {
    logProb: (x, p) => (p.df / 2 - 1) * Math.log(x) - x / 2 - (p.df / 2) * Math.LN2 - lgamma(p.df / 2),
    cdf: (x, p) => gammaP(p.df / 2, x / 2),
    mean: (p) => p.df,
    variance: (p) => 2 * p.df,
    mode: (p) => (p.df >= 2 ? p.df - 2 : NaN),
    entropy: (p) => p.df / 2 + Math.LN2 + lgamma(p.df / 2) + (1 - p.df / 2) * digamma(p.df / 2),
    domain: (p) => ({ kind: 'lower', lower: 0, scale: p.df }),
  },
  Weibull: {
    logProb: (x, p) => Math.log(p.concentration / p.scale) + (p.concentration - 1) * Math.log(x / p.scale) - (x / p.scale) ** p.concentration,
    cdf: (x, p) => -Math.expm1(-((x / p.scale) ** p.concentration)),
    mean: (p) => p.scale * Math.exp(lgamma(1 + 1 / p.concentration)),
    variance: (p) => p.scale ** 2 * (Math.exp(lgamma(1 + 2 / p.concentration)) - Math.exp(2 * lgamma(1 + 1 / p.concentration))),
    mode: (p) => (p.concentration > 1 ? p.scale * ((p.concentration - 1) / p.concentration) ** (1 / p.concentration) : 0),
    entropy: (p) => EULER * (1 - 1 / p.concentration) + Math.log(p.scale / p.concentration) + 1,
    domain: (p) => ({ kind: 'lower', lower: 0, scale: p.scale }),
  },
  Pareto: {
    logProb: (x, p) => Math.log(p.concentration) + p.concentration * Math.log(p.scale) - (p.concentration + 1) * Math.log(x),
    cdf: (x, p) => 1 - (p.scale / x) ** p.concentration,
    mean: (p) => (p.concentration > 1 ? (p.concentration * p.scale) / (p.concentration - 1) : Infinity),
    variance: (p) => (p.concentration > 2 ? (p.scale ** 2 * p.concentration) / ((p.concentration - 1) ** 2 * (p.concentration - 2)) : Infinity),
    mode: (p) => p.scale,
    entropy: (p) => Math.log(p.scale / p.concentration) + 1 / p.concentration + 1,
    domain: (p) => ({ kind: 'lower', lower: p.scale, scale: p.scale }),
  },
  VonMises: {
    logProb: (x, p) => p.concentration * (Math.cos(x - p.loc) - 1) - Math.log(2 * Math.PI * besselI0e(p.concentration)),
    mean: (p) => p.loc,
    variance: (p) => 1 - besselI1e(p.concentration) / besselI0e(p.concentration),
    mode: (p) => p.loc,
    entropy: (p) => -p.concentration * (besselI1e(p.concentration) / besselI0e(p.concentration)) + Math.log(2 * Math.PI * besselI0e(p.concentration)) + p.concentration,
    domain: () => ({ kind: 'interval', lower: -Math.PI, upper: Math.PI }),
    circular: true,
  },
};
