/**
 * Probabilities given as probs or logits, of a binary outcome or over classes (the last axis),
 * and entropies and KL divergences from log-probabilities with the convention 0·log 0 = 0.
 */
import type { TensorLike } from '../tensor/convert';
import type { Tensor } from '../tensor/tensor';
import type { DistributionOptions } from './distribution';
import * as ops from './ops';

/** The parameter form a distribution was given: probabilities or log-odds. */
export type ProbsOrLogits = 'probs' | 'logits';

/** The arguments of families given probs or logits (exactly one). */
export interface ProbsOrLogitsArgs extends DistributionOptions {
  /** Probabilities: of success (binary families), or of the classes on the last axis. Give this or `logits`. */
  probs?: TensorLike;
  /** Log-odds of success (binary families), or unnormalised log-probabilities of the classes. Give this or `probs`. */
  logits?: TensorLike;
}

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
 * 0·log 0 = 0 in the probs form (xlogy). In the logits form, since log σ(l) = l − softplus(l) and
 * log σ(−l) = −softplus(l), it is s·l − (s + f)·softplus(l): minus the cross-entropy TensorFlow
 * computes, one fused native pass forward and one backward (binaryLogLikelihoodWithLogits; the
 * composed form takes three and five). The kernel of the Bernoulli, Binomial, NegativeBinomial
 * and Geometric log-probabilities.
 */
export function binaryLogLikelihood(form: ProbsOrLogits, param: Tensor, successes: TensorLike, failures: () => TensorLike, trials?: TensorLike): Tensor {
  if (form === 'probs') return ops.add(ops.xlogy(successes, param), ops.xlog1py(failures(), ops.neg(param)));
  return ops.binaryLogLikelihoodWithLogits(successes, param, trials ?? ops.add(successes, failures()));
}

/** −p log p − (1 − p) log(1 − p), the entropy of one trial of a binary parameter. */
export function binaryEntropy(form: ProbsOrLogits, param: Tensor): Tensor {
  const { logP, log1mP } = binaryLogProbs(form, param);
  return ops.add(entropyFromLogProbs(logP, null), entropyFromLogProbs(log1mP, null));
}

/** p(1 − p): the variance of an outcome that is 1 with probability p, else 0 (per trial, per class). */
export function indicatorVariance(p: Tensor): Tensor {
  return ops.mul(p, ops.sub(1, p));
}

/** The probabilities of a binary parameter (sigmoid of logits). */
export function binaryProbs(form: ProbsOrLogits, param: Tensor): Tensor {
  return form === 'logits' ? ops.sigmoid(param) : param;
}

/** The log-odds log p − log(1 − p) of a probability (also the standard logistic quantile function). */
export function logit(p: Tensor): Tensor {
  return ops.sub(ops.log(p), ops.log1p(ops.neg(p)));
}

/** The log-odds of a binary parameter (the logit of probs). */
export function binaryLogits(form: ProbsOrLogits, param: Tensor): Tensor {
  return form === 'logits' ? param : logit(param);
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
