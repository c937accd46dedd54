/**
 * Product fusion of captured graphs (native/graph_products.h, kernels/fused_products.cc): a
 * product of a long matrix X with a small one, an elementwise step on its result, and a product of
 * that with the same X become one fusedProducts step that reads X once. Asserted: the same bits
 * as op by op, for both orientations, 1 to 8 rows on the small side, float32 and float64, lengths
 * that are no multiple of the kernels' chunks, the fallback for layouts the skinny kernels do not
 * take, a logistic regression's gradient; and that malformed calls throw Errors naming the kernel.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { binding, type NativeGraph } from '../lib/backend/binding';
import { captureGraph, releaseGraph } from '../lib/autodiff/jit';
import { dtypeCode } from '../lib/tensor/dtype';
import { assertThrowsNamed, makeRng, randomData } from './helpers';

type Fn = (inputs: readonly rv.Tensor[]) => rv.Tensor[];

/** Runs fn op by op and as a captured graph on the same inputs; asserts the same bits; gives the graph's steps. */
function capturedMatchesEager(fn: Fn, inputs: readonly rv.Tensor[], what: string): string[] {
  return rv.tidy(() => {
    const eager = fn(inputs).map((t) => t.dataSync());
    const graph = captureGraph(fn, inputs) as NativeGraph;
    assert.ok(graph !== null, `${what}: captured`);
    try {
      // Twice: a graph's second run may take another path (a CUDA graph on a GPU).
      for (let run = 0; run < 2; run++) {
        const replayed = binding.runGraph(graph, ...inputs.map((t) => t.handle()));
        assert.equal(replayed.length, eager.length);
        replayed.forEach((h, i) => {
          const actual = binding.toData(h) as Float32Array | Float64Array;
          binding.dispose(h);
          assert.equal(actual.length, eager[i].length, `${what} [${i}]: length`);
          for (let j = 0; j < actual.length; j++) {
            if (!Object.is(actual[j], eager[i][j])) assert.fail(`${what} [${i}]: element ${j} is ${actual[j]} captured, ${eager[i][j]} op by op`);
          }
        });
      }
      return binding.graphSteps(graph).filter((k) => k !== 'reshape' && k !== 'slice');
    } finally {
      releaseGraph(graph);
    }
  });
}

/** Whether graphs on the test device fuse products: on the CPU; on a GPU with RANDVAR_GPU_FUSED_PRODUCTS=1. */
const fuses = () => rv.getDevice() === 'cpu' || process.env.RANDVAR_GPU_FUSED_PRODUCTS === '1';

describe('product fusion of captured graphs', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`reads X once for B·Xᵀ, a program of it, and the program's values times X (${dtype}), with the bits of op by op`, () => {
      const rng = makeRng(31);
      rv.tidy(() => {
        // 300 features: on a GPU, two columns a thread in the one pass (a review's suggestion).
        for (const [rows, features, small] of [[1024, 55, 1], [5003, 17, 3], [40_009, 32, 8], [2048, 100, 4], [1536, 300, 2]]) {
          const X = rv.tensor(randomData(rng, rows * features, dtype, -1, 1), [rows, features], dtype);
          const labels = rv.tensor(Array.from({ length: rows }, () => (rng() < 0.4 ? 1 : 0)), [rows], dtype);
          const B = rv.tensor(randomData(rng, small * features, dtype, -0.5, 0.5), [small, features], dtype);
          const w = rv.tensor(randomData(rng, small, dtype, 0.5, 2), [small, 1], dtype);
          const what = `${dtype} X [${rows}, ${features}], B [${small}, ${features}]`;
          // Z = B·Xᵀ [small, rows]; G = w·(labels − σ(Z))·0.5 (a program with broadcast inputs); R = G·X.
          // Z is also summed, so it comes out of the fused step too.
          const rowsFirst: Fn = ([b, v]) => {
            const z = rv.matMul(b, X, false, true);
            const g = rv.mul(rv.mul(rv.sub(labels, rv.sigmoid(z)), v), 0.5);
            return [rv.matMul(g, X), rv.sum(z)];
          };
          const steps = capturedMatchesEager(rowsFirst, [B, w], `${what}, B·Xᵀ`);
          assert.deepEqual(steps, fuses() ? ['fusedProducts', 'sum'] : ['matMul', 'fused', 'matMul', 'sum'], `${what}: ${steps.join(' ')}`);
          // The mirror: Z = X·Bᵀ [rows, small]; R = Xᵀ·G [features, small]; labels as a column.
          const column = rv.reshape(labels, [rows, 1]);
          const mirrored: Fn = ([b, v]) => {
            const z = rv.matMul(X, b, false, true);
            return [rv.matMul(X, rv.softplus(rv.mul(rv.sub(z, column), rv.reshape(v, [1, small]))), true, false)];
          };
          const mirror = capturedMatchesEager(mirrored, [B, w], `${what}, X·Bᵀ`);
          assert.deepEqual(mirror, fuses() ? ['fusedProducts'] : ['matMul', 'fused', 'matMul'], `${what}: ${mirror.join(' ')}`);
        }
      });
    });
  }

  it('reads X once where X is a view whose rows are apart and start off a vector boundary, with the bits of op by op', () => {
    const rng = makeRng(35);
    rv.tidy(() => {
      const rows = 2001, features = 37;
      // X's rows 40 elements apart, starting one element in: no 16-byte alignment, stride above the width.
      const wide = rv.tensor(randomData(rng, rows * 40, 'float32', -1, 1), [rows, 40]);
      const X = rv.slice(wide, [0, 1], [rows, features]);
      const B = rv.tensor(randomData(rng, 2 * features, 'float32', -0.5, 0.5), [2, features]);
      const fn: Fn = ([b]) => [rv.matMul(rv.tanh(rv.matMul(b, X, false, true)), X)];
      const steps = capturedMatchesEager(fn, [B], 'X a view');
      assert.deepEqual(steps, fuses() ? ['fusedProducts'] : ['matMul', 'tanh', 'matMul'], steps.join(' '));
    });
  });

  it('fuses the gradient of a logistic regression\'s log joint (one op between the products), with the bits of op by op', () => {
    const rng = makeRng(32);
    rv.tidy(() => {
      const rows = 30_001, features = 24;
      const X = rv.tensor(randomData(rng, rows * features, 'float32', -1, 1), [rows, features], 'float32');
      const y = rv.tensor(Array.from({ length: rows }, () => (rng() < 0.5 ? 1 : 0)), [rows], 'int32');
      const model = (features: rv.Tensor) => {
        const coeffs = rv.Normal({ loc: rv.scalar(0, 'float32'), scale: 1, sampleShape: [features.shape[1]], name: 'coeffs' });
        return rv.Bernoulli({ logits: rv.matMul(features, coeffs), name: 'labels' });
      };
      const logJoint = rv.makeLogJointFn(model);
      const gradient = rv.valueAndGrad((c: rv.Tensor) => logJoint(X, { coeffs: c, labels: y }));
      const c = rv.tensor(randomData(rng, features, 'float32', -0.3, 0.3), [features], 'float32');
      const steps = capturedMatchesEager(([v]) => {
        const { value, grad } = gradient(v);
        return [value, grad as rv.Tensor];
      }, [c], 'log joint');
      assert.equal(steps.includes('fusedProducts'), fuses(), steps.join(' '));
      assert.equal(steps.filter((k) => k === 'matMul').length, fuses() ? 0 : 2, steps.join(' '));
    });
  });

  it('falls back to the three kernels where X\'s layout does not suit the skinny kernels, with the same bits', function () {
    if (!fuses()) this.skip();
    const rng = makeRng(33);
    rv.tidy(() => {
      const rows = 2000, features = 20;
      // X a transposed view (made inside the function, so that both runs see the same view): its
      // rows are not contiguous.
      const base = rv.tensor(randomData(rng, rows * features, 'float64'), [features, rows], 'float64');
      const B = rv.tensor(randomData(rng, 2 * features, 'float64'), [2, features], 'float64');
      const fn: Fn = ([b]) => {
        const X = rv.transpose(base);
        return [rv.matMul(rv.tanh(rv.matMul(b, X, false, true)), X)];
      };
      assert.deepEqual(capturedMatchesEager(fn, [B], 'transposed X'), ['transpose', 'fusedProducts']);
    });
  });

  it('leaves products alone where the fused step would not pay or cannot apply', () => {
    const rng = makeRng(34);
    rv.tidy(() => {
      const make = (rows: number, features: number) => rv.tensor(randomData(rng, rows * features, 'float32'), [rows, features], 'float32');
      const X = make(2000, 16);
      const small = make(500, 16);
      const B = make(2, 16), wide = make(9, 16);
      const pair = (x: rv.Tensor): Fn => ([b]) => [rv.matMul(rv.exp(rv.matMul(b, x, false, true)), x)];
      // Fewer than 1024 rows; more than 8 rows on the small side.
      assert.deepEqual(capturedMatchesEager(pair(small), [B], 'short X'), ['matMul', 'exp', 'matMul']);
      assert.deepEqual(capturedMatchesEager(pair(X), [wide], 'wide B'), ['matMul', 'exp', 'matMul']);
      // The program's values also read elsewhere (a graph output): not fused.
      const read: Fn = ([b]) => {
        const g = rv.exp(rv.matMul(b, X, false, true));
        return [rv.matMul(g, X), g];
      };
      assert.deepEqual(capturedMatchesEager(read, [B], 'G read twice'), ['matMul', 'exp', 'matMul']);
      // A different matrix in the second product.
      const other = make(2000, 16);
      assert.deepEqual(capturedMatchesEager(([b]) => [rv.matMul(rv.exp(rv.matMul(b, X, false, true)), other)], [B], 'two matrices'),
        ['matMul', 'exp', 'matMul']);
    });
  });

  it('gives the bits of op by op on 120 random graphs (orientations, vectors, 1-8 rows, programs, inputs made late, Z and G read elsewhere)', () => {
    const rng = makeRng(35);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
    let fusedGraphs = 0;
    for (let g = 0; g < 120; g++) {
      rv.tidy(() => {
        const dtype = pick(['float32', 'float64'] as const);
        const rows = pick([1024, 1500, 3001]), k = pick([16, 24, 55]);
        const vector = rng() < 0.2, mirrored = !vector && rng() < 0.5;
        const c = vector ? 1 : pick([1, 2, 3, 4, 8]);
        const X = rv.tensor(randomData(rng, rows * k, dtype, -1, 1), [rows, k], dtype);
        const B = vector ? rv.tensor(randomData(rng, k, dtype, -0.5, 0.5), [k], dtype) : rv.tensor(randomData(rng, c * k, dtype, -0.5, 0.5), [c, k], dtype);
        const zShape = vector ? [rows] : mirrored ? [rows, c] : [c, rows];
        // Inputs for the program: one along X's rows, broadcast as Z's shape takes it, and a scalar.
        const along = rv.tensor(randomData(rng, rows, dtype, -1, 1), vector ? [rows] : mirrored ? [rows, 1] : [rows], dtype);
        const scale = rv.tensor(randomData(rng, 1, dtype, 0.5, 2), [], dtype);
        const late = rng() < 0.3, readZ = rng() < 0.3, readG = rng() < 0.15;
        const steps = [(z: rv.Tensor, a: rv.Tensor, s: rv.Tensor) => rv.sub(a, rv.sigmoid(z)), (z: rv.Tensor) => rv.tanh(z),
          (z: rv.Tensor, a: rv.Tensor, s: rv.Tensor) => rv.mul(rv.softplus(z), s), (z: rv.Tensor, a: rv.Tensor) => rv.add(rv.mul(z, a), 1)];
        const chosen = Array.from({ length: 1 + Math.floor(rng() * 3) }, () => pick(steps));
        const fn: Fn = ([b, a, s]) => {
          const z = vector ? rv.matMul(X, b) : mirrored ? rv.matMul(X, b, false, true) : rv.matMul(b, X, false, true);
          // An input the program reads, computed after the first product (moved before it when fused).
          const sc = late ? rv.mul(s, 1.5) : s;
          let gv = z;
          for (const f of chosen) gv = f(gv, a, sc);
          const r = vector ? rv.matMul(gv, X) : mirrored ? rv.matMul(X, gv, true, false) : rv.matMul(gv, X);
          const out = [r];
          if (readZ) out.push(rv.sum(z));
          if (readG) out.push(gv);
          return out;
        };
        const found = capturedMatchesEager(fn, [B, along, scale], `graph ${g}: ${dtype} X [${rows}, ${k}], Z ${JSON.stringify(zShape)}`);
        if (found.includes('fusedProducts')) fusedGraphs++;
        else assert.ok(readG || !fuses(), `graph ${g}: not fused (${found.join(' ')})`);
      });
    }
    if (fuses()) assert.ok(fusedGraphs > 80, `only ${fusedGraphs} of 120 graphs fused`);
  });

  it('rejects malformed fusedProducts calls with Errors naming the kernel', () => {
    const kernel = binding.kernels().fusedProducts;
    const f32 = dtypeCode.float32;
    rv.tidy(() => {
      const X = rv.ones([64, 16], 'float32').handle(), B = rv.ones([2, 16], 'float32').handle();
      // B·Xᵀ [2, 64], exp of it, times X [2, 16]: Z padded to 128 values, then R's 32.
      const program = [1, 1, 4, 0, 0, 0];
      const good = [0, 1, 1, 0, 0, 1, ...program];
      const run = (attrs: number[], shape: number[], ...inputs: typeof X[]) => () => binding.run(kernel, shape, f32, attrs, -1, ...inputs);
      const out = binding.run(kernel, [160], f32, good, -1, X, B);
      const values = binding.toData(out) as Float32Array;
      binding.dispose(out);
      assert.equal(values[0], 16, 'Z = B·Xᵀ');
      assert.ok(Math.abs(values[128] - 64 * Math.exp(16)) <= 1e-5 * 64 * Math.exp(16), `R[0] = ${values[128]}`);
      assertThrowsNamed(run([0, 1], [160], X, B), 'fusedProducts', 'attributes');
      assertThrowsNamed(run([0, 1, 2, 0, 0, 1, ...program], [160], X, B), 'fusedProducts', 'attribute 2');
      assertThrowsNamed(run(good, [160], X), 'fusedProducts', 'inputs');
      assertThrowsNamed(run(good, [159], X, B), 'fusedProducts', 'output', '[160]');
      assertThrowsNamed(run(good, [160], X, rv.ones([2, 15], 'float32').handle()), 'fusedProducts');
      assertThrowsNamed(run(good, [160], rv.ones([64, 16, 1], 'float32').handle(), B), 'fusedProducts', 'must be a matrix');
      assertThrowsNamed(run(good, [160], X, rv.ones([2, 16], 'float64').handle()), 'fusedProducts', 'float64');
      assertThrowsNamed(run([0, 1, 1, 0, 0, 1, 2, 1, 20, 0, 1, 0], [160], X, B), 'fusedProducts', 'reads 2 inputs, got 1');
      assertThrowsNamed(run([0, 1, 1, 0, 0, 1, 2, 1, 20, 0, 1, 0], [160], X, B, rv.ones([3], 'float32').handle()), 'fusedProducts', 'broadcast');
    });
  });
});
