/**
 * Gradients and batching rules of the indexing ops (gather with axis and batchDims, gatherND,
 * scatterAdd, oneHot): gradients against finite differences (indices fixed, duplicates
 * included so that scattered cotangents must accumulate), vmap against stacking for every
 * combination of mapped inputs.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { checkOpGradient, checkSecondDerivative, checkVmapAxes, randomIndices, randomTensor } from './shape-transform-helpers';
import { checkVmap, weightedSum } from './transform-helpers';

const int = (values: number[], shape: number[]) => rv.tensor(values, shape, 'int32');

/** Every non-empty choice of which of `n` inputs are mapped. */
const mappings = (n: number) => Array.from({ length: 2 ** n - 1 }, (_, m) => Array.from({ length: n }, (__, i) => ((m + 1) >> i) % 2 === 1));

describe('autodiff of indexing ops', () => {
  it('gather along first, middle and last axes, with repeated indices', () => {
    const idx = int([2, 0, 2, 1, 2, 2], [2, 3]);
    checkOpGradient((x, i) => rv.gather(x, i, 0), [randomTensor([3, 2]), idx], 'gather 0');
    checkOpGradient((x, i) => rv.gather(x, i, 1), [randomTensor([2, 3, 2]), idx], 'gather 1');
    checkOpGradient((x, i) => rv.gather(x, i, -1), [randomTensor([2, 3]), idx], 'gather -1');
    checkOpGradient((x) => rv.gather(x, 1), [randomTensor([3, 2])], 'gather scalar index');
  });

  it('gather with batch dims', () => {
    const idx = int([2, 0, 2, 1, 1, 0], [2, 3]);
    checkOpGradient((x, i) => rv.gather(x, i, 1, 1), [randomTensor([2, 3, 2]), idx], 'batchDims 1, axis 1');
    checkOpGradient((x, i) => rv.gather(x, i, 2, 1), [randomTensor([2, 2, 3]), idx], 'batchDims 1, axis 2');
    checkOpGradient((x, i) => rv.gather(x, i, -1, -1), [randomTensor([2, 3, 3]), int([2, 2, 0, 1, 1, 0], [2, 3, 1])], 'batchDims -1');
    checkOpGradient((x, i) => rv.gather(x, i, 3, 2), [randomTensor([2, 2, 2, 3, 2]), randomIndices([2, 2, 4], 3)], 'batchDims 2, axis 3');
  });

  it('gatherND of elements, of slices and with K = 0', () => {
    const x = randomTensor([3, 2, 2]);
    checkOpGradient((t, i) => rv.gatherND(t, i), [x, int([2, 1, 0, 0, 1, 1, 2, 1, 1, 0, 0, 0], [2, 2, 3])], 'gatherND elements');
    checkOpGradient((t, i) => rv.gatherND(t, i), [x, int([1, 0, 1, 1, 1, 0], [3, 2])], 'gatherND rows');
    checkOpGradient((t, i) => rv.gatherND(t, i), [x, int([], [2, 0])], 'gatherND K = 0');
  });

  it('scatterAdd: x gets dy, updates get gather(dy)', () => {
    checkOpGradient((x, i, u) => rv.scatterAdd(x, i, u), [randomTensor([3, 2]), int([2, 0, 2], [3]), randomTensor([3, 2])], 'scatterAdd 0');
    checkOpGradient((x, i, u) => rv.scatterAdd(x, i, u, 1), [randomTensor([2, 3]), int([1, 1, 0, 2], [2, 2]), randomTensor([2, 2, 2])], 'scatterAdd 1');
  });

  it('oneHot is a constant: its values weigh x, and it passes no gradient', () => {
    const idx = int([0, 3, 2], [3]);
    checkOpGradient((x, i) => rv.mul(x, rv.oneHot(i, 4, 2, -1, 'float64')), [randomTensor([3, 4]), idx], 'oneHot as weights');
    const g = rv.grad((x: rv.Tensor) => rv.sum(x).add(rv.sum(rv.oneHot(rv.cast(x, 'int32'), 3, 1, 0, 'float64'))))(rv.tensor([0.5, 1.5], [2], 'float64'));
    assert.deepEqual(Array.from(g.dataSync()), [1, 1]);
  });

  it('indices get no gradient and never NaN', () => {
    const [gx] = rv.grad((x: rv.Tensor, i: rv.Tensor) => rv.sum(rv.gather(x, i)), { argnums: [0] })(rv.tensor([1, 2, 3], [3], 'float64'), int([2, 2], [2]));
    assert.deepEqual(Array.from(gx.dataSync()), [0, 0, 2]);
  });

  it('second derivatives through gather, gatherND and scatterAdd', () => {
    checkSecondDerivative((x) => rv.gather(x, int([1, 1, 0, 2], [2, 2]), 1, 1), randomTensor([2, 3]), 'gather batchDims');
    checkSecondDerivative((x) => rv.gatherND(x, int([1, 0, 1, 0], [2, 2])), randomTensor([2, 2]), 'gatherND');
    checkSecondDerivative((u) => rv.scatterAdd(rv.ones([3], 'float64'), int([1, 1, 2, 0], [4]), u), randomTensor([4]), 'scatterAdd');
  });
});

describe('vmap of indexing ops', () => {
  it('gather with x, indices or both mapped, with and without batch dims', () => {
    for (const mapped of mappings(2)) {
      const what = `gather (mapped [${mapped}])`;
      checkVmapAxes((x, i) => rv.gather(x, i, 1), () => [randomTensor([2, 4, 2]), randomIndices([3, 2], 4)], mapped, what);
      checkVmapAxes((x, i) => rv.gather(x, i, -1), () => [randomTensor([2, 4]), randomIndices([], 4)], mapped, `${what} scalar index`);
      checkVmapAxes((x, i) => rv.gather(x, i, 2, 1), () => [randomTensor([2, 2, 4]), randomIndices([2, 3], 4)], mapped, `${what} batchDims 1`);
      checkVmapAxes((x, i) => rv.gather(x, i, 2, 2), () => [randomTensor([2, 3, 4, 2]), randomIndices([2, 3, 2], 4)], mapped, `${what} batchDims 2`);
    }
  });

  it('gatherND with x, indices or both mapped', () => {
    for (const mapped of mappings(2)) {
      const what = `gatherND (mapped [${mapped}])`;
      checkVmapAxes(rv.gatherND, () => [randomTensor([3, 2, 2]), randomIndices([2, 2], 2)], mapped, what);
      checkVmapAxes(rv.gatherND, () => [randomTensor([2, 3]), randomIndices([3, 2, 1], 2)], mapped, `${what} rows`);
    }
  });

  it('scatterAdd with every combination of mapped inputs', () => {
    for (const mapped of mappings(3)) {
      const what = `scatterAdd (mapped [${mapped}])`;
      checkVmapAxes((x, i, u) => rv.scatterAdd(x, i, u), () => [randomTensor([3, 2]), randomIndices([4], 3), randomTensor([4, 2])], mapped, what);
      checkVmapAxes((x, i, u) => rv.scatterAdd(x, i, u, -1), () => [randomTensor([2, 3]), randomIndices([2, 2], 3), randomTensor([2, 2, 2])], mapped, `${what} axis -1`);
    }
  });

  it('oneHot', () => {
    checkVmapAxes((i) => rv.oneHot(i, 4), () => [randomIndices([2, 3], 5)], [true], 'oneHot');
  });

  it('nested vmap of gather with batch dims', () => {
    const inner = rv.vmap((x: rv.Tensor, i: rv.Tensor) => rv.gather(x, i, 1, 1), { inAxes: [0, 1] });
    checkVmap(inner, [randomTensor([3, 2, 2, 4]), randomIndices([2, 2, 3, 3], 4)], [1, 0], { what: 'nested gather' });
  });

  it('vmap of grad equals a loop of grads', () => {
    const cube = (op: (...xs: rv.Tensor[]) => rv.Tensor) => weightedSum((...xs: rv.Tensor[]) => {
      const y = op(...xs);
      return rv.mul(y, rv.mul(y, y));
    });
    const gradX = (op: (...xs: rv.Tensor[]) => rv.Tensor) => (x: rv.Tensor, ...rest: rv.Tensor[]) =>
      rv.grad(cube(op), { argnums: [0] })(x, ...rest)[0];
    for (const mapped of mappings(2)) {
      const what = `vmap of grad (mapped [${mapped}])`;
      checkVmapAxes(gradX((x, i) => rv.gather(x, i, 1, 1)), () => [randomTensor([2, 3]), randomIndices([2, 4], 3)], mapped, `${what}, gather`);
      checkVmapAxes(gradX(rv.gatherND), () => [randomTensor([2, 3]), randomIndices([4, 2], 2)], mapped, `${what}, gatherND`);
    }
    const gradU = (x: rv.Tensor, i: rv.Tensor, u: rv.Tensor) => rv.grad(cube((a, b) => rv.scatterAdd(a, i, b)))(x, u)[1];
    for (const mapped of mappings(3)) {
      checkVmapAxes(gradU, () => [randomTensor([3]), randomIndices([4], 3), randomTensor([4])], mapped, `vmap of grad (mapped [${mapped}]), scatterAdd`);
    }
  });
});
