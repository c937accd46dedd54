/**
 * Random numbers: samplers with TensorFlow.js / TensorFlow names and argument orders, the key
 * API (`rv.random.key`, `split`, `foldIn`) and the global seed (`rv.setSeed`).
 *
 * Every sampler runs natively on Philox4x32-10 keyed by the seed: the same seed gives the same
 * values on any number of threads. `seed` is a number or a RandomKey; without one the global
 * generator is used and advanced (see `setSeed`). One seed always gives the same underlying
 * random bits, so two different samplers called with one seed are not independent of each
 * other: draw with `rv.random.split` keys for that.
 *
 * Parameters (means, rates, probabilities...) are numbers, arrays or tensors. Two shape
 * conventions, each TensorFlow's for its op:
 * - location-scale and per-element ops (randomUniform, randomNormal, truncatedNormal,
 *   randomBinomial, randomBernoulli): the output has exactly `shape`; parameters broadcast to it
 *   (as `tf.random.normal`, `tf.random.stateless_binomial`);
 * - distribution-batch ops (randomGamma, randomBeta, randomPoisson, randomExponential,
 *   randomMultinomial): the output is `shape` followed by the parameters' broadcast shape (as
 *   `tf.random.gamma` and `tf.random.poisson`).
 * Invalid parameters (a negative rate, a probability above 1, NaN) do not throw, since they may
 * sit in tensors: those elements are NaN, or -1 in an int32 output.
 *
 * Gradients (reparameterisation): randomUniform, randomNormal and truncatedNormal are
 * differentiable with respect to their location and scale parameters (the draw is
 * a + b·noise with noise independent of them), randomExponential with respect to its rate (the
 * draw is E / rate). The other samplers give no gradient for now; implicit reparameterisation of
 * the gamma-based ones (gamma, beta) comes with the distributions.
 *
 * Under `rv.vmap` every sampler draws the whole batch in one call, each member its own values:
 * member k of a vmapped draw of `shape` is slice k of the same call with shape [size, ...shape]
 * (and member k's parameters), for the same seed. The batch members' draws are therefore
 * independent of each other, and a vmapped function called with a seed is reproducible.
 */
import type { TensorLike } from '../convert';
import { makeTensor } from '../convert';
import type { DType } from '../dtype';
import { alignBatched, broadcastBatch } from '../batching';
import { type BatchContext, type BatchRule, defineOp, type GradientRule, opError, type Op } from '../op';
import { broadcastShapes, checkShape, formatShape, RuleError, type Shape } from '../shape';
import { Tensor } from '../tensor';
import { commitDraw, type Draw, drawAttrs, drawFor, foldIn, key, RandomKey, type Seed, setSeed, split } from '../random/key';
import { div, mul, neg, sub } from './elementwise';
import { broadcastTo, reshape } from './view';

export type { RandomKey, Seed };
export { setSeed };

/**
 * The key API: `rv.random.key(seed)` makes a key, `rv.random.split(key, n)` derives n
 * independent keys, `rv.random.foldIn(key, i)` derives one key per integer i.
 *
 * @example
 * const [a, b] = rv.random.split(rv.random.key(7));
 * const x = rv.randomNormal([100], 0, 1, 'float32', a);
 * const y = rv.randomUniform([100], 0, 1, 'float32', b);  // independent of x
 */
export const random = Object.freeze({ key, split, foldIn });

interface SamplerAttrs {
  shape: Shape;
  dtype: DType;
  draw: Draw;
  /** Kernel attributes after the draw's four. */
  extra?: number[];
}

/** Parameters compute in float64, unless the tensors among them are float32 (and none float64). */
function paramDType(dtypes: readonly DType[]): DType {
  if (dtypes.includes('float64')) return 'float64';
  return dtypes.includes('float32') ? 'float32' : 'float64';
}

function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  return from.every((d, i) => d === 1 || d === to[to.length - from.length + i]);
}

function describeDTypes(dtypes: readonly DType[]): string {
  return dtypes.join(' or ');
}

type Layout = 'broadcast' | 'prepend';

/**
 * Declares a sampler. `layout`: 'broadcast', the output is `shape` and parameters broadcast
 * to it; 'prepend', the output is `shape` followed by the parameters' broadcast shape.
 */
function samplerOp(name: string, params: readonly string[], layout: Layout, dtypes: readonly DType[], gradient: GradientRule<SamplerAttrs> | 'none'): Op<SamplerAttrs> {
  return defineOp<SamplerAttrs>({
    name,
    inputs: params,
    dtype: (ds, { dtype }) => {
      if (!dtypes.includes(dtype)) throw new RuleError(`dtype must be ${describeDTypes(dtypes)}, got ${String(dtype)}`);
      const p = paramDType(ds);
      return { inputs: ds.map(() => p), output: dtype };
    },
    shape: (shapes, { shape }) => {
      const s = checkShape(shape);
      if (layout === 'prepend') return checkShape([...s, ...broadcastShapes(shapes, params)], 'output shape');
      shapes.forEach((p, i) => {
        if (!broadcastsTo(p, s)) throw new RuleError(`argument '${params[i]}' of shape ${formatShape(p)} does not broadcast to shape ${formatShape(s)}`);
      });
      return s;
    },
    kernelAttrs: ({ draw, extra }) => [...drawAttrs(draw), ...(extra ?? [])],
    gradient,
    batch: layout === 'broadcast' ? broadcastLayoutBatch : prependLayoutBatch(params.map(() => 0)),
    random: true,
  });
}

// Batching. Every element of a draw depends only on the key, its flat position in the output
// and its own parameters (native/kernels/random.h), so drawing [size, ...shape] in one call
// gives each member its own values: member k's are those at positions k·n ... (k + 1)·n - 1.

/** 'broadcast' layout: shape [size, ...shape]; batched parameters get size-1 axes after the batch axis. */
const broadcastLayoutBatch: BatchRule<SamplerAttrs> = (inputs, ctx) => {
  const rank = ctx.attrs.shape.length;
  const physical = inputs.map((t, i) => (ctx.batched[i] ? alignBatched(t, rank) : t));
  return ctx.run(physical, { ...ctx.attrs, shape: [ctx.size, ...ctx.attrs.shape] });
};

/**
 * 'prepend' layout (output = shape ++ parameters' shape). With unbatched parameters: shape
 * [size, ...shape]. With a batched one, the batch axis cannot come first through `shape`, so
 * the draw has shape [] and every parameter is broadcast (a view) to [size, ...output]: the
 * output is [size, ...output] with each element at the flat position the unbatched-parameter
 * draw would give it, so the two cases give the same values for the same parameters.
 * `dropped[i]`: how many trailing output axes parameter i does not cover (randomMultinomial's
 * totalCount has no class axis).
 */
function prependLayoutBatch(dropped: readonly number[]): BatchRule<SamplerAttrs> {
  return (inputs, ctx) => {
    if (!ctx.batched.includes(true)) return ctx.run(inputs, { ...ctx.attrs, shape: [ctx.size, ...ctx.attrs.shape] });
    const full = [ctx.size, ...ctx.outShape];
    const physical = inputs.map((t, i) => {
      const target = full.slice(0, full.length - dropped[i]);
      return broadcastTo(ctx.batched[i] ? alignBatched(t, target.length - 1) : t, target);
    });
    return ctx.run(physical, { ...ctx.attrs, shape: [] });
  };
}

// Gradients. The location-scale samplers draw a + b·s with standard noise s that does not
// depend on the parameters; the rules redraw s from the same draw (same key and stream, unit
// parameters), which is exact and, unlike (out - a) / b, finite at b = 0. Inside vmap the redraw
// is batched as the forward draw was, so each member gets its own noise back.

function standardNoise(op: Op<SamplerAttrs>, attrs: SamplerAttrs): Tensor {
  return op.run([0, 1], attrs);
}

/** randomUniform: out = minval + u·(maxval - minval); int32 draws are not differentiable. */
const uniformGradient: GradientRule<SamplerAttrs> = (dy, { attrs, needs }) => {
  if (attrs.dtype === 'int32') return [null, null];
  const du = mul(dy, standardNoise(uniformOp, attrs));
  return [needs[0] ? sub(dy, du) : null, needs[1] ? du : null];
};

/** randomNormal and truncatedNormal: out = mean + stdDev·z. */
function locationScaleGradient(op: () => Op<SamplerAttrs>): GradientRule<SamplerAttrs> {
  return (dy, { attrs, needs }) => [needs[0] ? dy : null, needs[1] ? mul(dy, standardNoise(op(), attrs)) : null];
}

/** randomExponential: out = E / rate, so d out / d rate = -out / rate. */
const exponentialGradient: GradientRule<SamplerAttrs> = (dy, { inputs, output }) => [neg(div(mul(dy, output), inputs[0]))];

/**
 * Runs a sampler: JS parameter values become tensors of the parameters' compute dtype (so a
 * float64 draw's mean 0.1 is not first rounded to float32), the draw is taken from the seed or
 * the global generator, and a global draw is claimed only when the op succeeds.
 */
function sample(op: Op<SamplerAttrs>, params: readonly unknown[], attrs: Omit<SamplerAttrs, 'draw'>, seed: unknown, caller = op.name): Tensor {
  const draw = drawFor(caller, seed);
  const tensors = params.filter((p): p is Tensor => p instanceof Tensor);
  const pdtype = paramDType(tensors.map((t) => t.dtype));
  const temporaries: Tensor[] = [];
  try {
    const args = params.map((p, i) => {
      if (p instanceof Tensor) return p;
      try {
        const t = makeTensor(p, undefined, pdtype);
        temporaries.push(t);
        return t;
      } catch (error) {
        if (error instanceof RuleError) throw opError(caller, `argument '${op.inputs[i]}': ${error.message}`);
        throw error;
      }
    });
    const out = op.run(args, { ...attrs, draw }, caller);
    commitDraw(draw);
    return out;
  } finally {
    for (const t of temporaries) t.dispose();
  }
}

const floats: readonly DType[] = ['float32', 'float64'];
const counts: readonly DType[] = ['float32', 'float64', 'int32'];

const uniformOp = samplerOp('randomUniform', ['minval', 'maxval'], 'broadcast', counts, uniformGradient);
const normalOp = samplerOp('randomNormal', ['mean', 'stdDev'], 'broadcast', floats, locationScaleGradient(() => normalOp));
const truncatedNormalOp = samplerOp('truncatedNormal', ['mean', 'stdDev'], 'broadcast', floats, locationScaleGradient(() => truncatedNormalOp));
// Gamma and beta: implicit reparameterisation gradients come with the distributions.
const gammaOp = samplerOp('randomGamma', ['alpha', 'beta'], 'prepend', floats, 'none');
const betaOp = samplerOp('randomBeta', ['concentration1', 'concentration0'], 'prepend', floats, 'none');
const exponentialOp = samplerOp('randomExponential', ['rate'], 'prepend', floats, exponentialGradient);
// Discrete draws have no gradient.
const poissonOp = samplerOp('randomPoisson', ['lam'], 'prepend', counts, 'none');
const binomialOp = samplerOp('randomBinomial', ['counts', 'probs'], 'broadcast', counts, 'none');
const bernoulliOp = samplerOp('randomBernoulli', ['probs'], 'broadcast', counts, 'none');

/**
 * Uniform draws in [minval, maxval). float32 values have 24 random bits, float64 53; values
 * that would round up to maxval are kept below it. int32 draws are integers in
 * [minval, maxval), which must then be integers with minval < maxval (else an Error).
 * minval and maxval may be tensors broadcasting to `shape`.
 *
 * @example
 * rv.randomUniform([2, 3]);                          // float32 in [0, 1)
 * rv.randomUniform([4], -1, 1, 'float64', 42);        // seeded
 * rv.randomUniform([10], 0, 6, 'int32', 1);           // dice minus one
 */
export function randomUniform(shape: Shape, minval: TensorLike = 0, maxval: TensorLike = 1, dtype: DType = 'float32', seed?: Seed): Tensor {
  return sample(uniformOp, [minval, maxval], { shape, dtype }, seed);
}

/**
 * Normal draws with `mean` and standard deviation `stdDev` (numbers or tensors broadcasting
 * to `shape`), by the Box–Muller transform. A negative stdDev flips the draws' sign.
 *
 * @example
 * rv.randomNormal([1000]);                        // standard normal, float32
 * rv.randomNormal([3], 10, 2, 'float64', 7);      // seeded
 */
export function randomNormal(shape: Shape, mean: TensorLike = 0, stdDev: TensorLike = 1, dtype: DType = 'float32', seed?: Seed): Tensor {
  return sample(normalOp, [mean, stdDev], { shape, dtype }, seed);
}

/**
 * Normal draws truncated to within two standard deviations of the mean, as TensorFlow's
 * `truncatedNormal`: values further out are redrawn (not clipped), so the result follows the
 * normal density restricted to [mean - 2 stdDev, mean + 2 stdDev], renormalised. The draw is
 * mean + stdDev·z with z a standard normal truncated to [-2, 2], so its gradient with respect
 * to mean is 1 and with respect to stdDev is z.
 *
 * @example
 * rv.truncatedNormal([256, 128], 0, 0.05);   // a weight initialisation
 */
export function truncatedNormal(shape: Shape, mean: TensorLike = 0, stdDev: TensorLike = 1, dtype: DType = 'float32', seed?: Seed): Tensor {
  return sample(truncatedNormalOp, [mean, stdDev], { shape, dtype }, seed);
}

/**
 * Gamma draws with shape `alpha` and rate `beta` (density ∝ x^(alpha-1) e^(-beta x)), by
 * Marsaglia and Tsang's method; alpha < 1 uses Gamma(alpha + 1) U^(1/alpha), formed in log
 * space so that small alphas are exact down to the dtype's smallest number (with alpha = 0.01
 * about a third of float32 draws are below 1e-45 and are correctly 0). The output shape is
 * `shape` followed by the broadcast shape of alpha and beta, as `tf.random.gamma`. alpha or
 * beta not positive and finite gives NaN.
 *
 * @example
 * rv.randomGamma([1000], 2.5);              // shape [1000]
 * rv.randomGamma([10], [1, 2, 3], 1, 'float64', 0);  // shape [10, 3]
 */
export function randomGamma(shape: Shape, alpha: TensorLike, beta: TensorLike = 1, dtype: DType = 'float32', seed?: Seed): Tensor {
  return sample(gammaOp, [alpha, beta], { shape, dtype }, seed);
}

/**
 * Beta draws with concentrations `concentration1` (alpha, the exponent of x) and
 * `concentration0` (beta, the exponent of 1 - x), as X / (X + Y) for gamma draws X and Y
 * (from their logs when a concentration is below 1). The output shape is `shape` followed by
 * the parameters' broadcast shape. Non-positive or non-finite concentrations give NaN.
 *
 * @example
 * rv.randomBeta([100], 2, 5);
 * rv.randomBeta([4], [0.5, 1], 1, 'float64', 3);  // shape [4, 2]
 */
export function randomBeta(shape: Shape, concentration1: TensorLike, concentration0: TensorLike, dtype: DType = 'float32', seed?: Seed): Tensor {
  return sample(betaOp, [concentration1, concentration0], { shape, dtype }, seed);
}

/**
 * Exponential draws with `rate` (mean 1/rate), as -log(U)/rate. The output shape is `shape`
 * followed by rate's shape. rate ≤ 0 or NaN gives NaN.
 *
 * @example
 * rv.randomExponential([1000], 2);
 */
export function randomExponential(shape: Shape, rate: TensorLike = 1, dtype: DType = 'float32', seed?: Seed): Tensor {
  return sample(exponentialOp, [rate], { shape, dtype }, seed);
}

/**
 * Poisson draws with rate `lam` (`tf.random.poisson`): inversion for lam < 10, Hörmann's
 * transformed rejection (PTRS) above, exact at any rate. The output shape is `shape` followed by
 * lam's shape. dtype float32 (default), float64 or int32 (values above 2^31 - 1 saturate; float32
 * represents counts exactly up to 2^24). lam negative, infinite or NaN gives NaN (-1 in int32).
 *
 * @example
 * rv.randomPoisson([5], 3.5);
 * rv.randomPoisson([2], [1, 1e6], 'int32', 0);   // shape [2, 2]
 */
export function randomPoisson(shape: Shape, lam: TensorLike, dtype: DType = 'float32', seed?: Seed): Tensor {
  return sample(poissonOp, [lam], { shape, dtype }, seed);
}

/**
 * Binomial draws: successes in `counts` trials of probability `probs`, both broadcasting to
 * `shape` (as `tf.random.stateless_binomial`): inversion when counts·min(p, 1-p) < 10, else
 * Hörmann's BTRS. counts not a non-negative integer, or probs outside [0, 1], gives NaN (-1 in
 * int32).
 *
 * @example
 * rv.randomBinomial([3], 10, 0.3);
 * rv.randomBinomial([2, 2], [[5, 50]], 0.5, 'int32', 1);
 */
export function randomBinomial(shape: Shape, counts: TensorLike, probs: TensorLike, dtype: DType = 'float32', seed?: Seed): Tensor {
  return sample(binomialOp, [counts, probs], { shape, dtype }, seed);
}

/**
 * Bernoulli draws: 1 with probability `probs` (broadcasting to `shape`), else 0; int32 by
 * default, as TensorFlow Probability's Bernoulli. probs outside [0, 1] or NaN gives -1 (NaN
 * in float dtypes).
 *
 * @example
 * rv.randomBernoulli([10], 0.3);
 */
export function randomBernoulli(shape: Shape, probs: TensorLike = 0.5, dtype: DType = 'int32', seed?: Seed): Tensor {
  return sample(bernoulliOp, [probs], { shape, dtype }, seed);
}

interface CategoricalAttrs {
  numSamples: number;
  normalized: boolean;
  draw: Draw;
}
const categoricalOp = defineOp<CategoricalAttrs>({
  name: 'multinomial',
  inputs: ['logits'],
  dtype: ([x]) => {
    const t = x === 'float64' ? 'float64' : 'float32';
    return { inputs: [t], output: 'int32' as DType };
  },
  shape: ([x], { numSamples, normalized }) => {
    if (x.length !== 1 && x.length !== 2) throw new RuleError(`logits must have rank 1 or 2, got shape ${formatShape(x)}`);
    if (x[x.length - 1] === 0) throw new RuleError(`logits of shape ${formatShape(x)} has no classes`);
    if (typeof normalized !== 'boolean') throw new RuleError(`normalized must be a boolean, got ${String(normalized)}`);
    if (typeof numSamples !== 'number' || !Number.isInteger(numSamples) || numSamples < 0) {
      throw new RuleError(`numSamples must be a non-negative integer, got ${String(numSamples)}`);
    }
    return checkShape(x.length === 1 ? [numSamples] : [x[0], numSamples], 'output shape');
  },
  kernelAttrs: ({ draw, normalized }) => [...drawAttrs(draw), normalized ? 1 : 0],
  gradient: 'none',
  batch: categoricalBatch,
  random: true,
});

/**
 * The batch's rows drawn in one call, as logits of shape [size·rows, classes]: member k's
 * samples are those the unbatched op gives rows k·rows ... (k + 1)·rows - 1 of the stacked
 * logits. Unbatched logits of one row draw size·numSamples samples from it instead (the same
 * values, as element i of the output takes block i of the draw whatever its row, without
 * copying the row size times).
 */
function categoricalBatch(inputs: readonly Tensor[], ctx: BatchContext<CategoricalAttrs>): Tensor {
  const [logits] = inputs;
  const { numSamples } = ctx.attrs;
  const outShape = [ctx.size, ...ctx.outShape];
  if (!ctx.batched[0] && logits.rank === 1) return reshape(ctx.run([logits], { ...ctx.attrs, numSamples: ctx.size * numSamples }), outShape);
  const rows = ctx.batched[0] ? logits : broadcastBatch(logits, ctx.size);
  const classes = rows.shape[rows.rank - 1];
  return reshape(ctx.run([reshape(rows, [rows.size / classes, classes])]), outShape);
}

/**
 * Class indices drawn from categorical distributions, as TensorFlow.js's `multinomial` (and
 * `tf.random.categorical`): `logits` is [numClasses] or [batch, numClasses] unnormalised log
 * probabilities (probabilities when `normalized`); the result is int32 of shape [numSamples] or
 * [batch, numSamples]. Rows with NaN logits, negative probabilities or no positive weight give -1.
 *
 * @example
 * rv.multinomial([0, 0, Math.log(2)], 5);            // classes 0, 1, 2 with odds 1:1:2
 * rv.multinomial([[0.2, 0.8]], 3, 11, true);         // shape [1, 3], seeded
 */
export function multinomial(logits: TensorLike, numSamples: number, seed?: Seed, normalized = false): Tensor {
  const draw = drawFor('multinomial', seed);
  const out = categoricalOp.run([logits], { numSamples, normalized, draw });
  commitDraw(draw);
  return out;
}

const multinomialCountsOp = defineOp<SamplerAttrs>({
  name: 'randomMultinomial',
  inputs: ['totalCount', 'probs'],
  dtype: (ds, { dtype }) => {
    if (!counts.includes(dtype)) throw new RuleError(`dtype must be ${describeDTypes(counts)}, got ${String(dtype)}`);
    const p = paramDType(ds);
    return { inputs: [p, p], output: dtype };
  },
  shape: ([total, probs], { shape }) => {
    const s = checkShape(shape);
    if (probs.length === 0) throw new RuleError('probs must have a class axis (rank >= 1), got a scalar');
    const batch = broadcastShapes([total, probs.slice(0, -1)], ['totalCount', 'probs (without its last axis)']);
    return checkShape([...s, ...batch, probs[probs.length - 1]], 'output shape');
  },
  kernelAttrs: ({ draw }) => drawAttrs(draw),
  gradient: 'none',
  batch: prependLayoutBatch([1, 0]),
  random: true,
});

/**
 * Multinomial counts: `totalCount` trials spread over the classes of `probs` (last axis;
 * weights, normalised by their sum), as TensorFlow Probability's Multinomial. The output shape
 * is `shape`, then the broadcast of totalCount's shape with probs' batch shape, then the
 * classes. Rows with an invalid count or weights give NaN (-1 in int32).
 *
 * @example
 * rv.randomMultinomial([2], 10, [0.2, 0.3, 0.5]);   // shape [2, 3], each row sums to 10
 */
export function randomMultinomial(shape: Shape, totalCount: TensorLike, probs: TensorLike, dtype: DType = 'float32', seed?: Seed): Tensor {
  return sample(multinomialCountsOp, [totalCount, probs], { shape, dtype }, seed);
}
