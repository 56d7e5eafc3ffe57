/**
 * BIDS derivative export in the BEP034 (computational modelling) layout of tvbo's
 * `ExperimentResult.export`: per subject (and session) the experiment YAML
 * `sub-XX[_ses-YY][_run-N]_desc-D_experiment.yaml`, `ts/…_ts-sim_State.<ext>` for the model state
 * and `ts/…_ts-<obs>_<BOLD|EEG|MEG>.<ext>` per observation, `net/` (weights, distances) and
 * `coord/` (centres) unless includeConnectivity is false, `eq/` (model equations) unless
 * includeModel is false — every data file with a JSON sidecar. Time series are CIFTI-2
 * `.ptseries.nii` by default (as tvbo), or TSV, netCDF-4 or BEP034-HDF5. The released BIDS
 * validator does not know BEP034's entities, so `.bidsignore` lists those folders, and each
 * subject gets BIDS's own scans (and sessions) file. Everything is staged in a temporary folder
 * and moved into place only when complete.
 *
 * @example
 * ```ts
 * import { simulate, syntheticConnectome } from 'vbt';
 * import { exportBids } from 'vbt';
 * const conn = syntheticConnectome({ nodes: 4 });
 * const res = await simulate({ model: 'JansenRit', connectivity: conn, integrator: { dt: 0.1 }, duration: 20, monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * const ts = res.toTimeSeries();
 * await exportBids('derivatives/vbt', { timeSeries: { sim: ts }, network: conn }, { subject: '01' });
 * ```
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import yaml from 'js-yaml';
import type { Connectivity } from '../network/connectivity.js';
import type { ModelSpec } from '../models/spec.js';
import type { Provenance } from '../provenance/index.js';
import { writeH5Atomic, putAttr } from './h5.js';
import { writeNetcdf } from './netcdf.js';
import { ptseriesBytes } from './cifti.js';

export const BIDS_VERSION = '1.9.0';
export const BEP034_VERSION = '1.0.0';

export type BidsTimeSeriesFormat = 'cifti' | 'tsv' | 'nc' | 'h5';
export const BIDS_TS_FORMATS: readonly BidsTimeSeriesFormat[] = ['cifti', 'tsv', 'nc', 'h5'];
/** BEP034 suffixes of time-series files: model state, or an observation modality. */
export type BidsSuffix = 'State' | 'BOLD' | 'EEG' | 'MEG';

/**
 * What the writer reads of a time series ([time, variable, region, mode], row-major). A TimeSeries is one;
 * the writer names only these fields, so the result types can export themselves without a circle.
 */
export interface BidsTimeSeries {
  readonly data: Float64Array;
  readonly shape: readonly [number, number, number, number];
  readonly time: Float64Array;
  readonly title: string;
  readonly variables: string[];
  readonly regions: string[];
  /** Samples per second. */
  readonly sampleRate: number;
  /** Sampling period in the series' own unit, and in ms. */
  readonly samplePeriod: number;
  readonly samplePeriodUnit: string;
  readonly samplePeriodMs: number;
  /** Start time in the series' own unit. */
  readonly startTime: number;
  readonly units: { readonly data: string | Record<string, string> };
}

export interface BidsOptions {
  subject: string;
  session?: string;
  /** `run-` entity (a positive integer). */
  run?: number;
  /** `desc-` entity (alphanumeric); default: tvbo's 'tvbsim'. */
  description?: string;
  /** File format of `ts/` files (default 'cifti', as tvbo: CIFTI-2 .ptseries.nii). */
  timeseriesFormat?: BidsTimeSeriesFormat;
  /** Write the model equations under eq/ (default true). */
  includeModel?: boolean;
  /** Write the network under net/ and coord/ (default true). */
  includeConnectivity?: boolean;
  /** dataset_description Authors (new datasets). */
  authors?: string[];
}

export interface BidsContent {
  timeSeries?: Record<string, BidsTimeSeries>;
  /** Suffix per time series (default: from its name — Bold/BalloonWindkessel → BOLD, EEG, MEG, else State). */
  suffixes?: Record<string, BidsSuffix>;
  network?: Connectivity;
  model?: ModelSpec;
  /** Experiment description (YAML text or an object dumped as YAML), stored as sub-XX/…_experiment.yaml. */
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

/** The suffix a time series gets from its name when none is given. */
export function bidsSuffixOf(name: string): BidsSuffix {
  const n = name.toLowerCase();
  if (n === 'bold' || n.startsWith('bold') || n.includes('balloon')) return 'BOLD';
  if (n === 'eeg' || n.startsWith('eeg')) return 'EEG';
  if (n === 'meg' || n.startsWith('meg')) return 'MEG';
  return 'State';
}

/** Files to write, relative path → content. Binary formats are produced later through temp files. */
type Staged = Map<string, string | Uint8Array | { write: (path: string) => Promise<void> }>;

interface Names {
  /** sub-XX[/ses-YY] */
  dir: string;
  /** sub-XX[_ses-YY][_run-N][_desc-D], the entities every file of the subject starts with. */
  stem: string;
}

function namesOf(o: BidsOptions, desc: string | undefined): Names {
  const sub = `sub-${entity('subject', o.subject)}`;
  const ses = o.session !== undefined ? `ses-${entity('session', o.session)}` : undefined;
  if (o.run !== undefined && !(Number.isInteger(o.run) && o.run > 0)) throw new Error(`BIDS: run must be a positive integer, got ${o.run}`);
  const run = o.run !== undefined ? `run-${o.run}` : undefined;
  // BIDS order: sub, ses, run, then desc; the BEP034 entity (ts-/net-/coord-) follows desc, as in tvbo's export
  return { dir: ses ? join(sub, ses) : sub, stem: [sub, ses, run, desc ? `desc-${desc}` : undefined].filter(Boolean).join('_') };
}

const json = (o: unknown) => JSON.stringify(o, null, 2) + '\n';

function timeSeriesFiles(staged: Staged, nm: Names, label: string, suffix: BidsSuffix, ts: BidsTimeSeries, format: BidsTimeSeriesFormat, provenance: Record<string, unknown>): void {
  const [T, V, N, M] = ts.shape;
  const base = `${nm.stem}_ts-${alnum(label)}_${suffix}`;
  const units = typeof ts.units.data === 'string' ? ts.units.data : ts.units.data;
  const common = {
    Description: ts.title || `Simulated ${suffix === 'State' ? 'model state' : suffix} time series (${label})`,
    SamplingFrequency: ts.sampleRate,
    SamplingPeriod: ts.samplePeriodMs,
    SamplingPeriodUnits: 'ms',
    StartTime: ts.startTime * (ts.samplePeriodMs / ts.samplePeriod),
    NumberOfTimepoints: T,
    NumberOfNodes: N,
    NodeLabels: ts.regions,
    StateVariables: ts.variables,
    Units: units,
    GeneratedAt: new Date().toISOString(),
    Provenance: { ...provenance, Software: 'vbt' },
  };
  const sideFor = (file: string, extra: Record<string, unknown>) => staged.set(join(nm.dir, 'ts', `${file}.json`), json({ ...common, ...extra }));
  if (format === 'cifti') {
    // one CIFTI-2 parcellated series per state variable (mode 0): rows time, columns regions
    ts.variables.forEach((sv, v) => {
      const file = V === 1 ? base : `${nm.stem}_ts-${alnum(label)}${alnum(sv)}_${suffix}`;
      const data = new Float64Array(T * N);
      for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) data[t * N + n] = ts.data[((t * V + v) * N + n) * M];
      staged.set(join(nm.dir, 'ts', `${file}.ptseries.nii`), ptseriesBytes({ data, t: T, parcels: ts.regions, start: common.StartTime, step: ts.samplePeriodMs, metadata: { StateVariable: sv, Suffix: suffix } }));
      sideFor(file, { Format: 'CIFTI-2 parcellated time series', StateVariable: sv, Mode: 0, ModesTotal: M });
    });
    return;
  }
  if (format === 'tsv') {
    const cols = ['time', ...ts.variables.flatMap((sv) => ts.regions.map((r) => (V === 1 ? r : `${sv}:${r}`)))];
    const lines = [cols.join('\t')];
    for (let t = 0; t < T; t++) {
      const row = [tsvNumber(ts.time[t])];
      for (let v = 0; v < V; v++) for (let n = 0; n < N; n++) row.push(tsvNumber(ts.data[((t * V + v) * N + n) * M]));
      lines.push(row.join('\t'));
    }
    staged.set(join(nm.dir, 'ts', `${base}.tsv`), lines.join('\n') + '\n');
    sideFor(base, { Format: 'TSV', Columns: cols, Mode: 0, ModesTotal: M });
    return;
  }
  const file = join(nm.dir, 'ts', `${base}.${format}`);
  sideFor(base, { Format: format === 'nc' ? 'netCDF-4' : 'BIDS-BEP034-HDF5', Shape: ts.shape, Dimensions: ['time', 'state_variable', 'region', 'mode'], DimensionLabels: { state_variable: ts.variables, region: ts.regions } });
  if (format === 'nc') {
    staged.set(file, {
      write: (p) =>
        writeNetcdf(p, {
          attrs: { title: ts.title || label, sample_period: ts.samplePeriod, sample_period_unit: ts.samplePeriodUnit, bids_suffix: suffix },
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

function networkFiles(staged: Staged, nm: Names, conn: Connectivity): void {
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
    const name = `${nm.stem}_net-${kind}_SC`;
    staged.set(join(nm.dir, 'net', `${name}.tsv`), matrix(data));
    staged.set(join(nm.dir, 'net', `${name}.json`), json({ Description: what, NumberOfNodes: n, Units: unit, NodeLabels: conn.labels, Source: conn.source || 'vbt simulation', GeneratedAt: now }));
  }
  if (conn.centres.length) {
    const name = `${nm.stem}_coord-centres_nodes`;
    const lines = ['label\tx\ty\tz'];
    for (let i = 0; i < n; i++) lines.push([conn.labels[i], conn.centres[3 * i], conn.centres[3 * i + 1], conn.centres[3 * i + 2]].map((x) => (typeof x === 'number' ? tsvNumber(x) : x)).join('\t'));
    staged.set(join(nm.dir, 'coord', `${name}.tsv`), lines.join('\n') + '\n');
    staged.set(join(nm.dir, 'coord', `${name}.json`), json({ Description: 'Region centres', NumberOfNodes: n, CoordinateSystem: 'unknown (TVB template space)', Units: 'mm', Columns: ['label', 'x', 'y', 'z'], NodeLabels: conn.labels }));
  }
}

function equationFiles(staged: Staged, desc: string | undefined, model: ModelSpec): void {
  const name = [`eq-${alnum(model.name)}`, desc ? `desc-${desc}` : undefined, 'model'].filter(Boolean).join('_');
  staged.set(join('eq', `${name}.yaml`), yaml.dump(model, { lineWidth: -1, noRefs: true }));
  staged.set(join('eq', `${name}.json`), json({
    Description: model.description ?? model.name,
    ModelType: model.name,
    Format: 'vbt model YAML (tvbo-like)',
    GeneratedAt: new Date().toISOString(),
    Parameters: Object.fromEntries(Object.entries(model.parameters).map(([k, p]) => [k, { value: p.default, unit: p.unit }])),
    StateVariables: Object.fromEntries(Object.entries(model.state_variables).map(([k, s]) => [k, { equation: String(s.equation), unit: s.unit }])),
    References: model.references ?? [],
  }));
}

/** BEP034 files the released BIDS validator does not know (listed in .bidsignore so it checks the rest). */
export const BEP034_IGNORE = ['**/ts/', '**/net/', '**/coord/', 'eq/', '**/*_experiment.yaml', '**/*_experiment.json'];

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
  const desc = entity('description', opts.description ?? 'tvbsim');
  const nm = namesOf(opts, desc);
  const format = opts.timeseriesFormat ?? 'cifti';
  if (!BIDS_TS_FORMATS.includes(format)) throw new Error(`BIDS: timeseriesFormat '${format}' is not one of ${BIDS_TS_FORMATS.join(', ')}`);
  const suffixes: Record<string, BidsSuffix> = {};
  for (const k of Object.keys(content.timeSeries ?? {})) {
    if (!alnum(k)) throw new Error(`BIDS: time series label '${k}' has no letters or digits`);
    const sfx = content.suffixes?.[k] ?? bidsSuffixOf(k);
    if (!['State', 'BOLD', 'EEG', 'MEG'].includes(sfx)) throw new Error(`BIDS: suffix '${sfx}' of '${k}' is not one of State, BOLD, EEG, MEG`);
    suffixes[k] = sfx;
  }
  const includeNet = opts.includeConnectivity ?? true, includeModel = opts.includeModel ?? true;
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
  staged.set('dataset_description.json', existsSync(descPath) ? readFileSync(descPath, 'utf8') : json({
    Name: 'vbt simulation output',
    BIDSVersion: BIDS_VERSION,
    DatasetType: 'derivative',
    ...(opts.authors?.length ? { Authors: opts.authors } : {}),
    GeneratedBy: [{ Name: 'vbt', Version: '0.1.0', Description: 'Whole-brain network simulation (TypeScript)' }],
    BEP034Version: BEP034_VERSION,
  }));
  if (!existsSync(join(root, 'README'))) staged.set('README', 'Simulated data written by vbt (virtual brain toolkit) in the BIDS BEP034 computational-modelling layout:\nts/ time series (model state and observations), net/ structural connectivity, coord/ region centres, eq/ model equations, and the experiment YAML per subject.\n');
  if (!existsSync(join(root, '.bidsignore'))) staged.set('.bidsignore', BEP034_IGNORE.join('\n') + '\n');
  const partPath = join(root, 'participants.tsv');
  const rows = existsSync(partPath) ? readFileSync(partPath, 'utf8').split('\n').filter((l) => l.trim()) : ['participant_id'];
  if (rows[0] !== 'participant_id' && !rows[0].startsWith('participant_id\t')) throw new Error(`${partPath}: first line is not a participant_id header`);
  if (!rows.slice(1).some((r) => r.split('\t')[0] === participant)) rows.push(participant);
  staged.set('participants.tsv', rows.join('\n') + '\n');
  if (!existsSync(join(root, 'participants.json'))) staged.set('participants.json', json({ participant_id: { Description: 'Simulated subject (one per simulated brain network)' } }));
  if (content.experiment !== undefined) {
    const file = `${nm.stem}_experiment`;
    staged.set(join(nm.dir, `${file}.yaml`), typeof content.experiment === 'string' ? content.experiment : yaml.dump(content.experiment, { lineWidth: -1, noRefs: true }));
    staged.set(join(nm.dir, `${file}.json`), json({
      Description: 'The SimulationExperiment that produced this subject\'s files (vbt run reruns it)', ExperimentId: content.experimentId ?? 'experiment',
      Format: 'SimulationExperiment YAML (tvbo keys)', GeneratedAt: new Date().toISOString(),
      ...(content.provenance && Object.keys(content.provenance).length ? { Provenance: { ...content.provenance, Software: 'vbt' } } : {}),
    }));
  }
  for (const [label, ts] of Object.entries(content.timeSeries ?? {})) timeSeriesFiles(staged, nm, label, suffixes[label], ts, format, content.provenance ?? {});
  if (content.network && includeNet) networkFiles(staged, nm, content.network);
  // a subject folder holding only BEP034 files (which the released validator must be told to
  // ignore) would not count as a subject: the scans file is BIDS's own per-subject/session file
  const scansName = join(nm.dir, `${nm.stem.split('_').filter((e) => /^(sub|ses)-/.test(e)).join('_')}_scans.tsv`);
  if (!existsSync(join(root, scansName))) staged.set(scansName, 'filename\tacq_time\n');
  if (opts.session !== undefined) {
    const sub = `sub-${opts.subject}`;
    const sesPath = join(sub, `${sub}_sessions.tsv`);
    const prev = existsSync(join(root, sesPath)) ? readFileSync(join(root, sesPath), 'utf8').split('\n').slice(1).filter((l) => l.trim()) : [];
    const ses = `ses-${opts.session}`;
    if (!prev.includes(ses)) prev.push(ses);
    staged.set(sesPath, ['session_id', ...prev].join('\n') + '\n');
  }
  if (content.model && includeModel) equationFiles(staged, desc, content.model);

  const parent = dirname(root);
  mkdirSync(parent, { recursive: true });
  const stage = join(parent, `.${basename(root)}.staging-${process.pid}-${Date.now()}`);
  try {
    for (const [rel, c] of staged) {
      const p = join(stage, rel);
      mkdirSync(dirname(p), { recursive: true });
      if (typeof c === 'string' || c instanceof Uint8Array) writeFileSync(p, c);
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

/**
 * The vbt provenance record a BIDS export stored (`Provenance.vbt` of a time-series sidecar or of the subject's
 * `_experiment.json`), for `configFromProvenance` to make the run again.
 */
export function readBidsProvenance(sidecar: string): Provenance {
  let doc: { Provenance?: { vbt?: Provenance } };
  try {
    doc = JSON.parse(readFileSync(sidecar, 'utf8'));
  } catch (e) {
    throw new Error(`${sidecar}: not a readable JSON sidecar: ${(e as Error).message}`);
  }
  const p = doc?.Provenance?.vbt;
  if (!p || typeof p !== 'object' || typeof p.schema !== 'string') throw new Error(`${sidecar}: no vbt provenance (Provenance.vbt); it was not exported from a vbt simulation result`);
  return p;
}
