/**
 * matMul throughput in GFLOP/s (2·n³ flops for n x n times n x n) at n = 256, 1024, 2048, float32
 * and float64, three ways in one run: the BLAS called directly on the tensors' raw buffers (the
 * reference: no op table, no shape rule, no allocation), rv.matMul through that BLAS, and
 * rv.matMul on the built-in kernel (switched with rv.setBlas). Targets: through the BLAS at
 * least 0.90 of direct (nothing copied or transposed around the call), the built-in kernel at
 * least 0.25 of the BLAS. The three are timed in turn within each repetition, so drift on a
 * shared machine affects all of them alike: GFLOP/s are from median times, ratios are medians
 * of each repetition's own ratio (neighbours in time share the machine's load).
 *
 * Run: npm run bench:matmul
 */
import { binding } from '../lib/backend/binding';
import * as rv from '../lib/index';
import { machine, printTable } from './harness';

const sizes = [256, 1024, 2048];
const dtypes = ['float32', 'float64'] as const;

const seconds = (fn: () => void) => {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
};
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

/** n x n values in [-1, 1) from a fixed-seed LCG. */
function matrix(n: number, dtype: rv.DType, seed: number): rv.Tensor {
  const data = dtype === 'float32' ? new Float32Array(n * n) : new Float64Array(n * n);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 31 - 1;
  }
  return rv.tensor(data, [n, n], dtype);
}

const found = rv.blasInfo();
const blas = found.name === 'builtin' ? null : found;
console.log(`matMul, n x n times n x n; ${machine()}`);
console.log(blas ? `BLAS: ${blas.name}, ${blas.path}${blas.config ? ` (${blas.config})` : ''}` : 'BLAS: none found (RANDVAR_BLAS or search): built-in kernel only');

const rows: Record<string, string | number>[] = [];
const ratios = { through: [] as number[], builtin: [] as number[] };
for (const n of sizes) {
  for (const dtype of dtypes) {
    const a = matrix(n, dtype, 1);
    const b = matrix(n, dtype, 2);
    const c = rv.zeros([n, n], dtype);
    const flops = 2 * n ** 3;
    // About a second of work per method at the BLAS's speed, at least 5 repetitions.
    const repeats = Math.max(7, Math.min(41, Math.round(4e10 / flops)));
    const methods: [string, () => void][] = [];
    if (blas) {
      methods.push(['direct', () => { rv.setBlas(blas.path!); }]);
      methods.push(['through', () => { rv.setBlas(blas.path!); }]);
    }
    methods.push(['builtin', () => { rv.setBlas('builtin'); }]);
    const run: Record<string, () => void> = {
      direct: () => binding.blasGemm(c.handle(), a.handle(), b.handle()),
      through: () => rv.matMul(a, b).dispose(),
      builtin: () => rv.matMul(a, b).dispose(),
    };
    const times: Record<string, number[]> = { direct: [], through: [], builtin: [] };
    for (let r = -2; r < repeats; r++) {  // two untimed warm-up rounds
      for (const [name, select] of methods) {
        select();
        const t = seconds(run[name]);
        if (r >= 0) times[name].push(t);
      }
    }
    rv.setBlas(blas ? blas.path! : 'builtin');
    const gf = (name: string) => (times[name].length ? flops / median(times[name]) / 1e9 : NaN);
    // Speed ratio of x to y, repetition by repetition.
    const ratio = (x: string, y: string) => median(times[x].map((t, r) => times[y][r] / t));
    const throughRatio = blas ? ratio('through', 'direct') : NaN;
    const builtinRatio = blas ? ratio('builtin', 'through') : NaN;
    if (blas) {
      ratios.through.push(throughRatio);
      ratios.builtin.push(builtinRatio);
    }
    rows.push({
      n, dtype,
      'direct BLAS GF/s': blas ? gf('direct').toFixed(1) : '-',
      'rv.matMul BLAS GF/s': blas ? gf('through').toFixed(1) : '-',
      'BLAS / direct': blas ? throughRatio.toFixed(2) : '-',
      'rv.matMul built-in GF/s': gf('builtin').toFixed(1),
      'built-in / BLAS': blas ? builtinRatio.toFixed(2) : '-',
    });
    rv.dispose([a, b, c]);
  }
}
printTable(rows);
if (blas) {
  const through = Math.min(...ratios.through);
  const builtin = Math.min(...ratios.builtin);
  console.log(`target: rv.matMul through the BLAS >= 0.90 of direct: ${through >= 0.9 ? 'met' : 'NOT met'} (lowest ${through.toFixed(2)})`);
  console.log(`target: built-in kernel >= 0.25 of the BLAS: ${builtin >= 0.25 ? 'met' : 'NOT met'} (lowest ${builtin.toFixed(2)})`);
}
