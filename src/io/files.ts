/**
 * One place that knows every file kind vbt reads and writes: writing a SimulationResult in a chosen
 * format (hdf5, netcdf, tvb, bids, json), reading results and connectivities from any supported
 * file, converting connectivities between TVB ZIP, TVB H5 and Network YAML+HDF5, and a one-screen
 * summary of any file (`vbt info`).
 *
 * @example
 * ```ts
 * import { simulate } from 'vbt';
 * import { writeSimulationResult, describeFile } from 'vbt';
 * const res = await simulate({ model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 20, monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * await writeSimulationResult(res, 'out/run.nc');            // format from the extension
 * await writeSimulationResult(res, 'out/tvb', { format: 'tvb' });
 * console.log(await describeFile('out/run.nc'));
 * ```
 */
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { unzipSync } from 'fflate';
import yaml from 'js-yaml';
import { SimulationResult, type MonitorOutput } from '../results/simulation.js';
import { Connectivity } from '../network/connectivity.js';
import { readTvbConnectivityZip } from '../network/tvb-zip.js';
import { writeTvbConnectivityZip } from '../network/tvb-zip-write.js';
import { Network } from '../network/network.js';
import { SYNTHETIC_NAME, syntheticConnectome } from '../network/synthetic.js';
import { ExperimentResult } from '../results/experiment.js';
import { noteInput, writeFileAtomic, type WriteOptions } from './atomic.js';
import { exportBids } from './bids.js';
import { isDataset, isGroup, withH5, type H5Group } from './h5.js';
import { readNpy, readNpz, type NpyArray } from './npy.js';
import { gidHex, newTvbGid, readTvbH5, writeTvbConnectivityH5, writeTvbTimeSeriesH5 } from './tvb-h5.js';
import { getModel } from '../models/catalogue.js';

export type ResultFormat = 'hdf5' | 'netcdf' | 'tvb' | 'bids' | 'json';
export const RESULT_FORMATS: ResultFormat[] = ['hdf5', 'netcdf', 'tvb', 'bids', 'json'];

/** The format named, or the one the extension implies (.h5/.hdf5, .nc, .json); directories need a name. */
export function inferResultFormat(path: string, format?: string): ResultFormat {
  if (format !== undefined) {
    const f = format.toLowerCase() === 'h5' ? 'hdf5' : format.toLowerCase() === 'nc' ? 'netcdf' : format.toLowerCase();
    if (!RESULT_FORMATS.includes(f as ResultFormat)) throw new Error(`--format '${format}' is not one of ${RESULT_FORMATS.join(', ')}`);
    return f as ResultFormat;
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.h5' || ext === '.hdf5') return 'hdf5';
  if (ext === '.nc' || ext === '.nc4') return 'netcdf';
  if (ext === '.json') return 'json';
  throw new Error(`cannot tell the output format from '${path}' (extension '${ext || 'none'}'): use .h5, .nc or .json, or pass --format ${RESULT_FORMATS.join('|')} (tvb and bids write into a folder)`);
}

/** The network of a result: the attached one, or the synthetic connectome when that is what ran. */
function networkOf(res: SimulationResult): Connectivity {
  if (res.network) return res.network;
  const n = res.info.nodeLabels.length;
  if (res.info.connectivity === SYNTHETIC_NAME) {
    const c = syntheticConnectome({ nodes: n });
    if (c.labels.every((l, i) => l === res.info.nodeLabels[i])) return c;
  }
  throw new Error(`this export needs the connectivity the run used ('${res.info.connectivity}'); attach it with result.withNetwork(conn) (CLI: --connectivity FILE)`);
}

export interface WriteResultOptions extends WriteOptions {
  format?: string;
  /** Monitor to export for TVB (default: every monitor that records all regions, one file each). */
  monitor?: string | number;
  /** BIDS entities. */
  subject?: string;
  session?: string;
  description?: string;
}

/** Write a SimulationResult; returns the paths written. */
export async function writeSimulationResult(res: SimulationResult, path: string, opts: WriteResultOptions = {}): Promise<string[]> {
  const format = inferResultFormat(path, opts.format);
  switch (format) {
    case 'hdf5':
    case 'netcdf':
      await res.save(path, { overwrite: opts.overwrite, inputs: opts.inputs });
      return [path];
    case 'json':
      writeFileAtomic(path, JSON.stringify(res.toJSON()), opts);
      return [path];
    case 'tvb': {
      // one Connectivity, and one TimeSeriesRegion per per-region monitor, all linked to it by GID
      const conn = networkOf(res);
      if (!res.network) res.withNetwork(conn);
      const picked = opts.monitor !== undefined ? [res.monitors.indexOf(res.monitor(opts.monitor))] : res.monitors.map((_, k) => k).filter((k) => res.monitors[k].shape[3] === conn.n);
      if (!picked.length) throw new Error(`--format tvb: no monitor records the ${conn.n} regions a TVB TimeSeriesRegion needs (monitors: ${res.monitors.map((m) => `${m.name} with ${m.shape[3]} nodes`).join(', ')})`);
      for (const k of picked) {
        const m = res.monitors[k];
        if (m.shape[3] !== conn.n) throw new Error(`--format tvb: monitor ${m.name} has ${m.shape[3]} nodes, not the ${conn.n} regions TVB's TimeSeriesRegion needs; pick a per-region monitor`);
      }
      const connectivityGid = newTvbGid();
      const written: string[] = [];
      const connectivityPath = join(path, `Connectivity_${gidHex(connectivityGid)}.h5`);
      await writeTvbConnectivityH5(connectivityPath, conn, { gid: connectivityGid, inputs: opts.inputs });
      written.push(connectivityPath);
      try {
        for (const k of picked) {
          const gid = newTvbGid();
          const p = join(path, `TimeSeriesRegion_${gidHex(gid)}.h5`);
          await writeTvbTimeSeriesH5(p, res.toTimeSeries(k), { gid, connectivityGid, inputs: opts.inputs, provenance: res.info.provenance, monitor: { name: res.monitors[k].name, index: k } });
          written.push(p);
        }
      } catch (e) {
        for (const w of written) rmSync(w, { force: true });
        throw e;
      }
      return written;
    }
    case 'bids': {
      const exp = new ExperimentResult({ id: res.info.model, integration: res.network ? res : res.withNetwork(networkOf(res)) });
      const files = await exp.export(path, { subject: opts.subject ?? '01', session: opts.session, description: opts.description });
      return files.map((f) => join(path, f));
    }
  }
}

/** Rebuild a SimulationResult from vbt's JSON (`toJSON`). */
export function simulationResultFromJSON(obj: unknown, file = '<json>'): SimulationResult {
  const o = obj as { info?: Record<string, unknown>; monitors?: Record<string, unknown>[] };
  if (!o || typeof o !== 'object' || !o.info || !Array.isArray(o.monitors)) throw new Error(`${file}: not a vbt simulation result (expected {info, monitors})`);
  const monitors: MonitorOutput[] = o.monitors.map((m, k) => {
    const shape = m.shape as number[];
    const data = Float64Array.from(m.data as number[]);
    if (!Array.isArray(shape) || shape.length !== 5 || shape.reduce((a, b) => a * b, 1) !== data.length) throw new Error(`${file}: monitor ${k} has shape ${JSON.stringify(shape)} that does not match its ${data.length} values`);
    return { name: String(m.name), period: Number(m.period), time: Float64Array.from(m.time as number[]), data, shape: shape as MonitorOutput['shape'], variables: (m.variables as string[]) ?? [] };
  });
  const info = o.info as unknown as SimulationResult['info'];
  const res = new SimulationResult(monitors, { ...info, finalState: Float64Array.from((o.info.finalState as number[]) ?? []) });
  const g = (o as { surface?: { vertices: number[]; triangles: number[]; regionMapping: number[]; regionLabels?: string[] } }).surface;
  if (g) res.surface = { vertices: Float64Array.from(g.vertices), triangles: Int32Array.from(g.triangles), regionMapping: Int32Array.from(g.regionMapping), regionLabels: g.regionLabels };
  return res;
}

/** Read a SimulationResult from .nc/.h5 (vbt layout) or .json. */
export async function readSimulationResult(path: string): Promise<SimulationResult> {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  noteInput(path);
  if (extname(path).toLowerCase() === '.json') {
    let obj: unknown;
    try {
      obj = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`${path}: not valid JSON: ${(e as Error).message}`);
    }
    return simulationResultFromJSON(obj, path);
  }
  return SimulationResult.fromFile(path);
}

/** Connectivity from dk_average-style .npz (weights, lengths or tract_lengths, region_labels, centres). */
export function connectivityFromNpz(path: string): Connectivity {
  const z = readNpz(path);
  const w = z.weights;
  if (!w) throw new Error(`${path}: no 'weights' array (arrays: ${Object.keys(z).join(', ')})`);
  if (w.shape.length !== 2 || w.shape[0] !== w.shape[1]) throw new Error(`${path}: weights have shape [${w.shape.join(', ')}], expected square`);
  const num = (a: NpyArray | undefined, what: string) => {
    if (!a) return undefined;
    if (!(a.data instanceof Float64Array)) throw new Error(`${path}: '${what}' is not numeric`);
    return a.data;
  };
  const labels = z.region_labels ?? z.labels;
  return new Connectivity({
    weights: num(w, 'weights')!,
    tractLengths: num(z.lengths ?? z.tract_lengths, 'lengths'),
    centres: num(z.centres ?? z.centers, 'centres'),
    labels: labels ? (labels.data as string[]) : undefined,
    name: path.replace(/^.*\//, '').replace(/\.npz$/, ''),
    source: path,
  });
}

/** A Connectivity from a TVB ZIP, TVB Connectivity H5, Network sidecar/companion, or .npz. */
export async function readAnyConnectivity(path: string): Promise<Connectivity> {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  noteInput(path);
  if (/\.ya?ml$/i.test(path)) noteInput(path.replace(/\.ya?ml$/i, '.h5'));
  const ext = extname(path).toLowerCase();
  if (ext === '.zip') return readTvbConnectivityZip(path);
  if (ext === '.npz') return connectivityFromNpz(path);
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') return (await Network.fromFile(path)).toTvb();
  if (ext === '.h5') {
    const kind = await withH5(path, (f) => (f.attrs.TVB_written_by ? 'tvb' : f.attrs.tvbo_class ? 'network' : 'other'));
    if (kind === 'tvb') {
      const c = await readTvbH5(path);
      if (c.kind !== 'Connectivity') throw new Error(`${path}: a TVB ${c.kind}, not a Connectivity`);
      return c.connectivity;
    }
    if (kind === 'network') return (await Network.fromFile(path)).toTvb();
    throw new Error(`${path}: neither a TVB Connectivity H5 nor a tvbo Network companion`);
  }
  throw new Error(`${path}: cannot read a connectivity from '${ext || 'no extension'}' (TVB .zip, TVB .h5, Network .yaml/.json/.h5, .npz)`);
}

export type ConnectivityTarget = 'tvb-zip' | 'tvb-h5' | 'network';

/** Write a connectivity as a TVB ZIP, a TVB H5 or a Network sidecar + companion (from the extension unless `to`). */
export async function writeConnectivity(conn: Connectivity, path: string, to?: string, opts: WriteOptions = {}): Promise<string[]> {
  const ext = extname(path).toLowerCase();
  const target = (to ?? (ext === '.zip' ? 'tvb-zip' : ext === '.h5' ? 'tvb-h5' : ext === '.yaml' || ext === '.yml' || ext === '.json' ? 'network' : '')) as ConnectivityTarget | '';
  if (target === 'tvb-zip') {
    writeTvbConnectivityZip(path, conn, opts);
    return [path];
  }
  if (target === 'tvb-h5') {
    await writeTvbConnectivityH5(path, conn, opts);
    return [path];
  }
  if (target === 'network') {
    const r = await Network.fromTvb(conn).save(path, opts);
    return [r.sidecar, r.companion];
  }
  throw new Error(`cannot tell the target format of '${path}': use .zip (TVB ZIP), .h5 (TVB H5) or .yaml/.json (Network sidecar + HDF5), or --to tvb-zip|tvb-h5|network`);
}

const fmtShape = (s: readonly number[] | null | undefined) => `[${(s ?? []).join(', ')}]`;

function h5Tree(g: H5Group, indent: string, lines: string[], depth = 0): void {
  for (const k of g.keys()) {
    const o = g.get(k);
    if (isGroup(o)) {
      lines.push(`${indent}${k}/`);
      if (depth < 3) h5Tree(o, indent + '  ', lines, depth + 1);
    } else if (isDataset(o)) {
      lines.push(`${indent}${k} ${fmtShape(o.shape)} ${typeof o.dtype === 'string' ? o.dtype : JSON.stringify(o.dtype)}`);
    }
    if (lines.length > 60) {
      lines.push(`${indent}...`);
      return;
    }
  }
}

function connSummary(c: Connectivity): string[] {
  let wmax = 0, tmax = 0;
  for (const v of c.weights) wmax = Math.max(wmax, v);
  for (const v of c.tractLengths) tmax = Math.max(tmax, v);
  return [
    `regions: ${c.n}; connections (non-zero weights): ${c.numberOfConnections}; undirected: ${c.undirected}`,
    `weights max ${wmax}; tract lengths max ${tmax} mm; labels ${c.labels.slice(0, 4).join(', ')}${c.n > 4 ? ', ...' : ''}`,
    `centres: ${c.centres.length ? 'yes' : 'no'}; areas: ${c.areas.length ? 'yes' : 'no'}; orientations: ${c.orientations.length ? 'yes' : 'no'}; cortical: ${c.cortical.length ? 'yes' : 'no'}; hemispheres: ${c.hemispheres.length ? 'yes' : 'no'}`,
  ];
}

function simSummary(r: SimulationResult): string[] {
  return [
    `model ${r.info.model}, coupling ${r.info.coupling}, ${r.info.integrator} dt ${r.info.dt} ms, ${r.info.nSteps} steps after a ${r.transient} ms transient, batch ${r.info.batchSize}`,
    `nodes: ${r.info.nodeLabels.length} (${r.info.connectivity})`,
    ...r.monitors.map((m) => `monitor ${m.name} (period ${m.period} ms): shape ${fmtShape(m.shape)} (trial, time, variable, node, mode); variables ${m.variables.join(', ')}`),
    ...(r.surface ? [`cortical surface: ${r.surface.vertices.length / 3} vertices, ${r.surface.triangles.length / 3} triangles, region mapping onto ${new Set(r.surface.regionMapping).size} regions`] : []),
  ];
}

/** A short human-readable description of any file (or folder) vbt reads. */
export async function describeFile(path: string): Promise<string> {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
  if (statSync(path).isDirectory()) {
    const entries = readdirSync(path);
    if (entries.includes('dataset_description.json')) {
      const d = JSON.parse(readFileSync(join(path, 'dataset_description.json'), 'utf8'));
      const subs = entries.filter((e) => e.startsWith('sub-'));
      return [`${path}: BIDS dataset '${d.Name}' (BIDS ${d.BIDSVersion}, ${d.DatasetType ?? 'raw'}${d.BEP034Version ? `, BEP034 ${d.BEP034Version}` : ''})`, `subjects: ${subs.join(', ') || 'none'}`].join('\n');
    }
    const tvb = entries.filter((e) => /_[0-9a-f]{32}\.h5$/.test(e));
    if (tvb.length) return [`${path}: folder of TVB H5 files`, ...(await Promise.all(tvb.map((e) => describeFile(join(path, e)))))].join('\n');
    return `${path}: folder with ${entries.length} entries (no BIDS dataset_description.json, no TVB H5 files)`;
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.zip') {
    let names: string[] = [];
    try {
      unzipSync(readFileSync(path), { filter: (f) => (names.push(f.name), false) });
    } catch (e) {
      throw new Error(`${path}: not a readable zip archive: ${(e as Error).message}`);
    }
    if (names.some((n) => /vertices/i.test(n)) && !names.some((n) => /weights/i.test(n))) return `${path}: TVB surface ZIP (${names.join(', ')})`;
    return [`${path}: TVB connectivity ZIP (${names.join(', ')})`, ...connSummary(readTvbConnectivityZip(path))].join('\n');
  }
  if (ext === '.npz' || ext === '.npy') {
    const arrays = ext === '.npz' ? readNpz(path) : { array: readNpy(path) };
    return [`${path}: numpy ${ext.slice(1)}`, ...Object.entries(arrays).map(([k, a]) => `${k}: ${a.dtype} ${fmtShape(a.shape)}${a.data.length === 1 ? ` = ${JSON.stringify(a.data[0]).slice(0, 80)}` : ''}`)].join('\n');
  }
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') {
    const text = readFileSync(path, 'utf8');
    let obj: Record<string, unknown>;
    try {
      obj = (ext === '.json' ? JSON.parse(text) : yaml.load(text)) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${path}: cannot parse: ${(e as Error).message}`);
    }
    if (obj && String(obj.tvbo_class ?? '').replace(/^tvbo:/, '') === 'Network') {
      const net = await Network.fromFile(path);
      return [`${path}: tvbo Network sidecar (${String(obj.schema_version)}), companion ${String(obj.data_file)}`, `label: ${net.label}; nodes: ${net.numberOfNodes}; descriptor: ${net.descriptor || '-'}; edges: ${[...net.edges.values()].map((e) => `${e.name} ${fmtShape(e.shape)} ${e.format}`).join(', ') || 'none'}`, ...(net.mesh ? [`mesh: ${net.mesh.vertices.length / 3} vertices, ${net.mesh.elements.length / 3} triangles`] : []), ...(net.parent ? [`parent network: ${net.parent.label} (${net.parent.numberOfNodes} nodes) via ${net.nodeMapping}`] : [])].join('\n');
    }
    if (obj && 'info' in obj && 'monitors' in obj) return [`${path}: vbt simulation result (JSON)`, ...simSummary(simulationResultFromJSON(obj, path))].join('\n');
    if (obj && 'name' in obj && 'state_variables' in obj) {
      const m = getModel(path.endsWith('.json') ? (obj as never) : path);
      return `${path}: vbt model '${m.name}': ${Object.keys(m.state_variables).length} state variables, ${Object.keys(m.parameters).length} parameters`;
    }
    return `${path}: ${ext.slice(1).toUpperCase()} document with keys ${Object.keys(obj ?? {}).join(', ')}`;
  }
  if (ext === '.h5' || ext === '.nc' || ext === '.hdf5' || ext === '.nc4') {
    const kind = await withH5(path, (f) => {
      const a = (k: string) => f.attrs[k]?.value;
      if (a('TVB_written_by')) return 'tvb';
      if (a('tvbo_class')) return 'network';
      if (a('vbt_class') === 'SimulationResult') return 'sim';
      if (a('vbt_class') === 'ExperimentResult') return 'exp';
      return 'other';
    });
    if (kind === 'tvb') {
      const c = await readTvbH5(path);
      if (c.kind === 'Connectivity') return [`${path}: TVB Connectivity H5 (data version 5), gid ${c.gid}`, ...connSummary(c.connectivity)].join('\n');
      const s = c.timeSeries.summaryInfo();
      return [`${path}: TVB ${c.kind} H5 (data version 5), gid ${c.gid}${c.connectivityGid ? `, connectivity ${c.connectivityGid}` : ''}`, ...Object.entries(s).map(([k, v]) => `${k}: ${v}`)].join('\n');
    }
    if (kind === 'network') return describeFile(path.replace(/\.h5$/, '.yaml')).catch(async () => `${path}: tvbo Network companion; ${(await Network.fromFile(path)).numberOfNodes} nodes`);
    if (kind === 'sim') return [`${path}: vbt SimulationResult (netCDF-4)`, ...simSummary(await SimulationResult.fromFile(path))].join('\n');
    if (kind === 'exp') return [`${path}: vbt ExperimentResult (netCDF-4)`, (await ExperimentResult.fromFile(path)).tree()].join('\n');
    const lines: string[] = [`${path}: HDF5 file`];
    await withH5(path, (f) => {
      const attrs = Object.keys(f.attrs);
      if (attrs.length) lines.push(`attributes: ${attrs.slice(0, 20).join(', ')}${attrs.length > 20 ? ', ...' : ''}`);
      h5Tree(f, '  ', lines);
    });
    return lines.join('\n');
  }
  if (ext === '.txt') {
    const text = readFileSync(path, 'utf8');
    const toks = text.trim().split(/\s+/);
    const lines = text.trim().split('\n').length;
    return `${path}: text, ${lines} line(s), ${toks.length} values${lines === 1 && toks.every((t) => /^\d+$/.test(t)) ? ` (looks like a region mapping: indices ${Math.min(...toks.map(Number))}..${Math.max(...toks.map(Number))})` : ''}`;
  }
  throw new Error(`${path}: vbt does not know files ending in '${ext || '(none)'}' (zip, h5, nc, npz, npy, yaml, json, txt, BIDS folders)`);
}
