/**
 * Parameters and values as tensors: numbers, arrays, tensors and random variables (anything that
 * acts as a tensor) are accepted; JS values take the dtype of the tensors beside them, float32
 * when there are none. Also the checks every family makes of its parameters: which of
 * alternative parameters was given, their batch shape, their rank and their range.
 */
import { makeTensor, resolveSource, type TensorLike } from '../tensor/convert';
import { type DType, isFloat, promote } from '../tensor/dtype';
import { broadcastShapes, RuleError, type Shape } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import * as ops from './ops';

/**
 * The values of parameter tensors made from JS numbers (numbers, flat arrays, typed arrays), as
 * stored (float32 rounding applied), so that range checks of such parameters run in JS: a check on
 * a GPU tensor would wait for the device each time a model builds its distributions (every
 * gradient of a log joint).
 */
const hostValues = new WeakMap<Tensor, ArrayLike<number>>();

function rememberHostValues(t: Tensor, v: unknown): void {
  const flat = typeof v === 'number' ? [v]
    : ArrayBuffer.isView(v) && !(v instanceof Uint8Array) ? (v as unknown as ArrayLike<number>)
      : Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : null;
  if (flat === null || !isFloat(t.dtype)) return;
  hostValues.set(t, t.dtype === 'float32' ? Float32Array.from(flat) : flat);
}

/** A range check of a parameter: the bool tensor it gives, and the same test on one JS number. */
export interface ParamCheck {
  tensor(t: Tensor): Tensor;
  host(x: number): boolean;
}

/**
 * Whether the check holds for every value `t` was made from in JS; false when `t` did not come
 * from JS numbers (the tensor check must then decide).
 */
export function holdsOnHost(t: Tensor, check: ParamCheck): boolean {
  const values = hostValues.get(t);
  if (values === undefined) return false;
  for (let i = 0; i < values.length; i++) if (!check.host(values[i])) return false;
  return true;
}

/** `value` as a tensor (of `dtype` when given and it is a JS value), naming the argument in errors. */
export function tensorOf(value: TensorLike, owner: string, argument: string, dtype?: DType): Tensor {
  const v = resolveSource(value);
  if (v instanceof Tensor) {
    if (v.isDisposed) throw new Error(`${owner}: ${argument} is a disposed tensor of shape [${v.shape}]`);
    return v;
  }
  try {
    const t = makeTensor(v, undefined, dtype);
    rememberHostValues(t, v);
    return t;
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
    tensors[k] = t.dtype === common ? t : ops.cast(t, common);
  }
  return { dtype: common, tensors };
}

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

/** The broadcast of parameter shapes (by name); an Error naming the distribution when they do not broadcast. */
export function batchShapeOf(owner: string, shapes: Record<string, Shape>): Shape {
  try {
    return broadcastShapes(Object.values(shapes), Object.keys(shapes));
  } catch (error) {
    if (error instanceof RuleError) throw new Error(`${owner}: parameter ${error.message}`);
    throw error;
  }
}

/** The shapes of tensors, by name, for `batchShapeOf`. */
export function shapesOf(tensors: Record<string, Tensor>): Record<string, Shape> {
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape]));
}

/** Throws unless `t` has rank >= `rank` (a vector parameter over classes, a matrix...). */
export function requireRank(owner: string, name: string, t: Tensor, rank: number, what: string): void {
  if (t.rank < rank) throw new Error(`${owner}: ${name} must have rank >= ${rank} (${what}), got shape [${t.shape.join(', ')}]`);
}

/** Whether every element of a bool tensor holds, read back as a JS boolean. */
export function allTrue(mask: Tensor): boolean {
  const all = ops.all(mask);
  const holds = all.dataSync()[0] === 1;
  all.dispose();
  return holds;
}

/** Positive (NaN fails). */
export const positive: ParamCheck = { tensor: (t) => ops.greater(t, 0), host: (x) => x > 0 };

/** Positive and finite. */
export const positiveFinite: ParamCheck = {
  tensor: (t) => ops.logicalAnd(ops.greater(t, 0), ops.isFinite(t)), host: (x) => x > 0 && Number.isFinite(x),
};

/** Non-negative (NaN fails). */
export const nonNegative: ParamCheck = { tensor: (t) => ops.greaterEqual(t, 0), host: (x) => x >= 0 };

/** A probability, in [0, 1]. */
export const probability: ParamCheck = {
  tensor: (t) => ops.logicalAnd(ops.greaterEqual(t, 0), ops.lessEqual(t, 1)), host: (x) => x >= 0 && x <= 1,
};

/** A non-negative integer. */
export const count: ParamCheck = {
  tensor: (t) => ops.logicalAnd(ops.greaterEqual(t, 0), ops.equal(ops.floor(t), t)), host: (x) => x >= 0 && Math.floor(x) === x,
};

/** Non-zero and finite. */
export const nonZeroFinite: ParamCheck = {
  tensor: (t) => ops.logicalAnd(ops.notEqual(t, 0), ops.isFinite(t)), host: (x) => x !== 0 && Number.isFinite(x),
};
