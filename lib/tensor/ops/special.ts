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
import { addMethods, type ChainedMethods } from '../chain';
import type { TensorLike } from '../convert';
import { type DType, promote, toFloat } from '../dtype';
import { defineOp } from '../op';
import { broadcastShapes, type Shape } from '../shape';
import type { Tensor } from '../tensor';

/** All inputs cast to one float dtype: the promotion of theirs (int32 and bool to float32). */
const floatDType = (dtypes: DType[]) => {
  const t = toFloat(dtypes.reduce(promote));
  return { inputs: dtypes.map(() => t), output: t };
};

function unaryOp(name: string, input = 'x'): (x: TensorLike) => Tensor {
  const op = defineOp<void>({ name, inputs: [input], dtype: floatDType, shape: ([x]) => x });
  return (x: TensorLike) => op.run([x], undefined);
}

function binaryOp(name: string, inputs: readonly [string, string]): (a: TensorLike, b: TensorLike) => Tensor {
  const op = defineOp<void>({
    name,
    inputs,
    dtype: floatDType,
    shape: (shapes: Shape[]) => broadcastShapes(shapes, inputs),
  });
  return (a: TensorLike, b: TensorLike) => op.run([a, b], undefined);
}

/**
 * log|Γ(x)|. +Infinity at 0, at the negative integers and at ±Infinity (as TensorFlow).
 *
 * @example
 * rv.lgamma([1, 0.5, 10]);  // [0, 0.5723649..., 12.8018274...]
 */
export const lgamma = unaryOp('lgamma');

/**
 * The digamma function ψ(x) = Γ'(x)/Γ(x). NaN at the negative integers and at -Infinity; at
 * zero the one-sided limit, -Infinity at +0 and +Infinity at -0 (as SciPy's `psi`).
 *
 * @example
 * rv.digamma([1, 2]);  // [-0.5772156..., 0.4227843...]
 */
export const digamma = unaryOp('digamma');

/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^(-t²) dt.
 *
 * @example
 * rv.erf([0, 1, -Infinity]);  // [0, 0.8427007..., -1]
 */
export const erf = unaryOp('erf');

/**
 * The complementary error function 1 - erf(x), with full relative accuracy in the right tail
 * (it underflows only past x = 27.2).
 *
 * @example
 * rv.erfc(rv.tensor([0, 3, 10], undefined, 'float64'));  // [1, 2.2090497e-5, 2.0884876e-45]
 */
export const erfc = unaryOp('erfc');

/**
 * The inverse error function on [-1, 1]: ±Infinity at ±1, NaN outside.
 *
 * @example
 * rv.erfinv([0, 0.5, 1]);  // [0, 0.4769362..., Infinity]
 */
export const erfinv = unaryOp('erfinv', 'y');

/**
 * The inverse of the standard normal CDF: ndtri(p) = √2 erfinv(2p - 1). -Infinity at 0,
 * +Infinity at 1, NaN outside [0, 1]; accurate in both tails (down to subnormal p).
 *
 * @example
 * rv.ndtri([0.5, 0.975]);                                // [0, 1.9599639...]
 * rv.ndtri(rv.tensor([1e-300], undefined, 'float64'));  // [-37.0471...]
 */
export const ndtri = unaryOp('ndtri', 'p');

/**
 * log(1 - e^(-|x|)), TensorFlow Probability's `log1mexp`: it takes |x|, so for x ≤ 0 it is
 * log(1 - eˣ), and -Infinity at 0. Accurate near 0 and for large |x|.
 *
 * @example
 * rv.log1mexp(rv.tensor([-1e-20, -1, -50], undefined, 'float64'));  // [-46.0517018..., -0.4586751..., -1.9287498e-22]
 */
export const log1mexp = unaryOp('log1mexp');

/**
 * log(1 + eˣ) (softplus; TensorFlow Probability's `log1pexp`), exact for large |x|.
 *
 * @example
 * rv.log1pexp([0, 800, -800]);  // [0.6931471..., 800, 0]
 */
export const log1pexp = unaryOp('log1pexp');

/**
 * The exponentially scaled modified Bessel function of the first kind of order 0,
 * e^(-|x|) I₀(x) (TensorFlow's `bessel_i0e`); 0 at ±Infinity.
 *
 * @example
 * rv.besselI0e([0, 1]);  // [1, 0.4657596...]
 */
export const besselI0e = unaryOp('besselI0e');

/**
 * The exponentially scaled modified Bessel function of the first kind of order 1,
 * e^(-|x|) I₁(x) (TensorFlow's `bessel_i1e`); odd in x.
 *
 * @example
 * rv.besselI1e([1, -1]);  // [0.2079104..., -0.2079104...]
 */
export const besselI1e = unaryOp('besselI1e');

/**
 * log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b), elementwise and broadcasting (SciPy's
 * `betaln`; TensorFlow Probability's `lbeta` taken elementwise). Accurate for large arguments,
 * where the three lgammas nearly cancel. For a or b ≤ 0 it is log|B(a, b)| from the lgammas.
 *
 * @example
 * rv.betaln([1, 0.5], [1, 0.5]);  // [0, 1.1447298...] (log π)
 */
export const betaln = binaryOp('betaln', ['a', 'b']);

/**
 * The regularised lower incomplete gamma function P(a, x) = γ(a, x)/Γ(a), the CDF of a
 * Gamma(a, 1) variable at x (TensorFlow's `igamma`). 0 at x = 0, 1 at x = Infinity; NaN for
 * a ≤ 0 or x < 0.
 *
 * @example
 * rv.igamma([1, 2], [1, 1]);  // [0.6321205..., 0.2642411...]
 */
export const igamma = binaryOp('igamma', ['a', 'x']);

/**
 * The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x) (TensorFlow's
 * `igammac`), computed directly so its right tail keeps full relative accuracy.
 *
 * @example
 * rv.igammac([1, 100], [50, 200]);  // [1.9287498e-22, 1.8438936e-15]
 */
export const igammac = binaryOp('igammac', ['a', 'x']);

/**
 * x·log(y), and 0 wherever x = 0, even where y is 0, Infinity or NaN (TensorFlow's `xlogy`).
 *
 * @example
 * rv.xlogy([0, 2], [0, Math.E]);  // [0, 2]
 */
export const xlogy = binaryOp('xlogy', ['x', 'y']);

/**
 * x·log(1 + y), and 0 wherever x = 0, even where y is -1 or NaN (TensorFlow's `xlog1py`).
 *
 * @example
 * rv.xlog1py([0, 2], [-1, 1e-20]);  // [0, 2e-20] (to float32 rounding)
 */
export const xlog1py = binaryOp('xlog1py', ['x', 'y']);

const betaincInputs = ['a', 'b', 'x'] as const;
const betaincOp = defineOp<void>({
  name: 'betainc',
  inputs: betaincInputs,
  dtype: floatDType,
  shape: (shapes) => broadcastShapes(shapes, betaincInputs),
});

/**
 * The regularised incomplete beta function I_x(a, b), the CDF of a Beta(a, b) variable at x
 * (TensorFlow's `betainc`); a, b and x broadcast. 0 at x = 0, 1 at x = 1; NaN for a ≤ 0,
 * b ≤ 0 or x outside [0, 1].
 *
 * @example
 * rv.betainc(2, 3, [0.25, 0.5]);  // [0.26171875, 0.6875]
 */
export function betainc(a: TensorLike, b: TensorLike, x: TensorLike): Tensor {
  return betaincOp.run([a, b, x], undefined);
}

const methods = { lgamma, digamma, erf, erfc, erfinv, ndtri, log1mexp, log1pexp, besselI0e, besselI1e };
addMethods(methods);

declare module '../tensor' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends ChainedMethods<typeof methods> {}
}
