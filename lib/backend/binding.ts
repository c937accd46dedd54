/**
 * The native addon: loaded once with node-gyp-build (a prebuilt binary when one matches this
 * platform, else the local build), with a typed declaration of everything it exports.
 */
import * as path from 'path';

/** An opaque handle to a native tensor (a strided view over reference-counted storage). */
export type NativeTensor = { readonly __nativeTensor: unique symbol };

export interface NativeLayout {
  strides: number[];
  offset: number;
  contiguous: boolean;
  /** Identifies the storage: views of one tensor share it. */
  storage: number;
  /** -1 for the CPU, N for cuda:N. */
  device: number;
}

/** A native graph (opaque). */
export type NativeGraph = { readonly __nativeGraph: unique symbol };

/** A graph: numbered slots for inputs, constants and each step's output. */
export interface NativeGraphSpec {
  numSlots: number;
  inputs: number[];
  constants: [number, NativeTensor][];
  /** [kernelId, outShape, dtypeCode, attrs, device, inputSlots, outputSlot] */
  steps: [number, readonly number[], number, readonly number[] | null, number, number[], number][];
  outputs: number[];
  /** Fuse chains of elementwise steps into one step each (native/graph_fusion.h). */
  fuse?: boolean;
  /** Fuse pairs of products with one long matrix and the elementwise step between them (native/graph_products.h). */
  fuseProducts?: boolean;
}

/** A device as the addon lists it: code -1 is the CPU, N is cuda:N. */
export interface NativeDevice {
  code: number;
  name: string;
  model?: string;
  totalMemory?: number;
  computeCapability?: string;
  multiprocessors?: number;
}

export interface NativeCudaInfo {
  available: boolean;
  /** Why no GPU is usable ('' when one is). */
  reason: string;
  /** GPU calls of kernels that have no GPU version and ran on the CPU, by kernel. */
  fallbacks: Record<string, number>;
  /** Kernels without a GPU version. */
  cpuOnlyKernels: string[];
  /** The cuBLAS library matMul uses ('path (version)'), or why it is not loaded (yet). */
  cublas: string;
  /** GPU matMuls run on the skinny kernels (a side of at most 8 against a long operand) since start. */
  skinnyProducts: number;
}

export interface NativeMemory {
  liveBytes: number;
  cachedBytes: number;
  cacheHits: number;
  cacheMisses: number;
}

/** The BLAS matMul calls, as the addon reports it. */
export interface NativeBlasInfo {
  /** 'OpenBLAS', 'BLIS', 'BLAS' (another CBLAS), or 'builtin' when none is used. */
  name: string;
  /** The library file, or null for the built-in kernel. */
  path: string | null;
  /** The library's own description (OpenBLAS: build and core), where it has one. */
  config: string | null;
  /** Operands copied to a dense layout before a BLAS call since start (irregular strides only). */
  operandCopies: number;
  /** Products run on matMul's skinny kernels (a side of at most 8 against a long one) since start. */
  skinnyProducts: number;
}

export interface Binding {
  kernels(): Record<string, number>;
  /** `device` places ops without inputs; with inputs, the op runs where they are (all on one device). */
  run(kernel: number, outShape: readonly number[] | null, outDtype: number, attrs: readonly number[] | null,
    device: number, ...inputs: NativeTensor[]): NativeTensor;
  /** run() with the result in `spare`, a disposed tensor's handle, instead of a new handle; gives `spare`. */
  runInto(spare: NativeTensor, kernel: number, outShape: readonly number[] | null, outDtype: number,
    attrs: readonly number[] | null, device: number, ...inputs: NativeTensor[]): NativeTensor;
  fromData(dtype: number, shape: readonly number[], data: ArrayBufferView, device?: number): NativeTensor;
  /** fromData() into `spare`, a disposed tensor's handle; gives `spare`. */
  fromDataInto(spare: NativeTensor, dtype: number, shape: readonly number[], data: ArrayBufferView, device?: number): NativeTensor;
  /** A contiguous copy on `device`; a handle of its own to the same storage (layout kept) when the tensor is already there. */
  toDevice(t: NativeTensor, device: number): NativeTensor;
  devices(): NativeDevice[];
  cudaInfo(): NativeCudaInfo;
  /** Waits for the device's queued kernels. */
  synchronize(device: number): void;
  toData(t: NativeTensor): Float32Array | Float64Array | Int32Array | Uint8Array;
  dispose(t: NativeTensor): void;
  layout(t: NativeTensor): NativeLayout;
  /** The allocator's figures for one device (the CPU by default). */
  memory(device?: number): NativeMemory;
  emptyCache(): void;
  numThreads(): number;
  setNumThreads(n: number): void;
  /**
   * Copies src's bytes into dst (contiguous, same byte size) with memcpy on every pool thread, or
   * with cudaMemcpyAsync on a GPU (queued: synchronize to time it): a benchmark reference.
   */
  memcpy(dst: NativeTensor, src: NativeTensor): void;
  /** The BLAS matMul uses; throws if RANDVAR_BLAS names a library that cannot be used. */
  blasInfo(): NativeBlasInfo;
  /** 'auto' (search), 'builtin', or a library path or soname; throws (keeping the current one) if unusable. */
  setBlas(mode: string): void;
  /** C = A·B for contiguous float matrices, straight into the BLAS: the matMul benchmark's reference. */
  blasGemm(c: NativeTensor, a: NativeTensor, b: NativeTensor): void;
  /** A captured computation (lib/autodiff/jit.ts) as a native graph. */
  makeGraph(spec: NativeGraphSpec): NativeGraph;
  /** The kernel name of each of a graph's steps, in order (after fusion). */
  graphSteps(graph: NativeGraph): string[];
  /** Each step's mean seconds over `repeats` runs, launch to completion (the device waited for after every step). */
  profileGraph(graph: NativeGraph, repeats: number, ...inputs: NativeTensor[]): number[];
  /** How runGraph runs a graph on a GPU: 'none' (step by step), 'recorded' (as one CUDA graph, from its second run) or 'failed' (it could not be recorded). */
  graphReplay(graph: NativeGraph): 'none' | 'recorded' | 'failed';
  /** Releases the tensors a graph holds (its constants) now; running it afterwards throws. */
  disposeGraph(graph: NativeGraph): void;
  /** Runs a graph on its inputs; returns its outputs. */
  runGraph(graph: NativeGraph, ...inputs: NativeTensor[]): NativeTensor[];
  /** C = A·B with cuBLAS directly, for contiguous float matrices on one GPU (queued): the GPU matMul benchmark's reference. */
  cudaGemm(c: NativeTensor, a: NativeTensor, b: NativeTensor): void;
  /**
   * The tree building of one NUTS transition over five captured graphs, [grow, leaf, choose, join,
   * merge] (native/nuts.h): from the start leaf [q, p, grad, logp, v], draw [q, grad, logp] and
   * start energies [chains], gives the new draw; the per-chain arrays (sfc32 states, statistics)
   * are read and updated in place. With `speculate`, each leaf but a subtree's last is followed
   * by the next before the host reads it (for a GPU; the same draws).
   */
  nutsTree(graphs: readonly NativeGraph[], start: NativeTensor[], sample: NativeTensor[], stepSize: NativeTensor,
    inverse: NativeTensor | null, maxDepth: number, speculate: boolean, startEnergy: NativeTensor, rng: Uint32Array,
    treeDepth: Int32Array, numSteps: Int32Array, diverging: Uint8Array, energy: Float64Array, acceptSum: Float64Array): NativeTensor[];
  /**
   * Switches the timing of every addon call on (from zero) or off; returns the nanoseconds spent
   * inside them since it was last switched on (benchmarks: the share of time outside native code).
   */
  timeCalls(on: boolean): number;
}

// lib/backend and dist/backend both sit two levels below the package root.
const packageRoot = path.resolve(__dirname, '..', '..');

/**
 * The addon's functions with their failures thrown: natively a failure is returned as an Error
 * value rather than thrown (native/addon.cc, `guarded`, says why).
 */
function throwingFailures(addon: Record<string, unknown>): Binding {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(addon)) {
    if (typeof value !== 'function') {
      out[name] = value;
      continue;
    }
    const native = value as (...args: unknown[]) => unknown;
    out[name] = (...args: unknown[]) => {
      const result = native(...args);
      if (result instanceof Error) throw result;
      return result;
    };
  }
  return out as unknown as Binding;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const addon = require('node-gyp-build')(packageRoot);
export const binding: Binding = throwingFailures(addon);

// Handles of disposed tensors that no Tensor holds any more (lib/tensor/tensor.ts gives them
// here): run() and fromData() put their result into one of them (the addon's runInto and
// fromDataInto) instead of a new handle, which (an external with a finalizer, collected later)
// costs about as much as a small op.
const spareHandles: NativeTensor[] = [];
const maxSpareHandles = 32;

/** @internal Keeps the handle of a disposed tensor, which nothing else holds, for a later result. */
export function recycle(handle: NativeTensor): void {
  if (spareHandles.length < maxSpareHandles) spareHandles.push(handle);
}

/** `name`, into a spare handle when there is one (the addon's `${name}Into`). */
function reusing<K extends 'run' | 'fromData'>(name: K): Binding[K] {
  const fresh = addon[name], into = addon[`${name}Into`];
  return ((...args: unknown[]) => {
    const spare = spareHandles.pop();
    const result = spare === undefined ? fresh(...args) : into(spare, ...args);
    if (result instanceof Error) throw result;
    return result;
  }) as Binding[K];
}
binding.run = reusing('run');
binding.fromData = reusing('fromData');
