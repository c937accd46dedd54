/**
 * Creation functions: tensor, scalar, zeros, ones, fill, zerosLike, onesLike, arange, linspace, eye.
 * Their ops take no tensor inputs, so they are constants to autodiff (gradient 'none') and need
 * no batching rule: inside vmap they make ordinary (unbatched) tensors, which broadcast against
 * batched ones as each member's would.
 */
import { makeTensor, type TensorLike } from '../convert';
import { type DeviceOptions, optionDeviceCode } from '../device';
import { type DType, isDType } from '../dtype';
import { defineOp, opError } from '../op';
import { checkShape, RuleError, type Shape } from '../shape';
import type { Tensor } from '../tensor';

/** The device code of a creation function's options, with errors naming the function. */
function deviceOf(fn: string, options: DeviceOptions | undefined): number {
  try {
    return optionDeviceCode(options);
  } catch (error) {
    if (error instanceof RuleError) throw opError(fn, error.message);
    throw error;
  }
}

function checkDType(dtype: unknown): DType {
  if (!isDType(dtype)) throw new RuleError(`unknown dtype ${String(dtype)} (expected float32, float64, int32 or bool)`);
  return dtype;
}

interface FillAttrs { shape: Shape; value: number | boolean; dtype: DType; device?: number }
const fillOp = defineOp<FillAttrs>({
  name: 'fill',
  inputs: [],
  dtype: (_, { dtype }) => ({ inputs: [], output: checkDType(dtype) }),
  gradient: 'none',
  shape: (_, { shape }) => checkShape(shape),
  kernelAttrs: ({ value }) => {
    if (typeof value !== 'number' && typeof value !== 'boolean') throw new RuleError(`value must be a number, got ${typeof value}`);
    return [Number(value)];
  },
});

/**
 * A tensor from a number, boolean, (nested) array or typed array. Numbers default to
 * float32, booleans to bool; typed arrays keep their type (Uint8Array is bool).
 *
 * @example
 * rv.tensor([[1, 2], [3, 4]]);                   // shape [2, 2], float32
 * rv.tensor([1, 2, 3, 4], [2, 2], 'float64');
 */
export function tensor(data: TensorLike, shape?: Shape, dtype?: DType, options?: DeviceOptions): Tensor {
  try {
    return makeTensor(data, shape, dtype, deviceOf('tensor', options));
  } catch (error) {
    if (error instanceof RuleError) throw opError('tensor', error.message);
    throw error;
  }
}

/** A rank-0 tensor. @example rv.scalar(3.5) */
export function scalar(value: number | boolean, dtype?: DType, options?: DeviceOptions): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean') throw opError('scalar', `value must be a number or boolean, got ${typeof value}`);
  try {
    return makeTensor(value, [], dtype, deviceOf('scalar', options));
  } catch (error) {
    if (error instanceof RuleError) throw opError('scalar', error.message);
    throw error;
  }
}

/** A tensor of `shape` filled with `value`. @example rv.fill([2, 3], 7) */
export function fill(shape: Shape, value: number | boolean, dtype: DType = typeof value === 'boolean' ? 'bool' : 'float32',
  options?: DeviceOptions): Tensor {
  return fillOp.run([], { shape, value, dtype, device: deviceOf('fill', options) });  // the op checks the value's type
}

/** Zeros of `shape`. @example rv.zeros([2, 2], 'float64') */
export function zeros(shape: Shape, dtype: DType = 'float32', options?: DeviceOptions): Tensor {
  return fillOp.run([], { shape, value: 0, dtype, device: deviceOf('zeros', options) }, 'zeros');
}

/** Ones of `shape`. @example rv.ones([3]) */
export function ones(shape: Shape, dtype: DType = 'float32', options?: DeviceOptions): Tensor {
  return fillOp.run([], { shape, value: 1, dtype, device: deviceOf('ones', options) }, 'ones');
}

function likeOf(op: string, x: Tensor): Tensor {
  if (x === null || typeof x !== 'object' || !('shape' in x)) throw opError(op, 'x must be a Tensor');
  if (x.isDisposed) throw opError(op, `argument 'x' (shape [${x.shape}]) is disposed`);
  return x;
}

/**
 * Zeros with x's shape and dtype. Inside vmap, x.shape is a batch member's shape, so the result
 * is one unbatched tensor of that shape (the same for every member), which broadcasts against
 * batched tensors as each member's would.
 *
 * @example rv.zerosLike(x)
 */
export function zerosLike(x: Tensor): Tensor {
  const t = likeOf('zerosLike', x);
  return fillOp.run([], { shape: t.shape, value: 0, dtype: t.dtype, device: t.deviceCode }, 'zerosLike');
}

/** Ones with x's shape and dtype (inside vmap: unbatched, as zerosLike). @example rv.onesLike(x) */
export function onesLike(x: Tensor): Tensor {
  const t = likeOf('onesLike', x);
  return fillOp.run([], { shape: t.shape, value: 1, dtype: t.dtype, device: t.deviceCode }, 'onesLike');
}

interface RangeAttrs { start: number; stop: number; step: number; dtype: DType; device?: number }
const arangeOp = defineOp<RangeAttrs>({
  name: 'arange',
  inputs: [],
  dtype: (_, { dtype }) => ({ inputs: [], output: checkDType(dtype) }),
  gradient: 'none',
  shape: (_, { start, stop, step }) => {
    for (const [k, v] of Object.entries({ start, stop, step })) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new RuleError(`${k} must be a finite number, got ${String(v)}`);
    }
    if (step === 0) throw new RuleError('step must not be 0');
    return checkShape([Math.max(0, Math.ceil((stop - start) / step))], 'length');
  },
  kernelAttrs: ({ start, step }) => [start, step],
});

/**
 * Evenly spaced values in [start, stop) with `step`; `arange(n)` is 0..n-1.
 *
 * @example
 * rv.arange(5);          // [0, 1, 2, 3, 4]
 * rv.arange(1, 2, 0.25); // [1, 1.25, 1.5, 1.75]
 */
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'float32', options?: DeviceOptions): Tensor {
  const device = deviceOf('arange', options);
  if (stop === undefined) return arangeOp.run([], { start: 0, stop: start, step, dtype, device });
  return arangeOp.run([], { start, stop, step, dtype, device });
}

interface LinspaceAttrs { start: number; stop: number; num: number; dtype: DType; device?: number }
const linspaceOp = defineOp<LinspaceAttrs>({
  name: 'linspace',
  inputs: [],
  dtype: (_, { dtype }) => ({ inputs: [], output: checkDType(dtype) }),
  gradient: 'none',
  shape: (_, { start, stop, num }) => {
    if (typeof start !== 'number' || typeof stop !== 'number') throw new RuleError('start and stop must be numbers');
    return checkShape([num], 'num');
  },
  kernelAttrs: ({ start, stop }) => [start, stop],
});

/** `num` evenly spaced values from start to stop inclusive. @example rv.linspace(0, 1, 5)  // [0, .25, .5, .75, 1] */
export function linspace(start: number, stop: number, num: number, dtype: DType = 'float32', options?: DeviceOptions): Tensor {
  return linspaceOp.run([], { start, stop, num, dtype, device: deviceOf('linspace', options) });
}

interface EyeAttrs { numRows: number; numColumns: number; batchShape: Shape; dtype: DType; device?: number }
const eyeOp = defineOp<EyeAttrs>({
  name: 'eye',
  inputs: [],
  dtype: (_, { dtype }) => ({ inputs: [], output: checkDType(dtype) }),
  gradient: 'none',
  shape: (_, { numRows, numColumns, batchShape }) => checkShape([...batchShape, numRows, numColumns], 'shape'),
});

/**
 * Identity matrices of numRows x numColumns (square by default), repeated over batchShape.
 *
 * @example
 * rv.eye(3);             // 3x3 identity
 * rv.eye(2, 3, [4]);     // shape [4, 2, 3]
 */
export function eye(numRows: number, numColumns = numRows, batchShape: Shape = [], dtype: DType = 'float32',
  options?: DeviceOptions): Tensor {
  if (!Array.isArray(batchShape)) throw opError('eye', 'batchShape must be an array');
  return eyeOp.run([], { numRows, numColumns, batchShape, dtype, device: deviceOf('eye', options) });
}
