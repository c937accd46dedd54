/** `rv.makeLogJointFn`: a model turned into its log-joint density function. */
import { add, mul } from '../tensor/ops/elementwise';
import { scalar } from '../tensor/ops/creation';
import { sum } from '../tensor/ops/reduction';
import type { Tensor } from '../tensor/tensor';
import { constructorTracer } from './handler';
import { RandomVariable } from './random-variable';
import { trace } from './tracing';
import { checkValues, lookup, namesOf, type NamedValues } from './values';

/**
 * The log joint of `model`: a function of the model's arguments followed by an object (or Map)
 * of values by name, returning the sum over the model's random variables of their log
 * densities at those values (each scaled by its logProbScale). A random variable whose value is
 * set otherwise (by `condition` inside the model) uses that value. Every random variable must be
 * named and have a value; a value for a name the model does not have is an error too. Composes
 * with other tracers in any nesting, and is differentiable in the values.
 *
 * @example
 * const logJoint = rv.makeLogJointFn(betaBernoulli);
 * logJoint(50, { p: 0.3, x: data });           // a scalar Tensor
 * rv.grad((p) => logJoint(50, { p, x: data }))(rv.scalar(0.3));
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function makeLogJointFn(model: (...args: any[]) => unknown): (...argsThenValues: any[]) => Tensor {
  if (typeof model !== 'function') throw new Error(`makeLogJointFn: model must be a function, got ${typeof model}`);
  return (...argsThenValues: unknown[]) => {
    if (argsThenValues.length === 0) throw new Error('makeLogJointFn: the log joint takes the model\'s arguments followed by the values by name');
    const values = checkValues('makeLogJointFn', argsThenValues[argsThenValues.length - 1]);
    const modelArgs = argsThenValues.slice(0, -1);
    const used = new Set<string>();
    let total: Tensor | null = null;
    const tracer = constructorTracer((make, options) => {
      const name = options.name;
      if (name === undefined) throw new Error(`makeLogJointFn: a random variable of the model has no name (every random variable needs one)`);
      if (used.has(name)) throw new Error(`makeLogJointFn: two random variables are named '${name}'`);
      used.add(name);
      const given = lookup(values, name);
      const value = given !== undefined ? given : options.value;
      if (value === undefined) throw new Error(`makeLogJointFn: no value is given for the random variable '${name}'`);
      const out = make({ ...options, value });
      if (!(out instanceof RandomVariable)) return out;
      let term = sum(out.distribution.logProb(out.value));
      if (out.logProbScale !== 1) term = mul(term, out.logProbScale);
      total = total === null ? term : add(total, term);
      return out;
    });
    trace(tracer, () => model(...modelArgs));
    const unknown = namesOf(values).filter((n) => !used.has(n));
    if (unknown.length > 0) throw new Error(`makeLogJointFn: values are given for ${unknown.map((n) => `'${n}'`).join(', ')}, which the model does not have`);
    return total ?? scalar(0);
  };
}
