/**
 * Linear algebra with TensorFlow's names, batched over leading dimensions: every op works on
 * the last two dimensions of its arguments ([..., M, N]) and repeats over the rest.
 * Factorisations and solves take float32 or float64 (int32 and bool compute in float32);
 * diagonal, band and transpose ops keep any dtype.
 */
import { alignBatched } from '../batching';
import { addMethods, type ChainedMethods } from '../chain';
import type { TensorLike } from '../convert';
import { type DType, promote, toFloat } from '../dtype';
import { type BatchRule, defineOp } from '../op';
import { formatShape, RuleError, type Shape } from '../shape';
import type { Tensor } from '../tensor';
import { zeros } from './creation';
import { add, mul, neg } from './elementwise';
import { matMul } from './matmul';
import { expandDims, reshape, slice, unstack } from './view';

const floatUnary = ([x]: DType[]) => {
  const t = toFloat(x);
  return { inputs: [t], output: t };
};
const floatBinary = ([a, b]: DType[]) => {
  const t = toFloat(promote(a, b));
  return { inputs: [t, t], output: t };
};
const sameDType = ([x]: DType[]) => ({ inputs: [x], output: x });

function checkFlag(value: unknown, argument: string): boolean {
  if (typeof value !== 'boolean') throw new RuleError(`${argument} must be a boolean, got ${String(value)}`);
  return value;
}

function checkInteger(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new RuleError(`${argument} must be an integer, got ${String(value)}`);
  return value;
}

/** Throws unless `x` is a batch of matrices (rank >= 2). */
function matrices(x: Shape, argument: string): void {
  if (x.length < 2) throw new RuleError(`${argument} must have rank >= 2 (a batch of matrices), got shape ${formatShape(x)}`);
}

/** Throws unless `x` is a batch of square matrices; returns their size. */
function squareMatrices(x: Shape, argument: string): number {
  matrices(x, argument);
  const n = x[x.length - 1];
  if (x[x.length - 2] !== n) throw new RuleError(`${argument} must be square in its last two dimensions, got shape ${formatShape(x)}`);
  return n;
}

/** Broadcasts two batch shapes (NumPy rules); the error names both arguments with their full shapes. */
function broadcastBatch(a: Shape, aBatch: Shape, aName: string, b: Shape, bBatch: Shape, bName: string): number[] {
  const rank = Math.max(aBatch.length, bBatch.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = aBatch[i - (rank - aBatch.length)] ?? 1;
    const db = bBatch[i - (rank - bBatch.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RuleError(`batch dimensions do not broadcast: ${aName} ${formatShape(a)} (batch ${formatShape(aBatch)}), ` +
        `${bName} ${formatShape(b)} (batch ${formatShape(bBatch)})`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** The output shape of solving `matrix` [..., M, M] against `rhs` [..., M, K]. */
function solveShape(matrix: Shape, rhs: Shape, matrixName: string): Shape {
  const m = squareMatrices(matrix, matrixName);
  matrices(rhs, 'rhs');
  if (rhs[rhs.length - 2] !== m) {
    throw new RuleError(`rhs ${formatShape(rhs)} must have ${m} rows (its dimension -2) to match ${matrixName} ${formatShape(matrix)}`);
  }
  const batch = broadcastBatch(matrix, matrix.slice(0, -2), matrixName, rhs, rhs.slice(0, -2), 'rhs');
  return [...batch, m, rhs[rhs.length - 1]];
}

/**
 * The batching rule of ops whose i-th input has `core[i]` trailing (matrix or vector) axes and
 * whose leading axes broadcast: batched inputs get size-1 axes after the batch axis up to the
 * output's number of leading axes.
 */
function broadcastingBatch<A>(...core: number[]): BatchRule<A> {
  return (inputs, ctx) => {
    const lead = Math.max(...ctx.shapes.map((s, i) => s.length - core[i]));
    return ctx.run(inputs.map((t, i) => (ctx.batched[i] ? alignBatched(t, lead + core[i]) : t)));
  };
}
/** Ops of one input already repeat over its leading axes: the batch axis is one more. */
const unaryBatch: BatchRule<unknown> = (inputs, ctx) => ctx.run(inputs);

/** The lower triangle (with the diagonal) of each matrix. */
const lowerPart = (x: Tensor) => bandPart(x, -1, 0);

/** Each scalar of a batch [...] as a 1 × 1 matrix [..., 1, 1], to scale a batch of matrices. */
const asMatrices = (t: Tensor) => reshape(t, [...t.shape, 1, 1]);

/**
 * The cotangent of a Cholesky factor L for a function of A = L·Lᵀ whose cotangent with respect
 * to A is `g`: (g + gᵀ)·L, on the lower triangle, the only part of `chol` that is read (its
 * upper triangle need not be zero).
 */
function factorCotangent(g: Tensor, chol: Tensor): Tensor {
  return lowerPart(matMul(add(g, matrixTranspose(g)), lowerPart(chol)));
}

interface FactorAttrs { nanOnFailure: boolean }

const choleskyOp = defineOp<FactorAttrs>({
  name: 'cholesky',
  inputs: ['x'],
  dtype: floatUnary,
  shape: ([x], { nanOnFailure }) => {
    squareMatrices(x, 'x');
    checkFlag(nanOnFailure, 'nanOnFailure');
    return x;
  },
  kernelAttrs: ({ nanOnFailure }) => [nanOnFailure ? 1 : 0],
  // Murray (2016), as TensorFlow's CholeskyGrad: with P = Φ(Lᵀ·dL) (the lower triangle, its
  // diagonal halved), dA = L⁻ᵀ·P·L⁻¹ by two triangular solves, symmetrised: the kernel reads only
  // the lower triangle, and the gradient is split evenly between (i, j) and (j, i).
  gradient: (dy, { output: chol }) => {
    const p = lowerPart(matMul(chol, dy, true));
    const phi = matrixSetDiag(p, mul(matrixDiagPart(p), 0.5));
    const left = triangularSolve(chol, phi, true, true);  // L⁻ᵀ·P
    const s = matrixTranspose(triangularSolve(chol, matrixTranspose(left), true, true));  // L⁻ᵀ·P·L⁻¹
    return [mul(add(s, matrixTranspose(s)), 0.5)];
  },
  batch: unaryBatch,
});

/**
 * The Cholesky factor of each symmetric positive definite matrix of `x` [..., n, n]: the lower
 * triangular L with a positive diagonal and L·Lᵀ = x. Only the lower triangle of x is read.
 *
 * A matrix that is not positive definite is an Error naming its batch index and the pivot where
 * the factorisation failed. With `nanOnFailure`, that matrix's factor is all NaN instead (the
 * others are unaffected): for samplers, which treat NaN as a rejected proposal and should not
 * throw mid-chain.
 *
 * Its gradient with respect to x is symmetric (as TensorFlow's): the derivative for a symmetric
 * change of x, split evenly between x(i, j) and x(j, i).
 *
 * @example
 * rv.cholesky([[4, 2], [2, 5]]);  // [[2, 0], [1, 2]]
 * rv.cholesky([[1, 2], [2, 1]], true);  // [[NaN, NaN], [NaN, NaN]]
 */
export function cholesky(x: TensorLike, nanOnFailure = false): Tensor {
  return choleskyOp.run([x], { nanOnFailure });
}

const logDetOp = defineOp<FactorAttrs>({
  name: 'logDet',
  inputs: ['x'],
  dtype: floatUnary,
  shape: ([x], { nanOnFailure }) => {
    squareMatrices(x, 'x');
    checkFlag(nanOnFailure, 'nanOnFailure');
    return x.slice(0, -2);
  },
  kernelAttrs: ({ nanOnFailure }) => [nanOnFailure ? 1 : 0],
  // d log det X = X⁻¹ (symmetric: split evenly between (i, j) and (j, i), as cholesky's).
  gradient: (dy, { inputs: [x], attrs }) => [mul(asMatrices(dy), choleskyInverse(cholesky(x, attrs.nanOnFailure)))],
  batch: unaryBatch,
});

/**
 * log det x for each symmetric positive definite matrix of `x` [..., n, n] (TensorFlow's
 * `tf.linalg.logdet`), as 2 Σ log L(i, i) from the Cholesky factor: exact in range where the
 * determinant itself would overflow. Not positive definite: an Error, or NaN with `nanOnFailure`,
 * as `cholesky`. For any square matrix, see `logMatrixDeterminant`.
 *
 * @example
 * rv.logDet([[2, 0], [0, 3]]);  // log 6 = 1.7917...
 */
export function logDet(x: TensorLike, nanOnFailure = false): Tensor {
  return logDetOp.run([x], { nanOnFailure });
}

interface TriangularSolveAttrs { lower: boolean; adjoint: boolean }

const triangularSolveOp = defineOp<TriangularSolveAttrs>({
  name: 'triangularSolve',
  inputs: ['matrix', 'rhs'],
  dtype: floatBinary,
  shape: ([matrix, rhs], { lower, adjoint }) => {
    checkFlag(lower, 'lower');
    checkFlag(adjoint, 'adjoint');
    return solveShape(matrix, rhs, 'matrix');
  },
  kernelAttrs: ({ lower, adjoint }) => [lower ? 1 : 0, adjoint ? 1 : 0],
  // X = op(A)⁻¹·B: dB = op(A)⁻ᵀ·dy; d op(A) = -dB·Xᵀ, transposed back for the adjoint and kept
  // to the triangle that is read.
  gradient: (dy, { inputs: [matrix], output: x, attrs: { lower, adjoint }, needs }) => {
    const db = triangularSolve(matrix, dy, lower, !adjoint);
    if (!needs[0]) return [null, db];
    const da = neg(adjoint ? matMul(x, db, false, true) : matMul(db, x, false, true));
    return [lower ? lowerPart(da) : bandPart(da, 0, -1), db];
  },
  batch: broadcastingBatch(2, 2),
});

/**
 * Solves `matrix` · X = `rhs` for X, with `matrix` [..., M, M] triangular (`lower`, the
 * default, or upper: only that triangle is read) and `rhs` [..., M, K]; with `adjoint`, solves
 * matrixᵀ · X = rhs instead. Batch dimensions broadcast. As in TensorFlow, a zero on the
 * diagonal is not checked: it gives infinities or NaN.
 *
 * @example
 * rv.triangularSolve([[2, 0], [1, 1]], [[2], [3]]);  // [[1], [2]]
 */
export function triangularSolve(matrix: TensorLike, rhs: TensorLike, lower = true, adjoint = false): Tensor {
  return triangularSolveOp.run([matrix, rhs], { lower, adjoint });
}

const choleskySolveOp = defineOp<void>({
  name: 'choleskySolve',
  inputs: ['chol', 'rhs'],
  dtype: floatBinary,
  shape: ([chol, rhs]) => solveShape(chol, rhs, 'chol'),
  // X = A⁻¹·B with A = L·Lᵀ: dB = A⁻¹·dy, dA = -dB·Xᵀ, carried to L.
  gradient: (dy, { inputs: [chol], output: x, needs }) => {
    const db = choleskySolve(chol, dy);
    return [needs[0] ? factorCotangent(neg(matMul(db, x, false, true)), chol) : null, db];
  },
  batch: broadcastingBatch(2, 2),
});

/**
 * Solves A · X = `rhs` given `chol` = cholesky(A) [..., M, M] (lower triangular; only that
 * triangle is read) and `rhs` [..., M, K]: two triangular solves, L·Y = rhs then Lᵀ·X = Y.
 * Batch dimensions broadcast. TensorFlow's `tf.linalg.cholesky_solve`.
 *
 * @example
 * const chol = rv.cholesky([[4, 2], [2, 5]]);
 * rv.choleskySolve(chol, [[6], [7]]);  // [[1], [1]]
 */
export function choleskySolve(chol: TensorLike, rhs: TensorLike): Tensor {
  return choleskySolveOp.run([chol, rhs], undefined);
}

const choleskyInverseOp = defineOp<void>({
  name: 'choleskyInverse',
  inputs: ['chol'],
  dtype: floatUnary,
  shape: ([chol]) => {
    squareMatrices(chol, 'chol');
    return chol;
  },
  // Y = A⁻¹ with A = L·Lᵀ: dA = -Y·dy·Y, carried to L.
  gradient: (dy, { inputs: [chol], output: y }) => [factorCotangent(neg(matMul(matMul(y, dy), y)), chol)],
  batch: unaryBatch,
});

/**
 * A⁻¹ given `chol` = cholesky(A) [..., n, n] (lower triangular; only that triangle is read):
 * L⁻ᵀ·L⁻¹, exactly symmetric. (PyTorch's `cholesky_inverse`; TensorFlow has no single op.)
 *
 * @example
 * rv.choleskyInverse(rv.cholesky([[4, 0], [0, 2]]));  // [[0.25, 0], [0, 0.5]]
 */
export function choleskyInverse(chol: TensorLike): Tensor {
  return choleskyInverseOp.run([chol], undefined);
}

const logMatrixDeterminantOp = defineOp<void>({
  name: 'logMatrixDeterminant',
  inputs: ['x'],
  dtype: floatUnary,
  shape: ([x]) => {
    squareMatrices(x, 'x');
    return [...x.slice(0, -2), 2];
  },
  // The sign is piecewise constant: no gradient. d log|det X| = X⁻ᵀ, computed without LU (there is
  // no general solve op) as (X·Xᵀ)⁻¹·X through a Cholesky factor of X·Xᵀ. That squares the
  // condition number: fine for well-conditioned X; a numerically singular X·Xᵀ gives NaN.
  gradient: (dy, { inputs: [x] }) => {
    const dLogAbs = slice(dy, [...dy.shape.slice(0, -1).map(() => 0), 1], [...dy.shape.slice(0, -1).map(() => -1), 1]);
    const inverseT = choleskySolve(cholesky(matMul(x, x, false, true), true), x);
    return [mul(expandDims(dLogAbs, -1), inverseT)];
  },
  batch: unaryBatch,
});

/**
 * The sign and log |det| of each square matrix of `x` [..., n, n], by LU decomposition with
 * partial pivoting: returns `[sign, logAbsDeterminant]`, each of shape [...]. A singular matrix
 * gives sign 0 and log |det| = -Infinity; NaN entries give NaN. TensorFlow's
 * `tf.linalg.slogdet` (the op `LogMatrixDeterminant`). The gradient of log |det| is x⁻ᵀ, found
 * through a Cholesky factor of x·xᵀ (there is no LU-based solve): accurate for well-conditioned
 * x, NaN where x·xᵀ is numerically singular; the sign has none.
 *
 * @example
 * const [sign, logAbs] = rv.logMatrixDeterminant([[0, 2], [3, 0]]);  // sign -1, logAbs log 6
 */
export function logMatrixDeterminant(x: TensorLike): [Tensor, Tensor] {
  return signAndLogDet(x, 'logMatrixDeterminant');
}

/** `logMatrixDeterminant` under TensorFlow's Python name. @example const [sign, logAbs] = rv.slogdet([[2, 0], [0, 3]]); */
export function slogdet(x: TensorLike): [Tensor, Tensor] {
  return signAndLogDet(x, 'slogdet');
}

function signAndLogDet(x: TensorLike, caller: string): [Tensor, Tensor] {
  const both = logMatrixDeterminantOp.run([x], undefined, caller);
  try {
    const [sign, logAbs] = unstack(both, -1);
    return [sign, logAbs];
  } finally {
    both.dispose();
  }
}

const matrixDiagOp = defineOp<void>({
  name: 'matrixDiag',
  inputs: ['diagonal'],
  dtype: sameDType,
  shape: ([d]) => {
    if (d.length < 1) throw new RuleError('diagonal must have rank >= 1, got a scalar');
    return [...d, d[d.length - 1]];
  },
  gradient: (dy) => [matrixDiagPart(dy)],
  batch: unaryBatch,
});

/**
 * Square matrices [..., n, n] with `diagonal` [..., n] on their main diagonals and zeros
 * elsewhere (TensorFlow's `tf.linalg.diag`, the op `MatrixDiag`).
 *
 * @example
 * rv.matrixDiag([1, 2]);  // [[1, 0], [0, 2]]
 */
export function matrixDiag(diagonal: TensorLike): Tensor {
  return matrixDiagOp.run([diagonal], undefined);
}

const matrixDiagPartOp = defineOp<void>({
  name: 'matrixDiagPart',
  inputs: ['x'],
  dtype: sameDType,
  shape: ([x]) => {
    matrices(x, 'x');
    return [...x.slice(0, -2), Math.min(x[x.length - 2], x[x.length - 1])];
  },
  gradient: (dy, { inputs: [x] }) => [matrixSetDiag(zeros(x.shape, dy.dtype), dy)],
  batch: unaryBatch,
});

/**
 * The main diagonals [..., min(M, N)] of the matrices of `x` [..., M, N]: a view sharing x's
 * storage (TensorFlow's `tf.linalg.diag_part`, the op `MatrixDiagPart`).
 *
 * @example
 * rv.matrixDiagPart([[1, 2], [3, 4]]);  // [1, 4]
 */
export function matrixDiagPart(x: TensorLike): Tensor {
  return matrixDiagPartOp.run([x], undefined);
}

const matrixSetDiagOp = defineOp<void>({
  name: 'matrixSetDiag',
  inputs: ['x', 'diagonal'],
  dtype: ([x, d]) => {
    const t = promote(x, d);
    return { inputs: [t, t], output: t };
  },
  shape: ([x, d]) => {
    matrices(x, 'x');
    if (d.length < 1) throw new RuleError('diagonal must have rank >= 1, got a scalar');
    const m = x[x.length - 2];
    const n = x[x.length - 1];
    const k = Math.min(m, n);
    if (d[d.length - 1] !== k) {
      throw new RuleError(`diagonal ${formatShape(d)} must have ${k} entries in its last dimension for x ${formatShape(x)}`);
    }
    return [...broadcastBatch(x, x.slice(0, -2), 'x', d, d.slice(0, -1), 'diagonal'), m, n];
  },
  // x's diagonal is overwritten: dx is dy with a zero diagonal, d diagonal is dy's diagonal.
  gradient: (dy, { needs }) => [
    needs[0] ? matrixSetDiag(dy, zeros([Math.min(dy.shape[dy.rank - 2], dy.shape[dy.rank - 1])], dy.dtype)) : null,
    needs[1] ? matrixDiagPart(dy) : null,
  ],
  batch: broadcastingBatch(2, 1),
});

/**
 * `x` [..., M, N] with its main diagonals replaced by `diagonal` [..., min(M, N)]; batch
 * dimensions broadcast (TensorFlow's `tf.linalg.set_diag`, the op `MatrixSetDiag`).
 *
 * @example
 * rv.matrixSetDiag([[1, 2], [3, 4]], [9, 9]);  // [[9, 2], [3, 9]]
 */
export function matrixSetDiag(x: TensorLike, diagonal: TensorLike): Tensor {
  return matrixSetDiagOp.run([x, diagonal], undefined);
}

interface BandAttrs { numLower: number; numUpper: number }

const bandPartOp = defineOp<BandAttrs>({
  name: 'bandPart',
  inputs: ['x'],
  dtype: sameDType,
  shape: ([x], { numLower, numUpper }) => {
    matrices(x, 'x');
    checkInteger(numLower, 'numLower');
    checkInteger(numUpper, 'numUpper');
    return x;
  },
  kernelAttrs: ({ numLower, numUpper }) => [numLower, numUpper],
  gradient: (dy, { attrs: { numLower, numUpper } }) => [bandPart(dy, numLower, numUpper)],
  batch: unaryBatch,
});

/**
 * `x` [..., M, N] with entries outside a band set to 0: entry (i, j) is kept when
 * i − j ≤ numLower and j − i ≤ numUpper, where a negative bound keeps that whole triangle
 * (TF.js `tf.linalg.bandPart`).
 *
 * @example
 * rv.bandPart(x, 0, -1);  // the upper triangle
 * rv.bandPart(x, -1, 0);  // the lower triangle
 * rv.bandPart(x, 0, 0);   // the diagonal
 */
export function bandPart(x: TensorLike, numLower: number, numUpper: number): Tensor {
  return bandPartOp.run([x], { numLower, numUpper });
}

interface MatrixTransposeAttrs { conjugate: boolean }

const matrixTransposeOp = defineOp<MatrixTransposeAttrs>({
  name: 'matrixTranspose',
  kernel: 'transpose',
  inputs: ['x'],
  dtype: sameDType,
  shape: ([x], { conjugate }) => {
    matrices(x, 'x');
    checkFlag(conjugate, 'conjugate');
    const r = x.length;
    return [...x.slice(0, -2), x[r - 1], x[r - 2]];
  },
  kernelAttrs: (_, [x]) => {
    const perm = x.map((_d, i) => i);
    [perm[x.length - 2], perm[x.length - 1]] = [perm[x.length - 1], perm[x.length - 2]];
    return perm;
  },
  gradient: (dy) => [matrixTranspose(dy)],
  batch: unaryBatch,
});

/**
 * Swaps the last two dimensions: [..., M, N] to [..., N, M], a view sharing x's storage
 * (TensorFlow's `tf.linalg.matrix_transpose`). `conjugate` is accepted for compatibility and
 * changes nothing: every dtype here is real.
 *
 * @example
 * rv.matrixTranspose([[1, 2, 3]]);  // [[1], [2], [3]]
 */
export function matrixTranspose(x: TensorLike, conjugate = false): Tensor {
  return matrixTransposeOp.run([x], { conjugate });
}

const methods = {
  cholesky, logDet, triangularSolve, choleskySolve, choleskyInverse, logMatrixDeterminant, matrixDiag, matrixDiagPart,
  matrixSetDiag, bandPart, matrixTranspose,
};
addMethods(methods);

declare module '../tensor' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends ChainedMethods<typeof methods> {}
}
