/** `rv.predictive`: the posterior predictive, by running a model on posterior draws. */
import { vmap } from '../autodiff/vmap';
import { stack } from '../tensor/ops/layout';
import { unstack } from '../tensor/ops/view';
import { tidy } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';
import { substitute } from './condition';
import { tape } from './tape';
import { checkValues, lookup, namesOf, type NamedValues } from './values';

export interface PredictiveOptions {
  /** The model's arguments (default none). */
  args?: readonly unknown[];
  /** Run draw by draw instead of as one batched computation (for models vmap cannot batch). */
  sequential?: boolean;
}

/**
 * Runs `model` once per posterior draw, with the latents in `posteriorSamples` (by name, each
 * with the draws on axis 0) substituted, and returns every other named random variable's value,
 * stacked over the draws (axis 0). The runs are one batched computation under vmap; models
 * vmap cannot batch are run draw by draw (or ask for that with `sequential`).
 *
 * @example
 * const predicted = rv.predictive(model, { mu: fit.draws.mu.reshape([-1]) }, { args: [x] });
 * predicted.y;  // [draws, ...y's shape]
 */
export function predictive(model: (...args: never[]) => unknown, posteriorSamples: NamedValues<Tensor>, options: PredictiveOptions = {}): Record<string, Tensor> {
  checkValues('predictive', posteriorSamples);
  const names = namesOf(posteriorSamples);
  if (names.length === 0) throw new Error('predictive: posteriorSamples is empty');
  const draws = names.map((n) => lookup(posteriorSamples, n) as Tensor);
  draws.forEach((t, i) => {
    if (!(t instanceof Tensor) || t.rank === 0) throw new Error(`predictive: posteriorSamples.${names[i]} must be a tensor with the draws on axis 0`);
    if (t.shape[0] !== draws[0].shape[0]) throw new Error(`predictive: posteriorSamples.${names[i]} has ${t.shape[0]} draws, ${names[0]} has ${draws[0].shape[0]}`);
  });
  const args = options.args ?? [];
  const once = (...latents: Tensor[]): Record<string, Tensor> => {
    const values = Object.fromEntries(names.map((n, i) => [n, latents[i]]));
    const [, recorded] = tape(() => (substitute(model as (...a: unknown[]) => unknown, values) as (...a: unknown[]) => unknown)(...args));
    const out: Record<string, Tensor> = {};
    for (const [name, variable] of recorded) if (!names.includes(name)) out[name] = variable.value;
    return out;
  };
  if (!options.sequential) {
    try {
      return vmap(once)(...draws);
    } catch {
      // Not batchable (e.g. values read inside the model): fall back to one run per draw.
    }
  }
  return tidy(() => {
    const perDraw = draws[0].shape[0];
    const columns = draws.map((t) => unstack(t, 0));
    const runs = Array.from({ length: perDraw }, (_, k) => once(...columns.map((c) => c[k])));
    const out: Record<string, Tensor> = {};
    for (const name of Object.keys(runs[0] ?? {})) out[name] = stack(runs.map((r) => r[name]), 0);
    return out;
  });
}
