/**
 * Result containers of an experiment, after tvbo's data types: ObservationResult (named outputs of
 * an observation pipeline), ExplorationResult (a grid of parameter values and one observable per
 * point), OptimizationResult (fitted parameters, loss history), AlgorithmResult (tuning runs such as
 * FIC/EIB), and ExperimentResult that gathers them with the integration run. Constructors are plain
 * data; the algorithms fill them. `ExperimentResult.save` writes one netCDF-4 file whose variable
 * names are section paths joined with `__` (e.g. `exploration__g__results`), `fromFile` reads it.
 *
 * @example
 * ```ts
 * import { ExplorationResult } from 'vbt';
 * const ex = new ExplorationResult({ name: 'g', observable: 'fc_corr',
 *   axes: [{ name: 'coupling.a', values: [0.1, 0.2, 0.3] }], results: new Float64Array([0.5, 0.2, 0.4]) });
 * ex.optimal; // { flatIndex: 1, value: 0.2, index: [1], parameters: { 'coupling.a': 0.2 } }
 * ```
 */
import { LabeledArray } from './labeled.js';
import { SimulationResult, RESULT_SCHEMA_VERSION, checkSchemaVersion } from '../simulation/result.js';
import { readNetcdf, writeNetcdf, type NcAttr, type NcDataset, type NcDim, type NcVariable, type NcWriteOptions } from '../io/netcdf.js';
import { exportBids, type BidsOptions } from '../io/bids.js';
import { getModel } from '../models/catalogue.js';
import type { TimeSeries } from './timeseries.js';

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
function checkName(kind: string, name: string): void {
  if (!NAME.test(name) || name.includes('__')) throw new Error(`${kind} name '${name}' must start with a letter and use only letters, digits and single underscores (it becomes part of netCDF names)`);
}

/** Coordinate-safe netCDF dimension name fragment for an axis called e.g. 'coupling.a'. */
function axisKey(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Write a labelled array into a dataset under `prefix__name`, dims `prefix__name__<dim>`. */
function putArray(ds: NcDataset, prefix: string, name: string, a: LabeledArray): void {
  const base = `${prefix}__${name}`;
  const dims = a.dims.map((d, i) => {
    const dn = `${base}__${axisKey(d)}`;
    const c = a.coords[d];
    const dim: NcDim = { name: dn, size: a.shape[i], attrs: { vbt_dim: d } };
    if (c) dim.values = typeof c[0] === 'string' ? (c as string[]) : Float64Array.from(c as number[]);
    ds.dims.push(dim);
    return dn;
  });
  ds.variables.push({ name: base, dims, data: a.data, attrs: { ...a.attrs, vbt_dims: JSON.stringify(a.dims) } });
}

function getArray(ds: NcDataset, prefix: string, name: string, file: string): LabeledArray {
  const base = `${prefix}__${name}`;
  const v = ds.variables.find((x) => x.name === base);
  if (!v) throw new Error(`${file}: missing variable '${base}'`);
  return fromVariable(ds, v, file);
}

function fromVariable(ds: NcDataset, v: NcVariable, file: string): LabeledArray {
  const names = JSON.parse(String(v.attrs?.vbt_dims ?? '[]')) as string[];
  if (names.length !== v.dims.length) throw new Error(`${file}: variable '${v.name}' has ${v.dims.length} dimensions but vbt_dims lists ${names.length}`);
  const coords: Record<string, number[] | string[]> = {};
  const shape = v.dims.map((dn, i) => {
    const d = ds.dims.find((x) => x.name === dn);
    if (!d) throw new Error(`${file}: variable '${v.name}' uses unknown dimension '${dn}'`);
    if (d.values) coords[names[i]] = Array.isArray(d.values) ? [...(d.values as string[])] : Array.from(d.values as ArrayLike<number>);
    return d.size;
  });
  const attrs: Record<string, string> = {};
  for (const [k, x] of Object.entries(v.attrs ?? {})) if (k !== 'vbt_dims' && typeof x === 'string') attrs[k] = x;
  return new LabeledArray(Float64Array.from(v.data), names, coords, attrs, shape);
}

function putMeta(ds: NcDataset, prefix: string, meta: Record<string, unknown>): void {
  ds.attrs[`${prefix}__vbt_attrs`] = JSON.stringify({ vbt_schema_version: RESULT_SCHEMA_VERSION, ...meta });
}

function getMeta(ds: NcDataset, prefix: string, cls: string, file: string): Record<string, unknown> {
  const raw = ds.attrs[`${prefix}__vbt_attrs`];
  if (typeof raw !== 'string') throw new Error(`${file}: missing attribute '${prefix}__vbt_attrs'`);
  const meta = JSON.parse(raw) as Record<string, unknown>;
  checkSchemaVersion(meta.vbt_schema_version, file);
  if (meta.vbt_class !== cls) throw new Error(`${file}: ${prefix} holds a ${String(meta.vbt_class)}, expected ${cls}`);
  return meta;
}

const historyArray = (name: string, values: readonly number[]) =>
  new LabeledArray(Float64Array.from(values), ['iteration'], { iteration: values.map((_, k) => k) }, { quantity: name });

/** Named outputs of an observation pipeline (e.g. BOLD, FC); `data`/`time` are the main series. */
export class ObservationResult {
  constructor(
    readonly name: string,
    readonly outputs: Record<string, LabeledArray>,
  ) {
    checkName('observation', name);
    for (const k of Object.keys(outputs)) checkName('observation output', k);
  }

  /** The main output ('data', else 'ys', else the first). */
  get data(): LabeledArray {
    const o = this.outputs.data ?? this.outputs.ys ?? Object.values(this.outputs)[0];
    if (!o) throw new Error(`observation '${this.name}' has no outputs`);
    return o;
  }

  /** Times of the main output's 'time' dimension (empty when it has none). */
  get time(): number[] {
    return ((this.data.coords.time as number[] | undefined) ?? []).slice();
  }

  toDataset(ds: NcDataset, prefix: string): void {
    putMeta(ds, prefix, { vbt_class: 'ObservationResult', name: this.name, outputs: Object.keys(this.outputs) });
    for (const [k, a] of Object.entries(this.outputs)) putArray(ds, prefix, k, a);
  }

  static fromDataset(ds: NcDataset, prefix: string, file: string): ObservationResult {
    const meta = getMeta(ds, prefix, 'ObservationResult', file);
    const outputs: Record<string, LabeledArray> = {};
    for (const k of meta.outputs as string[]) outputs[k] = getArray(ds, prefix, k, file);
    return new ObservationResult(String(meta.name), outputs);
  }
}

export interface ExplorationAxis {
  name: string;
  values: number[];
  lo?: number;
  hi?: number;
  n?: number;
}

/** A parameter grid and one observable value per grid point, stored flat in C order over the axes. */
export class ExplorationResult {
  readonly name: string;
  readonly axes: Required<ExplorationAxis>[];
  readonly results: Float64Array;
  readonly observable: string;

  constructor(init: { name: string; axes: ExplorationAxis[]; results: ArrayLike<number>; observable?: string }) {
    checkName('exploration', init.name);
    this.name = init.name;
    this.axes = init.axes.map((a) => {
      if (!a.values.length) throw new Error(`exploration '${init.name}': axis '${a.name}' has no values`);
      return { name: a.name, values: [...a.values], lo: a.lo ?? Math.min(...a.values), hi: a.hi ?? Math.max(...a.values), n: a.n ?? a.values.length };
    });
    const want = this.shape.reduce((x, y) => x * y, 1);
    if (init.results.length !== want) throw new Error(`exploration '${init.name}': ${init.results.length} results for a grid of shape [${this.shape.join(', ')}] (${want} points)`);
    this.results = Float64Array.from(init.results);
    this.observable = init.observable ?? 'value';
  }

  get shape(): number[] {
    return this.axes.map((a) => a.values.length);
  }

  /** The grid point with the smallest (finite) result. */
  get optimal(): { flatIndex: number; value: number; index: number[]; parameters: Record<string, number> } {
    let best = -1;
    for (let k = 0; k < this.results.length; k++) if (Number.isFinite(this.results[k]) && (best < 0 || this.results[k] < this.results[best])) best = k;
    if (best < 0) throw new Error(`exploration '${this.name}': no finite result`);
    const index: number[] = [];
    let r = best;
    for (let a = this.axes.length - 1; a >= 0; a--) {
      index[a] = r % this.axes[a].values.length;
      r = Math.floor(r / this.axes[a].values.length);
    }
    const parameters: Record<string, number> = {};
    this.axes.forEach((a, i) => (parameters[a.name] = a.values[index[i]]));
    return { flatIndex: best, value: this.results[best], index, parameters };
  }

  /** Results on the grid, one dimension per axis. */
  asGrid(): LabeledArray {
    const coords: Record<string, number[]> = {};
    for (const a of this.axes) coords[a.name] = a.values;
    return new LabeledArray(this.results, this.axes.map((a) => a.name), coords, { observable: this.observable }, this.shape);
  }

  /** Fix some axes at given values; the rest stay as dimensions. */
  slice(fixed: Record<string, number>): LabeledArray {
    return this.asGrid().sel(fixed);
  }

  toDataset(ds: NcDataset, prefix: string): void {
    putMeta(ds, prefix, { vbt_class: 'ExplorationResult', name: this.name, observable: this.observable, axes: this.axes.map(({ name, lo, hi, n }) => ({ name, lo, hi, n })) });
    putArray(ds, prefix, 'results', this.asGrid());
  }

  static fromDataset(ds: NcDataset, prefix: string, file: string): ExplorationResult {
    const meta = getMeta(ds, prefix, 'ExplorationResult', file);
    const grid = getArray(ds, prefix, 'results', file);
    const axes = (meta.axes as { name: string; lo: number; hi: number; n: number }[]).map((a) => ({ ...a, values: grid.coords[a.name] as number[] }));
    return new ExplorationResult({ name: String(meta.name), axes, results: grid.data, observable: String(meta.observable) });
  }
}

export type ParamState = Record<string, number | number[]>;

/** Fitted parameters and the optimisation history. */
export class OptimizationResult {
  readonly name: string;
  readonly state: ParamState;
  /** Per-step records: `loss` and any tracked parameter or metric, one value per step. */
  readonly history: Record<string, number[]>;
  readonly simulation?: SimulationResult;
  readonly hyperparameters: Record<string, number | string | boolean>;

  constructor(init: { name: string; state: ParamState; history: Record<string, number[]>; simulation?: SimulationResult; hyperparameters?: Record<string, number | string | boolean> }) {
    checkName('optimization', init.name);
    for (const k of Object.keys(init.history)) checkName('history entry', k);
    this.name = init.name;
    this.state = init.state;
    this.history = init.history;
    this.simulation = init.simulation;
    this.hyperparameters = init.hyperparameters ?? {};
  }

  get fittedParams(): ParamState {
    return this.state;
  }

  get fittingData(): Record<string, number[]> {
    return this.history;
  }

  get lossTrajectory(): number[] {
    return this.history.loss ?? [];
  }

  get nSteps(): number {
    return this.lossTrajectory.length;
  }

  get initialLoss(): number {
    return this.lossTrajectory.length ? this.lossTrajectory[0] : NaN;
  }

  get finalLoss(): number {
    return this.lossTrajectory.length ? this.lossTrajectory[this.lossTrajectory.length - 1] : NaN;
  }

  /** initial − final (positive when the loss went down). */
  get lossImprovement(): number {
    return this.initialLoss - this.finalLoss;
  }

  /** The recorded values of one parameter over the steps. */
  stateTrajectory(name: string): number[] {
    const h = this.history[name];
    if (!h) throw new Error(`optimization '${this.name}': no history for '${name}' (have ${Object.keys(this.history).join(', ')})`);
    return h;
  }

  toDataset(ds: NcDataset, prefix: string): void {
    putMeta(ds, prefix, { vbt_class: 'OptimizationResult', name: this.name, state: this.state, hyperparameters: this.hyperparameters, history: Object.keys(this.history), simulation: !!this.simulation });
    for (const [k, v] of Object.entries(this.history)) putArray(ds, prefix, `history_${k}`, historyArray(k, v));
    if (this.simulation) mergeInto(ds, this.simulation.toDataset(`${prefix}__simulation`));
  }

  static fromDataset(ds: NcDataset, prefix: string, file: string): OptimizationResult {
    const meta = getMeta(ds, prefix, 'OptimizationResult', file);
    const history: Record<string, number[]> = {};
    for (const k of meta.history as string[]) history[k] = Array.from(getArray(ds, prefix, `history_${k}`, file).data);
    return new OptimizationResult({
      name: String(meta.name),
      state: meta.state as ParamState,
      history,
      hyperparameters: meta.hyperparameters as Record<string, number>,
      simulation: meta.simulation ? SimulationResult.fromDataset(ds, `${prefix}__simulation`, file) : undefined,
    });
  }
}

/** A tuning algorithm's outcome (FIC, EIB, ...): final state, per-iteration history, runs before and after. */
export class AlgorithmResult {
  readonly name: string;
  readonly state: ParamState;
  readonly history: Record<string, number[]>;
  readonly preTuning?: SimulationResult;
  readonly postTuning?: SimulationResult;
  readonly hyperparameters: Record<string, number | string | boolean>;

  constructor(init: { name: string; state: ParamState; history: Record<string, number[]>; preTuning?: SimulationResult; postTuning?: SimulationResult; hyperparameters?: Record<string, number | string | boolean> }) {
    checkName('algorithm', init.name);
    for (const k of Object.keys(init.history)) checkName('history entry', k);
    this.name = init.name;
    this.state = init.state;
    this.history = init.history;
    this.preTuning = init.preTuning;
    this.postTuning = init.postTuning;
    this.hyperparameters = init.hyperparameters ?? {};
  }

  get nIterations(): number {
    return Math.max(0, ...Object.values(this.history).map((h) => h.length));
  }

  /** `<key>_final` (last value) and `<key>_delta` (last − previous) for every history entry. */
  get convergence(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, h] of Object.entries(this.history)) {
      if (!h.length) continue;
      out[`${k}_final`] = h[h.length - 1];
      out[`${k}_delta`] = h.length > 1 ? h[h.length - 1] - h[h.length - 2] : NaN;
    }
    return out;
  }

  toDataset(ds: NcDataset, prefix: string): void {
    putMeta(ds, prefix, { vbt_class: 'AlgorithmResult', name: this.name, state: this.state, hyperparameters: this.hyperparameters, history: Object.keys(this.history), pre: !!this.preTuning, post: !!this.postTuning });
    for (const [k, v] of Object.entries(this.history)) putArray(ds, prefix, `history_${k}`, historyArray(k, v));
    if (this.preTuning) mergeInto(ds, this.preTuning.toDataset(`${prefix}__pre_tuning`));
    if (this.postTuning) mergeInto(ds, this.postTuning.toDataset(`${prefix}__post_tuning`));
  }

  static fromDataset(ds: NcDataset, prefix: string, file: string): AlgorithmResult {
    const meta = getMeta(ds, prefix, 'AlgorithmResult', file);
    const history: Record<string, number[]> = {};
    for (const k of meta.history as string[]) history[k] = Array.from(getArray(ds, prefix, `history_${k}`, file).data);
    return new AlgorithmResult({
      name: String(meta.name),
      state: meta.state as ParamState,
      history,
      hyperparameters: meta.hyperparameters as Record<string, number>,
      preTuning: meta.pre ? SimulationResult.fromDataset(ds, `${prefix}__pre_tuning`, file) : undefined,
      postTuning: meta.post ? SimulationResult.fromDataset(ds, `${prefix}__post_tuning`, file) : undefined,
    });
  }
}

function mergeInto(ds: NcDataset, part: NcDataset): void {
  ds.dims.push(...part.dims);
  ds.variables.push(...part.variables);
  Object.assign(ds.attrs, part.attrs);
}

export interface ExperimentResultInit {
  /** Experiment id/label (used in file names). */
  id?: string;
  integration?: SimulationResult;
  observations?: Record<string, ObservationResult>;
  explorations?: Record<string, ExplorationResult>;
  optimizations?: Record<string, OptimizationResult>;
  algorithms?: Record<string, AlgorithmResult>;
  /** Follow-up runs that continue from the integration's final state. */
  continuations?: Record<string, SimulationResult>;
  /** Inputs used (name → path or URI), e.g. the empirical FC file. */
  dataSources?: Record<string, string>;
  /** The experiment description that produced this (YAML text). */
  sourceExperiment?: string;
  /** Folder the experiment's relative paths are resolved against (for `vbt rerun`). */
  experimentDir?: string;
  /** Whether every part of the experiment finished; a partial result names the failed part. */
  status?: ExperimentStatus;
}

export interface ExperimentStatus {
  complete: boolean;
  /** Parts that finished, in order (integration, explorations.<name>, algorithms.<name>). */
  completedParts: string[];
  failedPart?: string;
  error?: string;
}

const SECTIONS = ['observation', 'exploration', 'optimization', 'algorithm', 'continuation'] as const;

/** Everything an experiment produced, persisted as one netCDF-4 file. */
export class ExperimentResult {
  readonly id: string;
  readonly integration?: SimulationResult;
  readonly observations: Record<string, ObservationResult>;
  readonly explorations: Record<string, ExplorationResult>;
  readonly optimizations: Record<string, OptimizationResult>;
  readonly algorithms: Record<string, AlgorithmResult>;
  readonly continuations: Record<string, SimulationResult>;
  readonly dataSources: Record<string, string>;
  readonly sourceExperiment?: string;
  readonly experimentDir?: string;
  readonly status: ExperimentStatus;

  constructor(init: ExperimentResultInit = {}) {
    this.id = init.id ?? 'experiment';
    this.integration = init.integration;
    this.observations = init.observations ?? {};
    this.explorations = init.explorations ?? {};
    this.optimizations = init.optimizations ?? {};
    this.algorithms = init.algorithms ?? {};
    this.continuations = init.continuations ?? {};
    for (const k of Object.keys(this.continuations)) checkName('continuation', k);
    this.dataSources = init.dataSources ?? {};
    this.sourceExperiment = init.sourceExperiment;
    this.experimentDir = init.experimentDir;
    this.status = init.status ?? { complete: true, completedParts: [] };
  }

  /** True when a part of the experiment failed and only the parts before it are here. */
  get partial(): boolean {
    return !this.status.complete;
  }

  /** A readable tree of what is inside. */
  tree(): string {
    const lines = [`ExperimentResult ${this.id}${this.partial ? ` — PARTIAL: ${this.status.failedPart} failed (${this.status.error})` : ''}`];
    if (this.integration) {
      lines.push('├─ integration');
      for (const m of this.integration.monitors) lines.push(`│  └─ ${m.name} [${m.shape.join('×')}] (trial, time, variable, node, mode)`);
    }
    const section = (title: string, items: Record<string, unknown>, describe: (v: never) => string) => {
      const keys = Object.keys(items);
      if (!keys.length) return;
      lines.push(`├─ ${title}`);
      for (const k of keys) lines.push(`│  └─ ${k}: ${describe(items[k] as never)}`);
    };
    section('observations', this.observations, (o: ObservationResult) => Object.entries(o.outputs).map(([k, a]) => `${k}[${a.shape.join('×')}]`).join(', '));
    section('explorations', this.explorations, (e: ExplorationResult) => `${e.observable} on ${e.axes.map((a) => `${a.name}(${a.values.length})`).join(' × ')}`);
    section('optimizations', this.optimizations, (o: OptimizationResult) => `${o.nSteps} steps, loss ${o.initialLoss} → ${o.finalLoss}`);
    section('algorithms', this.algorithms, (a: AlgorithmResult) => `${a.nIterations} iterations`);
    section('continuations', this.continuations, (s: SimulationResult) => s.monitors.map((m) => m.name).join(', '));
    section('dataSources', this.dataSources, (s: string) => s);
    return lines.join('\n');
  }

  toDataset(): NcDataset {
    const ds: NcDataset = { dims: [], variables: [], attrs: {} };
    if (this.integration) mergeInto(ds, this.integration.toDataset('integration'));
    for (const [k, v] of Object.entries(this.observations)) v.toDataset(ds, `observation__${k}`);
    for (const [k, v] of Object.entries(this.explorations)) v.toDataset(ds, `exploration__${k}`);
    for (const [k, v] of Object.entries(this.optimizations)) v.toDataset(ds, `optimization__${k}`);
    for (const [k, v] of Object.entries(this.algorithms)) v.toDataset(ds, `algorithm__${k}`);
    for (const [k, v] of Object.entries(this.continuations)) mergeInto(ds, v.toDataset(`continuation__${k}`));
    const attrs: Record<string, NcAttr> = {
      vbt_class: 'ExperimentResult',
      vbt_schema_version: RESULT_SCHEMA_VERSION,
      title: `vbt experiment ${this.id}`,
      experiment_id: this.id,
      vbt_sections: JSON.stringify({
        integration: !!this.integration,
        observation: Object.keys(this.observations),
        exploration: Object.keys(this.explorations),
        optimization: Object.keys(this.optimizations),
        algorithm: Object.keys(this.algorithms),
        continuation: Object.keys(this.continuations),
      }),
      data_sources: JSON.stringify(this.dataSources),
    };
    if (this.sourceExperiment !== undefined) attrs.source_experiment = this.sourceExperiment;
    if (this.experimentDir !== undefined) attrs.experiment_dir = this.experimentDir;
    attrs.vbt_status = this.partial ? 'partial' : 'complete';
    attrs.vbt_status_detail = JSON.stringify(this.status);
    Object.assign(ds.attrs, attrs);
    return ds;
  }

  static fromDataset(ds: NcDataset, file = '<dataset>'): ExperimentResult {
    checkSchemaVersion(ds.attrs.vbt_schema_version, file);
    if (ds.attrs.vbt_class !== 'ExperimentResult') throw new Error(`${file}: holds a ${String(ds.attrs.vbt_class)}, not an ExperimentResult`);
    const s = JSON.parse(String(ds.attrs.vbt_sections ?? '{}')) as Record<(typeof SECTIONS)[number], string[]> & { integration: boolean };
    const pick = <T>(names: string[] | undefined, make: (prefix: string) => T) => Object.fromEntries((names ?? []).map((k) => [k, make(k)]));
    return new ExperimentResult({
      id: String(ds.attrs.experiment_id ?? 'experiment'),
      integration: s.integration ? SimulationResult.fromDataset(ds, 'integration', file) : undefined,
      observations: pick(s.observation, (k) => ObservationResult.fromDataset(ds, `observation__${k}`, file)),
      explorations: pick(s.exploration, (k) => ExplorationResult.fromDataset(ds, `exploration__${k}`, file)),
      optimizations: pick(s.optimization, (k) => OptimizationResult.fromDataset(ds, `optimization__${k}`, file)),
      algorithms: pick(s.algorithm, (k) => AlgorithmResult.fromDataset(ds, `algorithm__${k}`, file)),
      continuations: pick(s.continuation, (k) => SimulationResult.fromDataset(ds, `continuation__${k}`, file)),
      dataSources: JSON.parse(String(ds.attrs.data_sources ?? '{}')),
      sourceExperiment: typeof ds.attrs.source_experiment === 'string' ? ds.attrs.source_experiment : undefined,
      experimentDir: typeof ds.attrs.experiment_dir === 'string' ? ds.attrs.experiment_dir : undefined,
      status: typeof ds.attrs.vbt_status_detail === 'string' ? (JSON.parse(ds.attrs.vbt_status_detail) as ExperimentStatus) : undefined,
    });
  }

  /** Write one netCDF-4 file (`.nc` or `.h5`, same layout) atomically. */
  async save(path: string, opts: NcWriteOptions = {}): Promise<void> {
    await writeNetcdf(path, this.toDataset(), opts);
  }

  static async fromFile(path: string): Promise<ExperimentResult> {
    return ExperimentResult.fromDataset(await readNetcdf(path), path);
  }

  /**
   * BIDS BEP034 export: the integration's monitors (trial 0) as ts/ files, the network as net/ and
   * coord/, the model as eq/, and the experiment YAML at the root.
   */
  async export(root: string, opts: BidsOptions): Promise<string[]> {
    const timeSeries: Record<string, TimeSeries> = {};
    const sim = this.integration;
    if (sim) for (const [k, ts] of Object.entries(sim.observations)) timeSeries[k] = ts;
    let model;
    try {
      model = sim ? getModel(sim.info.model) : undefined;
    } catch {
      model = undefined;
    }
    const experiment = this.sourceExperiment ?? (sim ? { id: this.id, model: sim.info.model, coupling: sim.info.coupling, integrator: { name: sim.info.integrator, dt: sim.info.dt }, parameters: sim.info.parameters, transient: sim.transient, monitors: sim.monitors.map((m) => ({ name: m.name, period: m.period })), dataSources: this.dataSources } : { id: this.id });
    return exportBids(root, {
      timeSeries,
      network: sim?.network,
      model,
      experiment,
      experimentId: this.id,
      provenance: sim ? { Model: sim.info.model, Integrator: sim.info.integrator, StepSize: sim.info.dt, Duration: sim.info.nSteps * sim.info.dt } : {},
    }, { description: opts.description ?? (sim ? sim.info.model.toLowerCase().replace(/[^a-z0-9]/g, '') : undefined), ...opts });
  }
}
