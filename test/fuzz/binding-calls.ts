/**
 * A child process for test/errors.test.ts: every function the addon exports, called with random,
 * mostly invalid, arguments (numbers, strings, arrays, typed arrays, tensors of several dtypes and
 * shapes, disposed tensors, graphs, objects). Each call must return or throw an Error; a crash
 * ends the process. Prints "calls errors" when done. Args: seed, calls per function.
 */
import { binding } from '../../lib/backend/binding';
import * as rv from '../../lib/index';

const seed = Number(process.argv[2] ?? 1);
const perFunction = Number(process.argv[3] ?? 300);
let state = seed >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];

// Functions whose effect is global or external: called with valid-looking arguments only elsewhere.
const skipped = new Set(['setBlas', 'setNumThreads', 'timeCalls', 'emptyCache']);
const disposed = rv.tensor([1, 2]).handle();
binding.dispose(disposed);
const graph = binding.makeGraph({ numSlots: 2, inputs: [0], constants: [], steps: [[binding.kernels().exp, [3], 0, null, -1, [0], 1]], outputs: [1] });
const tensors = () => [
  rv.tensor([1, 2, 3]).handle(), rv.tensor([[1, 2], [3, 4]], undefined, 'float64').handle(), rv.tensor([1, 0], undefined, 'int32').handle(),
  rv.tensor([true, false]).handle(), rv.zeros([0, 3]).handle(), rv.scalar(2).handle(), rv.transpose(rv.ones([2, 3])).handle(), disposed,
];
const values = (): unknown[] => [
  0, 1, -1, 2.5, NaN, Infinity, -0, 2 ** 31, -(2 ** 53), 1e300, '', 'cpu', 'x', null, undefined, true, {}, [], [1, 2], [-1], [2 ** 40],
  [[1]], new Float64Array(3), new Float32Array(2), new Int32Array(4), new Uint8Array(1), new Uint32Array(8), graph, { numSlots: 1 },
  ...tensors(), [rv.tensor([1]).handle()],
];

let calls = 0, errors = 0;
for (const [name, fn] of Object.entries(binding)) {
  if (typeof fn !== 'function' || skipped.has(name)) continue;
  // run reaches every kernel: many more calls, so that each kernel gets its share.
  const count = name === 'run' ? 30 * perFunction : perFunction;
  for (let i = 0; i < count; i++) {
    const pool = values();
    const args = Array.from({ length: Math.floor(random() * 17) }, () => pick(pool));
    // Often a known kernel id first: the kernel's own checks, not only the binding's.
    if (name === 'run' && random() < 0.8) args[0] = Math.floor(random() * Object.keys(binding.kernels()).length);
    calls++;
    try {
      const out = (fn as (...a: unknown[]) => unknown)(...args);
      if (out !== null && typeof out === 'object' && !Array.isArray(out) && name === 'run') binding.dispose(out as never);
    } catch (e) {
      if (!(e instanceof Error)) throw new Error(`${name} threw a non-Error: ${String(e)}`);
      errors++;
    }
  }
}
console.log(`${calls} ${errors}`);
