/**
 * Cross-spectral densities by Welch's method (scipy.signal.csd: segments of `nperseg` with
 * `noverlap` overlap, a window, mean or linear detrending per segment, one-sided density
 * scaling, mean over segments), and from them the coherence spectrum |Pxy|²/(Pxx·Pyy)
 * (scipy.signal.coherence; TVB's NodeCoherence parameter `nfft` is the segment length) and the
 * complex coherency Pxy/√(Pxx·Pyy) (TVB's NodeComplexCoherence, segments averaged).
 */
import { asSeries, type Series } from './series.js';
import { rfft, rfftFreq } from './fft.js';
import { welchSegments, type WindowName } from './spectra.js';

export type CsdWindow = WindowName;

export interface CsdOptions {
  /** Segment length (default min(256, T), scipy's). */
  nperseg?: number;
  /** Overlap (default nperseg/2, floored). */
  noverlap?: number;
  window?: CsdWindow;
  /** 'constant' (default, scipy's), 'linear' or false. */
  detrend?: 'constant' | 'linear' | false;
}

export interface CrossSpectra {
  freqs: Float64Array;
  /** Complex cross-spectra [freq, i, j] (re, im), P_ij = mean conj(X_i)·X_j · scale. */
  re: Float64Array;
  im: Float64Array;
  n: number;
}

function detrendSegment(x: Float64Array, how: 'constant' | 'linear' | false): void {
  const m = x.length;
  if (!how) return;
  if (how === 'constant') {
    let mu = 0;
    for (const v of x) mu += v;
    mu /= m;
    for (let k = 0; k < m; k++) x[k] -= mu;
    return;
  }
  // least-squares line a + b·k
  const km = (m - 1) / 2;
  let sxy = 0, sxx = 0, mu = 0;
  for (let k = 0; k < m; k++) mu += x[k] / m;
  for (let k = 0; k < m; k++) { sxy += (k - km) * (x[k] - mu); sxx += (k - km) ** 2; }
  const b = sxx > 0 ? sxy / sxx : 0;
  for (let k = 0; k < m; k++) x[k] -= mu + b * (k - km);
}

/**
 * All N×N cross-spectral densities of a [T, N] series sampled at fs.
 *
 * @example
 * ```ts
 * import { crossSpectra } from 'vbt';
 * // 1 s at 1 kHz of two nodes oscillating at 10 Hz, a quarter period apart
 * const series = Array.from({ length: 1000 }, (_, k) => [Math.sin(2 * Math.PI * 10 * k / 1000), Math.cos(2 * Math.PI * 10 * k / 1000)]);
 * const cs = crossSpectra(series, 1000, { nperseg: 256 });
 * cs.freqs.length; // 129
 * ```
 */
export function crossSpectra(x: Series | ArrayLike<number>[], fs: number, o: CsdOptions = {}): CrossSpectra {
  const s = asSeries(x, 'crossSpectra');
  const { t: T, n: N } = s;
  const { nperseg: m, step, nseg, window: w, windowPower: w2, nbins: nf } = welchSegments(T, o, 'crossSpectra');
  const re = new Float64Array(nf * N * N), im = new Float64Array(nf * N * N);
  const Xr = new Float64Array(N * nf), Xi = new Float64Array(N * nf);
  const seg = new Float64Array(m);
  for (let g = 0; g < nseg; g++) {
    for (let i = 0; i < N; i++) {
      for (let k = 0; k < m; k++) seg[k] = s.data[(g * step + k) * N + i];
      detrendSegment(seg, o.detrend ?? 'constant');
      for (let k = 0; k < m; k++) seg[k] *= w[k];
      const f = rfft(seg);
      Xr.set(f.re, i * nf);
      Xi.set(f.im, i * nf);
    }
    for (let f = 0; f < nf; f++) {
      for (let i = 0; i < N; i++) {
        const ar = Xr[i * nf + f], ai = -Xi[i * nf + f]; // conj(X_i)
        for (let j = 0; j < N; j++) {
          const br = Xr[j * nf + f], bi = Xi[j * nf + f];
          const q = (f * N + i) * N + j;
          re[q] += ar * br - ai * bi;
          im[q] += ar * bi + ai * br;
        }
      }
    }
  }
  for (let f = 0; f < nf; f++) {
    // one-sided density: the DC bin (and Nyquist for even m) is not doubled
    const sc = ((f === 0 || (m % 2 === 0 && f === nf - 1)) ? 1 : 2) / (fs * w2 * nseg);
    for (let q = f * N * N; q < (f + 1) * N * N; q++) { re[q] *= sc; im[q] *= sc; }
  }
  return { freqs: rfftFreq(m, fs), re, im, n: N };
}

/** Magnitude-squared coherence [freq, i, j] and its frequencies. */
export function coherence(x: Series | ArrayLike<number>[], fs: number, o: CsdOptions = {}): { freqs: Float64Array; data: Float64Array; n: number } {
  const cs = crossSpectra(x, fs, o);
  const N = cs.n, nf = cs.freqs.length;
  const out = new Float64Array(nf * N * N);
  for (let f = 0; f < nf; f++) for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
    const q = (f * N + i) * N + j, pii = cs.re[(f * N + i) * N + i], pjj = cs.re[(f * N + j) * N + j];
    out[q] = (cs.re[q] ** 2 + cs.im[q] ** 2) / (pii * pjj);
  }
  return { freqs: cs.freqs, data: out, n: N };
}

/** Complex coherency Pxy/√(Pxx·Pyy) [freq, i, j] as (re, im). */
export function complexCoherence(x: Series | ArrayLike<number>[], fs: number, o: CsdOptions = {}): CrossSpectra {
  const cs = crossSpectra(x, fs, o);
  const N = cs.n, nf = cs.freqs.length;
  const re = new Float64Array(nf * N * N), im = new Float64Array(nf * N * N);
  for (let f = 0; f < nf; f++) for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
    const q = (f * N + i) * N + j;
    const d = Math.sqrt(cs.re[(f * N + i) * N + i] * cs.re[(f * N + j) * N + j]);
    re[q] = cs.re[q] / d;
    im[q] = cs.im[q] / d;
  }
  return { freqs: cs.freqs, re, im, n: N };
}
