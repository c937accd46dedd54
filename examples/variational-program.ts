/**
 * The paper's Figure 2: a variational program with data-dependent control flow. A coin flip on
 * a latent decides which of two small decoders generates the output, and the two give results
 * of different shapes; TypeScript control flow is all it takes, and gradients flow through
 * whichever branch ran.
 *
 * Run: npx tsx examples/variational-program.ts
 */
import * as rv from '../lib/index';

const decoderA = { w: rv.randomNormal([2, 3], 0, 0.5, 'float64', 1) };
const decoderB = { w: rv.randomNormal([2, 5], 0, 0.5, 'float64', 2) };

function variational(x: rv.Tensor, weights = { a: decoderA.w, b: decoderB.w }) {
  const eps = rv.Normal({ loc: rv.zeros([2], 'float64'), scale: 1, name: 'eps' });
  // Data-dependent control flow: the branch depends on the drawn value.
  if (eps.value.dataSync()[0] > 0) {
    return rv.Normal({ loc: rv.tanh(rv.matMul(rv.add(eps, x), weights.a)), scale: 0.1, name: 'out' });
  }
  return rv.Normal({ loc: rv.sin(rv.matMul(rv.sub(eps, x), weights.b)), scale: 0.1, name: 'out' });
}

const x = rv.tensor([0.5, -0.5], [2], 'float64');
for (const seed of [1, 2, 3, 4]) {
  const out = rv.seed(variational, seed)(x);
  console.log(`seed ${seed}: output shape [${out.shape}]`);
}

// A gradient of the output's mean through whichever branch the seed selects.
for (const seed of [1, 2]) {
  const [ga, gb] = rv.grad((a: rv.Tensor, b: rv.Tensor) => rv.sum(rv.seed(variational, seed)(x, { a, b }).distribution.mean()))(decoderA.w, decoderB.w);
  const norm = (t: rv.Tensor) => Math.sqrt(rv.sum(rv.square(t)).dataSync()[0]);
  console.log(`seed ${seed}: |d/d decoderA| = ${norm(ga).toFixed(4)}, |d/d decoderB| = ${norm(gb).toFixed(4)} (only the branch taken has a gradient)`);
}
