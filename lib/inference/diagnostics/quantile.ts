/** Sample quantiles. */

/** A sorted copy, ascending. */
export function sortedCopy(x: Float64Array): Float64Array {
  return Float64Array.from(x).sort();
}

/**
 * The p-quantile of sorted values by linear interpolation between order statistics (Hyndman
 * and Fan's type 7: the default of R and NumPy, which posterior and ArviZ use).
 */
export function quantileSorted(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
