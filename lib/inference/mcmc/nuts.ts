/**
 * The No-U-Turn Sampler's transition, as Stan and NumPyro run it (multinomial sampling, the
 * generalised no-U-turn criterion with Stan's checks across merged subtrees, divergences), for
 * all chains at once and without recursion.
 *
 * The trajectory doubles: at depth j each chain adds a subtree of 2^j leapfrog steps in a
 * direction of its own. While they run, chains share the step count, so every chain still
 * building is at the same leaf of a subtree of the same depth, and the subtree's binary
 * structure (which halves close at which leaf) is the same for all of them. Each leaf is one
 * batched leapfrog step; a chain that has stopped (by a U-turn, a divergence, or because its
 * trajectory is done) is stepped on with the others, but nothing it computes is read or kept:
 * its draw, trajectory ends and statistics stay as they were. The subtrees still open
 * are kept like the digits of a binary counter: slot k holds the completed subtree of 2^k
 * leaves waiting for its right-hand neighbour, so memory is O(max depth), and each leaf
 * closes as many subtrees as its index has trailing one bits.
 */
import { jit } from '../../autodiff/jit';
import { tensor } from '../../tensor/ops/creation';
import { add, mul, neg, where } from '../../tensor/ops/elementwise';
import { concat, stack } from '../../tensor/ops/layout';
import { sum } from '../../tensor/ops/reduction';
import { reshape } from '../../tensor/ops/view';
import { tidy } from '../../tensor/scope';
import type { Tensor } from '../../tensor/tensor';
import { advance, chainMask, perChain, readNumbers, select } from './chains';
import { type BatchedGradient, hamiltonian, leapfrog, type PhasePoint, type Position } from './leapfrog';
import { Metric, type MetricKind } from './metric';
import { acceptance, emptyStats, isDivergent, logAddExp, type Transition, type TransitionContext } from './transition';

/** A phase point with its velocity M⁻¹p. */
interface Leaf extends PhasePoint {
  readonly v: Tensor;
}

/**
 * A stretch of trajectory as the no-U-turn criterion sees it: momenta and velocities at its
 * first end (in the order it was built) and its last, and ρ, the sum of its momenta.
 */
interface Span {
  readonly pFirst: Tensor;
  readonly vFirst: Tensor;
  readonly pLast: Tensor;
  readonly vLast: Tensor;
  readonly rho: Tensor;
}

/** Each chain's trajectory so far: its forward and backward ends, and the sum of its momenta. */
interface Ends {
  readonly forward: Leaf;
  readonly backward: Leaf;
  readonly rho: Tensor;
}

/**
 * A leaf step's candidate choice, not yet applied: the chains that take the fresh leaf as their
 * candidate draw. The next tensor step (leaf or merge) applies it first, so that with capture it
 * runs inside that step's graph, not op by op.
 */
interface Pending {
  /** The newest leaf. */
  readonly fresh: Leaf;
  /** The candidate before the fresh leaf (null at a subtree's first leaf, which every valid chain takes). */
  readonly candidate: Position | null;
  /** bool [chains]: the chains that take the fresh leaf as their candidate. */
  readonly take: Tensor;
}

/** The subtree being built at one doubling. */
interface Subtree {
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

/** The tensors of one transition. */
interface TreeState {
  readonly ends: Ends;
  /** The draw so far. */
  readonly sample: Position;
  /** Each chain's step size [chains, 1]. */
  readonly stepSize: Tensor;
  readonly subtree: Subtree | null;
}

function positionOf(point: PhasePoint): Position {
  return { q: point.q, grad: point.grad, logp: point.logp };
}

/** The candidate draw once `pending`'s choice is applied. */
function candidateOf(pending: Pending): Position {
  const fresh = positionOf(pending.fresh);
  return pending.candidate === null ? fresh : select(pending.take, fresh, pending.candidate);
}

/**
 * Joins `first` and the `second` span that follows it. The no-U-turn criterion holds for the
 * join when v·ρ > 0 at both ends of the whole span, and (Stan's extra checks, which catch
 * U-turns straddling the boundary) over `first` extended by second's first state and over
 * `second` extended by first's last state. Gives the joined span and those six dot products
 * [chains, 6]: the criterion holds where all are positive.
 */
function join(first: Span, second: Span): { span: Span; dots: Tensor } {
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

/** Whether the six dot products of a join starting at values[offset] show a U-turn. */
function turned(values: Float64Array, offset: number): boolean {
  for (let i = 0; i < 6; i++) if (!(values[offset + i] > 0)) return true;
  return false;
}

/**
 * The tensor work of a transition, in four functions of their arguments only (the metric's kind
 * and M⁻¹ included, since warm-up changes them), so that each can be captured (rv.jit) and
 * replayed: per leapfrog step one native call, and one per doubling at each end of it.
 */
interface TreeSteps {
  /** The start's velocity and energy, given its momentum (drawn outside: random ops are not captured). */
  begin(start: Position, p: Tensor, kind: MetricKind, inverse: Tensor | null): { leaf: Leaf; energy: Tensor };
  /** The start of a doubling: the end each chain grows from, the trajectory it joins, the signed step sizes. */
  grow(ends: Ends, direction: Tensor, stepSize: Tensor): Pick<Subtree, 'start' | 'trajectory' | 'stepSize'>;
  /**
   * One leaf of the subtree: the previous leaf's pending candidate choice (at the first leaf,
   * there is none), a leapfrog step from its fresh leaf, its Hamiltonian, and the joins it completes: with the waiting
   * subtrees in `closing` (slots 0 up), and then, given `trajectory` (at the subtree's last leaf),
   * the whole subtree with the trajectory. Gives the new slot entry (`node`, when it does not
   * join the trajectory) or the `joined` trajectory, and `readout` [chains, 1 + 6·joins]: the
   * energy and each join's dot products, the one thing the transition reads back per step.
   */
  leaf(from: Leaf | Pending, stepSize: Tensor, kind: MetricKind, inverse: Tensor | null, closing: readonly Span[],
    trajectory: Span | null): { fresh: Leaf; candidate: Position | null; node: Span | null; joined: Span | null; readout: Tensor };
  /**
   * The end of a doubling: the subtree's last pending selections, its far end as the trajectory's
   * new end in each chain's direction, ρ of the joined trajectory, and the subtree's candidate as
   * the draw for the chains in `accept` (bool [chains]).
   */
  merge(ends: Ends, pending: Pending, joinedRho: Tensor, direction: Tensor, accept: Tensor, sample: Position): { ends: Ends; sample: Position };
}

function treeSteps(gradient: BatchedGradient): TreeSteps {
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
      const readout = concat([reshape(energy, [energy.shape[0], 1]), ...dots], 1);
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

// The tree steps of each gradient function, captured when the run asks for it (the jit option).
const capturedSteps = new WeakMap<BatchedGradient, TreeSteps>();
function treeStepsOf(context: TransitionContext): TreeSteps {
  if (!context.capture) return treeSteps(context.gradient);
  let steps = capturedSteps.get(context.gradient);
  if (steps === undefined) {
    const plain = treeSteps(context.gradient);
    steps = { begin: jit(plain.begin), grow: jit(plain.grow), leaf: jit(plain.leaf), merge: jit(plain.merge) };
    capturedSteps.set(context.gradient, steps);
  }
  return steps;
}

/** A NUTS transition with trees of at most `maxTreeDepth` doublings (2^maxTreeDepth − 1 steps). */
export function nutsTransition(maxTreeDepth: number): Transition {
  return (start, stepSize, context) => {
    const { metric, random } = context;
    const { kind, inverse } = metric;
    const steps = treeStepsOf(context);
    const [numChains, dim] = start.q.shape;
    const begin = tidy(() => {
      const p = metric.sampleMomentum(numChains, dim, context.dtype, context.nextKey());
      return steps.begin(start, p, kind, inverse);
    });
    const startEnergy = readNumbers(begin.energy);
    let state: TreeState = advance([start, begin], {
      ends: { forward: begin.leaf, backward: begin.leaf, rho: begin.leaf.p }, sample: start,
      stepSize: perChain(stepSize, context.dtype), subtree: null,
    });

    const stats = emptyStats(numChains);
    stats.energy.set(startEnergy);
    const acceptSum = new Float64Array(numChains);
    const active: boolean[] = new Array(numChains).fill(true);
    // log Σ exp(H₀ − H) over the trajectory (the start has weight 1), and over the subtree.
    const logWeight = new Float64Array(numChains);
    const subtreeLogWeight = new Float64Array(numChains);
    const candidateEnergy = new Float64Array(numChains);
    const turnsAtJoin: boolean[] = new Array(numChains).fill(false);

    for (let depth = 0; depth < maxTreeDepth && active.includes(true); depth++) {
      // Each chain flips its own coin for the direction of this doubling.
      const direction = chainMask(active.map((a, c) => !a || random.coin(c)));
      const grown = tidy(() => steps.grow(state.ends, direction, state.stepSize));
      state = advance(state, { ...state, subtree: { ...grown, direction, pending: null, slots: [], joined: null } });
      subtreeLogWeight.fill(-Infinity);

      const numLeaves = 2 ** depth;
      for (let leaf = 0; leaf < numLeaves && active.includes(true); leaf++) {
        const subtree = state.subtree as Subtree;
        const last = leaf === numLeaves - 1;
        // The subtrees this leaf completes: as many as its index has trailing one bits.
        let closes = 0;
        while ((leaf >> closes) & 1) closes++;
        const closing = subtree.slots.slice(0, closes) as Span[];
        const step = tidy(() => steps.leaf(subtree.pending ?? subtree.start, subtree.stepSize, kind, inverse, closing,
          last ? subtree.trajectory : null));
        const values = readNumbers(step.readout);
        const columns = step.readout.shape[1];
        const joins = (columns - 1) / 6;
        const within = last ? joins - 1 : joins;

        // A chain that stops keeps being stepped with the others (one batched step for all); its
        // values are never read again.
        const take = new Uint8Array(numChains);
        for (let c = 0; c < numChains; c++) {
          if (!active[c]) continue;
          const energy = values[c * columns];
          stats.numSteps[c] += 1;
          acceptSum[c] += acceptance(startEnergy[c], energy);
          if (isDivergent(startEnergy[c], energy)) {
            stats.diverging[c] = 1;
            active[c] = false;
            continue;
          }
          // Multinomial sampling within the subtree, one leaf at a time: the leaf replaces the
          // candidate with probability w / (W + w), which picks each leaf in proportion to its weight.
          const logW = startEnergy[c] - energy;
          const total = logAddExp(subtreeLogWeight[c], logW);
          if (random.uniform(c) < Math.exp(logW - total)) {
            take[c] = 1;
            candidateEnergy[c] = energy;
          }
          subtreeLogWeight[c] = total;
          for (let j = 0; j < within; j++) {
            if (turned(values, c * columns + 1 + 6 * j)) active[c] = false;
          }
          if (last) turnsAtJoin[c] = turned(values, c * columns + 1 + 6 * within);
        }
        const pending: Pending = { fresh: step.fresh, candidate: step.candidate, take: tensor(take, [numChains], 'bool') };
        // The joined subtrees leave their slots; the new one waits in the slot above them.
        const slots = subtree.slots.slice();
        slots.fill(null, 0, closes);
        if (step.node !== null) slots[closes] = step.node;
        state = advance([state, step], { ...state, subtree: { ...subtree, pending, slots, joined: step.joined ?? subtree.joined } });
      }
      if (!active.includes(true)) break;

      // The chains whose subtree is complete and valid merge it into their trajectory. The
      // subtree's candidate becomes the draw with probability min(1, W_subtree / W_old): biased
      // progressive sampling, which favours states far from the start.
      const accept: boolean[] = new Array(numChains).fill(false);
      for (let c = 0; c < numChains; c++) {
        if (!active[c]) continue;
        stats.treeDepth[c] = depth + 1;
        if (subtreeLogWeight[c] > logWeight[c] || random.uniform(c) < Math.exp(subtreeLogWeight[c] - logWeight[c])) {
          accept[c] = true;
          stats.energy[c] = candidateEnergy[c];
        }
        logWeight[c] = logAddExp(logWeight[c], subtreeLogWeight[c]);
        if (turnsAtJoin[c]) active[c] = false;
      }
      const subtree = state.subtree as Subtree;
      const merged = tidy(() => steps.merge(state.ends, subtree.pending as Pending, (subtree.joined as Span).rho, subtree.direction,
        chainMask(accept), state.sample));
      state = advance(state, { ...state, ...merged, subtree: null });
    }

    const position = advance(state, state.sample);
    for (let c = 0; c < numChains; c++) {
      stats.acceptProb[c] = acceptSum[c] / stats.numSteps[c];
      stats.hitMaxDepth[c] = stats.treeDepth[c] === maxTreeDepth ? 1 : 0;
    }
    return { position, stats };
  };
}
