/** Second-order statistics between nodes of a [T, N] series: covariance and lagged cross-correlation. */
import { asSeries, type Series } from './series.js';

/**
 * Covariance between nodes, N×N, normalised by T − 1 (numpy.cov's default; TVB's NodeCovariance).
 *
 * @example
 * ```ts
 * import { covariance } from 'vbt';
 * covariance([[1, 2], [2, 4], [3, 6]]).data; // [1, 2, 2, 4]
 * ```
 */
export function covariance(x: Series | ArrayLike<number>[]): { data: Float64Array; n: number } {
  const s = asSeries(x, 'covariance');
  const { t: T, n: N } = s;
  if (T < 2) throw new Error(`covariance: needs at least 2 time points, got ${T}`);
  const mu = new Float64Array(N);
  for (let k = 0; k < T; k++) for (let i = 0; i < N; i++) mu[i] += s.data[k * N + i] / T;
  const c = new Float64Array(N * N);
  for (let k = 0; k < T; k++) for (let i = 0; i < N; i++) {
    const a = s.data[k * N + i] - mu[i];
    for (let j = i; j < N; j++) c[i * N + j] += a * (s.data[k * N + j] - mu[j]);
  }
  for (let i = 0; i < N; i++) for (let j = i; j < N; j++) { c[i * N + j] /= T - 1; c[j * N + i] = c[i * N + j]; }
  return { data: c, n: N };
}

/**
 * Normalised cross-correlation r_ij(τ) = Σ_t x̃_i(t)·x̃_j(t + τ) / (T σ_i σ_j) for τ = −L … L
 * (x̃ centred, σ the population standard deviation; r_ii(0) = 1). Returned as [lag, i, j].
 *
 * @example
 * ```ts
 * import { crossCorrelation } from 'vbt';
 * // 100 time points of two nodes, one a noisy copy of the other
 * const series = Array.from({ length: 100 }, (_, k) => [Math.sin(k / 5), Math.sin(k / 5) + 0.1 * Math.cos(k)]);
 * const cc = crossCorrelation(series, { maxLag: 10 });
 * cc.lags.length; // 21
 * ```
 */
export function crossCorrelation(x: Series | ArrayLike<number>[], o: { maxLag?: number } = {}): { lags: Int32Array; data: Float64Array; n: number } {
  const s = asSeries(x, 'crossCorrelation');
  const { t: T, n: N } = s;
  const L = o.maxLag ?? T - 1;
  if (!(Number.isInteger(L) && L >= 0 && L < T)) throw new Error(`crossCorrelation: maxLag=${L}; expected 0..${T - 1}`);
  const z = new Float64Array(T * N);
  for (let i = 0; i < N; i++) {
    let mu = 0, v = 0;
    for (let k = 0; k < T; k++) mu += s.data[k * N + i] / T;
    for (let k = 0; k < T; k++) v += (s.data[k * N + i] - mu) ** 2;
    const sd = Math.sqrt(v / T) || 1;
    for (let k = 0; k < T; k++) z[k * N + i] = (s.data[k * N + i] - mu) / sd;
  }
  const nl = 2 * L + 1;
  const out = new Float64Array(nl * N * N);
  for (let l = -L; l <= L; l++) {
    const base = (l + L) * N * N;
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = Math.max(0, -l); k < Math.min(T, T - l); k++) acc += z[k * N + i] * z[(k + l) * N + j];
      out[base + i * N + j] = acc / T;
    }
  }
  return { lags: Int32Array.from({ length: nl }, (_, k) => k - L), data: out, n: N };
}
