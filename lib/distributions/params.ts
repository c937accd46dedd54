/**
 * Parameters and values as tensors: numbers, arrays, tensors and random variables (anything that
 * acts as a tensor) are accepted; JS values take the dtype of the tensors beside them, float32
 * when there are none.
 */
import { makeTensor, resolveSource, type TensorLike } from '../tensor/convert';
import { type DType, isFloat, promote } from '../tensor/dtype';
import { cast } from '../tensor/ops/elementwise';
import { RuleError } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';

/** `value` as a tensor (of `dtype` when given and it is a JS value), naming the argument in errors. */
export function tensorOf(value: TensorLike, owner: string, argument: string, dtype?: DType): Tensor {
  const v = resolveSource(value);
  if (v instanceof Tensor) {
    if (v.isDisposed) throw new Error(`${owner}: ${argument} is a disposed tensor of shape [${v.shape}]`);
    return v;
  }
  try {
    return makeTensor(v, undefined, dtype);
  } catch (error) {
    if (error instanceof RuleError) throw new Error(`${owner}: ${argument}: ${error.message}`);
    throw error;
  }
}

/**
 * The float parameters of a distribution, as tensors of one float dtype: the promotion of the
 * float tensors among them (int tensors count as float32), float32 when all are JS values.
 * Undefined entries are left out.
 *
 * @example
 * const { loc, scale } = floatParams('Normal', { loc: 0, scale: rv.tensor([1, 2], [2], 'float64') });  // both float64
 */
export function floatParams<K extends string>(owner: string, params: Record<K, TensorLike | undefined>): { dtype: DType; tensors: Record<K, Tensor> } {
  let dtype: DType | null = null;
  for (const value of Object.values(params) as unknown[]) {
    const v = resolveSource(value);
    if (v instanceof Tensor) {
      const d = isFloat(v.dtype) ? v.dtype : 'float32';
      dtype = dtype === null ? d : promote(dtype, d);
    }
  }
  const common: DType = dtype ?? 'float32';
  const tensors = {} as Record<K, Tensor>;
  for (const [k, value] of Object.entries(params) as [K, TensorLike | undefined][]) {
    if (value === undefined) continue;
    const t = tensorOf(value, owner, k, common);
    tensors[k] = t.dtype === common ? t : cast(t, common);
  }
  return { dtype: common, tensors };
}
