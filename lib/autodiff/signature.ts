/**
 * The signatures that rv.jit keys its graphs by: what a call's arguments look like (tensor
 * shapes, dtypes and devices; which arguments are the same tensor, since fn may test that and a
 * graph reads one slot for both; the other values), as a list of small integers and its hash.
 * Made on every call, so it reads only the arguments themselves and a few small tables, builds no
 * string and makes no object once a signature has been seen: after a memory-bound kernel has
 * flushed the caches, each object touched costs a cache miss.
 */
import { Tensor } from '../tensor/tensor';
import { isPlainObject } from './tree';

// Tokens for structure; ids of values, keys and tensor layouts are >= 0.
const openArray = -1;
const openObject = -2;
const close = -3;
const tensorToken = -4;
const alias = -5;
const valueToken = -6;
const keyToken = -7;

interface Entry<T> {
  readonly tokens: readonly number[];
  readonly value: T;
}

/** A table from call signatures to records of type T (made by `make` for each new signature). */
export class SignatureTable<T> {
  // Ids of plain values (numbers, strings, booleans, null, undefined; -0 apart from 0) and of object keys.
  private readonly values = new Map<unknown, number>();
  private readonly keys = new Map<string, number>();
  private readonly buckets = new Map<number, Entry<T>[]>();
  // The signature being looked up (reused: it is rebuilt on every call).
  private readonly tokens: number[] = [];

  constructor(private readonly make: () => T) {}

  /**
   * The record of args' signature (made on first sight), with args' tensors collected in order
   * into `tensors`; null when args cannot be captured (a tensor inside vmap or disposed, a
   * function or class instance among them).
   */
  find(args: readonly unknown[], tensors: Tensor[]): T | null {
    this.tokens.length = 0;
    if (!this.describe(args, tensors)) return null;
    let hash = 0x811c9dc5;
    for (const t of this.tokens) hash = Math.imul(hash ^ t, 0x01000193);
    let bucket = this.buckets.get(hash);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(hash, bucket);
    }
    for (const entry of bucket) if (sameTokens(entry.tokens, this.tokens)) return entry.value;
    const entry = { tokens: this.tokens.slice(), value: this.make() };
    bucket.push(entry);
    return entry.value;
  }

  /** The records of every signature seen. */
  *records(): IterableIterator<T> {
    for (const bucket of this.buckets.values()) for (const entry of bucket) yield entry.value;
  }

  private describe(value: unknown, tensors: Tensor[]): boolean {
    const tokens = this.tokens;
    if (value instanceof Tensor) {
      if (value.batch !== null || value.isDisposed) return false;
      const earlier = tensors.indexOf(value);
      tensors.push(value);
      if (earlier >= 0) tokens.push(alias, earlier);
      else tokens.push(tensorToken, value.layoutId);
      return true;
    }
    if (Array.isArray(value)) {
      tokens.push(openArray);
      for (const v of value) if (!this.describe(v, tensors)) return false;
      tokens.push(close);
      return true;
    }
    if (isPlainObject(value)) {
      tokens.push(openObject);
      for (const k in value) {
        tokens.push(keyToken, idOf(this.keys, k));
        if (!this.describe(value[k], tensors)) return false;
      }
      tokens.push(close);
      return true;
    }
    if (value === null || value === undefined || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
      // A Map equates 0 and -0, which a function can tell apart.
      tokens.push(valueToken, idOf(this.values, Object.is(value, -0) ? negativeZero : value));
      return true;
    }
    return false;
  }
}

const negativeZero = Symbol('-0');

function idOf<K>(ids: Map<K, number>, k: K): number {
  let id = ids.get(k);
  if (id === undefined) {
    id = ids.size;
    ids.set(k, id);
  }
  return id;
}

function sameTokens(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
