/** `rv.seed`: every draw in a model made deterministic by one seed. */
import { foldIn, key, type Seed } from '../tensor/random/key';
import { constructorTracer, underTracer } from './handler';

/**
 * The model with every random variable drawn from a key derived from `seed` and its position in
 * the run (the i-th random variable created uses foldIn(key(seed), i)), so each run of the
 * seeded model draws the same values. Random variables given their own seed keep it.
 *
 * @example
 * const a = rv.seed(model, 7)();
 * const b = rv.seed(model, 7)();  // the same draws as a
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function seed<F extends (...args: any[]) => any>(model: F, seedValue: Seed): F {
  const base = key(seedValue);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return ((...args: any[]) => {
    let count = 0;
    const tracer = constructorTracer((make, options) => make(options.seed !== undefined ? options : { ...options, seed: foldIn(base, count++) }));
    return underTracer(model, tracer)(...args);
  }) as F;
}
