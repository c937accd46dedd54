/**
 * Vectorisation: `vmap` runs a function written for one example on a whole batch, as JAX's vmap
 * does. Each op runs once on the batch through its batching rule (see batch.ts), so the batched
 * function makes about as many native calls as one example would.
 */
import { broadcastTo, expandDims, reshape } from '../tensor/ops/view';
import { moveAxis } from '../tensor/batching';
import { tidy } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';
import { member, withLevel } from './batch';
import { isContainer } from './tree';

/**
 * Which axis of each tensor is mapped: a number (negative counts from the end), null (not
 * mapped: the same tensor for every member), or a structure mirroring the arguments (an array
 * with one entry per argument, arrays and objects inside) whose number or null leaves apply
 * to everything below them.
 */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [key: string]: AxisSpec };

export interface VmapOptions {
  /** The mapped axis of the arguments (default 0 for every tensor). */
  inAxes?: AxisSpec;
  /** Where the batch axis goes in the results (default 0); null keeps an unbatched result as is. */
  outAxes?: AxisSpec;
}

/** Walks `value` and `spec` together, calling fn on each tensor with its axis. */
function mapWithAxes(caller: string, value: unknown, spec: AxisSpec, path: string, fn: (t: Tensor, axis: number | null, path: string) => unknown): unknown {
  if (spec !== null && typeof spec === 'object') {
    if (!isContainer(value) || Array.isArray(spec) !== Array.isArray(value)) {
      throw new Error(`${caller}: the axes given for ${path} are ${Array.isArray(spec) ? 'an array' : 'an object'}, which does not match its value`);
    }
    const entries = Object.keys(value as object);
    const specs = spec as Record<string, AxisSpec>;
    if (Array.isArray(spec) && spec.length !== entries.length) {
      throw new Error(`${caller}: the axes given for ${path} have ${spec.length} entries, the value has ${entries.length}`);
    }
    const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
    for (const k of entries) {
      if (!(k in specs)) throw new Error(`${caller}: no axis is given for ${path}.${k}`);
      (out as Record<string, unknown>)[k] = mapWithAxes(caller, (value as Record<string, unknown>)[k], specs[k], `${path}${Array.isArray(value) ? `[${k}]` : `.${k}`}`, fn);
    }
    return out;
  }
  if (spec !== null && (typeof spec !== 'number' || !Number.isInteger(spec))) {
    throw new Error(`${caller}: the axis given for ${path} must be an integer or null, got ${String(spec)}`);
  }
  if (value instanceof Tensor) return fn(value, spec, path);
  if (isContainer(value)) {
    const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
    for (const [k, v] of Object.entries(value)) {
      (out as Record<string, unknown>)[k] = mapWithAxes(caller, v, spec, `${path}${Array.isArray(value) ? `[${k}]` : `.${k}`}`, fn);
    }
    return out;
  }
  return value;
}

/** The mapped axis first, as a new handle (a view) that the member may own and free. */
function toFront(t: Tensor, axis: number): Tensor {
  return axis === 0 ? reshape(t, t.shape) : moveAxis(t, axis, 0);
}

function normalizeAxis(caller: string, axis: number, rank: number, what: string): number {
  if (axis < -rank || axis >= rank) throw new Error(`${caller}: axis ${axis} is out of range for ${what} of rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/**
 * Vectorises `f`: `vmap(f)(xs)` equals stacking `f(x)` for each `x` along axis 0 of `xs`, but
 * runs each op once on the whole batch. `inAxes` says which axis of each argument is mapped
 * (null: the argument is shared by every member), `outAxes` where the batch axis goes in each
 * result. Non-tensor arguments are passed through. Inside f a mapped tensor has one member's
 * shape and takes part in every op; its values cannot be read (return them instead). Random
 * ops inside f draw independently for each member. Nests, and composes with grad both ways.
 *
 * @example
 * const norm = (v: rv.Tensor) => v.square().sum().sqrt();
 * rv.vmap(norm)(rv.tensor([[3, 4], [6, 8]]));                        // [5, 10]
 * rv.vmap((w, x) => rv.matMul(x, w), { inAxes: [0, null] })(ws, x); // one product per row of ws
 * rv.vmap(rv.grad(loss), { inAxes: [null, 0] })(params, examples);   // per-example gradients
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function vmap<F extends (...args: any[]) => any>(f: F, options: VmapOptions = {}): (...args: Parameters<F>) => ReturnType<F> {
  const caller = 'vmap';
  if (typeof f !== 'function') throw new Error(`${caller}: f must be a function, got ${typeof f}`);
  const inAxes = options.inAxes === undefined ? 0 : options.inAxes;
  const outAxes = options.outAxes === undefined ? 0 : options.outAxes;
  return (...args: Parameters<F>) => {
    const specs: readonly AxisSpec[] = Array.isArray(inAxes) ? inAxes : args.map(() => inAxes as AxisSpec);
    if (specs.length !== args.length) {
      throw new Error(`${caller}: inAxes has ${specs.length} entries, but the function was called with ${args.length} arguments`);
    }
    return tidy(() => {
      let size = -1;
      let sizeFrom = '';
      args.forEach((arg, i) => mapWithAxes(caller, arg, specs[i], `argument ${i}`, (t, axis, path) => {
        if (axis === null) return t;
        const a = normalizeAxis(caller, axis, t.rank, `${path} of shape [${t.shape}]`);
        if (size === -1) {
          size = t.shape[a];
          sizeFrom = `${path} (axis ${axis} of shape [${t.shape}])`;
        } else if (t.shape[a] !== size) {
          throw new Error(`${caller}: mapped axes differ in size: ${sizeFrom} has ${size}, ${path} (axis ${axis} of shape [${t.shape}]) has ${t.shape[a]}`);
        }
        return t;
      }));
      if (size === -1) throw new Error(`${caller}: no argument has a mapped axis (inAxes: ${JSON.stringify(inAxes)})`);
      return withLevel(size, (id) => {
        // The mapped axis moves to the front (a view; not batched at the new level).
        const callArgs = args.map((arg, i) => mapWithAxes(caller, arg, specs[i], `argument ${i}`, (t, axis) =>
          (axis === null ? t : member(toFront(t, axis < 0 ? axis + t.rank : axis), id))));
        return collect(f(...callArgs), outAxes, id, size);
      });
    }) as ReturnType<F>;
  };
}

/**
 * The batched results: each tensor of this level gives up its value (the tensor itself is
 * left empty, so that freeing it frees nothing the caller gets); a result that does not depend
 * on the mapped arguments is broadcast along the batch axis, unless its out axis is null.
 */
function collect(out: unknown, outAxes: AxisSpec, id: number, size: number): unknown {
  const done = new Map<Tensor, Tensor>();
  return mapWithAxes('vmap', out, outAxes, 'result', (t, axis, path) => {
    const prior = done.get(t);
    if (prior !== undefined) return prior;
    let value: Tensor;
    if (t.batch !== null && t.batch.level === id) {
      if (axis === null) throw new Error(`vmap: ${path} depends on the mapped arguments, so its out axis cannot be null`);
      value = t.batch.value;
      t.batch = null;
    } else {
      if (axis === null) return t;
      value = broadcastTo(expandDims(t, 0), [size, ...t.shape]);
    }
    const result = moveAxis(value, 0, normalizeAxis('vmap', axis, value.rank, `${path} of shape [${value.shape.slice(1)}] with the batch axis`));
    done.set(t, result);
    return result;
  });
}
