/**
 * Creation functions: tensor (from numbers, booleans, nested arrays and typed arrays), scalar,
 * zeros, ones, fill, zerosLike, onesLike, arange, linspace and eye, in every dtype.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { assertClose, assertTensor, makeRng, nonContiguous, roundTo, toleranceFor } from './helpers';

type DType = rv.DType;
const dtypes: DType[] = ['float32', 'float64', 'int32', 'bool'];
const exact = { rtol: 0, atol: 0 };

/** Expected values of a float64 computation stored in `dtype` (int32 truncates and saturates, bool is != 0). */
function stored(dtype: DType, values: number[]): number[] {
  if (dtype === 'int32') return values.map((v) => (Number.isNaN(v) ? 0 : Math.max(-2147483648, Math.min(2147483647, Math.trunc(v)))));
  if (dtype === 'bool') return values.map((v) => (v !== 0 ? 1 : 0));
  return roundTo(dtype, values);
}

describe('tensor()', () => {
  it('makes a float32 scalar from a number', () => {
    assertTensor(rv.tensor(2.5), [], 'float32', [2.5]);
    assert.equal(rv.tensor(2.5).rank, 0);
  });

  it('makes a bool scalar from a boolean', () => {
    assertTensor(rv.tensor(true), [], 'bool', [1]);
    assert.equal(rv.tensor(false).arraySync(), false);
  });

  it('infers the shape of nested arrays of numbers and stores them as float32', () => {
    const t = rv.tensor([[[1, 2, 3]], [[4, 5, 6]]]);
    assertTensor(t, [2, 1, 3], 'float32', [1, 2, 3, 4, 5, 6]);
  });

  it('stores nested arrays of booleans as bool', () => {
    assertTensor(rv.tensor([[true, false], [false, true]]), [2, 2], 'bool', [1, 0, 0, 1]);
  });

  it('rounds numbers to float32 by default and keeps full precision in float64', () => {
    assert.equal(rv.tensor([0.1]).dataSync()[0], Math.fround(0.1));
    assert.equal(rv.tensor([0.1], undefined, 'float64').dataSync()[0], 0.1);
  });

  it('makes empty tensors from empty arrays', () => {
    assertTensor(rv.tensor([]), [0], 'float32', []);
    assertTensor(rv.tensor([[], []]), [2, 0], 'float32', []);
    assertTensor(rv.tensor([], [3, 0], 'int32'), [3, 0], 'int32', []);
  });

  it('keeps the dtype of Float32Array, Float64Array, Int32Array and Uint8Array (as bool)', () => {
    assertTensor(rv.tensor(new Float32Array([1.5, -2])), [2], 'float32', [1.5, -2]);
    assertTensor(rv.tensor(new Float64Array([0.1, 1e300])), [2], 'float64', [0.1, 1e300]);
    assertTensor(rv.tensor(new Int32Array([7, -2147483648])), [2], 'int32', [7, -2147483648]);
    assertTensor(rv.tensor(new Uint8Array([0, 1, 2, 255])), [4], 'bool', [0, 1, 1, 1]);
  });

  it('reads typed-array data in row-major order for a given shape', () => {
    const t = rv.tensor(new Float64Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    assert.deepEqual(t.arraySync(), [[1, 2], [3, 4], [5, 6]]);
    assert.equal(t.dtype, 'float64');
  });

  it('reads flat and nested arrays in row-major order for a given shape', () => {
    assert.deepEqual(rv.tensor([1, 2, 3, 4, 5, 6], [2, 3]).arraySync(), [[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(rv.tensor([[1, 2], [3, 4]], [4]).arraySync(), [1, 2, 3, 4]);
    assert.deepEqual(rv.tensor(5, [1, 1]).arraySync(), [[5]]);
  });

  it('reads a typed-array view at its own offset', () => {
    const buffer = new Float32Array([9, 9, 1, 2, 3, 9]);
    assertTensor(rv.tensor(buffer.subarray(2, 5)), [3], 'float32', [1, 2, 3]);
  });

  it('converts typed arrays and numbers to a requested dtype', () => {
    for (const dtype of dtypes) {
      const values = [0, 1.75, -2.5, 3];
      const expected = stored(dtype, values);
      assertTensor(rv.tensor(new Float64Array(values), undefined, dtype), [4], dtype, expected, exact, `Float64Array -> ${dtype}`);
      assertTensor(rv.tensor(values, [2, 2], dtype), [2, 2], dtype, expected, exact, `number[] -> ${dtype}`);
      assertTensor(rv.tensor(new Int32Array([0, 5]), undefined, dtype), [2], dtype, stored(dtype, [0, 5]), exact, `Int32Array -> ${dtype}`);
      assertTensor(rv.tensor([true, false], undefined, dtype), [2], dtype, [1, 0], exact, `boolean[] -> ${dtype}`);
    }
  });

  it('converts numbers to int32 and bool as cast does: truncating, saturating, NaN to 0; bool is x != 0', () => {
    const values = [NaN, Infinity, -Infinity, 3e9, -3e9, 1.9, -1.9, 0.5, -0];
    for (const target of ['int32', 'bool'] as DType[]) {
      const direct = rv.tensor(values, undefined, target).dataSync();
      const cast = rv.cast(rv.tensor(values, undefined, 'float64'), target).dataSync();
      assert.deepEqual(Array.from(direct), Array.from(cast), target);
      assert.deepEqual(Array.from(rv.tensor(new Float64Array(values), undefined, target).dataSync()), Array.from(cast), `typed array -> ${target}`);
    }
    assert.deepEqual(Array.from(rv.tensor(values, undefined, 'int32').dataSync()), [0, 2147483647, -2147483648, 2147483647, -2147483648, 1, -1, 0, 0]);
  });

  it('copies its data: changing the source afterwards leaves the tensor unchanged', () => {
    const source = new Float32Array([1, 2, 3]);
    const t = rv.tensor(source);
    source[0] = 100;
    assert.deepEqual(t.arraySync(), [1, 2, 3]);
    const nested = [[1, 2]];
    const u = rv.tensor(nested);
    nested[0][0] = 100;
    assert.deepEqual(u.arraySync(), [[1, 2]]);
  });

  it('keeps NaN and infinities in float tensors', () => {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      assertTensor(rv.tensor([NaN, Infinity, -Infinity], undefined, dtype), [3], dtype, [NaN, Infinity, -Infinity]);
    }
  });
});

describe('scalar()', () => {
  it('makes a rank-0 tensor in each dtype', () => {
    for (const dtype of dtypes) assertTensor(rv.scalar(3, dtype), [], dtype, stored(dtype, [3]), exact, dtype);
    assertTensor(rv.scalar(1.5), [], 'float32', [1.5]);
    assertTensor(rv.scalar(true), [], 'bool', [1]);
  });

  it('gives a number (or boolean) from arraySync', () => {
    assert.equal(rv.scalar(-4, 'int32').arraySync(), -4);
    assert.equal(rv.scalar(false).arraySync(), false);
  });
});

describe('zeros, ones and fill', () => {
  const shapes = [[], [0], [3], [2, 3], [2, 0, 4], [1, 1, 1, 5]];
  for (const dtype of dtypes) {
    it(`zeros and ones make ${dtype} tensors of any shape`, () => {
      for (const shape of shapes) {
        const n = shape.reduce((a, b) => a * b, 1);
        assertTensor(rv.zeros(shape, dtype), shape, dtype, new Array(n).fill(0), exact, `zeros [${shape}]`);
        assertTensor(rv.ones(shape, dtype), shape, dtype, new Array(n).fill(1), exact, `ones [${shape}]`);
      }
    });

    it(`fill stores its value as ${dtype} stores it`, () => {
      for (const value of [0, 2.75, -3.5, NaN, Infinity, 3e9]) {
        const expected = stored(dtype, [value])[0];
        assertTensor(rv.fill([2, 2], value, dtype), [2, 2], dtype, [expected, expected, expected, expected], exact, `fill ${value}`);
      }
    });
  }

  it('defaults to float32, and fill with a boolean to bool', () => {
    assert.equal(rv.zeros([2]).dtype, 'float32');
    assert.equal(rv.ones([2]).dtype, 'float32');
    assert.equal(rv.fill([2], 1.5).dtype, 'float32');
    assertTensor(rv.fill([2], true), [2], 'bool', [1, 1]);
  });

  it('fills large tensors (split across threads) completely', () => {
    const t = rv.tidy(() => rv.fill([1000, 1000], 7, 'int32').dataSync());
    assert.equal(t.length, 1e6);
    assert.ok(t.every((v) => v === 7));
  });

  it('zerosLike and onesLike copy the shape and dtype, also of views', () => {
    const rng = makeRng(11);
    for (const dtype of dtypes) {
      const view = nonContiguous([1, 0, 1, 1, 0, 1], [2, 3], dtype, rng);
      assertTensor(rv.zerosLike(view), [2, 3], dtype, [0, 0, 0, 0, 0, 0], exact, `zerosLike ${dtype}`);
      assertTensor(rv.onesLike(view), [2, 3], dtype, [1, 1, 1, 1, 1, 1], exact, `onesLike ${dtype}`);
      assertTensor(rv.onesLike(rv.scalar(5, dtype)), [], dtype, [1], exact, `onesLike scalar ${dtype}`);
    }
  });
});

/** NumPy's arange: ceil((stop - start) / step) values start + i * step, in float64. */
function arangeRef(start: number, stop: number, step: number): number[] {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  return Array.from({ length: n }, (_, i) => start + i * step);
}

describe('arange', () => {
  it('with one argument counts from 0 to n - 1', () => {
    assertTensor(rv.arange(5), [5], 'float32', [0, 1, 2, 3, 4]);
  });

  const cases: [number, number, number][] = [
    [0, 10, 1], [2, 7, 1], [1, 2, 0.25], [0, 1, 0.1], [-1, 1, 0.3], [5, 0, -1], [5, 0, -1.5], [1, -1, -0.3], [0, 100, 7],
    [3, 3, 1], [5, 0, 1], [0, 5, -1], [0, 0.5, 1], [-3, -3.5, -1],
  ];
  for (const dtype of dtypes) {
    it(`matches start + i * step with ceil((stop - start) / step) elements in ${dtype}, for negative, fractional and empty ranges`, () => {
      for (const [start, stop, step] of cases) {
        const expected = arangeRef(start, stop, step);
        assertTensor(rv.arange(start, stop, step, dtype), [expected.length], dtype, stored(dtype, expected),
          dtype === 'float64' || dtype === 'float32' ? toleranceFor(dtype) : exact, `arange(${start}, ${stop}, ${step}, ${dtype})`);
      }
    });
  }

  it('gives an empty tensor when the range is empty in the direction of step', () => {
    assert.deepEqual(rv.arange(3, 3).shape, [0]);
    assert.deepEqual(rv.arange(5, 0).shape, [0]);
    assert.deepEqual(rv.arange(0, 5, -1).shape, [0]);
    assert.deepEqual(rv.arange(0).shape, [0]);
    assert.deepEqual(rv.arange(-4).shape, [0]);
  });

  it('computes each element from its index (no accumulated rounding) over a long range', () => {
    const t = rv.tidy(() => rv.arange(0, 100000, 0.1, 'float64').dataSync());
    assert.equal(t.length, arangeRef(0, 100000, 0.1).length);
    assert.equal(t[999999], 999999 * 0.1);
  });
});

describe('linspace', () => {
  it('gives no values for num 0 and just start for num 1', () => {
    for (const dtype of dtypes) {
      assertTensor(rv.linspace(2, 5, 0, dtype), [0], dtype, [], exact, `num 0 ${dtype}`);
      assertTensor(rv.linspace(2, 5, 1, dtype), [1], dtype, stored(dtype, [2]), exact, `num 1 ${dtype}`);
    }
  });

  for (const dtype of ['float32', 'float64'] as DType[]) {
    it(`gives num evenly spaced values whose last is exactly stop in ${dtype}`, () => {
      const cases: [number, number, number][] = [[0, 1, 5], [0, 1, 30], [-1, 1, 2], [3, -7.3, 11], [0.1, 0.7, 7], [1e-3, 1e3, 1001]];
      for (const [start, stop, num] of cases) {
        const t = rv.linspace(start, stop, num, dtype).dataSync();
        const expected = Array.from({ length: num }, (_, i) => start + (i * (stop - start)) / (num - 1));
        assertClose(t, roundTo(dtype, expected), toleranceFor(dtype), `linspace(${start}, ${stop}, ${num})`);
        assert.equal(t[0], roundTo(dtype, [start])[0], 'first is start');
        assert.equal(t[num - 1], roundTo(dtype, [stop])[0], 'last is exactly stop');
      }
    });
  }

  it('stores values in int32 by truncation, as cast does', () => {
    assertTensor(rv.linspace(0, 10, 4, 'int32'), [4], 'int32', [0, 3, 6, 10]);
    assertTensor(rv.linspace(0, 1, 3, 'bool'), [3], 'bool', [0, 1, 1]);
  });

  it('defaults to float32', () => {
    assert.equal(rv.linspace(0, 1, 3).dtype, 'float32');
  });
});

/** Identity matrices over a batch shape, row-major. */
function eyeRef(rows: number, cols: number, batch: number[]): number[] {
  const per = Array.from({ length: rows * cols }, (_, k) => (Math.floor(k / cols) === k % cols ? 1 : 0));
  const count = batch.reduce((a, b) => a * b, 1);
  return Array.from({ length: count }, () => per).flat();
}

describe('eye', () => {
  for (const dtype of dtypes) {
    it(`makes square, rectangular and batched identity matrices in ${dtype}`, () => {
      const cases: [number, number, number[]][] = [[1, 1, []], [3, 3, []], [2, 3, []], [3, 2, []], [2, 3, [4]], [3, 3, [2, 2]], [0, 3, []], [2, 2, [0]], [4, 1, [3]]];
      for (const [rows, cols, batch] of cases) {
        assertTensor(rv.eye(rows, cols, batch, dtype), [...batch, rows, cols], dtype, eyeRef(rows, cols, batch), exact,
          `eye(${rows}, ${cols}, [${batch}], ${dtype})`);
      }
    });
  }

  it('is square and float32 by default', () => {
    const t = rv.eye(3);
    assert.deepEqual(t.shape, [3, 3]);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.arraySync(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  });

  it('fills large batches (split across threads) correctly', () => {
    const t = rv.tidy(() => rv.eye(7, 5, [5000], 'float64').dataSync());
    const ref = eyeRef(7, 5, [5000]);
    assert.equal(t.length, ref.length);
    for (let i = 0; i < ref.length; i++) if (t[i] !== ref[i]) assert.fail(`element ${i}: ${t[i]} != ${ref[i]}`);
  });
});
