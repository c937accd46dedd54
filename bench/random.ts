/**
 * Random-number throughput: normal and gamma draws per second, float32 and float64, on one
 * thread and on every core, with uniform draws and a uniform-rate Poisson for comparison.
 *
 * Reference, measured in the same run and timed alternately with each sampler: a native
 * multi-threaded memcpy of the sampler's output size between two buffers of that size (the
 * bound for any op that only writes its output). "× memcpy" is the sampler's time over the
 * copy's; draws are seeded (the same values on every run). "M draws/CPU-s" divides by the CPU
 * time of all the process's threads instead of wall time: on a shared machine it shows the
 * kernels' cost when other processes take cores (it stays flat from one thread to two when
 * the threads scale).
 *
 * Run: npm run bench:random
 */
import { binding } from '../lib/backend/binding';
import * as rv from '../lib/index';
import { machine, printTable } from './harness';

const repeats = 11;

const seconds = (fn: () => void) => {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
};
/** CPU seconds (all threads of this process) spent in fn. */
const cpuSeconds = (fn: () => void) => {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

interface Case {
  name: string;
  dtype: 'float32' | 'float64';
  n: number;
  draw: (n: number) => rv.Tensor;
}

function measure(c: Case, threads: number) {
  rv.setNumThreads(threads);
  const src = rv.zeros([c.n], c.dtype);
  const dst = rv.zeros([c.n], c.dtype);
  const copy = () => binding.memcpy(dst.handle(), src.handle());
  const op = () => c.draw(c.n).dispose();
  for (let i = 0; i < 2; i++) {
    copy();
    op();
  }
  const opTimes: number[] = [];
  const refTimes: number[] = [];
  let cpu = 0;
  for (let i = 0; i < repeats; i++) {
    refTimes.push(seconds(copy));
    cpu += cpuSeconds(() => opTimes.push(seconds(op)));
  }
  src.dispose();
  dst.dispose();
  const t = median(opTimes);
  const ref = median(refTimes);
  return {
    sampler: c.name, dtype: c.dtype, threads, 'M draws/s': (c.n / t / 1e6).toFixed(1), 'ns/draw': ((t / c.n) * 1e9).toFixed(2),
    'M draws/CPU-s': ((c.n * repeats) / cpu / 1e6).toFixed(1),
    'memcpy ms': (ref * 1e3).toFixed(2), 'sampler ms': (t * 1e3).toFixed(2), '× memcpy': (t / ref).toFixed(1),
  };
}

const big = 1 << 24;   // 64 MB of float32
const small = 1 << 21; // rejection samplers
const cases: Case[] = [];
for (const dtype of ['float32', 'float64'] as const) {
  cases.push(
    { name: 'uniform', dtype, n: big, draw: (n) => rv.randomUniform([n], 0, 1, dtype, 1) },
    { name: 'normal', dtype, n: big, draw: (n) => rv.randomNormal([n], 0, 1, dtype, 1) },
    { name: 'gamma(2.5)', dtype, n: small, draw: (n) => rv.randomGamma([n], 2.5, 1, dtype, 1) },
    { name: 'gamma(0.5)', dtype, n: small, draw: (n) => rv.randomGamma([n], 0.5, 1, dtype, 1) },
    { name: 'poisson(100)', dtype, n: small, draw: (n) => rv.randomPoisson([n], 100, dtype, 1) },
  );
}

const cores = rv.getNumThreads();
console.log(`random draws; ${machine()}`);
const rows = [];
for (const c of cases) {
  for (const threads of cores > 1 ? [1, cores] : [1]) rows.push(measure(c, threads));
}
rv.setNumThreads(cores);
printTable(rows);
