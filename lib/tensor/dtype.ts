/** Element types, their native codes (native/dtype.h) and the promotion order. */

export type DType = 'float32' | 'float64' | 'int32' | 'bool';

export const dtypeCode: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };

const promotionRank: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && value in dtypeCode;
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** The smallest dtype both promote to: bool < int32 < float32 < float64. */
export function promote(a: DType, b: DType): DType {
  return promotionRank[a] >= promotionRank[b] ? a : b;
}

/** The float dtype for math on `dtype`: floats stay, int32 and bool compute in float32. */
export function toFloat(dtype: DType): DType {
  return isFloat(dtype) ? dtype : 'float32';
}

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export function typedArrayFor(dtype: DType, length: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(length);
    case 'float64': return new Float64Array(length);
    case 'int32': return new Int32Array(length);
    case 'bool': return new Uint8Array(length);
  }
}
