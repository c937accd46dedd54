/**
 * NUTS on eight schools (non-centred), 4 chains × 1000 warm-up × 1000 draws, vectorised: the
 * model written with random variables, and the same log density written by hand as a target
 * (the difference is the cost of the model layer). Prints the bulk ESS per second of the
 * slowest parameter (whole run, warm-up included, and sampling alone), and the time per
 * gradient: per batched evaluation (one leapfrog step of all chains) and per chain.
 *
 * Run: npm run bench:nuts-small
 */
import * as rv from '../lib/index';
import { machine, printTable } from './harness';

const y = rv.tensor([28, 8, -3, 7, -1, 1, 18, 12], [8], 'float64');
const sigma = rv.tensor([15, 10, 16, 11, 9, 11, 10, 18], [8], 'float64');
const zero = rv.scalar(0, 'float64');

function eightSchools() {
  const mu = rv.Normal({ loc: zero, scale: 5, name: 'mu' });
  const tau = rv.HalfCauchy({ loc: zero, scale: 5, name: 'tau' });
  const thetaTilde = rv.Normal({ loc: rv.zeros([8], 'float64'), scale: 1, name: 'thetaTilde' });
  return rv.Normal({ loc: rv.add(mu, rv.mul(tau, thetaTilde)), scale: sigma, name: 'y' });
}

/** The same posterior over (mu, log tau, thetaTilde), up to a constant. */
function eightSchoolsTarget(state: Record<string, rv.Tensor>): rv.Tensor {
  const { mu, logTau, thetaTilde } = state;
  const tau = rv.exp(logTau);
  const prior = rv.add(rv.mul(rv.square(rv.div(mu, 5)), -0.5), rv.sub(logTau, rv.log1p(rv.square(rv.div(tau, 5)))));
  const residual = rv.div(rv.sub(y, rv.add(mu, rv.mul(tau, thetaTilde))), sigma);
  return rv.add(prior, rv.mul(rv.add(rv.sum(rv.square(thetaTilde)), rv.sum(rv.square(residual))), -0.5));
}

async function measure(label: string, options: rv.mcmc.NutsOptions) {
  let samplingStart = 0;
  let batchedSteps = 0;
  const start = performance.now();
  const fit = await rv.mcmc.nuts({
    ...options, numChains: 4, numWarmup: 1000, numSamples: 1000, seed: 1, progress: false,
    callback: (event) => {
      if (event.warmup) return;
      if (samplingStart === 0) samplingStart = performance.now();
      batchedSteps += Math.max(...event.numSteps);  // the chains wait for the longest trajectory
    },
  });
  const end = performance.now();
  const ess = Object.values(fit.named()).flatMap((draws) => Array.from(rv.bulkEss(draws).dataSync()));
  const slowest = Math.min(...ess);
  const chainSteps = rv.sum(fit.stats.numSteps).dataSync()[0];
  const divergences = rv.sum(fit.stats.diverging).dataSync()[0];
  const samplingMs = end - samplingStart;
  return {
    target: label,
    'total s': ((end - start) / 1e3).toFixed(2),
    'min bulk ESS': slowest.toFixed(0),
    'ESS/s (total)': ((slowest * 1e3) / (end - start)).toFixed(1),
    'ESS/s (sampling)': ((slowest * 1e3) / samplingMs).toFixed(1),
    'ms / batched gradient': (samplingMs / batchedSteps).toFixed(3),
    'ms / chain gradient': (samplingMs / chainSteps).toFixed(3),
    divergences,
  };
}

async function main() {
  console.log(`NUTS, eight schools non-centred, 4 chains × 1000 warm-up × 1000 draws, float64, vectorised; ${machine()}`);
  const rows = [
    await measure('model (rv.Normal, rv.HalfCauchy)', { model: eightSchools, observed: { y } }),
    await measure('hand-written target', {
      target: eightSchoolsTarget,
      init: { mu: rv.scalar(0, 'float64'), logTau: rv.scalar(0, 'float64'), thetaTilde: rv.zeros([8], 'float64') },
    }),
  ];
  printTable(rows);
}

main();
