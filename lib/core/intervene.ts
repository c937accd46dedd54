/** `rv.intervene` (the paper's "mutilate"): named random variables become constants. */
import { constructorTracer, underTracer } from './handler';
import { tensorOf } from '../distributions/params';
import type { TensorLike } from '../tensor/convert';
import { checkValues, lookup, type NamedValues } from './values';

/**
 * The model with the named random variables replaced by the given constants (tensors): they
 * are no longer random, and their densities leave the program (its log joint no longer has
 * them), as in a do-intervention.
 *
 * @example
 * const doP = rv.intervene(betaBernoulli, { p: 0.9 });
 * doP(50);  // x drawn with p fixed at 0.9
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function intervene<F extends (...args: any[]) => any>(model: F, values: NamedValues): F {
  checkValues('intervene', values);
  return underTracer(model, constructorTracer((make, options) => {
    const value = options.name === undefined ? undefined : lookup(values, options.name);
    return value === undefined ? make(options) : tensorOf(value as TensorLike, 'intervene', `value '${options.name}'`);
  }));
}
