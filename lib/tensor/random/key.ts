/**
 * Random keys and the global seeded generator.
 *
 * Every random op draws from Philox4x32-10 (native/philox.h) under a 64-bit key. A draw is
 * identified by (key, stream): with an explicit `seed` (a number or a RandomKey) the stream is
 * 0, so the same seed always gives the same values; without one the op takes the global key
 * and the next stream number, so consecutive unseeded calls differ and the sequence after
 * `setSeed` is reproducible. The kernel folds the stream into the key, and each element's
 * values depend only on that folded key and the element's position, never on the thread count.
 */
import type { DType } from '../dtype';
import { withDevice } from '../device';
import { defineOp, opError } from '../op';
import { checkShape } from '../shape';

/**
 * A 64-bit Philox key, immutable. Make one with `rv.random.key(seed)`, derive independent
 * ones with `rv.random.split` or `rv.random.foldIn`; every random op accepts one as `seed`.
 *
 * @example
 * const k = rv.random.key(42);
 * rv.randomNormal([3], 0, 1, 'float32', k);
 */
export class RandomKey {
  /** Low 32 bits of the key. */
  readonly lo: number;
  /** High 32 bits of the key. */
  readonly hi: number;

  /** @internal Keys come from `rv.random.key`, `split` and `foldIn`. */
  constructor(lo: number, hi: number) {
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    Object.freeze(this);
  }

  toString(): string {
    return `RandomKey(0x${this.hi.toString(16).padStart(8, '0')}${this.lo.toString(16).padStart(8, '0')})`;
  }
}

/** A seed argument: a number (any finite value) or a key. */
export type Seed = number | RandomKey;

const float64View = new DataView(new ArrayBuffer(8));

/**
 * The key of a seed. Integers in [-2^53, 2^53] are the key itself (negative ones as 64-bit
 * two's complement); any other finite number is keyed by its float64 bit pattern.
 */
function keyOfSeed(op: string, seed: unknown, argument = 'seed'): RandomKey {
  if (seed instanceof RandomKey) return seed;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw opError(op, `${argument} must be a finite number or a RandomKey, got ${describe(seed)}`);
  }
  if (Number.isInteger(seed) && Math.abs(seed) <= 2 ** 53) {
    const bits = BigInt.asUintN(64, BigInt(seed));
    return new RandomKey(Number(bits & 0xffffffffn), Number(bits >> 32n));
  }
  float64View.setFloat64(0, seed, true);
  return new RandomKey(float64View.getUint32(0, true), float64View.getUint32(4, true));
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

// Counter tags (word 3) for key derivation; the kernels use 0, 1 + sub-stream and "FOLD".
const tagSplit = 0x53504c54;   // "SPLT"
const tagFoldIn = 0x464f4c49;  // "FOLI"

interface PhiloxAttrs {
  key: RandomKey;
  counter: readonly [number, number, number, number];
  n: number;
}
const philoxOp = defineOp<PhiloxAttrs>({
  name: 'philox',
  inputs: [],
  dtype: () => ({ inputs: [], output: 'int32' as DType }),
  shape: (_, { n }) => checkShape([n, 4], 'count'),
  kernelAttrs: ({ key, counter }) => [key.lo, key.hi, ...counter],
  // Key derivation only: no tensor inputs, so no gradient, and deliberately not `random`: under
  // vmap, split and foldIn give the same keys as outside it.
  gradient: 'none',
});

/**
 * @internal Raw Philox4x32-10 output: n blocks of four 32-bit words, block b encrypting the
 * counter (c0, c1) + b (as one 64-bit number), c2, c3 under `key`.
 */
export function philoxBlocks(key: RandomKey, counter: readonly [number, number, number, number], n: number, caller = 'philox'): Uint32Array {
  const t = philoxOp.run([], { key, counter, n }, caller);
  try {
    const words = t.dataSync() as Int32Array;
    return new Uint32Array(words.buffer, words.byteOffset, words.length);
  } finally {
    t.dispose();
  }
}

/**
 * philoxBlocks on the CPU whatever the default device: keys are a few words the host needs, so a
 * GPU would only add a kernel launch and a wait (a sampler derives a key every transition).
 */
function hostBlocks(key: RandomKey, counter: readonly [number, number, number, number], n: number, caller: string): Uint32Array {
  return withDevice('cpu', () => philoxBlocks(key, counter, n, caller));
}

/**
 * The key of a seed: integers in [-2^53, 2^53] become the 64-bit key of that value; other
 * finite numbers are keyed by their float64 bits. A RandomKey is returned as is.
 *
 * @example
 * const k = rv.random.key(42);
 */
export function key(seed: Seed): RandomKey {
  return keyOfSeed('random.key', seed);
}

/**
 * `n` new keys derived from `parent` (Philox encryptions of counters 0..n-1 under it): draws
 * under them are independent of each other and of draws under the parent.
 *
 * @example
 * const [k1, k2] = rv.random.split(rv.random.key(0));
 * rv.randomNormal([2], 0, 1, 'float32', k1);  // independent of the same call with k2
 */
export function split(parent: Seed, n = 2): RandomKey[] {
  const k = keyOfSeed('random.split', parent, 'key');
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 24) throw opError('random.split', `n must be an integer in [0, 2^24], got ${describe(n)}`);
  const words = hostBlocks(k, [0, 0, 0, tagSplit], n, 'random.split');
  return Array.from({ length: n }, (_, i) => new RandomKey(words[4 * i], words[4 * i + 1]));
}

/**
 * A key derived from `parent` and an integer `data` in [0, 2^53) (as JAX's fold_in): one key
 * per iteration or per chain without splitting in advance.
 *
 * @example
 * const step = rv.random.foldIn(rv.random.key(0), 17);
 */
export function foldIn(parent: Seed, data: number): RandomKey {
  const k = keyOfSeed('random.foldIn', parent, 'key');
  if (!Number.isSafeInteger(data) || data < 0) throw opError('random.foldIn', `data must be an integer in [0, 2^53), got ${describe(data)}`);
  const words = hostBlocks(k, [data % 2 ** 32, Math.floor(data / 2 ** 32), 0, tagFoldIn], 1, 'random.foldIn');
  return new RandomKey(words[0], words[1]);
}

// The global generator: a key and the number of unseeded draws made under it. Until setSeed
// is called the key comes from Math.random, so unseeded programs differ from run to run.
let globalKey = new RandomKey(Math.floor(Math.random() * 2 ** 32), Math.floor(Math.random() * 2 ** 32));
let globalDraws = 0;

/**
 * Seeds the global generator that random ops use when called without a seed: the sequence of
 * unseeded draws after `setSeed(s)` is the same on every run. Draws with an explicit seed
 * neither use nor advance it.
 *
 * @example
 * rv.setSeed(1);
 * const a = rv.randomNormal([3]);  // same values after every rv.setSeed(1)
 * const b = rv.randomNormal([3]);  // differs from a
 */
export function setSeed(seed: Seed): void {
  globalKey = keyOfSeed('setSeed', seed);
  globalDraws = 0;
}

/** The key and stream of one draw, as the kernels' first four attributes. */
export interface Draw {
  key: RandomKey;
  stream: number;
}

export function drawAttrs({ key: k, stream }: Draw): number[] {
  return [k.lo, k.hi, stream % 2 ** 32, Math.floor(stream / 2 ** 32)];
}

/**
 * @internal The draw for a call of `op` with `seed` (undefined: the global generator's next
 * stream, which `commitDraw` claims once the op has succeeded, so failed calls do not shift
 * the sequence).
 */
export function drawFor(op: string, seed: unknown): Draw {
  if (seed === undefined || seed === null) return { key: globalKey, stream: globalDraws + 1 };
  return { key: keyOfSeed(op, seed), stream: 0 };
}

/** @internal Marks a global draw as used. */
export function commitDraw(draw: Draw): void {
  if (draw.stream > 0 && draw.key === globalKey && draw.stream > globalDraws) globalDraws = draw.stream;
}
