/** rv.jit: capture once, replay natively; the same results as running the function, or it runs the function. */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { binding, type NativeGraph } from '../lib/backend/binding';
import { countCalls, nativeCalls } from './helpers';

function model(features: rv.Tensor) {
  const coeffs = rv.Normal({ loc: rv.scalar(0, features.dtype), scale: 1, sampleShape: [features.shape[1]], name: 'coeffs' });
  return rv.Bernoulli({ logits: rv.matMul(features, coeffs), name: 'labels' });
}

/** Whether graphs on the test device fuse products (native/graph_products.h). */
const productsFused = () => rv.getDevice() === 'cpu' || process.env.RANDVAR_GPU_FUSED_PRODUCTS === '1';

const same = (a: rv.Tensor, b: rv.Tensor) => assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));

describe('jit', () => {
  const X = rv.keep(rv.randomNormal([300, 7], 0, 1, 'float32', 1));
  const y = rv.keep(rv.randomBernoulli([300], 0.4, 'int32', 2));
  const logJoint = rv.makeLogJointFn(model);
  const gradient = rv.valueAndGrad((c: rv.Tensor) => logJoint(X, { coeffs: c, labels: y }));

  it('replays a log-joint gradient with the bits of running it, on new values, without JS kernel calls', () => {
    rv.tidy(() => {
      const jitted = rv.jit(gradient);
      for (let seed = 3; seed < 7; seed++) {
        const w = rv.randomNormal([7], 0, 0.5, 'float32', seed);
        const eager = gradient(w) as { value: rv.Tensor; grad: rv.Tensor };
        let replayed: { value: rv.Tensor; grad: rv.Tensor } | undefined;
        const calls = nativeCalls(() => { replayed = jitted(w) as typeof eager; });
        if (seed > 3) assert.equal(calls, 0, 'a replay runs no kernel from JS');
        same(eager.value, replayed!.value);
        same(eager.grad, replayed!.grad);
        assert.deepEqual(replayed!.grad.shape, [7]);
      }
    });
  });

  it('captures vmap of the gradient (several chains) and matches it', () => {
    rv.tidy(() => {
      const batched = rv.vmap(gradient);
      const jitted = rv.jit(batched);
      for (let seed = 8; seed < 11; seed++) {
        const W = rv.randomNormal([4, 7], 0, 0.5, 'float32', seed);
        const a = batched(W) as { value: rv.Tensor; grad: rv.Tensor };
        const b = jitted(W) as { value: rv.Tensor; grad: rv.Tensor };
        same(a.value, b.value);
        same(a.grad, b.grad);
      }
    });
  });

  it('captures again for new shapes, dtypes and plain arguments', () => {
    rv.tidy(() => {
      let runs = 0;
      const f = rv.jit((x: rv.Tensor, k: number) => {
        runs++;
        return rv.mul(rv.exp(x), k);
      });
      same(f(rv.tensor([1, 2]), 2), rv.mul(rv.exp(rv.tensor([1, 2])), 2));
      same(f(rv.tensor([3, 4]), 2), rv.mul(rv.exp(rv.tensor([3, 4])), 2));
      assert.equal(runs, 1, 'the second call replayed');
      same(f(rv.tensor([3, 4]), 3), rv.mul(rv.exp(rv.tensor([3, 4])), 3));
      same(f(rv.tensor([1, 2, 3]), 3), rv.mul(rv.exp(rv.tensor([1, 2, 3])), 3));
      same(f(rv.tensor([1, 2], undefined, 'float64'), 3), rv.mul(rv.exp(rv.tensor([1, 2], undefined, 'float64')), 3));
      assert.equal(runs, 4, 'one capture per signature');
    });
  });

  it('captures separately when the same tensor is passed twice (fn may test identity; the graph reads one slot)', () => {
    rv.tidy(() => {
      let runs = 0;
      const f = rv.jit((a: rv.Tensor, b: rv.Tensor) => {
        runs++;
        return a === b ? rv.mul(a, 2) : rv.sub(a, b);
      });
      const x = rv.tensor([1, 2]);
      const y = rv.tensor([5, 7]);
      same(f(x, x), rv.tensor([2, 4]));
      same(f(y, y), rv.tensor([10, 14]));
      same(f(x, y), rv.tensor([-4, -5]));
      same(f(y, x), rv.tensor([4, 5]));
      assert.equal(runs, 2, 'one capture for (t, t), one for (t, u)');
    });
  });

  it('tells apart object keys, -0 and 0, and nesting when keying its captures', () => {
    rv.tidy(() => {
      let runs = 0;
      const f = rv.jit((arg: Record<string, unknown>) => {
        runs++;
        const [name, value] = Object.entries(arg)[0];
        const x = value as rv.Tensor;
        return name === 'a' ? rv.add(x, 1) : name === 'b' ? rv.mul(x, 10) : rv.neg(x);
      });
      const x = rv.tensor([1, 2]);
      same(f({ a: x }), rv.tensor([2, 3]));
      same(f({ b: x }), rv.tensor([10, 20]));
      same(f({ a: rv.tensor([5, 6]) }), rv.tensor([6, 7]));
      assert.equal(runs, 2);
      const g = rv.jit((t: rv.Tensor, s: number) => rv.mul(t, Object.is(s, -0) ? -1 : 1));
      same(g(x, 0), rv.tensor([1, 2]));
      same(g(x, -0), rv.tensor([-1, -2]));
      // [[x], x] and [[x, x]]: the same tensors in the same order, nested differently.
      const h = rv.jit((parts: unknown[]) => (parts.length === 2 ? rv.sub(parts[1] as rv.Tensor, 1) : rv.add((parts[0] as rv.Tensor[])[1], 1)));
      same(h([[x], x]), rv.tensor([0, 1]));
      same(h([[x, x]]), rv.tensor([2, 3]));
    });
  });

  it('folds small results of constants alone into constants, and keeps recomputing large ones', () => {
    rv.tidy(() => {
      const stepsOf = (fn: (x: rv.Tensor) => rv.Tensor, x: rv.Tensor) => {
        const make = binding.makeGraph;
        const counts: number[] = [];
        binding.makeGraph = (spec) => {
          counts.push(spec.steps.length);
          return make(spec);
        };
        try {
          const f = rv.jit(fn);
          f(x);
          same(f(x), fn(x));
        } finally {
          binding.makeGraph = make;
        }
        return counts[0];
      };
      const scale = rv.tensor([2, 3], undefined, 'float64');
      const x = rv.tensor([1, 5], undefined, 'float64');
      // log(scale) and 0.5·log(2π) depend on no input: only the sub, div and add are left.
      assert.equal(stepsOf((v) => rv.add(rv.div(rv.sub(v, 1), scale), rv.add(rv.log(scale), 0.5 * Math.log(2 * Math.PI))), x), 3);
      const big = rv.randomNormal([100, 100], 0, 1, 'float64', 3);
      const v = rv.randomNormal([100, 1], 0, 1, 'float64', 4);
      // exp(big) has 10,000 elements: recomputed each call rather than held by the graph.
      assert.equal(stepsOf((w) => rv.matMul(rv.exp(big), w), v), 2);
    });
  });

  it('runs the function itself when it reads values or draws random numbers, with the same results', () => {
    rv.tidy(() => {
      let runs = 0;
      const reads = rv.jit((x: rv.Tensor) => {
        runs++;
        return x.dataSync()[0] > 0 ? rv.exp(x) : rv.neg(x);
      }, { maxAttempts: 2 });
      same(reads(rv.tensor([1, 2])), rv.exp(rv.tensor([1, 2])));
      same(reads(rv.tensor([-1, 2])), rv.neg(rv.tensor([-1, 2])));
      same(reads(rv.tensor([3, 2])), rv.exp(rv.tensor([3, 2])));
      assert.equal(runs, 3, 'never replayed');
      const draws = rv.jit((x: rv.Tensor) => rv.add(x, rv.randomNormal([2])));
      const a = draws(rv.zeros([2])).dataSync(), b = draws(rv.zeros([2])).dataSync();
      assert.notDeepEqual(Array.from(a), Array.from(b), 'each call draws anew');
    });
  });

  it('is differentiated and batched when called under grad or vmap', () => {
    rv.tidy(() => {
      const f = rv.jit((x: rv.Tensor) => rv.sum(rv.square(x)));
      f(rv.tensor([1, 2]));
      f(rv.tensor([1, 2]));  // captured
      same(rv.grad(f)(rv.tensor([1, 2])), rv.tensor([2, 4]));
      same(rv.vmap(f)(rv.tensor([[1, 2], [3, 4]])), rv.tensor([5, 25]));
    });
  });

  it('nests: an inner jit inside an outer capture is recorded into the outer graph', () => {
    rv.tidy(() => {
      const inner = rv.jit((x: rv.Tensor) => rv.exp(x));
      inner(rv.tensor([0.5]));
      inner(rv.tensor([0.5]));  // inner is captured
      const outer = rv.jit((x: rv.Tensor) => rv.add(inner(x), 1));
      for (const v of [0.5, 1.5, 2.5]) same(outer(rv.tensor([v])), rv.add(rv.exp(rv.tensor([v])), 1));
    });
  });

  it('returns arguments that fn returns as they are, as fn does', () => {
    rv.tidy(() => {
      const f = rv.jit((a: rv.Tensor, b: rv.Tensor) => ({ a, sum: rv.add(a, b) }));
      const x = rv.tensor([1, 2]), y = rv.tensor([3, 4]);
      f(x, y);
      const r = f(x, y);  // replayed
      assert.equal(r.a, x);
      same(r.sum, rv.tensor([4, 6]));
    });
  });

  it('keeps tensors it closed over, and frees every intermediate: memory is flat over 10,000 replays', () => {
    const w = rv.tensor([0.1, -0.2, 0.3, 0.05, 0, 0.2, -0.1]);
    let closed = rv.randomNormal([300, 7], 0, 1, 'float32', 12);
    const f = rv.jit((c: rv.Tensor) => rv.sum(rv.logSigmoid(rv.matMul(closed, c))));
    const expected = f(w).dataSync()[0];
    closed.dispose();
    closed = rv.zeros([1]);  // the capture keeps the original
    assert.equal(f(w).dataSync()[0], expected);
    for (let i = 0; i < 100; i++) f(w).dispose();
    const before = rv.memory().liveBytes;
    for (let i = 0; i < 10_000; i++) f(w).dispose();
    // Not above (the GC may free other tests' leftovers meanwhile).
    assert.ok(rv.memory().liveBytes <= before, `${rv.memory().liveBytes - before} bytes more are live`);
    rv.dispose([w, closed]);
  });

  for (const metric of ['unit', 'diag', 'dense'] as const) {
    it(`gives NUTS (jit: true, trees built natively) the same draws, bit for bit, as the TypeScript tree op by op (${metric} metric)`, async () => {
      const target = (c: rv.Tensor) => logJoint(X, { coeffs: c, labels: y });
      const run = (captured: boolean) => rv.mcmc.nuts({
        // 60 warm-up iterations: the metric adapts mid-run, so the captured steps must take it as an argument.
        target, init: rv.zeros([7]), numChains: 2, numWarmup: 60, numSamples: 30, seed: 5, metric, progress: false, jit: captured,
      });
      const plain = await run(false);
      const nativeTrees = countCalls('nutsTree');
      const captured = await run(true);
      assert.equal(nativeTrees.stop(), 90, 'every transition built its tree natively');
      assert.deepEqual(Array.from((captured.draws as rv.Tensor).dataSync()), Array.from((plain.draws as rv.Tensor).dataSync()));
      assert.deepEqual(Array.from(captured.stats.numSteps.dataSync()), Array.from(plain.stats.numSteps.dataSync()));
      if (metric !== 'unit') assert.deepEqual(Array.from(captured.inverseMetric!.dataSync()), Array.from(plain.inverseMetric!.dataSync()));
    });
  }

  it('gives NUTS the same draws when the next leaf is queued before the host reads this one (as on a GPU), also where trees stop inside a subtree', async () => {
    // Scales from 0.1 to 10 at a fixed step size: U-turns inside subtrees are common.
    const scales = rv.keep(rv.tensor([1, 3, 10, 0.3, 0.1]));
    const target = (x: rv.Tensor) => rv.mul(rv.sum(rv.square(rv.mul(x, scales))), -0.5);
    for (const numChains of [1, 3]) {
      const run = (captured: boolean) => rv.mcmc.nuts({
        target, init: rv.zeros([5]), numChains, numWarmup: 0, numSamples: 40, seed: 8, stepSize: 0.2, adaptStepSize: false,
        metric: 'unit', progress: false, jit: captured,
      });
      const plain = await run(false);
      process.env.RANDVAR_NUTS_SPECULATE = '1';
      let speculated: Awaited<ReturnType<typeof run>>;
      try {
        speculated = await run(true);
      } finally {
        delete process.env.RANDVAR_NUTS_SPECULATE;
      }
      assert.deepEqual(Array.from((speculated.draws as rv.Tensor).dataSync()), Array.from((plain.draws as rv.Tensor).dataSync()));
      const steps = Array.from(plain.stats.numSteps.dataSync());
      assert.deepEqual(Array.from(speculated.stats.numSteps.dataSync()), steps);
      // A tree of 2^d - 1 steps ended at a subtree's last leaf; any other count stopped inside
      // one, where (with one chain) the leaf queued ahead was computed in vain and dropped.
      assert.ok(steps.some((s) => ((s + 1) & s) !== 0), `every tree ended at a subtree's last leaf: ${steps}`);
      rv.dispose([plain.draws as rv.Tensor, speculated.draws as rv.Tensor]);
    }
    scales.dispose();
  });

  // Enough rows and features for product fusion (native/graph_products.h) to take the leaf's two products.
  const wideX = rv.keep(rv.randomNormal([1500, 20], 0, 0.3, 'float32', 3));
  const wideY = rv.keep(rv.randomBernoulli([1500], 0.4, 'int32', 4));
  const wideTarget = (c: rv.Tensor) => logJoint(wideX, { coeffs: c, labels: wideY });

  it('gives NUTS (jit: true) the same draws, bit for bit, as the TypeScript tree op by op where the leaf\'s products are fused', async () => {
    const run = (captured: boolean) => rv.mcmc.nuts({
      target: wideTarget, init: rv.zeros([20]), numChains: 2, numWarmup: 30, numSamples: 20, seed: 6, progress: false, jit: captured,
    });
    const plain = await run(false);
    let fused = 0;
    const make = binding.makeGraph;
    binding.makeGraph = (spec) => {
      const graph = make(spec);
      if (binding.graphSteps(graph).includes('fusedProducts')) fused++;
      return graph;
    };
    let captured: Awaited<ReturnType<typeof run>>;
    try {
      captured = await run(true);
    } finally {
      binding.makeGraph = make;
    }
    assert.equal(fused > 0, productsFused(), `${fused} graphs with fusedProducts`);
    assert.deepEqual(Array.from((captured.draws as rv.Tensor).dataSync()), Array.from((plain.draws as rv.Tensor).dataSync()));
    assert.deepEqual(Array.from(captured.stats.numSteps.dataSync()), Array.from(plain.stats.numSteps.dataSync()));
  });

  it('launches 9 kernels per leapfrog step of NUTS on logistic regression on the CPU (12 on a GPU): the leaf graph fused', async () => {
    // The steps of the leaf graph that the native tree building replays (read while it lives).
    const leafGraphs = new Map<NativeGraph, string[]>();
    const tree = binding.nutsTree;
    binding.nutsTree = (graphs, ...rest) => {
      leafGraphs.set(graphs[1], binding.graphSteps(graphs[1]));
      return tree(graphs, ...rest);
    };
    try {
      await rv.mcmc.nuts({ target: wideTarget, init: rv.zeros([20]), numChains: 1, numWarmup: 0, numSamples: 2, seed: 5, stepSize: 0.1, adaptStepSize: false, metric: 'unit', progress: false, jit: true });
    } finally {
      binding.nutsTree = tree;
    }
    assert.equal(leafGraphs.size, 1, 'one leaf graph replayed');
    const [steps] = leafGraphs.values();
    // Unfused, the same graph launches 29. Reshapes and slices are views, no launch. The last
    // leaf's candidate choice is a graph of its own (so that a GPU can compute the next leaf
    // while the host makes it). The fused steps are the momentum's half step
    // with the position update, the prior's log density ((q - loc) / scale ...) summed, the
    // logits X·q with the gradient's residual and its product with X in one pass over X
    // (fusedProducts, on the CPU), the likelihood summed (its cross-entropy op fused into the sum,
    // on the CPU), the gradient's prior term, the momentum's second half step, the kinetic energy
    // (p · p summed), and the Hamiltonian.
    const likelihood = rv.getDevice() === 'cpu' ? ['fusedSum'] : ['sigmoidCrossEntropy', 'sum'];  // the cross-entropy fuses on the CPU only
    const products = productsFused() ? ['fusedProducts', ...likelihood, 'add'] : ['matMul', ...likelihood, 'add', 'sigmoidCrossEntropyGrad', 'matMul'];
    const expected = ['fused', 'fusedSum', ...products, 'fused', 'fused', 'fusedSum', 'fused'];
    assert.deepEqual(steps.filter((k) => k !== 'reshape' && k !== 'slice'), expected);
  });

  it('reads a closed-over view as the function did (its layout kept, not a contiguous copy): the same bits', () => {
    rv.tidy(() => {
      const base = rv.randomNormal([20, 2000], 0, 1, 'float64', 9);
      const X = rv.transpose(base);  // [2000, 20], its rows not contiguous
      const f = (b: rv.Tensor) => rv.matMul(rv.tanh(rv.matMul(b, X, false, true)), X);
      const jitted = rv.jit(f);
      for (let seed = 10; seed < 13; seed++) {
        const b = rv.randomNormal([2, 20], 0, 1, 'float64', seed);
        same(f(b), jitted(b) as rv.Tensor);
      }
    });
  });

  it('runs fn on a disposed argument, which gives the op\'s error', () => {
    const f = rv.jit((x: rv.Tensor) => rv.exp(x));
    const x = rv.tensor([1]);
    f(x).dispose();
    f(x).dispose();
    x.dispose();
    assert.throws(() => f(x), /disposed/);
  });
});
