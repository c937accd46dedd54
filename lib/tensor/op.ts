/**
 * The op table. Every op is declared once, with `defineOp`: its name, the names of its tensor
 * inputs, its dtype rule, its shape rule, its native kernel, its gradient rule and its batching
 * rule. Eager execution here, and the transformations in lib/autodiff (which install
 * themselves through `setTransformHooks`), read that one declaration.
 */
import { binding } from '../backend/binding';
import { recorder, type Recorder } from './capture';
import { defaultDeviceCode, deviceName } from './device';
import { type DType, dtypeCode } from './dtype';
import { makeTensor, resolveSource, type TensorLike, weakScalarDType } from './convert';
import { RuleError, type Shape } from './shape';
import { Tensor } from './tensor';

export interface OpDeclaration<A> {
  /** Public name, used in every error the op throws. */
  name: string;
  /** The native kernel; defaults to `name`. */
  kernel?: string;
  /** Names of the tensor arguments, in order, for error messages. */
  inputs: readonly string[];
  /**
   * For ops that take any number of tensors (concat, stack): the argument names of a call
   * with `count` tensors, e.g. `tensors[0]`, `tensors[1]`; `inputs` then names none.
   */
  variadicInputs?(count: number): readonly string[];
  /** dtype rule: the dtype each input is cast to, and the output dtype. Throws RuleError. */
  dtype(dtypes: DType[], attrs: A): { inputs: readonly DType[]; output: DType };
  /** Shape rule: the output shape. Throws RuleError. */
  shape(shapes: Shape[], attrs: A): Shape;
  /** The kernel's numeric attributes. */
  kernelAttrs?(attrs: A, shapes: Shape[]): number[];
  /**
   * Gradient rule (vector–Jacobian product): given the cotangent `dy` of the output (its shape
   * and dtype), the cotangent of each input, written with public tensor ops so that it runs
   * natively and can itself be differentiated. An entry may have any shape that broadcasts to
   * its input's shape (autodiff sums it back) and may be null (no gradient); entries whose
   * `needs` is false are not used and need not be computed. 'none' declares the op
   * non-differentiable (comparisons, argMax, floor...): its inputs get no gradient.
   */
  gradient?: GradientRule<A> | 'none';
  /**
   * Batching rule for vmap: runs the op on `inputs`, where a batched input has the batch axis
   * first (shape [size, ...its shape]) and the others are as the op would see them, and
   * returns the result with the batch axis first. Written with ops (usually `ctx.run`), not
   * loops over the batch.
   */
  batch?: BatchRule<A>;
  /**
   * The op draws random numbers: under vmap it is batched even when no input is, so that each
   * batch member gets its own draws.
   */
  random?: boolean;
}

export interface GradContext<A> {
  /** The op's tensor inputs, after dtype promotion. */
  readonly inputs: readonly Tensor[];
  /** The op's output. */
  readonly output: Tensor;
  readonly attrs: A;
  /** Which inputs' gradients are wanted. */
  readonly needs: readonly boolean[];
}

export type GradientRule<A> = (dy: Tensor, ctx: GradContext<A>) => readonly (Tensor | null | undefined)[];

export interface BatchContext<A> {
  readonly attrs: A;
  /** The batch size. */
  readonly size: number;
  /** Which inputs carry the batch axis (first). */
  readonly batched: readonly boolean[];
  /** The inputs' shapes as the op sees them (without the batch axis). */
  readonly shapes: readonly Shape[];
  /** The output's shape without the batch axis, from the shape rule. */
  readonly outShape: Shape;
  /** The output dtype, from the dtype rule. */
  readonly outDType: DType;
  /** Runs this op (with other attributes if given) on tensors with batch axes made explicit. */
  run(inputs: readonly Tensor[], attrs?: A): Tensor;
}

export type BatchRule<A> = (inputs: readonly Tensor[], ctx: BatchContext<A>) => Tensor;

/**
 * What lib/autodiff installs: `batch` runs an op some of whose inputs are batched (or a random
 * op inside vmap) and returns the tensor that stands for its result; `record` puts an op on the
 * gradient tapes that watch one of its inputs. Both are absent until the autodiff layer loads,
 * and cost nothing while no transformation is active.
 */
export interface TransformHooks {
  /** Depth of active vmap calls; random ops are batched when above 0. */
  vmapDepth: number;
  /** Number of active gradient tapes. */
  tapeDepth: number;
  batch<A>(op: Op<A>, inputs: Tensor[], attrs: A, shape: Shape, dtype: DType): Tensor;
  record<A>(op: Op<A>, inputs: readonly Tensor[], attrs: A, output: Tensor): void;
}

let hooks: TransformHooks | null = null;

/** @internal Installs the transformations (lib/autodiff calls this once). */
export function setTransformHooks(h: TransformHooks): void {
  hooks = h;
}

export interface Op<A> extends OpDeclaration<A> {
  readonly kernelId: number;
  /**
   * Runs the op eagerly on tensors or JS values. `caller` names the public function in errors
   * when it differs from the op (zeros runs fill, reverse runs slice).
   */
  run(args: readonly TensorLike[], attrs: A, caller?: string): Tensor;
}

/** Every declared op, by name. */
export const opTable = new Map<string, Op<never>>();

const kernelIds = binding.kernels();

/**
 * Declares an op and adds it to the table.
 *
 * @example
 * const exp = defineOp<void>({ name: 'exp', inputs: ['x'], dtype: floatUnaryDType, shape: ([x]) => x });
 * exp.run([rv.tensor([0, 1])], undefined);
 */
export function defineOp<A>(declaration: OpDeclaration<A>): Op<A> {
  const kernel = declaration.kernel ?? declaration.name;
  const kernelId = kernelIds[kernel];
  if (kernelId === undefined) throw new Error(`defineOp ${declaration.name}: the addon has no kernel '${kernel}'`);
  if (opTable.has(declaration.name)) throw new Error(`defineOp: op ${declaration.name} is declared twice`);
  const op: Op<A> = new DeclaredOp(declaration, kernelId);
  opTable.set(declaration.name, op as unknown as Op<never>);
  return op;
}

/**
 * An op of the table. Every op has the same fields in the same order (absent ones undefined), so
 * that execute's reads of them see one object shape whichever op runs: with a literal per
 * declaration, each set of optional fields was a shape of its own, and the reads went megamorphic.
 */
class DeclaredOp<A> implements Op<A> {
  readonly name: string;
  readonly kernel: string | undefined;
  readonly inputs: readonly string[];
  readonly variadicInputs: OpDeclaration<A>['variadicInputs'];
  readonly dtype: OpDeclaration<A>['dtype'];
  readonly shape: OpDeclaration<A>['shape'];
  readonly kernelAttrs: OpDeclaration<A>['kernelAttrs'];
  readonly gradient: OpDeclaration<A>['gradient'];
  readonly batch: OpDeclaration<A>['batch'];
  readonly random: boolean | undefined;

  constructor(declaration: OpDeclaration<A>, readonly kernelId: number) {
    this.name = declaration.name;
    this.kernel = declaration.kernel;
    this.inputs = declaration.inputs;
    this.variadicInputs = declaration.variadicInputs;
    this.dtype = declaration.dtype;
    this.shape = declaration.shape;
    this.kernelAttrs = declaration.kernelAttrs;
    this.gradient = declaration.gradient;
    this.batch = declaration.batch;
    this.random = declaration.random;
  }

  run(args: readonly TensorLike[], attrs: A, caller?: string): Tensor {
    return execute(this, args, attrs, caller ?? this.name);
  }
}

/** Error for `op`, naming it first. */
export function opError(op: string, message: string): Error {
  return new Error(`${op}: ${message}`);
}

/** The names of the tensor arguments of one call of `op` with `count` of them. */
export function inputNames<A>(op: OpDeclaration<A>, count: number): readonly string[] {
  return op.variadicInputs ? op.variadicInputs(count) : op.inputs;
}

function execute<A>(op: Op<A>, args: readonly TensorLike[], attrs: A, name: string): Tensor {
  const names = inputNames(op, args.length);
  if (args.length !== names.length) {
    throw opError(name, `expected ${names.length} tensor arguments, got ${args.length}`);
  }
  const temporaries: Tensor[] = [];
  try {
    const device = callDevice(name, names, args, attrs);
    const inputs = toTensors(name, names, args, temporaries, device);
    const dtypes = inputs.map((t) => t.dtype);
    const rule = op.dtype(dtypes, attrs);
    for (let i = 0; i < inputs.length; i++) {
      if (inputs[i].dtype !== rule.inputs[i]) {
        inputs[i] = castTensor(inputs[i], rule.inputs[i]);
        temporaries.push(inputs[i]);
      }
    }
    const shapes = inputs.map((t) => t.shape);
    const shape = op.shape(shapes, attrs);
    let output: Tensor;
    if (hooks !== null && hooks.vmapDepth > 0 && (op.random === true || anyBatched(inputs))) {
      output = hooks.batch(op, inputs, attrs, shape, rule.output);
    } else {
      const kernelAttrs = op.kernelAttrs ? op.kernelAttrs(attrs, shapes) : null;
      output = new Tensor(runKernel(op, shape, rule.output, kernelAttrs, device, inputs), shape, rule.output, null, device);
    }
    if (hooks !== null && hooks.tapeDepth > 0) hooks.record(op, inputs, attrs, output);
    return output;
  } catch (error) {
    if (error instanceof RuleError) throw opError(name, error.message);
    // Native errors name the kernel; name the public function instead.
    const kernel = op.kernel ?? op.name;
    if (error instanceof Error && name !== kernel && error.message.startsWith(`${kernel}: `)) {
      throw opError(name, error.message.slice(kernel.length + 2));
    }
    throw error;
  } finally {
    for (const t of temporaries) t.dispose();
  }
}

function anyBatched(inputs: readonly Tensor[]): boolean {
  for (const t of inputs) if (t.batch !== null) return true;
  return false;
}

// Fixed-arity calls for the common cases avoid building an argument array per op.
function runKernel<A>(op: Op<A>, shape: Shape, dtype: DType, attrs: number[] | null, device: number, inputs: Tensor[]) {
  const code = dtypeCode[dtype];
  if (recorder !== null) return recordedKernel(op, shape, code, attrs, device, inputs, recorder);
  switch (inputs.length) {
    case 0: return binding.run(op.kernelId, shape, code, attrs, device);
    case 1: return binding.run(op.kernelId, shape, code, attrs, device, inputs[0].handle(op.name));
    case 2: return binding.run(op.kernelId, shape, code, attrs, device, inputs[0].handle(op.name), inputs[1].handle(op.name));
    default: return binding.run(op.kernelId, shape, code, attrs, device, ...inputs.map((t) => t.handle(op.name)));
  }
}

function recordedKernel<A>(op: Op<A>, shape: Shape, code: number, attrs: number[] | null, device: number, inputs: Tensor[],
  rec: Recorder) {
  // A replay would repeat the draw: random ops end a capture.
  if (op.random === true) rec.unsupported(`the random op ${op.name}`);
  const handles = inputs.map((t) => t.handle(op.name));
  const out = binding.run(op.kernelId, shape, code, attrs, device, ...handles);
  rec.kernel(op.kernelId, shape, code, attrs, device, handles, out);
  return out;
}

/**
 * Where a call runs: on the device of its tensor arguments, which must agree; without any, on
 * the device its attributes name (creation functions' `{device}`), else the default device.
 */
function callDevice<A>(name: string, inputNames: readonly string[], args: readonly TensorLike[], attrs: A): number {
  let device: number | null = null;
  let first = -1;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] instanceof Tensor ? args[i] : resolveSource(args[i]);
    if (!(a instanceof Tensor)) continue;
    if (device === null) {
      device = a.deviceCode;
      first = i;
    } else if (a.deviceCode !== device) {
      throw opError(name, `argument '${inputNames[first]}' is on ${deviceName(device)} but '${inputNames[i]}' is on ${a.device}; move tensors with .to(device) first`);
    }
  }
  if (device !== null) return device;
  const named = attrs !== null && typeof attrs === 'object' ? (attrs as { device?: unknown }).device : undefined;
  return typeof named === 'number' ? named : defaultDeviceCode();
}

function toTensors(name: string, inputNames: readonly string[], args: readonly TensorLike[], temporaries: Tensor[],
  device: number): Tensor[] {
  let tensorDTypes: DType[] | null = null;
  const out: Tensor[] = new Array(args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] instanceof Tensor ? args[i] : resolveSource(args[i]);
    if (a instanceof Tensor) {
      if (a.isDisposed) throw opError(name, `argument '${inputNames[i]}' (shape [${a.shape}]) is disposed`);
      out[i] = a;
      continue;
    }
    let t: Tensor;
    try {
      if (typeof a === 'number' || typeof a === 'boolean') {
        tensorDTypes ??= args.map(resolveSource).filter((x): x is Tensor => x instanceof Tensor).map((x) => x.dtype);
        t = makeTensor(a, undefined, weakScalarDType(a, tensorDTypes), device);
      } else {
        t = makeTensor(a, undefined, undefined, device);
      }
    } catch (error) {
      if (error instanceof RuleError) throw opError(name, `argument '${inputNames[i]}': ${error.message}`);
      throw error;
    }
    temporaries.push(t);
    out[i] = t;
  }
  return out;
}

/** Promotion casts go through the table's own cast op, like any other op. */
function castTensor(t: Tensor, dtype: DType): Tensor {
  const cast = opTable.get('cast') as Op<{ dtype: DType }> | undefined;
  if (!cast) throw new Error('op table: cast is not declared');
  return cast.run([t], { dtype });
}
