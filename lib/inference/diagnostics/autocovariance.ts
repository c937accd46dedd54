/** Autocovariances of one chain at every lag, by FFT. */
import { fft, nextPowerOfTwo } from './fft';

/**
 * The biased autocovariance estimates γ_t = (1/N) Σ_{i<N−t} (x_i − x̄)(x_{i+t} − x̄) for
 * t = 0 … N−1 (the biased form, as Geyer 1992 recommends and Stan uses).
 *
 * Computed as the inverse transform of the power spectrum of the centred chain, zero-padded to
 * at least 2N so the circular correlation does not wrap around.
 */
export function autocovariance(x: Float64Array): Float64Array {
  const n = x.length;
  const m = nextPowerOfTwo(2 * n);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  const re = new Float64Array(m);
  const im = new Float64Array(m);
  for (let i = 0; i < n; i++) re[i] = x[i] - mean;
  fft(re, im);
  for (let k = 0; k < m; k++) {
    re[k] = re[k] * re[k] + im[k] * im[k];
    im[k] = 0;
  }
  // The power spectrum is real and even, so its forward transform is M times its inverse.
  fft(re, im);
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = re[t] / (m * n);
  return out;
}
