/**
 * The Tensor object: reading data back, its properties, NumPy-style printing, chained methods,
 * and deterministic memory management (tidy, keep, dispose).
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { assertThrowsNamed, makeRng, nonContiguous } from './helpers';

describe('reading data', () => {
  it('dataSync returns the elements in row-major order in the typed array of the dtype', () => {
    const cases: [rv.DType, new (n: number) => ArrayLike<number>][] = [
      ['float32', Float32Array], ['float64', Float64Array], ['int32', Int32Array], ['bool', Uint8Array],
    ];
    for (const [dtype, ArrayType] of cases) {
      const data = rv.tensor([[1, 0], [0, 1], [1, 1]], undefined, dtype).dataSync();
      assert.ok(data instanceof ArrayType, dtype);
      assert.deepEqual(Array.from(data), [1, 0, 0, 1, 1, 1]);
    }
  });

  it('dataSync of a view gives the view elements in its own row-major order', () => {
    const x = rv.arange(6).reshape([2, 3]);
    assert.deepEqual(Array.from(x.transpose().dataSync()), [0, 3, 1, 4, 2, 5]);
    assert.deepEqual(Array.from(x.reverse(1).dataSync()), [2, 1, 0, 5, 4, 3]);
    const v = nonContiguous([1, 2, 3, 4, 5, 6], [3, 2], 'int32', makeRng(1));
    assert.deepEqual(Array.from(v.dataSync()), [1, 2, 3, 4, 5, 6]);
  });

  it('dataSync returns a copy: writing to it leaves the tensor unchanged', () => {
    const x = rv.tensor([1, 2, 3]);
    const data = x.dataSync();
    data[0] = 100;
    assert.deepEqual(Array.from(x.dataSync()), [1, 2, 3]);
  });

  it('data resolves to the same elements as dataSync', async () => {
    const x = rv.tensor([[1.5, 2.5]], undefined, 'float64');
    const data = await x.data();
    assert.ok(data instanceof Float64Array);
    assert.deepEqual(Array.from(data), [1.5, 2.5]);
  });

  it('arraySync nests the elements by shape, booleans as true/false and a scalar as a plain value', () => {
    assert.deepEqual(rv.tensor([[1, 2, 3], [4, 5, 6]]).arraySync(), [[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(rv.tensor([[true], [false]]).arraySync(), [[true], [false]]);
    assert.equal(rv.scalar(7, 'int32').arraySync(), 7);
    assert.deepEqual(rv.zeros([2, 0]).arraySync(), [[], []]);
    assert.deepEqual(rv.zeros([0, 2]).arraySync(), []);
  });

  it('array resolves to the same nesting as arraySync', async () => {
    assert.deepEqual(await rv.tensor([[1], [2]], undefined, 'int32').array(), [[1], [2]]);
  });
});

describe('properties', () => {
  it('shape, dtype, size and rank describe the tensor', () => {
    const cases: [rv.Tensor, number[], rv.DType, number][] = [
      [rv.scalar(1), [], 'float32', 1],
      [rv.zeros([3], 'int32'), [3], 'int32', 3],
      [rv.ones([2, 3, 4], 'float64'), [2, 3, 4], 'float64', 24],
      [rv.zeros([2, 0, 3], 'bool'), [2, 0, 3], 'bool', 0],
    ];
    for (const [t, shape, dtype, size] of cases) {
      assert.deepEqual(t.shape, shape);
      assert.equal(t.dtype, dtype);
      assert.equal(t.size, size);
      assert.equal(t.rank, shape.length);
    }
  });

  it('shape of a result is independent of the shape array passed in', () => {
    const shape = [2, 3];
    const t = rv.zeros(shape);
    shape[0] = 5;
    assert.deepEqual(t.shape, [2, 3]);
  });
});

describe('toString prints like NumPy', () => {
  const cases: [string, () => rv.Tensor, string][] = [
    ['a float32 matrix', () => rv.tensor([[1, 2], [3, 4]]), 'tensor([[1., 2.],\n        [3., 4.]], dtype=float32)'],
    ['decimal points aligned', () => rv.tensor([1.5, 2.25, 10.125]), 'tensor([ 1.5  ,  2.25 , 10.125], dtype=float32)'],
    ['negative numbers', () => rv.tensor([-1, 2]), 'tensor([-1.,  2.], dtype=float32)'],
    ['float32 with its own shortest digits', () => rv.tensor([1 / 3, 2 / 3]), 'tensor([0.33333334, 0.6666667 ], dtype=float32)'],
    ['float64 with up to 8 decimals', () => rv.tensor([0.1, 1 / 7], undefined, 'float64'), 'tensor([0.1       , 0.14285714], dtype=float64)'],
    ['scientific for a range over 1e3', () => rv.tensor([1, 2000]), 'tensor([1.e+00, 2.e+03], dtype=float32)'],
    ['scientific for tiny values', () => rv.tensor([1e-5, 1], undefined, 'float64'), 'tensor([1.e-05, 1.e+00], dtype=float64)'],
    ['nan and inf', () => rv.tensor([NaN, Infinity, -Infinity, 1.5]), 'tensor([ nan,  inf, -inf,  1.5], dtype=float32)'],
    ['a float scalar', () => rv.scalar(3.5), 'tensor(3.5, dtype=float32)'],
    ['a bool scalar', () => rv.scalar(true), 'tensor(true, dtype=bool)'],
    ['an int32 matrix', () => rv.tensor([[1, -20], [300, 4]], undefined, 'int32'), 'tensor([[  1, -20],\n        [300,   4]], dtype=int32)'],
    ['bools', () => rv.tensor([true, false, true]), 'tensor([ true, false,  true], dtype=bool)'],
    ['an empty vector', () => rv.zeros([0]), 'tensor([], dtype=float32)'],
    ['an empty matrix with its shape', () => rv.zeros([2, 0], 'int32'), 'tensor([], shape=[2, 0], dtype=int32)'],
    ['rank 3 with blank lines between blocks', () => rv.arange(8).reshape([2, 2, 2]),
      'tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]], dtype=float32)'],
    ['rows wrapped at 75 characters', () => rv.linspace(0, 1, 12, 'float64'),
      'tensor([0.        , 0.09090909, 0.18181818, 0.27272727, 0.36363636,\n' +
      '        0.45454545, 0.54545455, 0.63636364, 0.72727273, 0.81818182,\n' +
      '        0.90909091, 1.        ], dtype=float64)'],
    ['a summarised vector with ... and its shape', () => rv.arange(0, 2000, 1, 'int32'),
      'tensor([   0,    1,    2, ..., 1997, 1998, 1999],\n       shape=[2000], dtype=int32)'],
    ['a summarised float vector', () => rv.arange(2000),
      'tensor([0.000e+00, 1.000e+00, 2.000e+00, ..., 1.997e+03, 1.998e+03,\n        1.999e+03], shape=[2000], dtype=float32)'],
    ['a summarised rank-3 tensor', () => rv.arange(0, 1200, 1, 'int32').reshape([2, 3, 200]),
      'tensor([[[   0,    1,    2, ...,  197,  198,  199],\n' +
      '         [ 200,  201,  202, ...,  397,  398,  399],\n' +
      '         [ 400,  401,  402, ...,  597,  598,  599]],\n\n' +
      '        [[ 600,  601,  602, ...,  797,  798,  799],\n' +
      '         [ 800,  801,  802, ...,  997,  998,  999],\n' +
      '         [1000, 1001, 1002, ..., 1197, 1198, 1199]]],\n' +
      '       shape=[2, 3, 200], dtype=int32)'],
    ['a summarised matrix with ... rows', () => rv.arange(0, 1600, 1, 'int32').reshape([40, 40]),
      'tensor([[   0,    1,    2, ...,   37,   38,   39],\n' +
      '        [  40,   41,   42, ...,   77,   78,   79],\n' +
      '        [  80,   81,   82, ...,  117,  118,  119],\n' +
      '        ...,\n' +
      '        [1480, 1481, 1482, ..., 1517, 1518, 1519],\n' +
      '        [1520, 1521, 1522, ..., 1557, 1558, 1559],\n' +
      '        [1560, 1561, 1562, ..., 1597, 1598, 1599]],\n' +
      '       shape=[40, 40], dtype=int32)'],
  ];
  for (const [what, make, expected] of cases) {
    it(`prints ${what}`, () => {
      assert.equal(make().toString(), expected);
    });
  }

  it('prints a view as the tensor it shows', () => {
    assert.equal(rv.arange(4).reshape([2, 2]).transpose().toString(), 'tensor([[0., 2.],\n        [1., 3.]], dtype=float32)');
  });

  it('prints a disposed tensor without throwing', () => {
    const t = rv.zeros([2]);
    t.dispose();
    assert.match(t.toString(), /disposed/);
  });
});

describe('chaining', () => {
  it('methods are the functional ops with the tensor as first argument', () => {
    const x = rv.tensor([[1, 2], [3, 4]]);
    assert.deepEqual(x.mul(2).add(1).exp().arraySync(), rv.exp(rv.add(rv.mul(x, 2), 1)).arraySync());
    assert.deepEqual(x.transpose().reshape([4]).slice([1], [2]).arraySync(), [3, 2]);
    assert.deepEqual(x.greater(2).logicalNot().arraySync(), [[true, true], [false, false]]);
    assert.deepEqual(x.cast('int32').square().arraySync(), [[1, 4], [9, 16]]);
  });

  it('every elementwise and view op is also a method', () => {
    const names = ['neg', 'abs', 'exp', 'sigmoid', 'add', 'pow', 'atan2', 'equal', 'logicalXor', 'cast', 'reshape', 'transpose',
      'slice', 'stridedSlice', 'expandDims', 'squeeze', 'flatten', 'broadcastTo', 'reverse', 'split', 'unstack', 'clone'];
    for (const name of names) assert.equal(typeof (rv.Tensor.prototype as unknown as Record<string, unknown>)[name], 'function', name);
  });
});

describe('tidy', () => {
  const live = () => rv.memory().liveBytes;

  it('frees every tensor made inside it: live bytes return to their start', () => {
    const start = live();
    let made: rv.Tensor[] = [];
    rv.tidy(() => {
      const a = rv.ones([1000, 1000]);
      made = [a, a.mul(2), a.add(1).exp(), a.transpose()];
      assert.ok(live() - start >= 3 * 4e6, 'the intermediates were allocated');
    });
    assert.ok(made.every((t) => t.isDisposed));
    assert.ok(live() <= start, `${live() - start} bytes left`);
  });

  it('returns its result and keeps the tensors in it alive, nested in arrays, objects and Maps', () => {
    const start = live();
    const result = rv.tidy(() => {
      const a = rv.ones([500, 500]);
      const b = a.mul(3);
      const c = a.add(1);
      a.sub(1);  // not returned: freed
      return { b, list: [c, { n: 5 }], map: new Map([['view', b.reshape([-1])]]) };
    });
    assert.equal(result.list[1].constructor, Object);
    assert.equal((result.list[1] as { n: number }).n, 5);
    assert.deepEqual(Array.from(result.b.dataSync().slice(0, 2)), [3, 3]);
    assert.deepEqual(Array.from((result.list[0] as rv.Tensor).dataSync().slice(0, 2)), [2, 2]);
    assert.equal(result.map.get('view')!.size, 250000);
    // Alive: b's storage (shared with the view) and c's; freed: a and a.sub(1).
    assert.ok(live() - start <= 2 * 1.25 * 500 * 500 * 4, `${live() - start} bytes left`);
    rv.dispose(result);
    assert.ok(live() <= start);
  });

  it('nests: the inner result belongs to the outer scope, which frees it unless it returns it too', () => {
    let inner: rv.Tensor | undefined;
    const outer = rv.tidy(() => {
      inner = rv.tidy(() => rv.ones([3]).mul(2));
      assert.equal(inner.isDisposed, false);
      const kept = rv.tidy(() => rv.ones([2]));
      return kept;
    });
    assert.equal(inner!.isDisposed, true);
    assert.equal(outer.isDisposed, false);
    assert.deepEqual(outer.arraySync(), [1, 1]);
  });

  it('frees the tensors made before an exception and rethrows it unchanged', () => {
    const start = live();
    let made: rv.Tensor | undefined;
    const error = new Error('boom');
    assert.throws(() => rv.tidy(() => {
      made = rv.ones([1000, 1000]);
      throw error;
    }), (e) => e === error);
    assert.equal(made!.isDisposed, true);
    assert.ok(live() <= start);
  });

  it('throws when fn returns a Promise, and frees what was made', () => {
    let made: rv.Tensor | undefined;
    assertThrowsNamed(() => rv.tidy((async () => {
      made = rv.ones([3]);
      return made;
    }) as unknown as () => rv.Tensor), 'tidy', 'Promise');
    assert.equal(made!.isDisposed, true);
  });

  it('throws when fn is not a function', () => {
    assertThrowsNamed(() => rv.tidy(5 as unknown as () => void), 'tidy', 'function');
  });

  it('leaves tensors made outside it alone', () => {
    const outside = rv.ones([2]);
    rv.tidy(() => outside.add(1));
    assert.equal(outside.isDisposed, false);
  });

  it('returns a view whose base was made inside: the view stays valid', () => {
    const v = rv.tidy(() => rv.arange(6).reshape([2, 3]).transpose());
    assert.deepEqual(v.arraySync(), [[0, 3], [1, 4], [2, 5]]);
  });
});

describe('keep', () => {
  it('exempts a tensor from every enclosing tidy', () => {
    let kept: rv.Tensor | undefined;
    let other: rv.Tensor | undefined;
    rv.tidy(() => {
      rv.tidy(() => {
        kept = rv.keep(rv.ones([2]));
        other = rv.zeros([2]);
      });
    });
    assert.equal(kept!.isDisposed, false);
    assert.equal(other!.isDisposed, true);
    assert.deepEqual(kept!.arraySync(), [1, 1]);
    kept!.dispose();
  });

  it('returns its argument', () => {
    const t = rv.ones([1]);
    assert.equal(rv.keep(t), t);
  });
});

describe('dispose', () => {
  it('frees a tensor storage now', () => {
    const start = rv.memory().liveBytes;
    const t = rv.ones([1000, 1000]);
    assert.ok(rv.memory().liveBytes - start >= 4e6);
    t.dispose();
    assert.ok(t.isDisposed);
    assert.ok(rv.memory().liveBytes <= start);
  });

  it('rv.dispose frees every tensor in nested arrays, objects and Maps, ignoring other values', () => {
    const ts = [rv.ones([1]), rv.ones([2]), rv.ones([3]), rv.ones([4]), rv.ones([5])];
    rv.dispose([ts[0], { a: ts[1], b: [ts[2], 'text', 7, null] }, new Map([['k', ts[3]]]), ts[4]]);
    assert.ok(ts.every((t) => t.isDisposed));
    rv.dispose(undefined);
    rv.dispose(ts[0]);
  });

  it('disposing twice is harmless', () => {
    const t = rv.ones([2]);
    t.dispose();
    t.dispose();
    rv.dispose([t, t]);
    assert.ok(t.isDisposed);
  });

  it('using a disposed tensor throws an Error naming the op', () => {
    const t = rv.ones([2, 3]);
    t.dispose();
    assertThrowsNamed(() => t.exp(), 'exp', 'disposed', '[2,3]');
    assertThrowsNamed(() => rv.add(1, t), 'add', "'b'", 'disposed');
    assertThrowsNamed(() => t.reshape([6]), 'reshape', 'disposed');
    assertThrowsNamed(() => t.transpose(), 'transpose', 'disposed');
    assertThrowsNamed(() => rv.where(rv.tensor([true]), t, 0), 'where', "'a'", 'disposed');
    assertThrowsNamed(() => t.dataSync(), 'dataSync', 'disposed');
    assertThrowsNamed(() => t.arraySync(), 'disposed');  // reported as dataSync, which arraySync calls
    assertThrowsNamed(() => rv.zerosLike(t), 'zerosLike', 'disposed');
  });

  it('data of a disposed tensor rejects', async () => {
    const t = rv.ones([2]);
    t.dispose();
    await assert.rejects(t.data(), /disposed/);
  });
});
