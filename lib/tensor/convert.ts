/** Turning JS values (numbers, booleans, nested arrays, typed arrays) into tensors. */
import { binding } from '../backend/binding';
import { recorder } from './capture';
import { defaultDeviceCode } from './device';
import { type DType, dtypeCode, isDType, isFloat, promote, type TypedArray, typedArrayFor } from './dtype';
import { checkShape, formatShape, RuleError, sizeOf } from './shape';
import { Tensor } from './tensor';

/**
 * The key by which an object that stands for a tensor gives it: random variables (and anything
 * else that "acts as its value") define `[tensorValue]` as a getter, and every op then accepts
 * them where it accepts a tensor.
 */
export const tensorValue: unique symbol = Symbol.for('randvar.tensorValue');

/** An object that acts as the tensor it gives under `[tensorValue]`. */
export interface TensorSource {
  readonly [tensorValue]: Tensor;
}

/** Anything an op accepts where it takes a tensor. */
export type TensorLike = Tensor | number | boolean | TypedArray | NestedInput | TensorSource;

/** The tensor a TensorSource stands for, or the value itself. */
export function resolveSource<T>(value: T): T | Tensor {
  if (value !== null && typeof value === 'object' && !(value instanceof Tensor) && tensorValue in value) {
    return (value as unknown as TensorSource)[tensorValue];
  }
  return value;
}
export interface NestedInput extends ReadonlyArray<number | boolean | NestedInput> {}

function dtypeOfTypedArray(data: ArrayBufferView): DType | null {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'bool';
  return null;
}

/** Shape and flat leaves of a nested array; throws on ragged arrays and non-numeric leaves. */
function flattenNested(data: unknown): { shape: number[]; leaves: (number | boolean)[] } {
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (shape.length > 16) throw new RuleError('nested array is deeper than the maximum rank 16');
    probe = probe[0];
  }
  const leaves: (number | boolean)[] = [];
  const walk = (value: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(value)) throw new RuleError(`ragged nested array: element ${path} is an array, expected a number`);
      if (typeof value !== 'number' && typeof value !== 'boolean') {
        throw new RuleError(`element ${path} is ${value === null ? 'null' : typeof value}, expected a number or boolean`);
      }
      leaves.push(value);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[depth]) {
      const got = Array.isArray(value) ? `length ${value.length}` : typeof value;
      throw new RuleError(`ragged nested array: element ${path || '[]'} has ${got}, expected length ${shape[depth]}`);
    }
    for (let i = 0; i < value.length; i++) walk(value[i], depth + 1, `${path}[${i}]`);
  };
  walk(data, 0, '');
  return { shape, leaves };
}

function inferLeafDType(leaves: (number | boolean)[]): DType {
  if (leaves.length === 0) return 'float32';
  const booleans = leaves.filter((v) => typeof v === 'boolean').length;
  if (booleans === leaves.length) return 'bool';
  if (booleans > 0) throw new RuleError('nested array mixes booleans and numbers');
  return 'float32';
}

/**
 * Converts like `cast`: to int32 truncates toward zero and saturates (NaN becomes 0), to bool
 * is `x != 0` (NaN is true). Plain typed-array stores would wrap int32 modulo 2^32 and truncate
 * 0.5 to false.
 */
function fillTyped(dtype: DType, leaves: ArrayLike<number | boolean>): TypedArray {
  const out = typedArrayFor(dtype, leaves.length);
  if (dtype === 'int32') {
    for (let i = 0; i < leaves.length; i++) {
      const v = Number(leaves[i]);
      out[i] = v !== v ? 0 : v >= 2147483647 ? 2147483647 : v <= -2147483648 ? -2147483648 : Math.trunc(v);
    }
  } else if (dtype === 'bool') {
    for (let i = 0; i < leaves.length; i++) out[i] = Number(leaves[i]) !== 0 ? 1 : 0;
  } else {
    for (let i = 0; i < leaves.length; i++) out[i] = Number(leaves[i]);
  }
  return out;
}

/**
 * A new tensor from a JS value, with an optional shape (the data are then flat) and dtype, on
 * `device` (a native device code; the default device when left out).
 * @internal Behind `rv.tensor`; errors are RuleErrors.
 */
export function makeTensor(data: unknown, shape?: readonly number[], dtype?: DType, device = defaultDeviceCode()): Tensor {
  if (dtype !== undefined && !isDType(dtype)) throw new RuleError(`unknown dtype ${String(dtype)} (expected float32, float64, int32 or bool)`);
  if (data instanceof Tensor) {
    throw new RuleError('data is already a Tensor; use clone or cast');
  }
  let inferredShape: number[];
  let values: TypedArray;
  if (ArrayBuffer.isView(data)) {
    const typedDType = dtypeOfTypedArray(data);
    if (typedDType === null) throw new RuleError(`unsupported typed array ${data.constructor.name}`);
    const target = dtype ?? typedDType;
    const source = data as TypedArray;
    values = target === typedDType ? source : fillTyped(target, source);
    inferredShape = [source.length];
  } else if (typeof data === 'number' || typeof data === 'boolean') {
    const target = dtype ?? (typeof data === 'boolean' ? 'bool' : 'float32');
    values = fillTyped(target, [data]);
    inferredShape = [];
  } else if (Array.isArray(data)) {
    const { shape: nestedShape, leaves } = flattenNested(data);
    const target = dtype ?? inferLeafDType(leaves);
    values = fillTyped(target, leaves);
    inferredShape = nestedShape;
  } else {
    throw new RuleError(`cannot make a tensor from ${data === null ? 'null' : typeof data}`);
  }
  let finalShape = inferredShape;
  if (shape !== undefined) {
    finalShape = checkShape(shape);
    if (sizeOf(finalShape) !== values.length) {
      throw new RuleError(`shape ${formatShape(finalShape)} needs ${sizeOf(finalShape)} elements, data has ${values.length}`);
    }
  }
  const finalDType = dtypeOfTypedArray(values)!;
  const handle = binding.fromData(dtypeCode[finalDType], finalShape, values, device);
  if (recorder !== null) recorder.constant(handle, device);
  return new Tensor(handle, finalShape, finalDType, null, device);
}

/**
 * The dtype a plain JS number takes next to tensors of `others` dtypes: it adopts their
 * dtype where it fits (a "weak" scalar, so `x.mul(2)` keeps x's dtype).
 */
export function weakScalarDType(value: number | boolean, others: DType[]): DType {
  if (typeof value === 'boolean') return others.length > 0 ? others.reduce(promote) : 'bool';
  if (others.length === 0) return 'float32';
  const common = others.reduce(promote);
  if (isFloat(common)) return common;
  return Number.isInteger(value) ? 'int32' : 'float32';
}
