/**
 * Per-op dispatch overhead: microseconds for an add of two 4-element float32 tensors (create
 * and dispose the result), against a bare call into the addon measured in the same run
 * (target: at most 3 µs per add).
 *
 * Run: npm run bench:dispatch
 */
import { binding } from '../lib/backend/binding';
import * as rv from '../lib/index';
import { machine, medianSeconds, printTable } from './harness';

const calls = 200_000;
const a = rv.tensor([1, 2, 3, 4]);
const b = rv.tensor([5, 6, 7, 8]);

const perCall = (fn: () => void) => medianSeconds(() => { for (let i = 0; i < calls; i++) fn(); }, 7) / calls * 1e6;

const bare = perCall(() => binding.numThreads());
const add = perCall(() => rv.add(a, b).dispose());
const method = perCall(() => a.add(b).dispose());
const scalar = perCall(() => a.mul(2).dispose());
const tidied = perCall(() => rv.tidy(() => a.add(b)).dispose());

console.log(`dispatch overhead, 4-element float32 tensors; ${machine()}`);
printTable([
  { call: 'bare addon call (reference)', 'µs': bare.toFixed(3), 'vs reference': '1.0' },
  { call: 'rv.add(a, b) + dispose', 'µs': add.toFixed(3), 'vs reference': (add / bare).toFixed(1) },
  { call: 'a.add(b) + dispose', 'µs': method.toFixed(3), 'vs reference': (method / bare).toFixed(1) },
  { call: 'a.mul(2) + dispose (JS scalar)', 'µs': scalar.toFixed(3), 'vs reference': (scalar / bare).toFixed(1) },
  { call: 'tidy(() => a.add(b)) + dispose', 'µs': tidied.toFixed(3), 'vs reference': (tidied / bare).toFixed(1) },
]);
console.log(`target: rv.add <= 3 µs: ${add <= 3 ? 'met' : 'NOT met'}`);
