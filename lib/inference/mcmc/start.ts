/**
 * Before sampling: the batched gradient of the target, and the chains' starting positions,
 * checked so that mistakes are clear Errors before the first transition (a target that is not a
 * scalar, a start outside the support, a log density or gradient that is not finite there).
 */
import { valueAndGrad } from '../../autodiff/grad';
import { jit, releaseJit } from '../../autodiff/jit';
import { vmap } from '../../autodiff/vmap';
import { isFloat } from '../../tensor/dtype';
import { cast, isFinite as finite } from '../../tensor/ops/elementwise';
import { concat, stack } from '../../tensor/ops/layout';
import { all } from '../../tensor/ops/reduction';
import { expandDims, reshape, unstack } from '../../tensor/ops/view';
import { foldIn, type RandomKey } from '../../tensor/random/key';
import { keep, tidy } from '../../tensor/scope';
import { Tensor } from '../../tensor/tensor';
import { chainMask, readNumbers, select } from './chains';
import type { BatchedGradient, Position } from './leapfrog';
import type { FlatTarget } from './target';

/**
 * The log densities and gradients of a batch of positions [chains, dim]: one vmapped
 * computation ('vectorized'), or the chains one at a time ('sequential'); with `captured`, run as a
 * graph captured once (rv.jit).
 */
export function batchedGradient(target: FlatTarget, chainMethod: 'vectorized' | 'sequential', captured = false): BatchedGradient {
  const single = captured ? jit(valueAndGrad(target.logDensity)) : valueAndGrad(target.logDensity);
  const batched: BatchedGradient = chainMethod === 'vectorized'
    ? (captured ? jit(vmap(single)) : vmap(single)) as BatchedGradient
    : (q) => tidy(() => {
      const each = unstack(q, 0).map((x) => single(x) as { value: Tensor; grad: Tensor });
      return { value: stack(each.map((e) => e.value), 0), grad: stack(each.map((e) => e.grad), 0) };
    });
  if (captured) capturedParts.set(batched, [single, batched]);
  return batched;
}

const capturedParts = new WeakMap<BatchedGradient, object[]>();

/** Releases the graphs a captured batchedGradient holds (and the tensors they hold) now. */
export function releaseGradient(gradient: BatchedGradient): void {
  capturedParts.get(gradient)?.forEach(releaseJit);
}

/** Throws unless the target gives a float scalar at `x` [dim] (one chain, not batched). */
function checkScalar(owner: string, target: FlatTarget, x: Tensor): void {
  tidy(() => {
    let value: unknown;
    try {
      value = target.logDensity(x);
    } catch (error) {
      throw new Error(`${owner}: the log density failed at the initial state: ${(error as Error).message}`);
    }
    if (!(value instanceof Tensor)) throw new Error(`${owner}: the target must return a scalar Tensor (the log density), got ${typeof value}`);
    if (value.rank !== 0) throw new Error(`${owner}: the target must return a scalar log density, got a tensor of shape [${value.shape}] (sum it, or check the state's shape)`);
    if (!isFloat(value.dtype)) throw new Error(`${owner}: the target must return a float32 or float64 scalar, got ${value.dtype}`);
  });
}

/**
 * The chains' starting positions with their log densities and gradients. Random starts
 * (models) that give a non-finite log density or gradient are redrawn, up to 100 times as in
 * Stan; a given start that does is an Error.
 */
export function startingPositions(owner: string, target: FlatTarget, gradient: BatchedGradient, chainMethod: 'vectorized' | 'sequential', numChains: number, initKey: RandomKey): Position {
  const maxAttempts = 100;
  let q = keep(target.initialPositions(numChains, foldIn(initKey, 0)));
  tidy(() => checkScalar(owner, target, reshape(unstack(q, 0)[0], [target.dim])));
  for (let attempt = 1; ; attempt++) {
    let evaluated: { value: Tensor; grad: Tensor };
    try {
      evaluated = gradient(q);
    } catch (error) {
      q.dispose();
      const hint = chainMethod === 'vectorized' ? ` (if the target cannot be vectorised over chains, pass chainMethod: 'sequential')` : '';
      throw new Error(`${owner}: the log density or its gradient failed at the initial positions: ${(error as Error).message}${hint}`);
    }
    const { value, grad } = evaluated;
    const checks = tidy(() => readNumbers(concat([expandDims(cast(value, 'float64'), 1), cast(expandDims(all(finite(grad), -1), 1), 'float64')], 1)));
    const bad: boolean[] = [];
    for (let c = 0; c < numChains; c++) bad.push(!Number.isFinite(checks[2 * c]) || checks[2 * c + 1] !== 1);
    const first = bad.indexOf(true);
    if (first < 0) return { q, grad: keep(grad), logp: keep(value) };
    value.dispose();
    grad.dispose();
    if (!target.randomInit || attempt === maxAttempts) {
      q.dispose();
      const what = Number.isFinite(checks[2 * first]) ? 'its gradient has non-finite entries' : `the log density is ${checks[2 * first]}`;
      const where = target.randomInit ? `after ${maxAttempts} random starts` : 'at the initial state';
      throw new Error(`${owner}: chain ${first} cannot start: ${where}, ${what} (is the init outside the support, or the density improper there?)`);
    }
    const fresh = target.initialPositions(numChains, foldIn(initKey, attempt));
    const next = tidy(() => select(chainMask(bad), { q: fresh }, { q }).q);
    fresh.dispose();
    q.dispose();
    q = keep(next);
  }
}
