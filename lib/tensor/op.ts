/**
 * The op table. Every op is declared once, with `defineOp`: its name, the names of its tensor
 * inputs, its dtype rule, its shape rule and its native kernel (the autodiff issue adds the
 * gradient rule, vmap the batching rule). Eager execution here, and every transformation
 * later, reads that one declaration.
 */
import { binding } from '../backend/binding';
import { type DType, dtypeCode } from './dtype';
import { makeTensor, type TensorLike, weakScalarDType } from './convert';
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
  const op: Op<A> = {
    ...declaration,
    kernelId,
    run(args: readonly TensorLike[], attrs: A, caller?: string): Tensor {
      return execute(op, args, attrs, caller ?? op.name);
    },
  };
  opTable.set(declaration.name, op as unknown as Op<never>);
  return op;
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
    const inputs = toTensors(name, names, args, temporaries);
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
    const kernelAttrs = op.kernelAttrs ? op.kernelAttrs(attrs, shapes) : null;
    const native = runKernel(op, shape, rule.output, kernelAttrs, inputs);
    return new Tensor(native, shape, rule.output);
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

// Fixed-arity calls for the common cases avoid building an argument array per op.
function runKernel<A>(op: Op<A>, shape: Shape, dtype: DType, attrs: number[] | null, inputs: Tensor[]) {
  const code = dtypeCode[dtype];
  switch (inputs.length) {
    case 0: return binding.run(op.kernelId, shape, code, attrs);
    case 1: return binding.run(op.kernelId, shape, code, attrs, inputs[0].handle(op.name));
    case 2: return binding.run(op.kernelId, shape, code, attrs, inputs[0].handle(op.name), inputs[1].handle(op.name));
    default: return binding.run(op.kernelId, shape, code, attrs, ...inputs.map((t) => t.handle(op.name)));
  }
}

function toTensors(name: string, inputNames: readonly string[], args: readonly TensorLike[], temporaries: Tensor[]): Tensor[] {
  let tensorDTypes: DType[] | null = null;
  const out: Tensor[] = new Array(args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof Tensor) {
      if (a.isDisposed) throw opError(name, `argument '${inputNames[i]}' (shape [${a.shape}]) is disposed`);
      out[i] = a;
      continue;
    }
    let t: Tensor;
    try {
      if (typeof a === 'number' || typeof a === 'boolean') {
        tensorDTypes ??= args.filter((x): x is Tensor => x instanceof Tensor).map((x) => x.dtype);
        t = makeTensor(a, undefined, weakScalarDType(a, tensorDTypes));
      } else {
        t = makeTensor(a);
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
