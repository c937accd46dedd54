/**
 * Gradients and batching rules of the view ops (reshape, transpose, slice, broadcastTo, clone)
 * and of the functions composed from them (stridedSlice, expandDims, squeeze, flatten,
 * reverse, split, unstack): gradients against finite differences, vmap against stacking.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { randomInt } from './helpers';
import { checkOpGradient, checkSecondDerivative, checkVmapAxes, randomTensor, rng } from './shape-transform-helpers';
import { checkVmap, weightedSum } from './transform-helpers';

/** A random strided slice of an axis of size d: [begin, end, step] for stridedSlice. */
function randomRange(d: number): [number, number, number] {
  const step = randomInt(rng, 1, 3) * (rng() < 0.5 ? -1 : 1);
  return [randomInt(rng, -d, d), randomInt(rng, -d - 1, d + 1), step];
}

describe('autodiff of view ops', () => {
  it('reshape', () => {
    checkOpGradient((x) => x.reshape([4, 6]), [randomTensor([2, 3, 4])], 'reshape');
    checkOpGradient((x) => x.reshape([-1]), [randomTensor([3, 2])], 'reshape -1');
    checkOpGradient((x) => x.reshape([1, 1]), [randomTensor([])], 'reshape scalar');
  });

  it('transpose, with default and negative perms', () => {
    checkOpGradient((x) => x.transpose([2, 0, 1]), [randomTensor([2, 3, 4])], 'transpose');
    checkOpGradient((x) => x.transpose([-1, 0, -2]), [randomTensor([2, 3, 4])], 'transpose negative');
    checkOpGradient((x) => x.transpose(), [randomTensor([3, 4])], 'transpose default');
  });

  it('slice with unit steps', () => {
    checkOpGradient((x) => x.slice([1, 0], [2, -1]), [randomTensor([4, 3])], 'slice');
    checkOpGradient((x) => x.slice([0, 3], [0, 1]), [randomTensor([2, 5])], 'empty slice');
  });

  it('strided slices with positive and negative steps (random)', () => {
    for (let trial = 0; trial < 12; trial++) {
      const shape = Array.from({ length: randomInt(rng, 1, 3) }, () => randomInt(rng, 1, 6));
      const ranges = shape.map(randomRange);
      const [b, e, s] = [0, 1, 2].map((k) => ranges.map((r) => r[k]));
      checkOpGradient((x) => x.stridedSlice(b, e, s), [randomTensor(shape)], `stridedSlice ${JSON.stringify(ranges)} of [${shape}]`);
    }
  });

  it('stridedSlice masks: new axis, shrink, ellipsis', () => {
    const x = randomTensor([3, 4, 5]);
    checkOpGradient((t) => t.stridedSlice([1, 0, 0], [2, 0, 5], [1, 1, 2], 0, 0, 0, 2, 1), [x], 'shrink + new axis');
    checkOpGradient((t) => t.stridedSlice([0, -1], [0, 0], [1, -2], 0, 0, 1), [x], 'ellipsis');
  });

  it('broadcastTo sums back over the broadcast axes', () => {
    for (const [from, to] of [[[3], [2, 3]], [[2, 1], [2, 4]], [[], [2, 2]], [[1, 3, 1], [2, 3, 4]]]) {
      checkOpGradient((x) => x.broadcastTo(to), [randomTensor(from)], `broadcastTo [${from}] -> [${to}]`);
    }
  });

  it('clone', () => {
    checkOpGradient((x) => x.clone(), [randomTensor([2, 3])], 'clone');
  });

  it('composites: expandDims, squeeze, flatten, reverse', () => {
    checkOpGradient((x) => x.expandDims(-1), [randomTensor([2, 3])], 'expandDims');
    checkOpGradient((x) => x.squeeze(), [randomTensor([1, 3, 1, 2])], 'squeeze');
    checkOpGradient((x) => x.flatten(), [randomTensor([2, 3, 2])], 'flatten');
    checkOpGradient((x) => x.reverse(), [randomTensor([3, 4])], 'reverse all');
    checkOpGradient((x) => x.reverse(-1), [randomTensor([3, 4])], 'reverse last');
  });

  it('composites: split and unstack (each part weighed differently)', () => {
    const parts = (list: rv.Tensor[]) => list.map((p, k) => weightedSum((t) => t, k + 2)(p)).reduce((a, b) => rv.add(a, b));
    checkOpGradient((x) => parts(x.split([1, -1, 2], 1)), [randomTensor([2, 6])], 'split sizes');
    checkOpGradient((x) => parts(x.split(3)), [randomTensor([6, 2])], 'split equal');
    checkOpGradient((x) => parts(x.unstack(1)), [randomTensor([2, 3, 2])], 'unstack');
  });

  it('an unused part of a split gets zeros', () => {
    const g = rv.grad((x: rv.Tensor) => rv.sum(x.split(2)[1]))(rv.tensor([1, 2, 3, 4], [4], 'float64'));
    assert.deepEqual(Array.from(g.dataSync()), [0, 0, 1, 1]);
  });

  it('second derivatives through strided slices, transpose and broadcastTo', () => {
    checkSecondDerivative((x) => x.stridedSlice([3, 0], [0, 5], [-2, 3]), randomTensor([5, 5]), 'strided slice');
    checkSecondDerivative((x) => x.transpose([1, 2, 0]), randomTensor([2, 3, 2]), 'transpose');
    checkSecondDerivative((x) => x.broadcastTo([3, 2, 2]), randomTensor([2, 1]), 'broadcastTo');
  });
});

describe('vmap of view ops', () => {
  const one = (shape: number[]) => () => [randomTensor(shape)];

  it('reshape, transpose, clone', () => {
    checkVmapAxes((x) => x.reshape([3, -1]), one([2, 3]), [true], 'reshape');
    checkVmapAxes((x) => x.reshape([]), one([1, 1]), [true], 'reshape to scalar');
    checkVmapAxes((x) => x.transpose([2, 0, 1]), one([2, 3, 4]), [true], 'transpose');
    checkVmapAxes((x) => x.transpose([-1, 0, -2]), one([2, 3, 4]), [true], 'transpose negative');
    checkVmapAxes((x) => x.clone(), one([2, 3]), [true], 'clone');
  });

  it('slices: unit, strided, reversed, with masks', () => {
    checkVmapAxes((x) => x.slice([1, 1], [2, 2]), one([3, 4]), [true], 'slice');
    checkVmapAxes((x) => x.stridedSlice([4, 0], [0, 4], [-2, 3]), one([5, 4]), [true], 'stridedSlice');
    checkVmapAxes((x) => x.stridedSlice([1, -1], [0, 0], [1, -1], 0, 0, 0, 0, 1), one([3, 4]), [true], 'stridedSlice shrink');
    checkVmapAxes((x) => x.stridedSlice([0], [0], [1], 0, 0, 0, 1), one([3]), [true], 'stridedSlice new axis');
    checkVmapAxes((x) => x.reverse(0), one([3, 2]), [true], 'reverse');
  });

  it('broadcastTo, including members of lower rank than the target', () => {
    checkVmapAxes((x) => x.broadcastTo([2, 3]), one([3]), [true], 'broadcastTo [3]');
    checkVmapAxes((x) => x.broadcastTo([4, 2, 3]), one([2, 1]), [true], 'broadcastTo [2, 1]');
    checkVmapAxes((x) => x.broadcastTo([2]), one([]), [true], 'broadcastTo scalar');
  });

  it('composites: expandDims, squeeze, flatten, split, unstack', () => {
    checkVmapAxes((x) => x.expandDims(-1), one([2, 3]), [true], 'expandDims');
    checkVmapAxes((x) => x.squeeze(), one([1, 3, 1]), [true], 'squeeze');
    checkVmapAxes((x) => x.flatten(), one([2, 3]), [true], 'flatten');
    checkVmapAxes((x) => x.split([1, 2], -1)[1], one([2, 3]), [true], 'split');
    checkVmapAxes((x) => x.unstack(1)[2], one([2, 3]), [true], 'unstack');
  });

  it('nested vmap', () => {
    const inner = rv.vmap((x: rv.Tensor) => x.stridedSlice([2, 0], [0, 3], [-1, 2]).transpose(), { inAxes: [1] });
    checkVmap(inner, [randomTensor([3, 4, 2, 3])], [0], { what: 'nested' });
    checkVmap(inner, [randomTensor([4, 3, 3, 2])], [-1], { what: 'nested, outer axis last' });
  });

  it('vmap of grad equals a loop of grads', () => {
    const ops: [string, (x: rv.Tensor) => rv.Tensor, number[]][] = [
      ['strided slice', (x) => x.stridedSlice([3, 0], [0, 3], [-2, 2]), [4, 3]],
      ['transpose', (x) => x.transpose([1, 0]), [2, 3]],
      ['broadcastTo', (x) => x.broadcastTo([2, 3, 2]), [3, 1]],
      ['reshape', (x) => x.reshape([6]), [2, 3]],
    ];
    for (const [what, op, shape] of ops) {
      const cube = weightedSum((x: rv.Tensor) => {
        const y = op(x);
        return rv.mul(y, rv.mul(y, y));
      });
      checkVmapAxes(rv.grad(cube), one(shape), [true], `vmap of grad, ${what}`);
    }
  });
});
