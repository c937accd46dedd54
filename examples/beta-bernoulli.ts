/**
 * The paper's Figure 1: a Beta-Bernoulli model as a plain function of random variables, run end
 * to end — a draw from the model, its log joint and the gradient of the log joint, and the
 * exact posterior of p (the log joint normalised on a grid) against the conjugate formula
 * Beta(1 + heads, 1 + tails).
 *
 * Run: npx tsx examples/beta-bernoulli.ts
 */
import * as rv from '../lib/index';

function betaBernoulli(n: number) {
  const p = rv.Beta({ concentration1: 1, concentration0: 1, name: 'p' });
  return rv.Bernoulli({ probs: p, sampleShape: [n], name: 'x' });
}

// Run the model: x's value is drawn, p's too.
rv.setSeed(1);
const [x, tape] = rv.tape(() => betaBernoulli(50));
console.log(`a draw from the model: p = ${(tape.get('p')!.value.dataSync()[0]).toFixed(3)}, heads = ${x.value.sum().dataSync()[0]} of 50`);

// Observed data and the log joint as a function of p.
const data = rv.tensor(Array.from({ length: 50 }, (_, i) => (i % 5 < 2 ? 1 : 0)), [50], 'float64');  // 20 heads
const heads = 20;
const logJoint = rv.makeLogJointFn(betaBernoulli);
const at = (p: number) => logJoint(50, { p: rv.scalar(p, 'float64'), x: data });
const { value, grad } = rv.valueAndGrad((p: rv.Tensor) => logJoint(50, { p, x: data }))(rv.scalar(0.3, 'float64'));
console.log(`log joint at p = 0.3: ${value.dataSync()[0].toFixed(6)}, d/dp: ${grad.dataSync()[0].toFixed(6)}`);
console.log(`  closed form: ${(heads * Math.log(0.3) + 30 * Math.log(0.7)).toFixed(6)}, d/dp: ${(heads / 0.3 - 30 / 0.7).toFixed(6)}`);

// The exact posterior, from the log joint on a grid, against Beta(21, 31).
const grid = Array.from({ length: 999 }, (_, i) => (i + 1) / 1000);
const logPost = grid.map((p) => at(p).dataSync()[0]);
const top = Math.max(...logPost);
const weights = logPost.map((l) => Math.exp(l - top));
const norm = weights.reduce((a, b) => a + b) / 1000;
const posterior = new rv.distributions.Beta({ concentration1: 1 + heads, concentration0: 1 + 50 - heads });
const exact = posterior.prob(rv.tensor(grid, [grid.length], 'float64')).dataSync();
const worst = Math.max(...grid.map((_, i) => Math.abs(weights[i] / norm - exact[i])));
console.log(`posterior density from the log joint vs Beta(${1 + heads}, ${1 + 50 - heads}): largest difference ${worst.toExponential(2)} (peak ${Math.max(...Array.from(exact)).toFixed(3)})`);
if (!(worst < 1e-3)) throw new Error('beta-bernoulli: the posterior does not match the conjugate formula');
