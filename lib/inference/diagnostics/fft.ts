/**
 * A small in-place radix-2 fast Fourier transform over Float64Arrays, for the autocovariances
 * of MCMC chains (at most tens of thousands of numbers per chain, so plain JS is quick enough).
 */

/**
 * Transforms the complex sequence (re, im) in place: X_k = Σ_n x_n e^(−2πi kn/M). The length M
 * must be a power of two.
 */
export function fft(re: Float64Array, im: Float64Array): void {
  const m = re.length;
  if (m !== im.length || (m & (m - 1)) !== 0) throw new Error(`fft: length ${m} is not a power of two (or re and im differ)`);
  // Bit-reversal permutation, so the butterflies below can work in place.
  for (let i = 1, j = 0; i < m; i++) {
    let bit = m >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let size = 2; size <= m; size *= 2) {
    const half = size / 2;
    const angle = (-2 * Math.PI) / size;
    for (let k = 0; k < half; k++) {
      // The twiddle factor is computed directly (not by recurrence) to keep rounding error flat.
      const wr = Math.cos(angle * k);
      const wi = Math.sin(angle * k);
      for (let start = 0; start < m; start += size) {
        const a = start + k;
        const b = a + half;
        const tr = wr * re[b] - wi * im[b];
        const ti = wr * im[b] + wi * re[b];
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

/** The smallest power of two that is at least n. */
export function nextPowerOfTwo(n: number): number {
  let m = 1;
  while (m < n) m *= 2;
  return m;
}
