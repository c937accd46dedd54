/**
 * Gradients and batching rules of the layout ops (concat, stack, pad, tile): gradients
 * against finite differences, vmap against stacking.
 */
import * as rv from '../lib/index';
import { checkOpGradient, checkSecondDerivative, checkVmapAxes, randomTensor } from './shape-transform-helpers';
import { checkVmap, weightedSum } from './transform-helpers';

describe('autodiff of layout ops', () => {
  it('concat along first, middle and last axes, with an empty part', () => {
    const cat = (axis: number) => (...xs: rv.Tensor[]) => rv.concat(xs, axis);
    checkOpGradient(cat(0), [randomTensor([2, 3]), randomTensor([1, 3]), randomTensor([3, 3])], 'concat 0');
    checkOpGradient(cat(1), [randomTensor([2, 1, 2]), randomTensor([2, 3, 2])], 'concat 1');
    checkOpGradient(cat(-1), [randomTensor([2, 2]), randomTensor([2, 0]), randomTensor([2, 3])], 'concat -1');
  });

  it('stack along first, middle and last axes', () => {
    const st = (axis: number) => (...xs: rv.Tensor[]) => rv.stack(xs, axis);
    checkOpGradient(st(0), [randomTensor([2, 3]), randomTensor([2, 3])], 'stack 0');
    checkOpGradient(st(1), [randomTensor([2, 3]), randomTensor([2, 3]), randomTensor([2, 3])], 'stack 1');
    checkOpGradient(st(-1), [randomTensor([3]), randomTensor([3])], 'stack -1');
    checkOpGradient(st(0), [randomTensor([]), randomTensor([])], 'stack scalars');
  });

  it('concat of one tensor with itself sums both blocks', () => {
    checkOpGradient((x) => rv.concat([x, x.mul(2)], 1), [randomTensor([2, 2])], 'concat with itself');
  });

  it('pad', () => {
    checkOpGradient((x) => x.pad([[1, 2], [0, 3]]), [randomTensor([2, 3])], 'pad');
    checkOpGradient((x) => x.pad([[0, 0], [2, 0], [1, 1]], 5), [randomTensor([1, 2, 2])], 'pad constant');
  });

  it('tile, including reps of 0 and scalars', () => {
    checkOpGradient((x) => x.tile([2, 1, 3]), [randomTensor([2, 3, 2])], 'tile');
    checkOpGradient((x) => x.tile([0, 2]), [randomTensor([2, 3])], 'tile 0');
    checkOpGradient((x) => x.tile([]), [randomTensor([])], 'tile scalar');
  });

  it('second derivatives through tile, pad and concat', () => {
    checkSecondDerivative((x) => x.tile([2, 3]), randomTensor([2, 2]), 'tile');
    checkSecondDerivative((x) => x.pad([[1, 0], [2, 1]]), randomTensor([2, 2]), 'pad');
    checkSecondDerivative((x) => rv.concat([x, x.reverse(0)], 0), randomTensor([3, 2]), 'concat');
  });
});

describe('vmap of layout ops', () => {
  const pair = (a: number[], b: number[]) => () => [randomTensor(a), randomTensor(b)];

  it('concat with every input mapped or some unmapped', () => {
    checkVmapAxes((x, y) => rv.concat([x, y], 1), pair([2, 1], [2, 3]), [true, true], 'concat both');
    checkVmapAxes((x, y) => rv.concat([x, y], -1), pair([2, 1], [2, 3]), [true, false], 'concat first');
    checkVmapAxes((x, y) => rv.concat([y, x]), pair([2], [3]), [true, false], 'concat second');
  });

  it('stack with every input mapped or some unmapped', () => {
    checkVmapAxes((x, y) => rv.stack([x, y], 1), pair([2, 3], [2, 3]), [true, true], 'stack both');
    checkVmapAxes((x, y) => rv.stack([x, y], -1), pair([2, 3], [2, 3]), [false, true], 'stack second');
    checkVmapAxes((x, y) => rv.stack([x, y]), pair([], []), [true, false], 'stack scalars');
  });

  it('pad and tile', () => {
    checkVmapAxes((x) => x.pad([[1, 0], [0, 2]], 1.5), () => [randomTensor([2, 2])], [true], 'pad');
    checkVmapAxes((x) => x.tile([2, 3]), () => [randomTensor([2, 2])], [true], 'tile');
    checkVmapAxes((x) => x.tile([]), () => [randomTensor([])], [true], 'tile scalar');
  });

  it('nested vmap of concat', () => {
    const inner = rv.vmap((x: rv.Tensor, y: rv.Tensor) => rv.concat([x, y], 0), { inAxes: [0, null] });
    checkVmap(inner, [randomTensor([3, 4, 2]), randomTensor([2, 4])], [1, 1], { what: 'nested concat' });
  });

  it('vmap of grad equals a loop of grads', () => {
    const cube = (op: (...xs: rv.Tensor[]) => rv.Tensor) => weightedSum((...xs: rv.Tensor[]) => {
      const y = op(...xs);
      return rv.mul(y, rv.mul(y, y));
    });
    checkVmapAxes(rv.grad(cube((x) => x.tile([2, 2]))), () => [randomTensor([2, 2])], [true], 'vmap of grad, tile');
    checkVmapAxes(rv.grad(cube((x) => x.pad([[2, 1]]))), () => [randomTensor([3])], [true], 'vmap of grad, pad');
    const concatGrad = (x: rv.Tensor, y: rv.Tensor) => rv.grad(cube((a, b) => rv.concat([a, b], 1)))(x, y)[1];
    checkVmapAxes(concatGrad, pair([2, 2], [2, 3]), [true, false], 'vmap of grad, concat');
    const stackGrad = (x: rv.Tensor, y: rv.Tensor) => rv.grad(cube((a, b) => rv.stack([a, b], 1)))(x, y)[0];
    checkVmapAxes(stackGrad, pair([2, 2], [2, 2]), [true, true], 'vmap of grad, stack');
  });
});
