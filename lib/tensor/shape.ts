/** Shape arithmetic shared by the ops' shape rules. Errors are RuleErrors: the op table adds the op's name. */

export type Shape = readonly number[];

/** Thrown by dtype and shape rules; the op table prefixes the op's name. */
export class RuleError extends Error {}

export const maxRank = 16;

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Checks a user-given shape: non-negative integers, rank at most maxRank. */
export function checkShape(shape: unknown, argument = 'shape'): number[] {
  if (!Array.isArray(shape)) throw new RuleError(`${argument} must be an array of non-negative integers, got ${String(shape)}`);
  if (shape.length > maxRank) throw new RuleError(`${argument} has rank ${shape.length}, above the maximum ${maxRank}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new RuleError(`${argument} must hold non-negative integers, got ${formatShape(shape)}`);
    }
  }
  if (sizeOf(shape) > Number.MAX_SAFE_INTEGER) throw new RuleError(`${argument} ${formatShape(shape)} has too many elements`);
  return shape.slice();
}

/** NumPy broadcasting of any number of shapes; `names` label the arguments in errors. */
export function broadcastShapes(shapes: readonly Shape[], names: readonly string[]): Shape {
  if (shapes.length === 2 && shapesEqual(shapes[0], shapes[1])) return shapes[0];
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = new Array(rank).fill(1);
  for (let k = 0; k < shapes.length; k++) {
    const s = shapes[k];
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) {
        out[o] = d;
        continue;
      }
      const described = shapes.map((sh, j) => `${names[j] ?? `argument ${j}`} ${formatShape(sh)}`).join(', ');
      throw new RuleError(`shapes do not broadcast: ${described}`);
    }
  }
  return out;
}

/** An axis in [-rank, rank) as a non-negative index. */
export function normalizeAxis(axis: unknown, rank: number, argument = 'axis'): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RuleError(`${argument} ${String(axis)} is out of range for rank ${rank} (expected an integer in [${-rank}, ${rank}))`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** A sorted list of distinct axes; undefined or null means all axes. */
export function normalizeAxes(axes: unknown, rank: number, argument = 'axis'): number[] {
  if (axes === undefined || axes === null) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axes) ? axes : [axes];
  const out = list.map((a) => normalizeAxis(a, rank, argument));
  const sorted = [...new Set(out)].sort((a, b) => a - b);
  if (sorted.length !== out.length) throw new RuleError(`${argument} [${list.join(', ')}] repeats an axis`);
  return sorted;
}
