/**
 * Helpers shared by the discrete, multivariate and meta distributions: parameters given as
 * probs or logits, batch shapes, logistic and Gumbel noise, 0·log 0 = 0 sums, integer-valued
 * distributions, the supports that constraints.ts does not have (one-hot vectors, count
 * vectors, constraints over extra event dims), component selection for mixtures, and the
 * multivariate normal written once over its scale operator.
 */
import type { Bijector } from '../bijectors/bijector';
import type { TensorLike } from '../tensor/convert';
import type { DType } from '../tensor/dtype';
import type { Seed } from '../tensor/random/key';
import { broadcastShapes, RuleError, type Shape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { Constraint, realVector } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import * as ops from './ops';
import { tensorOf } from './params';
import { halfLogTwoPi, openUniform } from './shared';

// Parameters and shapes.

/** The parameter form a distribution was given: probabilities or log-odds. */
export type ProbsOrLogits = 'probs' | 'logits';

/**
 * Which of two alternative parameters was given (exactly one must be), e.g.
 * `oneOf('Bernoulli', { probs, logits })` → 'probs'.
 */
export function oneOf<K extends string>(owner: string, params: Record<K, unknown>): K {
  const names = Object.keys(params) as K[];
  const given = names.filter((k) => params[k] !== undefined);
  if (given.length !== 1) throw new Error(`${owner}: give exactly one of ${names.join(', ')}, got ${given.length === 0 ? 'none' : given.join(' and ')}`);
  return given[0];
}

/** The broadcast of parameter shapes, as an Error naming the distribution when they do not broadcast. */
export function broadcastBatch(owner: string, shapes: Record<string, Shape>): Shape {
  try {
    return broadcastShapes(Object.values(shapes), Object.keys(shapes));
  } catch (error) {
    if (error instanceof RuleError) throw new Error(`${owner}: parameters ${error.message}`);
    throw error;
  }
}

/** Throws unless `t` has rank >= `rank` (a vector parameter over classes, a matrix...). */
export function requireRank(owner: string, name: string, t: Tensor, rank: number, what: string): void {
  if (t.rank < rank) throw new Error(`${owner}: ${name} must have rank >= ${rank} (${what}), got shape [${t.shape.join(', ')}]`);
}

/** Whether every element is a probability (in [0, 1]); a bool tensor for `requireAll`. */
export function isProbability(p: Tensor): Tensor {
  return ops.logicalAnd(ops.greaterEqual(p, 0), ops.lessEqual(p, 1));
}

/** Whether every element is a non-negative integer; a bool tensor for `requireAll`. */
export function isCount(n: Tensor): Tensor {
  return ops.logicalAnd(ops.greaterEqual(n, 0), ops.equal(ops.floor(n), n));
}

/** Whether every element is positive and finite; a bool tensor for `requireAll`. */
export function isPositive(x: Tensor): Tensor {
  return ops.logicalAnd(ops.greater(x, 0), ops.isFinite(x));
}

// Noise.

/** Logistic noise log U − log(1 − U). */
export function logisticNoise(shape: Shape, dtype: DType, seed: Seed | undefined): Tensor {
  const u = openUniform(shape, dtype, seed);
  return ops.sub(ops.log(u), ops.log1p(ops.neg(u)));
}

/** Gumbel noise −log(−log U). */
export function gumbelNoise(shape: Shape, dtype: DType, seed: Seed | undefined): Tensor {
  return ops.neg(ops.log(ops.neg(ops.log(openUniform(shape, dtype, seed)))));
}

// Probabilities, with 0·log 0 = 0.

/**
 * exp(logp)·b elementwise, with 0·b = 0 where logp = −∞ (the 0·log 0 = 0 convention of entropies
 * and KL divergences). Both branches are computed on safe values so that gradients stay finite.
 */
export function weightedByProb(logp: Tensor, b: Tensor): Tensor {
  const live = ops.greater(logp, -Infinity);
  const product = ops.mul(ops.exp(ops.where(live, logp, 0)), ops.where(live, b, 0));
  return ops.where(live, product, 0);
}

/** −Σ p log p over the last axis (`axis` null: elementwise), from log-probabilities. */
export function entropyFromLogProbs(logp: Tensor, axis: number | null = -1): Tensor {
  const terms = weightedByProb(logp, logp);
  return ops.neg(axis === null ? terms : ops.sum(terms, axis));
}

/** Σ p (log p − log q) over the last axis (`axis` null: elementwise), from log-probabilities. */
export function klFromLogProbs(logp: Tensor, logq: Tensor, axis: number | null = -1): Tensor {
  const terms = weightedByProb(logp, ops.sub(logp, logq));
  return axis === null ? terms : ops.sum(terms, axis);
}

/** log p and log(1 − p) of a binary parameter given as probs or logits (stable for large logits). */
export function binaryLogProbs(form: ProbsOrLogits, param: Tensor): { logP: Tensor; log1mP: Tensor } {
  if (form === 'logits') return { logP: ops.logSigmoid(param), log1mP: ops.logSigmoid(ops.neg(param)) };
  return { logP: ops.log(param), log1mP: ops.log1p(ops.neg(param)) };
}

/**
 * log P(successes) + log P(failures) weights of a binary parameter: s·log p + f·log(1 − p), with
 * 0·log 0 = 0 in the probs form (xlogy) and log σ(±logits) in the logits form. The kernel of the
 * Bernoulli, Binomial, NegativeBinomial and Geometric log-probabilities.
 */
export function binaryLogLikelihood(form: ProbsOrLogits, param: Tensor, successes: TensorLike, failures: TensorLike): Tensor {
  if (form === 'probs') return ops.add(ops.xlogy(successes, param), ops.xlog1py(failures, ops.neg(param)));
  const { logP, log1mP } = binaryLogProbs(form, param);
  return ops.add(ops.mul(successes, logP), ops.mul(failures, log1mP));
}

/** −p log p − (1 − p) log(1 − p), the entropy of one trial of a binary parameter. */
export function binaryEntropy(form: ProbsOrLogits, param: Tensor): Tensor {
  const { logP, log1mP } = binaryLogProbs(form, param);
  return ops.add(entropyFromLogProbs(logP, null), entropyFromLogProbs(log1mP, null));
}

/** The probabilities of a binary parameter (sigmoid of logits). */
export function binaryProbs(form: ProbsOrLogits, param: Tensor): Tensor {
  return form === 'logits' ? ops.sigmoid(param) : param;
}

/** The log-odds of a binary parameter (log p − log(1 − p) of probs). */
export function binaryLogits(form: ProbsOrLogits, param: Tensor): Tensor {
  return form === 'logits' ? param : ops.sub(ops.log(param), ops.log1p(ops.neg(param)));
}

/** Log-probabilities of the classes (last axis) of a categorical parameter: logSoftmax(logits) or log(probs). */
export function classLogProbs(form: ProbsOrLogits, param: Tensor): Tensor {
  return form === 'logits' ? ops.logSoftmax(param, -1) : ops.log(param);
}

/** Probabilities of the classes (last axis) of a categorical parameter: softmax(logits) or probs. */
export function classProbs(form: ProbsOrLogits, param: Tensor): Tensor {
  return form === 'logits' ? ops.softmax(param, -1) : param;
}

/** A bool mask [..., K]: whether each class index 0..K−1 equals `index` (shape [...], any number dtype). */
export function classMask(index: Tensor, numClasses: number): Tensor {
  return ops.equal(ops.expandDims(index, -1), ops.arange(0, numClasses, 1, index.dtype));
}

// Integer-valued distributions, and the supports that constraints.ts does not have.

/**
 * A distribution whose samples are integers of an int dtype (Bernoulli, Categorical,
 * OneHotCategorical), as TFP's. Values given to logProb are read in the float dtype of the
 * parameters, not cast to the int dtype first, so that 0.5 is outside the support (−∞) rather
 * than truncated to 0.
 */
export abstract class IntegerValuedDistribution extends Distribution {
  /** The float dtype the parameters and log-probabilities are computed in. */
  readonly paramDType: DType;

  protected constructor(init: { name: string; dtype: DType; paramDType: DType; batchShape: Shape; eventShape?: Shape; parameters: Record<string, Tensor>; options?: DistributionOptions }) {
    super(init);
    this.paramDType = init.paramDType;
  }

  protected override value(value: TensorLike, method: string): Tensor {
    const t = tensorOf(value, `${this.name}.${method}`, 'value', this.paramDType);
    return t.dtype === this.paramDType ? t : ops.cast(t, this.paramDType);
  }
}

/** Vectors of 0s and 1s with exactly one 1 (the support of OneHotCategorical). */
class OneHot extends Constraint {
  readonly name = 'one-hot vector';
  readonly kind = 'oneHot';
  override readonly eventRank = 1;
  check(value: Tensor): Tensor {
    const binary = ops.all(ops.logicalOr(ops.equal(value, 0), ops.equal(value, 1)), -1);
    return ops.logicalAnd(binary, ops.equal(ops.sum(value, -1), 1));
  }
  interior(value: Tensor): TensorLike {
    const k = value.shape[value.rank - 1] ?? 1;
    return ops.oneHot([0], k, 1, 0, value.dtype);
  }
}

/** One-hot vectors. */
export const oneHot: Constraint = new OneHot();

/** Vectors of non-negative integers summing to `totalCount` (the support of Multinomial). */
class CountVector extends Constraint {
  readonly name = 'count vector summing to totalCount';
  readonly kind = 'countVector';
  override readonly eventRank = 1;
  constructor(readonly totalCount: Tensor) {
    super();
  }
  check(value: Tensor): Tensor {
    return ops.logicalAnd(ops.all(isCount(value), -1), ops.equal(ops.sum(value, -1), this.totalCount));
  }
  interior(value: Tensor): TensorLike {
    // All trials in the first class: [n, 0, ..., 0].
    const k = value.shape[value.rank - 1] ?? 1;
    return ops.mul(ops.expandDims(this.totalCount, -1), ops.oneHot([0], k, 1, 0, value.dtype));
  }
}

/** Count vectors summing to `totalCount` (a tensor of the batch). */
export const countVector = (totalCount: Tensor): Constraint => new CountVector(totalCount);

/**
 * `base` applied to each element of events `extraRank` dims larger (the support of Independent,
 * and of distributions over tensors of reals): an event holds when all its parts do.
 */
class Reinterpreted extends Constraint {
  readonly name: string;
  readonly kind: string;
  override readonly eventRank: number;
  override readonly isReal: boolean;
  constructor(readonly base: Constraint, readonly extraRank: number) {
    super();
    this.name = base.name;
    this.kind = base.kind;
    this.eventRank = base.eventRank + extraRank;
    this.isReal = base.isReal;
  }
  check(value: Tensor): Tensor {
    const inner = this.base.check(value);
    if (this.extraRank === 0) return inner;
    return ops.all(inner, Array.from({ length: this.extraRank }, (_, i) => -1 - i));
  }
  interior(value: Tensor): TensorLike {
    return this.base.interior(value);
  }
  override bijector(): Bijector {
    return this.base.bijector();
  }
}

/** `base` over events `extraRank` dims larger (itself when extraRank is 0). */
export function reinterpreted(base: Constraint, extraRank: number): Constraint {
  return extraRank === 0 ? base : new Reinterpreted(base, extraRank);
}

// Mixtures: components along an axis.

/**
 * `x` with a size-1 axis inserted before its last `eventRank` axes: a value of shape
 * [...] + batchShape + eventShape lined up against a component axis [..., C] + eventShape.
 */
export function expandBeforeEvent(x: Tensor, eventRank: number): Tensor {
  return ops.expandDims(x, x.rank - eventRank);
}

/**
 * Picks, for each position of `index` (shape S + B, int), the entry `index` of the component
 * axis of `stacked` (shape S + B + [C] + E), differentiably: Σ over the axis of where(mask, ·, 0).
 */
export function selectComponent(stacked: Tensor, index: Tensor, eventRank: number): Tensor {
  const axis = stacked.rank - eventRank - 1;
  let mask = classMask(index, stacked.shape[axis]);
  for (let i = 0; i < eventRank; i++) mask = ops.expandDims(mask, -1);
  return ops.sum(ops.where(mask, stacked, ops.zerosLike(stacked)), axis);
}

/** Stacks tensors whose shapes broadcast together, each broadcast to the common shape first. */
export function stackBroadcast(owner: string, tensors: readonly Tensor[], axis: number): Tensor {
  const shapes: Record<string, Shape> = {};
  tensors.forEach((t, i) => { shapes[`argument ${i}`] = t.shape; });
  const shape = broadcastBatch(owner, shapes);
  return ops.stack(tensors.map((t) => ops.broadcastTo(t, shape)), axis);
}

/**
 * `d.sample(sampleShape)` broadcast to sampleShape + `batchShape` + d.eventShape, where d's batch
 * shape broadcasts to `batchShape` (size-1 axes are inserted between the sample and batch axes).
 */
export function sampleOver(d: Distribution, sampleShape: Shape, batchShape: Shape, seed: Seed | undefined): Tensor {
  const draws = d.sample(sampleShape, { seed });
  const padding = new Array<number>(batchShape.length - d.batchShape.length).fill(1);
  const aligned = ops.reshape(draws, [...sampleShape, ...padding, ...d.batchShape, ...d.eventShape]);
  return ops.broadcastTo(aligned, [...sampleShape, ...batchShape, ...d.eventShape]);
}

// Multivariate normals over a scale operator.

/**
 * The multivariate normal loc + S·z, z ~ N(0, I), over vectors of K reals, for a scale
 * operator S given by the subclass (diagonal or lower-triangular): sampling, logProb, mean and
 * entropy are written once against S (TFP's MultivariateNormalLinearOperator).
 */
export abstract class MultivariateNormalLinearOperator extends Distribution {
  readonly hasRsample = true;
  readonly support: Constraint = realVector;
  /** The mean, [..., K] (zeros when not given). */
  readonly loc: Tensor;

  protected constructor(init: { name: string; dtype: DType; batchShape: Shape; eventShape: Shape; loc: Tensor; parameters: Record<string, Tensor>; options?: DistributionOptions }) {
    super(init);
    this.loc = init.loc;
  }

  /** S·m for a batch of K×N matrices m. */
  protected abstract scaleMatMul(m: Tensor): Tensor;
  /** S⁻¹·m for a batch of K×N matrices m. */
  abstract solveScale(m: Tensor): Tensor;
  /** log |det S|, of the scale's batch shape. */
  abstract logAbsDetScale(): Tensor;
  /** S as a dense lower-triangular matrix, [..., K, K]. */
  abstract scaleMatrix(): Tensor;
  /** The diagonal of S when S is diagonal (for cheaper KL divergences), else null. */
  abstract diagonalScale(): Tensor | null;
  /** Covariance S Sᵀ, batchShape + [K, K]. */
  abstract covariance(): Tensor;

  protected sampleImpl(sampleShape: Shape, seed: Seed | undefined): Tensor {
    const z = ops.randomNormal([...sampleShape, ...this.batchShape, ...this.eventShape, 1], 0, 1, this.dtype, seed);
    return ops.add(this.loc, ops.squeeze(this.scaleMatMul(z), -1));
  }

  /** −½ |S⁻¹(x − loc)|² − log |det S| − (K/2) log 2π. */
  protected logProbImpl(value: Tensor): Tensor {
    const z = ops.squeeze(this.solveScale(ops.expandDims(ops.sub(value, this.loc), -1)), -1);
    const k = this.eventShape[0];
    return ops.sub(ops.mul(ops.sum(ops.square(z), -1), -0.5), ops.add(this.logAbsDetScale(), k * halfLogTwoPi));
  }

  override mean(): Tensor {
    return ops.broadcastTo(this.loc, [...this.batchShape, ...this.eventShape]);
  }

  override mode(): Tensor {
    return this.mean();
  }

  /** (K/2)(1 + log 2π) + log |det S|. */
  override entropy(): Tensor {
    const k = this.eventShape[0];
    return ops.broadcastTo(ops.add(this.logAbsDetScale(), k * (0.5 + halfLogTwoPi)), this.batchShape);
  }
}

/**
 * KL(p ‖ q) of two multivariate normals: ½ (|Sq⁻¹ Sp|²_F + |Sq⁻¹ (μq − μp)|² − K)
 * + log |det Sq| − log |det Sp|.
 */
export function multivariateNormalKL(p: MultivariateNormalLinearOperator, q: MultivariateNormalLinearOperator): Tensor {
  const dp = p.diagonalScale();
  const dq = q.diagonalScale();
  const trace = dp !== null && dq !== null
    ? ops.sum(ops.square(ops.div(dp, dq)), -1)
    : ops.sum(ops.square(q.solveScale(p.scaleMatrix())), [-2, -1]);
  const shift = ops.squeeze(q.solveScale(ops.expandDims(ops.sub(q.loc, p.loc), -1)), -1);
  const k = p.eventShape[0];
  const quadratic = ops.mul(ops.sub(ops.add(trace, ops.sum(ops.square(shift), -1)), k), 0.5);
  return ops.add(quadratic, ops.sub(q.logAbsDetScale(), p.logAbsDetScale()));
}
