import { asSeries, type Series } from './series.js';

/** A square N×N matrix, row-major. */
export interface SquareMatrix {
  data: Float64Array;
  n: number;
}

export interface FcOptions {
  /** Leading samples to drop before computing (the transient). Default 0. */
  skip?: number;
  /** Keep the unit diagonal instead of zeroing it (default false: diagonal set to 0). */
  keepDiagonal?: boolean;
}

/**
 * Functional connectivity: Pearson correlation between the columns of a [T, N] series, with the
 * diagonal set to zero (the field's convention, so that FC losses are not dominated by the trivial
 * ones). Two passes (mean, then centred products) for accuracy. A constant channel has undefined
 * correlation; its row and column are set to 0 rather than NaN so that losses stay finite.
 *
 * @example
 * ```ts
 * import { functionalConnectivity } from 'vbt';
 * const fc = functionalConnectivity([[1, 2], [2, 4], [3, 7]]);
 * fc.data[1]; // ≈ 0.99 (columns almost perfectly correlated)
 * ```
 */
export function functionalConnectivity(x: Series | ArrayLike<number>[], opts: FcOptions = {}): SquareMatrix {
  const s = asSeries(x, 'functionalConnectivity');
  const skip = opts.skip ?? 0;
  if (!Number.isInteger(skip) || skip < 0) throw new Error(`functionalConnectivity: skip=${skip}; expected a non-negative integer number of samples`);
  const T = s.t - skip, n = s.n;
  if (T < 2) throw new Error(`functionalConnectivity: ${s.t} samples with skip=${skip} leave ${T}; need at least 2`);
  const mean = new Float64Array(n);
  for (let t = skip; t < s.t; t++) for (let i = 0; i < n; i++) mean[i] += s.data[t * n + i];
  for (let i = 0; i < n; i++) mean[i] /= T;
  const cov = new Float64Array(n * n);
  const row = new Float64Array(n);
  for (let t = skip; t < s.t; t++) {
    for (let i = 0; i < n; i++) row[i] = s.data[t * n + i] - mean[i];
    for (let i = 0; i < n; i++) {
      const ri = row[i];
      const o = i * n;
      for (let j = i; j < n; j++) cov[o + j] += ri * row[j];
    }
  }
  return covToCorr(cov, n, opts.keepDiagonal ?? false);
}

/** Upper-triangle covariance sums (j ≥ i) → symmetric correlation matrix. */
export function covToCorr(cov: Float64Array, n: number, keepDiagonal: boolean): SquareMatrix {
  const sd = new Float64Array(n);
  for (let i = 0; i < n; i++) sd[i] = Math.sqrt(cov[i * n + i]);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const d = sd[i] * sd[j];
      let r = d > 0 ? cov[i * n + j] / d : 0;
      if (i === j) r = keepDiagonal && d > 0 ? 1 : 0;
      else r = Math.max(-1, Math.min(1, r));
      out[i * n + j] = r;
      out[j * n + i] = r;
    }
  }
  return { data: out, n };
}

/**
 * FC accumulated one sample at a time (Welford's update for means and co-moments), so a long run
 * never holds its time series: memory is O(N²) whatever the length. Numerically as stable as the
 * two-pass form.
 *
 * @example
 * ```ts
 * import { StreamingFc } from 'vbt';
 * const acc = new StreamingFc(2);
 * for (const row of [[1, 2], [2, 4], [3, 7]]) acc.push(row);
 * acc.result().data[1]; // same as functionalConnectivity
 * ```
 */
export class StreamingFc {
  readonly n: number;
  /** Samples seen (after `skip`). */
  count = 0;
  private seen = 0;
  private readonly skip: number;
  private readonly mean: Float64Array;
  private readonly delta: Float64Array;
  /** Upper triangle (j ≥ i) of the co-moment sums Σ (x_i − mean_i)(x_j − mean_j). */
  private readonly m2: Float64Array;

  constructor(n: number, opts: { skip?: number } = {}) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`StreamingFc: n=${n}; expected a positive integer number of channels`);
    this.n = n;
    this.skip = opts.skip ?? 0;
    if (!Number.isInteger(this.skip) || this.skip < 0) throw new Error(`StreamingFc: skip=${this.skip}; expected a non-negative integer`);
    this.mean = new Float64Array(n);
    this.delta = new Float64Array(n);
    this.m2 = new Float64Array(n * n);
  }

  /** Adds one sample (N values), read from `x` starting at `offset`. */
  push(x: ArrayLike<number>, offset = 0): void {
    if (this.seen++ < this.skip) return;
    const n = this.n, mean = this.mean, d = this.delta, m2 = this.m2;
    if (x.length - offset < n) throw new Error(`StreamingFc.push: sample has ${x.length - offset} values from offset ${offset}; expected ${n}`);
    const k = ++this.count;
    for (let i = 0; i < n; i++) {
      d[i] = x[offset + i] - mean[i];
      mean[i] += d[i] / k;
    }
    // C_ij += (x_i − mean_i^old)(x_j − mean_j^new)
    for (let i = 0; i < n; i++) {
      const di = d[i];
      const o = i * n;
      for (let j = i; j < n; j++) m2[o + j] += di * (x[offset + j] - mean[j]);
    }
  }

  /** Adds every row of a [T, N] series. */
  pushSeries(s: Series): void {
    if (s.n !== this.n) throw new Error(`StreamingFc.pushSeries: series has ${s.n} channels; expected ${this.n}`);
    for (let t = 0; t < s.t; t++) this.push(s.data, t * s.n);
  }

  /** Current means per channel (a copy). */
  means(): Float64Array {
    return this.mean.slice();
  }

  result(opts: { keepDiagonal?: boolean } = {}): SquareMatrix {
    if (this.count < 2) throw new Error(`StreamingFc.result: ${this.count} samples accumulated; need at least 2`);
    return covToCorr(this.m2, this.n, opts.keepDiagonal ?? false);
  }
}

/**
 * Indices (i, j), i < j, of the strict upper triangle, row by row — the N(N−1)/2 distinct entries
 * of a symmetric matrix.
 *
 * @example
 * ```ts
 * import { upperTriangleIndices } from 'vbt';
 * upperTriangleIndices(3); // Int32Array [1, 2, 5]
 * ```
 */
export function upperTriangleIndices(n: number, k = 1): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i + k; j < n; j++) out.push(i * n + j);
  return Int32Array.from(out);
}

/**
 * The strict upper triangle (k = 1, default) of a square matrix as a vector.
 *
 * @example
 * ```ts
 * import { upperTriangle } from 'vbt';
 * upperTriangle({ data: Float64Array.of(0, 1, 2, 0), n: 2 }); // Float64Array [1]
 * ```
 */
export function upperTriangle(m: SquareMatrix, k = 1): Float64Array {
  const idx = upperTriangleIndices(m.n, k);
  return Float64Array.from(idx, (q) => m.data[q]);
}
