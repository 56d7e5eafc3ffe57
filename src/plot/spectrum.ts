/**
 * The power-spectrum figure with the classical EEG frequency bands. Spectra come from the analysis
 * module's Welch estimate (scipy's conventions), so the figure shows the numbers fits use.
 */
import type { PlotSpec } from './render.js';
import { type TimeSeriesData, tsShape, unitOf, variableIndex, nodeIndices, nodeSeries } from './data.js';
import { OKABE_ITO } from './theme.js';
import { welch } from '../analysis/spectra.js';

/** Welch segment length for a series of T samples: a power of two giving ≥ 2 half-overlapping segments, at most 1024. */
export function defaultSegment(T: number): number {
  if (T < 8) return T;
  return Math.min(1024, 2 ** Math.floor(Math.log2(T / 1.5)));
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
  /** Welch segment length in samples (default: defaultSegment(T)). */
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
  const nperseg = opts.segment ?? defaultSegment(ts.time.length);
  for (const n of ns) {
    const x = nodeSeries(ts, v, n);
    const s = welch({ data: x, t: x.length, n: 1 }, fs, { nperseg });
    for (let f = 0; f < s.freqs.length; f++) {
      if (s.freqs[f] > fmax) break;
      if (logPower && (f === 0 || !(s.power[f] > 0))) continue; // DC is removed; log of 0 undefined
      rows.push({ freq: s.freqs[f], power: s.power[f], node: ts.labels[n] });
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
