/**
 * Pieces the autodiff/vmap tests of the shape ops (view, layout, indexing) share: random
 * float64 inputs, the gradient check on contiguous and non-contiguous copies of them, and the
 * vmap check with the batch axis first, in the middle and last.
 */
import * as rv from '../lib/index';
import { makeRng, nonContiguous, randomData, sizeOf } from './helpers';
import { checkGradient, checkVmap, weightedSum } from './transform-helpers';

export const rng = makeRng(20240604);

/** A float64 tensor of `shape` with values in [-3, 3). */
export function randomTensor(shape: readonly number[]): rv.Tensor {
  return rv.tensor(randomData(rng, sizeOf(shape)), [...shape], 'float64');
}

/** An int32 tensor of `shape` with values in [0, n). */
export function randomIndices(shape: readonly number[], n: number): rv.Tensor {
  return rv.tensor(randomData(rng, sizeOf(shape), 'int32', 0, n), [...shape], 'int32');
}

/**
 * Checks rv.grad of a weighted sum of `op`'s output (every output element weighs in) against
 * finite differences, with respect to the float inputs, on the inputs as given and on
 * non-contiguous copies (permuted, reversed, strided storage). Other inputs (indices) stay fixed.
 */
export function checkOpGradient(op: (...xs: rv.Tensor[]) => rv.Tensor, inputs: rv.Tensor[], what: string): void {
  const fixed = inputs.map((x) => x.dtype !== 'float64');
  const f = (...floats: rv.Tensor[]) => {
    let k = 0;
    return weightedSum(op)(...inputs.map((x, i) => (fixed[i] ? x : floats[k++])));
  };
  const floats = inputs.filter((_, i) => !fixed[i]);
  checkGradient(f, floats, { what });
  rv.tidy(() => {
    const views = floats.map((x) => nonContiguous(Array.from(x.dataSync()), x.shape, 'float64', rng));
    checkGradient(f, views, { what: `${what} (non-contiguous)` });
  });
}

/**
 * Checks vmap(f) against stacking f per member, with the batch axis of the mapped inputs at
 * 0, 1 (or last, for scalars) and -1. `member(k)` makes the inputs of member k; unmapped inputs
 * (mapped[i] false) are member 0's.
 */
export function checkVmapAxes(f: (...xs: rv.Tensor[]) => rv.Tensor, member: (k: number) => rv.Tensor[], mapped: boolean[], what: string, size = 3): void {
  rv.tidy(() => {
    const members = Array.from({ length: size }, (_, k) => member(k));
    for (const axis of [0, 1, -1]) {
      const inputs = members[0].map((x, i) => {
        if (!mapped[i]) return x;
        const at = axis === 1 ? Math.min(1, x.rank) : axis;
        return rv.stack(members.map((m) => m[i]), at);
      });
      const inAxes = inputs.map((x, i) => (mapped[i] ? (axis === 1 ? Math.min(1, members[0][i].rank) : axis) : null));
      checkVmap(f, inputs, inAxes, { what: `${what} (batch axis ${axis})` });
    }
  });
}

/**
 * Second derivative through `op`: the gradient of a weighted sum of grad(sum(w·op(x)³)) against
 * finite differences of that first gradient, so that the gradient rule is itself differentiated.
 */
export function checkSecondDerivative(op: (x: rv.Tensor) => rv.Tensor, x: rv.Tensor, what: string): void {
  const cube = weightedSum((y: rv.Tensor) => {
    const v = op(y);
    return rv.mul(v, rv.mul(v, v));
  });
  checkGradient(weightedSum(rv.grad(cube), 7), [x], { what: `${what} (second derivative)` });
}
