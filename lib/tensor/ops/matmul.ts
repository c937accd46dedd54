/**
 * Matrix products: matMul (batched, broadcasting, with transposes), dot and outer, and the
 * controls for the BLAS they run on. The native kernel calls a BLAS found at run time
 * (OpenBLAS, BLIS or reference BLAS; `RANDVAR_BLAS` names another, or `builtin`), passing
 * transposed and sliced views as they lie, or else a built-in blocked kernel. The BLAS is
 * given the same number of threads as randvar's own pool (`setNumThreads`).
 *
 * float32 and float64 only: int32 and bool inputs are an error (cast them first), because a
 * silent float product of integers would round past 2^24 and would not wrap as int32 does.
 */
import { binding, type NativeBlasInfo } from '../../backend/binding';
import { alignBatched, moveAxis } from '../batching';
import { addMethods, type ChainedMethods } from '../chain';
import type { TensorLike } from '../convert';
import { type DType, isFloat, promote } from '../dtype';
import { type BatchContext, defineOp, type GradContext } from '../op';
import { formatShape, RuleError, type Shape } from '../shape';
import type { Tensor } from '../tensor';
import { mul } from './elementwise';
import { expandDims, reshape } from './view';

const inputsAB = ['a', 'b'] as const;

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Both float (float32 with float64 promotes to float64); int32 and bool are refused by name. */
function floatProductDType([a, b]: DType[]) {
  if (!isFloat(a)) throw new RuleError(`argument 'a' has dtype ${a}; only float32 and float64 are supported (cast it first)`);
  if (!isFloat(b)) throw new RuleError(`argument 'b' has dtype ${b}; only float32 and float64 are supported (cast it first)`);
  const t = promote(a, b);
  return { inputs: [t, t], output: t };
}

function checkFlag(value: unknown, argument: string): boolean {
  if (typeof value !== 'boolean') throw new RuleError(`${argument} must be a boolean, got ${String(value)}`);
  return value;
}

/**
 * NumPy's matmul shape rule with TensorFlow's transpose flags: the last two axes are the
 * matrices (after the flag), leading axes broadcast; a vector `a` is a row, a vector `b` a
 * column, and the axis added for it is dropped from the result (flags are ignored for vectors).
 */
function matMulShape([a, b]: Shape[], { transposeA, transposeB }: MatMulAttrs): Shape {
  const ta = checkFlag(transposeA, 'transposeA');
  const tb = checkFlag(transposeB, 'transposeB');
  if (a.length === 0) throw new RuleError(`argument 'a' is a scalar (shape []); a matrix product needs rank >= 1`);
  if (b.length === 0) throw new RuleError(`argument 'b' is a scalar (shape []); a matrix product needs rank >= 1`);
  const ra = a.length;
  const rb = b.length;
  const [m, ka] = ra === 1 ? [1, a[0]] : ta ? [a[ra - 1], a[ra - 2]] : [a[ra - 2], a[ra - 1]];
  const [kb, n] = rb === 1 ? [b[0], 1] : tb ? [b[rb - 1], b[rb - 2]] : [b[rb - 2], b[rb - 1]];
  if (ka !== kb) {
    const describe = (name: string, shape: Shape, flag: boolean) => `${name} ${formatShape(shape)}${flag && shape.length > 1 ? ' (transposed)' : ''}`;
    throw new RuleError(`inner dimensions differ: ${describe('a', a, ta)} has ${ka} columns, ${describe('b', b, tb)} has ${kb} rows`);
  }
  const batchA = a.slice(0, Math.max(0, ra - 2));
  const batchB = b.slice(0, Math.max(0, rb - 2));
  const rank = Math.max(batchA.length, batchB.length);
  const batch: number[] = [];
  for (let d = 0; d < rank; d++) {
    const x = batchA[d - (rank - batchA.length)] ?? 1;
    const y = batchB[d - (rank - batchB.length)] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new RuleError(`batch dimensions do not broadcast: a ${formatShape(a)} (batch ${formatShape(batchA)}), b ${formatShape(b)} (batch ${formatShape(batchB)})`);
    }
    batch.push(x === 1 ? y : x);
  }
  return [...batch, ...(ra > 1 ? [m] : []), ...(rb > 1 ? [n] : [])];
}

/**
 * The cotangents of a = op(A) and b = op(B) for y = op(A)·op(B), each in the layout its
 * operand is stored in (dA = dy·op(B)ᵀ, dB = op(A)ᵀ·dy, transposed back when the flag is set).
 * Vectors are handled as a row `a` and a column `b`; batch broadcasting is left to autodiff.
 */
function matMulGradient(dy: Tensor, { inputs: [a, b], needs }: GradContext<unknown>, { transposeA, transposeB }: MatMulAttrs): (Tensor | null)[] {
  const vecA = a.rank === 1;
  const vecB = b.rank === 1;
  const ta = transposeA && !vecA;
  const tb = transposeB && !vecB;
  // A vector operand keeps its gradient a vector product (dy·op(A), op(B)·dy) and an outer
  // product: no reshapes, and under vmap the batched-vector products stay single GEMMs.
  if ((vecA && b.rank === 2) || (vecB && a.rank === 2)) return vectorMatMulGradient(dy, a, b, needs, ta, tb);
  const am = vecA ? expandDims(a, 0) : a;
  const bm = vecB ? expandDims(b, -1) : b;
  // dy with the axes dropped for vectors put back: [..., m, n].
  const lead = dy.rank - (vecA ? 0 : 1) - (vecB ? 0 : 1);
  const dym = reshape(dy, [...dy.shape.slice(0, lead), vecA ? 1 : dy.shape[lead], vecB ? 1 : dy.shape[dy.rank - 1]]);
  let da: Tensor | null = null;
  let db: Tensor | null = null;
  if (needs[0]) {
    da = ta ? matMul(bm, dym, tb, true) : matMul(dym, bm, false, !tb);
    if (vecA) da = reshape(da, [...da.shape.slice(0, -2), da.shape[da.rank - 1]]);
  }
  if (needs[1]) {
    db = tb ? matMul(dym, am, true, ta) : matMul(am, dym, !ta, false);
    if (vecB) db = reshape(db, db.shape.slice(0, -1));
  }
  return [da, db];
}

/** matMul's gradient when one operand is a vector and the other a matrix (flags apply to the matrix). */
function vectorMatMulGradient(dy: Tensor, a: Tensor, b: Tensor, needs: readonly boolean[], ta: boolean, tb: boolean): (Tensor | null)[] {
  const outer = (column: Tensor, row: Tensor) => mul(expandDims(column, -1), expandDims(row, -2));
  if (b.rank === 1) {
    // y [m] = op(A) [m, k] · b [k]
    return [
      needs[0] ? (ta ? outer(b, dy) : outer(dy, b)) : null,
      needs[1] ? matMul(dy, a, false, ta) : null,
    ];
  }
  // y [n] = a [k] · op(B) [k, n]
  return [
    needs[0] ? matMul(b, dy, tb, false) : null,
    needs[1] ? (tb ? outer(dy, a) : outer(a, dy)) : null,
  ];
}

/**
 * vmap of matMul: a batched vector against an unbatched operand stacks its members as the rows
 * of one product (no copies; the hot path of a linear model under vmap). Otherwise vectors
 * become a row and a column, batch axes are aligned with the other operand's, and the added
 * axes are dropped from the result.
 */
function matMulBatch([a, b]: readonly Tensor[], ctx: BatchContext<unknown>, { transposeA, transposeB }: MatMulAttrs): Tensor {
  const [ra, rb] = [ctx.shapes[0].length, ctx.shapes[1].length];
  // [size, k] · op(B) [..., k, n] = [..., size, n]: the batch axis is moved to the front (a view).
  const rowsFirst = (y: Tensor, otherRank: number) => (otherRank > 1 ? moveAxis(y, -2, 0) : y);
  if (!ctx.batched[1] && ra === 1) return rowsFirst(matMul(a, b, false, transposeB), rb);
  if (!ctx.batched[0] && rb === 1) return rowsFirst(matMul(b, a, false, !transposeA), ra);
  const batchRank = Math.max(ra, rb, 2) - 2;
  const align = (t: Tensor, i: number) => (ctx.batched[i] ? alignBatched(t, batchRank + 2) : t);
  const am = align(ra === 1 ? expandDims(a, -2) : a, 0);
  const bm = align(rb === 1 ? expandDims(b, -1) : b, 1);
  const y = matMul(am, bm, transposeA && ra > 1, transposeB && rb > 1);
  return ra > 1 && rb > 1 ? y : reshape(y, [ctx.size, ...ctx.outShape]);
}

const matMulOp = defineOp<MatMulAttrs>({
  name: 'matMul',
  inputs: inputsAB,
  dtype: floatProductDType,
  shape: matMulShape,
  kernelAttrs: ({ transposeA, transposeB }) => [transposeA ? 1 : 0, transposeB ? 1 : 0],
  gradient: (dy, ctx) => matMulGradient(dy, ctx, ctx.attrs),
  batch: (inputs, ctx) => matMulBatch(inputs, ctx, ctx.attrs),
});

/**
 * The matrix product of `a` and `b` over their last two axes, with leading (batch) axes
 * broadcast as in NumPy; `transposeA`/`transposeB` use the transpose of that operand's
 * matrices (no copy is made: transposed and sliced views go to the BLAS as they lie). A
 * vector `a` is a row and a vector `b` a column, and the result drops that axis again (flags
 * are ignored for vectors). float32 and float64 (mixed, float64); computed by a BLAS when one
 * is found (see {@link blasInfo}), else by the built-in kernel; a product over k = 0 is zeros.
 *
 * @example
 * rv.matMul([[1, 2], [3, 4]], [[5], [6]]);           // [[17], [39]]
 * rv.matMul(rv.ones([8, 2, 3]), rv.ones([3, 4]));     // shape [8, 2, 4]
 * rv.matMul(x, x, true);                              // xᵀx
 */
export function matMul(a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor {
  return matMulOp.run([a, b], { transposeA, transposeB });
}

const noTranspose: MatMulAttrs = { transposeA: false, transposeB: false };

const dotOp = defineOp<void>({
  name: 'dot',
  kernel: 'matMul',
  inputs: inputsAB,
  dtype: floatProductDType,
  shape: ([a, b]) => {
    if (a.length < 1 || a.length > 2 || b.length < 1 || b.length > 2) {
      throw new RuleError(`inputs must be vectors or matrices (rank 1 or 2), got a ${formatShape(a)} and b ${formatShape(b)}`);
    }
    return matMulShape([a, b], noTranspose);
  },
  kernelAttrs: () => [0, 0],
  // dot is matMul of rank <= 2 operands; under vmap its operands gain a batch axis, so it runs as matMul.
  gradient: (dy, ctx) => matMulGradient(dy, ctx, noTranspose),
  batch: (inputs, ctx) => matMulBatch(inputs, ctx, noTranspose),
});

/**
 * The dot product of vectors and matrices (rank 1 or 2), as TensorFlow.js's `dot`: vector ·
 * vector is a scalar, matrix · vector a vector, vector · matrix a vector, matrix · matrix a
 * matrix.
 *
 * @example
 * rv.dot([1, 2, 3], [4, 5, 6]);          // 32 (a scalar)
 * rv.dot([[1, 2], [3, 4]], [1, 1]);      // [3, 7]
 */
export function dot(a: TensorLike, b: TensorLike): Tensor {
  return dotOp.run([a, b], undefined);
}

const outerOp = defineOp<void>({
  name: 'outer',
  inputs: inputsAB,
  dtype: floatProductDType,
  shape: ([a, b]) => {
    if (a.length !== 1 || b.length !== 1) throw new RuleError(`inputs must be vectors, got a ${formatShape(a)} and b ${formatShape(b)}`);
    return [a[0], b[0]];
  },
  // d/da = dy·b, d/db = dyᵀ·a.
  gradient: (dy, { inputs: [a, b], needs }) => [needs[0] ? matMul(dy, b) : null, needs[1] ? matMul(dy, a, true) : null],
  // A column times a row, broadcast over the batch axis of either: one elementwise product.
  batch: ([a, b], ctx) => mul(expandDims(a, -1), expandDims(b, ctx.batched[1] ? 1 : 0)),
});

/**
 * The outer product of two vectors: `outer(a, b)[i][j] = a[i] · b[j]` (TensorFlow.js calls it
 * `outerProduct`). float32 and float64.
 *
 * @example
 * rv.outer([1, 2], [3, 4, 5]);  // [[3, 4, 5], [6, 8, 10]]
 */
export function outer(a: TensorLike, b: TensorLike): Tensor {
  return outerOp.run([a, b], undefined);
}

/** The BLAS matrix products run on. */
export type BlasInfo = NativeBlasInfo;

/**
 * The BLAS that matMul and dot run on: `name` is 'OpenBLAS', 'BLIS', 'BLAS'
 * (another CBLAS library) or 'builtin' (the built-in kernel), `path` the library file. The
 * library is looked for on first use: OpenBLAS, then BLIS, then reference BLAS; the
 * environment variable `RANDVAR_BLAS` names another library, or `builtin`. Throws if
 * `RANDVAR_BLAS` names a library that cannot be loaded (matMul throws the same).
 *
 * @example
 * rv.blasInfo();  // { name: 'OpenBLAS', path: '/usr/lib/x86_64-linux-gnu/libopenblas.so.0', ... }
 */
export function blasInfo(): BlasInfo {
  return binding.blasInfo();
}

/**
 * Chooses the BLAS for matrix products from now on: 'auto' (the search `blasInfo` describes),
 * 'builtin' (the built-in kernel), or a library's path or soname exporting cblas_sgemm and
 * cblas_dgemm. Throws, keeping the current choice, if that library cannot be used.
 *
 * @example
 * rv.setBlas('builtin');   // e.g. to compare against the BLAS
 * rv.setBlas('auto');
 */
export function setBlas(mode: 'auto' | 'builtin' | string): void {
  if (typeof mode !== 'string') throw new Error(`setBlas: mode must be 'auto', 'builtin' or a library path, got ${String(mode)}`);
  binding.setBlas(mode);
}

const methods = { matMul, dot, outer };
addMethods(methods);

declare module '../tensor' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends ChainedMethods<typeof methods> {}
}
