/**
 * An MCMC run: warm-up (step size by dual averaging, the metric over Stan's windows, each chain
 * its own), then the kept draws; with the progress bar, the abort signal, the per-draw callback,
 * and a yield to the event loop every few milliseconds so that timers, I/O and aborts are served.
 */
import { foldIn, type RandomKey, split } from '../../tensor/random/key';
import { reshape, slice, squeeze } from '../../tensor/ops/view';
import { tidy } from '../../tensor/scope';
import { Tensor } from '../../tensor/tensor';
import type { Fit } from '../fit';
import { advance } from './chains';
import type { BatchedGradient, Position } from './leapfrog';
import { Metric } from './metric';
import { MetricEstimate } from './metric-estimate';
import { modelTarget } from './model-target';
import type { DrawEvent, McmcOptions, Settings } from './options';
import { ProgressBar } from './progress';
import { Recorder } from './recorder';
import { ChainRandom } from './rng';
import { batchedGradient, releaseGradient, startingPositions } from './start';
import { type State } from './state';
import { DualAveraging, initialStepSize } from './step-size';
import { type FlatTarget, functionTarget } from './target';
import { RunCache, type Transition, type TransitionContext, type TransitionStats } from './transition';
import { adaptationWindows } from './windows';

/**
 * Milliseconds of sampling between yields to the event loop: aborts, timers and I/O are served
 * within about this long. A yield after a memory-bound step costs 0.1-0.5 ms (the event loop's
 * turn runs with cold caches; more under a loader such as tsx), so yielding every 20 ms cost
 * NUTS on logistic regression about 1% of its time on the CPU (bench/RESULTS.md).
 */
const yieldInterval = 50;

interface Run {
  readonly sampler: string;
  readonly settings: Settings;
  readonly transition: Transition;
  readonly target: FlatTarget;
  readonly keys: { momentum: RandomKey; decisions: RandomKey };
  readonly recorder: Recorder;
  readonly progress: ProgressBar;
  /** Iterations done over all chain groups, for the progress bar. */
  done: number;
}

/** Runs `transition` as `sampler` with the options given; the Fit of the kept draws. */
export async function runSampler(owner: string, sampler: string, options: McmcOptions, settings: Settings, transition: Transition): Promise<Fit> {
  const [initKey, momentum, decisions, discovery] = split(settings.seed, 4);
  const target = options.model !== undefined
    ? modelTarget(owner, { model: options.model, args: options.args, observed: options.observed, init: options.init, seed: discovery })
    : functionTarget(owner, options.target as (state: State) => Tensor, options.init, settings.numChains);
  const gradient = batchedGradient(target, settings.chainMethod, settings.jit);
  const start = startingPositions(owner, target, gradient, settings.chainMethod, settings.numChains, initKey);

  const groups = settings.chainMethod === 'vectorized'
    ? [Array.from({ length: settings.numChains }, (_, c) => c)]
    : Array.from({ length: settings.numChains }, (_, c) => [c]);
  const iterations = settings.numWarmup + settings.numSamples;
  const run: Run = {
    sampler, settings, transition, target,
    keys: { momentum, decisions },
    recorder: new Recorder(settings.numChains, settings.numSamples, target.dim),
    progress: new ProgressBar(sampler.toUpperCase(), groups.length * iterations, settings.progress),
    done: 0,
  };
  let aborted = false;
  try {
    for (const chains of groups) {
      const position = tidy(() => ({
        q: slice(start.q, [chains[0], 0], [chains.length, -1]),
        grad: slice(start.grad, [chains[0], 0], [chains.length, -1]),
        logp: slice(start.logp, [chains[0]], [chains.length]),
      }));
      aborted = await runChains(run, chains, position, gradient);
      if (aborted) break;
    }
  } finally {
    advance(start, null);
    releaseGradient(gradient);
    run.progress.finish();
  }
  const metricShape = settings.metric === 'dense' ? [target.dim, target.dim] : [target.dim];
  return run.recorder.fit(target, { sampler, numWarmup: settings.numWarmup, aborted, metricShape });
}

/**
 * Warm-up and sampling for one group of chains (all of them, or one with 'sequential') from
 * `position`, which it consumes. Whether the run was aborted.
 */
async function runChains(run: Run, chains: readonly number[], position: Position, gradient: BatchedGradient): Promise<boolean> {
  const { settings, target, recorder } = run;
  const numChains = chains.length;
  const { numWarmup, numSamples } = settings;
  let momentumDraws = 0;
  const momentumKey = foldIn(run.keys.momentum, chains[0]);
  let context: TransitionContext = {
    gradient,
    metric: Metric.identity(settings.metric, numChains, target.dim, target.dtype),
    dtype: target.dtype,
    random: new ChainRandom(run.keys.decisions, chains),
    nextKey: () => foldIn(momentumKey, momentumDraws++),
    capture: settings.jit,
    cache: new RunCache(),
  };
  const setMetric = (metric: Metric) => {
    context.metric.dispose();
    context = { ...context, metric };
  };
  const adaptStep = settings.adaptStepSize && numWarmup > 0;
  let stepSize: Float64Array = new Float64Array(numChains).fill(settings.stepSize);
  const dualAveraging = new DualAveraging(numChains, settings.targetAcceptProb);
  const windows = settings.metric === 'unit' ? [] : adaptationWindows(numWarmup);
  const estimate = settings.metric === 'unit' ? null : new MetricEstimate(settings.metric);
  let lastYield = performance.now();
  let aborted = false;
  try {
    if (adaptStep) stepSize = initialStepSize(position, stepSize, context.metric, gradient, target.dtype, context.nextKey);
    dualAveraging.restart(stepSize);
    for (let iteration = 0; iteration < numWarmup + numSamples; iteration++) {
      if (settings.signal?.aborted) {
        aborted = true;
        break;
      }
      const warmup = iteration < numWarmup;
      const used = stepSize;
      const result = run.transition(position, stepSize, context);
      position = result.position;
      if (warmup) {
        if (adaptStep) stepSize = dualAveraging.update(result.stats.acceptProb);
        const window = windows.find((w) => iteration >= w.start && iteration <= w.end);
        if (window !== undefined && estimate !== null) {
          estimate.add(position.q);
          if (iteration === window.end) {
            setMetric(Metric.fromInverse(estimate.kind, estimate.inverseMetric()));
            estimate.reset();
            if (adaptStep) {
              stepSize = initialStepSize(position, stepSize, context.metric, gradient, target.dtype, context.nextKey);
              dualAveraging.restart(stepSize);
            }
          }
        }
        if (iteration === numWarmup - 1 && adaptStep) stepSize = dualAveraging.averaged();
      } else {
        recorder.record(chains, position.q, result.stats, used);
      }
      if (settings.callback !== undefined) settings.callback(drawEvent(target, chains, iteration, warmup, used, result.stats, position.q));
      run.done += 1;
      run.progress.update(run.done, warmup, recorder.divergences, mean(stepSize));
      if (performance.now() - lastYield > yieldInterval) {
        await new Promise(setImmediate);
        lastYield = performance.now();
      }
    }
    recorder.flush();
    const inverse = context.metric.inverse;
    recorder.adapted(chains, stepSize, inverse === null ? new Float64Array(numChains * target.dim).fill(1) : inverse.dataSync());
  } finally {
    recorder.discard();  // after a failure: the draws it had not read
    advance(position, null);
    context.metric.dispose();
    context.cache.release();
    estimate?.reset();
  }
  return aborted;
}

function mean(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total / values.length;
}

function drawEvent(target: FlatTarget, chains: readonly number[], iteration: number, warmup: boolean, stepSize: Float64Array, stats: TransitionStats, q: Tensor): DrawEvent {
  let draw: State | undefined;
  return {
    iteration,
    warmup,
    chains,
    stepSize: Array.from(stepSize),
    treeDepth: Array.from(stats.treeDepth),
    numSteps: Array.from(stats.numSteps),
    diverging: Array.from(stats.diverging, (d) => d === 1),
    energy: Array.from(stats.energy),
    acceptProb: Array.from(stats.acceptProb),
    get draw(): State {
      if (draw === undefined) {
        draw = tidy(() => {
          const drawn = target.draws(reshape(q, [chains.length, 1, target.dim]));
          if (drawn instanceof Tensor) return squeeze(drawn, 1);
          return Object.fromEntries(Object.entries(drawn).map(([name, t]) => [name, squeeze(t, 1)]));
        });
      }
      return draw;
    },
  };
}
