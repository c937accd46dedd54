/**
 * Fits in a layout ArviZ reads: the InferenceData groups "posterior" and "sample_stats" as
 * nested arrays of shape [chain, draw, ...], with ArviZ's names for the sampler statistics.
 *
 * The JSON object:
 * ```
 * {
 *   "posterior":    { "mu": [[...draws of chain 0...], ...], "theta": [[[...8 values...], ...], ...] },
 *   "sample_stats": { "diverging": [[false, ...], ...], "energy": ..., "step_size": ...,
 *                     "tree_depth": ..., "n_steps": ..., "acceptance_rate": ...,
 *                     "reached_max_treedepth": ... (when the fit records it) },
 *   "dims":   { "theta": ["theta_dim_0"] },          (the dims after chain and draw)
 *   "coords": { "theta_dim_0": [0, 1, ..., 7] },
 *   "attrs":  { "inference_library": "randvar", "sampler": "nuts", "num_warmup": 1000, ... }
 * }
 * ```
 * Every array's leading axes are chain and draw; a Tensor state is named 'x'. diverging and
 * reached_max_treedepth are booleans, tree_depth and n_steps integers. JSON has no NaN or
 * Infinity: such values are written as null.
 *
 * Loading in Python:
 * ```python
 * import json, arviz as az
 * with open("fit.json") as f:
 *     d = json.load(f)
 * # ArviZ 0.x (checked with 0.23.4): the keys are from_dict's keyword arguments
 * idata = az.from_dict(**d)
 * # ArviZ 1.x: the groups go in one dict as the first argument
 * idata = az.from_dict({"posterior": d["posterior"], "sample_stats": d["sample_stats"]},
 *                      dims=d["dims"], coords=d["coords"])
 * az.summary(idata); az.plot_trace(idata)
 * ```
 */
import { writeFile } from 'fs/promises';
import { cast } from '../../tensor/ops/elementwise';
import { tidy } from '../../tensor/scope';
import type { NestedArray, Tensor } from '../../tensor/tensor';
import { namedDraws, type FitLike } from './draws';

/** A fit as ArviZ's `from_dict` takes it; see the module comment for the layout. */
export interface InferenceDataJSON {
  posterior: Record<string, NestedArray>;
  sample_stats: Record<string, NestedArray>;
  dims: Record<string, string[]>;
  coords: Record<string, number[]>;
  attrs: Record<string, string | number>;
}

/** ArviZ's name and JSON type for each statistic of a fit. */
const statNames = [
  ['diverging', 'diverging', 'bool'],
  ['energy', 'energy', 'float'],
  ['stepSize', 'step_size', 'float'],
  ['treeDepth', 'tree_depth', 'int'],
  ['numSteps', 'n_steps', 'int'],
  ['acceptProb', 'acceptance_rate', 'float'],
  ['hitMaxDepth', 'reached_max_treedepth', 'bool'],
] as const;

/**
 * The fit in ArviZ's InferenceData layout as a JSON-ready object (layout and Python loading
 * code in the comment of lib/inference/diagnostics/arviz.ts). `fit.toJSON()` returns the same,
 * so `JSON.stringify(fit)` writes it.
 *
 * @example
 * const json = rv.fitToJSON(fit);
 * json.posterior.mu;                 // [chains][draws]
 * json.sample_stats.diverging;       // [chains][draws] of booleans
 */
export function fitToJSON(fit: FitLike): InferenceDataJSON {
  const out: InferenceDataJSON = { posterior: {}, sample_stats: {}, dims: {}, coords: {}, attrs: { inference_library: 'randvar' } };
  for (const [name, draws] of Object.entries(namedDraws(fit, 'fitToJSON'))) {
    if (draws.rank < 2) throw new Error(`fitToJSON: draws of '${name}' must have shape [chains, draws, ...], got [${draws.shape}]`);
    out.posterior[name] = nested(draws, draws.dtype === 'bool' ? 'bool' : 'float');
    const dims = draws.shape.slice(2).map((_, i) => `${name}_dim_${i}`);
    if (dims.length > 0) out.dims[name] = dims;
    dims.forEach((dim, i) => (out.coords[dim] = Array.from({ length: draws.shape[i + 2] }, (_, j) => j)));
  }
  for (const [key, arvizName, type] of statNames) {
    const stat = fit.stats?.[key];
    if (stat !== undefined) out.sample_stats[arvizName] = nested(stat, type);
  }
  if (fit.sampler !== undefined) out.attrs.sampler = fit.sampler;
  if (fit.numWarmup !== undefined) out.attrs.num_warmup = fit.numWarmup;
  // An integer, not a boolean: netCDF (ArviZ's file format) stores no boolean attributes.
  if (fit.aborted !== undefined) out.attrs.aborted = fit.aborted ? 1 : 0;
  return out;
}

/** The tensor as nested arrays of booleans, integers or numbers. */
function nested(t: Tensor, type: 'bool' | 'int' | 'float'): NestedArray {
  if (type !== 'float') return tidy(() => cast(t, type === 'bool' ? 'bool' : 'int32').arraySync());
  const values = t.arraySync();
  // A float32 value to 9 significant digits reads back as the same float32, in half the text
  // of its exact float64 expansion.
  return t.dtype === 'float32' ? mapNumbers(values, (v) => Number(v.toPrecision(9))) : values;
}

function mapNumbers(values: NestedArray, f: (v: number) => number): NestedArray {
  if (Array.isArray(values)) return values.map((v) => mapNumbers(v, f));
  return typeof values === 'number' ? f(values) : values;
}

/**
 * Writes the fit as JSON in ArviZ's layout (see `fitToJSON`) to `path`.
 *
 * @example
 * await rv.saveFit('eight-schools.json', fit);
 * // Python, ArviZ 0.x: idata = az.from_dict(**json.load(open('eight-schools.json')))
 */
export async function saveFit(path: string, fit: FitLike): Promise<void> {
  await writeFile(path, JSON.stringify(fitToJSON(fit)));
}
