import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { binding } from '../lib/backend/binding';
import { dtypeCode } from '../lib/tensor/dtype';
import {
  assertTensor, assertThrowsNamed, build, flatIndex, makeRng, nonContiguous, randomData, randomInt, randomShape, type Ref,
  roundTo, sizeOf, toleranceFor, unravel,
} from './helpers';

const dtypes: rv.DType[] = ['float32', 'float64', 'int32', 'bool'];
const exact = { rtol: 0, atol: 0 };


function tensorOf(rng: () => number, ref: Ref, dtype: rv.DType, layout = rng() < 0.5 ? 'view' : 'plain'): rv.Tensor {
  return layout === 'view' ? nonContiguous(ref.values, ref.shape, dtype, rng) : rv.tensor(ref.values, ref.shape, dtype);
}

function randomRef(rng: () => number, shape: number[], dtype: rv.DType): Ref {
  return { values: roundTo(dtype, randomData(rng, sizeOf(shape), dtype)), shape };
}

/** Random int32 indices of `shape` in [0, n) (n > 0, or the shape must be empty). */
function indexRef(rng: () => number, shape: number[], n: number): Ref {
  return { values: Array.from({ length: sizeOf(shape) }, () => randomInt(rng, 0, n - 1)), shape };
}


function refGather(x: Ref, ind: Ref, axis: number, batchDims: number): Ref {
  const ni = ind.shape.length - batchDims;
  const shape = [...x.shape.slice(0, axis), ...ind.shape.slice(batchDims), ...x.shape.slice(axis + 1)];
  return build(shape, (idx) => {
    const outer = idx.slice(0, axis);
    const j = ind.values[flatIndex([...outer.slice(0, batchDims), ...idx.slice(axis, axis + ni)], ind.shape)];
    return x.values[flatIndex([...outer, j, ...idx.slice(axis + ni)], x.shape)];
  });
}

function refGatherND(x: Ref, ind: Ref): Ref {
  const k = ind.shape[ind.shape.length - 1];
  const batch = ind.shape.slice(0, -1);
  return build([...batch, ...x.shape.slice(k)], (idx) => {
    const b = flatIndex(idx.slice(0, batch.length), batch);
    const head = ind.values.slice(b * k, b * k + k);
    return x.values[flatIndex([...head, ...idx.slice(batch.length)], x.shape)];
  });
}

/** Adds in the order the kernel does (index order), rounding to `dtype` after every step. */
function refScatterAdd(x: Ref, ind: Ref, updates: Ref, axis: number, dtype: rv.DType): Ref {
  const out = roundTo(dtype, x.values);
  const ri = ind.shape.length;
  for (let k = 0; k < updates.values.length; k++) {
    const idx = unravel(k, updates.shape);
    const j = ind.values[flatIndex(idx.slice(axis, axis + ri), ind.shape)];
    const o = flatIndex([...idx.slice(0, axis), j, ...idx.slice(axis + ri)], x.shape);
    const sum = out[o] + updates.values[k];
    out[o] = dtype === 'float32' ? Math.fround(sum) : dtype === 'int32' ? sum | 0 : sum;
  }
  return { values: out, shape: x.shape };
}

describe('gather', () => {
  it('matches a reference on random shapes, axes, batchDims, dtypes and layouts', () => {
    const rng = makeRng(11);
    for (let trial = 0; trial < 160; trial++) {
      const dtype = dtypes[trial % 4];
      const xShape = randomShape(rng, { minRank: 1, maxRank: 4 });
      const axis = randomInt(rng, 0, xShape.length - 1);
      const batchDims = randomInt(rng, 0, Math.min(axis, 2));
      let rest = randomShape(rng, { minRank: 0, maxRank: 2 });
      if (xShape[axis] === 0) rest = [...rest, 0];
      const indShape = [...xShape.slice(0, batchDims), ...rest];
      const xr = randomRef(rng, xShape, dtype);
      const ir = indexRef(rng, indShape, xShape[axis]);
      const x = tensorOf(rng, xr, dtype);
      const ind = tensorOf(rng, ir, 'int32');
      const a = rng() < 0.5 ? axis - xShape.length : axis;
      const b = batchDims > 0 && batchDims < indShape.length && rng() < 0.5 ? batchDims - indShape.length : batchDims;
      const out = trial % 3 === 0 ? x.gather(ind, a, b) : rv.gather(x, ind, a, b);
      const expected = refGather(xr, ir, axis, batchDims);
      assertTensor(out, expected.shape, dtype, expected.values, exact, `trial ${trial}`);
    }
  });

  it('takes scalar indices and JS index values', () => {
    const x = rv.tensor([[1, 2, 3], [4, 5, 6]]);
    assertTensor(rv.gather(x, 1), [3], 'float32', [4, 5, 6], exact);
    assertTensor(rv.gather(x, rv.scalar(2, 'int32'), 1), [2], 'float32', [3, 6], exact);
    assertTensor(rv.gather(x, [[2, 0]], 1), [2, 1, 2], 'float32', [3, 1, 6, 4], exact);
    assertTensor(rv.gather(x, new Int32Array([1, 1])), [2, 3], 'float32', [4, 5, 6, 4, 5, 6], exact);
    assertTensor(rv.gather([true, false], [1, 0, 1]), [3], 'bool', [0, 1, 0], exact);
    assertTensor(rv.gather(x, [[0, 2], [1, 1]], 1, 1), [2, 2], 'float32', [1, 3, 5, 5], exact);
  });

  it('handles large inputs', () => {
    const rng = makeRng(12);
    for (const layout of ['plain', 'view']) {
      const xr = randomRef(rng, [500, 64], 'float32');
      const x = tensorOf(rng, xr, 'float32', layout);
      const ir = indexRef(rng, [3000], 500);
      const expected = refGather(xr, ir, 0, 0);
      assertTensor(rv.gather(x, rv.tensor(ir.values, ir.shape, 'int32')), expected.shape, 'float32', expected.values, exact, layout);
      const jr = indexRef(rng, [20, 30], 64);
      const expected1 = refGather(xr, jr, 1, 0);
      assertTensor(rv.gather(x, rv.tensor(jr.values, jr.shape, 'int32'), 1), expected1.shape, 'float32', expected1.values, exact, layout);
    }
  });

  it('throws errors naming the op, the argument and the range', () => {
    const x = rv.tensor([[1, 2, 3], [4, 5, 6]]);
    assertThrowsNamed(() => rv.gather(x, rv.tensor([0, 1])), 'gather', "'indices'", 'int32', 'float32');
    assertThrowsNamed(() => rv.gather(x, [0.5]), 'gather', "'indices'", '0.5');
    assertThrowsNamed(() => rv.gather(x, new Float64Array([1])), 'gather', "'indices'", 'int32');
    assertThrowsNamed(() => rv.gather(x, [true]), 'gather', "'indices'", 'bool');
    assertThrowsNamed(() => rv.gather(x, [0, 2]), 'gather', 'index 2', '[0, 2)');
    assertThrowsNamed(() => rv.gather(x, [-1], 1), 'gather', 'index -1', '[0, 3)');
    assertThrowsNamed(() => rv.gather(x, [2147483647], 1), 'gather', 'index 2147483647', '[0, 3)');
    assertThrowsNamed(() => rv.gather(x, [[0], [9]], 1, 1), 'gather', 'index 9', '[0, 3)');
    const many = new Int32Array(200000).fill(1);
    many[150001] = 7;
    many[190000] = -4;
    assertThrowsNamed(() => rv.gather(x, many, 1), 'gather', 'index 7', 'position 150001', '[0, 3)');
    const pairs = new Int32Array(300000).fill(1);
    pairs[250000] = 2;
    assertThrowsNamed(() => rv.gatherND(x, rv.tensor(pairs, [150000, 2], 'int32')), 'gatherND', 'index 2', 'position 250000', '[0, 2)');
    assertThrowsNamed(() => rv.gather(x, [0], 2), 'gather', 'axis 2');
    assertThrowsNamed(() => rv.gather(x, [0], -3), 'gather', 'axis -3');
    assertThrowsNamed(() => rv.gather(rv.scalar(1), [0]), 'gather', 'x', 'rank');
    assertThrowsNamed(() => rv.gather(x, [0], 1, 2), 'gather', 'batchDims');
    assertThrowsNamed(() => rv.gather(x, [[0, 1]], 0, 1), 'gather', 'batchDims');
    assertThrowsNamed(() => rv.gather(x, [[0, 1, 1]], 1, 1), 'gather', 'batch');
    const d = rv.tensor([1, 2]);
    d.dispose();
    assertThrowsNamed(() => rv.gather(d, [0]), 'gather', "'x'", 'disposed');
    const di = rv.tensor([0], undefined, 'int32');
    di.dispose();
    assertThrowsNamed(() => rv.gather(x, di), 'gather', "'indices'", 'disposed');
  });
});

describe('gatherND', () => {
  it('matches a reference on random shapes, dtypes and layouts', () => {
    const rng = makeRng(13);
    for (let trial = 0; trial < 160; trial++) {
      const dtype = dtypes[trial % 4];
      const xShape = randomShape(rng, { minRank: 0, maxRank: 4 });
      const k = randomInt(rng, 0, xShape.length);
      let batch = randomShape(rng, { minRank: 0, maxRank: 2 });
      if (xShape.slice(0, k).includes(0)) batch = [...batch, 0];
      const m = sizeOf(batch);
      const values: number[] = [];
      for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) values.push(randomInt(rng, 0, xShape[j] - 1));
      const ir = { values, shape: [...batch, k] };
      const xr = randomRef(rng, xShape, dtype);
      const out = rv.gatherND(tensorOf(rng, xr, dtype), tensorOf(rng, ir, 'int32'));
      const expected = refGatherND(xr, ir);
      assertTensor(out, expected.shape, dtype, expected.values, exact, `trial ${trial}`);
    }
  });

  it('follows the TF examples and handles large inputs', () => {
    assertTensor(rv.gatherND([[1, 2], [3, 4]], [[0, 1], [1, 0]]), [2], 'float32', [2, 3], exact);
    assertTensor(rv.gatherND([[1, 2], [3, 4]], [[1]]), [1, 2], 'float32', [3, 4], exact);
    assertTensor(rv.gatherND([[1, 2], [3, 4]], [[[1]], [[0]]]), [2, 1, 2], 'float32', [3, 4, 1, 2], exact);
    const rng = makeRng(14);
    const xr = randomRef(rng, [40, 50, 30], 'float64');
    const values: number[] = [];
    for (let i = 0; i < 2000; i++) values.push(randomInt(rng, 0, 39), randomInt(rng, 0, 49));
    const ir = { values, shape: [2000, 2] };
    const expected = refGatherND(xr, ir);
    assertTensor(rv.gatherND(tensorOf(rng, xr, 'float64', 'view'), rv.tensor(values, [2000, 2], 'int32')), expected.shape, 'float64', expected.values, exact);
  });

  it('throws errors naming the op, the argument and the range', () => {
    const x = rv.tensor([[1, 2], [3, 4]]);
    assertThrowsNamed(() => rv.gatherND(x, rv.tensor([[0, 1]])), 'gatherND', "'indices'", 'int32');
    assertThrowsNamed(() => rv.gatherND(x, [[0, 1.5]]), 'gatherND', "'indices'", '1.5');
    assertThrowsNamed(() => rv.gatherND(x, [[0, 2]]), 'gatherND', 'index 2', '[0, 2)');
    assertThrowsNamed(() => rv.gatherND(x, [[-1, 0]]), 'gatherND', 'index -1', '[0, 2)');
    assertThrowsNamed(() => rv.gatherND(x, [[0, 0, 0]]), 'gatherND', 'indices', 'rank 2');
    assertThrowsNamed(() => rv.gatherND(x, 0), 'gatherND', 'indices', 'rank');
    const d = rv.tensor([1, 2]);
    d.dispose();
    assertThrowsNamed(() => rv.gatherND(d, [[0]]), 'gatherND', "'x'", 'disposed');
  });
});

/**
 * Asserts scatterAdd's result. The CPU adds duplicate indices in index order, as the reference
 * does: exact. A GPU adds them with atomics in whatever order its threads arrive; int32 sums wrap
 * identically in any order (exact), and a float sum of n terms in any order lies within
 * (n - 1)·u·Σ|terms| of the exact sum (u the unit roundoff), so within twice that of the
 * reference's: per element, n is one plus the updates scattered to it and Σ|terms| the scatter of
 * absolute values (both by the reference).
 */
function assertScatterAdd(out: rv.Tensor, xr: Ref, ir: Ref, ur: Ref, axis: number, dtype: rv.DType, what: string) {
  const expected = refScatterAdd(xr, ir, ur, axis, dtype);
  if (rv.getDevice() === 'cpu' || dtype === 'int32') {
    assertTensor(out, expected.shape, dtype, expected.values, exact, what);
    return;
  }
  const abs = (r: Ref): Ref => ({ values: r.values.map(Math.abs), shape: r.shape });
  const magnitude = refScatterAdd(abs(xr), ir, abs(ur), axis, 'float64').values;
  const u = dtype === 'float32' ? 2 ** -24 : 2 ** -53;
  const ones = (r: Ref): Ref => ({ values: r.values.map(() => 1), shape: r.shape });
  const terms = refScatterAdd(ones(xr), ir, ones(ur), axis, 'float64').values;
  assert.deepEqual([...out.shape], [...expected.shape], `${what}: shape`);
  const actual = out.dataSync();
  for (let k = 0; k < expected.values.length; k++) {
    const bound = 2 * (terms[k] - 1) * u * magnitude[k];
    assert.ok(Math.abs(actual[k] - expected.values[k]) <= bound, `${what}[${k}]: ${actual[k]} vs ${expected.values[k]} (bound ${bound})`);
  }
}

describe('scatterAdd', () => {
  it('matches a reference on random shapes, axes, dtypes and layouts, with duplicate indices', () => {
    const rng = makeRng(15);
    const numeric: rv.DType[] = ['float32', 'float64', 'int32'];
    for (let trial = 0; trial < 150; trial++) {
      const dtype = numeric[trial % 3];
      const xShape = randomShape(rng, { minRank: 1, maxRank: 4 });
      const axis = randomInt(rng, 0, xShape.length - 1);
      let indShape = randomShape(rng, { minRank: 0, maxRank: 2, maxDim: 6 });
      if (xShape[axis] === 0) indShape = [...indShape, 0];
      const ir = indexRef(rng, indShape, Math.min(xShape[axis], 2));  // few distinct values: many duplicates
      const uShape = [...xShape.slice(0, axis), ...indShape, ...xShape.slice(axis + 1)];
      const xr = randomRef(rng, xShape, dtype);
      const ur = randomRef(rng, uShape, dtype);
      const a = rng() < 0.5 ? axis - xShape.length : axis;
      const out = rv.scatterAdd(tensorOf(rng, xr, dtype), tensorOf(rng, ir, 'int32'), tensorOf(rng, ur, dtype), a);
      assertScatterAdd(out, xr, ir, ur, axis, dtype, `trial ${trial}`);
    }
  });

  it('is the adjoint of gather: <gather(x), u> = <x, scatterAdd(0, u)>', () => {
    const rng = makeRng(16);
    const xr = randomRef(rng, [4, 5, 3], 'float64');
    const ir = indexRef(rng, [7, 2], 5);
    const ur = randomRef(rng, [4, 7, 2, 3], 'float64');
    const ind = rv.tensor(ir.values, ir.shape, 'int32');
    const g = rv.gather(rv.tensor(xr.values, xr.shape, 'float64'), ind, 1).dataSync();
    const s = rv.scatterAdd(rv.zeros(xr.shape, 'float64'), ind, rv.tensor(ur.values, ur.shape, 'float64'), 1).dataSync();
    const lhs = ur.values.reduce((acc, u, k) => acc + u * g[k], 0);
    const rhs = xr.values.reduce((acc, v, k) => acc + v * s[k], 0);
    assert.ok(Math.abs(lhs - rhs) < 1e-9 * (1 + Math.abs(lhs)), `${lhs} != ${rhs}`);
  });

  it('promotes dtypes, computes bool in int32, wraps int32, and handles large inputs', () => {
    assertTensor(rv.scatterAdd([0, 0, 0], [2, 0, 2], [1, 2, 3]), [3], 'float32', [2, 0, 4], exact);
    assertTensor(rv.scatterAdd(rv.tensor([true, false]), [1, 1], rv.tensor([true, true])), [2], 'int32', [1, 2], exact);
    assertTensor(rv.scatterAdd(rv.tensor([1, 2], undefined, 'int32'), [0], rv.tensor([0.5], undefined, 'float64')), [2], 'float64', [1.5, 2], exact);
    assertTensor(rv.scatterAdd(rv.tensor([2147483647], undefined, 'int32'), [0], rv.tensor([1], undefined, 'int32')), [1], 'int32', [-2147483648], exact);
    const rng = makeRng(17);
    for (const [xShape, axis, indShape] of [[[3, 20000], 0, [50]], [[400, 8, 30], 1, [12]], [[2, 3000], 1, [4000]]] as [number[], number, number[]][]) {
      const ir = indexRef(rng, indShape, xShape[axis]);
      const uShape = [...xShape.slice(0, axis), ...indShape, ...xShape.slice(axis + 1)];
      const xr = randomRef(rng, xShape, 'float32');
      const ur = randomRef(rng, uShape, 'float32');
      const out = rv.scatterAdd(tensorOf(rng, xr, 'float32'), rv.tensor(ir.values, ir.shape, 'int32'), tensorOf(rng, ur, 'float32'), axis);
      assertScatterAdd(out, xr, ir, ur, axis, 'float32', `${xShape}`);
    }
  });

  it('throws errors naming the op, the argument and the range', () => {
    const x = rv.zeros([3, 2]);
    assertThrowsNamed(() => rv.scatterAdd(x, rv.tensor([0]), rv.zeros([1, 2])), 'scatterAdd', "'indices'", 'int32');
    assertThrowsNamed(() => rv.scatterAdd(x, [0.5], rv.zeros([1, 2])), 'scatterAdd', "'indices'", '0.5');
    assertThrowsNamed(() => rv.scatterAdd(x, [3], rv.zeros([1, 2])), 'scatterAdd', 'index 3', '[0, 3)');
    assertThrowsNamed(() => rv.scatterAdd(x, [0, -2], rv.zeros([2, 2])), 'scatterAdd', 'index -2', '[0, 3)');
    assertThrowsNamed(() => rv.scatterAdd(x, [0], rv.zeros([2, 2])), 'scatterAdd', "'updates'", '[1, 2]');
    assertThrowsNamed(() => rv.scatterAdd(x, [0], rv.zeros([1, 2]), 2), 'scatterAdd', 'axis 2');
    assertThrowsNamed(() => rv.scatterAdd(rv.scalar(0), [0], rv.zeros([1])), 'scatterAdd', 'x', 'rank');
    const d = rv.zeros([1, 2]);
    d.dispose();
    assertThrowsNamed(() => rv.scatterAdd(x, [0], d), 'scatterAdd', "'updates'", 'disposed');
  });
});

describe('oneHot', () => {
  it('matches a reference on random shapes, depths and dtypes, out-of-range indices giving off rows', () => {
    const rng = makeRng(18);
    for (let trial = 0; trial < 100; trial++) {
      const dtype = dtypes[trial % 4];
      const shape = randomShape(rng, { minRank: 0, maxRank: 3 });
      const depth = rng() < 0.1 ? 0 : randomInt(rng, 1, 6);
      const ir = { values: Array.from({ length: sizeOf(shape) }, () => randomInt(rng, -2, depth + 1)), shape };
      const [on, off] = dtype === 'bool' ? [1, 0] : roundTo(dtype, randomData(rng, 2, dtype));
      const ind = tensorOf(rng, ir, 'int32');
      const out = trial % 3 === 0 ? ind.oneHot(depth, on, off, dtype) : rv.oneHot(ind, depth, on, off, dtype);
      const expected = build([...shape, depth], (idx) => (ir.values[flatIndex(idx.slice(0, -1), shape)] === idx[idx.length - 1] ? on : off));
      assertTensor(out, expected.shape, dtype, expected.values, exact, `trial ${trial}`);
    }
  });

  it('defaults to int32 ones and zeros, and handles large inputs', () => {
    assertTensor(rv.oneHot([0, 2, 5, -1], 3), [4, 3], 'int32', [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], exact);
    assertTensor(rv.oneHot(1, 2, 5, -1, 'float64'), [2], 'float64', [-1, 5], exact);
    const rng = makeRng(19);
    const ir = indexRef(rng, [20000], 10);
    const out = rv.oneHot(tensorOf(rng, ir, 'int32', 'view'), 10, 1, 0, 'float32');
    const expected = build([20000, 10], ([i, j]) => (ir.values[i] === j ? 1 : 0));
    assertTensor(out, expected.shape, 'float32', expected.values, exact);
  });

  it('throws errors naming the op and the argument', () => {
    assertThrowsNamed(() => rv.oneHot(rv.tensor([0, 1]), 2), 'oneHot', "'indices'", 'int32');
    assertThrowsNamed(() => rv.oneHot([0.5], 2), 'oneHot', "'indices'", '0.5');
    assertThrowsNamed(() => rv.oneHot([0], -1), 'oneHot', 'depth');
    assertThrowsNamed(() => rv.oneHot([0], 1.5), 'oneHot', 'depth');
    assertThrowsNamed(() => rv.oneHot([0], 2, 1, 0, 'int8' as never), 'oneHot', 'dtype');
    const d = rv.tensor([0], undefined, 'int32');
    d.dispose();
    assertThrowsNamed(() => rv.oneHot(d, 2), 'oneHot', "'indices'", 'disposed');
  });
});

describe('indexing ops on broadcast (zero-stride) views', () => {
  it('gather, gatherND and scatterAdd read them correctly', () => {
    const x = rv.tensor([1, 2, 3]).broadcastTo([4, 3]);
    assertTensor(rv.gather(x, [3, 0]), [2, 3], 'float32', [1, 2, 3, 1, 2, 3], exact);
    assertTensor(rv.gather(x, [2, 0], 1), [4, 2], 'float32', [3, 1, 3, 1, 3, 1, 3, 1], exact);
    const col = rv.tensor([[1], [2]]).broadcastTo([2, 3]);
    assertTensor(rv.gather(col, [1], 0), [1, 3], 'float32', [2, 2, 2], exact);
    assertTensor(rv.gatherND(col, [[1, 2], [0, 0]]), [2], 'float32', [2, 1], exact);
    const u = rv.tensor([10]).broadcastTo([2, 2]);
    assertTensor(rv.scatterAdd(x.slice([0], [2]), [1, 1], u, 1), [2, 3], 'float32', [1, 22, 3, 1, 22, 3], exact);
    const ind = rv.tensor([2], undefined, 'int32').broadcastTo([3]);
    assertTensor(rv.oneHot(ind, 3), [3, 3], 'int32', [0, 0, 1, 0, 0, 1, 0, 0, 1], exact);
  });
});

describe('indexing kernels validate what they are given', () => {
  const kernel = (name: string) => (rv.opTable.get(name) as unknown as { kernelId: number }).kernelId;
  const f32 = dtypeCode.float32;

  it('rejects output shapes, attributes and indices inconsistent with the inputs', () => {
    const x = rv.zeros([3, 4]).handle();
    const i = rv.tensor([0, 2], undefined, 'int32').handle();
    const bad = rv.tensor([0, 3], undefined, 'int32').handle();
    const bad1 = rv.tensor([0, 4], undefined, 'int32').handle();
    const fi = rv.tensor([0, 1]).handle();
    assertThrowsNamed(() => binding.run(kernel('gather'), [3, 4], f32, [0, 0], -1, x, i), 'gather', 'output shape');
    assertThrowsNamed(() => binding.run(kernel('gather'), [2, 4], f32, [2, 0], -1, x, i), 'gather', 'attribute');
    assertThrowsNamed(() => binding.run(kernel('gather'), [2, 4], f32, [0, 0], -1, x, fi), 'gather', 'int32');
    assertThrowsNamed(() => binding.run(kernel('gather'), [2, 4], f32, [0, 0], -1, x, bad), 'gather', 'index 3', '[0, 3)');
    assertThrowsNamed(() => binding.run(kernel('gather'), [3, 2], f32, [1, 0], -1, x, bad1), 'gather', 'index 4', '[0, 4)');
    assertThrowsNamed(() => binding.run(kernel('gather'), [2, 4], f32, [0, 0], -1, x), 'gather', 'inputs');
    assertThrowsNamed(() => binding.run(kernel('gatherND'), [4], f32, [], -1, x, i), 'gatherND', 'output shape');
    assertThrowsNamed(() => binding.run(kernel('gatherND'), [], f32, [], -1, x, bad1), 'gatherND', 'index 4', '[0, 4)');
    assertThrowsNamed(() => binding.run(kernel('scatterAdd'), [3, 4], f32, [0], -1, x, i, rv.zeros([3, 4]).handle()), 'scatterAdd', 'updates');
    assertThrowsNamed(() => binding.run(kernel('scatterAdd'), [3, 5], f32, [0], -1, x, i, rv.zeros([2, 4]).handle()), 'scatterAdd', 'output shape');
    assertThrowsNamed(() => binding.run(kernel('oneHot'), [2, 3], f32, [4, 1, 0], -1, i), 'oneHot');
    assertThrowsNamed(() => binding.run(kernel('oneHot'), [2, 4, 1], f32, [4, 1, 0], -1, i), 'oneHot');
    assertThrowsNamed(() => binding.run(kernel('oneHot'), [2, 4], f32, [4, 1], -1, i), 'oneHot', 'attribute');
  });
});
