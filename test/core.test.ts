/**
 * Random variables, the tracer stack and the program transformations (issue 6): tape order and
 * contents, nesting in both orders, the log joint against a hand-written density (eight
 * schools), errors, seeds, block/scale/intervene, predictive, and async isolation.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { assertClose } from './helpers';

const f64 = (values: number[], shape?: number[]) => rv.tensor(values, shape ?? [values.length], 'float64');
const num = (t: rv.TensorLike) => (t as rv.Tensor).dataSync()[0];

function betaBernoulli(n: number) {
  const p = rv.Beta({ concentration1: 1, concentration0: 1, name: 'p' });
  return rv.Bernoulli({ probs: p, sampleShape: [n], name: 'x' });
}

// Eight schools, non-centred, in float64.
const schoolsY = [28, 8, -3, 7, -1, 1, 18, 12];
const schoolsSigma = [15, 10, 16, 11, 9, 11, 10, 18];
function eightSchools() {
  const mu = rv.Normal({ loc: f64([0], []), scale: 5, name: 'mu' });
  const tau = rv.HalfCauchy({ loc: f64([0], []), scale: 5, name: 'tau' });
  const thetaTilde = rv.Normal({ loc: rv.zeros([8], 'float64'), scale: 1, name: 'thetaTilde' });
  const theta = rv.add(mu, rv.mul(tau, thetaTilde));
  return rv.Normal({ loc: theta, scale: f64(schoolsSigma), name: 'y' });
}
function eightSchoolsLogDensity(mu: number, tau: number, thetaTilde: number[], y: number[]): number {
  const normal = (x: number, m: number, s: number) => -0.5 * ((x - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
  let lp = normal(mu, 0, 5) + Math.log(2 / (Math.PI * 5 * (1 + (tau / 5) ** 2)));
  thetaTilde.forEach((t, i) => {
    lp += normal(t, 0, 1) + normal(y[i], mu + tau * t, schoolsSigma[i]);
  });
  return lp;
}

describe('RandomVariable', () => {
  it('draws its value once, when first needed, and acts as it in ops, parameters and methods', () => {
    const x = rv.Normal({ loc: 0, scale: 1, sampleShape: [3], name: 'x' });
    const v = x.value;
    assert.equal(x.value, v);
    assert.deepEqual(x.shape, [3]);
    assertClose(rv.add(x, 1).dataSync(), Array.from(v.dataSync(), (q) => Math.fround(q + 1)), { rtol: 0, atol: 0 });
    assertClose(x.add(1).sum().dataSync(), [Array.from(v.dataSync()).reduce((a, b) => a + b + 1, 0)], { rtol: 1e-6, atol: 1e-6 });
    const y = rv.Normal({ loc: x, scale: 1e-3, name: 'y' });
    assert.deepEqual(y.shape, [3]);
  });

  it('takes a given value, and throws when it does not fit sampleShape + batchShape + eventShape', () => {
    const x = rv.Normal({ loc: [0, 0], scale: 1, sampleShape: [3], value: rv.zeros([3, 2]) });
    assert.deepEqual(x.value.arraySync(), [[0, 0], [0, 0], [0, 0]]);
    assert.throws(() => rv.Normal({ loc: [0, 0], scale: 1, sampleShape: [3], value: rv.zeros([2, 3]) }), /value of shape \[2, ?3\] does not fit sampleShape \[3\] \+ batchShape \[2\]/);
  });
});

describe('tracing', () => {
  it('tracers run with themselves popped: the one pushed last sees the call first and hands it down', () => {
    const order: string[] = [];
    const tracer = (label: string): rv.Tracer => (fn, ...args) => {
      order.push(`${label} in`);
      const out = fn(...args);
      order.push(`${label} out`);
      return out;
    };
    rv.trace(tracer('outer'), () => rv.trace(tracer('inner'), () => rv.Normal({ loc: 0, scale: 1 })));
    assert.deepEqual(order, ['inner in', 'outer in', 'outer out', 'inner out']);
  });

  it('a tracer is removed when its thunk throws', () => {
    let seen = 0;
    assert.throws(() => rv.trace((fn, ...a) => (seen++, fn(...a)), () => {
      throw new Error('boom');
    }), /boom/);
    rv.Normal({ loc: 0, scale: 1 });
    assert.equal(seen, 0);
  });

  it('user functions can be made traceable', () => {
    const double = rv.traceable((t: rv.Tensor) => t.mul(2));
    const calls: unknown[] = [];
    rv.trace((fn, ...args) => (calls.push(fn), fn(...args)), () => double(f64([1])));
    assert.equal(calls.length, 1);
    assert.equal(calls[0], double);
  });

  it('two concurrent async traced runs see only their own tracers, across awaits', async () => {
    const run = async (label: string, delays: number[]) => {
      const names: string[] = [];
      await rv.trace((fn, ...args) => {
        names.push(`${label}:${(args[0] as { name: string }).name}`);
        return fn(...args);
      }, async () => {
        for (const [i, d] of delays.entries()) {
          await new Promise((resolve) => setTimeout(resolve, d));
          rv.Normal({ loc: 0, scale: 1, name: `${label}${i}` });
        }
      });
      return names;
    };
    const [a, b] = await Promise.all([run('a', [5, 1, 5]), run('b', [1, 5, 1])]);
    assert.deepEqual(a, ['a:a0', 'a:a1', 'a:a2']);
    assert.deepEqual(b, ['b:b0', 'b:b1', 'b:b2']);
  });
});

describe('program transformations', () => {
  it('tape records the named random variables in order of creation', () => {
    const [x, tape] = rv.tape(() => eightSchools());
    assert.deepEqual([...tape.keys()], ['mu', 'tau', 'thetaTilde', 'y']);
    assert.equal(tape.get('y'), x);
  });

  it('condition sets values and marks them observed; as a tracer too', () => {
    const data = rv.ones([5]);
    const x = rv.condition(betaBernoulli, { x: data })(5);
    assert.deepEqual(x.value.arraySync(), [1, 1, 1, 1, 1]);
    assert.equal(x.observed, true);
    const [, tape] = rv.tape(() => rv.trace(rv.condition({ p: 0.25 }), () => betaBernoulli(5)));
    assert.equal(num(tape.get('p')!.value), 0.25);
  });

  it('condition inside tape and tape inside condition both see the conditioned value', () => {
    const [, inner] = rv.tape(() => rv.condition(betaBernoulli, { p: 0.25 })(3));
    assert.equal(num(inner.get('p')!.value), 0.25);
    const conditioned = rv.condition(() => rv.tape(() => betaBernoulli(3))[1], { p: 0.75 });
    assert.equal(num(conditioned().get('p')!.value), 0.75);
  });

  it('makeLogJointFn matches a hand-written eight-schools log density', () => {
    const logJoint = rv.makeLogJointFn(eightSchools);
    const thetaTilde = [0.1, -0.3, 0.5, 1.2, -0.7, 0.05, 0.9, -1.1];
    const got = num(logJoint({ mu: f64([1.5], []), tau: f64([2.5], []), thetaTilde: f64(thetaTilde), y: f64(schoolsY) }));
    assertClose([got], [eightSchoolsLogDensity(1.5, 2.5, thetaTilde, schoolsY)], { rtol: 1e-13, atol: 0 });
  });

  it('the log joint is differentiable in the values', () => {
    const logJoint = rv.makeLogJointFn(betaBernoulli);
    const data = f64([1, 0, 1, 1]);
    const g = rv.grad((p: rv.Tensor) => logJoint(4, { p, x: data }))(rv.scalar(0.4));
    assertClose(g.dataSync(), [3 / 0.4 - 1 / 0.6], { rtol: 1e-5, atol: 0 });
  });

  it('the log joint composes: under a tape, of a conditioned model, of an intervened model', () => {
    const data = f64([1, 0, 1, 1]);
    const exact = 3 * Math.log(0.4) + Math.log(0.6);
    const logJoint = rv.makeLogJointFn(betaBernoulli);
    // Run under an outer tracer (TFP once returned 0 here).
    const [underTape] = rv.tape(() => logJoint(4, { p: 0.4, x: data }));
    assertClose([num(underTape)], [exact], { rtol: 1e-6, atol: 0 });
    // A model that is itself traced inside.
    const taped = rv.makeLogJointFn((n: number) => rv.tape(() => betaBernoulli(n))[0]);
    assertClose([num(taped(4, { p: 0.4, x: data }))], [exact], { rtol: 1e-6, atol: 0 });
    // Conditioned: x's value comes from condition, only p is given.
    const conditioned = rv.makeLogJointFn(rv.condition(betaBernoulli, { x: data }));
    assertClose([num(conditioned(4, { p: 0.4 }))], [exact], { rtol: 1e-6, atol: 0 });
    // Intervened: p is a constant, its density (log 1 under Beta(1, 1)) and its value leave the program.
    const intervened = rv.makeLogJointFn(rv.intervene(betaBernoulli, { p: 0.4 }));
    assertClose([num(intervened(4, { x: data }))], [exact], { rtol: 1e-6, atol: 0 });
    assert.throws(() => intervened(4, { p: 0.4, x: data }), /values are given for 'p', which the model does not have/);
  });

  it('makeLogJointFn names the problem: an unnamed random variable, a missing value', () => {
    const unnamed = rv.makeLogJointFn(() => rv.Normal({ loc: 0, scale: 1 }));
    assert.throws(() => unnamed({}), /has no name/);
    const logJoint = rv.makeLogJointFn(betaBernoulli);
    assert.throws(() => logJoint(4, { p: 0.3 }), /no value is given for the random variable 'x'/);
  });

  it('seed makes every draw reproducible; different seeds differ', () => {
    const draw = (s: number) => {
      const [, tape] = rv.tape(() => rv.seed(eightSchools, s)());
      return [...tape.values()].map((v) => Array.from(v.value.dataSync()));
    };
    assert.deepEqual(draw(3), draw(3));
    assert.notDeepEqual(draw(3), draw(4));
  });

  it('block hides random variables from outer tracers; scale multiplies log densities', () => {
    const [, tape] = rv.tape(() => rv.block(eightSchools, { hide: ['thetaTilde'] })());
    assert.deepEqual([...tape.keys()], ['mu', 'tau', 'y']);
    const data = f64([1, 0, 1, 1]);
    const plain = num(rv.makeLogJointFn(betaBernoulli)(4, { p: 0.4, x: data }));
    const scaled = num(rv.makeLogJointFn(rv.scale(betaBernoulli, 3))(4, { p: 0.4, x: data }));
    assertClose([scaled], [3 * plain], { rtol: 1e-6, atol: 0 });
  });

  it('predictive runs the model on each posterior draw, batched, returning the other variables', () => {
    const model = () => {
      const mu = rv.Normal({ loc: f64([0], []), scale: 1, name: 'mu' });
      return rv.Normal({ loc: rv.mul(mu, f64([1, 2, 3])), scale: 1e-9, name: 'y' });
    };
    const draws = f64([0.5, -1, 2, 4]);
    const out = rv.predictive(model, { mu: draws });
    assert.deepEqual(Object.keys(out), ['y']);
    assert.deepEqual(out.y.shape, [4, 3]);
    assertClose(out.y.dataSync(), [0.5, 1, 1.5, -1, -2, -3, 2, 4, 6, 4, 8, 12], { rtol: 1e-7, atol: 1e-7 });
    const sequential = rv.predictive(model, { mu: draws }, { sequential: true });
    assertClose(sequential.y.dataSync(), Array.from(out.y.dataSync()), { rtol: 1e-7, atol: 1e-7 });
  });
});
