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
 * trajectory is done) is masked so that its state no longer changes. The subtrees still open
 * are kept like the digits of a binary counter: slot k holds the completed subtree of 2^k
 * leaves waiting for its right-hand neighbour, so memory is O(max depth), and each leaf
 * closes as many subtrees as its index has trailing one bits.
 */
import { jit } from '../../autodiff/jit';
import { add, mul } from '../../tensor/ops/elementwise';
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

/** The tensors of one transition: the trajectory so far, and the subtree being built. */
interface TreeState {
  /** The trajectory's forward and backward ends. */
  readonly forward: Leaf;
  readonly backward: Leaf;
  /** Sum of the trajectory's momenta. */
  readonly rho: Tensor;
  /** The draw so far. */
  readonly sample: Position;
  /** The subtree's newest leaf (each chain's own, masked once it stops). */
  readonly leaf: Leaf | null;
  /** The trajectory before this subtree, first = the end away from it, last = the end it grows from. */
  readonly trajectory: Span | null;
  /** Signed step sizes [chains, 1]. */
  readonly stepSize: Tensor | null;
  /** slots[k]: a completed subtree of 2^k leaves awaiting its neighbour. */
  readonly slots: readonly (Span | null)[];
  /** The subtree's candidate draw. */
  readonly candidate: Position | null;
  /** The trajectory joined with the whole subtree (set at its last leaf). */
  readonly joined: Span | null;
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

function positionOf(point: PhasePoint): Position {
  return { q: point.q, grad: point.grad, logp: point.logp };
}

/** A NUTS transition with trees of at most `maxTreeDepth` doublings (2^maxTreeDepth − 1 steps). */
type LeafStep = (leaf: Leaf, stepSize: Tensor, kind: MetricKind, inverse: Tensor | null, slots: readonly (Span | null)[],
  trajectory: Span | null, closes: number) => { leaf: Leaf; slots: (Span | null)[]; joined: Span | null; readout: Tensor };

/**
 * One leaf of the subtree being built: a leapfrog step from `leaf`, its Hamiltonian, and the joins
 * it completes (`closes` subtrees from slot 0 up; with `trajectory`, it is the subtree's last leaf
 * and the whole subtree joins the trajectory). `readout` [chains, 1 + 6·joins] holds the energy and
 * each join's dot products, the one thing the transition reads back per step. A function of its
 * arguments only, so that it can be captured (rv.jit) and replayed at every step.
 */
function leafStep(gradient: BatchedGradient): LeafStep {
  return (leaf, stepSize, kind, inverse, slotsIn, trajectory, closes) => {
    const metric = Metric.forDynamics(kind, inverse);
    const next = leapfrog(leaf, stepSize, metric, gradient);
    const { v, energy } = hamiltonian(next, metric);
    const slots = slotsIn.slice();
    const dots: Tensor[] = [];
    let node: Span = { pFirst: next.p, vFirst: v, pLast: next.p, vLast: v, rho: next.p };
    let height = 0;
    for (; height < closes; height++) {
      const joined = join(slots[height] as Span, node);
      dots.push(joined.dots);
      node = joined.span;
      slots[height] = null;
    }
    let joined: Span | null = null;
    if (trajectory !== null) {
      const top = join(trajectory, node);
      dots.push(top.dots);
      joined = top.span;
    } else {
      slots[height] = node;
    }
    return { leaf: { ...next, v }, slots, joined, readout: concat([reshape(energy, [energy.shape[0], 1]), ...dots], 1) };
  };
}

// One leaf step per gradient function, captured when the run asks for it (the jit option).
const capturedSteps = new WeakMap<BatchedGradient, LeafStep>();
function leafStepOf(context: TransitionContext): LeafStep {
  if (!context.capture) return leafStep(context.gradient);
  let step = capturedSteps.get(context.gradient);
  if (step === undefined) {
    step = jit(leafStep(context.gradient));
    capturedSteps.set(context.gradient, step);
  }
  return step;
}

export function nutsTransition(maxTreeDepth: number): Transition {
  return (start, stepSize, context) => {
    const { metric, gradient, random } = context;
    const [numChains, dim] = start.q.shape;
    const begin = tidy(() => {
      const p = metric.sampleMomentum(numChains, dim, context.dtype, context.nextKey());
      const { v, energy } = hamiltonian({ ...start, p }, metric);
      return { leaf: { ...start, p, v }, energy };
    });
    const startEnergy = readNumbers(begin.energy);
    let state: TreeState = advance([start, begin], {
      forward: begin.leaf, backward: begin.leaf, rho: begin.leaf.p, sample: start,
      leaf: null, trajectory: null, stepSize: null, slots: [], candidate: null, joined: null,
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
      const forward = active.map((a, c) => !a || random.coin(c));
      state = advance(state, tidy(() => {
        const mask = chainMask(forward);
        const near = select(mask, state.forward, state.backward);
        const far = select(mask, { p: state.backward.p, v: state.backward.v }, { p: state.forward.p, v: state.forward.v });
        const signed = Array.from(stepSize, (e, c) => (forward[c] ? e : -e));
        return {
          ...state, leaf: near, stepSize: perChain(signed, context.dtype), slots: [], candidate: null, joined: null,
          trajectory: { pFirst: far.p, vFirst: far.v, pLast: near.p, vLast: near.v, rho: state.rho },
        };
      }));
      subtreeLogWeight.fill(-Infinity);

      const numLeaves = 2 ** depth;
      for (let leaf = 0; leaf < numLeaves && active.includes(true); leaf++) {
        const last = leaf === numLeaves - 1;
        // The subtrees this leaf completes: as many as its index has trailing one bits.
        let closes = 0;
        while ((leaf >> closes) & 1) closes++;
        const step = tidy(() => leafStepOf(context)(state.leaf as Leaf, state.stepSize as Tensor, context.metric.kind,
          context.metric.inverse, state.slots, last ? state.trajectory : null, closes));
        const values = readNumbers(step.readout);
        const columns = step.readout.shape[1];
        const joins = (columns - 1) / 6;
        const within = last ? joins - 1 : joins;

        const take: boolean[] = new Array(numChains).fill(false);
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
            take[c] = true;
            candidateEnergy[c] = energy;
          }
          subtreeLogWeight[c] = total;
          for (let j = 0; j < within; j++) {
            if (turned(values, c * columns + 1 + 6 * j)) active[c] = false;
          }
          if (last) turnsAtJoin[c] = turned(values, c * columns + 1 + 6 * within);
        }

        state = advance([state, step], tidy(() => {
          const newLeaf = positionOf(step.leaf);
          const candidate = leaf === 0 || state.candidate === null ? newLeaf
            : take.includes(true) ? select(chainMask(take), newLeaf, state.candidate) : state.candidate;
          const leafState = active.every(Boolean) ? step.leaf : select(chainMask(active), step.leaf, state.leaf as Leaf);
          return { ...state, leaf: leafState, slots: step.slots, joined: step.joined ?? state.joined, candidate };
        }));
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
      state = advance(state, tidy(() => {
        const mask = chainMask(forward);
        const end = state.leaf as Leaf;
        const sample = accept.includes(true) ? select(chainMask(accept), state.candidate as Position, state.sample) : state.sample;
        return {
          forward: select(mask, end, state.forward), backward: select(mask, state.backward, end),
          rho: (state.joined as Span).rho, sample,
          leaf: null, trajectory: null, stepSize: null, slots: [], candidate: null, joined: null,
        };
      }));
    }

    const position = advance(state, state.sample);
    for (let c = 0; c < numChains; c++) {
      stats.acceptProb[c] = acceptSum[c] / stats.numSteps[c];
      stats.hitMaxDepth[c] = stats.treeDepth[c] === maxTreeDepth ? 1 : 0;
    }
    return { position, stats };
  };
}
