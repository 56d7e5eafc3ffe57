/**
 * Scalar and per-node summaries of a [T, N] series, the quantities parameter sweeps map out.
 */
import { asSeries, type Series } from './series.js';
import { hilbert } from './fft.js';

export interface SeriesSummary {
  /** Temporal mean per node. */
  mean: Float64Array;
  /** Temporal variance per node (population, divided by T). */
  variance: Float64Array;
  /** Mean over nodes and time. */
  globalMean: number;
  /** Mean over nodes of the per-node variance. */
  meanVariance: number;
  /** Variance over time of the node-averaged (global) signal: large when nodes move together. */
  globalSignalVariance: number;
  /** Standard deviation over time of the global signal. */
  globalSignalStd: number;
  /** Largest |value|. */
  maxAbs: number;
}

/**
 * Means, variances and global-signal statistics of a [T, N] series after `skip` samples.
 *
 * @example
 * ```ts
 * import { summarize } from 'vbt';
 * const s = summarize([[1, 3], [3, 1]]);
 * s.meanVariance;        // 1
 * s.globalSignalVariance; // 0 (the nodes are anticorrelated)
 * ```
 */
export function summarize(x: Series | ArrayLike<number>[], opts: { skip?: number } = {}): SeriesSummary {
  const s = asSeries(x, 'summarize');
  const skip = opts.skip ?? 0;
  const T = s.t - skip, n = s.n;
  if (!Number.isInteger(skip) || skip < 0 || T < 1) throw new Error(`summarize: skip=${skip} leaves ${T} of ${s.t} samples; expected at least 1`);
  const mean = new Float64Array(n), variance = new Float64Array(n);
  let maxAbs = 0;
  const g = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const v = s.data[(t + skip) * n + i];
      mean[i] += v; acc += v;
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    g[t] = acc / n;
  }
  for (let i = 0; i < n; i++) mean[i] /= T;
  for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) variance[i] += (s.data[(t + skip) * n + i] - mean[i]) ** 2;
  for (let i = 0; i < n; i++) variance[i] /= T;
  const globalMean = mean.reduce((a, b) => a + b, 0) / n;
  let gv = 0;
  for (let t = 0; t < T; t++) gv += (g[t] - globalMean) ** 2;
  gv /= T;
  return {
    mean, variance, globalMean, meanVariance: variance.reduce((a, b) => a + b, 0) / n,
    globalSignalVariance: gv, globalSignalStd: Math.sqrt(gv), maxAbs,
  };
}

/**
 * Kuramoto order parameter R(t) = |mean_i e^{iφ_i(t)}| of a [T, N] series. `phases: true` takes
 * the values as phases (Kuramoto-type models); otherwise each channel's phase is the angle of its
 * analytic signal (Hilbert transform after removing the mean).
 *
 * @example
 * ```ts
 * import { kuramotoOrder } from 'vbt';
 * kuramotoOrder([[0, 0], [1, 1 + Math.PI]], { phases: true }); // [1, 0]
 * ```
 */
export function kuramotoOrder(x: Series | ArrayLike<number>[], opts: { phases?: boolean; skip?: number } = {}): Float64Array {
  const s = asSeries(x, 'kuramotoOrder');
  const skip = opts.skip ?? 0;
  const T = s.t - skip, n = s.n;
  if (!Number.isInteger(skip) || skip < 0 || T < 1) throw new Error(`kuramotoOrder: skip=${skip} leaves ${T} of ${s.t} samples; expected at least 1`);
  const c = new Float64Array(T), si = new Float64Array(T);
  const col = new Float64Array(T);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < T; t++) col[t] = s.data[(t + skip) * n + i];
    if (opts.phases) {
      for (let t = 0; t < T; t++) { c[t] += Math.cos(col[t]); si[t] += Math.sin(col[t]); }
    } else {
      let mean = 0;
      for (let t = 0; t < T; t++) mean += col[t];
      mean /= T;
      for (let t = 0; t < T; t++) col[t] -= mean;
      const h = hilbert(col);
      for (let t = 0; t < T; t++) {
        const a = Math.hypot(col[t], h[t]);
        if (a > 0) { c[t] += col[t] / a; si[t] += h[t] / a; }
      }
    }
  }
  return Float64Array.from(c, (v, t) => Math.hypot(v, si[t]) / n);
}

/**
 * Synchrony (time mean of the Kuramoto order parameter) and metastability (its standard
 * deviation over time), the usual sweep summaries of phase dynamics.
 *
 * @example
 * ```ts
 * import { synchronyMetastability } from 'vbt';
 * const x = Array.from({ length: 100 }, (_, t) => [t * 0.3, t * 0.3 + 0.1]);
 * synchronyMetastability(x, { phases: true }).synchrony; // cos(0.05) ≈ 0.9988
 * ```
 */
export function synchronyMetastability(x: Series | ArrayLike<number>[], opts: { phases?: boolean; skip?: number } = {}): { synchrony: number; metastability: number } {
  const r = kuramotoOrder(x, opts);
  const m = r.reduce((a, b) => a + b, 0) / r.length;
  const v = r.reduce((a, b) => a + (b - m) ** 2, 0) / r.length;
  return { synchrony: m, metastability: Math.sqrt(v) };
}

/**
 * `summarize` for every batch element of a monitor output ([B, T, V, N, M]), for sweeps.
 *
 * @example
 * ```ts
 * import { batchSummaries, simulateSync } from 'vbt';
 * const cfg = { model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 20, monitors: [{ name: 'TemporalAverage', period: 1 }] };
 * const res = simulateSync({ ...cfg, batch: { 'coupling.a': [0.1, 0.2] } });
 * batchSummaries(res.monitor(0)).map((s) => s.meanVariance);
 * ```
 */
export function batchSummaries(
  mon: { data: ArrayLike<number>; shape: readonly number[] },
  opts: { v?: number; m?: number; skip?: number } = {},
): SeriesSummary[] {
  const B = mon.shape[0];
  const [, T, V, N, M] = mon.shape;
  const v = opts.v ?? 0, m = opts.m ?? 0;
  if (v < 0 || v >= V || m < 0 || m >= M) throw new Error(`batchSummaries: v=${v}, m=${m} out of range (V=${V}, M=${M})`);
  return Array.from({ length: B }, (_, b) => {
    const data = new Float64Array(T * N);
    for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) data[t * N + i] = mon.data[(((b * T + t) * V + v) * N + i) * M + m];
    return summarize({ data, t: T, n: N }, { skip: opts.skip });
  });
}
