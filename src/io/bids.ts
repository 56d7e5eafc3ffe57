/**
 * BIDS derivative export in the BEP034 (computational modelling) layout that tvbo writes
 * (its "generation B" path builder, without the per-export `id-<hash>` entity so that names are
 * stable): dataset_description.json, participants.tsv, the experiment YAML, and per subject
 * `ts/` (time series: TSV, netCDF or BEP034-HDF5, each with a JSON sidecar), `net/` (weights and
 * distances), `coord/` (centres) and `eq/` (model equations). Everything is staged in a temporary
 * folder and moved into place only when complete.
 *
 * @example
 * ```ts
 * import { simulate, syntheticConnectome } from 'vbt';
 * import { exportBids } from 'vbt';
 * const conn = syntheticConnectome({ nodes: 4 });
 * const res = await simulate({ model: 'JansenRit', connectivity: conn, integrator: { dt: 0.1 }, duration: 20, monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * const ts = res.toTimeSeries();
 * await exportBids('derivatives/vbt', { timeSeries: { TemporalAverage: ts }, network: conn }, { subject: '01', description: 'jr' });
 * ```
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import yaml from 'js-yaml';
import type { Connectivity } from '../network/connectivity.js';
import type { TimeSeries } from '../results/timeseries.js';
import type { ModelSpec } from '../models/spec.js';
import { writeH5Atomic, putAttr } from './h5.js';
import { writeNetcdf } from './netcdf.js';

export const BIDS_VERSION = '1.9.0';
export const BEP034_VERSION = '1.0.0';

export type BidsTimeSeriesFormat = 'tsv' | 'nc' | 'h5';

export interface BidsOptions {
  subject: string;
  session?: string;
  /** `desc-` entity (alphanumeric); default: the model name lower-cased, else none. */
  description?: string;
  /** File format of `ts/` files (default tsv). */
  timeseriesFormat?: BidsTimeSeriesFormat;
}

export interface BidsContent {
  timeSeries?: Record<string, TimeSeries>;
  network?: Connectivity;
  model?: ModelSpec;
  /** Experiment description (YAML text or an object dumped as YAML), stored at the root. */
  experiment?: string | Record<string, unknown>;
  experimentId?: string;
  provenance?: Record<string, unknown>;
}

function entity(kind: string, v: string): string {
  if (!/^[A-Za-z0-9]+$/.test(v)) throw new Error(`BIDS: ${kind} label '${v}' must be alphanumeric (letters and digits only)`);
  return v;
}

const alnum = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');

function tsvNumber(v: number): string {
  return Number.isFinite(v) ? String(v) : 'n/a';
}

/** Files to write, relative path → content. Binary formats are produced later through temp files. */
type Staged = Map<string, string | { write: (path: string) => Promise<void> }>;

function prefixOf(o: BidsOptions): { dir: string; stem: string } {
  const sub = `sub-${entity('subject', o.subject)}`;
  const ses = o.session !== undefined ? `ses-${entity('session', o.session)}` : undefined;
  const dir = ses ? join(sub, ses) : sub;
  const stem = [sub, ses].filter(Boolean).join('_');
  return { dir, stem };
}

function withDesc(stem: string, desc: string | undefined, rest: string): string {
  // desc- goes last before the suffix-defining entities, as tvbo's builder places it
  return [stem, desc ? `desc-${desc}` : undefined, rest].filter(Boolean).join('_');
}

function timeSeriesFiles(staged: Staged, dir: string, stem: string, desc: string | undefined, label: string, ts: TimeSeries, format: BidsTimeSeriesFormat, provenance: Record<string, unknown>): void {
  const [T, V, N, M] = ts.shape;
  const now = new Date().toISOString();
  const common = {
    Description: ts.title || `Simulated time series ${label}`,
    SamplingFrequency: ts.sampleRate,
    SamplingPeriod: ts.samplePeriod,
    SamplingPeriodUnits: ts.samplePeriodUnit,
    StartTime: ts.startTime,
    NumberOfTimepoints: T,
    NumberOfNodes: N,
    NodeLabels: ts.regions,
    Units: typeof ts.units.data === 'string' ? ts.units.data : ts.units.data,
    GeneratedAt: now,
    Provenance: { ...provenance, Software: 'vbt' },
  };
  if (format === 'tsv') {
    ts.variables.forEach((sv, v) => {
      const name = withDesc(stem, desc, `ts-${alnum(label)}${alnum(sv)}`);
      const lines = [['time', ...ts.regions].join('\t')];
      for (let t = 0; t < T; t++) {
        const row = [tsvNumber(ts.time[t])];
        for (let n = 0; n < N; n++) row.push(tsvNumber(ts.data[((t * V + v) * N + n) * M]));
        lines.push(row.join('\t'));
      }
      staged.set(join(dir, 'ts', `${name}.tsv`), lines.join('\n') + '\n');
      staged.set(join(dir, 'ts', `${name}.json`), JSON.stringify({ ...common, StateVariable: sv, Columns: ['time', ...ts.regions], Mode: 0, ModesInFile: 1, ModesTotal: M }, null, 2) + '\n');
    });
    return;
  }
  const name = withDesc(stem, desc, `ts-${alnum(label)}`);
  const file = join(dir, 'ts', `${name}.${format}`);
  const side = { ...common, Format: format === 'nc' ? 'netCDF-4' : 'BIDS-BEP034-HDF5', Shape: ts.shape, Dimensions: ['time', 'state_variable', 'region', 'mode'], DimensionLabels: { state_variable: ts.variables, region: ts.regions }, StateVariables: ts.variables };
  staged.set(join(dir, 'ts', `${name}.json`), JSON.stringify(side, null, 2) + '\n');
  if (format === 'nc') {
    staged.set(file, {
      write: (p) =>
        writeNetcdf(p, {
          attrs: { title: ts.title || label, sample_period: ts.samplePeriod, sample_period_unit: ts.samplePeriodUnit },
          dims: [
            { name: 'time', size: T, values: ts.time, attrs: { units: ts.samplePeriodUnit } },
            { name: 'state_variable', size: V, values: ts.variables },
            { name: 'region', size: N, values: ts.regions },
            { name: 'mode', size: M, values: Int32Array.from({ length: M }, (_, k) => k) },
          ],
          variables: [{ name: 'data', dims: ['time', 'state_variable', 'region', 'mode'], data: ts.data, attrs: { units: typeof ts.units.data === 'string' ? ts.units.data : 'a.u.' } }],
        }),
    });
  } else {
    staged.set(file, {
      write: (p) =>
        writeH5Atomic(p, (f) => {
          putAttr.str(f, 'format', 'BIDS-BEP034-HDF5');
          putAttr.str(f, 'version', BEP034_VERSION);
          const d = f.create_dataset({ name: 'data', data: Float32Array.from(ts.data), shape: [T, V, N, M], dtype: '<f', chunks: [Math.max(1, Math.min(T, 1024)), V, N, M], compression: 'gzip', compression_opts: 4 });
          putAttr.strList(d, 'dimensions', ['Time', 'State Variable', 'Space', 'Mode']);
          putAttr.i64List(d, 'shape', [T, V, N, M]);
          putAttr.f64(d, 'sample_period', ts.samplePeriod);
          putAttr.str(d, 'sample_period_unit', ts.samplePeriodUnit);
          f.create_dataset({ name: 'time', data: Float64Array.from(ts.time), shape: [T], dtype: '<d' });
          const lg = f.create_group('labels');
          lg.create_dataset({ name: 'State Variable', data: [...ts.variables], shape: [V] });
          lg.create_dataset({ name: 'Space', data: [...ts.regions], shape: [N] });
          const mg = f.create_group('metadata');
          putAttr.str(mg, 'title', ts.title);
          putAttr.str(mg, 'provenance', JSON.stringify(provenance));
        }),
    });
  }
}

function networkFiles(staged: Staged, dir: string, stem: string, desc: string | undefined, conn: Connectivity): void {
  const n = conn.n;
  const now = new Date().toISOString();
  const matrix = (a: ArrayLike<number>) => {
    const lines = [['', ...conn.labels].join('\t')];
    for (let i = 0; i < n; i++) {
      const row = [conn.labels[i]];
      for (let j = 0; j < n; j++) row.push(tsvNumber(a[i * n + j]));
      lines.push(row.join('\t'));
    }
    return lines.join('\n') + '\n';
  };
  for (const [kind, data, unit, what] of [
    ['weights', conn.weights, 'a.u.', 'Structural connectivity weights (row = target, column = source)'],
    ['distances', conn.tractLengths, 'mm', 'Tract lengths (row = target, column = source)'],
  ] as const) {
    const name = withDesc(stem, desc, `net-${kind}`);
    staged.set(join(dir, 'net', `${name}.tsv`), matrix(data));
    staged.set(join(dir, 'net', `${name}.json`), JSON.stringify({ Description: what, NumberOfNodes: n, Units: unit, NodeLabels: conn.labels, Source: 'vbt simulation', GeneratedAt: now }, null, 2) + '\n');
  }
  if (conn.centres.length) {
    const name = withDesc(stem, desc, 'coord-centres');
    const lines = ['label\tx\ty\tz'];
    for (let i = 0; i < n; i++) lines.push([conn.labels[i], conn.centres[3 * i], conn.centres[3 * i + 1], conn.centres[3 * i + 2]].map((x) => (typeof x === 'number' ? tsvNumber(x) : x)).join('\t'));
    staged.set(join(dir, 'coord', `${name}.tsv`), lines.join('\n') + '\n');
    staged.set(join(dir, 'coord', `${name}.json`), JSON.stringify({ Description: 'Region centres', NumberOfNodes: n, CoordinateSystem: 'unknown (TVB template space)', Units: 'mm', Columns: ['label', 'x', 'y', 'z'], NodeLabels: conn.labels }, null, 2) + '\n');
  }
}

function equationFiles(staged: Staged, desc: string | undefined, model: ModelSpec): void {
  const name = withDesc(`eq-${alnum(model.name)}`, desc, '').replace(/_$/, '');
  staged.set(join('eq', `${name}.yaml`), yaml.dump(model, { lineWidth: -1, noRefs: true }));
  staged.set(join('eq', `${name}.json`), JSON.stringify({
    Description: model.description ?? model.name,
    ModelType: model.name,
    Format: 'vbt model YAML (tvbo-like)',
    GeneratedAt: new Date().toISOString(),
    Parameters: Object.fromEntries(Object.entries(model.parameters).map(([k, p]) => [k, { value: p.default, unit: p.unit }])),
    StateVariables: Object.fromEntries(Object.entries(model.state_variables).map(([k, s]) => [k, { equation: String(s.equation), unit: s.unit }])),
    References: model.references ?? [],
  }, null, 2) + '\n');
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/**
 * Write a BIDS derivative dataset under `root`. Existing datasets are extended: other subjects'
 * files stay, participants.tsv gains the subject once, files of the same names are replaced.
 * Returns the paths written (relative to root).
 */
export async function exportBids(root: string, content: BidsContent, opts: BidsOptions): Promise<string[]> {
  const { dir, stem } = prefixOf(opts);
  const desc = opts.description !== undefined ? entity('description', opts.description) : content.model ? alnum(content.model.name).toLowerCase() : undefined;
  const format = opts.timeseriesFormat ?? 'tsv';
  if (!['tsv', 'nc', 'h5'].includes(format)) throw new Error(`BIDS: timeseriesFormat '${format}' is not one of tsv, nc, h5`);
  if (content.timeSeries) for (const k of Object.keys(content.timeSeries)) if (!alnum(k)) throw new Error(`BIDS: time series label '${k}' has no letters or digits`);
  if (content.network && content.timeSeries) {
    for (const [k, ts] of Object.entries(content.timeSeries)) {
      if (ts.shape[2] === content.network.n && ts.regions.some((r, i) => r !== content.network!.labels[i])) {
        throw new Error(`BIDS: time series '${k}' region labels differ from the network's labels`);
      }
    }
  }
  const staged: Staged = new Map();
  const participant = `sub-${opts.subject}`;
  const descPath = join(root, 'dataset_description.json');
  staged.set('dataset_description.json', existsSync(descPath) ? readFileSync(descPath, 'utf8') : JSON.stringify({
    Name: 'vbt simulation output',
    BIDSVersion: BIDS_VERSION,
    DatasetType: 'derivative',
    GeneratedBy: [{ Name: 'vbt', Version: '0.1.0', Description: 'Whole-brain network simulation (TypeScript)' }],
    BEP034Version: BEP034_VERSION,
  }, null, 2) + '\n');
  const partPath = join(root, 'participants.tsv');
  const rows = existsSync(partPath) ? readFileSync(partPath, 'utf8').split('\n').filter((l) => l.trim()) : ['participant_id'];
  if (rows[0] !== 'participant_id' && !rows[0].startsWith('participant_id\t')) throw new Error(`${partPath}: first line is not a participant_id header`);
  if (!rows.slice(1).some((r) => r.split('\t')[0] === participant)) rows.push(participant);
  staged.set('participants.tsv', rows.join('\n') + '\n');
  if (content.experiment !== undefined) {
    const id = alnum(content.experimentId ?? 'experiment') || 'experiment';
    staged.set(`exp-${id}_experiment.yaml`, typeof content.experiment === 'string' ? content.experiment : yaml.dump(content.experiment, { lineWidth: -1, noRefs: true }));
  }
  for (const [label, ts] of Object.entries(content.timeSeries ?? {})) timeSeriesFiles(staged, dir, stem, desc, label, ts, format, content.provenance ?? {});
  if (content.network) networkFiles(staged, dir, stem, desc, content.network);
  if (content.model) equationFiles(staged, desc, content.model);

  const parent = dirname(root);
  mkdirSync(parent, { recursive: true });
  const stage = join(parent, `.${basename(root)}.staging-${process.pid}-${Date.now()}`);
  try {
    for (const [rel, c] of staged) {
      const p = join(stage, rel);
      mkdirSync(dirname(p), { recursive: true });
      if (typeof c === 'string') writeFileSync(p, c);
      else await c.write(p);
    }
    for (const p of walk(stage)) {
      const dest = join(root, relative(stage, p));
      mkdirSync(dirname(dest), { recursive: true });
      renameSync(p, dest);
    }
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return [...staged.keys()].sort();
}
