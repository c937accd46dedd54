/** Reverse-mode autodiff: grad, valueAndGrad, vjp. (Engine in progress.) */
import type { Tensor } from '../tensor/tensor';

export interface GradOptions {
  /** The argument positions to differentiate with respect to (default: every argument). */
  argnums?: number | readonly number[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => Tensor;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function grad(f: Fn, options: GradOptions = {}): (...args: any[]) => any {
  void f; void options;
  throw new Error('grad: not yet implemented');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function valueAndGrad(f: Fn, options: GradOptions = {}): (...args: any[]) => { value: Tensor; grad: any } {
  void f; void options;
  throw new Error('valueAndGrad: not yet implemented');
}
