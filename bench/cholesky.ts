/**
 * Cholesky speed: 512 x 512 float64 (the benchmark), in ms and GFLOP/s counting n³/3
 * flops, against references measured in the same run by bench/cholesky_reference.cc (compiled
 * here with the addon's flags): LAPACK's dpotrf from the system's library (OpenBLAS when
 * installed, with its own threads, and again on one thread) and a plain unblocked native loop (one thread). Timings of
 * randvar and of the references alternate in rounds, so a shared machine's drift hits both.
 * Also: float32, n = 1024, one thread, a batch of small matrices and triangularSolve.
 *
 * Run: npm run bench:cholesky
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as rv from '../lib/index';
import { machine, medianSeconds, printTable } from './harness';

const rounds = 3;
const repeats = 11;

/** A = M·Mᵀ/n + I with M uniform in [-1, 1): the matrix the reference program factors. */
function spd(n: number, seed: number): Float64Array {
  const m = new Float64Array(n * n);
  let s = seed >>> 0;
  for (let i = 0; i < m.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    m[i] = (s >>> 8) / 2 ** 24 * 2 - 1;
  }
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let acc = 0;
      for (let p = 0; p < n; p++) acc += m[i * n + p] * m[j * n + p];
      a[i * n + j] = a[j * n + i] = acc / n + (i === j ? 1 : 0);
    }
  }
  return a;
}

/** Compiles the reference program; null (with the reason printed) when no compiler works. */
function compileReference(): string | null {
  const source = path.join(__dirname, 'cholesky_reference.cc');
  const binary = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'randvar-bench-')), 'cholesky_reference');
  const compiler = process.env.CXX ?? 'c++';
  try {
    execFileSync(compiler, ['-O3', '-std=c++17', '-fno-math-errno', '-fno-trapping-math', source, '-o', binary, '-ldl'], { stdio: 'pipe' });
    return binary;
  } catch (error) {
    console.log(`(reference not compiled with ${compiler}: ${(error as Error).message.split('\n')[0]})`);
    return null;
  }
}

interface Reference { lapack: number | null; lapackName: string | null; loop: number }

/** The reference's timings; with `oneThread`, OpenBLAS (and an OpenMP LAPACK) on one thread. */
function runReference(binary: string, n: number, oneThread = false): Reference {
  const env = oneThread ? { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' } : process.env;
  return JSON.parse(execFileSync(binary, [String(n), String(repeats)], { encoding: 'utf8', env })) as Reference;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gflops = (flops: number, ms: number) => (flops / (ms / 1e3) / 1e9).toFixed(1);

const binary = compileReference();
console.log(`Cholesky, n³/3 flops; ${machine()}`);

/** randvar's cholesky of an n x n SPD matrix, medians per round alternating with the reference. */
function measure(n: number, dtype: 'float32' | 'float64', threads: number, withReference: boolean, referenceOnOneThread = false) {
  const x = rv.tensor(spd(n, 12345), [n, n], dtype);
  const original = rv.getNumThreads();
  const ours: number[] = [];
  const refs: Reference[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      if (withReference && binary) refs.push(runReference(binary, n, referenceOnOneThread));
      rv.setNumThreads(threads);
      ours.push(medianSeconds(() => rv.cholesky(x).dispose(), repeats) * 1e3);
      rv.setNumThreads(original);
    }
  } finally {
    rv.setNumThreads(original);
    x.dispose();
  }
  const lapackTimes = refs.map((r) => r.lapack).filter((v): v is number => v !== null);
  return {
    ms: median(ours),
    lapack: lapackTimes.length ? median(lapackTimes) : null,
    lapackName: refs[0]?.lapackName ?? null,
    loop: refs.length ? median(refs.map((r) => r.loop)) : null,
  };
}

const threads = rv.getNumThreads();
const rows: Record<string, string | number>[] = [];
const main = measure(512, 'float64', threads, true);
const flops512 = 512 ** 3 / 3;
const vsLapack = (ms: number) => (main.lapack !== null ? (main.lapack / ms).toFixed(2) : 'n/a');
rows.push({ what: 'randvar cholesky, float64', n: 512, threads, ms: main.ms.toFixed(3), 'GFLOP/s': gflops(flops512, main.ms), 'speed vs dpotrf': vsLapack(main.ms) });
if (main.lapack !== null) {
  rows.push({ what: `dpotrf (${main.lapackName})`, n: 512, threads: 'its own', ms: main.lapack.toFixed(3), 'GFLOP/s': gflops(flops512, main.lapack), 'speed vs dpotrf': '1.00' });
}
if (main.loop !== null) {
  rows.push({ what: 'plain native loop (reference)', n: 512, threads: 1, ms: main.loop.toFixed(3), 'GFLOP/s': gflops(flops512, main.loop), 'speed vs dpotrf': vsLapack(main.loop) });
}
const single = measure(512, 'float64', 1, true, true);
const vsLapack1 = (ms: number) => (single.lapack !== null ? (single.lapack / ms).toFixed(2) : 'n/a');
rows.push({ what: 'randvar cholesky, float64', n: 512, threads: 1, ms: single.ms.toFixed(3), 'GFLOP/s': gflops(flops512, single.ms), 'speed vs dpotrf': `${vsLapack1(single.ms)} (vs 1 thread)` });
if (single.lapack !== null) {
  rows.push({ what: `dpotrf (${single.lapackName})`, n: 512, threads: 1, ms: single.lapack.toFixed(3), 'GFLOP/s': gflops(flops512, single.lapack), 'speed vs dpotrf': '1.00' });
}
const f32 = measure(512, 'float32', threads, false);
rows.push({ what: 'randvar cholesky, float32', n: 512, threads, ms: f32.ms.toFixed(3), 'GFLOP/s': gflops(flops512, f32.ms), 'speed vs dpotrf': '' });
const big = measure(1024, 'float64', threads, true);
rows.push({ what: 'randvar cholesky, float64', n: 1024, threads, ms: big.ms.toFixed(3), 'GFLOP/s': gflops(1024 ** 3 / 3, big.ms),
  'speed vs dpotrf': big.lapack !== null ? (big.lapack / big.ms).toFixed(2) : 'n/a' });
if (big.lapack !== null) {
  rows.push({ what: `dpotrf (${big.lapackName})`, n: 1024, threads: 'its own', ms: big.lapack.toFixed(3), 'GFLOP/s': gflops(1024 ** 3 / 3, big.lapack), 'speed vs dpotrf': '1.00' });
}

// Many small matrices: the batch runs in parallel, one matrix per task.
{
  const count = 10000;
  const n = 8;
  const one = spd(n, 7);
  const data = new Float64Array(count * n * n);
  for (let b = 0; b < count; b++) data.set(one, b * n * n);
  const x = rv.tensor(data, [count, n, n], 'float64');
  const ms = medianSeconds(() => rv.cholesky(x).dispose(), repeats) * 1e3;
  rows.push({ what: `randvar cholesky, batch of ${count}`, n, threads, ms: ms.toFixed(3), 'GFLOP/s': gflops(count * n ** 3 / 3, ms), 'speed vs dpotrf': '' });
  x.dispose();
}

// triangularSolve with 512 right-hand sides: n³ flops.
{
  const n = 512;
  const l = rv.cholesky(rv.tensor(spd(n, 3), [n, n], 'float64'));
  const b = rv.tensor(spd(n, 4), [n, n], 'float64');
  const ms = medianSeconds(() => rv.triangularSolve(l, b).dispose(), repeats) * 1e3;
  rows.push({ what: 'randvar triangularSolve, 512 rhs', n, threads, ms: ms.toFixed(3), 'GFLOP/s': gflops(n ** 3, ms), 'speed vs dpotrf': '' });
  l.dispose();
  b.dispose();
}

printTable(rows);
