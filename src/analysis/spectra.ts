/**
 * Power spectra of [T, N] series: periodogram (one FFT of the whole series) and Welch's method
 * (averaged windowed segments), with scipy.signal's conventions — one-sided density in units²/Hz,
 * doubled except at DC and (even n) Nyquist, mean detrending, periodic Hann window — so results
 * compare directly with tvboptim/scipy pipelines. Plus the summaries fits use: normalised average
 * power, dominant frequency, and a soft-argmax peak frequency.
 */
import { rfft, rfftFreq } from './fft.js';
import { asSeries, type Series } from './series.js';

export interface Spectrum {
  /** Frequencies (Hz when fs is in Hz). */
  freqs: Float64Array;
  /** Power, row-major [channels, freqs]. */
  power: Float64Array;
  /** Number of channels. */
  n: number;
}

export type WindowName = 'hann' | 'hamming' | 'boxcar';

/**
 * Periodic (DFT-even) window of length m, as scipy's get_window(name, m).
 *
 * @example
 * ```ts
 * import { spectralWindow } from 'vbt';
 * spectralWindow('hann', 4); // [0, 0.5, 1, 0.5]
 * ```
 */
export function spectralWindow(name: WindowName, m: number): Float64Array {
  if (name === 'boxcar') return new Float64Array(m).fill(1);
  if (name === 'hann') return Float64Array.from({ length: m }, (_, k) => 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / m));
  if (name === 'hamming') return Float64Array.from({ length: m }, (_, k) => 0.54 - 0.46 * Math.cos((2 * Math.PI * k) / m));
  throw new Error(`unknown window '${name as string}'; expected hann, hamming or boxcar`);
}

/** Welch's segmentation (scipy's defaults), checked once for every estimator that uses it. */
export interface WelchSegments {
  nperseg: number;
  step: number;
  nseg: number;
  window: Float64Array;
  /** Σ w², the density normalisation. */
  windowPower: number;
  /** One-sided bins, floor(nperseg/2) + 1. */
  nbins: number;
}

export function welchSegments(T: number, opts: { nperseg?: number; noverlap?: number; window?: WindowName }, who: string): WelchSegments {
  const nperseg = opts.nperseg ?? Math.min(256, T);
  if (!Number.isInteger(nperseg) || nperseg < 2 || nperseg > T) throw new Error(`${who}: nperseg=${nperseg}; expected an integer in 2..${T} (the series length)`);
  const nover = opts.noverlap ?? Math.floor(nperseg / 2);
  if (!Number.isInteger(nover) || nover < 0 || nover >= nperseg) throw new Error(`${who}: noverlap=${nover}; expected an integer in 0..${nperseg - 1}`);
  const step = nperseg - nover;
  const window = spectralWindow(opts.window ?? 'hann', nperseg);
  let windowPower = 0;
  for (const v of window) windowPower += v * v;
  return { nperseg, step, nseg: Math.floor((T - nperseg) / step) + 1, window, windowPower, nbins: Math.floor(nperseg / 2) + 1 };
}

export interface PeriodogramOptions {
  /** Window (default boxcar, as scipy.signal.periodogram). */
  window?: WindowName;
  /** Subtract the mean first (default true). */
  detrend?: boolean;
}

function checkFs(fs: number, what: string): void {
  if (!(fs > 0) || !Number.isFinite(fs)) throw new Error(`${what}: sampling rate fs=${fs}; expected a positive number (Hz = 1000 / sample period in ms)`);
}

/** One-sided density of one windowed segment added into `acc` (scipy's scaling='density'). */
function addSegmentPsd(seg: Float64Array, w: Float64Array, fs: number, detrend: boolean, acc: Float64Array, acco: number): void {
  const m = seg.length;
  let mean = 0;
  if (detrend) { for (let t = 0; t < m; t++) mean += seg[t]; mean /= m; }
  let s2 = 0;
  for (let t = 0; t < m; t++) s2 += w[t] * w[t];
  const buf = new Float64Array(m);
  for (let t = 0; t < m; t++) buf[t] = (seg[t] - mean) * w[t];
  const { re, im } = rfft(buf);
  const nb = re.length, scale = 1 / (fs * s2);
  for (let k = 0; k < nb; k++) {
    let p = (re[k] * re[k] + im[k] * im[k]) * scale;
    if (k > 0 && !(m % 2 === 0 && k === nb - 1)) p *= 2;
    acc[acco + k] += p;
  }
}

/**
 * Periodogram (FFT of the whole series) per channel: one-sided power spectral density.
 *
 * @example
 * ```ts
 * import { dominantFrequency, periodogram } from 'vbt';
 * // a 10 Hz sine sampled at 100 Hz for 1 s: the peak is at 10 Hz and Σ P·df = A²/2
 * const x = Array.from({ length: 100 }, (_, t) => [2 * Math.sin(2 * Math.PI * 10 * t / 100)]);
 * const sp = periodogram(x, 100);
 * dominantFrequency(sp)[0]; // 10
 * ```
 */
export function periodogram(x: Series | ArrayLike<number>[], fs: number, opts: PeriodogramOptions = {}): Spectrum {
  const s = asSeries(x, 'periodogram');
  checkFs(fs, 'periodogram');
  if (s.t < 2) throw new Error(`periodogram: ${s.t} samples; need at least 2`);
  const w = spectralWindow(opts.window ?? 'boxcar', s.t);
  const nb = Math.floor(s.t / 2) + 1;
  const power = new Float64Array(s.n * nb);
  const seg = new Float64Array(s.t);
  for (let i = 0; i < s.n; i++) {
    for (let t = 0; t < s.t; t++) seg[t] = s.data[t * s.n + i];
    addSegmentPsd(seg, w, fs, opts.detrend ?? true, power, i * nb);
  }
  return { freqs: rfftFreq(s.t, fs), power, n: s.n };
}

export interface WelchOptions {
  /** Segment length (default min(256, T), as scipy). */
  nperseg?: number;
  /** Overlap between segments (default nperseg/2, floored). */
  noverlap?: number;
  /** Window (default hann). */
  window?: WindowName;
  /** Subtract each segment's mean (default true). */
  detrend?: boolean;
}

/**
 * Welch's averaged, windowed periodogram per channel (scipy.signal.welch defaults: Hann, 50 %
 * overlap, mean detrending, density scaling, mean over segments).
 *
 * @example
 * ```ts
 * import { dominantFrequency, welch } from 'vbt';
 * const x = Array.from({ length: 1000 }, (_, t) => [Math.sin(2 * Math.PI * 12.5 * t / 100)]);
 * dominantFrequency(welch(x, 100, { nperseg: 128 }))[0]; // 12.5
 * ```
 */
export function welch(x: Series | ArrayLike<number>[], fs: number, opts: WelchOptions = {}): Spectrum {
  const s = asSeries(x, 'welch');
  checkFs(fs, 'welch');
  const { nperseg: nper, step: stepSeg, nseg, window: w, nbins: nb } = welchSegments(s.t, opts, 'welch');
  const power = new Float64Array(s.n * nb);
  const seg = new Float64Array(nper);
  for (let i = 0; i < s.n; i++) {
    for (let g = 0; g < nseg; g++) {
      const t0 = g * stepSeg;
      for (let t = 0; t < nper; t++) seg[t] = s.data[(t0 + t) * s.n + i];
      addSegmentPsd(seg, w, fs, opts.detrend ?? true, power, i * nb);
    }
    for (let k = 0; k < nb; k++) power[i * nb + k] /= nseg;
  }
  return { freqs: rfftFreq(nper, fs), power, n: s.n };
}

function nFreq(sp: Spectrum): number {
  return sp.freqs.length;
}

function bandMask(sp: Spectrum, band?: [number, number], skipDc = true): number[] {
  const idx: number[] = [];
  for (let k = 0; k < sp.freqs.length; k++) {
    const f = sp.freqs[k];
    if (skipDc && f === 0) continue;
    if (band && (f < band[0] || f > band[1])) continue;
    idx.push(k);
  }
  if (idx.length === 0) throw new Error(`no frequency bins in band ${band ? `[${band[0]}, ${band[1]}]` : '(all but DC)'}; the spectrum spans ${sp.freqs[0]}..${sp.freqs[sp.freqs.length - 1]}`);
  return idx;
}

/**
 * Frequency of the largest power per channel (DC excluded), optionally within `band` [lo, hi].
 *
 * @example
 * ```ts
 * import { dominantFrequency, welch } from 'vbt';
 * const x = Array.from({ length: 2000 }, (_, t) => [Math.sin(2 * Math.PI * 10 * t / 1000), Math.sin(2 * Math.PI * 11 * t / 1000)]); // 10 and 11 Hz at 1 kHz
 * dominantFrequency(welch(x, 1000), [8, 13]); // alpha-band peak per channel (Hz)
 * ```
 */
export function dominantFrequency(sp: Spectrum, band?: [number, number]): Float64Array {
  const nb = nFreq(sp), idx = bandMask(sp, band);
  const out = new Float64Array(sp.n);
  for (let i = 0; i < sp.n; i++) {
    let best = idx[0];
    for (const k of idx) if (sp.power[i * nb + k] > sp.power[i * nb + best]) best = k;
    out[i] = sp.freqs[best];
  }
  return out;
}

/**
 * Soft-argmax peak frequency per channel: Σ_k f_k · softmax(β · P_k / max P)_k — a smooth,
 * differentiable stand-in for the dominant frequency (β = 150 as in tvboptim's Hopf example; larger
 * β → closer to the argmax). DC excluded; optional band.
 *
 * @example
 * ```ts
 * import { softPeakFrequency, welch } from 'vbt';
 * const x = Array.from({ length: 2000 }, (_, t) => [Math.sin(2 * Math.PI * 10 * t / 1000), Math.sin(2 * Math.PI * 11 * t / 1000)]); // 10 and 11 Hz at 1 kHz
 * softPeakFrequency(welch(x, 1000), { beta: 150 }); // ≈ dominantFrequency, but smooth
 * ```
 */
export function softPeakFrequency(sp: Spectrum, opts: { beta?: number; band?: [number, number] } = {}): Float64Array {
  const beta = opts.beta ?? 150;
  const nb = nFreq(sp), idx = bandMask(sp, opts.band);
  const out = new Float64Array(sp.n);
  for (let i = 0; i < sp.n; i++) {
    let mx = -Infinity;
    for (const k of idx) mx = Math.max(mx, sp.power[i * nb + k]);
    if (!(mx > 0)) { out[i] = NaN; continue; }
    let z = 0, acc = 0;
    for (const k of idx) {
      const e = Math.exp(beta * (sp.power[i * nb + k] / mx - 1)); // shifted by the max: no overflow
      z += e; acc += e * sp.freqs[k];
    }
    out[i] = acc / z;
  }
  return out;
}

/**
 * Normalised average power: each channel's spectrum divided by its total power (so it sums to 1
 * over the bins), then averaged over channels — a spectrum shape comparable across amplitudes.
 * DC excluded when `skipDc` (default true).
 *
 * @example
 * ```ts
 * import { normalisedAveragePower, periodogram } from 'vbt';
 * const x = Array.from({ length: 200 }, (_, t) => [Math.sin(2 * Math.PI * 10 * t / 100), Math.cos(2 * Math.PI * 7 * t / 100)]); // 100 Hz sampling
 * const { freqs, power } = normalisedAveragePower(periodogram(x, 100)); // power sums to 1
 * ```
 */
export function normalisedAveragePower(sp: Spectrum, opts: { skipDc?: boolean } = {}): { freqs: Float64Array; power: Float64Array } {
  const nb = nFreq(sp);
  const idx = bandMask(sp, undefined, opts.skipDc ?? true);
  const power = new Float64Array(idx.length);
  for (let i = 0; i < sp.n; i++) {
    let tot = 0;
    for (const k of idx) tot += sp.power[i * nb + k];
    if (tot > 0) idx.forEach((k, j) => (power[j] += sp.power[i * nb + k] / tot / sp.n));
  }
  return { freqs: Float64Array.from(idx, (k) => sp.freqs[k]), power };
}

/**
 * Σ P·df per channel: the variance the (density) spectrum accounts for (Parseval).
 *
 * @example
 * ```ts
 * import { bandPower, periodogram } from 'vbt';
 * const x = Array.from({ length: 200 }, (_, t) => [Math.sin(2 * Math.PI * 10 * t / 100), Math.cos(2 * Math.PI * 7 * t / 100)]); // 100 Hz sampling
 * bandPower(periodogram(x, 100)); // per channel ≈ variance (Parseval)
 * ```
 */
export function bandPower(sp: Spectrum, band?: [number, number]): Float64Array {
  const nb = nFreq(sp), df = sp.freqs.length > 1 ? sp.freqs[1] - sp.freqs[0] : 0;
  const idx = bandMask(sp, band, false);
  const out = new Float64Array(sp.n);
  for (let i = 0; i < sp.n; i++) for (const k of idx) out[i] += sp.power[i * nb + k] * df;
  return out;
}

/**
 * Spectral peak loss: mean over channels of (softPeak_i − target_i)² (target a number or one per
 * channel), in Hz².
 *
 * @example
 * ```ts
 * import { spectralPeakLoss, welch } from 'vbt';
 * const x = Array.from({ length: 200 }, (_, t) => [Math.sin(2 * Math.PI * 10 * t / 100), Math.cos(2 * Math.PI * 7 * t / 100)]); // 100 Hz sampling
 * spectralPeakLoss(welch(x, 100), 10); // (Hz − 10)² averaged over channels
 * ```
 */
export function spectralPeakLoss(sp: Spectrum, target: number | ArrayLike<number>, opts: { beta?: number; band?: [number, number] } = {}): number {
  const pk = softPeakFrequency(sp, opts);
  const tgt = typeof target === 'number' ? new Float64Array(sp.n).fill(target) : target;
  if (tgt.length !== sp.n) throw new Error(`spectralPeakLoss: ${tgt.length} targets for ${sp.n} channels; expected one number or one per channel`);
  let s = 0;
  for (let i = 0; i < sp.n; i++) s += (pk[i] - tgt[i]) ** 2;
  return s / sp.n;
}

/**
 * 1 − mean over channels of corr(P_sim,i, P_target,i): spectrum-shape loss (tvboptim's JR example).
 *
 * @example
 * ```ts
 * import { spectralCorrLoss, welch } from 'vbt';
 * const sim = Array.from({ length: 200 }, (_, t) => [Math.sin(2 * Math.PI * 10 * t / 100), Math.cos(2 * Math.PI * 7 * t / 100)]);
 * const data = Array.from({ length: 200 }, (_, t) => [Math.sin(2 * Math.PI * 9 * t / 100), Math.cos(2 * Math.PI * 7 * t / 100)]);
 * spectralCorrLoss(welch(sim, 100), welch(data, 100)); // 0 = same spectral shapes
 * ```
 */
export function spectralCorrLoss(sim: Spectrum, target: Spectrum): number {
  if (sim.n !== target.n || sim.freqs.length !== target.freqs.length) {
    throw new Error(`spectralCorrLoss: spectra are ${sim.n}×${sim.freqs.length} and ${target.n}×${target.freqs.length}; expected the same channels and frequency bins`);
  }
  const nb = sim.freqs.length;
  let acc = 0;
  for (let i = 0; i < sim.n; i++) {
    const a = sim.power.subarray(i * nb, (i + 1) * nb), b = target.power.subarray(i * nb, (i + 1) * nb);
    let ma = 0, mb = 0;
    for (let k = 0; k < nb; k++) { ma += a[k]; mb += b[k]; }
    ma /= nb; mb /= nb;
    let sab = 0, saa = 0, sbb = 0;
    for (let k = 0; k < nb; k++) { const da = a[k] - ma, db = b[k] - mb; sab += da * db; saa += da * da; sbb += db * db; }
    acc += saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
  }
  return 1 - acc / sim.n;
}

/**
 * A frequency as precise as the spectrum that found it: rounded to the bin width `df` and given
 * with ± df/2, so 3.9 Hz bins never print as 11.719 Hz.
 *
 * @example
 * ```ts
 * import { formatFrequency } from 'vbt';
 * formatFrequency(11.71875, 3.90625); // '12 ± 2 Hz' (3.9 Hz bins)
 * formatFrequency(10.0098, 0.0977);   // '10.01 ± 0.05 Hz'
 * ```
 */
export function formatFrequency(f: number, df: number): string {
  if (!(df > 0) || !Number.isFinite(f)) return `${f} Hz`;
  const digits = Math.max(0, Math.min(6, Math.ceil(-Math.log10(df / 2))));
  return `${f.toFixed(digits)} ± ${(df / 2).toFixed(digits)} Hz`;
}

/** The bin width of a spectrum (Hz). */
export function frequencyResolution(sp: Spectrum): number {
  return sp.freqs.length > 1 ? sp.freqs[1] - sp.freqs[0] : NaN;
}
