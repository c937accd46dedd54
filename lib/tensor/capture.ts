/**
 * The hook graph capture (lib/autodiff/jit.ts) records through: while a recorder is installed,
 * every native kernel call, every tensor made from JS data, and every operation that cannot be
 * replayed (a read of tensor values into JS, a copy between devices, a random op) is reported to
 * it. Costs one null check per op when nothing records.
 */
import type { NativeTensor } from '../backend/binding';

export interface Recorder {
  /** A kernel ran: kernel id, output shape, dtype code, attributes, device code, input handles, output handle. */
  kernel(kernelId: number, shape: readonly number[], dtype: number, attrs: readonly number[] | null, device: number,
    inputs: readonly NativeTensor[], output: NativeTensor): void;
  /** A tensor was made from JS data (a constant of the computation). */
  constant(handle: NativeTensor, device: number): void;
  /** Something happened that a replay would not repeat; `what` says what. */
  unsupported(what: string): void;
}

/** @internal The active recorder, or null. */
export let recorder: Recorder | null = null;

/** @internal Installs a recorder (null to stop); returns the previous one. */
export function setRecorder(r: Recorder | null): Recorder | null {
  const previous = recorder;
  recorder = r;
  return previous;
}
