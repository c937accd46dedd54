/** `rv.tape`: records every named random variable a computation creates, in order. */
import { RandomVariable } from './random-variable';
import { type Tracer, trace } from './tracing';

/**
 * Runs `thunk` and returns its result with the tape: a Map from name to random variable, in
 * order of creation (unnamed ones are not recorded). Two random variables with one name are
 * an error.
 *
 * @example
 * const [x, tape] = rv.tape(() => betaBernoulli(50));
 * tape.get('p');  // the RandomVariable named 'p'
 */
export function tape<T>(thunk: () => T): [T, Map<string, RandomVariable>] {
  const recorded = new Map<string, RandomVariable>();
  const recorder: Tracer = (fn, ...args) => {
    const out = fn(...args);
    if (out instanceof RandomVariable && out.name !== undefined) {
      if (recorded.has(out.name) && recorded.get(out.name) !== out) throw new Error(`tape: two random variables are named '${out.name}'`);
      recorded.set(out.name, out);
    }
    return out;
  };
  return [trace(recorder, thunk), recorded];
}
