/**
 * Power spectra (Welch's method) and their figure with the classical EEG frequency bands.
 * fft.js does the transforms: a small, dependency-free radix-4 real FFT.
 */
import FFT from 'fft.js';
import type { PlotSpec } from './render.js';
import { type TimeSeriesData, tsShape, unitOf, variableIndex, nodeIndices, nodeSeries } from './data.js';
import { OKABE_ITO } from './theme.js';

export interface Spectrum {
  /** Frequencies in Hz, 0 … fs/2. */
  freq: Float64Array;
  /** One-sided power spectral density, unit² / Hz. */
  power: Float64Array;
}

export interface WelchOptions {
  /** Segment length in samples, a power of two (default: the largest ≤ min(T, 1024) that gives ≥ 4 segments when possible). */
  segment?: number;
}

function largestPow2AtMost(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}

/**
 * Welch power spectral density: Hann-windowed segments overlapping by half, each mean-removed,
 * averaged; scaled as a density so that Σ power · Δf equals the signal's variance (Parseval).
 *
 * @example
 * ```ts
 * const fs = 1000; // Hz
 * const x = Array.from({ length: 4096 }, (_, k) => Math.sin(2 * Math.PI * 10 * k / fs));
 * const { freq, power } = welch(x, fs);
 * freq[power.indexOf(Math.max(...power))]; // ≈ 10
 * ```
 */
export function welch(x: ArrayLike<number>, fs: number, opts: WelchOptions = {}): Spectrum {
  const T = x.length;
  if (!(fs > 0 && Number.isFinite(fs))) throw new Error(`welch: sampling rate ${fs} Hz; expected a positive number`);
  if (T < 4) throw new Error(`welch: ${T} samples; need at least 4`);
  let L = opts.segment ?? Math.min(1024, largestPow2AtMost(T >= 32 ? T / 2.5 : T));
  if (opts.segment !== undefined && (!Number.isInteger(L) || L < 4 || (L & (L - 1)) !== 0 || L > T)) {
    throw new Error(`welch: segment=${opts.segment}; expected a power of two between 4 and the series length ${T}`);
  }
  L = Math.max(4, L);
  const hop = L / 2;
  const w = new Float64Array(L);
  let w2 = 0;
  for (let k = 0; k < L; k++) { w[k] = 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / L); w2 += w[k] * w[k]; }
  const fft = new FFT(L);
  const out = fft.createComplexArray() as number[];
  const seg = new Float64Array(L);
  const nf = L / 2 + 1;
  const acc = new Float64Array(nf);
  let count = 0;
  for (let s = 0; s + L <= T; s += hop) {
    let mean = 0;
    for (let k = 0; k < L; k++) mean += x[s + k];
    mean /= L;
    for (let k = 0; k < L; k++) seg[k] = (x[s + k] - mean) * w[k];
    fft.realTransform(out, seg);
    for (let f = 0; f < nf; f++) acc[f] += out[2 * f] ** 2 + out[2 * f + 1] ** 2;
    count++;
  }
  const freq = new Float64Array(nf);
  const power = new Float64Array(nf);
  for (let f = 0; f < nf; f++) {
    freq[f] = (f * fs) / L;
    const oneSided = f === 0 || f === nf - 1 ? 1 : 2;
    power[f] = (oneSided * acc[f]) / (count * fs * w2);
  }
  return { freq, power };
}

export interface Band { name: string; lo: number; hi: number }

/** Conventional EEG bands in Hz. */
export const EEG_BANDS: Band[] = [
  { name: 'δ', lo: 1, hi: 4 },
  { name: 'θ', lo: 4, hi: 8 },
  { name: 'α', lo: 8, hi: 13 },
  { name: 'β', lo: 13, hi: 30 },
  { name: 'γ', lo: 30, hi: 80 },
];

export interface SpectrumPlotOptions {
  variable?: string | number;
  nodes?: (number | string)[];
  /** Shaded bands (default EEG_BANDS; [] for none). */
  bands?: Band[];
  /** Log power axis (default true). */
  logPower?: boolean;
  /** Highest frequency shown, Hz (default min(Nyquist, 100)). */
  maxFreq?: number;
  segment?: number;
  title?: string;
}

/** Sampling rate in Hz of a series whose time unit is ms (or s). */
export function samplingRate(ts: TimeSeriesData): number {
  const T = ts.time.length;
  if (T < 2) throw new Error('power spectrum: need at least 2 samples to know the sampling rate');
  const dt = (ts.time[T - 1] - ts.time[0]) / (T - 1);
  const unit = ts.timeUnit ?? 'ms';
  if (unit === 'ms') return 1000 / dt;
  if (unit === 's') return 1 / dt;
  throw new Error(`power spectrum: time unit '${unit}' is not understood; expected 'ms' or 's'`);
}

/**
 * Power spectral density per selected node (Welch), log power by default, EEG bands shaded.
 * Rows are {freq, power, node}; the band layer's rows are {band, lo, hi}.
 */
export function plotPowerSpectrum(ts: TimeSeriesData, opts: SpectrumPlotOptions = {}): PlotSpec {
  tsShape(ts);
  const v = variableIndex(ts, opts.variable);
  const ns = nodeIndices(ts, opts.nodes);
  const fs = samplingRate(ts);
  const fmax = Math.min(fs / 2, opts.maxFreq ?? 100);
  const logPower = opts.logPower ?? true;
  const rows: Record<string, number | string>[] = [];
  for (const n of ns) {
    const s = welch(nodeSeries(ts, v, n), fs, { segment: opts.segment });
    for (let f = 0; f < s.freq.length; f++) {
      if (s.freq[f] > fmax) break;
      if (logPower && (f === 0 || !(s.power[f] > 0))) continue; // DC is removed; log of 0 undefined
      rows.push({ freq: s.freq[f], power: s.power[f], node: ts.labels[n] });
    }
  }
  const bands = (opts.bands ?? EEG_BANDS).filter((b) => b.lo < fmax).map((b) => ({ band: b.name, lo: b.lo, hi: Math.min(b.hi, fmax) }));
  const name = ts.variables[v];
  const u = unitOf(ts, name);
  const layers: unknown[] = [];
  if (bands.length) {
    layers.push({
      data: { values: bands },
      mark: { type: 'rect', opacity: 0.12 },
      encoding: {
        x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' },
        color: { field: 'band', type: 'nominal', scale: { range: OKABE_ITO.slice(2, 2 + bands.length) }, legend: null },
      },
    }, {
      data: { values: bands },
      mark: { type: 'text', baseline: 'top', dy: 4, fontSize: 12, color: '#444' },
      encoding: { x: { field: 'mid', type: 'quantitative' }, text: { field: 'band' }, y: { value: 0 } },
      transform: [{ calculate: '(datum.lo + datum.hi) / 2', as: 'mid' }],
    });
  }
  layers.push({
    data: { values: rows },
    mark: { type: 'line', clip: true },
    encoding: {
      x: { field: 'freq', type: 'quantitative', title: 'frequency (Hz)', scale: { domain: [0, fmax], nice: false } },
      y: { field: 'power', type: 'quantitative', title: `power spectral density (${u}²/Hz)`, scale: logPower ? { type: 'log' } : { zero: true }, axis: logPower ? { format: '.0e' } : {} },
      stroke: { field: 'node', type: 'nominal', title: 'node', scale: { range: [...OKABE_ITO] } },
      tooltip: [{ field: 'node' }, { field: 'freq', title: 'Hz', format: '.2f' }, { field: 'power', format: '.3g' }],
    },
  });
  return {
    title: opts.title ?? `Power spectrum — ${name}${ts.title ? ` — ${ts.title}` : ''}`,
    width: 520, height: 280,
    layer: layers,
    resolve: { scale: { color: 'independent' } },
  } as unknown as PlotSpec;
}

/** Frequency of the largest spectral peak above `minFreq` Hz (default 0.5), for key numbers. */
export function peakFrequency(s: Spectrum, minFreq = 0.5): number {
  let best = -1, fbest = NaN;
  for (let f = 0; f < s.freq.length; f++) if (s.freq[f] >= minFreq && s.power[f] > best) { best = s.power[f]; fbest = s.freq[f]; }
  return fbest;
}
