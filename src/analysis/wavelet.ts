/**
 * Continuous wavelet transform with a complex Morlet wavelet, with TVB's
 * ContinuousWaveletTransform parameters and construction: frequencies lo:step:hi in kHz (hi
 * excluded), q_ratio = f/σ_f (≥ 5), wavelet support ±4σ_t sampled at the series' rate, 'energy'
 * (1/√(fs·√π·σ_t)) or 'gabor' (√(2/π)/(fs·σ_t)) amplitude, 'same'-mode convolution, output every
 * round(samplePeriod/dt) samples.
 */
import { asSeries, type Series } from './series.js';

export interface WaveletOptions {
  /** Frequencies in kHz: lo, hi (excluded), step (TVB's default 0.008:0.060:0.002). */
  frequencies?: { lo: number; hi: number; step: number };
  /** Output sample period in ms (default: the series'). */
  samplePeriod?: number;
  qRatio?: number;
  normalisation?: 'energy' | 'gabor';
}

export interface WaveletResult {
  /** kHz. */
  freqs: Float64Array;
  /** [freq, time, node] complex coefficients. */
  re: Float64Array;
  im: Float64Array;
  nt: number;
  n: number;
  /** Output sample period, ms. */
  samplePeriod: number;
}

/**
 * @example
 * ```ts
 * import { continuousWavelet } from 'vbt';
 * // 2 s at 1 ms steps of one node oscillating at 10 Hz (0.01 kHz)
 * const series = Array.from({ length: 2000 }, (_, k) => [Math.sin(2 * Math.PI * 0.01 * k)]);
 * const w = continuousWavelet(series, 1, { frequencies: { lo: 0.008, hi: 0.012, step: 0.002 } }); // dt = 1 ms
 * w.freqs; // [0.008, 0.010]
 * ```
 */
export function continuousWavelet(x: Series | ArrayLike<number>[], dt: number, o: WaveletOptions = {}): WaveletResult {
  const s = asSeries(x, 'continuousWavelet');
  const { t: T, n: N } = s;
  const fr = o.frequencies ?? { lo: 0.008, hi: 0.06, step: 0.002 };
  if (!(fr.step > 0 && fr.lo > 0 && fr.hi > fr.lo)) throw new Error(`continuousWavelet: frequencies ${JSON.stringify(fr)}; expected 0 < lo < hi and step > 0 (kHz)`);
  // numpy.arange(lo, hi, step): ceil((hi − lo)/step) values lo + k·step
  const nf = Math.ceil((fr.hi - fr.lo) / fr.step);
  const freqs = Float64Array.from({ length: nf }, (_, k) => fr.lo + k * fr.step);
  const q = o.qRatio ?? 5;
  if (q < 5) throw new Error(`continuousWavelet: qRatio=${q}; must not be lower than 5`);
  const rate = 1 / dt; // kHz
  if (freqs[nf - 1] > rate / 2) throw new Error(`continuousWavelet: the highest frequency ${freqs[nf - 1]} kHz is above the Nyquist frequency ${rate / 2} kHz`);
  const step = Math.max(1, Math.round((o.samplePeriod ?? dt) / dt));
  const nt = Math.ceil(T / step);
  const re = new Float64Array(nf * nt * N), im = new Float64Array(nf * nt * N);
  for (let fi = 0; fi < nf; fi++) {
    const f0 = freqs[fi];
    const sdt = 1 / (2 * Math.PI * (f0 / q));
    const amp = (o.normalisation ?? 'energy') === 'energy' ? 1 / Math.sqrt(rate * Math.sqrt(Math.PI) * sdt) : Math.sqrt(2 / Math.PI) / rate / sdt;
    const half = Math.ceil(4 * sdt * rate); // arange(0, 4σ_t·fs) has this many samples
    const m = 2 * half - 1;
    const wr = new Float64Array(m), wi = new Float64Array(m);
    for (let k = 0; k < half; k++) {
      const t = k / rate;
      const g = amp * Math.exp((-t * t) / (2 * sdt * sdt));
      // right half at index half−1+k; the left half is its complex conjugate mirrored
      wr[half - 1 + k] = g * Math.cos(2 * Math.PI * f0 * t);
      wi[half - 1 + k] = g * Math.sin(2 * Math.PI * f0 * t);
      wr[half - 1 - k] = wr[half - 1 + k];
      wi[half - 1 - k] = -wi[half - 1 + k];
    }
    // 'same' convolution: full[c] = Σ_k x[k]·w[c−k], kept c = (m−1)/2 … (m−1)/2 + T − 1
    const off = Math.floor((m - 1) / 2);
    for (let i = 0; i < N; i++) {
      for (let o2 = 0; o2 < nt; o2++) {
        const c = o2 * step + off;
        let ar = 0, ai = 0;
        const k0 = Math.max(0, c - m + 1), k1 = Math.min(T - 1, c);
        for (let k = k0; k <= k1; k++) {
          const v = s.data[k * N + i];
          ar += v * wr[c - k];
          ai += v * wi[c - k];
        }
        re[(fi * nt + o2) * N + i] = ar;
        im[(fi * nt + o2) * N + i] = ai;
      }
    }
  }
  return { freqs, re, im, nt, n: N, samplePeriod: step * dt };
}
