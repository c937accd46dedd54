/**
 * The op table on a CUDA GPU: every kernel against the CPU on the same inputs (random data,
 * contiguous and strided views, broadcasting, both float dtypes), the same draws from the same
 * seeds, device placement and its errors, and memory. Without a GPU the suite is skipped and says
 * why; the checks that need none (device listing and errors) always run.
 */
import { strict as assert } from 'assert';
import { binding } from '../lib/backend/binding';
import * as rv from '../lib/index';
import { dtypeCode } from '../lib/tensor/dtype';
import { philoxBlocks } from '../lib/tensor/random/key';
import { Tensor } from '../lib/tensor/tensor';
import { makeRng } from './helpers';

const gpus = rv.devices().filter((d) => d.name !== 'cpu');
const gpu = gpus.length > 0 ? gpus[0].name : null;

describe('devices', () => {
  it('lists the CPU first, and a GPU only when one is usable', () => {
    const list = rv.devices();
    assert.equal(list[0].name, 'cpu');
    for (const d of list.slice(1)) {
      assert.match(d.name, /^cuda:\d+$/);
      assert.ok(d.model && d.totalMemory! > 0, `${d.name} has a model name and memory`);
    }
    if (gpu === null) assert.ok(rv.cudaUnavailableReason().length > 0, 'says why there is no GPU');
  });

  it('names the default device, and creation functions place tensors on it or where {device} says', () => {
    assert.equal(rv.getDevice(), 'cpu');
    assert.equal(rv.zeros([2]).device, 'cpu');
    assert.equal(rv.tensor([1, 2], undefined, undefined, { device: 'cpu' }).device, 'cpu');
    assert.equal(rv.withDevice('cpu', () => rv.ones([1]).device), 'cpu');
  });

  it('rejects unknown devices and unavailable GPUs with clear errors', () => {
    assert.throws(() => rv.setDevice('tpu'), /setDevice: unknown device "tpu"/);
    assert.throws(() => rv.zeros([2], 'float32', { device: 'gpu0' }), /zeros: unknown device "gpu0"/);
    assert.throws(() => rv.ones([1]).to('cuda:7'), /to: device cuda:7 is not available/);
    if (gpu === null) {
      assert.throws(() => rv.setDevice('cuda'), /setDevice: device cuda is not available: .+/);
      assert.throws(() => rv.tensor([1], undefined, undefined, { device: 'cuda:0' }), /tensor: device cuda:0 is not available/);
      assert.throws(() => binding.run(binding.kernels().fill, [1], 0, [0], 0), /fill: cuda:0 is not available/);
    }
    assert.equal(rv.getDevice(), 'cpu', 'a failed setDevice leaves the default alone');
  });
});

// -------------------------------------------------------------------------------------------------
// Parity with the CPU

type Make = (values: ArrayLike<number>, shape: number[], dtype?: rv.DType) => rv.Tensor;
interface Case {
  name: string;
  /** Builds inputs with `t` (on the device under test) and runs the op(s). */
  run: (t: Make, rng: () => number) => rv.Tensor | rv.Tensor[];
  /** Relative tolerance for float results (absolute below 1 in magnitude). */
  tol?: number;
}

/** Multiples of 1/4 in [-3, 3]: products and their sums stay exact in float32. */
function dyadic(rng: () => number, n: number): number[] {
  return data(rng, n).map((v) => Math.round(v * 4) / 4);
}

function data(rng: () => number, n: number, lo = -3, hi = 3): number[] {
  return Array.from({ length: n }, () => lo + (hi - lo) * rng());
}
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

const unaryFloat: [string, number, number][] = [
  ['neg', -3, 3], ['abs', -3, 3], ['sign', -3, 3], ['square', -3, 3], ['exp', -10, 10], ['expm1', -2, 2],
  ['log', 0.01, 10], ['log1p', -0.9, 10], ['sqrt', 0, 10], ['rsqrt', 0.01, 10], ['reciprocal', 0.1, 10],
  ['sigmoid', -20, 20], ['logSigmoid', -20, 20], ['softplus', -20, 20], ['tanh', -5, 5], ['sin', -7, 7],
  ['cos', -7, 7], ['floor', -5, 5], ['ceil', -5, 5], ['round', -5, 5], ['lgamma', 0.01, 20], ['digamma', 0.01, 20],
  ['erf', -3, 3], ['erfc', -3, 5], ['erfinv', -0.999, 0.999], ['ndtri', 0.001, 0.999], ['log1mexp', -10, -0.01],
  ['log1pexp', -20, 20], ['besselI0e', -30, 30], ['besselI1e', -30, 30],
];
const binaryFloat: [string, number, number, number, number][] = [
  ['add', -3, 3, -3, 3], ['sub', -3, 3, -3, 3], ['mul', -3, 3, -3, 3], ['div', -3, 3, 0.5, 3], ['pow', 0.1, 3, -2, 2],
  ['maximum', -3, 3, -3, 3], ['minimum', -3, 3, -3, 3], ['squaredDifference', -3, 3, -3, 3], ['atan2', -3, 3, -3, 3],
  ['betaln', 0.1, 10, 0.1, 10], ['igamma', 0.1, 10, 0, 10], ['igammac', 0.1, 10, 0, 10], ['xlogy', -2, 2, 0.01, 5],
  ['xlog1py', -2, 2, -0.9, 5],
];
const comparisons = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'];
const logical = ['logicalAnd', 'logicalOr', 'logicalXor'];
const reductions = ['sum', 'prod', 'mean', 'max', 'min', 'logSumExp'];

type Fn = (...args: unknown[]) => rv.Tensor;
const op = (name: string) => (rv as unknown as Record<string, Fn>)[name];

function cases(): Case[] {
  const out: Case[] = [];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [name, lo, hi] of unaryFloat) {
      out.push({ name: `${name} ${dtype}`, run: (t, rng) => op(name)(t(data(rng, 60, lo, hi), [6, 10], dtype)), tol: 1e-5 });
      out.push({ name: `${name} ${dtype} transposed view`, run: (t, rng) => op(name)(rv.transpose(t(data(rng, 60, lo, hi), [6, 10], dtype))), tol: 1e-5 });
    }
    for (const [name, alo, ahi, blo, bhi] of binaryFloat) {
      out.push({
        name: `${name} ${dtype} broadcast`,
        run: (t, rng) => op(name)(t(data(rng, 24, alo, ahi), [2, 3, 4], dtype), t(data(rng, 4, blo, bhi), [4], dtype)),
        tol: 1e-5,
      });
      out.push({
        name: `${name} ${dtype} strided and column broadcast`,
        run: (t, rng) => op(name)(rv.transpose(t(data(rng, 12, alo, ahi), [4, 3], dtype)), t(data(rng, 3, blo, bhi), [3, 1], dtype)),
        tol: 1e-5,
      });
    }
    out.push({
      name: `sigmoidCrossEntropyWithLogits, binaryLogLikelihoodWithLogits and their gradient ${dtype}`, tol: 1e-5,
      run: (t, rng) => {
        const labels = t(data(rng, 24, 0, 1), [2, 3, 4], dtype), logits = t(data(rng, 4, -30, 30), [4], dtype);
        const trials = t(data(rng, 24, 1, 9).map(Math.round), [2, 3, 4], dtype);
        const grad = rv.grad((l: rv.Tensor) => rv.sum(rv.binaryLogLikelihoodWithLogits(labels, l, trials)))(logits);
        return [rv.sigmoidCrossEntropyWithLogits(labels, logits), rv.binaryLogLikelihoodWithLogits(labels, logits), rv.binaryLogLikelihoodWithLogits(labels, logits, trials), grad];
      },
    });
    out.push({ name: `betainc ${dtype}`, run: (t, rng) => rv.betainc(t(data(rng, 12, 0.2, 5), [12], dtype), t(data(rng, 12, 0.2, 5), [12], dtype), t(data(rng, 12, 0, 1), [12], dtype)), tol: 1e-5 });
    // Fused binary cross-entropy (issue 8): strided logits, broadcast labels and trials, and the gradient kernel with four inputs.
    out.push({ name: `sigmoidCrossEntropyWithLogits, binaryLogLikelihoodWithLogits and their gradients ${dtype}`, tol: 1e-5, run: (t, rng) => {
      const l = rv.transpose(t(data(rng, 60, -40, 40), [10, 6], dtype));
      const z = t(data(rng, 10, 0, 1), [10], dtype);
      const n = t([1, 2, 3, 4, 5, 60], [6, 1], dtype);
      const s = rv.mul(z, n);
      const [gl, gn] = rv.grad((a: rv.Tensor, b: rv.Tensor) => rv.sum(rv.binaryLogLikelihoodWithLogits(s, a, b)))(l, n) as rv.Tensor[];
      const gLoss = rv.grad((a: rv.Tensor) => rv.sum(rv.sigmoidCrossEntropyWithLogits(z, a)))(l) as rv.Tensor;
      return [rv.sigmoidCrossEntropyWithLogits(z, l), rv.binaryLogLikelihoodWithLogits(s, l, n), rv.binaryLogLikelihoodWithLogits(z, l), gl, gn, gLoss];
    } });
    for (const name of comparisons) {
      out.push({ name: `${name} ${dtype}`, run: (t, rng) => op(name)(t(data(rng, 12).map(Math.round), [3, 4], dtype), t(data(rng, 4).map(Math.round), [4], dtype)) });
    }
    out.push({ name: `isFinite, isNaN ${dtype}`, run: (t) => { const x = t([1, Infinity, -Infinity, NaN, 0, -2], [6], dtype); return [rv.isFinite(x), rv.isNaN(x)]; } });
    for (const to of ['float32', 'float64', 'int32', 'bool'] as const) {
      out.push({ name: `cast ${dtype} to ${to}`, run: (t, rng) => rv.cast(t([...data(rng, 10, -1e10, 1e10), NaN, 0.5, -0.5, 3e9, -3e9, 0], [16], dtype), to) });
    }
    for (const name of reductions) {
      const lo = name === 'prod' ? 0.5 : -3, hi = name === 'prod' ? 1.5 : 3;
      out.push({ name: `${name} ${dtype} over all`, run: (t, rng) => op(name)(t(data(rng, 60, lo, hi), [3, 4, 5], dtype)), tol: 1e-5 });
      out.push({ name: `${name} ${dtype} over axis 1, kept`, run: (t, rng) => op(name)(t(data(rng, 60, lo, hi), [3, 4, 5], dtype), 1, true), tol: 1e-5 });
      out.push({ name: `${name} ${dtype} over axes [0, 2]`, run: (t, rng) => op(name)(t(data(rng, 60, lo, hi), [3, 4, 5], dtype), [0, 2]), tol: 1e-5 });
      out.push({ name: `${name} ${dtype} of a transposed view over the last axis`, run: (t, rng) => op(name)(rv.transpose(t(data(rng, 60, lo, hi), [3, 4, 5], dtype)), -1), tol: 1e-5 });
    }
    out.push({ name: `sum ${dtype} of 1e6 elements`, run: (t, rng) => rv.sum(t(data(rng, 1_000_000), [1_000_000], dtype)), tol: 1e-4 });
    out.push({ name: `sum ${dtype} of rows [4, 100000]`, run: (t, rng) => rv.sum(t(data(rng, 400_000), [4, 100_000], dtype), 1), tol: 1e-4 });
    out.push({ name: `sum ${dtype} of columns [100000, 55]`, run: (t, rng) => rv.sum(t(data(rng, 5_500_000), [100_000, 55], dtype), 0), tol: 1e-4 });
    // Rows of 128, 256 and 512 bytes take the 16-byte vector loads of reduce.cuh's cols_vec_kernel
    // (one pass, and split into runs); one element off alignment, the scalar kernel.
    for (const bytes of [128, 256, 512]) {
      const width = bytes / (dtype === 'float32' ? 4 : 8);
      out.push({ name: `sum, mean, max, min ${dtype} of columns [20000, ${width}], [3, 400, ${width}] and [40, ${width}]`, tol: 1e-6, run: (t, rng) => {
        const x = t(data(rng, 20_000 * width), [20_000, width], dtype), y = t(data(rng, 1200 * width), [3, 400, width], dtype);
        const z = t(data(rng, 40 * width), [40, width], dtype);
        return [rv.sum(x, 0), rv.mean(x, 0), rv.max(x, 0), rv.min(x, 0), rv.sum(y, 1), rv.max(y, 1), rv.sum(z, 0)];
      } });
    }
    // Rows longer than 4096 take reduce.cuh's rows_block_kernel: 16-byte loads where a run starts
    // on a boundary, else element loads in the same order (rows of odd length, a view one element
    // off); split into runs (1-D, a few long rows), with a short last vector; then the partials.
    out.push({ name: `sum, mean, max, min, prod, logSumExp, argMax ${dtype} of long rows: [3, 5003], [2, 40001], [70001] and one element off alignment`, tol: 1e-6, run: (t, rng) => {
      const x = t(data(rng, 3 * 5003), [3, 5003], dtype), y = t(data(rng, 2 * 40_001), [2, 40_001], dtype);
      const z = t(data(rng, 70_001), [70_001], dtype), p = t(data(rng, 3 * 5003, 0.999, 1.001), [3, 5003], dtype);
      const off = rv.reshape(rv.slice(t(data(rng, 4 * 8192 + 1), [4 * 8192 + 1], dtype), [1], [4 * 8192]), [4, 8192]);
      const ties = t(data(rng, 2 * 9000).map(Math.round), [2, 9000], dtype);
      return [rv.sum(x, 1), rv.mean(y, 1), rv.max(x, 1), rv.min(y, 1), rv.prod(p, 1), rv.logSumExp(y, 1), rv.argMax(ties, 1), rv.argMin(ties, 1),
        rv.sum(z), rv.max(z), rv.logSumExp(z), rv.sum(off, 1), rv.max(off, 1), rv.sum(off), rv.logSumExp(off, 1)];
    } });
    out.push({ name: `logSumExp, softmax ${dtype} of long rows holding +Infinity, NaN and -Infinity`, tol: 1e-6, run: (t, rng) => {
      const v = data(rng, 4 * 6000);
      v[5] = Infinity; v[6000 + 5990] = NaN; v[12_000 + 7] = Infinity; v[12_000 + 4000] = Infinity;
      for (let i = 18_000; i < 24_000; i++) v[i] = i % 3 === 0 ? 1e4 : -Infinity;
      const x = t(v, [4, 6000], dtype);
      return [rv.logSumExp(x, 1), rv.logSoftmax(x, 1), rv.logSumExp(rv.neg(rv.abs(x)), 1)];
    } });
    // Partials of a column split reduced by many short runs (two further passes).
    out.push({ name: `sum, max, logSumExp ${dtype} of columns [135000, 64] and [70000, 55]`, tol: 1e-6, run: (t, rng) => {
      const x = t(data(rng, 135_000 * 64), [135_000, 64], dtype), y = t(data(rng, 70_000 * 55), [70_000, 55], dtype);
      return [rv.sum(x, 0), rv.max(x, 0), rv.sum(y, 0), rv.logSumExp(x, 0)];
    } });
    out.push({ name: `sum ${dtype} of columns [5000, 64] one element off alignment`, tol: 1e-6, run: (t, rng) => rv.sum(rv.reshape(rv.slice(t(data(rng, 64 * 5001), [64 * 5001], dtype), [1], [64 * 5000]), [5000, 64]), 0) });
    out.push({ name: `max, min ${dtype} with NaN`, run: (t) => { const x = t([1, NaN, 3, 2, 5, 4], [2, 3], dtype); return [rv.max(x, 1), rv.min(x, 1), rv.max(x), rv.argMax(x, 1)]; } });
    // Softmax over inner axes and long rows takes the one-pass maximum and scale (OnlineLogSumExp).
    out.push({ name: `softmax, logSoftmax ${dtype} over axis 0 of [20000, 64] and [3, 5], axis 1 of [2, 10000]`, tol: 1e-6, run: (t, rng) => {
      const x = t(data(rng, 20_000 * 64, -30, 30), [20_000, 64], dtype), y = t(data(rng, 20_000, -30, 30), [2, 10_000], dtype);
      const z = t([Infinity, 1, 2, NaN, 0, 1, 3, -Infinity, -Infinity, 1, 5, -Infinity, 1e4, 0, -1], [3, 5], dtype);
      return [rv.softmax(x, 0), rv.logSoftmax(x, 0), rv.softmax(y, 1), rv.logSoftmax(y, 1), rv.softmax(z, 0), rv.logSoftmax(z, 0)];
    } });
    out.push({ name: `logSumExp ${dtype} of -Infinity rows`, run: (t) => rv.logSumExp(t([-Infinity, -Infinity, 0, 1], [2, 2], dtype), 1) });
    // The GPU's one pass keeps a running maximum: rows where it is +inf, NaN, or grows late.
    out.push({ name: `logSumExp ${dtype} of rows with +Infinity, NaN, -Infinity and large values`, tol: 1e-6, run: (t) => rv.logSumExp(t(
      [Infinity, 1, 1, Infinity, NaN, 0, -Infinity, Infinity, 1000, 1001, -5, 80, 3, -Infinity, -Infinity, 2], [8, 2], dtype), 1) });
    out.push({ name: `logSumExp ${dtype} of 1e6 elements, of rows [4, 100000] and of columns [20000, 64]`, tol: 1e-6, run: (t, rng) => [
      rv.logSumExp(t(data(rng, 1_000_000, -20, 20), [1_000_000], dtype)), rv.logSumExp(t(data(rng, 400_000, -20, 20), [4, 100_000], dtype), 1),
      rv.logSumExp(t(data(rng, 20_000 * 64, -20, 20), [20_000, 64], dtype), 0)] });
    for (const axis of [0, 1]) {
      out.push({ name: `argMax, argMin ${dtype} axis ${axis}`, run: (t, rng) => { const x = t(data(rng, 20).map(Math.round), [4, 5], dtype); return [rv.argMax(x, axis), rv.argMin(x, axis)]; } });
      out.push({ name: `softmax, logSoftmax ${dtype} axis ${axis}`, run: (t, rng) => { const x = t(data(rng, 20, -30, 30), [4, 5], dtype); return [rv.softmax(x, axis), rv.logSoftmax(x, axis)]; }, tol: 1e-5 });
      for (const [exclusive, reverse] of [[false, false], [true, false], [false, true], [true, true]]) {
        out.push({ name: `cumsum, cumprod ${dtype} axis ${axis} exclusive ${exclusive} reverse ${reverse}`, run: (t, rng) => { const x = t(data(rng, 20, 0.5, 1.5), [4, 5], dtype); return [rv.cumsum(x, axis, exclusive, reverse), rv.cumprod(x, axis, exclusive, reverse)]; }, tol: 1e-5 });
      }
    }
    // Layout and indexing
    out.push({ name: `concat, stack ${dtype}`, run: (t, rng) => { const a = t(data(rng, 12), [3, 4], dtype), b = rv.transpose(t(data(rng, 12), [4, 3], dtype)); return [rv.concat([a, b], 1), rv.concat([a, b], 0), rv.stack([a, b], 1)]; } });
    out.push({ name: `pad, tile ${dtype}`, run: (t, rng) => { const a = t(data(rng, 6), [2, 3], dtype); return [rv.pad(a, [[1, 2], [0, 3]], 7.5), rv.tile(a, [2, 3]), rv.tile(rv.transpose(a), [1, 2])]; } });
    out.push({ name: `views and copies ${dtype}`, run: (t, rng) => { const a = t(data(rng, 60), [3, 4, 5], dtype); return [rv.clone(rv.transpose(a, [2, 0, 1])), rv.reshape(rv.transpose(a), [20, 3]), rv.reverse(a, [0, 2]).clone(), rv.stridedSlice(a, [0, 3, 4], [3, 0, 0], [2, -2, -3]).clone(), rv.broadcastTo(rv.slice(a, [0, 0, 0], [1, 4, 1]), [2, 4, 5]).clone()]; } });
    out.push({ name: `gather ${dtype}`, run: (t, rng) => { const x = t(data(rng, 60), [3, 4, 5], dtype); return [rv.gather(x, t([2, 0, 1, 1], [4], 'int32'), 0), rv.gather(x, t([4, 0, 2], [3], 'int32'), 2), rv.gather(x, t([0, 3, 1, 2, 2, 2], [3, 2], 'int32'), 1, 1)]; } });
    out.push({ name: `gatherND ${dtype}`, run: (t, rng) => rv.gatherND(t(data(rng, 60), [3, 4, 5], dtype), t([0, 1, 2, 3, 1, 0], [3, 2], 'int32')) });
    out.push({ name: `scatterAdd ${dtype}`, run: (t, rng) => rv.scatterAdd(t(data(rng, 12), [4, 3], dtype), t([1, 3, 1, 0, 1], [5], 'int32'), t(data(rng, 15), [5, 3], dtype), 0), tol: 1e-6 });
    out.push({ name: `oneHot ${dtype}`, run: (t) => rv.oneHot(t([0, 3, -1, 2, 5], [5], 'int32'), 4, 2.5, -1, dtype) });
    // Creation (device from the default device)
    out.push({ name: `fill, arange, linspace, eye ${dtype}`, run: () => [rv.fill([2, 3], 1.25, dtype), rv.arange(-3, 7, 0.7, dtype), rv.linspace(-1, 2, 13, dtype), rv.eye(3, 4, [2], dtype), rv.zeros([0, 3], dtype)] });
    // matMul and linear algebra
    out.push({ name: `matMul ${dtype}`, run: (t, rng) => { const a = t(data(rng, 35), [5, 7], dtype), b = t(data(rng, 21), [7, 3], dtype); return [rv.matMul(a, b), rv.matMul(b, a, true, true), rv.matMul(rv.transpose(b), rv.transpose(a)), rv.matMul(t(data(rng, 70), [2, 5, 7], dtype), b), rv.matMul(t(data(rng, 7), [7], dtype), b), rv.dot(t(data(rng, 7), [7], dtype), t(data(rng, 7), [7], dtype)), rv.outer(t(data(rng, 3), [3], dtype), t(data(rng, 4), [4], dtype))]; }, tol: 1e-5 });
    out.push({ name: `matMul ${dtype} 256x300 by 300x200 and k = 0`, run: (t, rng) => [rv.matMul(t(data(rng, 76800), [256, 300], dtype), t(data(rng, 60000), [300, 200], dtype)), rv.matMul(t([], [3, 0], dtype), t([], [0, 2], dtype))], tol: 1e-4 });
    out.push({ name: `matMul ${dtype} skinny [4, 55] by a long [581, 55] transposed`, run: (t, rng) => rv.matMul(t(data(rng, 220), [4, 55], dtype), t(data(rng, 581 * 55), [581, 55], dtype), false, true), tol: 1e-5 });
    // The GPU's skinny kernels (native/cuda/matmul_skinny.cu): X [M, K] against a side of at most 8,
    // in both forms, row lengths off the 16-byte vector, X one element off alignment or inside
    // wider rows, and enough rows for many runs of partial sums (columns form). The values are
    // multiples of 1/4 in [-3, 3]: every product and partial sum is exact in float32, so any
    // order of summation gives the same bits and the GPU must match the CPU exactly (a wrong,
    // missing or doubled term shows). The case above checks rounded sums.
    const longX = (t: Make, rng: () => number, m: number, k: number) => t(dyadic(rng, m * k), [m, k], dtype);
    out.push({ name: `matMul ${dtype} skinny rows form: X [4648, 55] by β [55], [55, 1], B [55, 4], a transposed [4, 55], [55, 3], [55, 8]; W [4, 55]·Xᵀ`, run: (t, rng) => {
      const x = longX(t, rng, 4648, 55), w = t(dyadic(rng, 220), [4, 55], dtype);
      return [rv.matMul(x, t(dyadic(rng, 55), [55], dtype)), rv.matMul(x, t(dyadic(rng, 55), [55, 1], dtype)), rv.matMul(x, t(dyadic(rng, 220), [55, 4], dtype)),
        rv.matMul(x, rv.transpose(w)), rv.matMul(x, w, false, true), rv.matMul(x, t(dyadic(rng, 165), [55, 3], dtype)), rv.matMul(x, t(dyadic(rng, 440), [55, 8], dtype)),
        rv.matMul(w, x, false, true), rv.matMul(t(dyadic(rng, 55), [55], dtype), rv.transpose(x))];
    } });
    out.push({ name: `matMul ${dtype} skinny columns form: Xᵀ [55, 4648] by r [4648], by R [4648, 4], by a transposed [4, 4648]; r·X and R·X`, run: (t, rng) => {
      const x = longX(t, rng, 4648, 55), r = t(dyadic(rng, 4648), [4648], dtype), r4 = t(dyadic(rng, 4 * 4648), [4648, 4], dtype);
      return [rv.matMul(x, r, true), rv.matMul(rv.transpose(x), r), rv.matMul(x, r4, true), rv.matMul(x, rv.transpose(r4), true, true),
        rv.matMul(x, t(dyadic(rng, 7 * 4648), [4648, 7], dtype), true), rv.matMul(r, x), rv.matMul(rv.transpose(r4), x)];
    } });
    out.push({ name: `matMul ${dtype} skinny, rows of 13 and 57 values (off the vector width), both forms`, run: (t, rng) => [13, 57].flatMap((k) => {
      const x = longX(t, rng, 3001, k);
      return [rv.matMul(x, t(dyadic(rng, 2 * k), [k, 2], dtype)), rv.matMul(x, t(dyadic(rng, 3001 * 3), [3001, 3], dtype), true)];
    }) });
    out.push({ name: `matMul ${dtype} skinny, X one element off alignment and inside wider rows, both forms`, run: (t, rng) => {
      const m = 2500, flat = t(dyadic(rng, m * 55 + 1), [m * 55 + 1], dtype);
      const shifted = rv.reshape(rv.slice(flat, [1], [m * 55]), [m, 55]);
      const inside = rv.slice(t(dyadic(rng, m * 60), [m, 60], dtype), [0, 3], [m, 55]);
      const b = t(dyadic(rng, 220), [55, 4], dtype), r = t(dyadic(rng, m * 4), [m, 4], dtype);
      return [shifted, inside].flatMap((x) => [rv.matMul(x, b), rv.matMul(x, r, true), rv.matMul(x, rv.slice(b, [0, 0], [55, 1]))]);
    } });
    out.push({ name: `matMul ${dtype} skinny columns form over 200000 rows (many runs of partial sums), and the rows form`, run: (t, rng) => {
      const x = longX(t, rng, 200_000, 8), r = t(dyadic(rng, 600_000), [200_000, 3], dtype);
      return [rv.matMul(x, r, true), rv.matMul(x, rv.slice(r, [0, 1], [200_000, 1]), true), rv.matMul(x, t(dyadic(rng, 40), [8, 5], dtype))];
    } });
    out.push({ name: `matMul ${dtype} skinny shapes the skinny kernels leave to cuBLAS: short, X stored transposed, nine columns, batched`, run: (t, rng) => {
      const b = t(dyadic(rng, 220), [55, 4], dtype);
      const xt = rv.transpose(t(dyadic(rng, 55 * 3000), [55, 3000], dtype));  // X [3000, 55] with a unit row stride
      return [rv.matMul(longX(t, rng, 500, 55), b), rv.matMul(xt, b), rv.matMul(longX(t, rng, 3000, 55), t(dyadic(rng, 495), [55, 9], dtype)),
        rv.matMul(t(dyadic(rng, 2 * 2000 * 55), [2, 2000, 55], dtype), b)];
    } });
    const spd = (t: Make, rng: () => number, n: number, batch: number[]) => {
      const a = t(data(rng, size([...batch, n, n]), -1, 1), [...batch, n, n], dtype);
      return rv.add(rv.matMul(a, a, false, true), rv.mul(rv.eye(n, n, batch, dtype), n));
    };
    out.push({ name: `cholesky, logDet, solves ${dtype}`, run: (t, rng) => { const m = spd(t, rng, 6, [2]); const l = rv.cholesky(m); const b = t(data(rng, 24), [2, 6, 2], dtype); return [l, rv.logDet(m), rv.triangularSolve(l, b), rv.triangularSolve(l, b, true, true), rv.triangularSolve(rv.matrixTranspose(l), b, false), rv.choleskySolve(l, b), rv.choleskyInverse(l), ...rv.logMatrixDeterminant(rv.sub(m, rv.mul(rv.eye(6, 6, [2], dtype), 9)))]; }, tol: 1e-4 });
    out.push({ name: `cholesky ${dtype} of a 300x300 matrix and of a non-positive-definite one`, run: (t, rng) => [rv.cholesky(spd(t, rng, 300, [])), rv.cholesky(t([1, 2, 2, 1], [2, 2], dtype), true)], tol: 1e-4 });
    out.push({ name: `matrixDiag, matrixDiagPart, matrixSetDiag, bandPart ${dtype}`, run: (t, rng) => { const x = t(data(rng, 40), [2, 4, 5], dtype); return [rv.matrixDiag(t(data(rng, 6), [2, 3], dtype)), rv.matrixDiagPart(x), rv.matrixSetDiag(x, t(data(rng, 8), [2, 4], dtype)), rv.bandPart(x, 1, 2), rv.bandPart(x, -1, 0)]; } });
    // Random: the same seed gives the same draws on both devices.
    out.push({ name: `random samplers ${dtype}`, tol: 1e-4, run: (t) => [
      rv.randomUniform([1000], -2, 3, dtype, 1), rv.randomNormal([1001], 1, 2, dtype, 2), rv.truncatedNormal([999], 0, 1, dtype, 3),
      rv.randomExponential([1000], 1.5, dtype, 4), rv.randomGamma([500], t([0.3, 1, 4.5, 20], [4, 1], dtype), 2, dtype, 5),
      rv.randomBeta([300], 0.5, t([0.7, 3], [2, 1], dtype), dtype, 6), rv.randomPoisson([400], t([0.5, 7, 40, 1000], [4, 1], dtype), dtype, 7),
      rv.randomBinomial([3, 400], t([5, 100, 3000], [3, 1], dtype), 0.3, dtype, 8), rv.randomBernoulli([1000], 0.3, 'int32', 9),
      rv.multinomial(t([0, 1, 2, -1], [1, 4], dtype), 500, 10), rv.randomMultinomial([100], 50, t([0.1, 0.2, 0.7], [3], dtype), dtype, 11)] });
  }
  for (const name of ['neg', 'abs', 'sign', 'square']) {
    out.push({ name: `${name} int32`, run: (t) => op(name)(t([0, 1, -1, 7, -2147483648, 2147483647, 46341], [7], 'int32')) });
  }
  for (const name of ['add', 'sub', 'mul', 'maximum', 'minimum']) {
    out.push({ name: `${name} int32 wraps`, run: (t) => op(name)(t([2147483647, -2147483648, 5, 46341], [4], 'int32'), t([1, -1, -7, 46341], [4], 'int32')) });
  }
  out.push({ name: 'sum, max, argMax int32 and any, all of long rows', run: (t, rng) => {
    const x = t(data(rng, 2 * 30_001, -100, 100).map(Math.round), [2, 30_001], 'int32');
    const b = t(data(rng, 3 * 20_000, 0, 1).map((v, i) => (i < 20_000 ? v > 0.99999 : i < 40_000 ? v > 0 : v > 0.5) ? 1 : 0), [3, 20_000], 'bool');
    return [rv.sum(x, 1), rv.max(x, 1), rv.argMax(x, 1), rv.sum(x), rv.any(b, 1), rv.all(b, 1), rv.cumsum(x, 1)];
  } });
  out.push({ name: 'sum, prod, max, argMax int32', run: (t, rng) => { const x = t(data(rng, 20, -100, 100).map(Math.round), [4, 5], 'int32'); return [rv.sum(x), rv.sum(x, 0), rv.prod(x, 1), rv.max(x, 0), rv.argMax(x, 1), rv.cumsum(x, 1)]; } });
  for (const name of logical) {
    out.push({ name, run: (t) => op(name)(t([1, 0, 1, 0, 1, 1], [2, 3], 'bool'), t([1, 0, 0], [3], 'bool')) });
  }
  out.push({ name: 'logicalNot, any, all', run: (t) => { const x = t([1, 0, 1, 1, 1, 1], [2, 3], 'bool'); return [rv.logicalNot(x), rv.any(x, 1), rv.all(x, 1), rv.all(x), rv.any(rv.logicalNot(x))]; } });
  out.push({ name: 'where with three-way broadcasting', run: (t, rng) => rv.where(t([1, 0, 1], [3, 1], 'bool'), t(data(rng, 12), [3, 4]), t(data(rng, 4), [4])) });
  out.push({ name: 'philox blocks', run: () => rv.tensor(Array.from(philoxBlocks(rv.random.key(5), [1, 2, 3, 4], 64), (x) => x | 0), [256], 'int32') });
  return out;
}

function compare(cpu: rv.Tensor, gpuT: rv.Tensor, tol: number, what: string): void {
  assert.equal(gpuT.device, gpu, `${what}: the result is on the GPU`);
  assert.deepEqual(gpuT.shape, cpu.shape, `${what}: shape`);
  assert.equal(gpuT.dtype, cpu.dtype, `${what}: dtype`);
  const a = cpu.dataSync(), b = gpuT.dataSync();
  const float = cpu.dtype === 'float32' || cpu.dtype === 'float64';
  const rel = float ? (cpu.dtype === 'float32' ? Math.max(tol, 2e-6) : Math.max(tol * 1e-6, 1e-12)) : 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y))) continue;
    const err = Math.abs(x - y) / Math.max(1, Math.abs(x));
    if (!(err <= rel)) assert.fail(`${what}: element ${i} is ${y} on ${gpu}, ${x} on the CPU (relative error ${err.toExponential(2)} > ${rel})`);
  }
}

if (gpu === null) {
  describe('the op table on a CUDA GPU', () => {
    it(`is skipped: ${rv.cudaUnavailableReason()}`, function () {
      this.skip();
    });
  });
} else describe(`the op table on ${gpu}`, () => {
  for (const c of cases()) {
    it(`${c.name}: the same results as the CPU`, () => {
      rv.tidy(() => {
        const results = (device: string) => rv.withDevice(device, () => {
          const rng = makeRng(7);
          const make: Make = (values, shape, dtype) => rv.tensor(Array.from(values), shape, dtype);
          const r = c.run(make, rng);
          return Array.isArray(r) ? r : [r];
        });
        const cpu = results('cpu');
        const g = results(gpu!);
        assert.equal(g.length, cpu.length);
        cpu.forEach((r, i) => compare(r, g[i], c.tol ?? 0, `${c.name} [${i}]`));
      });
    });
  }

  it('runs products of a small side and a long operand on the skinny kernels, and only those', function () {
    if (rv.devices().find((d) => d.name === gpu)!.model!.startsWith('emulated')) this.skip();  // no GPU kernel runs
    rv.tidy(() => rv.withDevice(gpu!, () => {
      const uses = (f: () => rv.Tensor) => {
        const before = binding.cudaInfo().skinnyProducts;
        f().dataSync();
        return binding.cudaInfo().skinnyProducts - before;
      };
      const x = rv.randomNormal([3000, 55], 0, 1, 'float32', 1), beta = rv.randomNormal([55], 0, 1, 'float32', 2);
      const r = rv.randomNormal([3000, 4], 0, 1, 'float32', 3), w = rv.randomNormal([4, 55], 0, 1, 'float32', 5);
      assert.equal(uses(() => rv.matMul(x, beta)), 1, 'X·β');
      assert.equal(uses(() => rv.matMul(w, x, false, true)), 1, 'W·Xᵀ');
      assert.equal(uses(() => rv.matMul(x, r, true)), 1, 'Xᵀ·R');
      assert.equal(uses(() => rv.matMul(rv.transpose(r), x)), 1, 'Rᵀ·X');
      assert.equal(uses(() => rv.matMul(rv.slice(x, [0, 0], [500, 55]), beta)), 0, 'short');
      assert.equal(uses(() => rv.matMul(rv.transpose(rv.clone(rv.transpose(x))), beta)), 0, 'X stored transposed');
      assert.equal(uses(() => rv.matMul(x, rv.randomNormal([55, 9], 0, 1, 'float32', 4))), 0, 'nine columns');
    }));
  });

  it('runs fusedProducts with the bits of its three steps run one by one on the GPU, and the CPU\'s values within rounding', () => {
    const kernels = binding.kernels();
    for (const [dtype, small] of [['float32', 1], ['float32', 4], ['float64', 3]] as const) {
      rv.tidy(() => {
        const code = dtypeCode[dtype];
        const rng = makeRng(41);
        const rows = 3000, width = 55;
        const xs = data(rng, rows * width, -1, 1), bs = data(rng, small * width, -0.5, 0.5);
        const ys = Array.from({ length: rows }, () => (rng() < 0.4 ? 1 : 0));
        // Registers: Z, dy, the labels, one half. G = logLikelihoodGrad(dy, labels, Z) · half
        // (opcodes 31 and 22, mul), a ternary instruction the GPU's fused kernel does not take.
        const program = [4, 2, 31, 1, 2, 0, 22, 4, 3, 4];
        const attrs = [0, 1, 1, 0, 0, 1, ...program];
        const zn = small * rows, zpad = Math.ceil(zn / 16) * 16;
        const run = (device: string) => rv.withDevice(device, () => {
          const X = rv.tensor(xs, [rows, width], dtype), B = rv.tensor(bs, [small, width], dtype);
          const dy = rv.tensor(1.5, [], dtype), labels = rv.tensor(ys, [rows], dtype), half = rv.tensor(0.5, [], dtype);
          const deviceCode = device === 'cpu' ? -1 : Number(device.split(':')[1]);
          const fused = binding.run(kernels.fusedProducts, [zpad + small * width], code, attrs, deviceCode,
            X.handle(), B.handle(), dy.handle(), labels.handle(), half.handle());
          const flat = binding.toData(fused) as Float32Array | Float64Array;
          binding.dispose(fused);
          // The three steps one by one.
          const z = rv.matMul(B, X, false, true);
          const gradient = binding.run(kernels.sigmoidCrossEntropyGrad, [small, rows], code, [1], deviceCode, dy.handle(), labels.handle(), z.handle());
          const g = rv.mul(new Tensor(gradient, [small, rows], dtype, null, deviceCode), half);
          const r = rv.matMul(g, X);
          return { z: flat.subarray(0, zn), r: flat.subarray(zpad), stepZ: z.dataSync(), stepR: r.dataSync() };
        });
        const cpu = run('cpu'), gpuResult = run(gpu!);
        const what = `${dtype}, ${small} row${small > 1 ? 's' : ''} of B`;
        assert.deepEqual(Array.from(gpuResult.z), Array.from(gpuResult.stepZ), `${what}: Z as matMul gives it on the GPU`);
        assert.deepEqual(Array.from(gpuResult.r), Array.from(gpuResult.stepR), `${what}: R as the three steps give it on the GPU`);
        assert.deepEqual(Array.from(cpu.r), Array.from(cpu.stepR), `${what}: R as the three steps give it on the CPU`);
        // The devices sum in other orders: each value within the bound on a float sum of n terms in
        // any order, n·u·Σ|terms| from each device's exact value (u the unit roundoff), and R also
        // within what Z's difference can move G (|dG/dz| = 0.75·σ'(z) <= 0.19) and G's own rounding.
        const u = dtype === 'float32' ? 2 ** -24 : 2 ** -53;
        const within = (a: number, b: number, bound: number, part: string) => {
          if (!(Math.abs(a - b) <= bound)) assert.fail(`${what}: ${part} is ${b} on ${gpu}, ${a} on the CPU (bound ${bound.toExponential(2)})`);
        };
        const G = new Float64Array(zn);
        let dz = 0;
        for (let s = 0; s < small; s++) {
          for (let i = 0; i < rows; i++) {
            let terms = 0;
            for (let p = 0; p < width; p++) terms += Math.abs(bs[s * width + p] * xs[i * width + p]);
            const o = s * rows + i;
            const bound = 2 * width * u * terms;
            within(cpu.z[o], gpuResult.z[o], bound, `Z[${o}]`);
            dz = Math.max(dz, bound);
            G[o] = 0.75 * (ys[i] - 1 / (1 + Math.exp(-cpu.z[o])));
          }
        }
        for (let s = 0; s < small; s++) {
          for (let w = 0; w < width; w++) {
            let terms = 0, xsum = 0;
            for (let i = 0; i < rows; i++) {
              terms += Math.abs(G[s * rows + i] * xs[i * width + w]);
              xsum += Math.abs(xs[i * width + w]);
            }
            const o = s * width + w;
            within(cpu.r[o], gpuResult.r[o], 2 * rows * u * terms + xsum * (0.19 * dz + 8 * u), `R[${o}]`);
          }
        }
      });
    }
  });

  it('has a GPU kernel for every kernel of the op table (no CPU fallbacks)', () => {
    assert.deepEqual(binding.cudaInfo().cpuOnlyKernels, []);
  });

  it('moves tensors between devices exactly, views included, for every dtype', () => {
    rv.tidy(() => {
      for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
        const x = rv.tensor(Array.from({ length: 24 }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : i * 1.5 - 7)), [2, 3, 4], dtype);
        const view = rv.transpose(x, [2, 0, 1]);
        const there = view.to(gpu!);
        assert.equal(there.device, gpu);
        assert.deepEqual(Array.from(there.dataSync()), Array.from(view.dataSync()));
        const back = there.to('cpu');
        assert.equal(back.device, 'cpu');
        assert.deepEqual(back.arraySync(), view.arraySync());
        assert.equal(there.to(gpu!), there, 'to() the same device is the tensor itself');
      }
    });
  });

  it('refuses to mix devices, naming the arguments and devices', () => {
    rv.tidy(() => {
      const a = rv.ones([3]), b = rv.ones([3], 'float32', { device: gpu! });
      assert.throws(() => rv.add(a, b), new RegExp(`add: argument 'a' is on cpu but 'b' is on ${gpu}`));
      assert.equal(rv.add(b, 2).device, gpu, 'JS numbers join the GPU tensor');
    });
  });

  it('runs gradients and vmap on the GPU', () => {
    rv.tidy(() => {
      const f = (w: rv.Tensor) => rv.sum(rv.logSigmoid(rv.matMul(rv.tensor([[1, 2], [3, -1], [0.5, 0.5]]), w)));
      const [cpuG, gpuG] = ['cpu', gpu!].map((d) => rv.withDevice(d, () => rv.grad(f)(rv.tensor([0.3, -0.2]))));
      compare(cpuG, gpuG, 1e-6, 'grad');
      const [cpuV, gpuV] = ['cpu', gpu!].map((d) => rv.withDevice(d, () => rv.vmap((w: rv.Tensor) => f(w))(rv.tensor([[0.3, -0.2], [1, 2]]))));
      compare(cpuV, gpuV, 1e-6, 'vmap');
    });
  });

  it('keeps GPU memory flat over 100,000 small ops, and frees it on dispose', () => {
    const x = rv.ones([16], 'float32', { device: gpu! });
    for (let i = 0; i < 1000; i++) rv.add(x, x).dispose();
    const before = rv.memory(gpu!).liveBytes;
    for (let i = 0; i < 100_000; i++) rv.tidy(() => rv.mul(rv.add(x, x), 2)).dispose();
    assert.equal(rv.memory(gpu!).liveBytes, before);
    x.dispose();
    assert.equal(rv.memory(gpu!).liveBytes, before - 64);
  });

  it('turns a kernel error into a JS Error and keeps working', () => {
    const big = rv.tensor([1, 2], [2], 'float32', { device: gpu! });
    assert.throws(() => rv.gather(big, rv.tensor([5], [1], 'int32', { device: gpu! })), /gather/);
    assert.deepEqual(Array.from(rv.add(big, 1).dataSync()), [2, 3]);
  });
});
