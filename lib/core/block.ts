/** `rv.block`: hides random variables from the tracers outside it. */
import { isRandomVariableConstructor, optionsOf } from './constructor';
import { type Tracer } from './tracing';
import { underTracer } from './handler';
import { untraced } from './tracing';

export interface BlockOptions {
  /** The names to hide (default: all, unless `expose` is given). */
  hide?: readonly string[];
  /** The names to leave visible; all others are hidden. */
  expose?: readonly string[];
}

/**
 * The model with its random variables (all, or those chosen) created directly, unseen by the
 * tracers outside the block: they are not taped, conditioned, or counted in an outer log joint.
 *
 * @example
 * const [, tape] = rv.tape(() => rv.block(model, { hide: ['noise'] })());  // no 'noise' on the tape
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function block<F extends (...args: any[]) => any>(model: F, options: BlockOptions = {}): F {
  const hidden = (name: string | undefined) => {
    if (options.expose !== undefined) return name === undefined || !options.expose.includes(name);
    if (options.hide !== undefined) return name !== undefined && options.hide.includes(name);
    return true;
  };
  const tracer: Tracer = (fn, ...args) => (isRandomVariableConstructor(fn) && hidden(optionsOf(args).name) ? untraced(fn)(...args) : fn(...args));
  return underTracer(model, tracer);
}
