/**
 * A model as a flat target: its latents (the named random variables that are not observed) are
 * sampled in unconstrained space. Each latent's default bijector (from its distribution's
 * support) maps its unconstrained value onto the support, and the log density gains the
 * bijector's log-det Jacobian. The bijector is taken from the distribution in every run of the
 * model, so supports that depend on other latents (Uniform(0, tau)) are mapped correctly.
 */
import { vmap } from '../../autodiff/vmap';
import type { Bijector } from '../../bijectors/bijector';
import { constructorTracer, underTracer } from '../../core/handler';
import { RandomVariable } from '../../core/random-variable';
import { seed as seedModel } from '../../core/seed';
import { checkValues, lookup, namesOf, type NamedValues } from '../../core/values';
import { type DType, isFloat, promote } from '../../tensor/dtype';
import { scalar, zeros } from '../../tensor/ops/creation';
import { add, cast, mul } from '../../tensor/ops/elementwise';
import { stack } from '../../tensor/ops/layout';
import { all, sum } from '../../tensor/ops/reduction';
import { foldIn, type RandomKey } from '../../tensor/random/key';
import { randomUniform } from '../../tensor/ops/random';
import { reshape, unstack } from '../../tensor/ops/view';
import { formatShape, type Shape } from '../../tensor/shape';
import { keep, tidy } from '../../tensor/scope';
import type { Tensor } from '../../tensor/tensor';
import { type State, StateLayout } from './state';
import { type FlatTarget, type InitLike, initialStates, isNamed, floatTensor } from './target';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Model = (...args: any[]) => unknown;

/**
 * How a latent gets its values in one run: its unconstrained value z and its value on the
 * support, given its bijector (null for a real support, where the two are the same).
 */
type LatentSource = (name: string, draft: RandomVariable, bijector: Bijector | null) => { z: Tensor; value: Tensor };

interface Run {
  /** The log joint of the run, in unconstrained space (log-det Jacobians included). */
  logDensity: Tensor;
  /** The latents' unconstrained values, in order of creation. */
  unconstrained: Record<string, Tensor>;
  /** The latents' values on their supports. */
  values: Record<string, Tensor>;
}

/**
 * Runs the model once: observed random variables take their values; every other named random
 * variable is a latent whose values come from `source`. Unnamed random variables are an error.
 */
function runModel(owner: string, model: Model, args: readonly unknown[], observed: NamedValues, source: LatentSource, validateArgs: boolean): Run {
  let total: Tensor | null = null;
  const seen = new Set<string>();
  const unconstrained: Record<string, Tensor> = {};
  const values: Record<string, Tensor> = {};
  const addTerm = (term: Tensor) => {
    total = total === null ? term : add(total, term);
  };
  const logProbOf = (variable: RandomVariable) => {
    const term = sum(variable.logProb());
    return variable.logProbScale === 1 ? term : mul(term, variable.logProbScale);
  };
  const tracer = constructorTracer((make, options) => {
    const name = options.name;
    if (name === undefined) throw new Error(`${owner}: a random variable of the model has no name (every random variable needs one, so that its draws can be named)`);
    if (seen.has(name)) throw new Error(`${owner}: two random variables are named '${name}'`);
    seen.add(name);
    const data = lookup(observed, name);
    if (data !== undefined || options.value !== undefined) {
      // Data (or a value the model sets itself): it enters the log joint as it is.
      const variable = make({ ...options, ...(data !== undefined ? { value: data, observed: true } : {}), validateArgs }) as RandomVariable;
      addTerm(logProbOf(variable));
      values[name] = variable.value;
      return variable;
    }
    const draft = make({ ...options, validateArgs }) as RandomVariable;
    const bijector = latentBijector(owner, name, draft);
    const { z, value } = source(name, draft, bijector);
    const variable = new RandomVariable(draft.distribution, { name, sampleShape: draft.sampleShape, value, logProbScale: draft.logProbScale });
    addTerm(bijector === null ? logProbOf(variable) : add(logProbOf(variable), bijector.forwardLogDetJacobian(z, z.rank)));
    unconstrained[name] = z;
    values[name] = variable.value;
    return variable;
  });
  underTracer(model, tracer)(...args);
  return { logDensity: total ?? scalar(0), unconstrained, values };
}

/** The family of a random variable's distribution, for messages (its `name` is the variable's). */
function familyOf(variable: RandomVariable): string {
  return variable.distribution.constructor.name;
}

/** The latent's default bijector; null for a real support (the identity, with nothing to add). */
function latentBijector(owner: string, name: string, draft: RandomVariable): Bijector | null {
  const distribution = draft.distribution;
  if (!isFloat(distribution.dtype)) {
    throw new Error(`${owner}: the latent '${name}' (${familyOf(draft)}) is discrete (${distribution.dtype}); HMC and NUTS sample continuous latents only (observe it, or marginalise it out)`);
  }
  if (distribution.support.isReal) return null;
  try {
    return distribution.defaultBijector();
  } catch (error) {
    throw new Error(`${owner}: the latent '${name}' (${familyOf(draft)}, support ${distribution.support.name}) has no map from unconstrained space: ${(error as Error).message}`);
  }
}

interface ModelTargetOptions {
  model: Model;
  args?: readonly unknown[];
  observed?: NamedValues;
  /** Values on the supports by name, for some or all latents (the rest start at random). */
  init?: InitLike;
  seed: RandomKey;
}

/**
 * The flat target of `model` with `observed` data. The latents are found by running the model
 * once (seeded); chains start at uniform(−2, 2) draws in unconstrained space, as Stan's do,
 * except for latents given in `init`.
 */
export function modelTarget(owner: string, options: ModelTargetOptions): FlatTarget {
  const { model, seed } = options;
  if (typeof model !== 'function') throw new Error(`${owner}: model must be a function, got ${typeof model}`);
  const args = options.args ?? [];
  if (!Array.isArray(args)) throw new Error(`${owner}: args must be an array of the model's arguments`);
  const observed = checkValues(`${owner}: observed`, options.observed ?? {});
  if (options.init !== undefined && typeof options.init !== 'function' && !isNamed(options.init)) {
    throw new Error(`${owner}: init for a model must give values by name (an object), or be a function of the chain index that does`);
  }

  // Discovery: the latents, their unconstrained shapes and dtypes, from one prior draw.
  const discovered = tidy(() => {
    const run = runModel(owner, seedModel(model, seed), args, observed, (_name, draft, bijector) => ({ z: bijector === null ? draft.value : bijector.inverse(draft.value), value: draft.value }), true);
    return { unconstrained: run.unconstrained, values: run.values };
  });
  for (const name of namesOf(observed)) {
    if (!Object.prototype.hasOwnProperty.call(discovered.values, name)) throw new Error(`${owner}: observed names '${name}', which the model does not have`);
  }
  const latentNames = Object.keys(discovered.unconstrained);
  if (latentNames.length === 0) throw new Error(`${owner}: the model has no latent random variables (everything is observed)`);
  const layout = StateLayout.of(discovered.unconstrained);
  const shapes: Record<string, Shape> = {};
  let dtype: DType = 'float32';
  for (const name of latentNames) {
    shapes[name] = discovered.values[name].shape;
    dtype = promote(dtype, discovered.unconstrained[name].dtype);
  }
  // Observed values, converted once to the tensors the model's distributions made of them.
  const data: Record<string, Tensor> = {};
  for (const name of namesOf(observed)) {
    const value = discovered.values[name];
    // Tensors made here are kept for the run; the user's own tensors are left as they are.
    data[name] = value === lookup(observed, name) ? value : keep(value);
  }
  for (const name of latentNames) {
    discovered.values[name].dispose();
    discovered.unconstrained[name].dispose();
  }

  // The hot path: no argument checks (they read values back, which vmap cannot allow).
  const atPosition = (x: Tensor): Run => {
    const z = layout.unflatten(x) as Record<string, Tensor>;
    return runModel(owner, model, args, data, (name, _draft, bijector) => ({ z: z[name], value: bijector === null ? z[name] : bijector.forward(z[name]) }), false);
  };

  const initialState = (given: NamedValues, key: RandomKey): State => tidy(() => {
    checkValues(`${owner}: init`, given);
    for (const name of namesOf(given)) {
      if (!latentNames.includes(name)) throw new Error(`${owner}: init names '${name}', which is not a latent of the model (latents: ${latentNames.join(', ')})`);
    }
    let index = 0;
    const run = runModel(owner, model, args, data, (name, draft, bijector) => {
      const chosen = lookup(given, name);
      if (chosen === undefined) {
        const part = layout.parts.find((p) => p.name === name);
        const z = randomUniform(part?.shape ?? [], -2, 2, dtype, foldIn(key, index++));
        return { z, value: bijector === null ? z : bijector.forward(z) };
      }
      const value = floatTensor(chosen as Tensor, owner, `init '${name}'`);
      if (value.shape.length !== draft.shape.length || value.shape.some((d, i) => d !== draft.shape[i])) {
        throw new Error(`${owner}: init '${name}' has shape ${formatShape(value.shape)}, the latent has shape ${formatShape(draft.shape)}`);
      }
      const inside = all(draft.distribution.support.check(cast(value, draft.dtype)));
      if (inside.dataSync()[0] !== 1) throw new Error(`${owner}: init '${name}' is outside the support of ${familyOf(draft)} (${draft.distribution.support.name})`);
      return { z: bijector === null ? value : bijector.inverse(value), value };
    }, true);
    return run.unconstrained;
  });

  return {
    dim: layout.dim,
    dtype,
    logDensity: (x) => atPosition(x).logDensity,
    randomInit: true,
    initialPositions(numChains, key) {
      const inits = options.init === undefined ? Array.from({ length: numChains }, () => ({})) : initialStates(options.init, numChains, owner);
      return tidy(() => stack(inits.map((given, chain) => {
        const state = initialState(given as NamedValues, foldIn(key, chain));
        return cast(layout.flatten(state, owner), dtype);
      }), 0));
    },
    draws(flat) {
      const [chains, draws] = flat.shape;
      if (chains * draws === 0) return Object.fromEntries(latentNames.map((n) => [n, zeros([chains, draws, ...shapes[n]], dtype)]));
      return tidy(() => {
        const rows = reshape(flat, [chains * draws, layout.dim]);
        const constrain = (x: Tensor) => pick(atPosition(x).values, latentNames);
        let values: Record<string, Tensor>;
        try {
          values = vmap(constrain)(rows);
        } catch {
          // A model vmap cannot batch: one run per draw.
          const each = unstack(rows, 0).map(constrain);
          values = Object.fromEntries(latentNames.map((n) => [n, stack(each.map((v) => v[n]), 0)]));
        }
        return Object.fromEntries(latentNames.map((n) => [n, reshape(values[n], [chains, draws, ...shapes[n]])]));
      });
    },
  };
}

function pick(values: Record<string, Tensor>, names: readonly string[]): Record<string, Tensor> {
  return Object.fromEntries(names.map((n) => [n, values[n]]));
}
