/**
 * Elementwise and reduction bandwidth on 64 MB float32 arrays, as a ratio to a native
 * multi-threaded memcpy of the same size measured in the same run (target: >= 0.70).
 * Bytes counted are those each op must move: add reads two arrays and writes one, exp reads
 * one and writes one, sum reads one; memcpy reads one and writes one.
 *
 * Run: npm run bench:elementwise
 */
import { binding } from '../lib/backend/binding';
import * as rv from '../lib/index';
import { machine, medianSeconds, printTable } from './harness';

const bytes = 64 * 2 ** 20;
const n = bytes / 4;
const repeats = 15;

const a = rv.linspace(-1, 1, n);
const b = rv.linspace(1, 2, n);

const memcpySeconds = (() => {
  const runs = Array.from({ length: 5 }, () => binding.memcpySeconds(bytes, 5)).sort((x, y) => x - y);
  return runs[2];
})();
const memcpyGBs = (2 * bytes) / memcpySeconds / 1e9;

function measure(name: string, movedArrays: number, op: () => rv.Tensor) {
  const seconds = medianSeconds(() => op().dispose(), repeats);
  const gbs = (movedArrays * bytes) / seconds / 1e9;
  return { op: name, 'ms': (seconds * 1e3).toFixed(2), 'GB/s': gbs.toFixed(1), 'vs memcpy': (gbs / memcpyGBs).toFixed(2) };
}

console.log(`elementwise bandwidth, 64 MB float32 arrays; ${machine()}`);
const rows = [
  { op: 'memcpy (reference)', 'ms': (memcpySeconds * 1e3).toFixed(2), 'GB/s': memcpyGBs.toFixed(1), 'vs memcpy': '1.00' },
  measure('add', 3, () => rv.add(a, b)),
  measure('exp', 2, () => rv.exp(a)),
  measure('sum (all axes)', 1, () => rv.sum(a)),
];
printTable(rows);
