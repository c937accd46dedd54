/**
 * The fused binary cross-entropy ops, sigmoidCrossEntropyWithLogits (TensorFlow's loss) and
 * binaryLogLikelihoodWithLogits (the Bernoulli/binomial log-likelihood in log-odds): values
 * against float64 references (in ulps, float32 and float64, over logits up to ±1e4), accuracy
 * where the composed form cancels, limits at infinite logits, every broadcasting and stride
 * pattern of the kernels' rows (broadcast, strided, rows longer than a staging chunk, parallel
 * sizes), dtype rules and errors; gradients against finite differences and against the
 * composed form, second derivatives, and vmap against stacking.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { elementwiseReference, makeRng, maxUlpError, nonContiguous, sizeOf } from './helpers';
import { checkGradient, checkVmap, weightedSum } from './transform-helpers';

type Fn = (...xs: rv.Tensor[]) => rv.Tensor;

/** s·l − n·softplus(l) in float64, in the cancellation-free form c·l − n·log(1 + e^−|l|). */
function logLikelihood(s: number, l: number, n = 1): number {
  if (Number.isNaN(l)) return NaN;
  const c = l >= 0 ? s - n : s;
  const linear = c === 0 ? 0 : c * l;
  return linear - n * Math.log1p(Math.exp(-Math.abs(l)));
}
const loss = (z: number, l: number) => -logLikelihood(z, l);
/** s − n·σ(l), the derivative in l, without cancellation. */
function dLogits(s: number, l: number, n = 1): number {
  const e = Math.exp(-Math.abs(l));
  const q = e / (1 + e);
  return l >= 0 ? s - n + n * q : s - n * q;
}

function values(t: rv.Tensor): number[] {
  return Array.from(t.dataSync(), Number);
}

/** Random logits: mostly moderate, some large, of either sign. */
function logitSample(rng: () => number): number {
  const u = rng();
  const magnitude = u < 0.6 ? 6 * rng() : u < 0.85 ? 20 + 30 * rng() : 10 ** (1 + 3 * rng());
  return (rng() < 0.5 ? -1 : 1) * magnitude;
}

function assertUlps(actual: rv.Tensor, expected: readonly number[], dtype: 'float32' | 'float64', limit: number, what: string): void {
  const got = values(actual);
  const { ulps, index } = maxUlpError(got, expected, dtype);
  assert.ok(ulps <= limit, `${what}: ${ulps.toFixed(2)} ulps at [${index}]: got ${got[index]}, expected ${expected[index]}`);
}

/** A tensor of the given values, stored in `dtype` and read back: the exact inputs of the kernel. */
function stored(vals: number[], shape: number[], dtype: rv.DType, contiguous = true, rng = makeRng(1)): { t: rv.Tensor; v: number[] } {
  const t = contiguous ? rv.tensor(vals, shape, dtype) : nonContiguous(vals, shape, dtype, rng);
  return { t, v: values(t) };
}

describe('binary cross-entropy from logits (fused)', () => {
  describe('values against float64 references', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      // float32 computes in double and rounds once; float64 adds the C library's exp and log1p.
      const limit = dtype === 'float32' ? 1 : 4;

      it(`${dtype}: the loss and the log-likelihood with and without trials, broadcasting`, () => {
        const rng = makeRng(dtype === 'float32' ? 3 : 4);
        rv.tidy(() => {
          const cases: [number[], number[], number[]][] = [
            [[64], [64], [64]], [[64], [4, 64], []], [[1, 16], [5, 16], [5, 1]], [[], [3, 7], [7]], [[6, 1], [1, 9], [6, 9]],
          ];
          for (const [sShape, lShape, nShape] of cases) {
            const n = stored(Array.from({ length: sizeOf(nShape) }, () => 1 + Math.floor(20 * rng())), nShape, dtype);
            // Successes in [0, n] (not only integers: labels may be probabilities).
            const sv = Array.from({ length: sizeOf(sShape) }, () => (rng() < 0.3 ? Math.round(rng()) : rng()));
            const s = stored(sv, sShape, dtype);
            const l = stored(Array.from({ length: sizeOf(lShape) }, () => logitSample(rng)), lShape, dtype);
            const what = `[${sShape}], [${lShape}], [${nShape}]`;
            const lossRef = elementwiseReference([{ values: s.v, shape: sShape }, { values: l.v, shape: lShape }], loss);
            const lossOut = rv.sigmoidCrossEntropyWithLogits(s.t, l.t);
            assert.deepEqual(lossOut.shape, lossRef.shape);
            assert.equal(lossOut.dtype, dtype);
            assertUlps(lossOut, lossRef.values, dtype, limit, `loss ${what}`);
            const llRef = elementwiseReference([{ values: s.v, shape: sShape }, { values: l.v, shape: lShape }], (a, b) => logLikelihood(a, b));
            assertUlps(rv.binaryLogLikelihoodWithLogits(s.t, l.t), llRef.values, dtype, limit, `log-likelihood ${what}`);
            // Successes scaled into [0, n] (the product as stored is the kernel's input).
            const scaled = rv.mul(s.t, n.t);
            const exact = elementwiseReference([{ values: values(scaled), shape: [...scaled.shape] }, { values: l.v, shape: lShape }, { values: n.v, shape: nShape }], logLikelihood);
            const out = rv.binaryLogLikelihoodWithLogits(scaled, l.t, n.t);
            assert.deepEqual(out.shape, exact.shape);
            assertUlps(out, exact.values, dtype, limit, `with trials ${what}`);
          }
        });
      });

      it(`${dtype}: views, broadcast and strided rows, rows longer than a staging chunk, parallel sizes`, () => {
        const rng = makeRng(dtype === 'float32' ? 5 : 6);
        rv.tidy(() => {
          // [3, 1500] rows: trials broadcast along each row, labels a transposed view, logits reversed.
          const lv = Array.from({ length: 3 * 1500 }, () => logitSample(rng));
          const l = stored(lv, [3, 1500], dtype, false, rng);
          const s = stored(Array.from({ length: 1500 }, () => rng()), [1500], dtype, false, rng);
          const n = stored([2, 3, 5], [3, 1], dtype, false, rng);
          const ref = elementwiseReference([{ values: s.v, shape: [1500] }, { values: l.v, shape: [3, 1500] }, { values: n.v, shape: [3, 1] }], logLikelihood);
          assertUlps(rv.binaryLogLikelihoodWithLogits(s.t, l.t, n.t), ref.values, dtype, limit, 'views');
          // dy broadcast (as the gradient of a sum gives it) and every operand strided, through the gradient kernel.
          const g = rv.grad((x: rv.Tensor) => rv.sum(rv.binaryLogLikelihoodWithLogits(s.t, x, n.t)))(l.t);
          const gRef = elementwiseReference([{ values: s.v, shape: [1500] }, { values: l.v, shape: [3, 1500] }, { values: n.v, shape: [3, 1] }], dLogits);
          // s − n·σ(l) cancels where σ(l) ≈ s/n (as it must): errors are relative to the terms, s + n.
          const terms = elementwiseReference([{ values: s.v, shape: [1500] }, { values: l.v, shape: [3, 1500] }, { values: n.v, shape: [3, 1] }], (a, _b, c) => a + c);
          const got = values(g);
          const eps = dtype === 'float32' ? 2 ** -24 : 2 ** -53;
          gRef.values.forEach((e, i) => assert.ok(Math.abs(got[i] - e) <= 4 * eps * terms.values[i], `gradient [${i}]: got ${got[i]}, expected ${e}`));
          // A size split across threads, labels broadcast over a batch axis (the batched-chains layout).
          const big = stored(Array.from({ length: 4 * 50_000 }, () => logitSample(rng)), [4, 50_000], dtype);
          const labels = stored(Array.from({ length: 50_000 }, () => Math.round(rng())), [50_000], dtype);
          const bigRef = elementwiseReference([{ values: labels.v, shape: [50_000] }, { values: big.v, shape: [4, 50_000] }], loss);
          assertUlps(rv.sigmoidCrossEntropyWithLogits(labels.t, big.t), bigRef.values, dtype, limit, 'parallel');
          // Scalar logits, labels and trials.
          assertUlps(rv.binaryLogLikelihoodWithLogits(rv.scalar(3, dtype), rv.scalar(-1.5, dtype), rv.scalar(7, dtype)), [logLikelihood(3, -1.5, 7)], dtype, limit, 'scalars');
        });
      });
    }

    it('keeps full relative accuracy where the composed form cancels', () => {
      rv.tidy(() => {
        for (const dtype of ['float32', 'float64'] as const) {
          const l = [20, 40, 80, -20, -40, -80];
          const z = [1, 1, 1, 0, 0, 0];
          const expected = l.map((x) => Math.log1p(Math.exp(-Math.abs(x))));  // e^-|l| to full precision
          const limit = dtype === 'float32' ? 1 : 4;
          assertUlps(rv.sigmoidCrossEntropyWithLogits(rv.tensor(z, undefined, dtype), rv.tensor(l, undefined, dtype)), expected, dtype, limit, `${dtype} loss`);
          // The derivative σ(l) − z there is ±e^−|l|, not 0.
          const g = rv.grad((x: rv.Tensor) => rv.sum(rv.sigmoidCrossEntropyWithLogits(rv.tensor(z, undefined, dtype), x)))(rv.tensor(l, undefined, dtype));
          const gExpected = l.map((x, i) => -dLogits(z[i], x));
          assertUlps(g, gExpected, dtype, limit, `${dtype} gradient`);
        }
        // The composed form in float32 loses it entirely.
        const composed = rv.sub(rv.softplus(rv.tensor([20], undefined, 'float32')), 20);
        assert.equal(values(composed)[0], 0);
      });
    });

    it('matches TensorFlow\'s formula max(x, 0) − x·z + log(1 + e^−|x|) at moderate logits', () => {
      rv.tidy(() => {
        const x = [-3, -0.5, 0, 0.25, 2, 5];
        const z = [0.2, 1, 0.5, 0, 1, 0.7];
        const tf = x.map((v, i) => Math.max(v, 0) - v * z[i] + Math.log1p(Math.exp(-Math.abs(v))));
        const out = values(rv.sigmoidCrossEntropyWithLogits(rv.tensor(z, undefined, 'float64'), rv.tensor(x, undefined, 'float64')));
        out.forEach((v, i) => assert.ok(Math.abs(v - tf[i]) <= 4e-16 * Math.max(1, tf[i]), `[${i}]: ${v} vs ${tf[i]}`));
        // And the composed ops.
        const composed = values(rv.sub(rv.mul(rv.tensor(z, undefined, 'float64'), rv.tensor(x, undefined, 'float64')), rv.softplus(rv.tensor(x, undefined, 'float64'))));
        const ll = values(rv.binaryLogLikelihoodWithLogits(rv.tensor(z, undefined, 'float64'), rv.tensor(x, undefined, 'float64')));
        ll.forEach((v, i) => assert.ok(Math.abs(v - composed[i]) <= 1e-15 * Math.max(1, Math.abs(v)), `[${i}]: ${v} vs ${composed[i]}`));
      });
    });

    it('gives the limits at infinite logits, NaN for NaN', () => {
      rv.tidy(() => {
        for (const dtype of ['float32', 'float64'] as const) {
          const l = rv.tensor([Infinity, -Infinity, Infinity, -Infinity, Infinity, NaN, 1], undefined, dtype);
          const z = rv.tensor([1, 0, 0, 1, 0.5, 1, NaN], undefined, dtype);
          const out = values(rv.sigmoidCrossEntropyWithLogits(z, l));
          const expected = [0, 0, Infinity, Infinity, Infinity, NaN, NaN];
          out.forEach((v, i) => assert.ok(Object.is(v, expected[i]) || (v === 0 && expected[i] === 0) || (Number.isNaN(v) && Number.isNaN(expected[i])),
            `${dtype} [${i}]: got ${v}, expected ${expected[i]}`));
          const g = values(rv.grad((x: rv.Tensor) => rv.sum(rv.sigmoidCrossEntropyWithLogits(z, x)))(l));
          const gExpected = [0, 0, 1, -1, 0.5, NaN, NaN];
          g.forEach((v, i) => assert.ok(v === gExpected[i] || (Number.isNaN(v) && Number.isNaN(gExpected[i])), `${dtype} gradient [${i}]: got ${v}, expected ${gExpected[i]}`));
        }
      });
    });

    it('dtype rules: int32 and bool labels compute in the logits\' float dtype; float64 wins', () => {
      rv.tidy(() => {
        const l32 = rv.tensor([0.5, -2], undefined, 'float32');
        const a = rv.sigmoidCrossEntropyWithLogits(rv.tensor([1, 0], undefined, 'int32'), l32);
        assert.equal(a.dtype, 'float32');
        assertUlps(a, [loss(1, Math.fround(0.5)), loss(0, -2)], 'float32', 1, 'int32 labels');
        assert.equal(rv.sigmoidCrossEntropyWithLogits(rv.tensor([true, false]), l32).dtype, 'float32');
        assert.equal(rv.binaryLogLikelihoodWithLogits([1, 0], l32, rv.tensor([3, 3], undefined, 'float64')).dtype, 'float64');
        assert.equal(rv.binaryLogLikelihoodWithLogits(1, [0.5], 4).dtype, 'float32');
        assertUlps(rv.binaryLogLikelihoodWithLogits(1, rv.tensor([0.5], undefined, 'float64'), 4), [logLikelihood(1, 0.5, 4)], 'float64', 4, 'JS numbers');
        assert.deepEqual(rv.sigmoidCrossEntropyWithLogits(rv.zeros([0, 3]), rv.zeros([3])).shape, [0, 3]);
      });
    });

    it('errors name the op and the arguments', () => {
      assert.throws(() => rv.sigmoidCrossEntropyWithLogits([1, 0, 1], [0, 1]), /sigmoidCrossEntropyWithLogits: .*labels \[3\], logits \[2\]/);
      assert.throws(() => rv.binaryLogLikelihoodWithLogits([1], [0, 1], [1, 2, 3]), /binaryLogLikelihoodWithLogits: .*trials \[3\]/);
    });
  });

  describe('gradients', () => {
    const f64 = (vals: number[], shape: number[]) => rv.tensor(vals, shape, 'float64');

    it('against finite differences, every input, broadcasting', () => {
      const rng = makeRng(11);
      rv.tidy(() => {
        const l = f64(Array.from({ length: 12 }, () => 6 * rng() - 3), [3, 4]);
        const s = f64(Array.from({ length: 4 }, () => rng()), [4]);
        const n = f64([2, 3, 4], [3, 1]);
        checkGradient(weightedSum((a, b) => rv.sigmoidCrossEntropyWithLogits(a, b)), [s, l], { what: 'loss' });
        checkGradient(weightedSum((a, b) => rv.binaryLogLikelihoodWithLogits(a, b)), [s, l], { what: 'log-likelihood' });
        checkGradient(weightedSum((a, b, c) => rv.binaryLogLikelihoodWithLogits(a, b, c)), [rv.mul(s, 2), l, n], { what: 'with trials' });
        // Non-contiguous inputs and scalar broadcasts.
        const view = nonContiguous(Array.from({ length: 12 }, () => 6 * rng() - 3), [3, 4], 'float64', rng);
        checkGradient(weightedSum((a, b, c) => rv.binaryLogLikelihoodWithLogits(a, b, c)), [f64([0.5], []), view, f64([3], [])], { what: 'views' });
      });
    });

    it('equal the composed form\'s gradients', () => {
      const rng = makeRng(12);
      rv.tidy(() => {
        const l = f64(Array.from({ length: 10 }, () => 8 * rng() - 4), [10]);
        const s = f64(Array.from({ length: 10 }, () => 3 * rng()), [10]);
        const n = f64(Array.from({ length: 10 }, () => 3 + rng()), [10]);
        const fused = rv.grad(weightedSum((a, b, c) => rv.binaryLogLikelihoodWithLogits(a, b, c)))(s, l, n) as rv.Tensor[];
        const composed = rv.grad(weightedSum((a, b, c) => rv.sub(rv.mul(a, b), rv.mul(c, rv.softplus(b)))))(s, l, n) as rv.Tensor[];
        fused.forEach((g, k) => {
          const a = values(g);
          const b = values(composed[k]);
          a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-14 * Math.max(1, Math.abs(b[i])), `input ${k} [${i}]: ${v} vs ${b[i]}`));
        });
      });
    });

    /** The weighted sum of f's gradients: its gradient holds f's second derivatives. */
    const gradSum = (f: Fn): Fn => (...xs) => {
      const g = rv.grad(f)(...xs);
      const list: rv.Tensor[] = xs.length === 1 ? [g] : g;
      return list.map((t, i) => weightedSum((y) => y, 11 + i)(t)).reduce((a, b) => rv.add(a, b));
    };

    it('second derivatives against finite differences of the first', () => {
      const rng = makeRng(13);
      rv.tidy(() => {
        const l = f64(Array.from({ length: 6 }, () => 6 * rng() - 3), [2, 3]);
        const s = f64(Array.from({ length: 3 }, () => rng()), [3]);
        const n = f64([2, 5], [2, 1]);
        checkGradient(gradSum(weightedSum((a, b) => rv.sigmoidCrossEntropyWithLogits(a, b))), [s, l], { what: "loss''" });
        checkGradient(gradSum(weightedSum((a, b, c) => rv.binaryLogLikelihoodWithLogits(a, b, c))), [rv.mul(s, 2), l, n], { what: "log-likelihood''" });
        // Third order in the logits (the gradient op's own gradient, differentiated again).
        checkGradient(gradSum(gradSum(weightedSum((b) => rv.binaryLogLikelihoodWithLogits(s, b, 3)))), [l], { what: "log-likelihood'''", rtol: 1e-5 });
      });
    });
  });

  describe('vmap against stacking', () => {
    it('batched logits, labels or trials, and the gradient under vmap', () => {
      const rng = makeRng(21);
      rv.tidy(() => {
        const l = rv.tensor(Array.from({ length: 15 }, () => 8 * rng() - 4), [3, 5], 'float64');
        const s = rv.tensor(Array.from({ length: 5 }, () => rng()), [5], 'float64');
        const n = rv.tensor([2, 3, 4], [3], 'float64');
        checkVmap((a, b) => rv.sigmoidCrossEntropyWithLogits(a, b), [s, l], [null, 0], { what: 'batched logits' });
        checkVmap((a, b) => rv.sigmoidCrossEntropyWithLogits(a, b), [rv.stack([s, s, s]), rv.tensor([0.5], [1], 'float64')], [0, null], { what: 'batched labels' });
        checkVmap((a, b, c) => rv.binaryLogLikelihoodWithLogits(a, b, c), [s, l, n], [null, 0, 0], { what: 'batched trials' });
        const grad = rv.grad((b: rv.Tensor, c: rv.Tensor) => rv.sum(rv.binaryLogLikelihoodWithLogits(rv.mul(s, 2), b, c)));
        checkVmap((b, c) => (grad(b, c) as rv.Tensor[])[0], [l, n], [0, 0], { what: 'vmap of grad, logits' });
        checkVmap((b, c) => (grad(b, c) as rv.Tensor[])[1], [l, n], [0, 0], { what: 'vmap of grad, trials' });
      });
    });
  });
});
