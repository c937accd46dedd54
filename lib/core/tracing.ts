/**
 * The tracer stack (the paper's Figure 5). Every traceable call goes to the top tracer, which
 * runs with itself popped: when it calls the function on, the call goes to the next tracer
 * down, and at the bottom the function itself runs. The stack lives in AsyncLocalStorage, so a
 * tracer pushed for an async thunk stays in force across its awaits and nowhere else.
 */
import { AsyncLocalStorage } from 'async_hooks';

/**
 * A tracer: receives the traced function and its arguments. Calling `fn(...args)` (with the
 * same or changed arguments) hands the call to the next tracer down; not calling it replaces
 * the call altogether.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Tracer = (fn: (...args: any[]) => any, ...args: any[]) => any;

const stack = new AsyncLocalStorage<readonly Tracer[]>();
const empty: readonly Tracer[] = [];

function current(): readonly Tracer[] {
  return stack.getStore() ?? empty;
}

/**
 * Runs `thunk` with `tracer` on top of the stack (for its whole duration, awaits included).
 *
 * @example
 * const names: string[] = [];
 * rv.trace((fn, ...args) => { const x = fn(...args); names.push(x.name); return x; }, () => model());
 */
export function trace<T>(tracer: Tracer, thunk: () => T): T {
  if (typeof tracer !== 'function') throw new Error(`trace: tracer must be a function, got ${typeof tracer}`);
  if (typeof thunk !== 'function') throw new Error(`trace: thunk must be a function, got ${typeof thunk}`);
  return stack.run([...current(), tracer], thunk);
}

/** The function a traceable wraps, for tracers that bypass the stack (`block`). */
const rawFunctions = new WeakMap<object, (...args: never[]) => unknown>();

/**
 * Makes `fn` traceable: each call goes through the tracer stack. All random-variable
 * constructors are traceable; wrap your own functions to make named deterministic quantities
 * visible to tracers.
 *
 * @example
 * const logit = rv.traceable((name: string, x: rv.Tensor) => rv.log(x).sub(rv.log1p(x.neg())));
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function traceable<F extends (...args: any[]) => any>(fn: F): F {
  if (typeof fn !== 'function') throw new Error(`traceable: fn must be a function, got ${typeof fn}`);
  const traced = function (...args: Parameters<F>): ReturnType<F> {
    const tracers = current();
    if (tracers.length === 0) return fn(...args);
    const top = tracers[tracers.length - 1];
    return stack.run(tracers.slice(0, -1), () => top(traced, ...args));
  } as F;
  Object.defineProperty(traced, 'name', { value: fn.name });
  rawFunctions.set(traced, fn);
  return traced;
}

/** The untraced function behind a traceable one (itself if it is not traceable). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function untraced<F extends (...args: any[]) => any>(fn: F): F {
  return (rawFunctions.get(fn) as F | undefined) ?? fn;
}
