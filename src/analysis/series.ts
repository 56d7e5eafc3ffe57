/**
 * A multichannel time series as the analysis functions see it: row-major [T, N] float64
 * (time along rows, one column per node/channel). Kept as a flat array with its sizes so that
 * monitor outputs ([B, T, V, N, M]) can be sliced without copying through nested arrays.
 */
export interface Series {
  /** Row-major samples, data[t * n + i]. */
  data: Float64Array;
  /** Number of time points. */
  t: number;
  /** Number of channels (nodes). */
  n: number;
}

/**
 * Wraps and checks a [T, N] series. Accepts a flat array with explicit sizes or an array of rows.
 *
 * @example
 * ```ts
 * import { asSeries } from 'vbt';
 * const s = asSeries([[0, 1], [1, 0], [2, 2]]); // T = 3, N = 2
 * s.data[2 * s.n + 1]; // 2
 * ```
 */
export function asSeries(x: Series | ArrayLike<number>[] | { data: ArrayLike<number>; t: number; n: number }, what = 'series'): Series {
  if (Array.isArray(x)) {
    const t = x.length;
    if (t === 0) throw new Error(`${what}: empty; expected a [T, N] array with T >= 1`);
    const n = x[0].length;
    const data = new Float64Array(t * n);
    for (let k = 0; k < t; k++) {
      const row = x[k];
      if (row.length !== n) throw new Error(`${what}: row ${k} has ${row.length} values; expected ${n} (the length of row 0)`);
      for (let i = 0; i < n; i++) data[k * n + i] = row[i];
    }
    return { data, t, n };
  }
  const s = x as { data: ArrayLike<number>; t: number; n: number };
  if (!Number.isInteger(s.t) || s.t < 0 || !Number.isInteger(s.n) || s.n < 1) {
    throw new Error(`${what}: sizes t=${s.t}, n=${s.n} are invalid; expected integers t >= 0, n >= 1`);
  }
  if (s.data.length !== s.t * s.n) throw new Error(`${what}: data has ${s.data.length} values; expected t*n = ${s.t}*${s.n} = ${s.t * s.n}`);
  const data = s.data instanceof Float64Array ? s.data : Float64Array.from(s.data);
  return { data, t: s.t, n: s.n };
}

/**
 * Extracts one [T, N] series (variable `v`, mode `m`, batch element `b`) from a monitor output of
 * shape [B, T, V, N, M], as returned by `SimulationResult.monitor(name)`.
 *
 * @example
 * ```ts
 * import { monitorSeries } from 'vbt';
 * const mon = { data: new Float64Array(2 * 3), shape: [1, 2, 1, 3, 1] };
 * monitorSeries(mon).t; // 2
 * ```
 */
export function monitorSeries(
  mon: { data: ArrayLike<number>; shape: readonly number[] },
  opts: { b?: number; v?: number; m?: number } = {},
): Series {
  const [B, T, V, N, M] = mon.shape;
  if (mon.shape.length !== 5) throw new Error(`monitorSeries: shape [${mon.shape.join(', ')}] is not [B, T, V, N, M]`);
  const b = opts.b ?? 0, v = opts.v ?? 0, m = opts.m ?? 0;
  if (b < 0 || b >= B) throw new Error(`monitorSeries: batch index b=${b} out of range 0..${B - 1}`);
  if (v < 0 || v >= V) throw new Error(`monitorSeries: variable index v=${v} out of range 0..${V - 1}`);
  if (m < 0 || m >= M) throw new Error(`monitorSeries: mode index m=${m} out of range 0..${M - 1}`);
  const data = new Float64Array(T * N);
  for (let t = 0; t < T; t++) {
    const base = (((b * T + t) * V + v) * N) * M;
    for (let i = 0; i < N; i++) data[t * N + i] = mon.data[base + i * M + m];
  }
  return { data, t: T, n: N };
}
