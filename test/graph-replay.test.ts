/**
 * Captured graphs replayed on a GPU as one CUDA graph (native/graph_replay.cc): recorded at the
 * second run, then launched whole, with the bits of running the steps one by one, whatever the
 * inputs of each run; a graph that cannot be recorded still runs step by step. Without a real GPU
 * only the CPU's behaviour (never recorded) is checked.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { binding, type NativeGraph } from '../lib/backend/binding';
import { captureGraph, releaseGraph } from '../lib/autodiff/jit';
import { makeRng, randomData } from './helpers';

const gpu = process.env.RANDVAR_FAKE_CUDA === '1' ? null : rv.devices().find((d) => d.name !== 'cpu')?.name ?? null;

type Fn = (inputs: readonly rv.Tensor[]) => rv.Tensor[];

/** Runs `graph` on each set of inputs and asserts the bits of fn run eagerly (op by op) on them. */
function replaysMatchEager(graph: NativeGraph, fn: Fn, runs: rv.Tensor[][], states: string[]): void {
  runs.forEach((inputs, r) => {
    rv.tidy(() => {
      const eager = fn(inputs);
      const replayed = binding.runGraph(graph, ...inputs.map((t) => t.handle()));
      assert.equal(binding.graphReplay(graph), states[r], `run ${r}: replay state`);
      assert.equal(replayed.length, eager.length);
      eager.forEach((e, i) => {
        const expected = e.dataSync();
        const actual = binding.toData(replayed[i]) as ArrayLike<number>;
        binding.dispose(replayed[i]);
        assert.equal(actual.length, expected.length, `run ${r} output ${i}: length`);
        for (let j = 0; j < expected.length; j++) {
          if (!Object.is(actual[j], expected[j])) assert.fail(`run ${r} output ${i}[${j}]: ${actual[j]} replayed, ${expected[j]} op by op`);
        }
      });
    });
  });
}

function inputsOn(device: string, seed: number, shapes: number[][]): rv.Tensor[] {
  const rng = makeRng(seed);
  return shapes.map((s) => rv.tensor(randomData(rng, s.reduce((a, b) => a * b, 1), 'float32'), s, 'float32', { device }));
}

describe('graph replay as one CUDA graph', () => {
  it('never records on the CPU: every run is step by step', () => {
    rv.withDevice('cpu', () => {
      const fn: Fn = ([x]) => [rv.sum(rv.exp(x))];
      const x = rv.ones([4]);
      const graph = captureGraph(fn, [x]) as NativeGraph;
      try {
        replaysMatchEager(graph, fn, [[x], [x], [x]], ['none', 'none', 'none']);
      } finally {
        releaseGraph(graph);
        x.dispose();
      }
    });
  });

  if (gpu === null) {
    it(`is skipped on a GPU: ${rv.cudaUnavailableReason() || 'the GPU is emulated'}`, function () {
      this.skip();
    });
    return;
  }
  const device = gpu;

  it('records at the second run and then gives the bits of op by op for new inputs, a strided view, reshapes and a constant', () => {
    rv.withDevice(device, () => {
      // (captureGraph does not capture a function that returns one of its inputs.)
      const c = rv.tensor([0.5, -1.5, 2, 0.25], [4], 'float32');
      const fn: Fn = ([x, w, b]) => {
        const z = rv.add(rv.matMul(x, w), b);  // [300, 1]
        return [rv.sum(rv.softplus(z)), rv.mul(rv.sigmoid(x), 2.5), rv.reshape(x, [1200]), c, rv.sum(rv.mul(x, c), 0)];
      };
      const shapes = [[300, 4], [4, 1], [1]];
      const runs = [1, 2, 3, 4, 5].map((s) => inputsOn(device, 100 + s, shapes));
      // Run 3 passes a transposed view for x: copied into the graph's buffer by a strided copy.
      runs[3][0] = rv.transpose(rv.tensor(randomData(makeRng(7), 1200, 'float32'), [4, 300], 'float32', { device }));
      const graph = captureGraph(fn, runs[0]) as NativeGraph;
      try {
        replaysMatchEager(graph, fn, runs, ['none', 'recorded', 'recorded', 'recorded', 'recorded']);
      } finally {
        releaseGraph(graph);
        runs.flat().forEach((t) => t.dispose());
        c.dispose();
      }
    });
  });

  it('runs step by step, with the same results, a graph whose steps cannot be recorded', () => {
    rv.withDevice(device, () => {
      // gather checks its indices on the device and waits for the answer: not recordable.
      const fn: Fn = ([x, i]) => [rv.exp(rv.gather(x, i))];
      const x = rv.tensor([1, 2, 3, 4], [4], 'float32');
      const i = rv.tensor([3, 0, 3], [3], 'int32');
      const graph = captureGraph(fn, [x, i]) as NativeGraph;
      try {
        replaysMatchEager(graph, fn, [[x, i], [x, i], [x, i]], ['none', 'failed', 'failed']);
        assert.throws(() => binding.runGraph(graph, x.handle(), rv.tensor([4], [1], 'int32').handle()), /gather/);
      } finally {
        releaseGraph(graph);
        x.dispose();
        i.dispose();
      }
    });
  });

  it('gives back the memory it holds when the graph is disposed, and cannot run after', () => {
    rv.withDevice(device, () => {
      const fn: Fn = ([x]) => [rv.sum(rv.exp(rv.mul(x, 2)), 1), rv.matMul(x, x, false, true)];
      const x = rv.tensor(randomData(makeRng(3), 64 * 32, 'float32'), [64, 32], 'float32', { device });
      const ordinal = Number(device.split(':')[1]);
      const before = binding.memory(ordinal).liveBytes;
      const graph = captureGraph(fn, [x]) as NativeGraph;
      replaysMatchEager(graph, fn, [[x], [x], [x]], ['none', 'recorded', 'recorded']);
      assert.ok(binding.memory(ordinal).liveBytes > before, 'the recorded graph holds its buffers');
      releaseGraph(graph);
      assert.equal(binding.memory(ordinal).liveBytes, before, 'all of it back after dispose');
      assert.throws(() => binding.runGraph(graph, x.handle()), /disposed/);
      x.dispose();
    });
  });
});
