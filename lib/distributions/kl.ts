/**
 * KL divergences with closed forms, registered per pair of families; `klDivergence(p, q)` finds
 * the registration for the most specific classes of p and q.
 */
import type { Tensor } from '../tensor/tensor';
import type { Distribution } from './distribution';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type DistributionClass = abstract new (...args: any[]) => Distribution;
type KLFn = (p: Distribution, q: Distribution) => Tensor;

const table = new Map<DistributionClass, Map<DistributionClass, KLFn>>();

/**
 * Registers the closed form of KL(p ‖ q) for p of class P and q of class Q.
 *
 * @example
 * registerKL(Normal, Normal, (p, q) => ...);
 */
export function registerKL<P extends Distribution, Q extends Distribution>(P: abstract new (...args: never[]) => P, Q: abstract new (...args: never[]) => Q, fn: (p: P, q: Q) => Tensor): void {
  const key = P as unknown as DistributionClass;
  if (!table.has(key)) table.set(key, new Map());
  table.get(key)!.set(Q as unknown as DistributionClass, fn as KLFn);
}

function classChain(d: Distribution): DistributionClass[] {
  const out: DistributionClass[] = [];
  for (let proto = Object.getPrototypeOf(d); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    out.push(proto.constructor as DistributionClass);
  }
  return out;
}

/**
 * KL(p ‖ q) = E_p[log p − log q], of shape broadcast(p.batchShape, q.batchShape), in closed form.
 * Throws for pairs without a registered closed form.
 *
 * @example
 * const p = new rv.distributions.Normal({ loc: 0, scale: 1 });
 * const q = new rv.distributions.Normal({ loc: 1, scale: 2 });
 * rv.distributions.klDivergence(p, q);
 */
export function klDivergence(p: Distribution, q: Distribution): Tensor {
  for (const P of classChain(p)) {
    const row = table.get(P);
    if (!row) continue;
    for (const Q of classChain(q)) {
      const fn = row.get(Q);
      if (fn) return fn(p, q);
    }
  }
  throw new Error(`klDivergence: no closed form is registered for ${p.name} ‖ ${q.name}`);
}
