/**
 * Special functions, elementwise with broadcasting: log-gamma and digamma, the error function
 * and its inverses, the inverse normal CDF, log-beta, the regularised incomplete gamma and beta
 * functions, exponentially scaled Bessel functions and the log helpers densities need. Names
 * follow TensorFlow (`tf.math.lgamma`, `igamma`, `betainc`, `ndtri`, `bessel_i0e`, `xlogy`) and
 * TensorFlow Probability (`log1mexp`, `log1pexp`), in camelCase.
 *
 * Every function computes in float64 to a few ulp over its whole domain (see
 * native/special_math.h for the methods; test/special.test.ts measures the errors); float32
 * inputs compute in double and round once. int32 and bool inputs compute in float32, as the
 * other math ops do. NaN inputs give NaN unless stated.
 */
import { elementwiseBatch } from '../batching';
import { addMethods, type ChainedMethods } from '../chain';
import type { TensorLike } from '../convert';
import { type DType, promote, toFloat } from '../dtype';
import { defineOp, type GradContext, type GradientRule } from '../op';
import { broadcastShapes, type Shape } from '../shape';
import type { Tensor } from '../tensor';
import { arange } from './creation';
import {
  abs, add, cast, div, equal, exp, expm1, less, lessEqual, mul, neg, notEqual, reciprocal, round, sigmoid, sign, sin,
  square, sub, where,
} from './elementwise';
import { sum } from './reduction';
import { expandDims } from './view';

/** All inputs cast to one float dtype: the promotion of theirs (int32 and bool to float32). */
const floatDType = (dtypes: DType[]) => {
  const t = toFloat(dtypes.reduce(promote));
  return { inputs: dtypes.map(() => t), output: t };
};

/**
 * A unary op whose derivative `derivative(x, y)` (y the op's output) is written with ops; the
 * gradient is dy times it.
 */
function unaryOp(name: string, derivative: (x: Tensor, y: Tensor) => Tensor, input = 'x'): (x: TensorLike) => Tensor {
  const op = defineOp<void>({
    name,
    inputs: [input],
    dtype: floatDType,
    shape: ([x]) => x,
    gradient: (dy, { inputs: [x], output }) => [mul(dy, derivative(x, output))],
    batch: elementwiseBatch,
  });
  return (x: TensorLike) => op.run([x], undefined);
}

function binaryOp(name: string, inputs: readonly [string, string], gradient: GradientRule<void>): (a: TensorLike, b: TensorLike) => Tensor {
  const op = defineOp<void>({
    name,
    inputs,
    dtype: floatDType,
    shape: (shapes: Shape[]) => broadcastShapes(shapes, inputs),
    gradient,
    batch: elementwiseBatch,
  });
  return (a: TensorLike, b: TensorLike) => op.run([a, b], undefined);
}

/** Terms of ψ₁'s recurrence summed before its asymptotic series is used (at x + 10 ≥ 10). */
const TRIGAMMA_SHIFT = 10;

/**
 * The trigamma function ψ₁(x) = ψ'(x), composed of ops (there is no kernel), for digamma's
 * gradient. For x > 0: ψ₁(x) = Σ_{k<10} 1/(x+k)² + ψ₁(x+10), the last from its asymptotic
 * series 1/z + 1/(2z²) + Σ B₂ₖ/z^(2k+1) to B₁₄ (truncation error below 1e-15 relative at
 * z ≥ 10). For x ≤ 0 the reflection ψ₁(x) = π²/sin²(πx) − ψ₁(1 − x), with sin taken of
 * x − round(x) so that it stays accurate far from 0: +Infinity at the poles 0, -1, -2...
 */
function trigamma(x: Tensor): Tensor {
  const reflect = lessEqual(x, 0);
  const positive = trigammaPositive(where(reflect, sub(1, x), x));
  // The unused branch gets a harmless argument, so that its gradient is finite too.
  const xr = where(reflect, x, 0.5);
  const pole = div(Math.PI * Math.PI, square(sin(mul(sub(xr, round(xr)), Math.PI))));
  return where(reflect, sub(pole, positive), positive);
}

function trigammaPositive(x: Tensor): Tensor {
  const head = sum(reciprocal(square(add(expandDims(x, -1), arange(0, TRIGAMMA_SHIFT, 1, x.dtype)))), -1);
  const w = reciprocal(add(x, TRIGAMMA_SHIFT));
  const w2 = square(w);
  // Bernoulli numbers B₂ ... B₁₄, by Horner's rule in 1/z².
  const bernoulli = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6];
  let tail = mul(w2, bernoulli[bernoulli.length - 1]);
  for (let k = bernoulli.length - 2; k > 0; k--) tail = mul(w2, add(tail, bernoulli[k]));
  const series = add(add(w, mul(w2, 0.5)), mul(mul(w, w2), add(tail, bernoulli[0])));
  return add(head, series);
}

/**
 * log|Γ(x)|. +Infinity at 0, at the negative integers and at ±Infinity (as TensorFlow).
 *
 * @example
 * rv.lgamma([1, 0.5, 10]);  // [0, 0.5723649..., 12.8018274...]
 */
export const lgamma = unaryOp('lgamma', (x) => digamma(x));

/**
 * The digamma function ψ(x) = Γ'(x)/Γ(x). NaN at the negative integers and at -Infinity; at
 * zero the one-sided limit, -Infinity at +0 and +Infinity at -0 (as SciPy's `psi`). Its
 * gradient is the trigamma function, composed of ops (a recurrence, an asymptotic series and
 * the reflection formula), to about 1e-15 relative for x > 0.
 *
 * @example
 * rv.digamma([1, 2]);  // [-0.5772156..., 0.4227843...]
 */
export const digamma = unaryOp('digamma', trigamma);

/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^(-t²) dt.
 *
 * @example
 * rv.erf([0, 1, -Infinity]);  // [0, 0.8427007..., -1]
 */
export const erf = unaryOp('erf', (x) => mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI)));

/**
 * The complementary error function 1 - erf(x), with full relative accuracy in the right tail
 * (it underflows only past x = 27.2).
 *
 * @example
 * rv.erfc(rv.tensor([0, 3, 10], undefined, 'float64'));  // [1, 2.2090497e-5, 2.0884876e-45]
 */
export const erfc = unaryOp('erfc', (x) => mul(exp(neg(square(x))), -2 / Math.sqrt(Math.PI)));

/**
 * The inverse error function on [-1, 1]: ±Infinity at ±1, NaN outside.
 *
 * @example
 * rv.erfinv([0, 0.5, 1]);  // [0, 0.4769362..., Infinity]
 */
// d erfinv(y)/dy = √π/2 · exp(erfinv(y)²): Infinity at ±1.
export const erfinv = unaryOp('erfinv', (_, x) => mul(exp(square(x)), Math.sqrt(Math.PI) / 2), 'y');

/**
 * The inverse of the standard normal CDF: ndtri(p) = √2 erfinv(2p - 1). -Infinity at 0,
 * +Infinity at 1, NaN outside [0, 1]; accurate in both tails (down to subnormal p).
 *
 * @example
 * rv.ndtri([0.5, 0.975]);                                // [0, 1.9599639...]
 * rv.ndtri(rv.tensor([1e-300], undefined, 'float64'));  // [-37.0471...]
 */
// d ndtri(p)/dp = √(2π) · exp(ndtri(p)²/2): Infinity at 0 and 1.
export const ndtri = unaryOp('ndtri', (_, x) => mul(exp(mul(square(x), 0.5)), Math.sqrt(2 * Math.PI)), 'p');

/**
 * log(1 - e^(-|x|)), TensorFlow Probability's `log1mexp`: it takes |x|, so for x ≤ 0 it is
 * log(1 - eˣ), and -Infinity at 0. Accurate near 0 and for large |x|. Its derivative is
 * sign(x)/expm1(|x|); at 0, where the function is -Infinity, the gradient is +Infinity.
 *
 * @example
 * rv.log1mexp(rv.tensor([-1e-20, -1, -50], undefined, 'float64'));  // [-46.0517018..., -0.4586751..., -1.9287498e-22]
 */
export const log1mexp = unaryOp('log1mexp', (x) => {
  const r = reciprocal(expm1(abs(x)));
  return where(less(x, 0), neg(r), r);
});

/**
 * log(1 + eˣ) (softplus; TensorFlow Probability's `log1pexp`), exact for large |x|.
 *
 * @example
 * rv.log1pexp([0, 800, -800]);  // [0.6931471..., 800, 0]
 */
export const log1pexp = unaryOp('log1pexp', (x) => sigmoid(x));

/**
 * The exponentially scaled modified Bessel function of the first kind of order 0,
 * e^(-|x|) I₀(x) (TensorFlow's `bessel_i0e`); 0 at ±Infinity. Its derivative is
 * I₁e(x) − sign(x)·I₀e(x); at the kink x = 0 the gradient is 0 (as TensorFlow).
 *
 * @example
 * rv.besselI0e([0, 1]);  // [1, 0.4657596...]
 */
export const besselI0e = unaryOp('besselI0e', (x, y) => sub(besselI1e(x), mul(sign(x), y)));

/**
 * The exponentially scaled modified Bessel function of the first kind of order 1,
 * e^(-|x|) I₁(x) (TensorFlow's `bessel_i1e`); odd in x. Its derivative is
 * I₀e(x) − I₁e(x)·(sign(x) + 1/x), and 1/2 at x = 0.
 *
 * @example
 * rv.besselI1e([1, -1]);  // [0.2079104..., -0.2079104...]
 */
export const besselI1e = unaryOp('besselI1e', (x, y) => {
  // Below 2⁻⁵² the derivative is 1/2 to rounding (it is 1/2 − |x| + O(x²)), and I₁e(x)/x
  // would lose accuracy to subnormals; the formula gets a harmless argument there.
  const tiny = lessEqual(abs(x), 2 ** -52);
  const safe = where(tiny, 1, x);
  const d = sub(besselI0e(safe), mul(y, add(sign(safe), reciprocal(safe))));
  return where(tiny, 0.5, d);
});

/**
 * log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b), elementwise and broadcasting (SciPy's
 * `betaln`; TensorFlow Probability's `lbeta` taken elementwise). Accurate for large arguments,
 * where the three lgammas nearly cancel. For a or b ≤ 0 it is log|B(a, b)| from the lgammas.
 * Its gradient is ψ(a) − ψ(a + b) and ψ(b) − ψ(a + b).
 *
 * @example
 * rv.betaln([1, 0.5], [1, 0.5]);  // [0, 1.1447298...] (log π)
 */
export const betaln = binaryOp('betaln', ['a', 'b'], (dy, { inputs: [a, b], needs }) => {
  const both = digamma(add(a, b));
  return [needs[0] ? mul(dy, sub(digamma(a), both)) : null, needs[1] ? mul(dy, sub(digamma(b), both)) : null];
});

/**
 * The regularised lower incomplete gamma function P(a, x) = γ(a, x)/Γ(a), the CDF of a
 * Gamma(a, 1) variable at x (TensorFlow's `igamma`). 0 at x = 0, 1 at x = Infinity; NaN for
 * a ≤ 0 or x < 0.
 *
 * Gradient: with respect to x, the Gamma(a, 1) density; with respect to a there is no closed
 * form and none is given yet (a gets no gradient).
 *
 * @example
 * rv.igamma([1, 2], [1, 1]);  // [0.6321205..., 0.2642411...]
 */
export const igamma = binaryOp('igamma', ['a', 'x'], (dy, { inputs: [a, x], needs }) => [null, needs[1] ? mul(dy, gammaDensity(a, x)) : null]);

/**
 * The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x) (TensorFlow's
 * `igammac`), computed directly so its right tail keeps full relative accuracy. Gradient: as
 * `igamma`'s, negated (none with respect to a).
 *
 * @example
 * rv.igammac([1, 100], [50, 200]);  // [1.9287498e-22, 1.8438936e-15]
 */
export const igammac = binaryOp('igammac', ['a', 'x'], (dy, { inputs: [a, x], needs }) => [null, needs[1] ? mul(neg(dy), gammaDensity(a, x)) : null]);

/**
 * x·log(y), and 0 wherever x = 0, even where y is 0, Infinity or NaN (TensorFlow's `xlogy`).
 * Gradient (as TensorFlow's): log(y) and x/y, both 0 wherever x = 0.
 *
 * @example
 * rv.xlogy([0, 2], [0, Math.E]);  // [0, 2]
 */
export const xlogy = binaryOp('xlogy', ['x', 'y'], (dy, ctx) => xlogGradient(dy, ctx, 0));

/**
 * x·log(1 + y), and 0 wherever x = 0, even where y is -1 or NaN (TensorFlow's `xlog1py`).
 * Gradient (as TensorFlow's): log(1 + y) and x/(1 + y), both 0 wherever x = 0.
 *
 * @example
 * rv.xlog1py([0, 2], [-1, 1e-20]);  // [0, 2e-20] (to float32 rounding)
 */
export const xlog1py = binaryOp('xlog1py', ['x', 'y'], (dy, ctx) => xlogGradient(dy, ctx, 1));

const betaincInputs = ['a', 'b', 'x'] as const;
const betaincOp = defineOp<void>({
  name: 'betainc',
  inputs: betaincInputs,
  dtype: floatDType,
  shape: (shapes) => broadcastShapes(shapes, betaincInputs),
  // With respect to x the Beta(a, b) density x^(a-1) (1-x)^(b-1) / B(a, b); a and b get none.
  gradient: (dy, { inputs: [a, b, x], needs }) => [null, null, needs[2]
    ? mul(dy, exp(sub(add(xlogy(sub(a, 1), x), xlog1py(sub(b, 1), neg(x))), betaln(a, b))))
    : null],
  batch: elementwiseBatch,
});

/**
 * The regularised incomplete beta function I_x(a, b), the CDF of a Beta(a, b) variable at x
 * (TensorFlow's `betainc`); a, b and x broadcast. 0 at x = 0, 1 at x = 1; NaN for a ≤ 0,
 * b ≤ 0 or x outside [0, 1].
 *
 * Gradient: with respect to x, the Beta(a, b) density; with respect to a and b there is no
 * closed form and none is given yet (they get no gradient).
 *
 * @example
 * rv.betainc(2, 3, [0.25, 0.5]);  // [0.26171875, 0.6875]
 */
export function betainc(a: TensorLike, b: TensorLike, x: TensorLike): Tensor {
  return betaincOp.run([a, b, x], undefined);
}

/** The Gamma(a, 1) density x^(a-1) e^(-x) / Γ(a), with 0^0 = 1 (so 1 at x = 0 for a = 1). */
function gammaDensity(a: Tensor, x: Tensor): Tensor {
  return exp(sub(sub(xlogy(sub(a, 1), x), x), lgamma(a)));
}

/**
 * Gradient of xlogy (offset 0) and xlog1py (offset 1): log(offset + y) and x/(offset + y), 0
 * wherever x = 0, as TensorFlow's. There y is replaced by a harmless value so that the
 * gradient's own gradient stays finite.
 */
function xlogGradient(dy: Tensor, { inputs: [x, y], needs }: GradContext<void>, offset: 0 | 1): (Tensor | null)[] {
  const gx = needs[0] ? mul(dy, (offset === 0 ? xlogy : xlog1py)(cast(notEqual(x, 0), x.dtype), y)) : null;
  const gy = needs[1] ? mul(dy, div(x, add(where(equal(x, 0), 1 - offset, y), offset))) : null;
  return [gx, gy];
}

const methods = { lgamma, digamma, erf, erfc, erfinv, ndtri, log1mexp, log1pexp, besselI0e, besselI1e };
addMethods(methods);

declare module '../tensor' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends ChainedMethods<typeof methods> {}
}
