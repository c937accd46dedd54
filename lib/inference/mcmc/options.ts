/** The options of `rv.mcmc.nuts` and `rv.mcmc.hmc`: their types, checks and defaults. */
import type { NamedValues } from '../../core/values';
import { randomUniform } from '../../tensor/ops/random';
import { key, type RandomKey, type Seed } from '../../tensor/random/key';
import type { Tensor } from '../../tensor/tensor';
import type { MetricKind } from './metric';
import type { Model } from './model-target';
import type { State } from './state';
import type { InitLike } from './target';

/** What the per-draw callback receives. */
export interface DrawEvent {
  /** The iteration, counting warm-up first: 0 .. numWarmup + numSamples − 1. */
  iteration: number;
  warmup: boolean;
  /** The chains this event reports (all of them, or one with chainMethod 'sequential'). */
  chains: readonly number[];
  /** Per chain (in the order of `chains`): the transition's statistics. */
  stepSize: readonly number[];
  treeDepth: readonly number[];
  numSteps: readonly number[];
  diverging: readonly boolean[];
  energy: readonly number[];
  acceptProb: readonly number[];
  /** The new draws, [chains, ...] per part, in the state's shape (made when first read; the caller owns them). */
  readonly draw: State;
}

export interface McmcOptions {
  /** The log density of one chain's state (a Tensor, or Tensors by name): a scalar Tensor. Give `init` with it. */
  target?: (state: any) => Tensor;  // eslint-disable-line @typescript-eslint/no-explicit-any
  /**
   * The initial state: for `target`, the state (used by every chain) or a function of the chain
   * index giving each chain's; for `model`, values by name on the latents' supports, for some
   * or all of them (the rest start at uniform(−2, 2) in unconstrained space).
   */
  init?: InitLike;
  /** A model (a function making named random variables), instead of `target`. */
  model?: Model;
  /** The model's arguments. */
  args?: readonly unknown[];
  /** Observed values by name: those random variables are data; every other named one is sampled. */
  observed?: NamedValues;
  /** Chains (default 4). */
  numChains?: number;
  /** Warm-up (adaptation) iterations per chain, not kept (default 1000). */
  numWarmup?: number;
  /** Draws kept per chain (default 1000). */
  numSamples?: number;
  /** A number or key; without one, the global generator gives one (see rv.setSeed). */
  seed?: Seed;
  /** The step size, or where its adaptation starts (default 1). */
  stepSize?: number;
  /** Adapt the step size in warm-up by dual averaging (default true). */
  adaptStepSize?: boolean;
  /** The mean acceptance statistic step-size adaptation aims at (default 0.8). */
  targetAcceptProb?: number;
  /** 'diag' (default): a diagonal metric adapted in warm-up; 'dense': a full one; 'unit': the identity. */
  metric?: MetricKind;
  /** 'vectorized' (default): all chains as one batched computation; 'sequential': one chain after another, for targets vmap cannot batch. */
  chainMethod?: 'vectorized' | 'sequential';
  /**
   * Capture the batched gradient of the log density (and NUTS's leaf step) once and replay them
   * natively at every leapfrog step (`rv.jit`; default false). Only for targets that compute the
   * same way every call from their state and the tensors they close over; one that reads values or
   * draws random numbers is run as it is.
   */
  jit?: boolean;
  /** A progress bar on stderr when it is a terminal (default true). */
  progress?: boolean;
  /** Stops the run: the draws so far are returned, with `fit.aborted` true. */
  signal?: AbortSignal;
  /** Called after every transition. */
  callback?: (event: DrawEvent) => void;
}

export interface NutsOptions extends McmcOptions {
  /** The most doublings of a trajectory (default 10: at most 1023 leapfrog steps). */
  maxTreeDepth?: number;
}

export interface HmcOptions extends McmcOptions {
  /** Leapfrog steps per transition. */
  numLeapfrogSteps?: number;
  /** Or the integration time: ⌊trajectoryLength / ε⌋ steps (default 2π when neither is given). */
  trajectoryLength?: number;
}

/** The options with defaults filled in and checked. */
export interface Settings {
  readonly numChains: number;
  readonly numWarmup: number;
  readonly numSamples: number;
  readonly seed: RandomKey;
  readonly stepSize: number;
  readonly adaptStepSize: boolean;
  readonly targetAcceptProb: number;
  readonly metric: MetricKind;
  readonly chainMethod: 'vectorized' | 'sequential';
  readonly jit: boolean;
  readonly progress: boolean;
  readonly signal: AbortSignal | undefined;
  readonly callback: ((event: DrawEvent) => void) | undefined;
}

const commonKeys = ['target', 'init', 'model', 'args', 'observed', 'numChains', 'numWarmup', 'numSamples', 'seed', 'stepSize', 'adaptStepSize', 'targetAcceptProb', 'metric', 'chainMethod', 'jit', 'progress', 'signal', 'callback'];

export function checkInteger(owner: string, name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new Error(`${owner}: ${name} must be an integer of at least ${min}, got ${String(value)}`);
  return value;
}

export function checkPositive(owner: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new Error(`${owner}: ${name} must be a positive finite number, got ${String(value)}`);
  return value;
}

function oneOf<T extends string>(owner: string, name: string, value: unknown, choices: readonly T[]): T {
  if (value === undefined) return choices[0];
  if (!choices.includes(value as T)) throw new Error(`${owner}: ${name} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function flag(owner: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new Error(`${owner}: ${name} must be true or false, got ${String(value)}`);
  return value;
}

/** A seed from the global generator, so that rv.setSeed makes unseeded runs repeatable. */
function globalSeed(): RandomKey {
  const u = randomUniform([2], 0, 2 ** 26, 'float64');
  const [hi, lo] = u.dataSync();
  u.dispose();
  return key(Math.floor(hi) * 2 ** 26 + Math.floor(lo));
}

/** Checks the options every sampler shares (and that no unknown ones are given); fills in defaults. */
export function resolveOptions(owner: string, options: McmcOptions, extraKeys: readonly string[]): Settings {
  if (options === null || typeof options !== 'object') throw new Error(`${owner}: expected an options object, got ${String(options)}`);
  for (const name of Object.keys(options)) {
    if (!commonKeys.includes(name) && !extraKeys.includes(name)) throw new Error(`${owner}: unknown option '${name}' (options: ${[...commonKeys, ...extraKeys].join(', ')})`);
  }
  if ((options.target === undefined) === (options.model === undefined)) throw new Error(`${owner}: give either target (with init) or model (with args and observed)`);
  if (options.target !== undefined && (options.args !== undefined || options.observed !== undefined)) throw new Error(`${owner}: args and observed go with model, not target`);
  const targetAcceptProb = options.targetAcceptProb ?? 0.8;
  if (typeof targetAcceptProb !== 'number' || !(targetAcceptProb > 0 && targetAcceptProb < 1)) throw new Error(`${owner}: targetAcceptProb must be in (0, 1), got ${String(targetAcceptProb)}`);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new Error(`${owner}: signal must be an AbortSignal`);
  if (options.callback !== undefined && typeof options.callback !== 'function') throw new Error(`${owner}: callback must be a function`);
  return {
    numChains: checkInteger(owner, 'numChains', options.numChains, 4, 1),
    numWarmup: checkInteger(owner, 'numWarmup', options.numWarmup, 1000, 0),
    numSamples: checkInteger(owner, 'numSamples', options.numSamples, 1000, 0),
    seed: options.seed === undefined ? globalSeed() : key(options.seed),
    stepSize: checkPositive(owner, 'stepSize', options.stepSize, 1),
    adaptStepSize: flag(owner, 'adaptStepSize', options.adaptStepSize, true),
    targetAcceptProb,
    metric: oneOf(owner, 'metric', options.metric, ['diag', 'dense', 'unit'] as const),
    chainMethod: oneOf(owner, 'chainMethod', options.chainMethod, ['vectorized', 'sequential'] as const),
    jit: flag(owner, 'jit', options.jit, false),
    progress: flag(owner, 'progress', options.progress, true),
    signal: options.signal,
    callback: options.callback,
  };
}
