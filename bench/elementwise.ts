/**
 * Elementwise and reduction bandwidth on 64 MB float32 arrays, as a ratio to a native
 * multi-threaded memcpy between the same buffers (target: >= 0.70). Each op's timings alternate
 * with the reference's, so a shared machine's drift affects both. Bytes counted are those each op
 * must move: add reads two arrays and writes one, exp reads one and writes one, sum reads one;
 * memcpy reads one and writes one.
 *
 * Run: npm run bench:elementwise
 */
import { binding } from '../lib/backend/binding';
import * as rv from '../lib/index';
import { machine, printTable } from './harness';

const bytes = 64 * 2 ** 20;
const n = bytes / 4;
const repeats = 21;

const a = rv.linspace(-1, 1, n);
const b = rv.linspace(1, 2, n);
const scratch = rv.zeros([n]);

const seconds = (fn: () => void) => {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
};
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

/** Medians of the op and of the reference memcpy, timed alternately after a warm-up. */
function measure(name: string, movedArrays: number, op: () => rv.Tensor) {
  const copy = () => binding.memcpy(scratch.handle(), a.handle());
  for (let i = 0; i < 3; i++) {
    copy();
    op().dispose();
  }
  const opTimes: number[] = [];
  const refTimes: number[] = [];
  for (let i = 0; i < repeats; i++) {
    refTimes.push(seconds(copy));
    opTimes.push(seconds(() => op().dispose()));
  }
  const opGBs = (movedArrays * bytes) / median(opTimes) / 1e9;
  const refGBs = (2 * bytes) / median(refTimes) / 1e9;
  return {
    op: name, ms: (median(opTimes) * 1e3).toFixed(2), 'GB/s': opGBs.toFixed(1),
    'memcpy GB/s': refGBs.toFixed(1), 'vs memcpy': (opGBs / refGBs).toFixed(2),
  };
}

console.log(`elementwise bandwidth, 64 MB float32 arrays; ${machine()}`);
const rows = [
  measure('add', 3, () => rv.add(a, b)),
  measure('exp', 2, () => rv.exp(a)),
  measure('sum (all axes)', 1, () => rv.sum(a)),
];
printTable(rows);
const worst = Math.min(...rows.map((r) => Number(r['vs memcpy'])));
console.log(`target: every op >= 0.70 of memcpy: ${worst >= 0.7 ? 'met' : 'NOT met'} (lowest ${worst.toFixed(2)})`);
