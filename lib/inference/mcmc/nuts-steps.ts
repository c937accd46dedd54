/**
 * The tensor work of a NUTS transition (lib/inference/mcmc/nuts.ts), in functions of their
 * arguments only, so that each can be captured as a graph and replayed: the start's energy, the
 * start of a doubling, a leaf (leapfrog step, Hamiltonian, the pending candidate choice), the join
 * of two stretches of trajectory with the no-U-turn criterion's dot products, and the merge of a
 * finished subtree into the trajectory.
 */
import { add, mul, neg, where } from '../../tensor/ops/elementwise';
import { concat, stack } from '../../tensor/ops/layout';
import { sum } from '../../tensor/ops/reduction';
import { reshape } from '../../tensor/ops/view';
import type { Tensor } from '../../tensor/tensor';
import { select } from './chains';
import { type BatchedGradient, hamiltonian, leapfrog, type PhasePoint, type Position } from './leapfrog';
import { Metric, type MetricKind } from './metric';

/** A phase point with its velocity M⁻¹p. */
export interface Leaf extends PhasePoint {
  readonly v: Tensor;
}

/**
 * A stretch of trajectory as the no-U-turn criterion sees it: momenta and velocities at its
 * first end (in the order it was built) and its last, and ρ, the sum of its momenta.
 */
export interface Span {
  readonly pFirst: Tensor;
  readonly vFirst: Tensor;
  readonly pLast: Tensor;
  readonly vLast: Tensor;
  readonly rho: Tensor;
}

/** Each chain's trajectory so far: its forward and backward ends, and the sum of its momenta. */
export interface Ends {
  readonly forward: Leaf;
  readonly backward: Leaf;
  readonly rho: Tensor;
}

/**
 * A leaf step's candidate choice, not yet applied: the chains that take the fresh leaf as their
 * candidate draw. The next tensor step (leaf or merge) applies it first, so that with capture it
 * runs inside that step's graph, not op by op.
 */
export interface Pending {
  /** The newest leaf. */
  readonly fresh: Leaf;
  /** The candidate before the fresh leaf (null at a subtree's first leaf, which every valid chain takes). */
  readonly candidate: Position | null;
  /** bool [chains]: the chains that take the fresh leaf as their candidate. */
  readonly take: Tensor;
}

/** The subtree being built at one doubling. */
export interface Subtree {
  /** bool [chains]: the chains that grow their trajectory forward in time. */
  readonly direction: Tensor;
  /** The end each chain grows from. */
  readonly start: Leaf;
  /** The trajectory before this subtree, first = the end away from it, last = the end it grows from. */
  readonly trajectory: Span;
  /** Signed step sizes [chains, 1]. */
  readonly stepSize: Tensor;
  readonly pending: Pending | null;
  /** slots[k]: a completed subtree of 2^k leaves awaiting its neighbour. */
  readonly slots: readonly (Span | null)[];
  /** The trajectory joined with the whole subtree (set at its last leaf). */
  readonly joined: Span | null;
}

export function positionOf(point: PhasePoint): Position {
  return { q: point.q, grad: point.grad, logp: point.logp };
}

/** A leaf's candidate choice: `fresh` for the chains in `take` (bool [chains]), else `candidate`. */
export function choose(take: Tensor, fresh: Position, candidate: Position): Position {
  return select(take, fresh, candidate);
}

/** The candidate draw once `pending`'s choice is applied. */
function candidateOf(pending: Pending): Position {
  const fresh = positionOf(pending.fresh);
  return pending.candidate === null ? fresh : choose(pending.take, fresh, pending.candidate);
}

/**
 * Joins `first` and the `second` span that follows it. The no-U-turn criterion holds for the
 * join when v·ρ > 0 at both ends of the whole span, and (Stan's extra checks, which catch
 * U-turns straddling the boundary) over `first` extended by second's first state and over
 * `second` extended by first's last state. Gives the joined span and those six dot products
 * [chains, 6]: the criterion holds where all are positive.
 */
export function join(first: Span, second: Span): { span: Span; dots: Tensor } {
  const rho = add(first.rho, second.rho);
  const firstExtended = add(first.rho, second.pFirst);
  const secondExtended = add(second.rho, first.pLast);
  const velocities = stack([first.vFirst, second.vLast, first.vFirst, second.vFirst, first.vLast, second.vLast], 1);
  const sums = stack([rho, rho, firstExtended, firstExtended, secondExtended, secondExtended], 1);
  return {
    span: { pFirst: first.pFirst, vFirst: first.vFirst, pLast: second.pLast, vLast: second.vLast, rho },
    dots: sum(mul(velocities, sums), -1),
  };
}

/**
 * The tensor work of a transition, in functions of their arguments only (the metric's kind and
 * M⁻¹ included, since warm-up changes them), so that each can be captured and replayed: by rv.jit
 * for the TypeScript tree (nuts.ts), or over flat lists of tensors for the native one
 * (nuts-native.ts).
 */
export interface TreeSteps {
  /** The start's velocity and energy, given its momentum (drawn outside: random ops are not captured). */
  begin(start: Position, p: Tensor, kind: MetricKind, inverse: Tensor | null): { leaf: Leaf; energy: Tensor };
  /** The start of a doubling: the end each chain grows from, the trajectory it joins, the signed step sizes. */
  grow(ends: Ends, direction: Tensor, stepSize: Tensor): Pick<Subtree, 'start' | 'trajectory' | 'stepSize'>;
  /**
   * One leaf of the subtree: the previous leaf's pending candidate choice (none at the first
   * leaf), a leapfrog step from its fresh leaf, its Hamiltonian, and the joins it completes: with
   * the waiting subtrees in `closing` (slots 0 up), and then, given `trajectory` (at the subtree's
   * last leaf), the whole subtree with the trajectory. Gives the new slot entry (`node`, when it
   * does not join the trajectory) or the `joined` trajectory, and `readout` [chains, 1 + 6·joins]:
   * the energy and each join's dot products, the one thing the transition reads back per step.
   */
  leaf(from: Leaf | Pending, stepSize: Tensor, kind: MetricKind, inverse: Tensor | null, closing: readonly Span[],
    trajectory: Span | null): { fresh: Leaf; candidate: Position | null; node: Span | null; joined: Span | null; readout: Tensor };
  /**
   * The end of a doubling: the last leaf's pending candidate choice, its far end as the trajectory's
   * new end in each chain's direction, ρ of the joined trajectory, and the subtree's candidate as
   * the draw for the chains in `accept` (bool [chains]).
   */
  merge(ends: Ends, pending: Pending, joinedRho: Tensor, direction: Tensor, accept: Tensor, sample: Position): { ends: Ends; sample: Position };
}

export function treeSteps(gradient: BatchedGradient): TreeSteps {
  return {
    begin: (start, p, kind, inverse) => {
      const { v, energy } = hamiltonian({ ...start, p }, Metric.forDynamics(kind, inverse));
      return { leaf: { ...start, p, v }, energy };
    },
    grow: (ends, direction, stepSize) => {
      const start = select(direction, ends.forward, ends.backward);
      const far = select(direction, { p: ends.backward.p, v: ends.backward.v }, { p: ends.forward.p, v: ends.forward.v });
      return {
        start,
        trajectory: { pFirst: far.p, vFirst: far.v, pLast: start.p, vLast: start.v, rho: ends.rho },
        stepSize: where(reshape(direction, stepSize.shape), stepSize, neg(stepSize)),
      };
    },
    leaf: (from, stepSize, kind, inverse, closing, trajectory) => {
      const [leaf, candidate] = 'take' in from ? [from.fresh, candidateOf(from)] : [from, null];
      const metric = Metric.forDynamics(kind, inverse);
      const next = leapfrog(leaf, stepSize, metric, gradient);
      const { v, energy } = hamiltonian(next, metric);
      const dots: Tensor[] = [];
      let node: Span = { pFirst: next.p, vFirst: v, pLast: next.p, vLast: v, rho: next.p };
      for (const waiting of closing) {
        const joined = join(waiting, node);
        dots.push(joined.dots);
        node = joined.span;
      }
      let joined: Span | null = null;
      if (trajectory !== null) {
        const top = join(trajectory, node);
        dots.push(top.dots);
        joined = top.span;
      }
      const energyColumn = reshape(energy, [energy.shape[0], 1]);
      // No joins (the native tree's leaf): the energy alone, not a copy of it.
      const readout = dots.length === 0 ? energyColumn : concat([energyColumn, ...dots], 1);
      return { fresh: { ...next, v }, candidate, node: joined === null ? node : null, joined, readout };
    },
    merge: (ends, pending, joinedRho, direction, accept, sample) => {
      const end = pending.fresh;
      const candidate = candidateOf(pending);
      return {
        ends: { forward: select(direction, end, ends.forward), backward: select(direction, ends.backward, end), rho: joinedRho },
        sample: select(accept, candidate, sample),
      };
    },
  };
}

