import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { binding } from '../lib/backend/binding';
import { dtypeCode } from '../lib/tensor/dtype';
import {
  assertTensor, assertThrowsNamed, build, flatIndex, makeRng, nonContiguous, randomData, randomInt, randomShape, type Ref,
  roundTo, sizeOf,
} from './helpers';

const dtypes: rv.DType[] = ['float32', 'float64', 'int32', 'bool'];
const exact = { rtol: 0, atol: 0 };


/** Random values of `shape` as `dtype` stores them, in a contiguous tensor or one of several kinds of view. */
function input(rng: () => number, shape: number[], dtype: rv.DType, layout = rng() < 0.5 ? 'view' : 'plain'): { t: rv.Tensor; ref: Ref } {
  const values = roundTo(dtype, randomData(rng, sizeOf(shape), dtype));
  const t = layout === 'view' ? nonContiguous(values, shape, dtype, rng) : rv.tensor(values, shape, dtype);
  return { t, ref: { values, shape } };
}


function refConcat(parts: Ref[], axis: number): Ref {
  const shape = [...parts[0].shape];
  shape[axis] = parts.reduce((s, p) => s + p.shape[axis], 0);
  return build(shape, (idx) => {
    let i = idx[axis];
    for (const p of parts) {
      if (i < p.shape[axis]) {
        const j = [...idx];
        j[axis] = i;
        return p.values[flatIndex(j, p.shape)];
      }
      i -= p.shape[axis];
    }
    throw new Error('unreachable');
  });
}

function refStack(parts: Ref[], axis: number): Ref {
  return refConcat(parts.map((p) => {
    const shape = [...p.shape];
    shape.splice(axis, 0, 1);
    return { values: p.values, shape };
  }), axis);
}

function refPad(x: Ref, paddings: [number, number][], value: number): Ref {
  const shape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  return build(shape, (idx) => {
    const j = idx.map((v, i) => v - paddings[i][0]);
    return j.every((v, i) => v >= 0 && v < x.shape[i]) ? x.values[flatIndex(j, x.shape)] : value;
  });
}

function refTile(x: Ref, reps: number[]): Ref {
  return build(x.shape.map((d, i) => d * reps[i]), (idx) => x.values[flatIndex(idx.map((v, i) => v % x.shape[i]), x.shape)]);
}

/** The values an output of dtype `to` holds for inputs stored as `values`. */
function convertTo(to: rv.DType, values: number[]): number[] {
  return roundTo(to, values);
}

const promotionOrder: rv.DType[] = ['bool', 'int32', 'float32', 'float64'];
const promoteAll = (ds: rv.DType[]) => promotionOrder[Math.max(...ds.map((d) => promotionOrder.indexOf(d)))];

describe('concat', () => {
  it('matches a reference on random shapes, dtypes, axes and layouts', () => {
    const rng = makeRng(1);
    for (let trial = 0; trial < 120; trial++) {
      const base = randomShape(rng, { minRank: 1, maxRank: 4 });
      const axis = randomInt(rng, 0, base.length - 1);
      const count = randomInt(rng, 1, 4);
      const mixed = rng() < 0.3;
      const dtype = dtypes[trial % 4];
      const parts = Array.from({ length: count }, () => {
        const shape = [...base];
        shape[axis] = rng() < 0.15 ? 0 : randomInt(rng, 1, 4);
        return input(rng, shape, mixed ? dtypes[randomInt(rng, 0, 3)] : dtype);
      });
      const outDType = promoteAll(parts.map((p) => p.t.dtype));
      const negative = rng() < 0.5;
      const out = rv.concat(parts.map((p) => p.t), negative ? axis - base.length : axis);
      const expected = refConcat(parts.map((p) => ({ values: convertTo(outDType, p.ref.values), shape: p.ref.shape })), axis);
      assertTensor(out, expected.shape, outDType, expected.values, exact, `trial ${trial}`);
      for (const p of parts) p.t.dispose();
      out.dispose();
    }
  });

  it('copies broadcast (zero-stride) and reversed inputs', () => {
    const a = rv.tensor([1, 2, 3]).broadcastTo([2, 3]);
    const b = rv.tensor([[4, 5, 6], [7, 8, 9]]).reverse(1);
    assertTensor(rv.concat([a, b], 0), [4, 3], 'float32', [1, 2, 3, 1, 2, 3, 6, 5, 4, 9, 8, 7], exact);
    assertTensor(rv.concat([a, b], -1), [2, 6], 'float32', [1, 2, 3, 6, 5, 4, 1, 2, 3, 9, 8, 7], exact);
  });

  it('handles large inputs on both the row and slab paths', () => {
    const rng = makeRng(2);
    for (const [shapeA, shapeB, axis] of [[[3000, 7], [3000, 13], 1], [[200, 500], [300, 500], 0], [[40, 900, 3], [40, 900, 2], 2]] as [number[], number[], number][]) {
      for (const layout of ['plain', 'view']) {
        const a = input(rng, shapeA, 'float32', layout);
        const b = input(rng, shapeB, 'float32', layout);
        const expected = refConcat([a.ref, b.ref], axis);
        assertTensor(rv.concat([a.t, b.t], axis), expected.shape, 'float32', expected.values, exact, `${shapeA} ${layout}`);
      }
    }
  });

  it('accepts a single tensor and JS arrays; has a chainable form', () => {
    assertTensor(rv.concat([[1, 2]]), [2], 'float32', [1, 2], exact);
    const x = rv.tensor([[1], [2]], undefined, 'int32');
    assertTensor(x.concat(rv.tensor([[3], [4]], undefined, 'int32'), 1), [2, 2], 'int32', [1, 3, 2, 4], exact);
    assertTensor(x.concat([[[5]], [[6]]]), [4, 1], 'float32', [1, 2, 5, 6], exact);
  });

  it('throws errors naming the op and the argument', () => {
    const a = rv.zeros([2, 3]);
    assertThrowsNamed(() => rv.concat([a, rv.zeros([2, 4])], 0), 'concat', 'tensors[1]', '[2, 4]');
    assertThrowsNamed(() => rv.concat([a, rv.zeros([2])], 0), 'concat', 'tensors[1]');
    assertThrowsNamed(() => rv.concat([a, a], 2), 'concat', 'axis 2');
    assertThrowsNamed(() => rv.concat([a, a], -3), 'concat', 'axis -3');
    assertThrowsNamed(() => rv.concat([a, a], 0.5), 'concat', 'axis');
    assertThrowsNamed(() => rv.concat([]), 'concat', 'tensors');
    assertThrowsNamed(() => rv.concat(a as never), 'concat', 'tensors');
    assertThrowsNamed(() => rv.concat([rv.scalar(1), rv.scalar(2)]), 'concat', 'scalars');
    const d = rv.zeros([2, 3]);
    d.dispose();
    assertThrowsNamed(() => rv.concat([a, d]), 'concat', 'tensors[1]', 'disposed');
  });
});

describe('stack', () => {
  it('matches a reference on random shapes, dtypes, axes and layouts', () => {
    const rng = makeRng(3);
    for (let trial = 0; trial < 100; trial++) {
      const shape = randomShape(rng, { minRank: 0, maxRank: 4 });
      const axis = randomInt(rng, 0, shape.length);
      const count = randomInt(rng, 1, 4);
      const dtype = dtypes[trial % 4];
      const parts = Array.from({ length: count }, () => input(rng, shape, dtype));
      const out = rv.stack(parts.map((p) => p.t), rng() < 0.5 ? axis - shape.length - 1 : axis);
      const expected = refStack(parts.map((p) => p.ref), axis);
      assertTensor(out, expected.shape, dtype, expected.values, exact, `trial ${trial}`);
    }
  });

  it('stacks scalars, promotes dtypes, and has a chainable form', () => {
    assertTensor(rv.stack([rv.scalar(1, 'int32'), rv.scalar(2.5), rv.scalar(true)]), [3], 'float32', [1, 2.5, 1], exact);
    const x = rv.tensor([1, 2]);
    assertTensor(x.stack(rv.tensor([3, 4]), 1), [2, 2], 'float32', [1, 3, 2, 4], exact);
    assertTensor(x.stack([[3, 4], [5, 6]]), [3, 2], 'float32', [1, 2, 3, 4, 5, 6], exact);
  });

  it('handles large inputs', () => {
    const rng = makeRng(4);
    const parts = [input(rng, [300, 200], 'float64', 'view'), input(rng, [300, 200], 'float64', 'plain')];
    for (const axis of [0, 1, 2]) {
      const expected = refStack(parts.map((p) => p.ref), axis);
      assertTensor(rv.stack(parts.map((p) => p.t), axis), expected.shape, 'float64', expected.values, exact, `axis ${axis}`);
    }
  });

  it('throws errors naming the op and the argument', () => {
    assertThrowsNamed(() => rv.stack([rv.zeros([2]), rv.zeros([3])]), 'stack', 'tensors[1]', '[3]');
    assertThrowsNamed(() => rv.stack([rv.zeros([2]), rv.zeros([2])], 2), 'stack', 'axis 2');
    assertThrowsNamed(() => rv.stack([rv.zeros([2]), rv.zeros([2])], -3), 'stack', 'axis -3');
    assertThrowsNamed(() => rv.stack([]), 'stack', 'tensors');
    const d = rv.zeros([2]);
    d.dispose();
    assertThrowsNamed(() => rv.stack([d, rv.zeros([2])]), 'stack', 'tensors[0]', 'disposed');
  });
});

describe('pad', () => {
  it('matches a reference on random shapes, dtypes, paddings and layouts', () => {
    const rng = makeRng(5);
    for (let trial = 0; trial < 120; trial++) {
      const shape = randomShape(rng, { minRank: 0, maxRank: 4 });
      const dtype = dtypes[trial % 4];
      const x = input(rng, shape, dtype);
      const paddings = shape.map(() => [randomInt(rng, 0, 2), randomInt(rng, 0, 2)] as [number, number]);
      const value = dtype === 'bool' ? randomInt(rng, 0, 1) : roundTo(dtype, [randomData(rng, 1, dtype)[0]])[0];
      const out = trial % 3 === 0 ? x.t.pad(paddings, value) : rv.pad(x.t, paddings, value);
      const expected = refPad(x.ref, paddings, value);
      assertTensor(out, expected.shape, dtype, expected.values, exact, `trial ${trial}`);
    }
  });

  it('defaults to zero and converts the constant to the dtype', () => {
    assertTensor(rv.pad(rv.tensor([1, 2]), [[1, 1]]), [4], 'float32', [0, 1, 2, 0], exact);
    assertTensor(rv.pad(rv.tensor([1, 2], undefined, 'int32'), [[1, 0]], 7.9), [3], 'int32', [7, 1, 2], exact);
    assertTensor(rv.pad(rv.tensor([false]), [[0, 1]], 2), [2], 'bool', [0, 1], exact);
    assertTensor(rv.pad(rv.scalar(3), []), [], 'float32', [3], exact);
    assertTensor(rv.pad(rv.zeros([0, 2]), [[1, 0], [0, 1]], 5), [1, 3], 'float32', [5, 5, 5], exact);
  });

  it('pads broadcast (zero-stride) views', () => {
    const x = rv.tensor([[1], [2]], undefined, 'int32').broadcastTo([2, 3]);
    assertTensor(rv.pad(x, [[0, 1], [1, 0]], -1), [3, 4], 'int32', [-1, 1, 1, 1, -1, 2, 2, 2, -1, -1, -1, -1], exact);
  });

  it('handles large inputs', () => {
    const rng = makeRng(6);
    for (const layout of ['plain', 'view']) {
      const x = input(rng, [250, 301], 'float32', layout);
      const paddings: [number, number][] = [[3, 2], [1, 40]];
      const expected = refPad(x.ref, paddings, -1);
      assertTensor(rv.pad(x.t, paddings, -1), expected.shape, 'float32', expected.values, exact, layout);
    }
  });

  it('throws errors naming the op and the argument', () => {
    const x = rv.zeros([2, 3]);
    assertThrowsNamed(() => rv.pad(x, [[1, 1]]), 'pad', 'paddings', 'rank 2');
    assertThrowsNamed(() => rv.pad(x, [[1, 1], [0, 0], [0, 0]]), 'pad', 'paddings');
    assertThrowsNamed(() => rv.pad(x, [[1, 1], [-1, 0]]), 'pad', 'paddings[1]', 'non-negative');
    assertThrowsNamed(() => rv.pad(x, [[1, 1], [0.5, 0]]), 'pad', 'paddings[1]');
    assertThrowsNamed(() => rv.pad(x, [[1, 1], [0] as never]), 'pad', 'paddings[1]');
    assertThrowsNamed(() => rv.pad(x, null as never), 'pad', 'paddings');
    assertThrowsNamed(() => rv.pad(x, [[0, 0], [0, 0]], 'a' as never), 'pad', 'constantValue');
    const d = rv.zeros([2]);
    d.dispose();
    assertThrowsNamed(() => rv.pad(d, [[1, 1]]), 'pad', "'x'", 'disposed');
  });
});

describe('tile', () => {
  it('matches a reference on random shapes, dtypes, reps and layouts', () => {
    const rng = makeRng(7);
    for (let trial = 0; trial < 120; trial++) {
      const shape = randomShape(rng, { minRank: 0, maxRank: 4, maxDim: 4 });
      const dtype = dtypes[trial % 4];
      const x = input(rng, shape, dtype);
      const reps = shape.map(() => (rng() < 0.08 ? 0 : randomInt(rng, 1, 3)));
      const out = trial % 3 === 0 ? x.t.tile(reps) : rv.tile(x.t, reps);
      const expected = refTile(x.ref, reps);
      assertTensor(out, expected.shape, dtype, expected.values, exact, `trial ${trial}`);
    }
  });

  it('tiles broadcast views and ranks whose interleaved form exceeds the maximum rank', () => {
    assertTensor(rv.tensor([1, 2]).broadcastTo([2, 2]).tile([1, 2]), [2, 4], 'float32', [1, 2, 1, 2, 1, 2, 1, 2], exact);
    const rng = makeRng(8);
    for (const layout of ['plain', 'view']) {
      // 8 axes with x and reps both above 1 and one more axis interleave to 17 axes.
      const shape = [2, 2, 2, 2, 2, 2, 2, 2, 3];
      const x = input(rng, shape, 'int32', layout);
      const reps = [2, 2, 2, 2, 2, 2, 2, 2, 1];
      const expected = refTile(x.ref, reps);
      assertTensor(rv.tile(x.t, reps), expected.shape, 'int32', expected.values, exact, layout);
    }
  });

  it('handles large outputs', () => {
    const rng = makeRng(9);
    const x = input(rng, [30, 70], 'float64', 'view');
    const expected = refTile(x.ref, [40, 3]);
    assertTensor(rv.tile(x.t, [40, 3]), expected.shape, 'float64', expected.values, exact);
  });

  it('throws errors naming the op and the argument', () => {
    const x = rv.zeros([2, 3]);
    assertThrowsNamed(() => rv.tile(x, [2]), 'tile', 'reps', 'rank 2');
    assertThrowsNamed(() => rv.tile(x, [1, -1]), 'tile', 'reps[1]', 'non-negative');
    assertThrowsNamed(() => rv.tile(x, [1, 1.5]), 'tile', 'reps[1]');
    assertThrowsNamed(() => rv.tile(x, 2 as never), 'tile', 'reps');
    const d = rv.zeros([2]);
    d.dispose();
    assertThrowsNamed(() => rv.tile(d, [2]), 'tile', "'x'", 'disposed');
  });
});

describe('layout kernels validate what they are given', () => {
  const kernel = (name: string) => (rv.opTable.get(name) as unknown as { kernelId: number }).kernelId;
  const f32 = dtypeCode.float32;
  const h = (t: rv.Tensor) => t.handle();

  it('rejects output shapes and attributes inconsistent with the inputs', () => {
    const a = rv.zeros([2, 3]);
    const b = rv.zeros([2, 4]);
    assertThrowsNamed(() => binding.run(kernel('concat'), [2, 8], f32, [1], -1, h(a), h(b)), 'concat');
    assertThrowsNamed(() => binding.run(kernel('concat'), [2, 6], f32, [1], -1, h(a), h(b)), 'concat');
    assertThrowsNamed(() => binding.run(kernel('concat'), [2, 7], f32, [2], -1, h(a), h(b)), 'concat', 'attribute');
    assertThrowsNamed(() => binding.run(kernel('concat'), [2, 7], dtypeCode.int32, [1], -1, h(a), h(b)), 'concat', 'dtype');
    assertThrowsNamed(() => binding.run(kernel('concat'), [2, 7], f32, [], -1, h(a), h(b)), 'concat', 'attribute');
    assertThrowsNamed(() => binding.run(kernel('stack'), [3, 2, 3], f32, [0], -1, h(a), h(a)), 'stack');
    assertThrowsNamed(() => binding.run(kernel('stack'), [2, 2, 3], f32, [0], -1, h(a), h(b)), 'stack');
    assertThrowsNamed(() => binding.run(kernel('pad'), [4, 3], f32, [0, 1, 1, 0, 1], -1, h(a)), 'pad');
    assertThrowsNamed(() => binding.run(kernel('pad'), [4, 3], f32, [0, 1, 1, 0], -1, h(a)), 'pad');
    assertThrowsNamed(() => binding.run(kernel('pad'), [2, 3], f32, [0, -1, 1, 0, 0], -1, h(a)), 'pad');
    assertThrowsNamed(() => binding.run(kernel('tile'), [4, 4], f32, [2, 1], -1, h(a)), 'tile');
    assertThrowsNamed(() => binding.run(kernel('tile'), [4, 3], f32, [2], -1, h(a)), 'tile');
    assertThrowsNamed(() => binding.run(kernel('tile'), [4, 3], f32, [2, 1.5], -1, h(a)), 'tile');
    assertThrowsNamed(() => binding.run(kernel('tile'), [0, 3], f32, [-1, 1], -1, h(a)), 'tile');
  });

  it('leaves inputs untouched and returns fresh contiguous storage', () => {
    const x = rv.tensor([[1, 2], [3, 4]]).transpose();
    for (const out of [rv.concat([x, x]), rv.stack([x]), rv.pad(x, [[0, 0], [0, 0]]), rv.tile(x, [1, 1])]) {
      const layout = binding.layout(out.handle());
      assert.equal(layout.contiguous, true);
      assert.notEqual(layout.storage, binding.layout(x.handle()).storage);
    }
    assert.deepEqual(x.arraySync(), [[1, 3], [2, 4]]);
  });
});
