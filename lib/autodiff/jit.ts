/**
 * Graph capture: `rv.jit(fn)` runs fn once per input signature while recording the native kernels
 * it calls, and from then on replays them as one native call, with no JavaScript between the
 * kernels (the tape, vmap's batching rules, distributions and tracing all ran once, at capture).
 */
import { binding, type NativeGraph, type NativeGraphSpec, type NativeTensor } from '../backend/binding';
import { type Recorder, recorder, setRecorder } from '../tensor/capture';
import type { DType } from '../tensor/dtype';
import { tidy } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';
import { transformHooks } from './hooks';
import { SignatureTable } from './signature';
import { mapLeaves, tensorLeaves } from './tree';

/**
 * Whether captured graphs fuse chains of elementwise steps into one kernel each (the same bits,
 * fewer launches and passes over memory); RANDVAR_FUSE=0 turns it off, to compare.
 */
const fuseElementwise = process.env.RANDVAR_FUSE !== '0';
// Product fusion (native/graph_products.h): RANDVAR_FUSE_PRODUCTS=0 turns it off alone, to compare.
const fuseProducts = fuseElementwise && process.env.RANDVAR_FUSE_PRODUCTS !== '0';

/** Results of constants alone up to this many elements are folded into constants (larger ones, such as a copy of a closed-over matrix, would hold memory for the graph's life). */
const maxFoldedElements = 4096;

/** Records one run of a function as graph steps over numbered slots. */
class GraphRecorder implements Recorder {
  private readonly slots = new Map<NativeTensor, number>();
  private next = 0;
  readonly inputs: number[] = [];
  readonly constants: [number, NativeTensor][] = [];
  readonly steps: NativeGraphSpec['steps'] = [];
  failure: string | null = null;
  // Slots whose values do not depend on the inputs: constants, and results of constants alone.
  private readonly fixed = new Set<number>();

  constructor(inputs: readonly Tensor[]) {
    for (const t of inputs) {
      const handle = t.handle('jit');
      const slot = this.next++;
      this.inputs.push(slot);
      if (!this.slots.has(handle)) this.slots.set(handle, slot);
    }
  }

  /** The slot of a handle; a tensor from outside the function (closed over) becomes a constant. */
  slotOf(handle: NativeTensor, device: number): number {
    const known = this.slots.get(handle);
    if (known !== undefined) return known;
    return this.constant(handle, device);
  }

  kernel(kernelId: number, shape: readonly number[], dtype: number, attrs: readonly number[] | null, device: number,
    inputs: readonly NativeTensor[], output: NativeTensor): void {
    const ins = inputs.map((h) => this.slotOf(h, device));
    // A small result of constants alone (the log of a fixed scale, a filled tensor) is itself a
    // constant: the graph keeps the value this run computed instead of computing it every call.
    if (ins.every((slot) => this.fixed.has(slot)) && shape.reduce((a, b) => a * b, 1) <= maxFoldedElements) {
      this.constant(output, device);
      return;
    }
    const out = this.next++;
    this.slots.set(output, out);
    this.steps.push([kernelId, shape, dtype, attrs, device, ins, out]);
  }

  constant(handle: NativeTensor, device: number): number {
    const slot = this.next++;
    this.slots.set(handle, slot);
    this.fixed.add(slot);
    // A handle of its own (the same storage): the function may dispose its tensor before the end.
    this.constants.push([slot, binding.toDevice(handle, device)]);
    return slot;
  }

  unsupported(what: string): void {
    this.failure ??= what;
  }

  /** The argument position of an input tensor (by handle), or -1. */
  inputIndex(t: Tensor): number {
    const slot = this.slots.get(t.handle('jit'));
    return slot === undefined ? -1 : this.inputs.indexOf(slot);
  }

  /** The native graph of what was recorded, with `outputs` as its outputs. */
  graph(outputs: readonly Tensor[]): NativeGraph {
    const outs = outputs.map((t) => this.slotOf(t.handle('jit'), t.deviceCode));
    const graph = binding.makeGraph({ numSlots: this.next, inputs: this.inputs, constants: this.constants, steps: this.steps, outputs: outs, fuse: fuseElementwise, fuseProducts });
    // The graph holds the constants now: their handles here would keep them alive until collected.
    for (const [, handle] of this.constants) binding.dispose(handle);
    return graph;
  }
}

/** A result tensor that is one of the arguments: a replay returns that argument itself, as fn did. */
class InputLeaf {
  constructor(readonly index: number) {}
}

/** Where an output tensor goes in the result, and what it is. */
class OutputLeaf {
  constructor(readonly index: number, readonly shape: readonly number[], readonly dtype: DType, readonly device: number,
    readonly layoutId: number) {}
}

interface Captured {
  graph: NativeGraph;
  /** The result's structure with OutputLeaf (a graph output) or InputLeaf (an argument) for each tensor. */
  template: unknown;
}

/** Options of `rv.jit`. */
export interface JitOptions {
  /** Captures that may fail (a read of values, a random op) before a signature stays eager (default 3). */
  maxAttempts?: number;
}

/** What jit keeps per signature: its graph once captured, and the captures that failed. */
interface SignatureRecord {
  captured: Captured | undefined;
  failures: number;
}

/**
 * fn as a captured graph: the first call with given argument shapes, dtypes and devices runs fn
 * and records its native kernels; later calls with the same signature replay them in one native
 * call. Arguments are tensors, nested in arrays and plain objects, and plain values (numbers,
 * strings: part of the signature). fn must compute its tensors from its arguments and from tensors
 * it closes over (captured as they are at the first call) the same way every call: a run that reads
 * values into JS, copies between devices or draws random numbers is not captured (the call runs fn
 * as it is, and a later call tries again; after `maxAttempts` failures that signature always runs
 * fn). Called under grad or vmap, jit(fn) runs fn (so that it is differentiated and batched), and
 * inside another jit's capture it runs fn, so that the outer graph records its kernels.
 *
 * @example
 * const gradient = rv.jit(rv.valueAndGrad((w: rv.Tensor) => rv.sum(rv.logSigmoid(rv.matMul(X, w)))));
 * const { value, grad } = gradient(w);  // captured; later calls replay
 */
export function jit<F extends (...args: any[]) => any>(fn: F, options: JitOptions = {}): F {  // eslint-disable-line @typescript-eslint/no-explicit-any
  const maxAttempts = options.maxAttempts ?? 3;
  const signatures = new SignatureTable<SignatureRecord>(() => ({ captured: undefined, failures: 0 }));
  const jitted = (...args: unknown[]) => {
    // Under grad or vmap, and inside another capture (whose recorder must see every kernel), run fn.
    if (transformHooks.tapeDepth > 0 || transformHooks.vmapDepth > 0 || recorder !== null) return fn(...args);
    const inputs: Tensor[] = [];
    const signature = signatures.find(args, inputs);
    if (signature === null || signature.failures >= maxAttempts) return fn(...args);
    if (signature.captured !== undefined) return replay(signature.captured, inputs);
    const rec = new GraphRecorder(inputs);
    const previous = setRecorder(rec);
    let result: unknown;
    try {
      result = fn(...args);
    } finally {
      setRecorder(previous);
    }
    const outputs = tensorLeaves(result);
    if (rec.failure === null && outputs.every((t) => t.batch === null && !t.isDisposed)) {
      // Arguments returned as they are stay themselves; every other result is a graph output.
      const computed: Tensor[] = [];
      const template = mapLeaves(result, (t) => {
        const input = rec.inputIndex(t);
        if (input >= 0) return new InputLeaf(input);
        computed.push(t);
        return new OutputLeaf(computed.length - 1, t.shape, t.dtype, t.deviceCode, t.layoutId);
      });
      signature.captured = { graph: rec.graph(computed), template };
    } else {
      signature.failures++;
    }
    return result;
  };
  tables.set(jitted, signatures);
  return jitted as unknown as F;
}

const tables = new WeakMap<object, SignatureTable<SignatureRecord>>();

/**
 * @internal Releases the graphs `f` (made by jit) has captured, and the tensors they hold, now
 * rather than when f is garbage collected; a later call captures again. Graphs from captureGraph
 * are released with releaseGraph.
 */
export function releaseJit(f: object): void {
  const signatures = tables.get(f);
  if (signatures === undefined) return;
  for (const record of signatures.records()) {
    if (record.captured !== undefined) binding.disposeGraph(record.captured.graph);
    record.captured = undefined;
  }
}

/** @internal Releases a graph made by captureGraph (the tensors it holds) now; it cannot run after. */
export function releaseGraph(graph: NativeGraph): void {
  binding.disposeGraph(graph);
}

function replay(c: Captured, inputs: readonly Tensor[]): unknown {
  const handles = binding.runGraph(c.graph, ...inputs.map((t) => t.handle('jit')));
  return mapLeaves(c.template, (t) => t, (v) => {
    if (v instanceof OutputLeaf) return new Tensor(handles[v.index], v.shape, v.dtype, null, v.device, v.layoutId);
    return v instanceof InputLeaf ? inputs[v.index] : v;
  });
}

/**
 * @internal Records one run of fn on `inputs` as a native graph whose inputs are `inputs` and whose
 * outputs are fn's results, in order (for native code that replays it, as the NUTS tree building
 * does). The inputs must be distinct tensors, so that the graph reads each from a slot of its own.
 * Null when fn cannot be captured: it reads values, draws random numbers, copies between devices,
 * or returns one of its inputs. The tensors fn makes are freed.
 */
export function captureGraph(fn: (inputs: readonly Tensor[]) => Tensor[], inputs: readonly Tensor[]): NativeGraph | null {
  if (new Set(inputs).size !== inputs.length) throw new Error('captureGraph: the inputs must be distinct tensors');
  const rec = new GraphRecorder(inputs);
  return tidy(() => {
    const previous = setRecorder(rec);
    let outputs: Tensor[];
    try {
      outputs = fn(inputs);
    } finally {
      setRecorder(previous);
    }
    const capturable = rec.failure === null && outputs.every((t) => t.batch === null && !t.isDisposed && rec.inputIndex(t) < 0);
    return capturable ? rec.graph(outputs) : null;
  });
}
