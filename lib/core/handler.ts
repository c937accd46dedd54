/**
 * The shape every program transformation shares: a tracer that rewrites random-variable
 * constructor calls (and passes every other traced call through), applied either to a model —
 * `transform(model, ...)` returns the transformed model — or, as a bare tracer, to `rv.trace`.
 */
import { isRandomVariableConstructor, optionsOf } from './constructor';
import type { RandomVariableOptions } from './random-variable';
import { type Tracer, trace } from './tracing';

/**
 * A tracer that calls `rewrite` for every random-variable constructor call, with the
 * constructor (calling it goes on down the stack) and the call's options.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function constructorTracer(rewrite: (make: (options: RandomVariableOptions & Record<string, unknown>) => any, options: RandomVariableOptions & Record<string, unknown>) => unknown): Tracer {
  return (fn, ...args) => (isRandomVariableConstructor(fn) ? rewrite((o) => fn(o, ...args.slice(1)), optionsOf(args)) : fn(...args));
}

/** `model` run under `tracer`: a function with the model's arguments. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function underTracer<F extends (...args: any[]) => any>(model: F, tracer: Tracer): F {
  return ((...args: Parameters<F>) => trace(tracer, () => model(...args))) as F;
}
