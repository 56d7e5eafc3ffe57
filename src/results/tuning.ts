/**
 * Results of tuning algorithms (FIC, EIB: tvbo's AlgorithmResult) and of gradient optimisation
 * (tvbo's OptimizationResult). One class each, used by the algorithms and stored in an
 * ExperimentResult netCDF file; the older stand-alone JSON files are still read and written.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';
import type { NcDataset } from '../io/netcdf.js';
import { SimulationResult } from './simulation.js';
import { LabeledArray } from './labeled.js';
import { getArray, getHistory, getMeta, mergeInto, putArray, putHistory, putMeta, resultName } from './sections.js';

export type Values = Record<string, number | number[]>;
/** Same as Values (tvbo's `state`: tuned or fitted parameters). */
export type ParamState = Values;

/** What a pre- or post-tuning simulation showed (per-node means and fit metrics). */
export interface TuningSnapshot {
  /** Per-node time means (S_e, S_i, rate, current, ...). */
  means: Record<string, number[]>;
  /** Scalar metrics (fc_corr, rmse, mean S_e, ...). */
  metrics: Record<string, number>;
  /** Simulated FC (n×n, row-major) when an FC target was given. */
  fc?: number[];
}

export const ALGORITHM_SCHEMA = 'vbt-algorithm/1';
export const OPTIMIZATION_SCHEMA = 'vbt-optimization/1';

function plainValues(v: Record<string, number | ArrayLike<number>>): Values {
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'number' ? x : Array.from(x)]));
}

function readJson(path: string, schema: string, what: string): Record<string, unknown> {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${what}.load: cannot read ${path}: ${(e as Error).message}`);
  }
  if (j.schema !== schema) throw new Error(`${what}.load: ${path} has schema ${JSON.stringify(j.schema)}; expected ${schema}`);
  return j;
}

function putSnapshot(ds: NcDataset, prefix: string, s: TuningSnapshot): void {
  for (const [k, v] of Object.entries(s.means)) putArray(ds, prefix, `mean_${resultName(k)}`, new LabeledArray(Float64Array.from(v), ['node'], {}, { quantity: k }, [v.length]));
  if (s.fc) {
    const n = Math.round(Math.sqrt(s.fc.length));
    putArray(ds, prefix, 'fc', new LabeledArray(Float64Array.from(s.fc), ['node_i', 'node_j'], {}, {}, [n, n]));
  }
}

function getSnapshot(ds: NcDataset, prefix: string, meta: { means: [string, string][]; metrics: Record<string, number>; fc: boolean }, file: string): TuningSnapshot {
  const means: Record<string, number[]> = {};
  for (const [k, key] of meta.means) means[k] = Array.from(getArray(ds, prefix, `mean_${key}`, file).data);
  return { means, metrics: meta.metrics, ...(meta.fc ? { fc: Array.from(getArray(ds, prefix, 'fc', file).data) } : {}) };
}

const snapMeta = (s: TuningSnapshot) => ({ means: Object.keys(s.means).map((k) => [k, resultName(k)]), metrics: s.metrics, fc: !!s.fc });

export interface AlgorithmInit {
  name: string;
  state: Record<string, number | ArrayLike<number>>;
  history: Record<string, number[]>;
  snapshots?: { iteration: number; values: Values }[];
  preTuning?: TuningSnapshot;
  postTuning?: TuningSnapshot;
  /**
   * Full simulations before and after tuning (fic/eib with `record`): the same start and noise,
   * untuned vs tuned values. They go into the netCDF ExperimentResult; the JSON of `save` has no
   * place for them and refuses a result that carries them.
   */
  preTuningSimulation?: SimulationResult;
  postTuningSimulation?: SimulationResult;
  nIterations?: number;
  hyperparameters?: Record<string, unknown>;
  seconds?: number;
}

/**
 * An iterative algorithm's outcome.
 *
 * @example
 * ```ts
 * import { AlgorithmResult } from 'vbt';
 * const r = new AlgorithmResult({ name: 'fic', state: { J_i: [1, 1.2] }, history: { meanSe: [0.4, 0.3, 0.26] },
 *   nIterations: 3, hyperparameters: { eta: 0.5 } });
 * r.convergence.meanSe_final;  // 0.26
 * r.get('J_i');                // [1, 1.2]
 * ```
 */
export class AlgorithmResult {
  readonly name: string;
  /** Tuned parameters. */
  readonly state: Values;
  /** Per-iteration scalars (one entry per iteration). */
  readonly history: Record<string, number[]>;
  /** Per-snapshot arrays (e.g. J_i every k iterations) with their iteration numbers. */
  readonly snapshots: { iteration: number; values: Values }[];
  readonly preTuning?: TuningSnapshot;
  readonly postTuning?: TuningSnapshot;
  readonly preTuningSimulation?: SimulationResult;
  readonly postTuningSimulation?: SimulationResult;
  readonly nIterations: number;
  readonly hyperparameters: Record<string, unknown>;
  readonly seconds: number;

  constructor(o: AlgorithmInit) {
    this.name = o.name;
    this.state = plainValues(o.state);
    this.history = o.history;
    this.snapshots = o.snapshots ?? [];
    this.preTuning = o.preTuning;
    this.postTuning = o.postTuning;
    this.preTuningSimulation = o.preTuningSimulation;
    this.postTuningSimulation = o.postTuningSimulation;
    this.nIterations = o.nIterations ?? Math.max(0, ...Object.values(o.history).map((h) => h.length));
    this.hyperparameters = o.hyperparameters ?? {};
    this.seconds = o.seconds ?? 0;
  }

  /** `<key>_final` (last value) and `<key>_delta` (last − previous) for every history series. */
  get convergence(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.history)) {
      if (v.length === 0) continue;
      out[`${k}_final`] = v[v.length - 1];
      out[`${k}_delta`] = v.length > 1 ? v[v.length - 1] - v[v.length - 2] : NaN;
    }
    return out;
  }

  /**
   * What the post-tuning evaluation showed: its metrics and per-node means (tvbo's post_tuning
   * observations); the recorded run's own time series are `postTuningSimulation.observations`.
   */
  get postTuningObservations(): Record<string, number | number[]> {
    if (!this.postTuning) return {};
    return { ...this.postTuning.metrics, ...this.postTuning.means };
  }

  /**
   * A value by name, looked up as tvbo's `get`: tuned state, then history (the whole series),
   * then convergence (`<key>_final`/`_delta`), then hyperparameters.
   */
  get(key: string): number | number[] | unknown {
    if (key in this.state) return this.state[key];
    if (key in this.history) return this.history[key];
    const c = this.convergence;
    if (key in c) return c[key];
    if (key in this.hyperparameters) return this.hyperparameters[key];
    throw new Error(`AlgorithmResult '${this.name}': no '${key}' in state (${Object.keys(this.state).join(', ')}), history (${Object.keys(this.history).join(', ')}) or hyperparameters`);
  }

  toJSON(): Record<string, unknown> {
    return {
      schema: ALGORITHM_SCHEMA, name: this.name, state: this.state,
      history: this.history, snapshots: this.snapshots, preTuning: this.preTuning, postTuning: this.postTuning,
      nIterations: this.nIterations, hyperparameters: this.hyperparameters, seconds: this.seconds,
    };
  }

  /**
   * JSON (the stand-alone format of `vbt fic`/`vbt eib`), written atomically. It has no place for the
   * pre/post SimulationResults, so a result that carries them is refused (nothing is dropped
   * silently): store it in an ExperimentResult netCDF file, which keeps them.
   */
  save(path: string): void {
    const sims = [this.preTuningSimulation && 'preTuningSimulation', this.postTuningSimulation && 'postTuningSimulation'].filter(Boolean);
    if (sims.length) throw new Error(`AlgorithmResult '${this.name}'.save(${path}): JSON cannot hold ${sims.join(' and ')}; save it in netCDF instead: await new ExperimentResult({ algorithms: { ${/^[A-Za-z_]\w*$/.test(this.name) ? this.name : `'${this.name}'`}: r } }).save('out.nc')`);
    writeFileAtomic(path, JSON.stringify(this.toJSON()));
  }

  static load(path: string): AlgorithmResult {
    return new AlgorithmResult(readJson(path, ALGORITHM_SCHEMA, 'AlgorithmResult') as never);
  }

  toDataset(ds: NcDataset, prefix: string): void {
    putMeta(ds, prefix, {
      vbt_class: 'AlgorithmResult', name: this.name, state: this.state, hyperparameters: this.hyperparameters, nIterations: this.nIterations, seconds: this.seconds,
      history: putHistory(ds, prefix, this.history), snapshots: this.snapshots,
      pre: this.preTuning ? snapMeta(this.preTuning) : undefined, post: this.postTuning ? snapMeta(this.postTuning) : undefined,
      preSim: !!this.preTuningSimulation, postSim: !!this.postTuningSimulation,
    });
    if (this.preTuning) putSnapshot(ds, `${prefix}__pre`, this.preTuning);
    if (this.postTuning) putSnapshot(ds, `${prefix}__post`, this.postTuning);
    if (this.preTuningSimulation) mergeInto(ds, this.preTuningSimulation.toDataset(`${prefix}__pre_tuning`));
    if (this.postTuningSimulation) mergeInto(ds, this.postTuningSimulation.toDataset(`${prefix}__post_tuning`));
  }

  static fromDataset(ds: NcDataset, prefix: string, file: string): AlgorithmResult {
    const meta = getMeta(ds, prefix, 'AlgorithmResult', file) as Record<string, any>;
    const history = getHistory(ds, prefix, meta.history, file);
    // before the merge, pre/post were flags for full simulations
    const oldSims = typeof meta.pre === 'boolean';
    return new AlgorithmResult({
      name: String(meta.name), state: meta.state, history, hyperparameters: meta.hyperparameters, nIterations: meta.nIterations, seconds: meta.seconds, snapshots: meta.snapshots,
      preTuning: !oldSims && meta.pre ? getSnapshot(ds, `${prefix}__pre`, meta.pre, file) : undefined,
      postTuning: !oldSims && meta.post ? getSnapshot(ds, `${prefix}__post`, meta.post, file) : undefined,
      preTuningSimulation: (oldSims ? meta.pre : meta.preSim) ? SimulationResult.fromDataset(ds, `${prefix}__pre_tuning`, file) : undefined,
      postTuningSimulation: (oldSims ? meta.post : meta.postSim) ? SimulationResult.fromDataset(ds, `${prefix}__post_tuning`, file) : undefined,
    });
  }
}

export interface OptimizationInit {
  name: string;
  state: Record<string, number | ArrayLike<number>>;
  /** Per-step scalars: `loss` and any tracked parameter or metric. */
  history?: Record<string, number[]>;
  /** Or the loss alone (becomes history.loss). */
  lossTrajectory?: number[];
  /** The parameter values of every step. */
  stateTrajectory?: Values[];
  bestStep?: number;
  simulation?: SimulationResult;
  hyperparameters?: Record<string, unknown>;
  /** Observations of the final simulation (fc_corr, rmse, ...). */
  observations?: Record<string, number>;
  stoppedEarly?: string | null;
  seconds?: number;
}

/**
 * A gradient fit's outcome: fitted values, loss and parameter trajectories, best-seen state.
 *
 * @example
 * ```ts
 * import { OptimizationResult } from 'vbt';
 * const r = new OptimizationResult({ name: 'fit', state: { G: 0.5 }, lossTrajectory: [1, 0.5, 0.25],
 *   stateTrajectory: [{ G: 0.1 }, { G: 0.3 }, { G: 0.5 }] });
 * r.lossImprovement;            // 0.75 (initial − final)
 * r.parameterTrajectory('G');   // [0.1, 0.3, 0.5]
 * ```
 */
export class OptimizationResult {
  readonly name: string;
  readonly state: Values;
  readonly history: Record<string, number[]>;
  readonly stateTrajectory: Values[];
  readonly bestStep: number;
  readonly simulation?: SimulationResult;
  readonly hyperparameters: Record<string, unknown>;
  readonly observations: Record<string, number>;
  readonly stoppedEarly: string | null;
  readonly seconds: number;

  constructor(o: OptimizationInit) {
    this.name = o.name;
    this.state = plainValues(o.state);
    const history: Record<string, number[]> = { ...(o.history ?? {}) };
    if (o.lossTrajectory) history.loss = o.lossTrajectory;
    // scalar parameters from the state trajectory become history entries (tvbo's history)
    for (const k of Object.keys(this.state)) {
      if (history[k] || !o.stateTrajectory?.length || typeof this.state[k] !== 'number') continue;
      if (o.stateTrajectory.every((s) => typeof s[k] === 'number')) history[k] = o.stateTrajectory.map((s) => s[k] as number);
    }
    this.history = history;
    this.stateTrajectory = o.stateTrajectory ?? [];
    const loss = history.loss ?? [];
    this.bestStep = o.bestStep ?? loss.length - 1;
    this.simulation = o.simulation;
    this.hyperparameters = o.hyperparameters ?? {};
    this.observations = o.observations ?? {};
    this.stoppedEarly = o.stoppedEarly ?? null;
    this.seconds = o.seconds ?? 0;
  }

  get fittedParams(): Values { return this.state; }
  get fittingData(): Record<string, number[]> { return this.history; }
  get lossTrajectory(): number[] { return this.history.loss ?? []; }
  get nSteps(): number { return this.lossTrajectory.length; }
  get initialLoss(): number { return this.lossTrajectory.length ? this.lossTrajectory[0] : NaN; }
  get finalLoss(): number { return this.lossTrajectory.length ? this.lossTrajectory[this.lossTrajectory.length - 1] : NaN; }
  /** initial − final (positive when the loss went down). */
  get lossImprovement(): number { return this.initialLoss - this.finalLoss; }
  /** (initial − final) / initial. */
  get relativeLossImprovement(): number { return (this.initialLoss - this.finalLoss) / this.initialLoss; }

  /** The values one scalar parameter took over the steps. */
  parameterTrajectory(name: string): number[] {
    const h = this.history[name];
    if (h) return h;
    if (this.stateTrajectory.length && this.stateTrajectory.every((s) => typeof s[name] === 'number')) return this.stateTrajectory.map((s) => s[name] as number);
    throw new Error(`optimization '${this.name}': no trajectory of '${name}' (have ${Object.keys(this.history).join(', ')})`);
  }

  toJSON(): Record<string, unknown> {
    return {
      schema: OPTIMIZATION_SCHEMA, name: this.name, state: this.state,
      lossTrajectory: this.lossTrajectory, history: this.history, stateTrajectory: this.stateTrajectory, bestStep: this.bestStep,
      hyperparameters: this.hyperparameters, observations: this.observations, stoppedEarly: this.stoppedEarly, seconds: this.seconds,
    };
  }

  save(path: string): void {
    writeFileAtomic(path, JSON.stringify(this.toJSON()));
  }

  static load(path: string): OptimizationResult {
    return new OptimizationResult(readJson(path, OPTIMIZATION_SCHEMA, 'OptimizationResult') as never);
  }

  toDataset(ds: NcDataset, prefix: string): void {
    putMeta(ds, prefix, {
      vbt_class: 'OptimizationResult', name: this.name, state: this.state, hyperparameters: this.hyperparameters, history: putHistory(ds, prefix, this.history),
      stateTrajectory: this.stateTrajectory, bestStep: this.bestStep, observations: this.observations, stoppedEarly: this.stoppedEarly, seconds: this.seconds,
      simulation: !!this.simulation,
    });
    if (this.simulation) mergeInto(ds, this.simulation.toDataset(`${prefix}__simulation`));
  }

  static fromDataset(ds: NcDataset, prefix: string, file: string): OptimizationResult {
    const meta = getMeta(ds, prefix, 'OptimizationResult', file) as Record<string, any>;
    const history = getHistory(ds, prefix, meta.history, file);
    return new OptimizationResult({
      name: String(meta.name), state: meta.state, history, hyperparameters: meta.hyperparameters, stateTrajectory: meta.stateTrajectory,
      bestStep: meta.bestStep, observations: meta.observations, stoppedEarly: meta.stoppedEarly, seconds: meta.seconds,
      simulation: meta.simulation ? SimulationResult.fromDataset(ds, `${prefix}__simulation`, file) : undefined,
    });
  }
}
