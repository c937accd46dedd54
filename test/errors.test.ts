/**
 * Every wrong input a caller can pass throws a JS Error whose message names the op, the
 * argument and the shapes or dtypes involved, and the process lives on.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { binding } from '../lib/backend/binding';
import * as rv from '../lib/index';
import { assertThrowsNamed } from './helpers';

const binaryNames = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'squaredDifference', 'atan2', 'equal', 'notEqual',
  'less', 'lessEqual', 'greater', 'greaterEqual', 'logicalAnd', 'logicalOr', 'logicalXor'];
const binary = (name: string) => (rv as unknown as Record<string, (a: unknown, b: unknown) => rv.Tensor>)[name];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

describe('errors: shapes that do not broadcast', () => {
  for (const name of binaryNames) {
    it(`${name} names both arguments and their shapes`, () => {
      const dtype = name.startsWith('logical') ? 'bool' : 'float32';
      assertThrowsNamed(() => binary(name)(rv.zeros([2, 3], dtype), rv.zeros([4], dtype)), `${name}:`, 'a [2, 3]', 'b [4]');
      assertThrowsNamed(() => binary(name)(rv.zeros([5, 1, 3], dtype), rv.zeros([2, 2], dtype)), `${name}:`, 'a [5, 1, 3]', 'b [2, 2]');
    });
  }

  it('where names the condition and both branches with their shapes', () => {
    assertThrowsNamed(() => rv.where(rv.zeros([2], 'bool'), rv.zeros([3]), rv.zeros([2])), 'where:', 'condition [2]', 'a [3]', 'b [2]');
    assertThrowsNamed(() => rv.where(rv.zeros([4, 1], 'bool'), rv.zeros([3]), rv.zeros([2, 1])), 'where:', 'condition [4, 1]', 'b [2, 1]');
  });

  it('broadcastTo names x and the target shape', () => {
    assertThrowsNamed(() => rv.zeros([3]).broadcastTo([2]), 'broadcastTo:', 'x [3]', '[2]');
    assertThrowsNamed(() => rv.zeros([2, 3]).broadcastTo([3]), 'broadcastTo:', '[2, 3]', '[3]');
  });

  it('JS arrays that do not broadcast are reported like tensors', () => {
    assertThrowsNamed(() => rv.add([1, 2, 3], [1, 2]), 'add:', 'a [3]', 'b [2]');
  });
});

describe('errors: bad axes', () => {
  const x = () => rv.zeros([2, 3]);

  it('squeeze names an axis out of range, or one whose size is not 1, with the shape of x', () => {
    assertThrowsNamed(() => x().squeeze(2), 'squeeze:', 'axis 2', '[2, 3]');
    assertThrowsNamed(() => x().squeeze(-3), 'squeeze:', 'axis -3', '[2, 3]');
    assertThrowsNamed(() => x().squeeze(0), 'squeeze:', 'axis 0', 'size 2', '[2, 3]');
    assertThrowsNamed(() => rv.zeros([1, 1]).squeeze([0, 0]), 'squeeze:', 'axis [0, 0]', 'repeats');
    assertThrowsNamed(() => x().squeeze(0.5), 'squeeze:', 'axis 0.5');
  });

  it('expandDims names an axis outside [-rank-1, rank] with the shape of x', () => {
    assertThrowsNamed(() => x().expandDims(3), 'expandDims:', 'axis 3', '[2, 3]', '[-3, 2]');
    assertThrowsNamed(() => x().expandDims(-4), 'expandDims:', 'axis -4', '[2, 3]');
    assertThrowsNamed(() => x().expandDims(1.5), 'expandDims:', 'axis 1.5');
  });

  it('reverse names an axis out of range or repeated', () => {
    assertThrowsNamed(() => x().reverse(2), 'reverse:', 'axis 2', '[2, 3]');
    assertThrowsNamed(() => x().reverse([1, -1]), 'reverse:', 'repeats');
  });

  it('split names a bad axis, a count that does not divide the axis, and sizes that do not add up', () => {
    assertThrowsNamed(() => x().split(2, 2), 'split:', 'axis 2', '[2, 3]');
    assertThrowsNamed(() => x().split(2, 1), 'split:', 'axis 1', 'size 3', '2 equal parts');
    assertThrowsNamed(() => x().split(0, 1), 'split:', '0 equal parts');
    assertThrowsNamed(() => x().split(-1, 1), 'split:', '-1 equal parts');
    assertThrowsNamed(() => x().split([1, 1], 1), 'split:', 'sizes [1, 1]', '3');
    assertThrowsNamed(() => x().split([-1, -1], 1), 'split:', 'sizes [-1, -1]');
    assertThrowsNamed(() => x().split([4, -1], 1), 'split:', 'sizes [4, -1]');
    assertThrowsNamed(() => x().split([1.5, 1.5], 1), 'split:', 'numOrSizeSplits');
  });

  it('unstack names an axis out of range', () => {
    assertThrowsNamed(() => x().unstack(2), 'unstack:', 'axis 2', '[2, 3]');
    assertThrowsNamed(() => rv.scalar(1).unstack(), 'unstack:', 'axis 0', 'rank 0');
  });

  it('transpose names a perm of the wrong length, out of range or repeating an axis', () => {
    assertThrowsNamed(() => x().transpose([0]), 'transpose:', 'perm [0]', '[2, 3]');
    assertThrowsNamed(() => x().transpose([0, 2]), 'transpose:', 'perm entry 2', 'rank 2');
    assertThrowsNamed(() => x().transpose([1, 1]), 'transpose:', 'perm [1, 1]', 'repeats');
    assertThrowsNamed(() => x().transpose([0, 0.5]), 'transpose:', 'perm entry 0.5');
    assertThrowsNamed(() => x().transpose(5 as Loose), 'transpose:', 'perm 5');
  });

  it('slice and stridedSlice name begin, size and strides that leave the tensor', () => {
    assertThrowsNamed(() => x().slice([3]), 'slice:', 'begin 3', 'axis 0', '[2, 3]');
    assertThrowsNamed(() => x().slice([1, 1], [2, 2]), 'slice:', 'size 2', 'axis 0', '[2, 3]');
    assertThrowsNamed(() => x().slice([0, 0, 0]), 'slice:', 'begin [0,0,0]', 'rank 2');
    assertThrowsNamed(() => x().slice([0.5]), 'slice:', 'begin');
    assertThrowsNamed(() => x().stridedSlice([0], [1], [0]), 'stridedSlice:', 'strides[0] is 0');
    assertThrowsNamed(() => x().stridedSlice([5], [6], [1], 0, 0, 0, 0, 1), 'stridedSlice:', 'index 5', 'axis 0', '[2, 3]');
    assertThrowsNamed(() => x().stridedSlice([0, 0, 0], [1, 1, 1], [1, 1, 1]), 'stridedSlice:', '3 sliced axes', 'rank 2');
    assertThrowsNamed(() => x().stridedSlice([0], [1, 2]), 'stridedSlice:', 'begin, end and strides');
    assertThrowsNamed(() => x().stridedSlice([0, 0], [1, 1], [1, 1], 0, 0, 3), 'stridedSlice:', 'ellipsis');
    assertThrowsNamed(() => x().stridedSlice([0], [1], [1], -1), 'stridedSlice:', 'beginMask');
  });
});

describe('errors: wrong dtypes', () => {
  it('logical ops name the float or int argument and its dtype', () => {
    assertThrowsNamed(() => rv.logicalAnd(rv.zeros([2]), rv.zeros([2], 'bool')), 'logicalAnd:', "'a'", 'float32');
    assertThrowsNamed(() => rv.logicalOr(rv.zeros([2], 'bool'), rv.zeros([2], 'int32')), 'logicalOr:', "'b'", 'int32');
    assertThrowsNamed(() => rv.logicalXor(rv.zeros([2], 'float64'), rv.zeros([2], 'bool')), 'logicalXor:', "'a'", 'float64');
    assertThrowsNamed(() => rv.logicalNot(rv.zeros([2])), 'logicalNot:', "'x'", 'float32');
  });

  it('where names a condition that is not bool', () => {
    assertThrowsNamed(() => rv.where(rv.zeros([2]), 1, 2), 'where:', "'condition'", 'float32');
    assertThrowsNamed(() => rv.where([1, 0], 1, 2), 'where:', "'condition'", 'float32');
    assertThrowsNamed(() => rv.where(rv.zeros([2], 'int32'), 1, 2), 'where:', "'condition'", 'int32');
  });

  it('unknown dtype strings are named by every function that takes a dtype', () => {
    const x = rv.zeros([2]);
    const cases: [string, () => unknown][] = [
      ['cast', () => rv.cast(x, 'float16' as Loose)],
      ['tensor', () => rv.tensor([1, 2], undefined, 'float16' as Loose)],
      ['scalar', () => rv.scalar(1, 'float16' as Loose)],
      ['zeros', () => rv.zeros([2], 'float16' as Loose)],
      ['ones', () => rv.ones([2], 'float16' as Loose)],
      ['fill', () => rv.fill([2], 1, 'float16' as Loose)],
      ['arange', () => rv.arange(0, 3, 1, 'float16' as Loose)],
      ['linspace', () => rv.linspace(0, 1, 3, 'float16' as Loose)],
      ['eye', () => rv.eye(2, 2, [], 'float16' as Loose)],
    ];
    for (const [op, fn] of cases) assertThrowsNamed(fn, `${op}:`, 'float16', 'float32, float64, int32 or bool');
    assertThrowsNamed(() => rv.cast(x, undefined as Loose), 'cast:', 'undefined');
  });

  it('fill names a value that is not a number or boolean', () => {
    assertThrowsNamed(() => rv.fill([2], 'x' as Loose), 'fill:', 'value', 'string');
    assertThrowsNamed(() => rv.scalar('x' as Loose), 'scalar:', 'value', 'string');
  });
});

describe('errors: disposed tensors', () => {
  const disposed = () => {
    const t = rv.zeros([2, 3]);
    t.dispose();
    return t;
  };

  for (const name of ['neg', 'exp', 'sigmoid', 'isNaN', 'clone', 'flatten', 'reshape', 'transpose', 'squeeze', 'expandDims', 'reverse', 'unstack']) {
    it(`${name} names its disposed argument`, () => {
      const fn = (rv as unknown as Record<string, (x: rv.Tensor, ...rest: unknown[]) => unknown>)[name];
      const args: unknown[] = name === 'reshape' ? [[6]] : [];
      assertThrowsNamed(() => fn(disposed(), ...args), `${name}:`, 'disposed', '2,3');
    });
  }

  it('binary ops and where name which argument is disposed', () => {
    assertThrowsNamed(() => rv.add(rv.zeros([2, 3]), disposed()), 'add:', "'b'", 'disposed');
    assertThrowsNamed(() => rv.mul(disposed(), 2), 'mul:', "'a'", 'disposed');
    assertThrowsNamed(() => rv.where(rv.tensor([true]), 1, disposed()), 'where:', "'b'", 'disposed');
    assertThrowsNamed(() => rv.cast(disposed(), 'int32'), 'cast:', "'x'", 'disposed');
  });

  it('view ops, *Like and reading name the disposed tensor', () => {
    assertThrowsNamed(() => disposed().slice([0]), 'slice:', 'disposed');
    assertThrowsNamed(() => disposed().stridedSlice([0], [1]), 'stridedSlice:', 'disposed');
    assertThrowsNamed(() => disposed().split(2), 'split:', 'disposed');
    assertThrowsNamed(() => disposed().broadcastTo([2, 2, 3]), 'broadcastTo:', 'disposed');
    assertThrowsNamed(() => rv.onesLike(disposed()), 'onesLike:', 'disposed');
    assertThrowsNamed(() => disposed().dataSync(), 'dataSync:', 'disposed');
  });
});

describe('errors: bad data for tensor()', () => {
  it('ragged nested arrays name the element that differs', () => {
    assertThrowsNamed(() => rv.tensor([[1, 2], [3]]), 'tensor:', 'ragged', 'element [1]', 'length 1', 'length 2');
    assertThrowsNamed(() => rv.tensor([[[1], [2]], [[3], [4, 5]]]), 'tensor:', 'ragged', 'element [1][1]');
    assertThrowsNamed(() => rv.tensor([[1, 2], 3] as Loose), 'tensor:', 'ragged', 'element [1]');
    assertThrowsNamed(() => rv.tensor([1, [2]] as Loose), 'tensor:', 'ragged', 'element [1]', 'array');
  });

  it('non-numeric leaves name the element and its type', () => {
    assertThrowsNamed(() => rv.tensor([1, 'a'] as Loose), 'tensor:', 'element [1]', 'string');
    assertThrowsNamed(() => rv.tensor([[1, null]] as Loose), 'tensor:', 'element [0][1]', 'null');
    assertThrowsNamed(() => rv.tensor([1, undefined] as Loose), 'tensor:', 'element [1]', 'undefined');
    assertThrowsNamed(() => rv.tensor([{}] as Loose), 'tensor:', 'element [0]', 'object');
    assertThrowsNamed(() => rv.tensor([1, true] as Loose), 'tensor:', 'mixes booleans and numbers');
  });

  it('values that are not arrays, numbers, booleans or supported typed arrays are named', () => {
    assertThrowsNamed(() => rv.tensor('abc' as Loose), 'tensor:', 'string');
    assertThrowsNamed(() => rv.tensor({} as Loose), 'tensor:', 'object');
    assertThrowsNamed(() => rv.tensor(null as Loose), 'tensor:', 'null');
    assertThrowsNamed(() => rv.tensor(new Int16Array(2) as Loose), 'tensor:', 'Int16Array');
    assertThrowsNamed(() => rv.tensor(rv.zeros([2]) as Loose), 'tensor:', 'already a Tensor');
  });

  it('ops name the argument whose JS value is bad', () => {
    assertThrowsNamed(() => rv.add([[1, 2], [3]], 1), 'add:', "argument 'a'", 'ragged');
    assertThrowsNamed(() => rv.mul(1, 'x' as Loose), 'mul:', "argument 'b'", 'string');
    assertThrowsNamed(() => (rv.add as Loose)(1), 'add:', "argument 'b'", 'undefined');
  });

  it('data that does not fill the given shape is named with both sizes', () => {
    assertThrowsNamed(() => rv.tensor([1, 2, 3], [2, 2]), 'tensor:', 'shape [2, 2]', '4 elements', 'has 3');
    assertThrowsNamed(() => rv.tensor(new Float32Array(5), [2, 3]), 'tensor:', 'shape [2, 3]', 'has 5');
  });

  it('nesting deeper than rank 16 is refused', () => {
    let deep: Loose = [1];
    for (let i = 0; i < 17; i++) deep = [deep];
    assertThrowsNamed(() => rv.tensor(deep), 'tensor:', 'rank 16');
  });
});

describe('errors: negative, non-integer and inconsistent sizes', () => {
  it('creation functions name a shape with negative or non-integer entries', () => {
    assertThrowsNamed(() => rv.zeros([-1]), 'zeros:', 'shape', '[-1]');
    assertThrowsNamed(() => rv.zeros([1.5]), 'zeros:', 'shape', '[1.5]');
    assertThrowsNamed(() => rv.ones([2, -3]), 'ones:', 'shape', '[2, -3]');
    assertThrowsNamed(() => rv.fill([NaN], 1), 'fill:', 'shape', '[NaN]');
    assertThrowsNamed(() => rv.zeros('abc' as Loose), 'zeros:', 'shape', 'abc');
    assertThrowsNamed(() => rv.tensor([1], [-1]), 'tensor:', 'shape', '[-1]');
    assertThrowsNamed(() => rv.eye(-1), 'eye:', '[-1, -1]');
    assertThrowsNamed(() => rv.eye(2.5), 'eye:', '2.5');
    assertThrowsNamed(() => rv.eye(2, 2, [-2]), 'eye:', '[-2, 2, 2]');
    assertThrowsNamed(() => rv.linspace(0, 1, -1), 'linspace:', 'num', '[-1]');
    assertThrowsNamed(() => rv.linspace(0, 1, 1.5), 'linspace:', 'num', '[1.5]');
  });

  it('reshape names a target shape of the wrong size, with both shapes', () => {
    assertThrowsNamed(() => rv.zeros([2, 3]).reshape([4]), 'reshape:', '[2, 3]', '[4]');
    assertThrowsNamed(() => rv.zeros([2, 3]).reshape([-1, 4]), 'reshape:', '[2, 3]', '[-1, 4]');
    assertThrowsNamed(() => rv.zeros([2, 3]).reshape([-1, -1]), 'reshape:', '[-1, -1]', 'more than one -1');
    assertThrowsNamed(() => rv.zeros([2, 3]).reshape([-2, -3]), 'reshape:', '[-2, -3]');
    assertThrowsNamed(() => rv.zeros([2, 3]).reshape([1.5, 4]), 'reshape:', 'shape', '1.5');
    assertThrowsNamed(() => rv.zeros([0, 3]).reshape([-1, 0]), 'reshape:', '[-1, 0]');
  });

  it('arange names a zero or non-finite step, start or stop', () => {
    assertThrowsNamed(() => rv.arange(0, 1, 0), 'arange:', 'step', '0');
    assertThrowsNamed(() => rv.arange(0, Infinity), 'arange:', 'stop', 'Infinity');
    assertThrowsNamed(() => rv.arange(NaN), 'arange:', 'NaN');
    assertThrowsNamed(() => rv.arange(0, 1, NaN), 'arange:', 'step', 'NaN');
  });
});

describe('errors: allocations too large', () => {
  it('zeros([1e9, 1e9]) names the shape, whose element count exceeds 2^53', () => {
    assertThrowsNamed(() => rv.zeros([1e9, 1e9]), 'zeros:', '[1000000000, 1000000000]', 'too many elements');
  });

  it('a shape whose element count overflows 64 bits is refused before any native arithmetic', () => {
    assertThrowsNamed(() => rv.zeros([2 ** 31, 2 ** 31, 2 ** 31]), 'zeros:', '[2147483648, 2147483648, 2147483648]', 'too many elements');
    assertThrowsNamed(() => rv.ones([2 ** 40, 2 ** 40], 'bool'), 'ones:', 'too many elements');
  });

  it('a shape of fewer than 2^53 elements but more bytes than can be allocated is named with its dtype', () => {
    assertThrowsNamed(() => rv.zeros([1e6, 1e6]), 'zeros:', 'float32', '[1000000, 1000000]', 'too large');
    assertThrowsNamed(() => rv.zeros([2 ** 20, 2 ** 20, 2 ** 10], 'float64'), 'zeros:', 'float64', 'too large');
    assertThrowsNamed(() => rv.arange(0, 1e12), 'arange:', '[1000000000000]', 'too large');
  });

  it('an op whose output would be too large names itself, even when its inputs are small views', () => {
    const huge = rv.zeros([1]).broadcastTo([1e6, 1e6]);  // a view: no allocation
    assert.deepEqual(huge.shape, [1e6, 1e6]);
    assertThrowsNamed(() => huge.add(1), 'add:', '[1000000, 1000000]', 'too large');
    assertThrowsNamed(() => huge.exp(), 'exp:', 'too large');
    assertThrowsNamed(() => huge.clone(), 'clone:', 'too large');
    assertThrowsNamed(() => rv.zeros([1]).broadcastTo([1e9, 1e9, 3]), 'broadcastTo:', 'too many elements');
  });

  it('rank above 16 is refused', () => {
    assertThrowsNamed(() => rv.zeros(new Array(17).fill(1)), 'zeros:', 'rank 17', '16');
    assertThrowsNamed(() => rv.zeros([1]).reshape(new Array(17).fill(1)), 'reshape:', 'rank 17');
  });

  it('the addon\'s memory statistics refuse an unknown device code with an Error (it used to abort the process)', () => {
    assertThrowsNamed(() => binding.memory(99), 'memory:', 'unknown device code');
    assertThrowsNamed(() => (binding.memory as (device: unknown) => unknown)('cuda'), 'memory:', 'device');
  });

  it('the process lives on after every error', () => {
    assert.deepEqual(rv.add([1], [2]).arraySync(), [3]);
  });

  for (const seed of [1, 2, 3]) {
    it(`survives every addon function called with random, mostly invalid, arguments: each returns or throws an Error (seed ${seed}, a child process)`, () => {
      const runner = path.join(__dirname, 'fuzz', 'binding-calls.ts');
      const child = spawnSync(process.execPath, ['--import', 'tsx', runner, String(seed), '300'], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(child.signal, null, `killed by ${child.signal}: ${child.stderr.slice(-1500)}`);
      assert.equal(child.status, 0, child.stderr.slice(-1500));
      const [calls, errors] = child.stdout.trim().split(' ').map(Number);
      assert.ok(calls > 10_000 && errors > 0 && errors < calls, `${calls} calls, ${errors} errors`);
    });
  }

  it('survives 200,000 failing native calls while tensors are left to the garbage collector (in a child process)', () => {
    const runner = path.join(__dirname, 'fuzz', 'failing-calls.ts');
    const child = spawnSync(process.execPath, ['--import', 'tsx', runner], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(child.signal, null, `killed by ${child.signal}: ${child.stderr.slice(-1500)}`);
    assert.equal(child.status, 0, child.stderr.slice(-1500));
    assert.equal(child.stdout.trim(), '200000');
  });
});

// ---------------------------------------------------------------------------------------------
