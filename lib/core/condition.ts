/**
 * `rv.condition` and `rv.substitute`: named random variables take given values. condition marks
 * them observed (data); substitute only sets the values (e.g. posterior draws of latents).
 */
import { constructorTracer, underTracer } from './handler';
import type { Tracer } from './tracing';
import { checkValues, lookup, type NamedValues } from './values';

function valueSetter(owner: string, values: NamedValues, observed: boolean): Tracer {
  checkValues(owner, values);
  return constructorTracer((make, options) => {
    const value = options.name === undefined ? undefined : lookup(values, options.name);
    if (value === undefined) return make(options);
    return make({ ...options, value, ...(observed ? { observed: true } : {}) });
  });
}

/**
 * Conditions a model on values by name: `condition(model, values)` returns the conditioned
 * model; `condition(values)` returns the tracer, for `rv.trace`.
 *
 * @example
 * const posteriorModel = rv.condition(betaBernoulli, { x: data });
 * rv.trace(rv.condition({ x: data }), () => betaBernoulli(50));
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function condition<F extends (...args: any[]) => any>(model: F, values: NamedValues): F;
export function condition(values: NamedValues): Tracer;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function condition(modelOrValues: any, values?: NamedValues): unknown {
  if (typeof modelOrValues === 'function') return underTracer(modelOrValues, valueSetter('condition', values as NamedValues, true));
  return valueSetter('condition', modelOrValues, true);
}

/**
 * Sets the values of named random variables without marking them observed.
 *
 * @example
 * const withDraw = rv.substitute(model, { mu: draw });
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function substitute<F extends (...args: any[]) => any>(model: F, values: NamedValues): F;
export function substitute(values: NamedValues): Tracer;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function substitute(modelOrValues: any, values?: NamedValues): unknown {
  if (typeof modelOrValues === 'function') return underTracer(modelOrValues, valueSetter('substitute', values as NamedValues, false));
  return valueSetter('substitute', modelOrValues, false);
}
