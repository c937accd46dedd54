/**
 * Elementwise and reduction bandwidth on 64 MB float32 arrays, as a ratio to a native
 * multi-threaded memcpy between the same buffers (target: >= 0.70). Each op's timings alternate
 * with the reference's, so a shared machine's drift affects both. Bytes counted are those each op
 * must move: add reads two arrays and writes one, exp reads one and writes one, sum reads one;
 * memcpy reads one and writes one.
 *
 * Then an elementwise chain of 6 ops with one output, op by op (eager: 6 kernels, each a pass over
 * memory) and captured by rv.jit (its graph fuses the chain into one kernel). Both rows count the
 * bytes the fused chain must move (read x and y, write the result), so their ratio to memcpy says
 * how close each comes to memory bandwidth. Fusion is read once per process (RANDVAR_FUSE=0 turns
 * it off), so the jit row is fused unless that is set; op by op is the other choice a user has.
 *
 * Run: npm run bench:elementwise
 */
import { strict as assert } from 'assert';
import { captureGraph, releaseGraph } from '../lib/autodiff/jit';
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

// The chain: add, sigmoid, mul by a scalar, square, sub, softplus.
const chain = (x: rv.Tensor, y: rv.Tensor) => rv.softplus(rv.sub(rv.mul(rv.sigmoid(rv.add(x, y)), 2.5), rv.square(y)));
const chainOps = 6;
const fusion = process.env.RANDVAR_FUSE !== '0';
const jitChain = rv.jit(chain);
// Checks, not timed: the chain's graph (recorded as jit records it) is one fused kernel, and jit's
// replay gives the bits of op by op.
const steps = rv.tidy(() => {
  const graph = captureGraph(([x, y]) => [chain(x, y)], [a, b]);
  assert.ok(graph !== null, 'the chain is captured');
  try {
    return binding.graphSteps(graph);
  } finally {
    releaseGraph(graph);
  }
});
if (fusion) assert.deepEqual(steps, ['fused'], `the chain's graph is one fused step, got ${steps.join(', ')}`);
rv.tidy(() => {
  jitChain(a, b);  // the first call captures (its intermediates are freed here); later calls replay
  const eager = chain(a, b).dataSync();
  const replayed = jitChain(a, b).dataSync();
  const bits = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  assert.ok(bits(eager).equals(bits(replayed)), 'rv.jit gives the bits of the chain op by op');
});
const jitLabel = fusion ? `chain, rv.jit fused (${steps.length} kernel)` : `chain, rv.jit unfused (RANDVAR_FUSE=0, ${steps.length} kernels)`;
const chainRows = [
  measure(`chain, op by op (${chainOps} kernels)`, 3, () => rv.tidy(() => chain(a, b))),
  measure(jitLabel, 3, () => jitChain(a, b)),
];
printTable([...rows, ...chainRows]);
const [eagerMs, jitMs] = chainRows.map((r) => Number(r.ms));
console.log(`chain = softplus(sigmoid(x + y) * 2.5 - square(y)), bytes counted: read x and y, write one result; ` +
  `rv.jit ${fusion ? 'fused' : 'unfused'} vs op by op: ${(eagerMs / jitMs).toFixed(2)}x faster (${eagerMs} ms -> ${jitMs} ms)`);
const worst = Math.min(...rows.map((r) => Number(r['vs memcpy'])));
console.log(`target: every single op >= 0.70 of memcpy: ${worst >= 0.7 ? 'met' : 'NOT met'} (lowest ${worst.toFixed(2)})`);
