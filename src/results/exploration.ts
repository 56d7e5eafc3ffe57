/**
 * The outcome of a parameter exploration (tvbo's ExplorationResult): the space, one value per
 * point for every observable, optionally a time series per point, and the views users want from
 * a sweep — the grid shaped like the space, a slice at fixed values of some parameters, the
 * optimum. Persisted in an ExperimentResult netCDF file, or alone as netCDF or (older files) JSON.
 */
import { readFileSync } from 'node:fs';
import { Space, values as valuesAxis, product, type Dim } from '../space/space.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readNetcdf, writeNetcdf, type NcDataset, type NcWriteOptions } from '../io/netcdf.js';
import { LabeledArray } from './labeled.js';
import { getArray, getMeta, putArray, putMeta, resultName } from './sections.js';
import { resultFigures, type ExplorationPlotOptions, type ResultPlotSpec } from './extensions.js';

export const EXPLORATION_SCHEMA = 'vbt-exploration/1';

/** One dimension of the space as tvbo lists it: {name, lo, hi, n, values}. */
export interface ExplorationAxis {
  name: string;
  values: number[];
  lo?: number;
  hi?: number;
  n?: number;
  /** All parameters moving along this dimension (zipped or sampled axes); default [name]. */
  names?: string[];
}

/** The grid view: a LabeledArray shaped like the space, plus per-dimension parameter columns and nested rows. */
export type GridView = LabeledArray & {
  axes: { names: string[]; values: Record<string, number[]> }[];
  /** data as nested arrays (rows of rows), for plotting libraries that want them. */
  nested: unknown[];
};

export interface Optimum {
  flatIndex: number;
  index: number[];
  value: number;
  parameters: Record<string, number>;
}

/** A time series recorded at every point: data [point, time, output, node]. */
export interface PointTimeSeries {
  outputNames: string[];
  /** Sampling period (ms). */
  dt: number;
  time: Float64Array;
  nodes: number;
  data: Float64Array;
}

export interface ExplorationInit {
  name: string;
  space?: Space;
  /** Instead of a space: one axis per dimension (their product). */
  axes?: ExplorationAxis[];
  /** One array per observable, or one array for `observable`. */
  results: Record<string, ArrayLike<number>> | ArrayLike<number>;
  observable?: string;
  metadata?: Record<string, unknown>;
  timeseries?: PointTimeSeries;
}

function nest(data: Float64Array, shape: number[], offset = 0): unknown[] {
  if (shape.length === 1) return Array.from(data.subarray(offset, offset + shape[0]));
  const stride = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, k) => nest(data, shape.slice(1), offset + k * stride));
}

function spaceFromAxes(axes: ExplorationAxis[], where: string): Space {
  if (!axes.length) throw new Error(`${where}: no axes`);
  return product(...axes.map((a) => {
    if (!a.values.length) throw new Error(`${where}: axis '${a.name}' has no values`);
    return a.names && a.names.length > 1 ? new Space([{ kind: 'zip', names: a.names, values: a.names.map(() => Float64Array.from(a.values)) }]) : valuesAxis(a.name, a.values);
  }));
}

/** How the JSON format stores a time series' doubles: their IEEE-754 bytes, so NaN, ±Inf and −0 come back bit for bit. */
const TS_ENCODING = 'float64le-base64';

function f64ToBase64(a: Float64Array): string {
  const bytes = new DataView(new ArrayBuffer(8 * a.length));
  for (let k = 0; k < a.length; k++) bytes.setFloat64(8 * k, a[k], true);
  return Buffer.from(bytes.buffer).toString('base64');
}

/** The doubles of a base64 string; `n` checks their count. */
function f64FromBase64(s: unknown, where: string, n?: number): Float64Array {
  if (typeof s !== 'string') throw new Error(`${where}: expected a base64 string of float64 values`);
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length % 8 !== 0 || (n !== undefined && bytes.length !== 8 * n)) throw new Error(`${where}: ${bytes.length} bytes; expected ${n ?? 'whole'} float64 values${n !== undefined ? ` (${8 * n} bytes)` : ''}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return Float64Array.from({ length: bytes.length / 8 }, (_, k) => view.getFloat64(8 * k, true));
}

function timeseriesToJSON(ts: PointTimeSeries): Record<string, unknown> {
  return { encoding: TS_ENCODING, outputNames: ts.outputNames, dt: ts.dt, nodes: ts.nodes, time: f64ToBase64(ts.time), data: f64ToBase64(ts.data) };
}

/** The JSON form back; the constructor checks data against points × time × outputs × nodes. */
function timeseriesFromJSON(j: unknown, where: string): PointTimeSeries {
  const t = j as Record<string, unknown>;
  if (!t || typeof t !== 'object' || t.encoding !== TS_ENCODING) throw new Error(`${where}: timeseries.encoding ${JSON.stringify(t?.encoding)}; expected '${TS_ENCODING}'`);
  if (!Array.isArray(t.outputNames) || !Number.isInteger(t.nodes) || typeof t.dt !== 'number') throw new Error(`${where}: timeseries needs outputNames (an array), nodes (an integer) and dt (a number)`);
  return { outputNames: t.outputNames.map(String), dt: t.dt, nodes: t.nodes as number, time: f64FromBase64(t.time, `${where}: timeseries.time`), data: f64FromBase64(t.data, `${where}: timeseries.data`) };
}

/**
 * @example
 * ```ts
 * import { ExplorationResult } from 'vbt';
 * import { grid, product } from 'vbt/algorithms';
 * const r = new ExplorationResult('demo', product(grid('a', 0, 1, 2), grid('b', 0, 1, 3)), { loss: Float64Array.of(5, 4, 3, 2, 1, 0) });
 * r.asGrid('loss').nested;          // [[5, 4, 3], [2, 1, 0]]
 * r.optimal('loss').parameters;     // { a: 1, b: 1 }
 * r.slice({ a: 0 }).results.loss;   // [5, 4, 3]
 * new ExplorationResult({ name: 'g', observable: 'fc_corr', axes: [{ name: 'coupling.a', values: [0.1, 0.2] }], results: [0.3, 0.5] });
 * ```
 */
export class ExplorationResult {
  readonly name: string;
  readonly space: Space;
  /** One value per point (C order over the space) for every observable. */
  readonly results: Record<string, Float64Array>;
  readonly metadata: Record<string, unknown>;
  /** A time series per point, when the exploration recorded one. */
  readonly timeseries?: PointTimeSeries;

  constructor(init: ExplorationInit);
  constructor(name: string, space: Space, results: Record<string, Float64Array>, metadata?: Record<string, unknown>, timeseries?: PointTimeSeries);
  constructor(a: string | ExplorationInit, space?: Space, results?: Record<string, Float64Array>, metadata: Record<string, unknown> = {}, timeseries?: PointTimeSeries) {
    const init: ExplorationInit = typeof a === 'string' ? { name: a, space, results: results ?? {}, metadata, timeseries } : a;
    this.name = init.name;
    const where = `ExplorationResult '${init.name}'`;
    this.space = init.space ?? spaceFromAxes(init.axes ?? [], where);
    const r = init.results;
    const named: Record<string, ArrayLike<number>> = typeof (r as ArrayLike<number>).length === 'number' ? { [init.observable ?? 'value']: r as ArrayLike<number> } : (r as Record<string, ArrayLike<number>>);
    this.results = {};
    for (const [k, v] of Object.entries(named)) {
      if (v.length !== this.space.size) throw new Error(`${where}: observable '${k}' has ${v.length} results for a grid of shape [${this.space.shape.join(', ')}] (${this.space.size} points)`);
      this.results[k] = v instanceof Float64Array ? v : Float64Array.from(v);
    }
    this.metadata = init.metadata ?? {};
    if (init.timeseries) {
      const ts = init.timeseries;
      const want = this.space.size * ts.time.length * ts.outputNames.length * ts.nodes;
      if (ts.data.length !== want) throw new Error(`${where}: time series data has ${ts.data.length} values; expected points × time × outputs × nodes = ${want}`);
      this.timeseries = ts;
    }
  }

  get shape(): number[] {
    return this.space.shape;
  }

  get observables(): string[] {
    return Object.keys(this.results);
  }

  /** The first observable (tvbo's single `observable`). */
  get observable(): string {
    return this.observables[0] ?? 'value';
  }

  /** tvbo's axes: one per dimension, named by its first parameter. */
  get axes(): Required<ExplorationAxis>[] {
    return this.space.dims.map((d) => {
      const v = Array.from(d.values[0]);
      return { name: d.names[0], values: v, lo: Math.min(...v), hi: Math.max(...v), n: v.length, names: [...d.names] };
    });
  }

  /** Whether a time series was kept per point (tvbo's is_timeseries). */
  get isTimeseries(): boolean {
    return !!this.timeseries;
  }

  get dt(): number | undefined {
    return this.timeseries?.dt;
  }

  get outputNames(): string[] {
    return this.timeseries?.outputNames ?? this.observables;
  }

  /** One observable's values, flat in C order. */
  values(observable?: string): Float64Array {
    const name = observable ?? this.observable;
    const v = this.results[name];
    if (!v) throw new Error(`ExplorationResult: no observable '${name}'; have ${this.observables.join(', ') || 'none'}`);
    return v;
  }

  /** The time series of one point: [time, output, node]. */
  pointSeries(flatIndex: number): LabeledArray {
    const ts = this.timeseries;
    if (!ts) throw new Error(`ExplorationResult '${this.name}' kept no time series per point`);
    if (!(flatIndex >= 0 && flatIndex < this.space.size)) throw new Error(`ExplorationResult '${this.name}': point ${flatIndex} out of range 0..${this.space.size - 1}`);
    const S = ts.time.length * ts.outputNames.length * ts.nodes;
    return new LabeledArray(ts.data.slice(flatIndex * S, (flatIndex + 1) * S), ['time', 'output', 'node'], { time: Array.from(ts.time), output: ts.outputNames }, { point: JSON.stringify(this.space.point(flatIndex)) }, [ts.time.length, ts.outputNames.length, ts.nodes]);
  }

  /** The observable shaped like the space (dimensions named by their first parameter), with the axis values. */
  asGrid(observable?: string): GridView {
    const name = observable ?? this.observable;
    const data = this.values(name);
    const coords: Record<string, number[]> = {};
    for (const d of this.space.dims) coords[d.names[0]] = Array.from(d.values[0]);
    const grid = new LabeledArray(data, this.space.dims.map((d) => d.names[0]), coords, { observable: name }, this.shape);
    return Object.assign(grid, {
      axes: this.space.dims.map((d) => ({ names: d.names, values: Object.fromEntries(d.names.map((nm, c) => [nm, Array.from(d.values[c])])) })),
      nested: nest(data, this.shape),
    });
  }

  /**
   * Fix some parameters (each to the nearest value on its dimension) and drop those dimensions.
   * Zipped/sampled dimensions are fixed by any one of their names.
   */
  slice(fixed: Record<string, number>): ExplorationResult {
    const dims = this.space.dims;
    const pick = new Array<number>(dims.length).fill(-1);
    for (const [nm, val] of Object.entries(fixed)) {
      const di = dims.findIndex((d) => d.names.includes(nm));
      if (di < 0) throw new Error(`ExplorationResult.slice: '${nm}' is not a parameter of this space (${this.space.names.join(', ')})`);
      const col = dims[di].values[dims[di].names.indexOf(nm)];
      let best = 0;
      for (let k = 1; k < col.length; k++) if (Math.abs(col[k] - val) < Math.abs(col[best] - val)) best = k;
      if (pick[di] >= 0 && pick[di] !== best) throw new Error(`ExplorationResult.slice: '${nm}' = ${val} conflicts with another value fixed on the same dimension`);
      pick[di] = best;
    }
    const keep = dims.map((_, di) => pick[di] < 0);
    const newDims: Dim[] = dims.filter((_, di) => keep[di]);
    const shape = this.shape;
    const size = newDims.map((d) => d.values[0].length).reduce((a, b) => a * b, 1);
    const results: Record<string, Float64Array> = {};
    for (const k of Object.keys(this.results)) results[k] = new Float64Array(size);
    const idx = new Array<number>(dims.length);
    const flats: number[] = [];
    for (let q = 0; q < size; q++) {
      let r = q;
      for (let di = dims.length - 1; di >= 0; di--) {
        if (!keep[di]) { idx[di] = pick[di]; continue; }
        idx[di] = r % shape[di];
        r = Math.floor(r / shape[di]);
      }
      let flat = 0;
      for (let di = 0; di < dims.length; di++) flat = flat * shape[di] + idx[di];
      flats.push(flat);
      for (const k of Object.keys(results)) results[k][q] = this.results[k][flat];
    }
    let ts: PointTimeSeries | undefined;
    if (this.timeseries) {
      const S = this.timeseries.time.length * this.timeseries.outputNames.length * this.timeseries.nodes;
      const data = new Float64Array(size * S);
      flats.forEach((f, q) => data.set(this.timeseries!.data.subarray(f * S, (f + 1) * S), q * S));
      ts = { ...this.timeseries, data };
    }
    const fixedValues = Object.fromEntries(dims.flatMap((d, di) => (keep[di] ? [] : d.names.map((nm, c) => [nm, d.values[c][pick[di]]]))));
    const space = newDims.length ? new Space(newDims) : new Space([{ kind: 'values', names: Object.keys(fixedValues), values: Object.values(fixedValues).map((v) => Float64Array.of(v as number)) }]);
    return new ExplorationResult(this.name, space, results, { ...this.metadata, fixed: fixedValues }, ts);
  }

  /** Best point (NaNs ignored): argmin by default (tvbo's), argmax with mode 'max'. */
  optimal(observable?: string, mode: 'min' | 'max' = 'min'): Optimum {
    const v = this.values(observable);
    let best = -1;
    for (let k = 0; k < v.length; k++) {
      if (!Number.isFinite(v[k])) continue;
      if (best < 0 || (mode === 'min' ? v[k] < v[best] : v[k] > v[best])) best = k;
    }
    if (best < 0) throw new Error(`ExplorationResult.optimal: no finite value of '${observable ?? this.observable}'`);
    return { flatIndex: best, index: this.space.index(best), value: v[best], parameters: this.space.point(best) };
  }

  /**
   * The figure: the observable over one or two parameters (line or heatmap, optimum marked); with
   * time series per point, a grid of small time-series panels.
   */
  async plot(opts: ExplorationPlotOptions = {}): Promise<ResultPlotSpec> {
    return (await resultFigures('ExplorationResult.plot')).explorationPlot(this, opts);
  }

  /** Store under `prefix` in a netCDF dataset: one array per observable, the space and metadata as attributes. */
  toDataset(ds: NcDataset, prefix: string): void {
    const obs = this.observables.map((o) => ({ o, key: resultName(o) }));
    putMeta(ds, prefix, {
      vbt_class: 'ExplorationResult', name: this.name, observable: this.observable, observables: obs.map((x) => [x.o, x.key]),
      space: this.space.toJSON(), metadata: this.metadata, axes: this.axes.map(({ name, lo, hi, n }) => ({ name, lo, hi, n })),
      timeseries: this.timeseries ? { outputNames: this.timeseries.outputNames, dt: this.timeseries.dt, nodes: this.timeseries.nodes } : undefined,
    });
    // the first observable keeps the name 'results' (tvbo's; older vbt files have only this one)
    obs.forEach(({ o, key }, i) => putArray(ds, prefix, i === 0 ? 'results' : `results_${key}`, this.asGrid(o)));
    if (this.timeseries) {
      const ts = this.timeseries;
      const dims = [...this.space.dims.map((d) => d.names[0]), 'time', 'output', 'node'];
      const coords: Record<string, number[] | string[]> = { time: Array.from(ts.time), output: ts.outputNames };
      for (const d of this.space.dims) coords[d.names[0]] = Array.from(d.values[0]);
      putArray(ds, prefix, 'timeseries', new LabeledArray(ts.data, dims, coords, {}, [...this.shape, ts.time.length, ts.outputNames.length, ts.nodes]));
    }
  }

  static fromDataset(ds: NcDataset, prefix: string, file: string): ExplorationResult {
    const meta = getMeta(ds, prefix, 'ExplorationResult', file);
    const first = getArray(ds, prefix, 'results', file);
    let space: Space;
    const results: Record<string, Float64Array> = {};
    if (meta.space) {
      space = Space.fromJSON(meta.space as never);
      (meta.observables as [string, string][]).forEach(([o, key], i) => (results[o] = i === 0 ? first.data : getArray(ds, prefix, `results_${key}`, file).data));
    } else {
      // vbt files before the merge: one observable, axes with values in the coordinates
      space = spaceFromAxes((meta.axes as { name: string }[]).map((a) => ({ name: a.name, values: first.coords[a.name] as number[] })), file);
      results[String(meta.observable)] = first.data;
    }
    let timeseries: PointTimeSeries | undefined;
    if (meta.timeseries) {
      const t = meta.timeseries as { outputNames: string[]; dt: number; nodes: number };
      const a = getArray(ds, prefix, 'timeseries', file);
      timeseries = { outputNames: t.outputNames, dt: t.dt, nodes: t.nodes, time: Float64Array.from(a.coords.time as number[]), data: a.data };
    }
    return new ExplorationResult(String(meta.name), space, results, (meta.metadata as Record<string, unknown>) ?? {}, timeseries);
  }

  toJSON(): Record<string, unknown> {
    return {
      schema: EXPLORATION_SCHEMA,
      name: this.name,
      space: this.space.toJSON(),
      // NaN is not JSON: written as null and read back as NaN
      results: Object.fromEntries(Object.entries(this.results).map(([k, v]) => [k, Array.from(v, (x) => (Number.isFinite(x) ? x : null))])),
      metadata: this.metadata,
      ...(this.timeseries ? { timeseries: timeseriesToJSON(this.timeseries) } : {}),
    };
  }

  /**
   * `.json` (the older format, still read) or netCDF-4 (`.nc`/`.h5`); written atomically. Both keep
   * the time series per point bit for bit (JSON as base64 of the float64 bytes).
   */
  async save(path: string, opts: NcWriteOptions = {}): Promise<void> {
    if (path.toLowerCase().endsWith('.json')) { writeFileAtomic(path, JSON.stringify(this.toJSON())); return; }
    const ds: NcDataset = { dims: [], variables: [], attrs: { vbt_class: 'ExplorationResult', vbt_schema_version: 'vbt-result/1.0' } };
    this.toDataset(ds, 'exploration');
    await writeNetcdf(path, ds, opts);
  }

  static fromJSON(j: Record<string, unknown>, where = 'ExplorationResult'): ExplorationResult {
    if (j.schema !== EXPLORATION_SCHEMA) throw new Error(`${where}: schema ${JSON.stringify(j.schema)}; expected ${EXPLORATION_SCHEMA}`);
    const res = j.results as Record<string, (number | null)[]>;
    if (!res || typeof res !== 'object') throw new Error(`${where}: missing 'results'`);
    const results = Object.fromEntries(Object.entries(res).map(([k, v]) => [k, Float64Array.from(v, (x) => (x === null ? NaN : x))]));
    const ts = j.timeseries === undefined ? undefined : timeseriesFromJSON(j.timeseries, where);
    try {
      return new ExplorationResult(String(j.name ?? ''), Space.fromJSON(j.space as never), results, (j.metadata as Record<string, unknown>) ?? {}, ts);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  }

  /** Reads the JSON format synchronously. */
  static load(path: string): ExplorationResult {
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`ExplorationResult.load: cannot read ${path}: ${(e as Error).message}`);
    }
    return ExplorationResult.fromJSON(j, path);
  }

  /** Reads either format (JSON or netCDF). */
  static async fromFile(path: string): Promise<ExplorationResult> {
    if (path.toLowerCase().endsWith('.json')) return ExplorationResult.load(path);
    return ExplorationResult.fromDataset(await readNetcdf(path), 'exploration', path);
  }
}
