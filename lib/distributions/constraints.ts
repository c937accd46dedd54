/**
 * Supports of distributions, as constraints: `check` says which values lie in the support
 * (over the event dims: one bool per event), `interior` gives a point inside it (for masking
 * values outside before computing, so that gradients stay finite), and `bijector` the default
 * map from unconstrained reals onto it (used by HMC/NUTS and VI). The bijectors are filled in
 * by lib/bijectors (see constraint-bijectors.ts).
 */
import type { Bijector } from '../bijectors/bijector';
import type { TensorLike } from '../tensor/convert';
import { type Tensor } from '../tensor/tensor';
import * as ops from './ops';

export abstract class Constraint {
  /** Short description, used in error messages: 'positive', 'interval [0, 1]', 'simplex'... */
  abstract readonly name: string;
  /** Rank of the event the constraint applies to (0: elementwise, 1: vectors, 2: matrices). */
  readonly eventRank: number = 0;
  /** Whether every real (vector, matrix) satisfies it: then logProb skips the check. */
  readonly isReal: boolean = false;
  /** A bool tensor: whether each event of `value` satisfies the constraint. */
  abstract check(value: Tensor): Tensor;
  /** A value inside the support, broadcastable against `value`. */
  abstract interior(value: Tensor): TensorLike;
  /** The default bijector from unconstrained space onto the support. */
  bijector(): Bijector {
    const make = bijectorFactories.get(this.kind);
    if (!make) throw new Error(`constraint ${this.name} has no default bijector`);
    return make(this);
  }
  /** The family of the constraint, for the bijector table. */
  abstract readonly kind: string;
}

const bijectorFactories = new Map<string, (c: Constraint) => Bijector>();

/** @internal lib/bijectors registers the default bijector of each kind of constraint. */
export function registerConstraintBijector(kind: string, make: (c: Constraint) => Bijector): void {
  bijectorFactories.set(kind, make);
}

class Real extends Constraint {
  readonly name: string = 'real';
  readonly kind: string = 'real';
  override readonly isReal = true;
  check(value: Tensor): Tensor {
    return ops.logicalNot(ops.isNaN(value));
  }
  interior(): TensorLike {
    return 0;
  }
}

/** Values > lower (or >= lower when `inclusive`). */
export class GreaterThan extends Constraint {
  readonly kind = 'greaterThan';
  readonly name: string;
  constructor(readonly lower: Tensor | number, readonly inclusive = false) {
    super();
    this.name = `${inclusive ? '>=' : '>'} ${typeof lower === 'number' ? lower : 'lower'}`;
  }
  check(value: Tensor): Tensor {
    return this.inclusive ? ops.greaterEqual(value, this.lower) : ops.greater(value, this.lower);
  }
  interior(): TensorLike {
    return ops.add(this.lower, 1);
  }
}

/** Values in [lower, upper] (open ends when `open`). */
export class Interval extends Constraint {
  readonly kind = 'interval';
  readonly name: string;
  constructor(readonly lower: Tensor | number, readonly upper: Tensor | number, readonly open = false) {
    super();
    const show = (v: Tensor | number) => (typeof v === 'number' ? String(v) : 'param');
    this.name = `interval ${open ? '(' : '['}${show(lower)}, ${show(upper)}${open ? ')' : ']'}`;
  }
  check(value: Tensor): Tensor {
    const lo = this.open ? ops.greater(value, this.lower) : ops.greaterEqual(value, this.lower);
    const hi = this.open ? ops.less(value, this.upper) : ops.lessEqual(value, this.upper);
    return ops.logicalAnd(lo, hi);
  }
  interior(): TensorLike {
    return ops.mul(ops.add(this.lower, this.upper), 0.5);
  }
}

/** Integers in [lower, upper] (upper may be Infinity). */
export class IntegerInterval extends Constraint {
  readonly kind = 'integerInterval';
  readonly name: string;
  constructor(readonly lower: Tensor | number, readonly upper: Tensor | number) {
    super();
    this.name = `integers in [${typeof lower === 'number' ? lower : 'param'}, ${typeof upper === 'number' ? upper : 'param'}]`;
  }
  check(value: Tensor): Tensor {
    const integral = ops.equal(ops.floor(value), value);
    return ops.logicalAnd(integral, ops.logicalAnd(ops.greaterEqual(value, this.lower), ops.lessEqual(value, this.upper)));
  }
  interior(): TensorLike {
    return this.lower;
  }
}

/** Vectors of non-negative entries summing to 1 (within float tolerance). */
class Simplex extends Constraint {
  readonly name = 'simplex';
  readonly kind = 'simplex';
  override readonly eventRank = 1;
  check(value: Tensor): Tensor {
    const tol = value.dtype === 'float64' ? 1e-10 : 1e-5;
    const sums = ops.abs(ops.sub(ops.sum(value, -1), 1));
    return ops.logicalAnd(ops.all(ops.greaterEqual(value, 0), -1), ops.lessEqual(sums, tol * Math.max(1, value.shape[value.rank - 1] ?? 1)));
  }
  interior(value: Tensor): TensorLike {
    const k = value.shape[value.rank - 1] ?? 1;
    return 1 / k;
  }
}

/** Real vectors (no constraint on any entry). */
class RealVector extends Real {
  override readonly name = 'real vector';
  override readonly kind = 'realVector';
  override readonly eventRank = 1;
  override check(value: Tensor): Tensor {
    return ops.logicalNot(ops.any(ops.isNaN(value), -1));
  }
}

/** Square matrices of a kind the identity belongs to, which serves as their interior point. */
abstract class SquareMatrices extends Constraint {
  override readonly eventRank = 2;
  interior(value: Tensor): TensorLike {
    return ops.eye(value.shape[value.rank - 1] ?? 1, undefined, [], value.dtype);
  }
}

/** Lower-triangular matrices with positive diagonals (Cholesky factors). */
class LowerCholesky extends SquareMatrices {
  readonly name: string = 'lower Cholesky factor';
  readonly kind: string = 'lowerCholesky';
  check(value: Tensor): Tensor {
    const upperZero = ops.all(ops.equal(ops.sub(value, ops.bandPart(value, -1, 0)), 0), [-2, -1]);
    return ops.logicalAnd(upperZero, ops.all(ops.greater(ops.matrixDiagPart(value), 0), -1));
  }
}

/** Cholesky factors of correlation matrices: lower Cholesky factors whose rows have unit norm. */
class CorrelationCholesky extends LowerCholesky {
  override readonly name = 'correlation Cholesky factor';
  override readonly kind = 'correlationCholesky';
  override check(value: Tensor): Tensor {
    const tol = value.dtype === 'float64' ? 1e-10 : 1e-5;
    const rowNorms = ops.sum(ops.square(value), -1);
    return ops.logicalAnd(super.check(value), ops.all(ops.lessEqual(ops.abs(ops.sub(rowNorms, 1)), tol), -1));
  }
}

/** Symmetric positive-definite matrices. */
class PositiveDefinite extends SquareMatrices {
  readonly name = 'positive definite';
  readonly kind = 'positiveDefinite';
  check(value: Tensor): Tensor {
    const tol = value.dtype === 'float64' ? 1e-10 : 1e-5;
    const symmetric = ops.all(ops.lessEqual(ops.abs(ops.sub(value, ops.matrixTranspose(value))), tol), [-2, -1]);
    const chol = ops.cholesky(value, true);
    return ops.logicalAnd(symmetric, ops.logicalNot(ops.any(ops.isNaN(ops.matrixDiagPart(chol)), -1)));
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
  /** The first class: [1, 0, ..., 0]. */
  interior(value: Tensor): TensorLike {
    const k = value.shape[value.rank - 1] ?? 1;
    return ops.oneHot([0], k, 1, 0, value.dtype);
  }
}

/** Vectors of non-negative integers summing to `totalCount` (the support of Multinomial). */
class CountVector extends Constraint {
  readonly name = 'count vector summing to totalCount';
  readonly kind = 'countVector';
  override readonly eventRank = 1;
  constructor(readonly totalCount: Tensor) {
    super();
  }
  check(value: Tensor): Tensor {
    return ops.logicalAnd(ops.all(nonNegativeInteger.check(value), -1), ops.equal(ops.sum(value, -1), this.totalCount));
  }
  /** All trials in the first class: [n, 0, ..., 0]. */
  interior(value: Tensor): TensorLike {
    return ops.mul(ops.expandDims(this.totalCount, -1), oneHot.interior(value));
  }
}

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
    return ops.all(this.base.check(value), Array.from({ length: this.extraRank }, (_, i) => -1 - i));
  }
  interior(value: Tensor): TensorLike {
    return this.base.interior(value);
  }
  override bijector(): Bijector {
    return this.base.bijector();
  }
}

/** Every real number. */
export const real: Constraint = new Real();
/** Real vectors. */
export const realVector: Constraint = new RealVector();
/** x > 0. */
export const positive: Constraint = new GreaterThan(0);
/** x >= 0. */
export const nonNegative: Constraint = new GreaterThan(0, true);
/** 0 <= x <= 1. */
export const unitInterval: Constraint = new Interval(0, 1);
/** 0, 1, 2, ... */
export const nonNegativeInteger: Constraint = new IntegerInterval(0, Infinity);
/** 0 or 1. */
export const binary: Constraint = new IntegerInterval(0, 1);
/** Probability vectors. */
export const simplex: Constraint = new Simplex();
/** Lower-triangular with positive diagonal. */
export const lowerCholesky: Constraint = new LowerCholesky();
/** Cholesky factors of correlation matrices. */
export const correlationCholesky: Constraint = new CorrelationCholesky();
/** Symmetric positive-definite matrices. */
export const positiveDefinite: Constraint = new PositiveDefinite();
/** One-hot vectors. */
export const oneHot: Constraint = new OneHot();
/** Count vectors summing to `totalCount` (a tensor of the batch). */
export const countVector = (totalCount: Tensor): Constraint => new CountVector(totalCount);
/** `base` over events `extraRank` dims larger (itself when extraRank is 0). */
export const reinterpreted = (base: Constraint, extraRank: number): Constraint => (extraRank === 0 ? base : new Reinterpreted(base, extraRank));
/** x > lower. @example rv.constraints.greaterThan(1) */
export const greaterThan = (lower: Tensor | number): Constraint => new GreaterThan(lower);
/** lower <= x <= upper. @example rv.constraints.interval(-1, 1) */
export const interval = (lower: Tensor | number, upper: Tensor | number): Constraint => new Interval(lower, upper);
/** Integers in [lower, upper]. */
export const integerInterval = (lower: Tensor | number, upper: Tensor | number): Constraint => new IntegerInterval(lower, upper);
