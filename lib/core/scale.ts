/** `rv.scale`: multiplies log densities, e.g. to weight a minibatch up to the whole data set. */
import { constructorTracer, underTracer } from './handler';

/**
 * The model with every random variable's log density multiplied by `factor` in log joints
 * (nesting multiplies the factors).
 *
 * @example
 * const minibatchModel = rv.scale(model, numData / batchSize);
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function scale<F extends (...args: any[]) => any>(model: F, factor: number): F {
  if (typeof factor !== 'number' || !(factor > 0) || !Number.isFinite(factor)) throw new Error(`scale: factor must be a positive finite number, got ${String(factor)}`);
  return underTracer(model, constructorTracer((make, options) => make({ ...options, logProbScale: (options.logProbScale ?? 1) * factor })));
}
