/**
 * Functional connectivity dynamics (FCD): FC in sliding windows, and how similar the windows'
 * FC patterns are to each other. FCD[a, b] = Pearson correlation between the upper triangles
 * (i < j) of the FC of windows a and b. Its upper-triangle values form the FCD distribution that
 * is compared between simulation and data.
 */
import { asSeries, type Series } from './series.js';
import { functionalConnectivity, upperTriangle, type SquareMatrix } from './fc.js';
import { pearson } from './losses.js';

export interface FcdOptions {
  /** Window length in samples. */
  window: number;
  /** Stride between window starts in samples (default 1). */
  step?: number;
  /** Samples dropped at the start (transient). */
  skip?: number;
}

/**
 * FCD matrix of a [T, N] series.
 *
 * @example
 * ```ts
 * import { fcd } from 'vbt';
 * const x = Array.from({ length: 60 }, (_, t) => [Math.sin(t), Math.cos(t * 1.1), Math.sin(t * 0.3)]);
 * const f = fcd(x, { window: 20, step: 10 }); // 5 windows → 5×5, unit diagonal
 * ```
 */
export function fcd(x: Series | ArrayLike<number>[], opts: FcdOptions): SquareMatrix & { windowStarts: Int32Array } {
  const s = asSeries(x, 'fcd');
  const skip = opts.skip ?? 0, step = opts.step ?? 1, win = opts.window;
  if (!Number.isInteger(win) || win < 2) throw new Error(`fcd: window=${win}; expected an integer number of samples >= 2`);
  if (!Number.isInteger(step) || step < 1) throw new Error(`fcd: step=${step}; expected a positive integer`);
  if (s.n < 3) throw new Error(`fcd: ${s.n} channels; need at least 3 so that FC has more than one distinct pair`);
  const avail = s.t - skip;
  if (avail < win) throw new Error(`fcd: ${avail} samples after skip=${skip} are fewer than window=${win}`);
  const nw = Math.floor((avail - win) / step) + 1;
  const starts = Int32Array.from({ length: nw }, (_, k) => skip + k * step);
  const vecs = Array.from(starts, (t0) => upperTriangle(functionalConnectivity({ data: s.data.subarray(t0 * s.n, (t0 + win) * s.n), t: win, n: s.n })));
  const out = new Float64Array(nw * nw);
  for (let a = 0; a < nw; a++) {
    out[a * nw + a] = 1;
    for (let b = a + 1; b < nw; b++) {
      const r = pearson(vecs[a], vecs[b]);
      out[a * nw + b] = r;
      out[b * nw + a] = r;
    }
  }
  return { data: out, n: nw, windowStarts: starts };
}

/**
 * The FCD values whose distribution is compared: the upper triangle above the diagonal offset k.
 * k = 1 takes every distinct pair of windows; a larger k drops pairs of overlapping windows
 * (k = ceil(window/step) leaves only non-overlapping pairs).
 *
 * @example
 * ```ts
 * import { fcd, fcdValues } from 'vbt';
 * const x = Array.from({ length: 200 }, (_, t) => [Math.sin(t / 4), Math.sin(t / 9 + 1), Math.cos(t / 6)]); // [T, N]
 * const f = fcd(x, { window: 30, step: 5 });
 * fcdValues(f, Math.ceil(30 / 5)); // only pairs of non-overlapping windows
 * ```
 */
export function fcdValues(f: SquareMatrix, k = 1): Float64Array {
  return upperTriangle(f, k);
}

export interface Density {
  /** Bin midpoints (equally spaced). */
  x: Float64Array;
  /** Density values with Σ density·dx = 1. */
  density: Float64Array;
}

/**
 * Gaussian kernel density estimate (Scott's bandwidth, as scipy.stats.gaussian_kde) of samples on
 * `bins` midpoints spanning `range` (default 100 points on [−0.99, 0.99], tvboptim's FCD grid),
 * renormalised to unit area on the grid.
 *
 * @example
 * ```ts
 * import { kdeDensity } from 'vbt';
 * const d = kdeDensity([0.1, 0.2, 0.3]);
 * d.density.reduce((a, b) => a + b) * (d.x[1] - d.x[0]); // 1
 * ```
 */
export function kdeDensity(samples: ArrayLike<number>, opts: { bins?: number; range?: [number, number]; bandwidth?: number } = {}): Density {
  const n = samples.length;
  if (n < 2) throw new Error(`kdeDensity: ${n} samples; need at least 2`);
  const bins = opts.bins ?? 100;
  const [lo, hi] = opts.range ?? [-0.99, 0.99];
  if (!(hi > lo) || bins < 2) throw new Error(`kdeDensity: range [${lo}, ${hi}] with ${bins} bins; expected hi > lo and bins >= 2`);
  let mean = 0;
  for (let k = 0; k < n; k++) mean += samples[k];
  mean /= n;
  let v = 0;
  for (let k = 0; k < n; k++) v += (samples[k] - mean) ** 2;
  const sd = Math.sqrt(v / (n - 1));
  const h = opts.bandwidth ?? sd * Math.pow(n, -1 / 5);
  if (!(h > 0)) throw new Error('kdeDensity: the samples are all equal (zero bandwidth); pass `bandwidth`');
  const x = Float64Array.from({ length: bins }, (_, k) => lo + ((hi - lo) * k) / (bins - 1));
  const density = new Float64Array(bins);
  for (let b = 0; b < bins; b++) {
    let acc = 0;
    for (let k = 0; k < n; k++) { const z = (x[b] - samples[k]) / h; acc += Math.exp(-0.5 * z * z); }
    density[b] = acc;
  }
  const dx = x[1] - x[0];
  let area = 0;
  for (let b = 0; b < bins; b++) area += density[b] * dx;
  if (area > 0) for (let b = 0; b < bins; b++) density[b] /= area;
  return { x, density };
}

/**
 * Histogram density of samples on `bins` equal bins over `range` (outliers clipped to the ends).
 *
 * @example
 * ```ts
 * import { histogramDensity } from 'vbt';
 * histogramDensity([0.1, 0.2, 0.9], { bins: 2, range: [0, 1] }).density; // [4/3, 2/3]
 * ```
 */
export function histogramDensity(samples: ArrayLike<number>, opts: { bins?: number; range?: [number, number] } = {}): Density {
  const bins = opts.bins ?? 100;
  const [lo, hi] = opts.range ?? [-1, 1];
  if (!(hi > lo) || bins < 1) throw new Error(`histogramDensity: range [${lo}, ${hi}] with ${bins} bins; expected hi > lo and bins >= 1`);
  if (samples.length === 0) throw new Error('histogramDensity: no samples');
  const w = (hi - lo) / bins;
  const density = new Float64Array(bins);
  for (let k = 0; k < samples.length; k++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor((samples[k] - lo) / w)));
    density[b] += 1 / (samples.length * w);
  }
  return { x: Float64Array.from({ length: bins }, (_, b) => lo + (b + 0.5) * w), density };
}

/**
 * FCD distribution as a KDE on tvboptim's grid: the usual target of FCD fits.
 *
 * @example
 * ```ts
 * import { fcd, fcdDistribution, ksDistance } from 'vbt';
 * const simBold = Array.from({ length: 200 }, (_, t) => [Math.sin(t / 4), Math.sin(t / 9 + 1), Math.cos(t / 6)]);
 * const empBold = Array.from({ length: 200 }, (_, t) => [Math.sin(t / 5), Math.cos(t / 8), Math.sin(t / 6 + 2)]);
 * const p = fcdDistribution(fcd(simBold, { window: 30 }));
 * const q = fcdDistribution(fcd(empBold, { window: 30 }));
 * ksDistance(p, q);
 * ```
 */
export function fcdDistribution(f: SquareMatrix, opts: { k?: number; bins?: number; range?: [number, number] } = {}): Density {
  return kdeDensity(fcdValues(f, opts.k ?? 1), opts);
}

/**
 * A Density from a histogram given as bin edges (length bins+1, equally spaced) and counts or
 * values per bin — e.g. an empirical FCD histogram — normalised to unit area, on the bin
 * midpoints. With edges linspace(−1, 1, 101) the midpoints are the default `kdeDensity` grid, so
 * the two compare directly with `ksDistance` / `wassersteinDistance`.
 *
 * @example
 * ```ts
 * import { densityFromHistogram } from 'vbt';
 * const d = densityFromHistogram([0, 1, 2], [1, 3]); // x = [0.5, 1.5], density = [0.25, 0.75]
 * ```
 */
export function densityFromHistogram(edges: ArrayLike<number>, counts: ArrayLike<number>): Density {
  const bins = counts.length;
  if (edges.length !== bins + 1) throw new Error(`densityFromHistogram: ${edges.length} edges for ${bins} bins; expected bins + 1`);
  if (bins < 1) throw new Error('densityFromHistogram: no bins');
  const w = (edges[bins] - edges[0]) / bins;
  if (!(w > 0)) throw new Error('densityFromHistogram: edges must increase');
  for (let b = 0; b <= bins; b++) if (Math.abs(edges[b] - (edges[0] + b * w)) > 1e-9 * Math.max(1, Math.abs(edges[b]))) throw new Error(`densityFromHistogram: edge ${b} (${edges[b]}) breaks equal spacing ${w}`);
  let tot = 0;
  for (let b = 0; b < bins; b++) {
    if (!(counts[b] >= 0)) throw new Error(`densityFromHistogram: bin ${b} has ${counts[b]}; expected a non-negative count`);
    tot += counts[b];
  }
  if (!(tot > 0)) throw new Error('densityFromHistogram: all bins are empty');
  return {
    x: Float64Array.from({ length: bins }, (_, b) => edges[0] + (b + 0.5) * w),
    density: Float64Array.from({ length: bins }, (_, b) => counts[b] / (tot * w)),
  };
}
