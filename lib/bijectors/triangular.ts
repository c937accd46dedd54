/**
 * Lower triangles of matrices as vectors, in row-major order: (0,0), (1,0), (1,1), (2,0), ...
 * (or, strictly below the diagonal, (1,0), (2,0), (2,1), ...). Shared by FillTriangular and
 * CorrelationCholesky; written with gathers, so that gradients flow through them.
 */
import type { Tensor } from '../tensor/tensor';
import * as ops from '../distributions/ops';
import { appendZero } from './params';

/** The matrix order n whose (strictly) lower triangle has m entries; throws unless there is one. */
export function triangleOrder(m: number, strict: boolean, owner: string): number {
  // m = n(n + 1)/2, or n(n − 1)/2 strictly below the diagonal.
  const root = Math.round((Math.sqrt(8 * m + 1) - 1) / 2);
  if (root * (root + 1) / 2 !== m) {
    throw new Error(`${owner}: a vector of length ${m} does not fill a ${strict ? 'strictly ' : ''}lower triangle (lengths are ${strict ? '0, 1, 3, 6, 10' : '1, 3, 6, 10, 15'}, ...)`);
  }
  return strict ? root + 1 : root;
}

/** The number of entries in the (strictly) lower triangle of an n × n matrix. */
export function triangleSize(n: number, strict: boolean): number {
  return strict ? n * (n - 1) / 2 : n * (n + 1) / 2;
}

/** The row-major positions (i·n + j) of the (strictly) lower triangle's entries, in vector order. */
function lowerPositions(n: number, strict: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < (strict ? i : i + 1); j++) out.push(i * n + j);
  }
  return out;
}

/** Vectors [..., m] as n × n matrices [..., n, n] holding them in the (strictly) lower triangle, zeros elsewhere. */
export function fillLower(x: Tensor, strict: boolean, owner: string): Tensor {
  const [m] = x.shape.slice(-1);
  const n = filledShape(x.shape, strict, owner)[x.rank];
  // Each matrix entry gathers its vector entry, or the zero padded on at index m.
  const source = new Array<number>(n * n).fill(m);
  lowerPositions(n, strict).forEach((position, k) => { source[position] = k; });
  const flat = ops.gather(appendZero(x, owner), ops.tensor(source, [n * n], 'int32'), x.rank - 1);
  return ops.reshape(flat, [...x.shape.slice(0, -1), n, n]);
}

/** The (strictly) lower triangles of matrices [..., n, n] as vectors [..., m]. */
export function lowerEntries(y: Tensor, strict: boolean): Tensor {
  const n = y.shape[y.rank - 1];
  const flat = ops.reshape(y, [...y.shape.slice(0, -2), n * n]);
  return ops.gather(flat, ops.tensor(lowerPositions(n, strict), [triangleSize(n, strict)], 'int32'), flat.rank - 1);
}

/** The event shape [..., n, n] of matrices filled from vectors of event shape [..., m]. */
export function filledShape(shape: readonly number[], strict: boolean, owner: string): number[] {
  if (shape.length < 1) throw new Error(`${owner}: expected vectors, got a scalar event`);
  const n = triangleOrder(shape[shape.length - 1], strict, owner);
  return [...shape.slice(0, -1), n, n];
}

/** The event shape [..., m] of the (strict) lower triangles of matrices of event shape [..., n, n]. */
export function triangleShape(shape: readonly number[], strict: boolean, owner: string): number[] {
  const n = shape[shape.length - 1];
  if (shape.length < 2 || shape[shape.length - 2] !== n) throw new Error(`${owner}: expected square matrices, got event shape [${shape}]`);
  return [...shape.slice(0, -2), triangleSize(n, strict)];
}
