/**
 * Elementwise fusion of captured graphs (native/graph_fusion.h, kernels/fused_ops.h): chains of
 * float unary and binary steps become one fused step, which gives the bits of running the ops
 * one by one, for every fusable op, on broadcast, strided, scalar, empty and multi-threaded
 * sizes; and the fused kernel rejects malformed programs with the kernel's name in the Error.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { binding, type NativeGraph } from '../lib/backend/binding';
import { captureGraph, releaseGraph } from '../lib/autodiff/jit';
import { dtypeCode } from '../lib/tensor/dtype';
import { assertThrowsNamed, makeRng, nonContiguous, randomData } from './helpers';

type Fn = (inputs: readonly rv.Tensor[]) => rv.Tensor[];

/** Runs fn eagerly and as a captured graph on the same inputs; asserts the same bits; gives the graph's steps. */
function fusedMatchesEager(fn: Fn, inputs: readonly rv.Tensor[], what: string): string[] {
  return rv.tidy(() => {
    const eager = fn(inputs);
    const graph = captureGraph(fn, inputs) as NativeGraph;
    assert.ok(graph !== null, `${what}: captured`);
    try {
      const replayed = binding.runGraph(graph, ...inputs.map((t) => t.handle()));
      assert.equal(replayed.length, eager.length);
      eager.forEach((e, i) => {
        const expected = e.dataSync();
        const actual = binding.toData(replayed[i]) as Float32Array | Float64Array;
        binding.dispose(replayed[i]);
        assert.equal(actual.length, expected.length, `${what} [${i}]: length`);
        for (let j = 0; j < expected.length; j++) {
          if (!Object.is(actual[j], expected[j]) && !(Number.isNaN(actual[j]) && Number.isNaN(expected[j]))) {
            assert.fail(`${what} [${i}]: element ${j} is ${actual[j]} fused, ${expected[j]} op by op`);
          }
        }
      });
      return binding.graphSteps(graph);
    } finally {
      releaseGraph(graph);
    }
  });
}

const unaryOps = ['neg', 'abs', 'sign', 'square', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'reciprocal', 'sigmoid',
  'logSigmoid', 'softplus', 'tanh', 'sin', 'cos', 'floor', 'ceil', 'round'] as const;
const binaryOps = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'squaredDifference', 'atan2'] as const;
const byName = rv as unknown as Record<string, (...args: unknown[]) => rv.Tensor>;

describe('elementwise fusion of captured graphs', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`fuses every fusable ${dtype} op with the bits of the op alone`, () => {
      const rng = makeRng(11);
      rv.tidy(() => {
        const x = rv.tensor(randomData(rng, 40, dtype, -40, 40), [8, 5], dtype);
        const y = rv.tensor(randomData(rng, 40, dtype, -3, 3), [8, 5], dtype);
        for (const op of unaryOps) {
          // op(x) + y and op(|x|)·y: every value of x (the domain's edges and outside it: NaN) and of |x|.
          const steps = fusedMatchesEager(([a, b]) => [rv.add(byName[op](a), b), rv.mul(byName[op](rv.abs(a)), b)], [x, y], `${op} ${dtype}`);
          assert.deepEqual(steps, ['fused', 'fused'], `${op} ${dtype}`);
        }
        for (const op of binaryOps) {
          const steps = fusedMatchesEager(([a, b]) => [rv.sub(byName[op](a, b), a), rv.exp(byName[op](b, rv.abs(a)))], [x, y], `${op} ${dtype}`);
          assert.deepEqual(steps, ['fused', 'fused'], `${op} ${dtype}`);
        }
      });
    });

    it(`fuses ${dtype} chains over broadcast, strided, constant, scalar, empty and large inputs`, () => {
      const rng = makeRng(12);
      rv.tidy(() => {
        const chain: Fn = ([a, b, c]) => [rv.softplus(rv.sub(rv.mul(rv.sigmoid(rv.add(a, b)), 2.5), rv.div(c, rv.add(rv.square(b), 1))))];
        const shape = [3, 4, 5];
        const x = rv.tensor(randomData(rng, 60, dtype), shape, dtype);
        // A column broadcast along the last axis, and a strided view.
        const column = rv.tensor(randomData(rng, 4, dtype), [4, 1], dtype);
        const strided = nonContiguous(randomData(rng, 60, dtype), shape, dtype, rng);
        // square(b) + 1 has b's shape, not the output's: a program of its own, on the small shape.
        assert.deepEqual(fusedMatchesEager(chain, [x, column, strided], 'broadcast and strided'), ['fused', 'fused']);
        const scalar = (v: number) => rv.tensor(v, [], dtype);
        assert.deepEqual(fusedMatchesEager(chain, [scalar(0.3), scalar(-1.2), scalar(4)], 'rank 0'), ['fused']);
        const empty = rv.zeros([0, 3], dtype);
        // Here c / (square(b) + 1) has shape [1, 3]: a step of its own between the two programs.
        assert.deepEqual(fusedMatchesEager(chain, [empty, rv.ones([3], dtype), rv.ones([1, 3], dtype)], 'empty'), ['fused', 'div', 'fused']);
        // Many parallel chunks and a length that is no multiple of the chunk.
        const n = 200_003;
        const big = () => rv.tensor(randomData(rng, n, dtype, -6, 6), [n], dtype);
        assert.deepEqual(fusedMatchesEager(chain, [big(), big(), big()], 'large'), ['fused']);
      });
    });
  }

  for (const dtype of ['float32', 'float64'] as const) {
    it(`fuses the binary cross-entropy ops and their gradient (${dtype}) on the CPU, with the bits of the ops alone`, () => {
      const rng = makeRng(19);
      const onCpu = rv.getDevice() === 'cpu';
      rv.tidy(() => {
        // Logits of every size (the small-log-term branch, its edges past ±17 and ±708), and ±∞
        // and NaN; labels 0, 1 and fractions; cotangents of both signs.
        const n = 1003;
        const logits = randomData(rng, n, dtype, -50, 50);
        [-1e30, 1e30, -800, 800, 0, -0, Infinity, -Infinity, NaN].forEach((v, i) => { logits[i * 7] = v; });
        const l = rv.tensor(logits, [n], dtype);
        const s = rv.tensor(Array.from({ length: n }, (_, i) => (i % 3 === 2 ? rng() : i % 3)), [n], dtype);
        const w = rv.tensor(randomData(rng, n, dtype, -2, 2), [n], dtype);
        const forward = fusedMatchesEager(([a, b, c]) => [
          rv.mul(rv.binaryLogLikelihoodWithLogits(a, b), c), rv.add(rv.sigmoidCrossEntropyWithLogits(a, b), c),
        ], [s, l, w], `forward ${dtype}`);
        assert.deepEqual(forward, onCpu ? ['fused', 'fused'] : ['sigmoidCrossEntropy', 'mul', 'sigmoidCrossEntropy', 'add']);
        // The gradients: dy·(s − σ(l)) and its negative, each times 2 (a program of two instructions).
        const gradients = fusedMatchesEager(([a, b, c]) => [
          rv.mul(rv.grad((z: rv.Tensor) => rv.sum(rv.mul(rv.binaryLogLikelihoodWithLogits(a, z), c)))(b) as rv.Tensor, 2),
          rv.mul(rv.grad((z: rv.Tensor) => rv.sum(rv.mul(rv.sigmoidCrossEntropyWithLogits(a, z), c)))(b) as rv.Tensor, 2),
        ], [s, l, w], `gradient ${dtype}`);
        assert.equal(gradients.includes('sigmoidCrossEntropyGrad'), !onCpu, gradients.join(' '));
        // Summed: one fusedSum where the CPU fuses the op.
        const sum = fusedMatchesEager(([a, b]) => [rv.sum(rv.binaryLogLikelihoodWithLogits(a, b))], [s, l], `sum ${dtype}`);
        assert.deepEqual(sum, onCpu ? ['fusedSum'] : ['sigmoidCrossEntropy', 'sum']);
      });
    });
  }

  for (const dtype of ['float32', 'float64'] as const) {
    it(`sums a ${dtype} chain, or one op, that only the sum reads in one fusedSum step, with the bits of op by op`, () => {
      const rng = makeRng(17);
      rv.tidy(() => {
        const t = (shape: number[]) => rv.tensor(randomData(rng, shape.reduce((a, b) => a * b, 1), dtype), shape, dtype);
        const x = t([3, 4, 5]), row = t([5]), one = t([]);
        const chain = (a: rv.Tensor, b: rv.Tensor) => rv.softplus(rv.sub(rv.mul(a, b), one));
        for (const [what, axes, keep] of [['the last axis', [2], false], ['the last two, kept', [1, 2], true], ['all', [0, 1, 2], false],
          ['the first', [0], false], ['the middle', [1], true]] as const) {
          const steps = fusedMatchesEager(([a, b]) => [rv.sum(chain(a, b), [...axes], keep)], [x, row], `over ${what}`);
          assert.deepEqual(steps, ['fusedSum'], `over ${what}`);
        }
        assert.deepEqual(fusedMatchesEager(([a]) => [rv.sum(rv.mul(a, a), -1)], [x], 'one op'), ['fusedSum']);
        // Strided and broadcast inputs; long rows (split into runs on a GPU: computed inside the
        // reduction up to 65,536 values, by the fused kernel and then the sum kernel beyond); an
        // empty axis.
        const strided = nonContiguous(randomData(rng, 60, dtype), [3, 4, 5], dtype, rng);
        assert.deepEqual(fusedMatchesEager(([a, b]) => [rv.sum(chain(a, b), -1)], [strided, row], 'strided'), ['fusedSum']);
        const row60k = t([1, 60_000]);
        assert.deepEqual(fusedMatchesEager(([a]) => [rv.sum(chain(a, a), -1)], [row60k], 'a row of 60,000'), ['fusedSum']);
        const long = t([2, 150_001]);
        assert.deepEqual(fusedMatchesEager(([a]) => [rv.sum(chain(a, a), -1), rv.sum(rv.exp(rv.neg(rv.square(a))))], [long], 'long rows'), ['fusedSum', 'fusedSum']);
        assert.deepEqual(fusedMatchesEager(([a]) => [rv.sum(chain(a, a), -1)], [rv.zeros([3, 0], dtype)], 'an empty axis'), ['fusedSum']);
        // A sum of a value also returned keeps both steps.
        assert.deepEqual(fusedMatchesEager(([a]) => { const v = rv.mul(a, a); return [v, rv.sum(v)]; }, [x], 'returned'), ['mul', 'sum']);
      });
    });
  }

  it('rejects malformed fusedSum attributes naming the kernel', () => {
    const fusedSum = binding.kernels().fusedSum;
    const f32 = dtypeCode.float32;
    rv.tidy(() => {
      const a = rv.tensor([1, 2, 3, 4, 5, 6], [2, 3], 'float32').handle();
      // -a summed over axis 1 of [2, 3]: rank 2, dims 2 3, the sum's 2 attributes (keepDims 0, axis 1), then neg's program.
      const out = binding.run(fusedSum, [2], f32, [2, 2, 3, 2, 0, 1, 1, 1, 0, 0, 0, 0], -1, a);
      assert.deepEqual(Array.from(binding.toData(out) as Float32Array), [-6, -15]);
      binding.dispose(out);
      const run = (attrs: number[], shape = [2]) => () => binding.run(fusedSum, shape, f32, attrs, -1, a);
      assertThrowsNamed(run([]), 'fusedSum', 'attribute 0');
      assertThrowsNamed(run([17]), 'fusedSum', 'attribute 0');
      assertThrowsNamed(run([2, 2, -3]), 'fusedSum', 'attribute 2');
      assertThrowsNamed(run([2, 2, 3, 5]), 'fusedSum', 'attribute 3');
      assertThrowsNamed(run([2, 2, 3, 2, 0]), 'fusedSum', 'missing');
      assertThrowsNamed(run([2, 2, 3, 2, 0, 1, 1, 1, 99, 0, 0, 0]), 'fusedSum', 'attribute');
      assertThrowsNamed(run([2, 2, 3, 2, 0, 7, 1, 1, 0, 0, 0, 0]), 'fusedSum', 'attribute 1');
      assertThrowsNamed(run([2, 2, 3, 2, 0, 1, 1, 1, 0, 0, 0, 0], [3]), 'fusedSum', 'output shape');
      assertThrowsNamed(run([2, 4, 3, 2, 0, 1, 1, 1, 0, 0, 0, 0], [4]), 'fusedSum', 'does not broadcast');
    });
  });

  it('splits programs at the fused kernel\'s limits (24 instructions, 8 inputs) with the same bits', () => {
    const rng = makeRng(13);
    rv.tidy(() => {
      const x = rv.tensor(randomData(rng, 30, 'float32'), [30], 'float32');
      // Two closed-over scalars (one input each, where a JS number would be a constant per use).
      const scale = rv.tensor(1.01, [], 'float32'), shift = rv.tensor(0.25, [], 'float32');
      const long: Fn = ([a]) => {
        let t = a;
        for (let i = 0; i < 30; i++) t = i % 2 === 0 ? rv.mul(t, scale) : rv.add(t, shift);
        return [t];
      };
      assert.deepEqual(fusedMatchesEager(long, [x], '30 instructions'), ['fused', 'fused']);
      const inputs = Array.from({ length: 10 }, () => rv.tensor(randomData(rng, 30, 'float32'), [30], 'float32'));
      const wide: Fn = (xs) => [xs.slice(1).reduce((acc, t) => rv.add(acc, t), xs[0])];
      const steps = fusedMatchesEager(wide, inputs, '10 inputs');
      assert.ok(steps.length === 2 && steps.includes('fused'), `10 inputs: ${steps}`);
    });
  });

  it('computes a result read by several chains in each, and leaves one read by other steps or returned, and int32 steps, unfused', () => {
    rv.tidy(() => {
      const x = rv.tensor([0.5, -1, 2], [3], 'float32');
      const i = rv.tensor([1, 2, 3], [3], 'int32');
      // A result only fused chains read is computed in each; one that another step reads stays a tensor.
      assert.deepEqual(fusedMatchesEager(([a]) => { const e = rv.exp(a); return [rv.add(e, 1), rv.mul(e, 2)]; }, [x], 'shared'), ['fused', 'fused']);
      assert.deepEqual(fusedMatchesEager(([a]) => { const e = rv.exp(a); return [rv.mul(rv.add(e, 1), 2), rv.sum(e)]; }, [x], 'read by a sum'), ['exp', 'fused', 'sum']);
      assert.deepEqual(fusedMatchesEager(([a]) => { const t = rv.mul(a, 2); return [t, rv.add(t, 1)]; }, [x], 'returned'), ['mul', 'add']);
      assert.deepEqual(fusedMatchesEager(([a]) => [rv.mul(rv.add(a, a), a)], [i], 'int32'), ['add', 'mul']);
      // A one-element result (a step size halved) is computed in every chain that reads it.
      const half: Fn = ([a, s]) => { const h = rv.mul(s, 0.5); return [rv.add(a, rv.mul(h, a)), rv.sub(rv.exp(a), h)]; };
      assert.deepEqual(fusedMatchesEager(half, [rv.tensor([[1, 2, 3], [4, 5, 6]], [2, 3], 'float32'), rv.tensor([[0.3]], [1, 1], 'float32')], 'one element'), ['fused', 'fused']);
      // A reshape to the shape it has is no step of the fused program; one that changes the shape ends it.
      assert.deepEqual(fusedMatchesEager(([a]) => [rv.exp(rv.reshape(rv.add(a, 1), [3]))], [x], 'reshape to the same shape'), ['fused']);
      assert.deepEqual(fusedMatchesEager(([a]) => [rv.exp(rv.reshape(rv.add(a, 1), [3, 1]))], [x], 'reshape'), ['add', 'reshape', 'exp']);
    });
  });

  it('gives the bits of op by op on 300 random graphs (shared results, broadcasts, one-element values, reshapes, several outputs)', () => {
    const rng = makeRng(14);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
    let fusedSteps = 0;
    for (let trial = 0; trial < 300; trial++) {
      const dtype = trial % 2 === 0 ? 'float32' : 'float64';
      const shape = [1 + Math.floor(rng() * 3), 1 + Math.floor(rng() * 4)];
      // Inputs of the full shape, a column, a row and one element, so that values broadcast.
      const inputShapes = [shape, [shape[0], 1], [shape[1]], [1, 1], shape];
      rv.tidy(() => {
        const inputs = inputShapes.map((s) => rv.tensor(randomData(rng, s.reduce((a, b) => a * b, 1), dtype, -2, 2), s, dtype));
        const ops = Array.from({ length: 4 + Math.floor(rng() * 30) }, () => {
          const unary = rng() < 0.4;
          const op = unary ? pick(['neg', 'abs', 'exp', 'sigmoid', 'softplus', 'tanh', 'sin', 'square'])
            : pick(['add', 'sub', 'mul', 'maximum', 'minimum', 'squaredDifference']);
          return { unary, op, a: rng(), b: rng(), reshape: rng() < 0.1 };
        });
        const outputs = [rng(), rng()];
        const fn: Fn = (xs) => {
          const values = [...xs];
          for (const o of ops) {
            const a = values[Math.floor(o.a * values.length)];
            let v = o.unary ? byName[o.op](a) : byName[o.op](a, values[Math.floor(o.b * values.length)]);
            if (o.reshape) v = rv.reshape(v, v.shape);
            values.push(v);
          }
          return [values[values.length - 1], ...outputs.map((r) => values[xs.length + Math.floor(r * (values.length - xs.length))])];
        };
        // Every choice is drawn above, once per trial: fn makes the same graph on every call.
        const steps = fusedMatchesEager(fn, inputs, `random graph ${trial} (${dtype} ${shape})`);
        fusedSteps += steps.filter((k) => k === 'fused').length;
      });
    }
    assert.ok(fusedSteps > 300, `only ${fusedSteps} fused steps in 300 random graphs`);
  });

  it('runs a program given directly, and rejects malformed ones naming the kernel', () => {
    const fused = binding.kernels().fused;
    const f32 = dtypeCode.float32;
    rv.tidy(() => {
      const a = rv.tensor([1, 2, 3], [3], 'float32').handle();
      const b = rv.tensor([10, 20, 30], [3], 'float32').handle();
      // neg is opcode 0 and add the first binary opcode (20): -(a + b). Each instruction is
      // [opcode, a, b, c]; operands an op does not take are ignored.
      const out = binding.run(fused, [3], f32, [2, 2, 20, 0, 1, 0, 0, 2, 2, 2], -1, a, b);
      assert.deepEqual(Array.from(binding.toData(out) as Float32Array), [-11, -22, -33]);
      binding.dispose(out);
      const run = (attrs: number[], outDtype = f32, ...inputs: typeof a[]) => () => binding.run(fused, [3], outDtype, attrs, -1, ...inputs);
      assertThrowsNamed(run([], f32, a), 'fused', 'attributes');
      assertThrowsNamed(run([1, 1, 0, 0, 0], f32, a), 'fused', '6 attributes, got 5');
      assertThrowsNamed(run([9, 1, 0, 0, 0, 0], f32, a), 'fused', 'attribute 0');
      assertThrowsNamed(run([1, 25, 0, 0, 0, 0], f32, a), 'fused', 'attribute 1');
      assertThrowsNamed(run([1, 1, 99, 0, 0, 0], f32, a), 'fused', 'attribute 2');
      assertThrowsNamed(run([1, 1, 20, 0, 1, 0], f32, a), 'fused', 'attribute 4', '[0, 0]');  // reads a register not yet written
      assertThrowsNamed(run([1, 2, 0, 0, 0, 0, 0, 2, 0, 0], f32, a), 'fused', 'attribute 7');
      // The gradient of the cross-entropy (opcode 32) reads a third register.
      assertThrowsNamed(run([2, 1, 32, 0, 1, 2], f32, a, b), 'fused', 'attribute 5', '[0, 1]');
      assertThrowsNamed(run([2, 1, 20, 0, 1, 0], f32, a), 'fused', 'reads 2 inputs, got 1');
      assertThrowsNamed(run([1, 1, 0, 0, 0, 0], dtypeCode.int32, rv.tensor([1, 2, 3], [3], 'int32').handle()), 'fused', 'int32', 'not supported');
      assertThrowsNamed(run([1, 1, 0, 0, 0, 0], f32, rv.tensor([1, 2, 3], [3], 'float64').handle()), 'fused', 'input 0', 'float64');
      assertThrowsNamed(run([1, 1, 0, 0, 0, 0], f32, rv.tensor([1, 2], [2], 'float32').handle()), 'fused', 'does not broadcast');
    });
  });

  it('profiles a captured graph step by step: one mean time per step, the heaviest step the longest', () => {
    rv.tidy(() => {
      // Sizes where the product dominates on any device, a GPU's launch and wait (some µs per
      // step) included: 1e9 multiply-adds against 1e6 exps.
      const x = rv.tensor(randomData(makeRng(16), 1_000_000, 'float64'), [1000, 1000], 'float64');
      const graph = captureGraph(([a]) => [rv.sum(rv.exp(rv.mul(a, 0.5)), 1), rv.matMul(a, a, false, true)], [x]) as NativeGraph;
      try {
        const names = binding.graphSteps(graph);
        assert.deepEqual(names, ['fusedSum', 'matMul']);
        const seconds = binding.profileGraph(graph, 3, x.handle());
        assert.equal(seconds.length, names.length);
        for (const s of seconds) assert.ok(s >= 0 && s < 10, `a step took ${s} s`);
        assert.ok(seconds[1] > seconds[0], `steps took ${seconds}`);
        assertThrowsNamed(() => binding.profileGraph(graph, 0, x.handle()), 'profileGraph', 'repeats');
        assertThrowsNamed(() => binding.profileGraph(graph, 1), 'the graph takes 1 inputs, got 0');
      } finally {
        releaseGraph(graph);
      }
    });
  });

  it('survives 3000 random programs and inputs: each call succeeds or throws an Error naming the kernel', () => {
    const fused = binding.kernels().fused;
    const rng = makeRng(15);
    const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
    let successes = 0;
    rv.tidy(() => {
      const pool = [rv.ones([3], 'float32'), rv.ones([2, 3], 'float32'), rv.ones([1], 'float32'), rv.ones([3], 'float64'),
        rv.ones([3], 'int32'), rv.ones([3], 'bool'), rv.ones([0, 3], 'float32'), rv.transpose(rv.ones([3, 2], 'float32'))].map((t) => t.handle());
      for (let call = 0; call < 3000; call++) {
        // Well-formed programs (33 opcodes, registers written before), then some of them broken:
        // counts and registers out of range, values removed or added, non-integers.
        const inputs = int(1, 8), instructions = int(1, 24);
        const attrs = [inputs, instructions];
        for (let j = 0; j < instructions; j++) attrs.push(int(0, 32), int(0, inputs + j - 1), int(0, inputs + j - 1), int(0, inputs + j - 1));
        if (rng() < 0.3) attrs.splice(int(0, attrs.length), int(0, 2), ...(rng() < 0.5 ? [] : [rng() < 0.5 ? int(-2, 40) : rng() * 40]));
        const args = Array.from({ length: rng() < 0.9 ? inputs : int(0, 10) }, () => pool[rng() < 0.7 ? int(0, 2) : int(0, pool.length - 1)]);
        const shape = rng() < 0.8 ? [2, 3] : [int(0, 3)];
        const dtype = rng() < 0.9 ? dtypeCode.float32 : dtypeCode.int32;
        try {
          binding.dispose(binding.run(fused, shape, dtype, attrs, -1, ...args));
          successes++;
        } catch (e) {
          assert.ok(e instanceof Error && e.message.startsWith('fused: '), `call ${call} with attributes ${JSON.stringify(attrs)} threw ${String(e)}`);
        }
      }
    });
    assert.ok(successes > 300, `only ${successes} of 3000 calls succeeded`);
  });
});
