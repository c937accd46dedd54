/**
 * View ops: reshape, transpose, slice, stridedSlice, expandDims, squeeze, flatten, broadcastTo,
 * reverse, split, unstack and clone, against small reference implementations (stridedSlice
 * against Python's slicing rules), with the storage sharing each promises.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { binding } from '../lib/backend/binding';
import { makeRng, nonContiguous, randomInt, randomShape, sizeOf, stridesOf, unravel } from './helpers';

type DType = rv.DType;

const storageOf = (t: rv.Tensor) => binding.layout(t.handle()).storage;
const layoutOf = (t: rv.Tensor) => binding.layout(t.handle());
const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A reference tensor: row-major values and a shape. */
interface Ref { values: number[]; shape: number[] }

/** Builds `outShape` by reading `x` at the input index each output index maps to. */
function gatherRef(x: Ref, outShape: number[], map: (out: number[]) => number[]): Ref {
  const strides = stridesOf(x.shape);
  const values = iota(sizeOf(outShape)).map((k) => {
    const idx = map(unravel(k, outShape));
    return x.values[idx.reduce((s, v, d) => s + v * strides[d], 0)];
  });
  return { values, shape: outShape };
}

function transposeRef(x: Ref, perm: number[]): Ref {
  return gatherRef(x, perm.map((p) => x.shape[p]), (out) => {
    const idx = new Array(perm.length);
    perm.forEach((p, i) => { idx[p] = out[i]; });
    return idx;
  });
}

/** Selected indices along each input axis (a product of index lists). */
function selectRef(x: Ref, picks: number[][]): number[] {
  const out: number[] = [];
  const strides = stridesOf(x.shape);
  const walk = (axis: number, flat: number) => {
    if (axis === picks.length) {
      out.push(x.values[flat]);
      return;
    }
    for (const i of picks[axis]) walk(axis + 1, flat + i * strides[axis]);
  };
  walk(0, 0);
  return out;
}

function assertRef(t: rv.Tensor, ref: Ref, what = ''): void {
  assert.deepEqual(t.shape, ref.shape, `${what}: shape`);
  assert.deepEqual(Array.from(t.dataSync()), ref.values, `${what}: values`);
}

function randomRef(rng: () => number, opts?: Parameters<typeof randomShape>[1]): Ref {
  const shape = randomShape(rng, opts);
  return { values: iota(sizeOf(shape)).map((i) => i + 1), shape };
}

/** The input, contiguous or as a strided view with offset, negative strides and permuted axes. */
function make(ref: Ref, rng: () => number, dtype: DType = 'float32'): rv.Tensor {
  return rng() < 0.5 ? rv.tensor(ref.values, ref.shape, dtype) : nonContiguous(ref.values, ref.shape, dtype, rng);
}

describe('reshape', () => {
  it('keeps the row-major order of the elements, on any layout', () => {
    const rng = makeRng(1);
    for (let k = 0; k < 40; k++) {
      rv.tidy(() => {
        const x = randomRef(rng, { minRank: 0, maxRank: 4, maxDim: 4 });
        const target = [...x.shape].sort(() => rng() - 0.5).flatMap((d) => (rng() < 0.3 ? [1, d] : [d]));
        assertRef(make(x, rng).reshape(target), { values: x.values, shape: target }, `[${x.shape}] -> [${target}]`);
      });
    }
  });

  it('infers one -1 entry from the size', () => {
    const x = rv.arange(24);
    assert.deepEqual(x.reshape([2, -1, 3]).shape, [2, 4, 3]);
    assert.deepEqual(x.reshape([-1]).shape, [24]);
    assert.deepEqual(rv.zeros([0, 3]).reshape([-1, 3]).shape, [0, 3]);
  });

  it('of a contiguous tensor is a view sharing its storage', () => {
    const x = rv.arange(12);
    const y = x.reshape([3, 4]);
    assert.equal(storageOf(y), storageOf(x));
    assert.equal(storageOf(y.reshape([2, 2, 3])), storageOf(x));
  });

  it('of a transposed tensor copies and still gives the row-major order of the transpose', () => {
    const x = rv.arange(6).reshape([2, 3]);
    const t = x.transpose();
    const y = t.reshape([6]);
    assert.deepEqual(y.arraySync(), [0, 3, 1, 4, 2, 5]);
    assert.notEqual(storageOf(y), storageOf(x));
    assert.ok(layoutOf(y).contiguous);
  });

  it('of a transposed tensor stays a view when only size-1 axes are inserted', () => {
    const x = rv.arange(6).reshape([2, 3]);
    const y = x.transpose().reshape([3, 1, 2]);
    assert.equal(storageOf(y), storageOf(x));
    assert.deepEqual(y.arraySync(), [[[0, 3]], [[1, 4]], [[2, 5]]]);
  });

  it('of a sliced tensor merges only the axes whose strides allow it', () => {
    const x = rv.arange(24).reshape([4, 6]);
    const s = x.slice([0, 0], [4, 3]);  // rows of 3 out of 6: a view, not contiguous
    const split = s.reshape([4, 3, 1]);
    assert.equal(storageOf(split), storageOf(x));
    const merged = s.reshape([12]);
    assert.deepEqual(merged.arraySync(), [0, 1, 2, 6, 7, 8, 12, 13, 14, 18, 19, 20]);
  });
});

describe('transpose', () => {
  it('reverses the axes by default', () => {
    const rng = makeRng(2);
    for (let k = 0; k < 20; k++) {
      const x = randomRef(rng);
      const perm = iota(x.shape.length).reverse();
      assertRef(make(x, rng).transpose(), transposeRef(x, perm), `[${x.shape}]`);
    }
  });

  it('permutes the axes by an explicit perm, negative entries counting from the end', () => {
    const rng = makeRng(3);
    for (let k = 0; k < 30; k++) {
      const x = randomRef(rng, { minRank: 1 });
      const perm = iota(x.shape.length).sort(() => rng() - 0.5);
      const given = perm.map((p) => (rng() < 0.3 ? p - perm.length : p));
      assertRef(make(x, rng).transpose(given), transposeRef(x, perm), `[${x.shape}] perm [${given}]`);
    }
  });

  it('is a view sharing storage', () => {
    const x = rv.zeros([2, 3, 4]);
    const t = x.transpose([2, 0, 1]);
    assert.equal(storageOf(t), storageOf(x));
    assert.deepEqual(t.shape, [4, 2, 3]);
    assert.deepEqual(layoutOf(t).strides, [1, 12, 4]);
  });
});

describe('slice', () => {
  it('takes size elements from begin along each axis (TF.js semantics), views included', () => {
    const rng = makeRng(4);
    for (let k = 0; k < 40; k++) {
      const x = randomRef(rng, { minRank: 1 });
      const begin = x.shape.map((d) => randomInt(rng, 0, d));
      const size = x.shape.map((d, i) => (rng() < 0.25 ? -1 : randomInt(rng, 0, d - begin[i])));
      const picks = x.shape.map((d, i) => iota(size[i] === -1 ? d - begin[i] : size[i]).map((j) => begin[i] + j));
      assertRef(make(x, rng).slice(begin, size), { values: selectRef(x, picks), shape: picks.map((p) => p.length) },
        `[${x.shape}] begin [${begin}] size [${size}]`);
    }
  });

  it('fills missing begin entries with 0 and missing size entries with the rest of the axis', () => {
    const x = rv.arange(24).reshape([2, 3, 4]);
    assert.deepEqual(x.slice([1]).shape, [1, 3, 4]);
    assert.deepEqual(x.slice([1]).arraySync(), [rv.arange(12, 24).reshape([3, 4]).arraySync()]);
    assert.deepEqual(x.slice(1, 1).shape, [1, 3, 4]);
    assert.deepEqual(x.slice([0, 1], [-1, 1]).arraySync(), [[[4, 5, 6, 7]], [[16, 17, 18, 19]]]);
    assert.deepEqual(rv.arange(10).slice([2], [3]).arraySync(), [2, 3, 4]);
  });

  it('may take zero elements, even at the end of an axis', () => {
    assert.deepEqual(rv.arange(5).slice([5], [0]).shape, [0]);
    assert.deepEqual(rv.zeros([3, 4]).slice([1, 2], [0, 2]).shape, [0, 2]);
  });

  it('is a view sharing storage', () => {
    const x = rv.arange(24).reshape([4, 6]);
    const s = x.slice([1, 2], [2, 3]);
    assert.equal(storageOf(s), storageOf(x));
    assert.equal(layoutOf(s).offset, 8);
  });
});

// ---------------------------------------------------------------------------------------------
// stridedSlice against Python slicing

/** Python's range of slice(start, stop, step).indices(length); null means omitted. */
function pythonSlice(length: number, start: number | null, stop: number | null, step: number): number[] {
  const [lower, upper] = step > 0 ? [0, length] : [-1, length - 1];
  const clamp = (v: number | null, dflt: number) => {
    if (v === null) return dflt;
    if (v < 0) return Math.max(v + length, lower);
    return Math.min(v, upper);
  };
  const from = clamp(start, step > 0 ? lower : upper);
  const to = clamp(stop, step > 0 ? upper : lower);
  const out: number[] = [];
  for (let i = from; step > 0 ? i < to : i > to; i += step) out.push(i);
  return out;
}

interface SliceSpec { begin: number[]; end: number[]; strides: number[]; beginMask: number; endMask: number; ellipsisMask: number; newAxisMask: number; shrinkAxisMask: number }

/**
 * Python indexing `x[e0, e1, ...]`: each spec entry is `b:e:s` (masks omit b or e), `...`,
 * `None` (new axis) or an integer index (shrink). Axes not covered keep their full range.
 */
function stridedSliceRef(x: Ref, spec: SliceSpec): Ref {
  const bit = (mask: number, i: number) => ((mask >> i) & 1) === 1;
  const n = spec.begin.length;
  const consuming = iota(n).filter((i) => !bit(spec.ellipsisMask, i) && !bit(spec.newAxisMask, i)).length;
  const picks: number[][] = [];
  const shape: number[] = [];
  let axis = 0;
  const full = (count: number) => {
    for (let k = 0; k < count; k++, axis++) {
      picks.push(iota(x.shape[axis]));
      shape.push(x.shape[axis]);
    }
  };
  for (let i = 0; i < n; i++) {
    if (bit(spec.ellipsisMask, i)) full(x.shape.length - consuming);
    else if (bit(spec.newAxisMask, i)) shape.push(1);
    else if (bit(spec.shrinkAxisMask, i)) {
      const d = x.shape[axis++];
      picks.push([spec.begin[i] < 0 ? spec.begin[i] + d : spec.begin[i]]);
    } else {
      const d = x.shape[axis++];
      const p = pythonSlice(d, bit(spec.beginMask, i) ? null : spec.begin[i], bit(spec.endMask, i) ? null : spec.end[i], spec.strides[i]);
      picks.push(p);
      shape.push(p.length);
    }
  }
  full(x.shape.length - axis);
  return { values: selectRef(x, picks), shape };
}

function randomSliceSpec(rng: () => number, shape: number[]): SliceSpec {
  const rank = shape.length;
  const useEllipsis = rng() < 0.3;
  const newAxes = randomInt(rng, 0, 2);
  const consuming = randomInt(rng, 0, rank);
  // Entries: `consuming` axis entries, optionally one ellipsis and some new axes, in random order.
  const kinds: ('axis' | 'ellipsis' | 'new')[] = [...new Array(consuming).fill('axis'), ...new Array(newAxes).fill('new')];
  if (useEllipsis) kinds.push('ellipsis');
  kinds.sort(() => rng() - 0.5);
  const spec: SliceSpec = { begin: [], end: [], strides: [], beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 };
  // Which input axis each entry consumes (ellipsis covers the ones not consumed).
  let axis = 0;
  kinds.forEach((kind, i) => {
    spec.strides.push(randomInt(rng, 1, 3) * (rng() < 0.4 ? -1 : 1));
    if (kind === 'ellipsis') {
      spec.ellipsisMask |= 1 << i;
      axis += rank - consuming;
      spec.begin.push(0);
      spec.end.push(0);
      return;
    }
    if (kind === 'new') {
      spec.newAxisMask |= 1 << i;
      spec.begin.push(randomInt(rng, -3, 3));
      spec.end.push(randomInt(rng, -3, 3));
      return;
    }
    const d = shape[axis++];
    if (d > 0 && rng() < 0.25) {
      spec.shrinkAxisMask |= 1 << i;
      spec.begin.push(randomInt(rng, -d, d - 1));
      spec.end.push(randomInt(rng, -d - 2, d + 2));
      return;
    }
    spec.begin.push(randomInt(rng, -d - 2, d + 2));
    spec.end.push(randomInt(rng, -d - 2, d + 2));
    if (rng() < 0.25) spec.beginMask |= 1 << i;
    if (rng() < 0.25) spec.endMask |= 1 << i;
  });
  return spec;
}

describe('stridedSlice', () => {
  it('matches Python slicing with negative indices and strides and all five masks, on views too', () => {
    const rng = makeRng(5);
    for (let k = 0; k < 400; k++) {
      rv.tidy(() => {
        const x = randomRef(rng, { minRank: 0, maxRank: 4, maxDim: 5 });
        const s = randomSliceSpec(rng, x.shape);
        const what = `[${x.shape}] ${JSON.stringify(s)}`;
        const y = make(x, rng).stridedSlice(s.begin, s.end, s.strides, s.beginMask, s.endMask, s.ellipsisMask, s.newAxisMask, s.shrinkAxisMask);
        assertRef(y, stridedSliceRef(x, s), what);
      });
    }
  });

  it('steps backwards with negative strides, like x[8:2:-2] and x[::-1]', () => {
    const x = rv.arange(10, undefined, undefined, 'int32');
    assert.deepEqual(x.stridedSlice([8], [2], [-2]).arraySync(), [8, 6, 4]);
    assert.deepEqual(x.stridedSlice([0], [0], [-1], 1, 1).arraySync(), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    assert.deepEqual(x.stridedSlice([-1], [-4], [-1]).arraySync(), [9, 8, 7]);
    assert.deepEqual(x.stridedSlice([-100], [100], [3]).arraySync(), [0, 3, 6, 9]);
  });

  it('takes one index and drops its axis with the shrink mask, like x[1]', () => {
    const x = rv.arange(12).reshape([3, 4]);
    assert.deepEqual(x.stridedSlice([1], [2], [1], 0, 0, 0, 0, 1).arraySync(), [4, 5, 6, 7]);
    assert.deepEqual(x.stridedSlice([0, -1], [0, 0], [1, 1], 1, 1, 0, 0, 2).arraySync(), [3, 7, 11]);
    assert.deepEqual(x.stridedSlice([2, 3], [0, 0], [1, 1], 0, 0, 0, 0, 3).shape, []);
  });

  it('inserts axes with the new-axis mask and fills with the ellipsis mask, like x[None, ..., 1]', () => {
    const x = rv.arange(24).reshape([2, 3, 4]);
    const y = x.stridedSlice([0, 0, 1], [0, 0, 2], [1, 1, 1], 0, 0, 2, 1, 4);
    assert.deepEqual(y.shape, [1, 2, 3]);
    assert.deepEqual(y.arraySync(), [[[1, 5, 9], [13, 17, 21]]]);
  });

  it('is a view sharing storage', () => {
    const x = rv.arange(10);
    assert.equal(storageOf(x.stridedSlice([8], [2], [-2])), storageOf(x));
  });
});

describe('expandDims, squeeze and flatten', () => {
  it('expandDims inserts a size-1 axis at any axis in [-rank-1, rank]', () => {
    const x = rv.arange(6).reshape([2, 3]);
    const expected: Record<number, number[]> = { [-3]: [1, 2, 3], [-2]: [2, 1, 3], [-1]: [2, 3, 1], 0: [1, 2, 3], 1: [2, 1, 3], 2: [2, 3, 1] };
    for (const [axis, shape] of Object.entries(expected)) {
      const y = x.expandDims(Number(axis));
      assert.deepEqual(y.shape, shape, `axis ${axis}`);
      assert.deepEqual(Array.from(y.dataSync()), [0, 1, 2, 3, 4, 5]);
      assert.equal(storageOf(y), storageOf(x));
    }
    assert.deepEqual(rv.scalar(3).expandDims().shape, [1]);
  });

  it('squeeze removes every size-1 axis by default, or the given ones', () => {
    const x = rv.arange(6).reshape([1, 2, 1, 3, 1]);
    assert.deepEqual(x.squeeze().shape, [2, 3]);
    assert.deepEqual(x.squeeze(0).shape, [2, 1, 3, 1]);
    assert.deepEqual(x.squeeze([-1, 2]).shape, [1, 2, 3]);
    assert.deepEqual(x.squeeze().arraySync(), [[0, 1, 2], [3, 4, 5]]);
    assert.deepEqual(rv.zeros([1, 1]).squeeze().shape, []);
    assert.equal(storageOf(x.squeeze()), storageOf(x));
  });

  it('flatten gives the elements in row-major order, of views too', () => {
    const rng = makeRng(6);
    for (let k = 0; k < 20; k++) {
      const x = randomRef(rng);
      assertRef(make(x, rng).flatten(), { values: x.values, shape: [x.values.length] });
    }
  });
});

describe('broadcastTo', () => {
  it('repeats along new leading axes and size-1 axes (NumPy rules)', () => {
    const x = rv.tensor([[1], [2]]);
    assert.deepEqual(x.broadcastTo([2, 2, 3]).arraySync(), [[[1, 1, 1], [2, 2, 2]], [[1, 1, 1], [2, 2, 2]]]);
    assert.deepEqual(rv.scalar(5).broadcastTo([2]).arraySync(), [5, 5]);
    assert.deepEqual(x.broadcastTo([0, 2, 1]).shape, [0, 2, 1]);
  });

  it('is a view with zero strides on the repeated axes', () => {
    const x = rv.tensor([1, 2, 3]);
    const y = x.broadcastTo([4, 3]);
    assert.equal(storageOf(y), storageOf(x));
    assert.deepEqual(layoutOf(y).strides, [0, 1]);
  });

  it('of a view feeds ops correctly', () => {
    const rng = makeRng(7);
    const x = nonContiguous([1, 2, 3], [3, 1], 'float64', rng);
    assert.deepEqual(x.broadcastTo([2, 3, 2]).add(1).arraySync(), [[[2, 2], [3, 3], [4, 4]], [[2, 2], [3, 3], [4, 4]]]);
  });
});

describe('reverse', () => {
  it('reverses all axes by default and the given (possibly negative) axes otherwise', () => {
    const rng = makeRng(8);
    for (let k = 0; k < 30; k++) {
      const x = randomRef(rng, { minRank: 1 });
      const axes = iota(x.shape.length).filter(() => rng() < 0.5);
      const all = k % 3 === 0;
      const flipped = all ? iota(x.shape.length) : axes;
      const given = all ? undefined : axes.map((a) => (rng() < 0.5 ? a - x.shape.length : a));
      const expected = gatherRef(x, x.shape, (out) => out.map((i, d) => (flipped.includes(d) ? x.shape[d] - 1 - i : i)));
      assertRef(make(x, rng).reverse(given), expected, `[${x.shape}] axes ${String(given)}`);
    }
  });

  it('is a view with negative strides', () => {
    const x = rv.arange(6).reshape([2, 3]);
    const y = x.reverse(1);
    assert.equal(storageOf(y), storageOf(x));
    assert.deepEqual(layoutOf(y).strides, [3, -1]);
    assert.deepEqual(y.arraySync(), [[2, 1, 0], [5, 4, 3]]);
  });

  it('of an empty tensor is empty', () => {
    assert.deepEqual(rv.zeros([0, 3]).reverse().shape, [0, 3]);
  });
});

describe('split and unstack', () => {
  it('split into n equal parts along an axis', () => {
    const x = rv.arange(24).reshape([2, 6, 2]);
    const parts = x.split(3, 1);
    assert.equal(parts.length, 3);
    parts.forEach((p, i) => {
      assert.deepEqual(p.shape, [2, 2, 2]);
      assert.deepEqual(p.arraySync(), x.slice([0, 2 * i, 0], [2, 2, 2]).arraySync());
      assert.equal(storageOf(p), storageOf(x));
    });
  });

  it('split into given sizes, one of which may be -1, along a negative axis', () => {
    const x = rv.arange(12).reshape([2, 6]);
    const [a, b, c] = x.split([1, -1, 2], -1);
    assert.deepEqual(a.arraySync(), [[0], [6]]);
    assert.deepEqual(b.arraySync(), [[1, 2, 3], [7, 8, 9]]);
    assert.deepEqual(c.arraySync(), [[4, 5], [10, 11]]);
    const [d, e] = rv.arange(6).split([0, 6]);
    assert.deepEqual([d.shape, e.shape], [[0], [6]]);
  });

  it('split of a view matches slicing the reference', () => {
    const rng = makeRng(9);
    const x: Ref = { values: iota(24), shape: [4, 3, 2] };
    const parts = nonContiguous(x.values, x.shape, 'int32', rng).split([3, -1], 0);
    assertRef(parts[0], { values: iota(18), shape: [3, 3, 2] });
    assertRef(parts[1], { values: iota(6).map((i) => i + 18), shape: [1, 3, 2] });
  });

  it('unstack gives the slices along an axis without that axis', () => {
    const rng = makeRng(10);
    for (let k = 0; k < 20; k++) {
      const x = randomRef(rng, { minRank: 1 });
      const axis = randomInt(rng, 0, x.shape.length - 1);
      const parts = make(x, rng).unstack(rng() < 0.5 ? axis : axis - x.shape.length);
      assert.equal(parts.length, x.shape[axis]);
      parts.forEach((p, i) => {
        const picks = x.shape.map((d, j) => (j === axis ? [i] : iota(d)));
        assertRef(p, { values: selectRef(x, picks), shape: x.shape.filter((_, j) => j !== axis) }, `[${x.shape}] axis ${axis} part ${i}`);
      });
    }
  });
});

describe('clone', () => {
  it('copies into new storage, of contiguous tensors and views alike', () => {
    const x = rv.arange(6).reshape([2, 3]);
    const views = [x, x.transpose(), x.slice([0, 1]), x.reverse(), x.broadcastTo([2, 2, 3])];
    for (const v of views) {
      const c = v.clone();
      assert.notEqual(storageOf(c), storageOf(x));
      assert.ok(layoutOf(c).contiguous);
      assert.deepEqual(c.arraySync(), v.arraySync());
      assert.equal(c.dtype, v.dtype);
    }
  });

  it('survives disposing the original', () => {
    const x = rv.tensor([1, 2, 3], undefined, 'int32');
    const c = x.clone();
    x.dispose();
    assert.deepEqual(c.arraySync(), [1, 2, 3]);
  });
});

describe('views of views', () => {
  const sliceRef = (x: Ref, begin: number[], size: number[]): Ref => {
    const picks = x.shape.map((_, i) => iota(size[i]).map((j) => begin[i] + j));
    return { values: selectRef(x, picks), shape: size };
  };
  const reverseRef = (x: Ref, axes: number[]): Ref =>
    gatherRef(x, x.shape, (out) => out.map((i, d) => (axes.includes(d) ? x.shape[d] - 1 - i : i)));

  it('chains of transpose, slice, reverse, stridedSlice, reshape, expandDims and squeeze give the reference values', () => {
    const rng = makeRng(12);
    const x: Ref = { values: iota(120), shape: [4, 5, 6] };
    const spec: SliceSpec = { begin: [0, 0, 4], end: [0, 0, 0], strides: [1, 1, -2], beginMask: 3, endMask: 3, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 };
    let ref = stridedSliceRef(reverseRef(sliceRef(transposeRef(x, [2, 0, 1]), [1, 1, 0], [4, 2, 5]), [0]), spec);
    ref = { values: ref.values, shape: [2, 2, 2, 2] };
    for (const dtype of ['float32', 'float64', 'int32'] as DType[]) {
      rv.tidy(() => {
        const y = make(x, rng, dtype).transpose([2, 0, 1]).slice([1, 1, 0], [4, 2, 5]).reverse(0)
          .stridedSlice(spec.begin, spec.end, spec.strides, spec.beginMask, spec.endMask)
          .reshape([2, 2, 2, 2]).expandDims(1).squeeze(1);
        assertRef(y, ref, dtype);
      });
    }
  });

  it('ops on views read the right elements', () => {
    const x: Ref = { values: iota(12), shape: [3, 4] };
    const t = rv.tensor(x.values, x.shape);
    const a = t.transpose().slice([1, 0], [3, 3]);
    const b = t.slice([0, 1], [3, 3]).reverse(1).transpose();
    const ra = sliceRef(transposeRef(x, [1, 0]), [1, 0], [3, 3]);
    const rb = transposeRef(reverseRef(sliceRef(x, [0, 1], [3, 3]), [1]), [1, 0]);
    assertRef(a.add(b), { values: ra.values.map((v, i) => v + rb.values[i]), shape: [3, 3] });
    assertRef(a.mul(b.transpose()), { values: ra.values.map((v, i) => v * rb.values[(i % 3) * 3 + Math.floor(i / 3)]), shape: [3, 3] });
  });

  it('disposing the base tensor keeps its views valid', () => {
    const x = rv.arange(12).reshape([3, 4]);
    const views = [x.transpose(), x.slice([1, 1], [2, 2]), x.reverse(0), x.reshape([12]), x.broadcastTo([2, 3, 4]), ...x.split(2, 1), ...x.unstack()];
    const before = views.map((v) => v.arraySync());
    x.dispose();
    assert.ok(x.isDisposed);
    views.forEach((v, i) => {
      assert.deepEqual(v.arraySync(), before[i], `view ${i}`);
      assert.deepEqual(v.add(1).sub(1).arraySync(), before[i], `op on view ${i}`);
    });
  });

  it('storage is freed only when the last view is disposed', () => {
    rv.tidy(() => rv.zeros([1]));  // warm up
    const start = rv.memory().liveBytes;
    const x = rv.zeros([1000, 1000]);
    const v = x.transpose();
    const grown = rv.memory().liveBytes - start;
    assert.ok(grown >= 4e6, `allocated ${grown} bytes`);
    x.dispose();
    // Inequalities: a GC finalizer of some earlier tensor may free bytes at any time, never add them.
    assert.ok(rv.memory().liveBytes - start > grown - 4e6, 'the view keeps the storage alive');
    v.dispose();
    assert.ok(rv.memory().liveBytes <= start, 'freed with the last view');
  });
});
