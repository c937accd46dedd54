/**
 * Random-variable constructors: `rv.Normal({ loc, scale, name, sampleShape, value })` builds the
 * distribution from its parameters and wraps it, through the tracer stack.
 */
import type { Distribution, DistributionOptions } from '../distributions/distribution';
import { RandomVariable, type RandomVariableOptions } from './random-variable';
import { traceable } from './tracing';

/** What a family constructor takes: the distribution's parameters and the random variable's options. */
export type RandomVariableArgs<P> = P & RandomVariableOptions & DistributionOptions;

const constructors = new WeakSet<object>();

/** Whether `fn` is a random-variable constructor (tracers treat those calls specially). */
export function isRandomVariableConstructor(fn: unknown): boolean {
  return typeof fn === 'function' && constructors.has(fn);
}

/**
 * The traceable random-variable constructor of a distribution family.
 *
 * @example
 * const Normal = randomVariableConstructor(rv.distributions.Normal);
 * const x = Normal({ loc: 0, scale: 1, name: 'x' });
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function randomVariableConstructor<P>(family: new (params: P) => Distribution): (args: RandomVariableArgs<P>) => RandomVariable {
  const make = {
    [family.name](args: RandomVariableArgs<P>): RandomVariable {
      if (args === null || typeof args !== 'object') throw new Error(`${family.name}: expected one object of parameters and options, got ${String(args)}`);
      const { name, sampleShape, value, seed, observed, logProbScale, ...params } = args;
      const distribution = new family({ ...(params as P), ...(name !== undefined ? { name } : {}) });
      return new RandomVariable(distribution, { name, sampleShape, value, seed, observed, logProbScale });
    },
  }[family.name];
  const traced = traceable(make);
  constructors.add(traced);
  return traced;
}

/** A random-variable constructor call's options (its one argument), or an empty object. */
export function optionsOf(args: readonly unknown[]): RandomVariableOptions & Record<string, unknown> {
  const first = args[0];
  return first !== null && typeof first === 'object' ? (first as RandomVariableOptions & Record<string, unknown>) : {};
}
