/**
 * Distances between distributions (FCD distributions, mostly): Kolmogorov–Smirnov and the
 * 1-Wasserstein (earth mover's) distance, both for densities on a shared grid and for samples.
 */
import type { Density } from './fcd.js';

function cdfs(p: Density, q: Density, what: string): { cp: Float64Array; cq: Float64Array; dx: number } {
  const n = p.x.length;
  if (q.x.length !== n) throw new Error(`${what}: densities have ${n} and ${q.x.length} bins; expected the same grid`);
  for (let k = 0; k < n; k++) if (Math.abs(p.x[k] - q.x[k]) > 1e-12 * Math.max(1, Math.abs(p.x[k]))) throw new Error(`${what}: grids differ at bin ${k} (${p.x[k]} vs ${q.x[k]}); expected the same grid`);
  const cp = new Float64Array(n), cq = new Float64Array(n);
  let a = 0, b = 0;
  for (let k = 0; k < n; k++) { a += p.density[k]; b += q.density[k]; cp[k] = a; cq[k] = b; }
  if (!(a > 0) || !(b > 0)) throw new Error(`${what}: a density has zero total mass`);
  for (let k = 0; k < n; k++) { cp[k] /= a; cq[k] /= b; }
  return { cp, cq, dx: n > 1 ? p.x[1] - p.x[0] : 1 };
}

/**
 * KS distance max_x |CDF_p − CDF_q| of two densities on one grid (each CDF normalised to end at 1).
 *
 * @example
 * ```ts
 * import { ksDistance } from 'vbt';
 * const x = Float64Array.of(0, 1, 2);
 * ksDistance({ x, density: Float64Array.of(1, 0, 0) }, { x, density: Float64Array.of(0, 0, 1) }); // 1
 * ```
 */
export function ksDistance(p: Density, q: Density): number {
  const { cp, cq } = cdfs(p, q, 'ksDistance');
  let m = 0;
  for (let k = 0; k < cp.length; k++) m = Math.max(m, Math.abs(cp[k] - cq[k]));
  return m;
}

/**
 * 1-Wasserstein distance Σ |CDF_p − CDF_q| · dx of two densities on one equally spaced grid.
 *
 * @example
 * ```ts
 * import { wassersteinDistance } from 'vbt';
 * const x = Float64Array.of(0, 1, 2);
 * wassersteinDistance({ x, density: Float64Array.of(1, 0, 0) }, { x, density: Float64Array.of(0, 0, 1) }); // 2
 * ```
 */
export function wassersteinDistance(p: Density, q: Density): number {
  const { cp, cq, dx } = cdfs(p, q, 'wassersteinDistance');
  let s = 0;
  for (let k = 0; k < cp.length; k++) s += Math.abs(cp[k] - cq[k]);
  return s * dx;
}

function sorted(a: ArrayLike<number>, what: string): Float64Array {
  if (a.length === 0) throw new Error(`${what}: empty sample`);
  return Float64Array.from(a).sort();
}

/**
 * Two-sample KS statistic sup |F_a − F_b| of the empirical CDFs.
 *
 * @example
 * ```ts
 * import { ksDistanceSamples } from 'vbt';
 * ksDistanceSamples([1, 2, 3], [4, 5]); // 1
 * ```
 */
export function ksDistanceSamples(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = sorted(a, 'ksDistanceSamples'), y = sorted(b, 'ksDistanceSamples');
  let i = 0, j = 0, d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/**
 * Exact 1-Wasserstein distance ∫ |F_a − F_b| dx between two empirical distributions (as
 * scipy.stats.wasserstein_distance).
 *
 * @example
 * ```ts
 * import { wassersteinSamples } from 'vbt';
 * wassersteinSamples([0, 1, 2], [3, 4, 5]); // 3
 * ```
 */
export function wassersteinSamples(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = sorted(a, 'wassersteinSamples'), y = sorted(b, 'wassersteinSamples');
  const all = Float64Array.from([...x, ...y]).sort();
  let i = 0, j = 0, s = 0;
  for (let k = 0; k < all.length - 1; k++) {
    while (i < x.length && x[i] <= all[k]) i++;
    while (j < y.length && y[j] <= all[k]) j++;
    s += Math.abs(i / x.length - j / y.length) * (all[k + 1] - all[k]);
  }
  return s;
}
