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
 *
 * The tensor work is in nuts-steps.ts. With capture (the jit option), the tree is built natively
 * (nuts-native.ts, native/nuts.cc) with the same decisions and generators; buildTree here builds
 * it in TypeScript, op by op or when the decisions are scripted, and is the reference for both.
 */
import { jit, releaseJit } from '../../autodiff/jit';
import { tensor } from '../../tensor/ops/creation';
import { tidy } from '../../tensor/scope';
import type { Tensor } from '../../tensor/tensor';
import { advance, chainMask, perChain, readNumbers } from './chains';
import type { Position } from './leapfrog';
import { nativeTree } from './nuts-native';
import { type Ends, type Leaf, type Pending, type Span, type Subtree, type TreeSteps, treeSteps } from './nuts-steps';
import { acceptance, emptyStats, isDivergent, logAddExp, type Transition, type TransitionContext, type TransitionStats } from './transition';

/** The tensors of one transition. */
interface TreeState {
  readonly ends: Ends;
  /** The draw so far. */
  readonly sample: Position;
  /** Each chain's step size [chains, 1]. */
  readonly stepSize: Tensor;
  readonly subtree: Subtree | null;
}

/** Whether the six dot products of a join starting at values[offset] show a U-turn. */
function turned(values: Float64Array, offset: number): boolean {
  for (let i = 0; i < 6; i++) if (!(values[offset + i] > 0)) return true;
  return false;
}

/** The tree steps, captured once per run when it asks for it (the jit option). */
function treeStepsOf(context: TransitionContext): TreeSteps {
  if (!context.capture) return treeSteps(context.gradient);
  return context.cache.get('nuts tree steps', () => {
    const plain = treeSteps(context.gradient);
    const steps = { begin: jit(plain.begin), grow: jit(plain.grow), leaf: jit(plain.leaf), merge: jit(plain.merge) };
    return { value: steps, release: () => Object.values(steps).forEach(releaseJit) };
  });
}

/**
 * The doublings of one transition from `initial` (trajectory ends at the start), in TypeScript
 * (native/nuts.cc makes the same decisions natively); updates `stats` and `acceptSum`. Consumes
 * `initial` and gives the final state, whose sample is the draw.
 */
function buildTree(initial: TreeState, steps: TreeSteps, context: TransitionContext, maxTreeDepth: number,
  startEnergy: Float64Array, stats: TransitionStats, acceptSum: Float64Array): TreeState {
  const { random } = context;
  const { kind, inverse } = context.metric;
  const numChains = startEnergy.length;
  let state = initial;
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
  return state;
}

/** A NUTS transition with trees of at most `maxTreeDepth` doublings (2^maxTreeDepth − 1 steps). */
export function nutsTransition(maxTreeDepth: number): Transition {
  return (start, stepSize, context) => {
    const { metric } = context;
    const { kind, inverse } = metric;
    const steps = treeStepsOf(context);
    const [numChains, dim] = start.q.shape;
    const begin = tidy(() => {
      const p = metric.sampleMomentum(numChains, dim, context.dtype, context.nextKey());
      return steps.begin(start, p, kind, inverse);
    });
    const state: TreeState = advance([start, begin.leaf], {
      ends: { forward: begin.leaf, backward: begin.leaf, rho: begin.leaf.p }, sample: start,
      stepSize: perChain(stepSize, context.dtype), subtree: null,
    });

    const stats = emptyStats(numChains);
    const acceptSum = new Float64Array(numChains);
    // Natively, the start energies are read back with the first leaf's (one wait for a GPU).
    let final: TreeState;
    try {
      const native = nativeTree(context, state.ends.forward, state.sample, state.stepSize, maxTreeDepth, begin.energy, stats, acceptSum);
      if (native !== null) {
        final = { ...state, sample: native };
      } else {
        const startEnergy = readNumbers(begin.energy);
        stats.energy.set(startEnergy);
        final = buildTree(state, steps, context, maxTreeDepth, startEnergy, stats, acceptSum);
      }
    } finally {
      begin.energy.dispose();
    }
    const position = advance([state, final], final.sample);
    for (let c = 0; c < numChains; c++) {
      stats.acceptProb[c] = acceptSum[c] / stats.numSteps[c];
      stats.hitMaxDepth[c] = stats.treeDepth[c] === maxTreeDepth ? 1 : 0;
    }
    return { position, stats };
  };
}
