/**
 * Reverse-mode autodiff over the op table: `grad`, `valueAndGrad` and `vjp`. Differentiation is
 * with respect to the tensors among a function's arguments (nested in arrays and plain objects
 * as deep as needed); other arguments are constants. Works through any TypeScript control flow,
 * and nests: `grad(grad(f))`, and with `vmap` in either order.
 */
import { isFloat } from '../tensor/dtype';
import { ones, zerosLike } from '../tensor/ops/creation';
import { reshape } from '../tensor/ops/view';
import { tidy } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';
import { backward, recording, Tape } from './tape';
import { mapLeaves, tensorLeaves } from './tree';

export interface GradOptions {
  /** The argument positions to differentiate with respect to (default: every argument). */
  argnums?: number | readonly number[];
  /** f returns `[value, aux]`: aux is passed through, not differentiated. */
  hasAux?: boolean;
}

/** The gradient of one argument: its structure, with gradients for tensors and null elsewhere. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Gradient = any;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = any[];

function positionsOf(caller: string, count: number, argnums: GradOptions['argnums']): Set<number> {
  if (argnums === undefined) return new Set(Array.from({ length: count }, (_, i) => i));
  const list = typeof argnums === 'number' ? [argnums] : argnums;
  if (!Array.isArray(list)) throw new Error(`${caller}: argnums must be a number or an array of numbers, got ${String(argnums)}`);
  for (const p of list) {
    if (!Number.isInteger(p) || p < 0 || p >= count) {
      throw new Error(`${caller}: argnums entry ${String(p)} is not an argument position (the function was called with ${count} arguments)`);
    }
  }
  return new Set(list);
}

/**
 * The arguments as f will see them, and the sources. A tensor passed in two places is given a
 * separate alias (a view) for each differentiated place, so that each place gets its own
 * gradient, as for distinct variables.
 */
function prepareSources(caller: string, args: Args, argnums: GradOptions['argnums']) {
  const positions = positionsOf(caller, args.length, argnums);
  const seen = new Set<Tensor>();
  const callArgs = args.map((arg, i) => {
    if (!positions.has(i)) return arg;
    return mapLeaves(arg, (t) => {
      if (t.isDisposed) throw new Error(`${caller}: argument ${i} holds a disposed tensor of shape [${t.shape}]`);
      if (!seen.has(t)) {
        seen.add(t);
        return t;
      }
      const a = reshape(t, t.shape);
      seen.add(a);
      return a;
    });
  });
  const sources = callArgs.flatMap((arg, i) => (positions.has(i) ? tensorLeaves(arg) : []));
  return { positions, callArgs, sources };
}

/** Gradients in the arguments' structure: one per argument, or the only one. */
function shapeGradients(args: Args, positions: Set<number>, grads: Map<Tensor, Tensor>): Gradient {
  const per = args.map((arg, i) => {
    if (!positions.has(i)) return null;
    return mapLeaves(arg, (t) => grads.get(t) ?? zerosLike(t), () => null);
  });
  return per.length === 1 ? per[0] : per;
}

function scalarResult(caller: string, out: unknown, hasAux: boolean): { value: Tensor; aux: unknown } {
  let value = out;
  let aux: unknown;
  if (hasAux) {
    if (!Array.isArray(out) || out.length !== 2) throw new Error(`${caller}: with hasAux, f must return [value, aux]`);
    [value, aux] = out;
  }
  if (!(value instanceof Tensor)) throw new Error(`${caller}: f must return a scalar Tensor, got ${typeof value}`);
  if (value.rank !== 0) throw new Error(`${caller}: f must return a scalar, got shape [${value.shape}] (use vjp for non-scalar results)`);
  if (!isFloat(value.dtype)) throw new Error(`${caller}: f must return a float32 or float64 scalar, got ${value.dtype}`);
  return { value, aux };
}

function checkFunction(caller: string, f: unknown): void {
  if (typeof f !== 'function') throw new Error(`${caller}: f must be a function, got ${typeof f}`);
}

/**
 * The value of the scalar function `f` and its gradient with respect to the tensors in its
 * arguments (all, or those at `argnums`). `grad` has each argument's structure (tensors
 * replaced by their gradients, other leaves by null); with one argument it is that argument's
 * gradient, with several an array. A tensor f does not use gets zeros; integer and bool
 * tensors get zeros. Intermediates are freed before it returns (only the value, the gradients
 * and aux survive), and while it runs the backward pass frees each intermediate once its last
 * use is past.
 *
 * @example
 * const f = (w: rv.Tensor, x: rv.Tensor) => rv.sum(rv.logSigmoid(rv.matMul(x, w)));
 * const { value, grad: [dw, dx] } = rv.valueAndGrad(f)(w, x);
 * const { grad: dwOnly } = rv.valueAndGrad(f, { argnums: 0 })(w, x);  // [dw, null]
 */
export function valueAndGrad(f: (...args: Args) => unknown, options: GradOptions = {}): (...args: Args) => { value: Tensor; grad: Gradient; aux?: unknown } {
  checkFunction('valueAndGrad', f);
  const caller = 'valueAndGrad';
  return (...args: Args) => tidy(() => {
    const { positions, callArgs, sources } = prepareSources(caller, args, options.argnums);
    const tape = new Tape(sources);
    // The result is checked while recording, so that a bad one releases the tape too.
    const { value, aux } = recording(tape, () => scalarResult(caller, f(...callArgs), options.hasAux === true));
    const seed = ones([], value.dtype);
    const grads = backward(tape, [value], [seed], sources);
    const grad = shapeGradients(callArgs, positions, grads);
    return options.hasAux ? { value, grad, aux } : { value, grad };
  });
}

/**
 * The gradient of the scalar function `f` (see {@link valueAndGrad} for what it is taken with
 * respect to and the structure it has). Composes with itself and with vmap.
 *
 * @example
 * const f = (x: rv.Tensor) => x.pow(3).sum();
 * rv.grad(f)(rv.tensor([2]));           // [12]
 * rv.grad((x) => rv.grad(f)(x).sum())(rv.tensor([2]));  // [12], the second derivative 6x
 */
export function grad(f: (...args: Args) => unknown, options: GradOptions = {}): (...args: Args) => Gradient {
  checkFunction('grad', f);
  const vg = valueAndGrad(f, options);
  return (...args: Args) => {
    const { value, grad: g } = vg(...args);
    value.dispose();
    return g;
  };
}

/** The pullback of {@link vjp}: maps cotangents of f's result to cotangents of its arguments. */
export interface Pullback {
  (cotangent: unknown): Gradient;
  /** Frees what the pullback holds (it can no longer be called). */
  dispose(): void;
}

/**
 * Runs `f` on `primals` and returns its result with the pullback: the vector–Jacobian product
 * `cotangent ↦ cotangentᵀ·∂f/∂primals`, for results of any shape (a tensor, or arrays and objects
 * of tensors; the cotangent has the same structure). The pullback may be called many times; its
 * `dispose()` frees what it holds (else the GC does).
 *
 * @example
 * const [y, pullback] = rv.vjp((x: rv.Tensor) => x.mul(x), rv.tensor([1, 2, 3]));
 * pullback(rv.tensor([1, 0, 0]));  // [2, 0, 0]
 */
export function vjp(f: (...args: Args) => unknown, ...primals: Args): [unknown, Pullback] {
  checkFunction('vjp', f);
  const caller = 'vjp';
  const { positions, callArgs, sources } = prepareSources(caller, primals, undefined);
  const tape = new Tape(sources);
  const out = tidy(() => recording(tape, () => f(...callArgs)));
  const results = tensorLeaves(out);
  let live = true;
  const pullback = ((cotangent: unknown) => {
    if (!live) throw new Error('vjp: this pullback was disposed');
    const given = tensorLeaves(cotangent);
    if (given.length !== results.length) {
      throw new Error(`vjp: the cotangent holds ${given.length} tensors, the result ${results.length}`);
    }
    given.forEach((c, i) => {
      if (c.rank > results[i].rank || c.shape.some((d, k) => d !== results[i].shape[results[i].rank - c.rank + k] && d !== 1)) {
        throw new Error(`vjp: cotangent ${i} of shape [${c.shape}] does not fit the result's shape [${results[i].shape}]`);
      }
    });
    return tidy(() => shapeGradients(callArgs, positions, backward(tape, results, given, sources, false)));
  }) as Pullback;
  pullback.dispose = () => {
    if (live) tape.release();
    live = false;
  };
  return [out, pullback];
}
