/**
 * NUTS on models written with random variables (issue 7): latents found by tracing, sampled in
 * unconstrained space through their default bijectors (with the log-det Jacobian) and mapped
 * back. Conjugate posteriors within 4 MCSE, eight schools, a support that depends on another
 * latent, a simplex, inits by name, models vmap cannot batch, and errors.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { assertMeans, eightSchoolsPosteriorMeans, f64, numbers, schoolsSigma as sigmas, schoolsY as ys, total } from './mcmc-helpers';

const one = rv.scalar(1, 'float64');

function betaBernoulli(n: number) {
  const p = rv.Beta({ concentration1: one, concentration0: one, name: 'p' });
  return rv.Bernoulli({ probs: p, sampleShape: [n], name: 'x' });
}
const coinFlips = rv.tensor([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0], [20], 'int32');

const schoolsY = f64(ys);
const schoolsSigma = f64(sigmas);
function eightSchools() {
  const mu = rv.Normal({ loc: rv.scalar(0, 'float64'), scale: 5, name: 'mu' });
  const tau = rv.HalfCauchy({ loc: rv.scalar(0, 'float64'), scale: 5, name: 'tau' });
  const thetaTilde = rv.Normal({ loc: rv.zeros([8], 'float64'), scale: 1, name: 'thetaTilde' });
  return rv.Normal({ loc: rv.add(mu, rv.mul(tau, thetaTilde)), scale: schoolsSigma, name: 'y' });
}

describe('rv.mcmc.nuts on models', () => {
  it('samples Beta–Bernoulli through the model: a latent on (0, 1), posterior Beta(1 + k, 1 + n − k) within 4 MCSE', async () => {
    const fit = await rv.mcmc.nuts({ model: betaBernoulli, args: [20], observed: { x: coinFlips }, numChains: 4, numWarmup: 200, numSamples: 500, seed: 1, progress: false });
    const p = fit.named().p;
    assert.deepEqual(p.shape, [4, 500]);
    assert.equal(p.dtype, 'float64');
    for (const v of numbers(p)) assert.ok(v > 0 && v < 1);
    const [a, b] = [1 + 6, 1 + 14];
    const mean = a / (a + b);
    const draws = rv.reshape(p, [4, 500, 1]);
    assertMeans(draws, [mean], 'p');
    assertMeans(rv.square(rv.sub(draws, mean)), [(a * b) / ((a + b) ** 2 * (a + b + 1))], 'p variance');
  });

  it('samples eight schools (non-centred) without divergences, with R-hat below 1.01, tau positive and the posterior means of quadrature', async () => {
    // Target acceptance 0.9: at 0.8 a few transitions in 10⁴ diverge, as in Stan.
    const fit = await rv.mcmc.nuts({ model: eightSchools, observed: { y: schoolsY }, numChains: 4, numWarmup: 250, numSamples: 400, seed: 2, progress: false, targetAcceptProb: 0.9 });
    const { mu, tau, thetaTilde } = fit.draws as Record<string, rv.Tensor>;
    assert.deepEqual([mu.shape, tau.shape, thetaTilde.shape], [[4, 400], [4, 400], [4, 400, 8]]);
    assert.equal(total(fit.stats.diverging), 0);
    for (const v of numbers(tau)) assert.ok(v > 0);
    for (const [name, draws] of Object.entries(fit.named())) {
      for (const r of numbers(rv.rhat(draws))) assert.ok(r < 1.01, `R-hat of ${name}: ${r}`);
    }
    const expected = eightSchoolsPosteriorMeans();
    assertMeans(rv.stack([mu, tau], 2), [expected.mu, expected.tau], 'mu, tau');
  });

  it('maps a latent whose support depends on another latent through that latent\'s current value', async () => {
    // tau ~ HalfNormal(1), theta | tau ~ Uniform(0, tau), no data: E[theta] = E[tau] / 2 = 1/√(2π).
    const model = () => {
      const tau = rv.HalfNormal({ scale: one, name: 'tau' });
      return rv.Uniform({ low: rv.scalar(0, 'float64'), high: tau, name: 'theta' });
    };
    const fit = await rv.mcmc.nuts({ model, numChains: 4, numWarmup: 200, numSamples: 600, seed: 3, progress: false });
    const { tau, theta } = fit.draws as Record<string, rv.Tensor>;
    const [t, th] = [numbers(tau), numbers(theta)];
    th.forEach((v, i) => assert.ok(v > 0 && v < t[i], `theta ${v} outside (0, ${t[i]})`));
    assertMeans(rv.stack([tau, theta], 2), [Math.sqrt(2 / Math.PI), 1 / Math.sqrt(2 * Math.PI)], 'tau, theta');
  });

  it('samples a simplex (Dirichlet–multinomial) in its K − 1 unconstrained coordinates', async () => {
    const alpha = f64([1, 2, 3]);
    const counts = f64([5, 1, 8]);
    const model = () => {
      const p = rv.Dirichlet({ concentration: alpha, name: 'p' });
      return rv.Multinomial({ totalCount: 14, probs: p, name: 'counts' });
    };
    const fit = await rv.mcmc.nuts({ model, observed: { counts }, numChains: 4, numWarmup: 200, numSamples: 500, seed: 4, progress: false });
    const p = fit.named().p;
    assert.deepEqual(p.shape, [4, 500, 3]);
    for (const s of numbers(rv.sum(p, -1))) assert.ok(Math.abs(s - 1) < 1e-12);
    // Posterior Dirichlet(α + counts) = Dirichlet(6, 3, 11).
    assertMeans(p, [6 / 20, 3 / 20, 11 / 20], 'p');
  });

  it('starts latents at the values given by name in init (the rest at random), each chain where its function says', async () => {
    const firstDraws: number[][] = [];
    await rv.mcmc.nuts({
      model: eightSchools, observed: { y: schoolsY }, numChains: 2, numWarmup: 0, numSamples: 1, seed: 5, progress: false,
      stepSize: 1e-6, adaptStepSize: false,
      init: (chain: number) => ({ mu: chain + 1, tau: 2 }),
      callback: (event) => {
        const draw = event.draw as Record<string, rv.Tensor>;
        firstDraws.push(numbers(draw.mu), numbers(draw.tau));
      },
    });
    // With a step size of 1e-6 the chains barely move from their starts.
    firstDraws[0].forEach((mu, chain) => assert.ok(Math.abs(mu - (chain + 1)) < 1e-3, `mu ${mu}`));
    firstDraws[1].forEach((tau) => assert.ok(Math.abs(tau - 2) < 1e-3, `tau ${tau}`));
  });

  it('runs a model that vmap cannot batch with chainMethod sequential', async () => {
    // The model reads a value (to branch on it), which vmap cannot allow.
    const model = () => {
      const mu = rv.Normal({ loc: rv.scalar(0, 'float64'), scale: 1, name: 'mu' });
      const scale = mu.value.dataSync()[0] > 100 ? 10 : 1;
      return rv.Normal({ loc: mu, scale, name: 'y' });
    };
    const options = { model, observed: { y: rv.scalar(1, 'float64') }, numChains: 2, numWarmup: 200, numSamples: 600, seed: 6, progress: false };
    await assert.rejects(rv.mcmc.nuts(options), /chainMethod: 'sequential'/);
    const fit = await rv.mcmc.nuts({ ...options, chainMethod: 'sequential' });
    // Posterior N(1/2, 1/2).
    assertMeans(rv.reshape(fit.named().mu, [2, 600, 1]), [0.5], 'mu');
  });

  it('throws clear errors for bad models and inits before sampling', async () => {
    const rejects = (options: rv.mcmc.NutsOptions, pattern: RegExp) => assert.rejects(rv.mcmc.nuts({ progress: false, seed: 1, numWarmup: 5, numSamples: 5, ...options }), pattern);
    await rejects({ model: betaBernoulli, args: [20], observed: { x: coinFlips }, init: { p: 1.5 } }, /nuts: init 'p' is outside the support of Beta/);
    await rejects({ model: betaBernoulli, args: [20], observed: { x: coinFlips }, init: { q: 0.5 } }, /nuts: init names 'q', which is not a latent of the model \(latents: p\)/);
    await rejects({ model: betaBernoulli, args: [20], observed: { x: coinFlips }, init: { p: [0.5, 0.5] } }, /nuts: init 'p' has shape \[2\], the latent has shape \[\]/);
    await rejects({ model: betaBernoulli, args: [20] }, /nuts: the latent 'x' \(Bernoulli\) is discrete/);
    await rejects({ model: betaBernoulli, args: [20], observed: { x: coinFlips, z: 1 } }, /nuts: observed names 'z', which the model does not have/);
    await rejects({ model: () => rv.Normal({ loc: 0, scale: 1 }) }, /nuts: a random variable of the model has no name/);
    await rejects({ model: betaBernoulli, args: [20], observed: { x: coinFlips, p: 0.5 } }, /nuts: the model has no latent random variables/);
    await rejects({ target: (x: rv.Tensor) => x.sum(), init: 0, observed: {} }, /nuts: args and observed go with model/);
  });
});
