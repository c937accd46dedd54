/**
 * Binary cross-entropy from logits, fused: TensorFlow's `sigmoid_cross_entropy_with_logits`
 * and the Bernoulli/binomial log-likelihood in log-odds it is the negative of, each one native
 * pass forward and one backward (native/kernels/cross_entropy.cc), computed without
 * cancellation for large logits. Elementwise with broadcasting; float32 or float64 (int32 and
 * bool inputs compute in float32).
 */
import { elementwiseBatch } from '../batching';
import type { TensorLike } from '../convert';
import { type DType, promote, toFloat } from '../dtype';
import { defineOp, type GradientRule, type Op } from '../op';
import { broadcastShapes, type Shape } from '../shape';
import type { Tensor } from '../tensor';
import { mul, neg, sigmoid, softplus, sub } from './elementwise';

/** Every input cast to one float dtype: the promotion of theirs (int32 and bool to float32). */
const floatDType = (dtypes: DType[]) => {
  const t = toFloat(dtypes.reduce(promote));
  return { inputs: dtypes.map(() => t), output: t };
};

/** +1: the log-likelihood s·l − n·softplus(l); −1: the loss softplus(l) − s·l (n = 1). */
type Sign = 1 | -1;
interface SignAttrs { sign: Sign }

const signed = (sign: Sign, t: Tensor) => (sign === 1 ? t : neg(t));

// Input names by count: the labels and logits, then the trials when given.
const likelihoodInputs = (count: number) => (count === 3 ? ['successes', 'logits', 'trials'] : ['successes', 'logits']);
const gradInputs = (count: number) => (count === 4 ? ['dy', 'successes', 'logits', 'trials'] : ['dy', 'labels', 'logits']);

/**
 * The derivative in the logits times dy, sign·dy·(s − n·σ(l)): one native pass (the composed
 * form takes five). Its own gradient, for second derivatives, is written with ops.
 */
const gradOp: Op<SignAttrs> = defineOp<SignAttrs>({
  name: 'sigmoidCrossEntropyGrad',
  inputs: [],
  variadicInputs: gradInputs,
  dtype: floatDType,
  shape: (shapes: Shape[]) => broadcastShapes(shapes, gradInputs(shapes.length)),
  kernelAttrs: ({ sign }) => [sign],
  gradient: (u, { inputs: [dy, s, l, n], attrs: { sign }, needs }) => {
    const p = needs[2] || needs[3] ? sigmoid(l) : null;
    const uDy = needs[1] || needs[2] || needs[3] ? mul(u, dy) : null;
    return [
      // Linear in dy: the same op with u in its place.
      needs[0] ? gradOp.run(n === undefined ? [u, s, l] : [u, s, l, n], { sign }) : null,
      needs[1] ? signed(sign, uDy!) : null,
      // −sign·u·dy·n·σ(l)(1 − σ(l))
      needs[2] ? signed(sign, neg(mul(mul(uDy!, n === undefined ? p! : mul(n, p!)), sub(1, p!)))) : null,
      needs[3] ? signed(sign, neg(mul(uDy!, p!))) : null,
    ];
  },
  batch: elementwiseBatch,
});

/** The rule of both forward ops: inputs (s, l[, n]), output sign·(s·l − n·softplus(l)). */
const likelihoodGradient: GradientRule<SignAttrs> = (dy, { inputs: [s, l, n], attrs: { sign }, needs }) => [
  needs[0] ? signed(sign, mul(dy, l)) : null,
  needs[1] ? gradOp.run(n === undefined ? [dy, s, l] : [dy, s, l, n], { sign }) : null,
  needs[2] ? signed(sign, neg(mul(dy, softplus(l)))) : null,
];

const lossInputs = ['labels', 'logits'] as const;
const lossOp = defineOp<SignAttrs>({
  name: 'sigmoidCrossEntropyWithLogits',
  kernel: 'sigmoidCrossEntropy',
  inputs: lossInputs,
  dtype: floatDType,
  shape: (shapes: Shape[]) => broadcastShapes(shapes, lossInputs),
  kernelAttrs: () => [-1],
  gradient: likelihoodGradient,
  batch: elementwiseBatch,
});

const likelihoodOp = defineOp<SignAttrs>({
  name: 'binaryLogLikelihoodWithLogits',
  kernel: 'sigmoidCrossEntropy',
  inputs: [],
  variadicInputs: likelihoodInputs,
  dtype: floatDType,
  shape: (shapes: Shape[]) => broadcastShapes(shapes, likelihoodInputs(shapes.length)),
  kernelAttrs: () => [1],
  gradient: likelihoodGradient,
  batch: elementwiseBatch,
});

/**
 * TensorFlow's `sigmoid_cross_entropy_with_logits`: the loss softplus(logits) − labels·logits,
 * which is −[labels·log σ(logits) + (1 − labels)·log σ(−logits)], elementwise with
 * broadcasting; labels may be any value in [0, 1]. One native pass, accurate for logits of any
 * size (where the labels agree with the logits' sign the result is the small term
 * log(1 + e^−|logits|), kept to full relative precision); infinite logits give the limits (0 for
 * labels 1 at +∞). Gradient: σ(logits) − labels for the logits (one native pass), −logits for
 * the labels.
 *
 * @example
 * rv.sigmoidCrossEntropyWithLogits([1, 0, 1], [0, 0, 30]);  // [log 2, log 2, 9.4e-14]
 */
export function sigmoidCrossEntropyWithLogits(labels: TensorLike, logits: TensorLike): Tensor {
  return lossOp.run([labels, logits], { sign: -1 });
}

/**
 * The log-likelihood of `successes` in `trials` Bernoulli trials of log-odds `logits`, without
 * the binomial coefficient: successes·logits − trials·softplus(logits), that is
 * successes·log σ(logits) + (trials − successes)·log σ(−logits). `trials` defaults to 1 (then it
 * is minus `sigmoidCrossEntropyWithLogits`). Elementwise with broadcasting, one native pass,
 * accurate for logits of any size; infinite logits give the limits. The log-probability kernel
 * of the Bernoulli, Binomial, Geometric and NegativeBinomial distributions given logits.
 * Gradient: successes − trials·σ(logits) for the logits (one native pass), logits for the
 * successes, −softplus(logits) for the trials.
 *
 * @example
 * rv.binaryLogLikelihoodWithLogits([3], [0], [10]);  // [10·log(1/2)] = [-6.931...]
 */
export function binaryLogLikelihoodWithLogits(successes: TensorLike, logits: TensorLike, trials?: TensorLike): Tensor {
  // trials 1 (or absent) runs the two-input kernel, which takes it as 1 without reading a tensor.
  const args = trials === undefined || trials === 1 ? [successes, logits] : [successes, logits, trials];
  return likelihoodOp.run(args, { sign: 1 });
}
