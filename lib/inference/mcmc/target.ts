/**
 * What the sampler samples: a log density of one chain's flat position, with the chains'
 * initial positions and the map from flat draws back to the user's state. Made from a `target`
 * function here, or from a model (model-target.ts).
 */
import { resolveSource, tensorValue, type TensorLike } from '../../tensor/convert';
import { type DType, isFloat } from '../../tensor/dtype';
import { tensor } from '../../tensor/ops/creation';
import { cast } from '../../tensor/ops/elementwise';
import { stack } from '../../tensor/ops/layout';
import type { RandomKey } from '../../tensor/random/key';
import { tidy } from '../../tensor/scope';
import { Tensor } from '../../tensor/tensor';
import { type State, StateLayout } from './state';

export interface FlatTarget {
  /** Length of the flat position. */
  readonly dim: number;
  /** The dtype of positions, momenta and gradients. */
  readonly dtype: DType;
  /** One chain's log density at its flat position x [dim]: a scalar Tensor. */
  logDensity(x: Tensor): Tensor;
  /** Whether initialPositions draws at random (so that a chain that starts badly can be redrawn). */
  readonly randomInit: boolean;
  /** The chains' initial positions [numChains, dim]; `key` seeds the random parts. */
  initialPositions(numChains: number, key: RandomKey): Tensor;
  /** Flat draws [chains, draws, dim] as the user sees them: [chains, draws, ...] per part. */
  draws(flat: Tensor): State;
}

/** A state as users may give it: Tensors, numbers or arrays, alone or by name. */
export type StateLike = TensorLike | Readonly<Record<string, TensorLike>>;

/** An initial state for every chain, or a function of the chain's index. */
export type InitLike = StateLike | ((chain: number) => StateLike);

/** Whether `value` is an object of values by name (not a Tensor, array or random variable). */
export function isNamed(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype && !(tensorValue in value);
}

/** A value as a float Tensor: Tensors keep float dtypes (others become float64), JS values become float64. */
export function floatTensor(value: TensorLike, owner: string, what: string): Tensor {
  let t: Tensor;
  try {
    const source = resolveSource(value);
    t = source instanceof Tensor ? source : tensor(source, undefined, 'float64');
  } catch (error) {
    throw new Error(`${owner}: ${what} is not a tensor or a number array (${(error as Error).message})`);
  }
  if (t.isDisposed) throw new Error(`${owner}: ${what} is a disposed tensor`);
  return isFloat(t.dtype) ? t : cast(t, 'float64');
}

/** `init` for one chain, as a State. */
export function stateOf(value: StateLike, owner: string, what: string): State {
  if (!isNamed(value)) return floatTensor(value as TensorLike, owner, what);
  const out: Record<string, Tensor> = {};
  for (const [name, v] of Object.entries(value)) out[name] = floatTensor(v as TensorLike, owner, `${what} '${name}'`);
  if (Object.keys(out).length === 0) throw new Error(`${owner}: ${what} names no values`);
  return out;
}

/** The initial state of each chain. */
export function initialStates(init: InitLike, numChains: number, owner: string): StateLike[] {
  if (typeof init !== 'function') return Array.from({ length: numChains }, () => init);
  return Array.from({ length: numChains }, (_, chain) => {
    const value = init(chain);
    if (value === undefined || value === null) throw new Error(`${owner}: init(${chain}) returned ${String(value)}`);
    return value;
  });
}

/** float32 when every part is float32, else float64. */
function dtypeOf(state: State): DType {
  const parts = state instanceof Tensor ? [state] : Object.values(state);
  return parts.every((t) => t.dtype === 'float32') ? 'float32' : 'float64';
}

/**
 * The flat target of a log-density function of a Tensor or of named Tensors, started at
 * `init` (one state for every chain, or a function of the chain index).
 */
export function functionTarget(owner: string, target: (state: State) => Tensor, init: InitLike | undefined, numChains: number): FlatTarget {
  if (typeof target !== 'function') throw new Error(`${owner}: target must be a function of the state, got ${typeof target}`);
  if (init === undefined) throw new Error(`${owner}: init is required with target (the initial state: a Tensor, or Tensors by name)`);
  const label = (chain: number) => (typeof init === 'function' ? `init(${chain})` : 'init');
  const inits = initialStates(init, numChains, owner).map((s, chain) => stateOf(s, owner, label(chain)));
  const layout = StateLayout.of(inits[0]);
  if (layout.dim === 0) throw new Error(`${owner}: the state has no elements`);
  const dtype = dtypeOf(inits[0]);
  const positions = () => tidy(() => stack(inits.map((s, chain) => cast(layout.flatten(s, `${owner}: ${label(chain)}`), dtype)), 0));
  positions().dispose();  // checks every chain's state against the layout now
  return {
    dim: layout.dim,
    dtype,
    logDensity: (x) => target(layout.unflatten(x)),
    randomInit: false,
    initialPositions: positions,
    draws: (flat) => layout.unflatten(flat),
  };
}
