/**
 * The sampler works on one flat vector per chain; users write targets for a Tensor or for named
 * Tensors. A StateLayout maps between the two: each named part is a contiguous slice of the
 * flat vector, reshaped to the part's shape.
 */
import { concat } from '../../tensor/ops/layout';
import { reshape, split } from '../../tensor/ops/view';
import { formatShape, type Shape } from '../../tensor/shape';
import { Tensor } from '../../tensor/tensor';

/** A sampler state: one Tensor, or Tensors by name. */
export type State = Tensor | Record<string, Tensor>;

/** One named part of the state. */
export interface StatePart {
  readonly name: string;
  readonly shape: Shape;
  readonly size: number;
}

export class StateLayout {
  /** The flat length. */
  readonly dim: number;

  /** `named` false: the state is the single Tensor of parts[0]. */
  constructor(readonly parts: readonly StatePart[], readonly named: boolean) {
    this.dim = parts.reduce((total, part) => total + part.size, 0);
  }

  /** The layout of one state (a Tensor, or Tensors by name). */
  static of(state: State): StateLayout {
    const part = (name: string, t: Tensor): StatePart => ({ name, shape: t.shape, size: t.size });
    if (state instanceof Tensor) return new StateLayout([part('x', state)], false);
    return new StateLayout(Object.entries(state).map(([name, t]) => part(name, t)), true);
  }

  /** The parts of `state` joined into one vector [dim]; throws, naming the part, on a shape that does not fit. */
  flatten(state: State, owner: string): Tensor {
    const pieces = this.parts.map((part) => {
      const t = state instanceof Tensor ? state : state[part.name];
      if (!(t instanceof Tensor)) throw new Error(`${owner}: the state has no '${part.name}'`);
      if (t.size !== part.size || t.rank !== part.shape.length || t.shape.some((d, i) => d !== part.shape[i])) {
        throw new Error(`${owner}: ${this.named ? `'${part.name}'` : 'the state'} has shape ${formatShape(t.shape)}, expected ${formatShape(part.shape)}`);
      }
      return reshape(t, [part.size]);
    });
    return pieces.length === 1 ? pieces[0] : concat(pieces, 0);
  }

  /** Vectors [..., dim] as the state, each part with the same leading axes: [..., ...shape]. */
  unflatten(flat: Tensor): State {
    const lead = flat.shape.slice(0, -1);
    const pieces = this.parts.length === 1 ? [flat] : split(flat, this.parts.map((p) => p.size), -1);
    if (!this.named) return reshape(pieces[0], [...lead, ...this.parts[0].shape]);
    const out: Record<string, Tensor> = {};
    this.parts.forEach((part, i) => {
      out[part.name] = reshape(pieces[i], [...lead, ...part.shape]);
    });
    return out;
  }
}
