/**
 * The sampler's scalar random decisions (NUTS directions, which state of a trajectory to keep,
 * Metropolis acceptances) are made in JS, a few per chain per step: one small generator per
 * chain (sfc32), seeded from the run's key and the chain's index, so each chain's decisions do
 * not depend on how many chains run beside it.
 */
import { foldIn, type RandomKey } from '../../tensor/random/key';
import type { ChainDecisions } from './transition';

export class ChainRandom implements ChainDecisions {
  /** Four 32-bit words of generator state per chain. */
  private readonly words: Uint32Array;

  /** One generator for each of `chains` (indices into the whole run's chains). */
  constructor(key: RandomKey, chains: readonly number[]) {
    this.words = new Uint32Array(4 * chains.length);
    chains.forEach((chain, i) => {
      const k = foldIn(key, chain);
      this.words.set([k.lo, k.hi, chain, 1], 4 * i);
      for (let r = 0; r < 12; r++) this.uniform(i);
    });
  }

  /** @internal The generators' state, four words per chain (native code draws from it too: native/nuts.cc). */
  get state(): Uint32Array {
    return this.words;
  }

  /** A fair coin for the i-th chain of this group (NUTS's direction of each doubling). */
  coin(i: number): boolean {
    return this.uniform(i) < 0.5;
  }

  /** A uniform draw in [0, 1) for the i-th chain of this group. */
  uniform(i: number): number {
    const w = this.words;
    const o = 4 * i;
    const a = w[o], b = w[o + 1], c = w[o + 2], d = w[o + 3];
    const t = (((a + b) >>> 0) + d) >>> 0;
    w[o] = b ^ (b >>> 9);
    w[o + 1] = (c + (c << 3)) >>> 0;
    w[o + 2] = (((c << 21) | (c >>> 11)) + t) >>> 0;
    w[o + 3] = (d + 1) >>> 0;
    return t / 4294967296;
  }
}
