/**
 * Checks shared by the autodiff and vmap tests: gradients against central finite differences
 * in float64, and vmap against stacking the function's result for each batch member.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';

/** Values of a float64 tensor as a JS array. */
function values(t: rv.Tensor): number[] {
  return Array.from(t.dataSync() as Float64Array);
}

/**
 * Central finite differences of the scalar `f` with respect to each input (float64 tensors),
 * one element at a time; step h·max(1, |x|).
 */
export function finiteDifferences(f: (...xs: rv.Tensor[]) => rv.Tensor, inputs: rv.Tensor[], h = 1e-6): number[][] {
  return inputs.map((x, which) => {
    const base = values(x);
    return base.map((v, i) => {
      const step = h * Math.max(1, Math.abs(v));
      const at = (delta: number) => rv.tidy(() => {
        const moved = base.slice();
        moved[i] = v + delta;
        const args = inputs.map((y, k) => (k === which ? rv.tensor(moved, x.shape, 'float64') : y));
        return f(...args).dataSync()[0];
      });
      return (at(step) - at(-step)) / (2 * step);
    });
  });
}

/**
 * Asserts that rv.grad of the scalar `f` matches finite differences with respect to every input:
 * the largest error, over all elements, is below `rtol` times the largest finite-difference
 * component (or `atol` when they are all tiny). Inputs must be float64.
 */
export function checkGradient(f: (...xs: rv.Tensor[]) => rv.Tensor, inputs: rv.Tensor[], { rtol = 1e-6, atol = 1e-9, what = '' } = {}): void {
  for (const x of inputs) assert.equal(x.dtype, 'float64', `${what}: checkGradient needs float64 inputs`);
  const analytic = rv.tidy(() => {
    const g = rv.grad(f)(...inputs);
    const list: rv.Tensor[] = inputs.length === 1 ? [g] : g;
    return list.map((t, i) => {
      assert.deepEqual(t.shape, inputs[i].shape, `${what}: gradient ${i} has shape [${t.shape}], input [${inputs[i].shape}]`);
      return values(t);
    });
  });
  const numeric = finiteDifferences(f, inputs);
  analytic.forEach((g, k) => {
    const scale = Math.max(...numeric[k].map(Math.abs), 0);
    g.forEach((v, i) => {
      const err = Math.abs(v - numeric[k][i]);
      assert.ok(err <= rtol * scale + atol,
        `${what}: d/d input ${k} [${i}]: autodiff ${v}, finite differences ${numeric[k][i]} (error ${err.toExponential(2)}, scale ${scale.toExponential(2)})`);
    });
  });
}

/**
 * A scalar function of `op`'s output: the sum of the output times fixed weights, so that every
 * output element's gradient is checked (not only their sum's).
 */
export function weightedSum(op: (...xs: rv.Tensor[]) => rv.Tensor, seed = 1): (...xs: rv.Tensor[]) => rv.Tensor {
  return (...xs) => {
    const y = op(...xs);
    let s = seed >>> 0;
    const w = Array.from({ length: y.size }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return 0.5 + s / 4294967296;
    });
    return rv.sum(rv.mul(y, rv.tensor(w, y.shape, y.dtype)));
  };
}

/** Slice `k` of `t` along `axis` (the axis removed). */
export function member(t: rv.Tensor, axis: number, k: number): rv.Tensor {
  return rv.unstack(t, axis)[k];
}

/**
 * Asserts that vmap(f, {inAxes}) on the inputs equals stacking f of each batch member along
 * `outAxes` (default 0). `inAxes` has one entry per input: an axis or null (not mapped).
 */
export function checkVmap(f: (...xs: rv.Tensor[]) => rv.Tensor, inputs: rv.Tensor[], inAxes: (number | null)[], { outAxes = 0, what = '', rtol = 1e-12, atol = 1e-12 } = {}): void {
  rv.tidy(() => {
    const mapped = inputs.findIndex((_, i) => inAxes[i] !== null);
    const axis = inAxes[mapped] as number;
    const size = inputs[mapped].shape[axis < 0 ? axis + inputs[mapped].rank : axis];
    const batched = rv.vmap(f, { inAxes, outAxes })(...inputs) as rv.Tensor;
    const each = Array.from({ length: size }, (_, k) => f(...inputs.map((x, i) => (inAxes[i] === null ? x : member(x, inAxes[i] as number, k)))));
    const expected = rv.stack(each, outAxes);
    assert.deepEqual(batched.shape, expected.shape, `${what}: vmap gives shape [${batched.shape}], stacking gives [${expected.shape}]`);
    assert.equal(batched.dtype, expected.dtype, `${what}: dtype`);
    const a = Array.from(batched.dataSync());
    const b = Array.from(expected.dataSync());
    a.forEach((v, i) => {
      const same = Object.is(v, b[i]) || (Number.isNaN(v) && Number.isNaN(b[i])) || Math.abs(v - b[i]) <= atol + rtol * Math.abs(b[i]);
      assert.ok(same, `${what}: element ${i}: vmap ${v}, stacked ${b[i]}`);
    });
  });
}
