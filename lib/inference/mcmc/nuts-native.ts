/**
 * NUTS's tree building run natively (native/nuts.h): the transition's tensor steps
 * (nuts-steps.ts) captured as five graphs over flat lists of tensors, and one native call per
 * transition that replays them and makes the per-chain decisions between them as the TypeScript
 * transition (nuts.ts) does, with the chains' own generators: the same draws, and no JavaScript
 * between the leapfrog steps (after a memory-bound gradient has flushed the caches, each return
 * to JavaScript costs more than the little it does).
 */
import { captureGraph, releaseGraph } from '../../autodiff/jit';
import { binding, type NativeGraph } from '../../backend/binding';
import { tensor } from '../../tensor/ops/creation';
import { clone, reshape } from '../../tensor/ops/view';
import { tidy } from '../../tensor/scope';
import { Tensor } from '../../tensor/tensor';
import type { BatchedGradient, Position } from './leapfrog';
import type { MetricKind } from './metric';
import { choose, join, type Leaf, type Span, treeSteps } from './nuts-steps';
import { ChainRandom } from './rng';
import type { TransitionContext, TransitionStats } from './transition';

/** The graphs native/nuts.h replays; their flat inputs and outputs are listed there. */
interface TreeGraphs {
  readonly grow: NativeGraph;
  readonly leaf: NativeGraph;
  readonly choose: NativeGraph;
  readonly join: NativeGraph;
  readonly merge: NativeGraph;
}

const leafList = (l: Leaf): Tensor[] => [l.q, l.p, l.grad, l.logp, l.v];
const leafAt = (t: readonly Tensor[], i: number): Leaf => ({ q: t[i], p: t[i + 1], grad: t[i + 2], logp: t[i + 3], v: t[i + 4] });
const positionList = (x: Position): Tensor[] => [x.q, x.grad, x.logp];
const positionAt = (t: readonly Tensor[], i: number): Position => ({ q: t[i], grad: t[i + 1], logp: t[i + 2] });
const spanAt = (t: readonly Tensor[], i: number): Span => ({ pFirst: t[i], vFirst: t[i + 1], pLast: t[i + 2], vLast: t[i + 3], rho: t[i + 4] });

/** The five graphs for chains shaped like `leaf`; null when the gradient cannot be captured. */
function captureTree(gradient: BatchedGradient, kind: MetricKind, leaf: Leaf, stepSize: Tensor, inverse: Tensor | null): TreeGraphs | null {
  const steps = treeSteps(gradient);
  const n = leaf.q.shape[0];
  return tidy(() => {
    // Example inputs, each a tensor of its own (a graph reads each input from a slot of its own).
    const leaves = (count: number) => Array.from({ length: count }, () => leafList(leaf).map((t) => clone(t))).flat();
    const position = () => positionList(leaf).map((t) => clone(t));
    const span = () => [leaf.p, leaf.v, leaf.p, leaf.v, leaf.p].map((t) => clone(t));
    const mask = () => tensor(new Uint8Array(n).fill(1), [n], 'bool', { device: leaf.q.device });
    const grow = captureGraph((t) => {
      const g = steps.grow({ forward: leafAt(t, 0), backward: leafAt(t, 5), rho: t[10] }, t[11], t[12]);
      return [...leafList(g.start), g.trajectory.pFirst, g.trajectory.vFirst, g.stepSize];
    }, [...leaves(2), clone(leaf.p), mask(), clone(stepSize)]);
    // The leaf's leapfrog step alone: the candidate choice is a graph of its own, so that the next
    // leaf can be queued before the host has made it.
    const leafGraph = captureGraph((t) => {
      const r = steps.leaf(leafAt(t, 0), t[5], kind, inverse === null ? null : t[6], [], null);
      return [...leafList(r.fresh), reshape(r.readout, [n])];
    }, [...leaves(1), clone(stepSize), ...(inverse === null ? [] : [clone(inverse)])]);
    const chooseGraph = captureGraph((t) => positionList(choose(t[6], positionAt(t, 3), positionAt(t, 0))),
      [...position(), ...position(), mask()]);
    const joinGraph = captureGraph((t) => {
      const joined = join(spanAt(t, 0), spanAt(t, 5));
      return [joined.span.rho, joined.dots];
    }, [...span(), ...span()]);
    const merge = captureGraph((t) => {
      const m = steps.merge({ forward: leafAt(t, 0), backward: leafAt(t, 5), rho: t[0] }, { fresh: leafAt(t, 10), candidate: positionAt(t, 15), take: t[21] },
        t[0], t[22], t[23], positionAt(t, 18));
      return [...leafList(m.ends.forward), ...leafList(m.ends.backward), ...positionList(m.sample)];
    }, [...leaves(3), ...position(), ...position(), mask(), mask(), mask()]);
    return grow && leafGraph && chooseGraph && joinGraph && merge ? { grow, leaf: leafGraph, choose: chooseGraph, join: joinGraph, merge } : null;
  });
}

/**
 * Whether the next leaf is queued before the host reads this one (native/nuts.h): on a GPU, whose
 * device then computes it while the host decides. On the CPU the leaves run one after the other
 * anyway, and a leaf queued ahead is computed in vain where every chain stops inside a subtree.
 * RANDVAR_NUTS_SPECULATE=1 or 0 forces it on or off (tests: the draws are the same).
 */
function speculates(q: Tensor): boolean {
  const forced = process.env.RANDVAR_NUTS_SPECULATE;
  return forced === '1' ? true : forced === '0' ? false : q.device !== 'cpu';
}

/**
 * The tree building of one transition from `leaf` (the start with its momentum and velocity, and
 * its Hamiltonian `startEnergy` [chains], read back natively with the first leaf's), natively;
 * updates `stats` (all but acceptProb and hitMaxDepth; energy starts at startEnergy) and
 * `acceptSum`, and gives the draw. Null when it cannot run natively (the gradient cannot be
 * captured, or the chains' decisions are scripted): the caller builds the tree in TypeScript.
 */
export function nativeTree(context: TransitionContext, leaf: Leaf, start: Position, stepSize: Tensor, maxTreeDepth: number,
  startEnergy: Tensor, stats: TransitionStats, acceptSum: Float64Array): Position | null {
  if (!context.capture || !(context.random instanceof ChainRandom)) return null;
  const { kind, inverse } = context.metric;
  // Captured once per run and metric kind; null when the gradient cannot be captured.
  const graphs = context.cache.get(`nuts native tree ${kind}`, () => {
    const value = captureTree(context.gradient, kind, leaf, stepSize, inverse);
    return { value, release: () => { if (value !== null) Object.values(value).forEach(releaseGraph); } };
  });
  if (graphs === null) return null;
  // Read once per run (process.env is slow to read), as the graphs are captured.
  const speculate = context.cache.get('nuts native speculate', () => ({ value: speculates(leaf.q), release: () => {} }));
  const handles = binding.nutsTree([graphs.grow, graphs.leaf, graphs.choose, graphs.join, graphs.merge],
    leafList(leaf).map((t) => t.handle('nuts')), positionList(start).map((t) => t.handle('nuts')), stepSize.handle('nuts'),
    inverse === null ? null : inverse.handle('nuts'), maxTreeDepth, speculate, startEnergy.handle('nuts'), context.random.state,
    stats.treeDepth, stats.numSteps, stats.diverging, stats.energy, acceptSum);
  const [q, grad, logp] = positionList(start).map((t, i) => new Tensor(handles[i], t.shape, t.dtype, null, t.deviceCode));
  return { q, grad, logp };
}
