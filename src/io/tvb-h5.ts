/**
 * TVB's framework H5 files (DATA_VERSION 5): Connectivity and TimeSeriesRegion, written so that
 * TVB's own `h5.load_with_links` and the web GUI's "TVB HDF5" importer take them, and read back.
 * Attribute names are `TVB_` + field name (lower case), strings are vlen UTF-8, booleans are the
 * strings `bool:True`/`bool:False`, references are `urn:uuid:` GIDs. The time-series file also
 * carries netCDF dimension scales, so xarray opens the same file.
 *
 * @example
 * ```ts
 * import { simulate, readTvbConnectivityZip, writeTvbExport, readTvbH5 } from 'vbt';
 * const conn = readTvbConnectivityZip('../shared/data/tvb/connectivity_76.zip');
 * const res = await simulate({ model: 'Generic2dOscillator', connectivity: conn, integrator: { dt: 0.1 }, duration: 10,
 *   monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * const ts = res.withNetwork(conn).toTimeSeries();
 * const { connectivityPath, timeSeriesPath } = await writeTvbExport('out/tvb', ts, conn);
 * const back = await readTvbH5(timeSeriesPath); // { kind: 'TimeSeriesRegion', timeSeries, ... }
 * ```
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Connectivity } from '../network/connectivity.js';
import { TimeSeries } from '../results/timeseries.js';
import { ExperimentResult } from '../results/experiment.js';
import { registerTvbExperimentReader } from '../results/extensions.js';
import type { WriteOptions } from './atomic.js';
import { attrOpt, captureHdf5Errors, h5, has, putAttr, readNumeric, readStrings, withH5, writeH5Atomic, type H5Dataset, type H5File, type H5Group } from './h5.js';
import { convertToBoolEnums, objectAddress } from './h5-enum.js';
import { ncDimensionMarker } from './netcdf.js';
import type { Provenance } from '../provenance/index.js';

export const TVB_DATA_VERSION = 5;
export const TVB_WRITTEN_BY = {
  Connectivity: 'tvb.adapters.datatypes.h5.connectivity_h5.ConnectivityH5',
  TimeSeriesRegion: 'tvb.adapters.datatypes.h5.time_series_h5.TimeSeriesRegionH5',
  TimeSeries: 'tvb.adapters.datatypes.h5.time_series_h5.TimeSeriesH5',
} as const;

/** A fresh TVB GID: `urn:uuid:` + a random UUID. */
export function newTvbGid(): string {
  return `urn:uuid:${randomUUID()}`;
}

/** The 32-hex form used in TVB file names (`Connectivity_<hex>.h5`). */
export function gidHex(gid: string): string {
  const hex = gid.replace(/^urn:uuid:/, '').replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`'${gid}' is not a TVB GID (expected urn:uuid:<uuid>)`);
  return hex;
}

function normalizeGid(gid: string): string {
  const hex = gidHex(gid);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** TVB's create_date text: `%Y-%m-%d,%H-%M-%S.%f` (ISO-8601 is rejected by TVB's reader). */
export function tvbDate(d: Date = new Date()): string {
  const p = (x: number, w = 2) => String(x).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())},${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}

const tvbBool = (b: boolean) => (b ? 'bool:True' : 'bool:False');

/** TVB's Python json.dumps text (", " and ": " separators) for lists/dicts of strings. */
export function pyJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}

/** TVB's Is_nan: true when any of the datatype's numeric arrays holds a NaN. */
export function anyNan(...arrays: ArrayLike<number>[]): boolean {
  for (const a of arrays) for (let k = 0; k < a.length; k++) if (Number.isNaN(a[k])) return true;
  return false;
}

function writeCommon(f: H5File, writtenBy: string, gid: string, state = '', isNan = false): void {
  putAttr.i32(f, 'TVB_Data_version', TVB_DATA_VERSION);
  putAttr.str(f, 'TVB_written_by', writtenBy);
  putAttr.str(f, 'TVB_gid', gid);
  putAttr.str(f, 'TVB_create_date', tvbDate());
  putAttr.str(f, 'TVB_invalid', tvbBool(false));
  putAttr.str(f, 'TVB_is_nan', tvbBool(isNan));
  putAttr.str(f, 'TVB_visible', tvbBool(true));
  putAttr.str(f, 'TVB_subject', '');
  putAttr.str(f, 'TVB_state', state);
  for (let k = 1; k <= 5; k++) putAttr.str(f, `TVB_user_tag_${k}`, '');
  putAttr.str(f, 'TVB_operation_tag', '');
}

/** TVB's per-dataset statistics (viewers take colour ranges from min/max). */
function writeStats(d: H5Dataset, a: ArrayLike<number>): void {
  let min = Infinity, max = -Infinity, sum = 0, finite = true;
  for (let k = 0; k < a.length; k++) {
    const v = a[k];
    if (!Number.isFinite(v)) finite = false;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  putAttr.f64(d, 'TVB_Minimum', a.length ? min : 0);
  putAttr.f64(d, 'TVB_Maximum', a.length ? max : 0);
  putAttr.f64(d, 'TVB_Mean', a.length ? sum / a.length : 0);
  putAttr.str(d, 'TVB_IsFinite', tvbBool(finite));
  putAttr.str(d, 'TVB_HasComplex', tvbBool(false));
}

function writeStringStats(d: H5Dataset): void {
  for (const k of ['TVB_Minimum', 'TVB_Maximum', 'TVB_Mean']) putAttr.str(d, k, '');
}

function f64(f: H5Group, name: string, data: ArrayLike<number>, shape: number[]): H5Dataset {
  const d = f.create_dataset({ name, data: Float64Array.from(data), shape, dtype: '<d' });
  writeStats(d, data);
  return d;
}

/** A dataset written as int8 that becomes a boolean enumeration once the file is closed. */
export interface PendingBool { name: string; address: number; values: boolean[] }

/**
 * Fill an open file with a TVB Connectivity. `cortical` and `hemispheres` are written as int8 and
 * returned: TVB reads them only as HDF5 boolean enumerations (what h5py writes for numpy bool;
 * uint8/int8 are rejected), which h5wasm cannot create, so after closing the file the caller turns
 * them into enumerations with `convertToBoolEnums` (writeTvbConnectivityH5 does).
 */
export function fillTvbConnectivity(f: H5File, conn: Connectivity, gid: string): PendingBool[] {
  const n = conn.n;
  writeCommon(f, TVB_WRITTEN_BY.Connectivity, gid, '', anyNan(conn.weights, conn.tractLengths, conn.centres, conn.areas, conn.orientations));
  putAttr.i64(f, 'TVB_number_of_regions', n);
  putAttr.i64(f, 'TVB_number_of_connections', conn.numberOfConnections);
  putAttr.str(f, 'TVB_saved_selection', '[]');
  putAttr.str(f, 'TVB_undirected', tvbBool(conn.undirected));
  f64(f, 'weights', conn.weights, [n, n]);
  f64(f, 'tract_lengths', conn.tractLengths, [n, n]);
  const centres = conn.centres.length ? conn.centres : new Float64Array(3 * n);
  f64(f, 'centres', centres, [n, 3]);
  writeStringStats(f.create_dataset({ name: 'region_labels', data: [...conn.labels], shape: [n] }));
  if (conn.orientations.length) f64(f, 'orientations', conn.orientations, [n, 3]);
  if (conn.areas.length) f64(f, 'areas', conn.areas, [n]);
  const pending: PendingBool[] = [];
  for (const [name, values] of [['cortical', conn.cortical], ['hemispheres', conn.hemispheres]] as const) {
    if (values.length !== n) continue;
    // no attributes on these: the enumeration needs the header's free space (TVB's loader reads none)
    const d = f.create_dataset({ name, data: Int8Array.from(values, Number), shape: [n], dtype: '|b1' });
    pending.push({ name, address: objectAddress(d), values: [...values] });
  }
  return pending;
}

/** Reopen a closed file and confirm each converted dataset reads as {FALSE: 0, TRUE: 1} with its values. */
function checkBools(lib: Awaited<ReturnType<typeof h5>>, tmp: string, path: string, pending: PendingBool[]): void {
  captureHdf5Errors(path, () => {
    const g = new lib.File(tmp, 'r');
    try {
      for (const p of pending) {
        const d = g.get(p.name) as H5Dataset;
        const e = d.metadata.enum_type;
        if (d.metadata.type !== 8 || !e || e.nmembers !== 2 || e.members.FALSE !== 0 || e.members.TRUE !== 1) {
          throw new Error(`${path}: dataset '${p.name}' does not read back as a boolean enumeration (${JSON.stringify(d.metadata)})`);
        }
        const v = Array.from(d.value as Int8Array, (x) => x !== 0);
        if (v.length !== p.values.length || v.some((x, k) => x !== p.values[k])) throw new Error(`${path}: dataset '${p.name}' reads back different values`);
      }
    } finally {
      g.close();
    }
  });
}

export interface TvbWriteOptions extends WriteOptions {
  /** GID to store the datatype under (default: a new random one). */
  gid?: string;
}

/** Write `Connectivity` as a TVB H5 file; returns its GID. */
export async function writeTvbConnectivityH5(path: string, conn: Connectivity, opts: TvbWriteOptions = {}): Promise<string> {
  const gid = normalizeGid(opts.gid ?? newTvbGid());
  const lib = await h5();
  let pending: PendingBool[] = [];
  await writeH5Atomic(path, (f) => { pending = fillTvbConnectivity(f, conn, gid); }, {
    ...opts,
    afterClose: (tmp) => {
      convertToBoolEnums(tmp, pending, path);
      checkBools(lib, tmp, path, pending);
    },
  });
  return gid;
}

export interface TvbTimeSeriesWriteOptions extends TvbWriteOptions {
  /** GID of the Connectivity this region series refers to (required by TVB for TimeSeriesRegion). */
  connectivityGid?: string;
  /**
   * How the series was made, stored as the root attribute `vbt_provenance` (JSON; TVB ignores attributes it does
   * not know), with the monitor it is (`vbt_monitor`, `vbt_monitor_index`), so `vbt rerun` can make it again.
   */
  provenance?: Provenance;
  monitor?: { name: string; index: number };
}

/** What a vbt-written TVB time series says about its making (absent from files vbt did not write). */
export interface TvbVbtProvenance {
  provenance: Provenance;
  monitor?: { name: string; index: number };
}

/** Fill an open file with a TVB TimeSeriesRegion (or plain TimeSeries when no connectivity GID). */
export function fillTvbTimeSeries(f: H5File, ts: TimeSeries, gid: string, connectivityGid?: string, made?: TvbVbtProvenance): void {
  const [T, V, N, M] = ts.shape;
  const region = connectivityGid !== undefined;
  writeCommon(f, region ? TVB_WRITTEN_BY.TimeSeriesRegion : TVB_WRITTEN_BY.TimeSeries, gid, '', anyNan(ts.data, ts.time));
  putAttr.str(f, 'TVB_title', ts.title || 'vbt time series');
  const ordering = region ? ['Time', 'State Variable', 'Region', 'Mode'] : ts.labelsOrdering;
  putAttr.str(f, 'TVB_labels_ordering', pyJson(ordering));
  putAttr.str(f, 'TVB_labels_dimensions', pyJson({ [ordering[1]]: ts.variables, [ordering[2]]: ts.regions }));
  putAttr.f64(f, 'TVB_sample_period', ts.samplePeriod);
  putAttr.str(f, 'TVB_sample_period_unit', ts.samplePeriodUnit);
  putAttr.f64(f, 'TVB_start_time', ts.startTime);
  putAttr.f64(f, 'TVB_sample_rate', ts.samplePeriodUnit === 'ms' ? 1000 / ts.samplePeriod : ts.sampleRate);
  putAttr.i64(f, 'TVB_nr_dimensions', 4);
  if (region) putAttr.str(f, 'TVB_connectivity', normalizeGid(connectivityGid));
  // netCDF wiring: TVB ignores these extra scales, xarray needs them for named dimensions
  const time = f.create_dataset({ name: 'time', data: Float64Array.from(ts.time), shape: [T], dtype: '<d' });
  writeStats(time, ts.time);
  time.make_scale('time');
  putAttr.str(time, 'units', ts.samplePeriodUnit);
  const sv = f.create_dataset({ name: 'state_variable', data: [...ts.variables], shape: [V] });
  sv.make_scale('state_variable');
  const rg = f.create_dataset({ name: 'region', data: [...ts.regions], shape: [N] });
  rg.make_scale('region');
  const mode = f.create_dataset({ name: 'mode', data: new Float32Array(M), shape: [M], dtype: '<f' });
  mode.make_scale(ncDimensionMarker(M));
  const data = f.create_dataset({ name: 'data', data: ts.data instanceof Float64Array ? ts.data : Float64Array.from(ts.data), shape: [T, V, N, M], dtype: '<d' });
  writeStats(data, ts.data);
  data.attach_scale(0, 'time');
  data.attach_scale(1, 'state_variable');
  data.attach_scale(2, 'region');
  data.attach_scale(3, 'mode');
  const u = ts.units.data;
  const vals = typeof u === 'string' ? [u] : ts.variables.map((v) => u[v] ?? 'a.u.');
  putAttr.str(data, 'units', vals.every((x) => x === vals[0]) ? vals[0] : 'a.u.');
  if (made) {
    putAttr.str(f, 'vbt_provenance', JSON.stringify(made.provenance));
    if (made.monitor) {
      putAttr.str(f, 'vbt_monitor', made.monitor.name);
      putAttr.i64(f, 'vbt_monitor_index', made.monitor.index);
    }
  }
}

/** Write a TimeSeries as TVB H5 (TimeSeriesRegion when `connectivityGid` is given); returns its GID. */
export async function writeTvbTimeSeriesH5(path: string, ts: TimeSeries, opts: TvbTimeSeriesWriteOptions = {}): Promise<string> {
  const gid = normalizeGid(opts.gid ?? ts.gid ?? newTvbGid());
  const made = opts.provenance ? { provenance: opts.provenance, monitor: opts.monitor } : undefined;
  await writeH5Atomic(path, (f) => fillTvbTimeSeries(f, ts, gid, opts.connectivityGid, made), opts);
  return gid;
}

/**
 * What TVB's GUI import needs for a region time series: the Connectivity (import it first) and
 * the TimeSeriesRegion that references its GID, as `Connectivity_<gid>.h5` and
 * `TimeSeriesRegion_<gid>.h5` in `dir`.
 */
export async function writeTvbExport(dir: string, ts: TimeSeries, conn: Connectivity, opts: { connectivityGid?: string; gid?: string } = {}): Promise<{ connectivityPath: string; timeSeriesPath: string; connectivityGid: string; gid: string }> {
  if (conn.n !== ts.shape[2]) throw new Error(`TVB export: connectivity has ${conn.n} regions but the time series has ${ts.shape[2]}`);
  const connectivityGid = normalizeGid(opts.connectivityGid ?? newTvbGid());
  const gid = normalizeGid(opts.gid ?? ts.gid ?? newTvbGid());
  const connectivityPath = join(dir, `Connectivity_${gidHex(connectivityGid)}.h5`);
  const timeSeriesPath = join(dir, `TimeSeriesRegion_${gidHex(gid)}.h5`);
  await writeTvbConnectivityH5(connectivityPath, conn, { gid: connectivityGid });
  await writeTvbTimeSeriesH5(timeSeriesPath, ts, { gid, connectivityGid });
  return { connectivityPath, timeSeriesPath, connectivityGid, gid };
}

export type TvbH5Content =
  | { kind: 'Connectivity'; gid: string; connectivity: Connectivity }
  | { kind: 'TimeSeriesRegion' | 'TimeSeries'; gid: string; timeSeries: TimeSeries; connectivityGid?: string; vbt?: TvbVbtProvenance };

function parseJsonAttr(f: H5Group, name: string, file: string): unknown {
  const v = attrOpt(f, name);
  if (v === undefined) throw new Error(`${file}: missing attribute '${name}'`);
  try {
    return JSON.parse(String(v));
  } catch (e) {
    throw new Error(`${file}: attribute ${name} is not valid JSON: ${(e as Error).message}`);
  }
}

function readBools(f: H5Group, name: string, file: string): boolean[] {
  if (!has(f, name)) return [];
  return Array.from(readNumeric(f, name, file).data, (x) => x !== 0);
}

function checkVersion(f: H5Group, file: string): string {
  const version = attrOpt(f, 'TVB_Data_version');
  if (version === undefined) throw new Error(`${file}: not a TVB H5 file (no TVB_Data_version attribute)`);
  if (Number(version) !== TVB_DATA_VERSION) throw new Error(`${file}: TVB data version ${String(version)} is not supported; vbt reads version ${TVB_DATA_VERSION} (TVB ≥ 2.0 layout)`);
  const by = attrOpt(f, 'TVB_written_by');
  if (typeof by !== 'string') throw new Error(`${file}: missing attribute TVB_written_by`);
  return by;
}

function readConnectivityFrom(f: H5Group, file: string): Connectivity {
  const w = readNumeric(f, 'weights', file);
  const n = w.shape[0];
  if (w.shape.length !== 2 || w.shape[1] !== n) throw new Error(`${file}: /weights has shape [${w.shape.join(', ')}], expected square`);
  const tl = readNumeric(f, 'tract_lengths', file);
  if (tl.data.length !== n * n) throw new Error(`${file}: /tract_lengths has shape [${tl.shape.join(', ')}], expected [${n}, ${n}]`);
  const centres = readNumeric(f, 'centres', file);
  if (centres.data.length !== 3 * n) throw new Error(`${file}: /centres has shape [${centres.shape.join(', ')}], expected [${n}, 3]`);
  return new Connectivity({
    n,
    weights: w.data,
    tractLengths: tl.data,
    centres: centres.data,
    labels: readStrings(f, 'region_labels', file),
    orientations: has(f, 'orientations') ? readNumeric(f, 'orientations', file).data : undefined,
    areas: has(f, 'areas') ? readNumeric(f, 'areas', file).data : undefined,
    cortical: readBools(f, 'cortical', file),
    hemispheres: readBools(f, 'hemispheres', file),
    source: file,
  });
}

/** Read a TVB Connectivity H5 file. */
export async function readTvbConnectivityH5(path: string): Promise<Connectivity> {
  const c = await readTvbH5(path);
  if (c.kind !== 'Connectivity') throw new Error(`${path}: holds a ${c.kind}, not a Connectivity`);
  return c.connectivity;
}

/** Read a TVB H5 file (Connectivity, TimeSeriesRegion or TimeSeries), recognised by TVB_written_by. */
export async function readTvbH5(path: string, opts: { connectivity?: Connectivity } = {}): Promise<TvbH5Content> {
  return withH5(path, (f) => {
    const by = checkVersion(f, path);
    const gid = String(attrOpt(f, 'TVB_gid') ?? '');
    if (by === TVB_WRITTEN_BY.Connectivity) return { kind: 'Connectivity', gid, connectivity: readConnectivityFrom(f, path) };
    if (by !== TVB_WRITTEN_BY.TimeSeriesRegion && by !== TVB_WRITTEN_BY.TimeSeries) {
      throw new Error(`${path}: TVB datatype ${by.split('.').pop()} is not supported (vbt reads ConnectivityH5, TimeSeriesRegionH5, TimeSeriesH5)`);
    }
    const data = readNumeric(f, 'data', path);
    const shape = [...data.shape];
    while (shape.length < 4) shape.push(1);
    if (shape.length !== 4) throw new Error(`${path}: /data has ${data.shape.length} dimensions; expected up to 4 (time, state variable, space, mode)`);
    const ordering = parseJsonAttr(f, 'TVB_labels_ordering', path) as string[];
    const dimsLabels = parseJsonAttr(f, 'TVB_labels_dimensions', path) as Record<string, string[]>;
    const period = Number(attrOpt(f, 'TVB_sample_period'));
    const unit = String(attrOpt(f, 'TVB_sample_period_unit') ?? 'ms');
    const start = Number(attrOpt(f, 'TVB_start_time') ?? 0);
    const time = has(f, 'time') ? readNumeric(f, 'time', path).data : undefined;
    const connectivityGid = attrOpt(f, 'TVB_connectivity') as string | undefined;
    const net = opts.connectivity && opts.connectivity.n === shape[2] ? opts.connectivity : undefined;
    const units = has(f, 'data') ? (f.get('data') as H5Dataset).attrs.units?.value : undefined;
    const timeSeries = new TimeSeries({
      data: data.data,
      shape: shape as [number, number, number, number],
      time: time && time.length === shape[0] ? time : undefined,
      samplePeriod: period,
      samplePeriodUnit: unit,
      startTime: start,
      variables: dimsLabels[ordering[1]]?.length === shape[1] ? dimsLabels[ordering[1]] : undefined,
      regions: dimsLabels[ordering[2]]?.length === shape[2] ? dimsLabels[ordering[2]] : net?.labels,
      labelsOrdering: ordering,
      title: String(attrOpt(f, 'TVB_title') ?? ''),
      units: typeof units === 'string' ? { time: unit, data: units } : undefined,
      network: net,
      gid,
    });
    const prov = attrOpt(f, 'vbt_provenance');
    let vbt: TvbVbtProvenance | undefined;
    if (prov !== undefined) {
      const provenance = parseJsonAttr(f, 'vbt_provenance', path) as Provenance;
      if (!provenance || typeof provenance !== 'object' || typeof provenance.schema !== 'string') throw new Error(`${path}: attribute vbt_provenance is not a vbt provenance record (no schema)`);
      const name = attrOpt(f, 'vbt_monitor');
      const index = attrOpt(f, 'vbt_monitor_index');
      vbt = { provenance, ...(typeof name === 'string' && index !== undefined ? { monitor: { name, index: Number(index) } } : {}) };
    }
    return { kind: by === TVB_WRITTEN_BY.TimeSeriesRegion ? 'TimeSeriesRegion' : 'TimeSeries', gid, timeSeries, connectivityGid, ...(vbt ? { vbt } : {}) } as TvbH5Content;
  });
}

/**
 * TVB's own H5 files as an ExperimentResult (tvbo's from_tvb, also `ExperimentResult.fromTvb`):
 * TimeSeriesRegion/TimeSeries files as monitors, and the Connectivity H5 they were simulated on
 * (labels and network for export and plots).
 */
export async function readTvbExperiment(timeSeries: string | string[], opts: { connectivity?: string; id?: string } = {}): Promise<ExperimentResult> {
  const conn = opts.connectivity ? await readTvbConnectivityH5(opts.connectivity) : undefined;
  const out: Record<string, TimeSeries> = {};
  for (const p of Array.isArray(timeSeries) ? timeSeries : [timeSeries]) {
    const c = await readTvbH5(p, { connectivity: conn });
    if (c.kind === 'Connectivity') throw new Error(`${p}: a Connectivity; pass it as opts.connectivity and the time series files first`);
    const name = (c.timeSeries.title.replace(/^Simulation:\s*/, '').replace(/[^A-Za-z0-9_]/g, '_') || c.kind).replace(/^([^A-Za-z])/, 'ts_$1');
    out[out[name] ? `${name}_${Object.keys(out).length}` : name] = c.timeSeries;
  }
  const r = ExperimentResult.fromTimeseries(out, { id: opts.id ?? 'tvb' });
  const sources = { ...r.dataSources };
  (Array.isArray(timeSeries) ? timeSeries : [timeSeries]).forEach((p, k) => (sources[Object.keys(out)[k]] = p));
  if (opts.connectivity) sources.connectivity = opts.connectivity;
  return new ExperimentResult({ id: r.id, integration: r.integration, dataSources: sources });
}

// io sits above the results: ExperimentResult.fromTvb reaches this reader through the registration
registerTvbExperimentReader(readTvbExperiment);
