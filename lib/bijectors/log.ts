/** The logarithm, from the positive reals onto the reals. */
import type { BijectorOptions } from './bijector';
import { Exp } from './exp';
import { Invert } from './invert';

/**
 * Y = log(X), from (0, ∞) onto the reals: Exp run backwards, so log |dY/dX| = −log X.
 *
 * @example
 * new rv.bijectors.Log().forward([1, Math.E]);  // [0, 1]
 */
export class Log extends Invert {
  constructor(options: BijectorOptions = {}) {
    super(new Exp(), { name: options.name ?? 'Log', validateArgs: options.validateArgs });
  }
}
