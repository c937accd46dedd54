/**
 * The Tensor: a shape, a dtype and a handle to native storage. Ops are declared in the op
 * table (./op.ts and ./ops/); their chainable methods are added to this class there.
 */
import { inspect } from 'util';
import { binding, type NativeTensor, recycle } from '../backend/binding';
import type { DType, TypedArray } from './dtype';
import { recorder } from './capture';
import { checkedDeviceCode, deviceName } from './device';
import { edgeItems, formatTensor, summaryReader, threshold as summaryThreshold } from './format';
import { registerTensorClass, trackTensor } from './scope';

const layoutIds = new Map<string, number>();
function layoutIdOf(device: number, dtype: DType, shape: readonly number[]): number {
  const key = `${device} ${dtype} ${shape.join(',')}`;
  let id = layoutIds.get(key);
  if (id === undefined) {
    id = layoutIds.size;
    layoutIds.set(key, id);
  }
  return id;
}

export class Tensor {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** @internal Set by `keep`: no enclosing `tidy` disposes this tensor. */
  kept = false;
  /**
   * @internal Inside vmap: the value this tensor stands for, with the batch axis first
   * ([size, ...shape]), and the vmap level it belongs to. Such a tensor has no storage of its own.
   */
  batch: BatchedValue | null;
  /** @internal Number of gradient tapes holding this tensor: dispose() waits for the last. */
  pins = 0;
  /** @internal dispose() was called while pinned. */
  disposeDeferred = false;
  /** @internal The native device code: -1 for the CPU, N for cuda:N. */
  readonly deviceCode: number;
  private native: NativeTensor | null;
  private layout: number;

  /** @internal Tensors are made by ops and creation functions, not by users. */
  constructor(native: NativeTensor | null, shape: readonly number[], dtype: DType, batch: BatchedValue | null = null,
    device = -1, layoutId = -1) {
    this.native = native;
    this.layout = layoutId;
    this.deviceCode = batch !== null ? batch.value.deviceCode : device;
    this.batch = batch;
    this.shape = shape;
    this.dtype = dtype;
    let size = 1;
    for (const d of shape) size *= d;
    this.size = size;
    trackTensor(this);
  }

  /**
   * @internal A small integer for (device, dtype, shape), the same for all tensors alike: graph
   * capture keys its calls by it.
   */
  get layoutId(): number {
    if (this.layout < 0) this.layout = layoutIdOf(this.deviceCode, this.dtype, this.shape);
    return this.layout;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Where the elements live: 'cpu' or 'cuda:N'. @example rv.ones([2]).device  // 'cpu' */
  get device(): string {
    return deviceName(this.deviceCode);
  }

  /**
   * A copy of this tensor on `device` ('cpu', 'cuda', 'cuda:N'); this tensor itself when it is
   * there already. Gradients do not flow through the copy.
   *
   * @example
   * const g = rv.tensor([1, 2, 3]).to('cuda:0');
   */
  to(device: string): Tensor {
    const code = checkedDeviceCode('to', device);
    if (code === this.deviceCode) return this;
    if (recorder !== null) recorder.unsupported('a copy between devices (to)');
    return new Tensor(binding.toDevice(this.handle('to'), code), this.shape, this.dtype, null, code);
  }

  get isDisposed(): boolean {
    return this.batch !== null ? this.batch.value.isDisposed : this.native === null;
  }

  /** @internal The native handle; throws, naming `op`, once disposed. */
  handle(op = 'tensor'): NativeTensor {
    if (this.native === null) {
      if (this.batch !== null && !this.batch.value.isDisposed) {
        throw new Error(`${op}: the values of a tensor inside vmap (shape [${this.shape}] per batch member) cannot be read; return it from the vmapped function instead`);
      }
      throw new Error(`${op}: tensor of shape [${this.shape}] is disposed`);
    }
    return this.native;
  }

  /**
   * Frees this tensor's reference to its storage now (views share storage, which is freed
   * when the last of them goes). Disposing twice is harmless; any other use afterwards throws.
   *
   * @example
   * const t = rv.ones([3]); t.dispose();
   */
  dispose(): void {
    if (this.pins > 0) {
      // A gradient tape still needs it; the tape's release finishes the disposal.
      this.disposeDeferred = true;
      return;
    }
    if (this.batch !== null) this.batch.value.dispose();
    if (this.native === null) return;
    binding.dispose(this.native);
    // The handle, which no tensor holds now, can take a later op's result; not while a graph is
    // recorded, which tells tensors apart by their handles.
    if (recorder === null) recycle(this.native);
    this.native = null;
  }

  /**
   * The elements in row-major order, as a new typed array (Uint8Array for bool).
   *
   * @example
   * rv.tensor([[1, 2], [3, 4]]).dataSync();  // Float32Array [1, 2, 3, 4]
   */
  dataSync(): TypedArray {
    if (recorder !== null) recorder.unsupported('a read of tensor values (dataSync)');
    return binding.toData(this.handle('dataSync'));
  }

  /** The elements, as `dataSync`, once the computation has finished. */
  async data(): Promise<TypedArray> {
    return this.dataSync();
  }

  /**
   * The elements as nested JS arrays (booleans for bool); a number for a scalar.
   *
   * @example
   * rv.tensor([[1, 2], [3, 4]]).arraySync();  // [[1, 2], [3, 4]]
   */
  arraySync(): NestedArray {
    if (recorder !== null) recorder.unsupported('a read of tensor values (arraySync)');
    const flat = binding.toData(this.handle('arraySync'));
    const values: number[] | boolean[] =
      this.dtype === 'bool' ? Array.from(flat, (v) => v !== 0) : Array.from(flat);
    return nest(values, this.shape, 0, 0);
  }

  async array(): Promise<NestedArray> {
    return this.arraySync();
  }

  /** Prints the tensor to the console. @example rv.eye(2).print() */
  print(): void {
    console.log(this.toString());
  }

  /** console.log and util.inspect show the values, not the handle. */
  [inspect.custom](): string {
    return this.toString();
  }

  /**
   * Prints like NumPy: `tensor([[1., 2.], [3., 4.]], dtype=float32)`. A large tensor prints a
   * summary, and only the elements it shows are read from native memory.
   */
  toString(): string {
    if (this.batch !== null && !this.isDisposed) return `Tensor(inside vmap, shape=[${this.shape}] per batch member, dtype=${this.dtype})`;
    if (this.native === null) return `Tensor(disposed, shape=[${this.shape}], dtype=${this.dtype})`;
    if (this.size <= summaryThreshold) return formatTensor(this.dataSync(), this.shape, this.dtype);
    return formatTensor(summaryReader(this.summaryEdges(), this.shape), this.shape, this.dtype);
  }

  /** The first and last edgeItems along each long axis, copied natively from views of them. */
  private summaryEdges(): TypedArray {
    // Ops are reached through methods, as the op modules import this one.
    type Ops = { slice(begin: number[], size: number[]): Tensor; concat(others: Tensor[], axis: number): Tensor };
    let t: Tensor = this;
    for (let axis = 0; axis < this.rank; axis++) {
      const d = this.shape[axis];
      if (d <= 2 * edgeItems) continue;
      const at = (start: number) => t.shape.map((_, i) => (i === axis ? start : 0));
      const size = t.shape.map((s, i) => (i === axis ? edgeItems : s));
      const head = (t as unknown as Ops).slice(at(0), size);
      const tail = (t as unknown as Ops).slice(at(d - edgeItems), size);
      const next = (head as unknown as Ops).concat([tail], axis);
      head.dispose();
      tail.dispose();
      if (t !== this) t.dispose();
      t = next;
    }
    const data = t.dataSync();
    if (t !== this) t.dispose();
    return data;
  }
}

/** @internal What a tensor inside vmap stands for: `value` has the batch axis first. */
export interface BatchedValue {
  readonly value: Tensor;
  /** The vmap level (1 for the outermost vmap). */
  readonly level: number;
}

export type NestedArray = number | boolean | NestedArray[];

function nest(values: number[] | boolean[], shape: readonly number[], axis: number, start: number): NestedArray {
  if (axis === shape.length) return values[start];
  let stride = 1;
  for (let i = axis + 1; i < shape.length; i++) stride *= shape[i];
  const out: NestedArray[] = [];
  for (let i = 0; i < shape[axis]; i++) out.push(nest(values, shape, axis + 1, start + i * stride));
  return out;
}

registerTensorClass(Tensor);
