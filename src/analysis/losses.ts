import type { SquareMatrix } from './fc.js';
import { upperTriangle } from './fc.js';

/**
 * Pearson correlation of two equally long vectors; 0 when either is constant.
 *
 * @example
 * ```ts
 * import { pearson } from 'vbt';
 * pearson([1, 2, 3], [2, 4, 6]); // 1
 * ```
 */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n) throw new Error(`pearson: lengths differ (${n} vs ${b.length}); expected equal lengths`);
  if (n < 2) throw new Error(`pearson: ${n} values; need at least 2`);
  let ma = 0, mb = 0;
  for (let k = 0; k < n; k++) { ma += a[k]; mb += b[k]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let k = 0; k < n; k++) {
    const da = a[k] - ma, db = b[k] - mb;
    sab += da * db; saa += da * da; sbb += db * db;
  }
  const d = Math.sqrt(saa * sbb);
  return d > 0 ? sab / d : 0;
}

function sameSize(a: SquareMatrix, b: SquareMatrix, what: string): void {
  if (a.n !== b.n) throw new Error(`${what}: matrices are ${a.n}×${a.n} and ${b.n}×${b.n}; expected the same size`);
}

/**
 * 1 − Pearson correlation over the **strict upper triangle** (i < j) of two FC matrices: each
 * distinct pair once, the zero diagonal left out. The usual FC-fit loss (0 = same pattern, 2 =
 * anticorrelated).
 *
 * @example
 * ```ts
 * import { fcCorrLossUpper } from 'vbt';
 * const a = { data: Float64Array.of(0, .5, .2, .5, 0, .1, .2, .1, 0), n: 3 };
 * fcCorrLossUpper(a, a); // 0
 * ```
 */
export function fcCorrLossUpper(sim: SquareMatrix, emp: SquareMatrix): number {
  sameSize(sim, emp, 'fcCorrLossUpper');
  return 1 - pearson(upperTriangle(sim), upperTriangle(emp));
}

/**
 * 1 − Pearson correlation over **all N² entries** (diagonal and both triangles, as tvboptim's
 * full-matrix variant does). Differs from `fcCorrLossUpper` because every off-diagonal pair
 * counts twice and the diagonal values enter the means.
 *
 * @example
 * ```ts
 * import { fcCorrLossFull, functionalConnectivity } from 'vbt';
 * const sim = Array.from({ length: 100 }, (_, t) => [Math.sin(t / 4), Math.sin(t / 9 + 1), Math.cos(t / 6)]); // [T, N]
 * const emp = sim;
 * fcCorrLossFull(functionalConnectivity(sim), functionalConnectivity(emp)); // 0 when identical
 * ```
 */
export function fcCorrLossFull(sim: SquareMatrix, emp: SquareMatrix): number {
  sameSize(sim, emp, 'fcCorrLossFull');
  return 1 - pearson(sim.data, emp.data);
}

/**
 * Root-mean-square difference over all entries of two equally long arrays (matrices included).
 *
 * @example
 * ```ts
 * import { rmse } from 'vbt';
 * rmse([0, 0], [3, 4]); // sqrt(12.5)
 * ```
 */
export function rmse(a: ArrayLike<number> | SquareMatrix, b: ArrayLike<number> | SquareMatrix): number {
  const x = 'n' in a && 'data' in a ? a.data : (a as ArrayLike<number>);
  const y = 'n' in b && 'data' in b ? b.data : (b as ArrayLike<number>);
  if (x.length !== y.length) throw new Error(`rmse: lengths differ (${x.length} vs ${y.length}); expected equal lengths`);
  if (x.length === 0) throw new Error('rmse: empty input');
  let s = 0;
  for (let k = 0; k < x.length; k++) { const d = x[k] - y[k]; s += d * d; }
  return Math.sqrt(s / x.length);
}

/**
 * Row-wise RMSE of two N×N matrices: entry i is sqrt(mean_j (a_ij − b_ij)²), i.e. how well each
 * node's connectivity profile is matched. `excludeDiagonal` averages over the N−1 off-diagonal
 * entries of each row.
 *
 * @example
 * ```ts
 * import { functionalConnectivity } from 'vbt';
 * import { rowRmse } from 'vbt';
 * const fcSim = functionalConnectivity(Array.from({ length: 100 }, (_, t) => [Math.sin(t / 4), Math.cos(t / 9), Math.cos(t / 6)]));
 * const fcEmp = functionalConnectivity(Array.from({ length: 100 }, (_, t) => [Math.sin(t / 5), Math.cos(t / 8), Math.sin(t / 6)]));
 * rowRmse(fcSim, fcEmp, { excludeDiagonal: true }); // one value per node
 * ```
 */
export function rowRmse(a: SquareMatrix, b: SquareMatrix, opts: { excludeDiagonal?: boolean } = {}): Float64Array {
  sameSize(a, b, 'rowRmse');
  const n = a.n, ex = opts.excludeDiagonal ?? false;
  if (ex && n < 2) throw new Error('rowRmse: excludeDiagonal needs n >= 2');
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) {
      if (ex && i === j) continue;
      const d = a.data[i * n + j] - b.data[i * n + j];
      s += d * d;
    }
    out[i] = Math.sqrt(s / (ex ? n - 1 : n));
  }
  return out;
}
