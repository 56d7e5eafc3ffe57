/**
 * Discrete Fourier transform of any length: radix-2 for powers of two, Bluestein's chirp-z
 * otherwise, so spectra of time series keep their exact frequency grid k·fs/T (no zero padding).
 *
 * @example
 * ```ts
 * import { powerSpectrum } from 'vbt';
 * const fs = 1000, x = Float64Array.from({ length: 1000 }, (_, k) => Math.sin(2 * Math.PI * 10 * k / fs));
 * const { frequency, power } = powerSpectrum(x, fs);
 * frequency[power.indexOf(Math.max(...power))]; // 10
 * ```
 */

function fftPow2(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k), wi = Math.sin(ang * k);
        const a = i + k, b = a + len / 2;
        const xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

/** In-place forward DFT X_k = Σ x_j e^{-2πi jk/n} of (re, im), any n ≥ 1. */
export function dft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (im.length !== n) throw new Error(`dft: re has ${n} values, im ${im.length}`);
  if (n <= 1) return;
  if ((n & (n - 1)) === 0) return fftPow2(re, im, false);
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  // chirp w_k = exp(-iπ k²/n); k² mod 2n keeps the angle exact for long series
  const cr = new Float64Array(n), ci = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = (Math.PI * ((k * k) % (2 * n))) / n;
    cr[k] = Math.cos(a);
    ci[k] = -Math.sin(a);
  }
  const ar = new Float64Array(m), ai = new Float64Array(m), br = new Float64Array(m), bi = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    ar[k] = re[k] * cr[k] - im[k] * ci[k];
    ai[k] = re[k] * ci[k] + im[k] * cr[k];
  }
  br[0] = cr[0];
  bi[0] = -ci[0];
  for (let k = 1; k < n; k++) {
    br[k] = br[m - k] = cr[k];
    bi[k] = bi[m - k] = -ci[k];
  }
  fftPow2(ar, ai, false);
  fftPow2(br, bi, false);
  for (let k = 0; k < m; k++) {
    const r = ar[k] * br[k] - ai[k] * bi[k];
    ai[k] = ar[k] * bi[k] + ai[k] * br[k];
    ar[k] = r;
  }
  fftPow2(ar, ai, true);
  for (let k = 0; k < n; k++) {
    const r = ar[k] / m, i = ai[k] / m;
    re[k] = r * cr[k] - i * ci[k];
    im[k] = r * ci[k] + i * cr[k];
  }
}

/**
 * One-sided power spectrum |X_k|² / n of the mean-removed signal at frequencies k·fs/n,
 * k = 0 … floor(n/2).
 */
export function powerSpectrum(x: ArrayLike<number>, sampleRate: number): { frequency: Float64Array; power: Float64Array } {
  const n = x.length;
  if (n < 2) throw new Error(`powerSpectrum: need at least 2 samples, got ${n}`);
  let mean = 0;
  for (let k = 0; k < n; k++) mean += x[k];
  mean /= n;
  const re = Float64Array.from(x, (v) => v - mean), im = new Float64Array(n);
  dft(re, im);
  const nf = Math.floor(n / 2) + 1;
  const frequency = new Float64Array(nf), power = new Float64Array(nf);
  for (let k = 0; k < nf; k++) {
    frequency[k] = (k * sampleRate) / n;
    power[k] = (re[k] * re[k] + im[k] * im[k]) / n;
  }
  return { frequency, power };
}
