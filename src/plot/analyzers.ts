/**
 * Figures of TVB's analyzers: PCA fractions and weights, ICA sources, wavelet power over time and
 * frequency, cross-correlation against lag, coherence spectra, covariance (as a matrix), complex
 * coherence magnitude and phase, and the Kuramoto order parameter over time.
 */
import type { PlotSpec } from './render.js';
import { plotFc } from './analysis.js';
import { SEQUENTIAL_SCHEME } from './theme.js';
import type { PcaResult, IcaResult } from '../analysis/decomposition.js';
import type { WaveletResult } from '../analysis/wavelet.js';
import type { CrossSpectra } from '../analysis/cross-spectra.js';

const lbl = (labels: string[] | undefined, n: number) => labels ?? Array.from({ length: n }, (_, k) => String(k));

/** Variance fractions (bars) and component weights (heatmap) of a PCA. */
export function plotPca(r: PcaResult, opts: { labels?: string[]; components?: number; title?: string } = {}): PlotSpec {
  const N = r.n, C = Math.min(opts.components ?? 10, N), labels = lbl(opts.labels, N);
  const fr = Array.from(r.fractions.subarray(0, C), (v, k) => ({ component: k + 1, fraction: v }));
  const w: Record<string, unknown>[] = [];
  for (let k = 0; k < C; k++) for (let i = 0; i < N; i++) w.push({ component: k + 1, node: labels[i], weight: r.weights[k * N + i] });
  return {
    title: opts.title ?? 'Principal components',
    hconcat: [
      { width: 220, height: 220, data: { values: fr }, mark: 'bar', encoding: { x: { field: 'component', type: 'ordinal' }, y: { field: 'fraction', type: 'quantitative', title: 'fraction of variance' } } },
      { width: 300, height: 220, data: { values: w }, mark: 'rect', encoding: { x: { field: 'node', type: 'nominal', sort: null, axis: N > 40 ? { labels: false } : {} }, y: { field: 'component', type: 'ordinal' }, color: { field: 'weight', type: 'quantitative', scale: { scheme: 'blueorange', domainMid: 0 } } } },
    ],
  } as unknown as PlotSpec;
}

/** Independent components over time. */
export function plotIcaSources(r: IcaResult, time: ArrayLike<number>, opts: { title?: string; maxPoints?: number } = {}): PlotSpec {
  const T = time.length, C = r.components, step = Math.max(1, Math.floor(T / (opts.maxPoints ?? 1000)));
  const v: Record<string, unknown>[] = [];
  for (let t = 0; t < T; t += step) for (let c = 0; c < C; c++) v.push({ t: time[t], component: `IC${c + 1}`, value: r.sources[t * C + c] });
  return { title: opts.title ?? 'Independent components', width: 480, height: 60, data: { values: v }, mark: { type: 'line', strokeWidth: 1 }, encoding: { x: { field: 't', type: 'quantitative', title: 'time (ms)' }, y: { field: 'value', type: 'quantitative', title: null }, row: { field: 'component', type: 'nominal', title: null } } } as unknown as PlotSpec;
}

/** Wavelet power |W|² of one node over time and frequency. */
export function plotWavelet(w: WaveletResult, opts: { node?: number; title?: string; startTime?: number } = {}): PlotSpec {
  const i = opts.node ?? 0, v: Record<string, unknown>[] = [];
  const step = Math.max(1, Math.floor(w.nt / 300));
  for (let f = 0; f < w.freqs.length; f++) for (let t = 0; t < w.nt; t += step) {
    const q = (f * w.nt + t) * w.n + i;
    v.push({ t: (opts.startTime ?? 0) + t * w.samplePeriod, f: +(w.freqs[f] * 1000).toPrecision(6), power: w.re[q] ** 2 + w.im[q] ** 2 });
  }
  return { title: opts.title ?? `Wavelet power, node ${i}`, width: 480, height: 220, data: { values: v }, mark: 'rect', encoding: { x: { field: 't', type: 'quantitative', bin: { maxbins: 300 }, title: 'time (ms)' }, y: { field: 'f', type: 'ordinal', sort: 'descending', title: 'frequency (Hz)' }, color: { field: 'power', type: 'quantitative', aggregate: 'mean', scale: { scheme: SEQUENTIAL_SCHEME } } } } as unknown as PlotSpec;
}

/** Cross-correlation of node pairs against lag. */
export function plotCrossCorrelation(cc: { lags: Int32Array; data: Float64Array; n: number }, opts: { pairs?: [number, number][]; dt?: number; labels?: string[]; title?: string } = {}): PlotSpec {
  const N = cc.n, labels = lbl(opts.labels, N), pairs = opts.pairs ?? [[0, Math.min(1, N - 1)]];
  const v: Record<string, unknown>[] = [];
  cc.lags.forEach((l, k) => { for (const [i, j] of pairs) v.push({ lag: l * (opts.dt ?? 1), pair: `${labels[i]}–${labels[j]}`, r: cc.data[(k * N + i) * N + j] }); });
  return { title: opts.title ?? 'Cross-correlation', width: 420, height: 220, data: { values: v }, mark: 'line', encoding: { x: { field: 'lag', type: 'quantitative', title: opts.dt ? 'lag (ms)' : 'lag (samples)' }, y: { field: 'r', type: 'quantitative' }, color: { field: 'pair', type: 'nominal' } } } as unknown as PlotSpec;
}

/** Coherence spectra of node pairs (magnitude-squared, or |coherency| of a complex result). */
export function plotCoherence(c: { freqs: Float64Array; data?: Float64Array; re?: Float64Array; im?: Float64Array; n: number }, opts: { pairs?: [number, number][]; labels?: string[]; title?: string; phase?: boolean } = {}): PlotSpec {
  const N = c.n, labels = lbl(opts.labels, N), pairs = opts.pairs ?? [[0, Math.min(1, N - 1)]];
  const v: Record<string, unknown>[] = [];
  c.freqs.forEach((f, k) => {
    for (const [i, j] of pairs) {
      const q = (k * N + i) * N + j;
      const value = c.data ? c.data[q] : opts.phase ? Math.atan2(c.im![q], c.re![q]) : Math.hypot(c.re![q], c.im![q]);
      v.push({ f, pair: `${labels[i]}–${labels[j]}`, value });
    }
  });
  const ytitle = c.data ? 'coherence' : opts.phase ? 'phase (rad)' : '|coherency|';
  return { title: opts.title ?? (c.data ? 'Coherence' : 'Complex coherence'), width: 420, height: 220, data: { values: v }, mark: 'line', encoding: { x: { field: 'f', type: 'quantitative', title: 'frequency (Hz)' }, y: { field: 'value', type: 'quantitative', title: ytitle }, color: { field: 'pair', type: 'nominal' } } } as unknown as PlotSpec;
}

/** Node covariance as a matrix. */
export function plotCovariance(c: { data: Float64Array; n: number }, opts: { labels?: string[]; title?: string } = {}): PlotSpec {
  let m = 0;
  for (const v of c.data) m = Math.max(m, Math.abs(v));
  return plotFc(c, { labels: opts.labels, title: opts.title ?? 'Covariance', domain: [-(m || 1), m || 1] });
}

/** Kuramoto order parameter R(t). */
export function plotKuramoto(R: ArrayLike<number>, time: ArrayLike<number>, opts: { title?: string } = {}): PlotSpec {
  const v = Array.from(R, (r, k) => ({ t: time[k], R: r }));
  return { title: opts.title ?? 'Kuramoto order parameter', width: 480, height: 180, data: { values: v }, mark: 'line', encoding: { x: { field: 't', type: 'quantitative', title: 'time (ms)' }, y: { field: 'R', type: 'quantitative', scale: { domain: [0, 1] } } } } as unknown as PlotSpec;
}

export type { CrossSpectra };
