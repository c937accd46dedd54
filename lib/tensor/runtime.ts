/** Runtime controls: threads and native memory. */
import { binding, type NativeMemory } from '../backend/binding';
import { checkedDeviceCode, type Device, getDevice } from './device';

/** Threads the native pool uses (RANDVAR_NUM_THREADS sets it at start). @example rv.getNumThreads() */
export function getNumThreads(): number {
  return binding.numThreads();
}

/** Sets the number of native threads (1 runs every kernel on the calling thread). @example rv.setNumThreads(1) */
export function setNumThreads(n: number): void {
  binding.setNumThreads(n);
}

/**
 * Native memory of one device (the default device when left out): bytes held by live tensors,
 * bytes cached for reuse, and cache hits/misses.
 *
 * @example
 * rv.memory().liveBytes; rv.memory('cuda:0').cacheHits
 */
export function memory(device: Device = getDevice()): NativeMemory {
  return binding.memory(checkedDeviceCode('memory', device));
}

/** Returns the allocator's cached blocks to the system. @example rv.emptyCache() */
export function emptyCache(): void {
  binding.emptyCache();
}
