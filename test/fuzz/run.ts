/**
 * The fuzz body, run in a child process by fuzz.test.ts so that a native crash is caught as a
 * failed exit rather than killing the test runner. Calls every op with random, often invalid
 * arguments; each call must return tensors or throw an Error whose message names the op.
 * Prints one JSON line: calls, successes, failures (bad errors).
 */
import * as rv from '../../lib/index';
import { makeRng, randomInt } from '../helpers';
import { type ArgKind, signatures } from './signatures';

const seed = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 20);
const rng = makeRng(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)];
const dtypes = ['float32', 'float64', 'int32', 'bool'] as const;

const weird = (): unknown => pick([undefined, null, NaN, Infinity, -1, 1.5, 2 ** 40, 'x', {}, [], [[1], [2, 3]], [[true, 1]], true]);

function randomShapeArg(): number[] {
  const rank = randomInt(rng, 0, 4);
  return Array.from({ length: rank }, () => (rng() < 0.1 ? 0 : randomInt(rng, 1, 4)));
}

// Invalid shapes only: a valid but huge shape would spend the test allocating gigabytes, so
// every huge dimension is refused outright (2^41 elements or more).
function invalidShapeArg(): unknown {
  const bad = () => pick([-1, 1.5, NaN, 2 ** 41, 1e300, Infinity, '2']);
  return pick([
    () => [...randomShapeArg(), bad()],
    () => [bad(), ...randomShapeArg()],
    () => Array.from({ length: 17 }, () => 1),
    () => [2 ** 26, 2 ** 26],
    () => pick([undefined, null, 'abc', 5, [[1]]]),
  ])();
}

function randomTensor(dtype = pick(dtypes)): rv.Tensor {
  const shape = randomShapeArg();
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, () => (dtype === 'bool' ? Number(rng() < 0.5) : Math.round((rng() - 0.5) * 8)));
  const t = rv.tensor(values, shape, dtype);
  if (rng() < 0.2 && t.rank > 0) return t.transpose();
  if (rng() < 0.05) {
    t.dispose();  // a disposed argument
  }
  return t;
}

function generate(kind: ArgKind): unknown {
  if (rng() < 0.12) return weird();
  switch (kind) {
    case 'tensor': return rng() < 0.15 ? pick([2, -1.5, [1, 2, 3], true]) : randomTensor();
    case 'int-tensor': return randomTensor('int32');
    case 'bool-tensor': return randomTensor(rng() < 0.8 ? 'bool' : pick(dtypes));
    case 'tensors': return Array.from({ length: randomInt(rng, 0, 3) }, () => randomTensor());
    case 'axis': return rng() < 0.9 ? randomInt(rng, -5, 5) : pick([0.5, NaN, 'x', [0, 0], [1, -1], []]);
    case 'axes': return rng() < 0.5 ? randomInt(rng, -5, 5) : Array.from({ length: randomInt(rng, 0, 3) }, () => randomInt(rng, -5, 5));
    case 'shape': return rng() < 0.15 ? invalidShapeArg() : randomShapeArg();
    case 'dtype': return rng() < 0.9 ? pick(dtypes) : pick(['float16', 'int64', 7]);
    case 'number': return rng() < 0.8 ? (rng() - 0.5) * 20 : pick([NaN, Infinity, -Infinity, 0]);
    case 'int': return randomInt(rng, -3, 6);
    case 'ints': return Array.from({ length: randomInt(rng, 0, 5) }, () => randomInt(rng, -4, 5));
    case 'bool': return rng() < 0.5;
    case 'paddings': return Array.from({ length: randomInt(rng, 0, 4) }, () => [randomInt(rng, -1, 2), randomInt(rng, -1, 2)]);
    case 'data': return rng() < 0.5 ? Array.from({ length: randomInt(rng, 0, 6) }, () => rng()) : pick([[[1, 2], [3, 4]], 3, [true, false], new Float64Array(4)]);
  }
}

const api = rv as unknown as Record<string, (...args: unknown[]) => unknown>;
let calls = 0;
let successes = 0;
const failures: string[] = [];
for (let round = 0; round < rounds; round++) {
  for (const [name, kinds] of Object.entries(signatures)) {
    const arity = rng() < 0.9 ? kinds.length : randomInt(rng, 0, kinds.length);
    const args = kinds.slice(0, arity).map(generate);
    calls++;
    try {
      rv.tidy(() => {
        const result = api[name](...args);
        checkResult(name, result);
      });
      successes++;
    } catch (error) {
      const ok = error instanceof Error && error.message.startsWith(`${name}:`);
      if (!ok && failures.length < 50) {
        failures.push(`${name}(${args.map(describe).join(', ')}) threw ${error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error)}`);
      }
    }
  }
}

/** A successful call returns a tensor (or a list of them) whose data can be read. */
function checkResult(name: string, result: unknown): void {
  for (const t of Array.isArray(result) ? result : [result]) {
    if (!(t instanceof rv.Tensor)) throw new TypeError(`${name} returned ${typeof t}, not a Tensor`);
    // Broadcast views may be huge; read the data of the others.
    if (t.size <= 1e6 && t.dataSync().length !== t.size) throw new TypeError(`${name} returned unreadable data`);
  }
}

function describe(a: unknown): string {
  if (a instanceof rv.Tensor) return a.isDisposed ? `disposed${JSON.stringify(a.shape)}` : `${a.dtype}${JSON.stringify(a.shape)}`;
  if (typeof a === 'number' && !Number.isFinite(a)) return String(a);
  return JSON.stringify(a) ?? String(a);
}

console.log(JSON.stringify({ calls, successes, failures }));
