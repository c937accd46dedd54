/**
 * Skinny matrix products over a tall design matrix X [n, k] (by default covertype's size,
 * 581,012 x 55 float32): the products one gradient of a logistic regression makes with C chains
 * batched (C = 1, 2, 4, 8). Each reads X once, so each should cost about one read of X:
 *
 *   W·Xᵀ   matMul(W, X, false, true), W [C, k]   the logits of C chains      -> [C, n]
 *   X·Wᵀ   matMul(X, W, false, true)             the same, laid out [n, C]
 *   R·X    matMul(R, X), R [C, n]                the gradients of C chains   -> [C, k]
 *   Xᵀ·Rᵀ  matMul(X, R, true, true)              the same, laid out [k, C]
 *   X·w, r·X  (C = 1) the matrix-vector forms, with vectors w [k] and r [n]
 *
 * The reference is rv.sum(X), a native streaming read of the same bytes, timed right before
 * and after each product in every repetition, so that the drift of a shared machine hits both
 * alike: "/ read" is the median over repetitions of the product's time over the mean of its two
 * neighbouring reads. Each product runs through the BLAS (when one is found) and the built-in
 * kernel; "kernel" says whether matMul ran it on its skinny kernels. GB/s count X's bytes only.
 * Target: the 4-row W·Xᵀ and R·X at most 1.3x the read on every path.
 *
 * Run: npm run bench:skinny [-- --rows N --cols K --dtype float64 --repeats R]
 */
import * as rv from '../lib/index';
import { machine, printTable } from './harness';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const n = Number(arg('rows', '581012'));
const k = Number(arg('cols', '55'));
const dtype = arg('dtype', 'float32') as 'float32' | 'float64';
const repeats = Number(arg('repeats', '15'));

const seconds = (fn: () => void) => {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
};
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

const found = rv.blasInfo();
const blasPath = found.name === 'builtin' ? null : found.path!;
console.log(`skinny matMul, X [${n}, ${k}] ${dtype}; ${machine()}`);
console.log(blasPath ? `BLAS: ${found.name}, ${blasPath}` : 'BLAS: none found: built-in kernel only');

const x = rv.randomNormal([n, k], 0, 1, dtype, 1);
const bytes = n * k * (dtype === 'float32' ? 4 : 8);
const gbs = (t: number) => (bytes / t / 1e9).toFixed(1);

interface Form { name: string; rows: number; run: () => rv.Tensor }
const forms: Form[] = [];
for (const c of [1, 2, 4, 8]) {
  const w = rv.randomNormal([c, k], 0, 1, dtype, 10 + c);
  const r = rv.randomNormal([c, n], 0, 1, dtype, 20 + c);
  forms.push({ name: 'W·Xᵀ', rows: c, run: () => rv.matMul(w, x, false, true) });
  forms.push({ name: 'X·Wᵀ', rows: c, run: () => rv.matMul(x, w, false, true) });
  forms.push({ name: 'R·X', rows: c, run: () => rv.matMul(r, x) });
  forms.push({ name: 'Xᵀ·Rᵀ', rows: c, run: () => rv.matMul(x, r, true, true) });
  if (c === 1) {
    const wv = w.reshape([k]);
    const rvec = r.reshape([n]);
    forms.push({ name: 'X·w', rows: 1, run: () => rv.matMul(x, wv) });
    forms.push({ name: 'r·X', rows: 1, run: () => rv.matMul(rvec, x) });
  }
}

const read = () => seconds(() => rv.sum(x).dispose());
const paths: [string, string][] = blasPath ? [[found.name, blasPath], ['built-in', 'builtin']] : [['built-in', 'builtin']];
const rows: Record<string, string | number>[] = [];
const targets: number[] = [];
const reads: number[] = [];
for (const form of forms) {
  const row: Record<string, string | number> = { product: form.name, rows: form.rows };
  for (const [label, path] of paths) {
    rv.setBlas(path);
    const before = rv.blasInfo().skinnyProducts;
    form.run().dispose();
    row[`${label} kernel`] = rv.blasInfo().skinnyProducts > before ? 'skinny' : 'general';
    const times: number[] = [];
    const ratios: number[] = [];
    for (let rep = -2; rep < repeats; rep++) {  // two untimed warm-up rounds
      const r0 = read();
      const t = seconds(() => form.run().dispose());
      const r1 = read();
      if (rep < 0) continue;
      times.push(t);
      ratios.push((2 * t) / (r0 + r1));
      reads.push(r0, r1);
    }
    const t = median(times);
    const ratio = median(ratios);
    row[`${label} ms`] = (t * 1e3).toFixed(2);
    row[`${label} GB/s`] = gbs(t);
    row[`${label} / read`] = ratio.toFixed(2);
    if (form.rows === 4 && (form.name === 'W·Xᵀ' || form.name === 'R·X')) targets.push(ratio);
  }
  rows.push(row);
}
rv.setBlas(blasPath ?? 'builtin');
printTable(rows);
const r = median(reads);
console.log(`read of X (rv.sum): median ${(r * 1e3).toFixed(2)} ms, ${gbs(r)} GB/s over ${reads.length} reads`);
const worst = Math.max(...targets);
console.log(`target: 4-row W·Xᵀ and R·X <= 1.3x the read on every path: ${worst <= 1.3 ? 'met' : 'NOT met'} (worst ${worst.toFixed(2)}x)`);
