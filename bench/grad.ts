/**
 * Cost of a gradient: valueAndGrad of sum(log(sigmoid(X·w))) for X of 100,000 × 50 float32,
 * against the forward pass alone measured in the same run (target: value + gradient at most
 * 3× the forward time). Also reported: the same under vmap over 4 weight vectors (4 chains of
 * one model), against 4 separate forward passes.
 *
 * Run: npm run bench:grad
 */
import * as rv from '../lib/index';
import { machine, medianSeconds, printTable } from './harness';

const rows = 100_000;
const cols = 50;
const X = rv.randomNormal([rows, cols], 0, 1, 'float32', 1);
const w = rv.randomNormal([cols], 0, 0.1, 'float32', 2);
const W = rv.randomNormal([4, cols], 0, 0.1, 'float32', 3);

const loss = (weights: rv.Tensor) => rv.sum(rv.log(rv.sigmoid(rv.matMul(X, weights))));
const valueAndGrad = rv.valueAndGrad(loss);
const batched = rv.vmap(valueAndGrad);

const repeats = 31;
const forward = medianSeconds(() => rv.tidy(() => loss(w)).dispose(), repeats, 5);
const both = medianSeconds(() => rv.dispose(valueAndGrad(w)), repeats, 5);
const forward4 = medianSeconds(() => rv.tidy(() => rv.vmap(loss)(W)).dispose(), repeats, 5);
const both4 = medianSeconds(() => rv.dispose(batched(W)), repeats, 5);

console.log(`valueAndGrad of sum(log(sigmoid(X·w))), X ${rows} × ${cols} float32; ${machine()}; BLAS ${rv.blasInfo().name}`);
printTable([
  { computation: 'forward (reference)', ms: (forward * 1e3).toFixed(3), 'vs forward': '1.00' },
  { computation: 'valueAndGrad', ms: (both * 1e3).toFixed(3), 'vs forward': (both / forward).toFixed(2) },
  { computation: 'vmap forward, 4 weight vectors', ms: (forward4 * 1e3).toFixed(3), 'vs forward': (forward4 / forward).toFixed(2) },
  { computation: 'vmap valueAndGrad, 4 weight vectors', ms: (both4 * 1e3).toFixed(3), 'vs forward': (both4 / forward).toFixed(2) },
]);
console.log(`target: valueAndGrad <= 3x forward: ${both / forward <= 3 ? 'met' : 'NOT met'} (${(both / forward).toFixed(2)}x)`);
