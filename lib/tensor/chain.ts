/** Chainable methods: `x.add(y)` is the functional op `add(x, y)`, added to Tensor's prototype. */
import { Tensor } from './tensor';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOp = (x: any, ...rest: any[]) => unknown;

/** The method form of each op: its first argument becomes `this`. */
export type ChainedMethods<M> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [K in keyof M]: M[K] extends (x: any, ...rest: infer R) => infer O ? (...rest: R) => O : never;
};

/** Adds each op as a method of Tensor; a file that calls this declares the types by merging. */
export function addMethods(methods: Record<string, AnyOp>): void {
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(Tensor.prototype, name, {
      value: function (this: Tensor, ...rest: unknown[]) {
        return fn(this, ...rest);
      },
      writable: true,
      configurable: true,
    });
  }
}
