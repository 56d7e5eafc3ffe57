/**
 * Scalar and per-node summaries of a [T, N] series, the quantities parameter sweeps map out.
 */
import { asSeries, type Series } from './series.js';

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
