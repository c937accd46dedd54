/**
 * Hamiltonian Monte Carlo with a fixed number of leapfrog steps (or a fixed integration time,
 * so that the number of steps follows the adapted step size, as Stan's static HMC), and a
 * Metropolis correction, for all chains at once. Chains that need fewer steps than others stop
 * moving (masked) while the rest finish.
 */
import { concat } from '../../tensor/ops/layout';
import { reshape } from '../../tensor/ops/view';
import { tidy } from '../../tensor/scope';
import { advance, chainMask, perChain, readNumbers, select } from './chains';
import { hamiltonian, leapfrog, type PhasePoint } from './leapfrog';
import { acceptance, emptyStats, isDivergent, type Transition } from './transition';

/** How many leapfrog steps a chain takes: a fixed count, or ⌊trajectoryLength / ε⌋ (at least 1). */
export type StepCount = { numLeapfrogSteps: number } | { trajectoryLength: number };

function stepsFor(count: StepCount, stepSize: number): number {
  if ('numLeapfrogSteps' in count) return count.numLeapfrogSteps;
  return Math.max(1, Math.floor(count.trajectoryLength / stepSize));
}

/** An HMC transition taking `count` leapfrog steps. */
export function hmcTransition(count: StepCount): Transition {
  return (start, stepSize, context) => {
    const { metric, gradient, random } = context;
    const [numChains, dim] = start.q.shape;
    const steps = Array.from(stepSize, (e) => stepsFor(count, e));
    const longest = Math.max(...steps);
    let state = advance(null, tidy(() => {
      const p = metric.sampleMomentum(numChains, dim, context.dtype, context.nextKey());
      const point: PhasePoint = { ...start, p };
      return { start, point, startEnergy: hamiltonian(point, metric).energy, stepSize: perChain(stepSize, context.dtype) };
    }));
    for (let s = 0; s < longest; s++) {
      state = advance(state, tidy(() => {
        const next = leapfrog(state.point, state.stepSize, metric, gradient);
        const moving = steps.map((n) => s < n);
        return { ...state, point: moving.every(Boolean) ? next : select(chainMask(moving), next, state.point) };
      }));
    }
    const energies = tidy(() => readNumbers(concat([reshape(state.startEnergy, [numChains, 1]), reshape(hamiltonian(state.point, metric).energy, [numChains, 1])], 1)));

    const stats = emptyStats(numChains);
    const accept: boolean[] = [];
    for (let c = 0; c < numChains; c++) {
      const [startEnergy, energy] = [energies[2 * c], energies[2 * c + 1]];
      const divergent = isDivergent(startEnergy, energy);
      stats.numSteps[c] = steps[c];
      stats.diverging[c] = divergent ? 1 : 0;
      stats.acceptProb[c] = acceptance(startEnergy, energy);
      accept.push(!divergent && random.uniform(c) < stats.acceptProb[c]);
      stats.energy[c] = accept[c] ? energy : startEnergy;
    }
    const end = state.point;
    const position = advance(state, tidy(() => select(chainMask(accept), { q: end.q, grad: end.grad, logp: end.logp }, start)));
    return { position, stats };
  };
}
