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
 * ex.optimal(); // { flatIndex: 1, value: 0.2, index: [1], parameters: { 'coupling.a': 0.2 } }
 * ```
 */
import type { LabeledArray } from './labeled.js';
import { SimulationResult, RESULT_SCHEMA_VERSION, checkSchemaVersion, type MonitorOutput } from './simulation.js';
import { readNetcdf, writeNetcdf, type NcAttr, type NcDataset, type NcWriteOptions } from '../io/netcdf.js';
import { checkName, getArray, getMeta, mergeInto, putArray, putMeta } from './sections.js';
import { ExplorationResult } from './exploration.js';
import { AlgorithmResult, OptimizationResult } from './tuning.js';

// the section classes live in their own modules; re-exported here, where they were first defined
export { ExplorationResult, AlgorithmResult, OptimizationResult };
import { exportBids, bidsSuffixOf, type BidsOptions, type BidsSuffix } from '../io/bids.js';
import { getModel } from '../models/catalogue.js';
import { TimeSeries } from './timeseries.js';
import { resultFigures, tvbExperimentReader, type ExperimentPlotOptions, type ResultPlotSpec } from './extensions.js';

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

  /**
   * A figure (tvbo's `ExperimentResult.plot`): the integration's ('default' when there is one, or any
   * SimulationResult plot type: timeseries, spectrum, fc, network, ...), 'exploration', 'loss',
   * 'parameters' or 'convergence' (`name` picks the section entry, default the first).
   */
  async plot(opts: ExperimentPlotOptions = {}): Promise<ResultPlotSpec> {
    return (await resultFigures('ExperimentResult.plot')).experimentPlot(this, opts);
  }

  /** One result per TimeSeries (tvbo's from_timeseries): each becomes a monitor of the integration. */
  static fromTimeseries(series: TimeSeries | Record<string, TimeSeries>, opts: { id?: string } = {}): ExperimentResult {
    const named = series instanceof TimeSeries ? { [series.title.replace(/^Simulation:\s*/, '') || 'Raw']: series } : series;
    const entries = Object.entries(named);
    if (!entries.length) throw new Error('ExperimentResult.fromTimeseries: no time series');
    const [first] = entries;
    const [, V, N] = first[1].shape;
    const monitors: MonitorOutput[] = entries.map(([name, ts]) => {
      const [T, v, n, m] = ts.shape;
      if (n !== N) throw new Error(`ExperimentResult.fromTimeseries: '${name}' has ${n} regions, '${first[0]}' has ${N}`);
      const f = ts.samplePeriodMs / ts.samplePeriod;
      return { name, period: ts.samplePeriodMs, time: ts.time.map((t) => t * f), data: Float64Array.from(ts.data), shape: [1, T, v, n, m], variables: ts.variables };
    });
    const ts0 = first[1];
    const M = ts0.shape[3];
    const sim = new SimulationResult(monitors, {
      model: 'unknown', coupling: 'unknown', integrator: 'unknown', dt: ts0.samplePeriodMs, nSteps: ts0.shape[0], transientSteps: 0, horizon: 1, batchSize: 1,
      nodeLabels: ts0.regions, connectivity: ts0.network?.name ?? 'unknown', wallSeconds: 0, finalState: new Float64Array(V * N * M).fill(NaN), stateVariables: ts0.variables, parameters: {},
    });
    if (ts0.network) sim.withNetwork(ts0.network);
    return new ExperimentResult({ id: opts.id ?? 'timeseries', integration: sim, dataSources: Object.fromEntries(entries.map(([k, t]) => [k, t.title || k])) });
  }

  /**
   * From TVB's own H5 files (tvbo's from_tvb): TimeSeriesRegion/TimeSeries files as monitors, and
   * the Connectivity H5 they were simulated on (labels and network for export and plots). The reader
   * is io's `readTvbExperiment` (registered when src/io/tvb-h5.ts loads, as `import … from 'vbt'` does).
   */
  static async fromTvb(timeSeries: string | string[], opts: { connectivity?: string; id?: string } = {}): Promise<ExperimentResult> {
    return tvbExperimentReader('ExperimentResult.fromTvb')(timeSeries, opts);
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
    // tvbo's layout: the first model-state monitor is ts-sim_State, every observation monitor
    // (BOLD, EEG, MEG) ts-<name>_<suffix>, other state monitors ts-<name>_State
    const timeSeries: Record<string, TimeSeries> = {};
    const suffixes: Record<string, BidsSuffix> = {};
    const sim = this.integration;
    if (sim) {
      let first = true;
      for (const [k, ts] of Object.entries(sim.observations)) {
        const sfx = bidsSuffixOf(k);
        const label = sfx === 'State' && first ? 'sim' : k.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
        if (sfx === 'State') first = false;
        timeSeries[label] = ts;
        suffixes[label] = sfx;
      }
    }
    let model;
    try {
      model = sim ? getModel(sim.info.model) : undefined;
    } catch {
      model = undefined;
    }
    const experiment = this.sourceExperiment ?? (sim ? { id: this.id, model: sim.info.model, coupling: sim.info.coupling, integrator: { name: sim.info.integrator, dt: sim.info.dt }, parameters: sim.info.parameters, transient: sim.transientTime, monitors: sim.monitors.map((m) => ({ name: m.name, period: m.period })), dataSources: this.dataSources } : { id: this.id });
    return exportBids(root, {
      timeSeries,
      suffixes,
      network: sim?.network,
      model,
      experiment,
      experimentId: this.id,
      // the full record (resolved config, versions, command line) travels as `vbt` (readBidsProvenance reads it back)
      provenance: sim ? { Model: sim.info.model, Integrator: sim.info.integrator, StepSize: sim.info.dt, Duration: sim.info.nSteps * sim.info.dt, ...(sim.info.provenance ? { vbt: sim.info.provenance } : {}) } : {},
    }, opts);
  }

}
