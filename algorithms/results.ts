/**
 * Results of iterative algorithms (FIC, EIB) and of gradient optimisation, with JSON persistence.
 * The project-wide result classes (src/results) had no AlgorithmResult/OptimizationResult when
 * these were written, so they live here; fields follow the tvbo result types (state, history,
 * pre/post tuning, convergence; loss and state trajectories).
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../src/io/atomic.js';
import * as project from '../src/results/experiment.js';

/** A name the project's result containers accept (letters, digits, single underscores). */
export function resultName(s: string): string {
  const t = s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z]/.test(t) ? t : `r_${t}`;
}

function plainHyper(h: Record<string, unknown>): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(h)) out[k] = typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : JSON.stringify(v);
  return out;
}

export type Values = Record<string, number | number[]>;

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

function toPlain(v: Float64Array | number[] | number): number | number[] {
  return typeof v === 'number' ? v : Array.from(v);
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

/**
 * An iterative algorithm's outcome.
 *
 * @example
 * ```ts
 * import { AlgorithmResult } from 'vbt/algorithms';
 * const r = new AlgorithmResult({ name: 'fic', state: { J_i: [1, 1.2] }, history: { meanSe: [0.4, 0.3, 0.26] },
 *   nIterations: 3, hyperparameters: { eta: 0.5 } });
 * r.convergence.meanSe_final;  // 0.26
 * r.convergence.meanSe_delta;  // −0.04 (last minus previous)
 * ```
 */
export class AlgorithmResult {
  readonly name: string;
  /** Tuned parameters. */
  readonly state: Values;
  /** Per-iteration scalars (one entry per iteration). */
  readonly history: Record<string, number[]>;
  /** Per-snapshot arrays (e.g. J_i every k iterations), keyed by name, with their iteration numbers. */
  readonly snapshots: { iteration: number; values: Values }[];
  readonly preTuning?: TuningSnapshot;
  readonly postTuning?: TuningSnapshot;
  readonly nIterations: number;
  readonly hyperparameters: Record<string, unknown>;
  readonly seconds: number;

  constructor(o: {
    name: string; state: Values; history: Record<string, number[]>; snapshots?: { iteration: number; values: Values }[];
    preTuning?: TuningSnapshot; postTuning?: TuningSnapshot; nIterations: number; hyperparameters?: Record<string, unknown>; seconds?: number;
  }) {
    this.name = o.name;
    this.state = o.state;
    this.history = o.history;
    this.snapshots = o.snapshots ?? [];
    this.preTuning = o.preTuning;
    this.postTuning = o.postTuning;
    this.nIterations = o.nIterations;
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

  toJSON(): Record<string, unknown> {
    return {
      schema: ALGORITHM_SCHEMA, name: this.name,
      state: Object.fromEntries(Object.entries(this.state).map(([k, v]) => [k, toPlain(v)])),
      history: this.history, snapshots: this.snapshots, preTuning: this.preTuning, postTuning: this.postTuning,
      nIterations: this.nIterations, hyperparameters: this.hyperparameters, seconds: this.seconds,
    };
  }

  save(path: string): void {
    writeFileAtomic(path, JSON.stringify(this.toJSON()));
  }

  /**
   * The project's AlgorithmResult (src/results), for an ExperimentResult netCDF file: state,
   * history and hyperparameters; the pre/post snapshots go in as `pre_*`/`post_*` hyperparameters
   * because that class holds pre/post tuning as full SimulationResults.
   */
  toResult(): project.AlgorithmResult {
    const hyper = plainHyper(this.hyperparameters);
    for (const [tag, snap] of [['pre', this.preTuning], ['post', this.postTuning]] as const) {
      if (snap) for (const [k, v] of Object.entries(snap.metrics)) hyper[`${tag}_${k}`] = v;
    }
    const history = Object.fromEntries(Object.entries(this.history).map(([k, v]) => [resultName(k), v]));
    return new project.AlgorithmResult({ name: resultName(this.name), state: this.state, history, hyperparameters: hyper });
  }

  static load(path: string): AlgorithmResult {
    const j = readJson(path, ALGORITHM_SCHEMA, 'AlgorithmResult');
    return new AlgorithmResult(j as never);
  }
}

/**
 * A gradient fit's outcome: fitted values, loss and parameter trajectories, best-seen state.
 *
 * @example
 * ```ts
 * import { OptimizationResult } from 'vbt/algorithms';
 * const r = new OptimizationResult({ name: 'fit', state: { G: 0.5 }, lossTrajectory: [1, 0.5, 0.25],
 *   stateTrajectory: [{ G: 0.1 }, { G: 0.3 }, { G: 0.5 }] });
 * r.lossImprovement; // 0.75
 * ```
 */
export class OptimizationResult {
  readonly name: string;
  readonly state: Values;
  readonly lossTrajectory: number[];
  readonly stateTrajectory: Values[];
  readonly bestStep: number;
  readonly hyperparameters: Record<string, unknown>;
  /** Observations of the final simulation (fc_corr, rmse, ...). */
  readonly observations: Record<string, number>;
  readonly stoppedEarly: string | null;
  readonly seconds: number;

  constructor(o: {
    name: string; state: Values; lossTrajectory: number[]; stateTrajectory?: Values[]; bestStep?: number;
    hyperparameters?: Record<string, unknown>; observations?: Record<string, number>; stoppedEarly?: string | null; seconds?: number;
  }) {
    this.name = o.name;
    this.state = o.state;
    this.lossTrajectory = o.lossTrajectory;
    this.stateTrajectory = o.stateTrajectory ?? [];
    this.bestStep = o.bestStep ?? o.lossTrajectory.length - 1;
    this.hyperparameters = o.hyperparameters ?? {};
    this.observations = o.observations ?? {};
    this.stoppedEarly = o.stoppedEarly ?? null;
    this.seconds = o.seconds ?? 0;
  }
  get nSteps(): number {
    return this.lossTrajectory.length;
  }
  get initialLoss(): number {
    return this.lossTrajectory[0];
  }
  get finalLoss(): number {
    return this.lossTrajectory[this.lossTrajectory.length - 1];
  }
  /** (initial − final) / initial. */
  get lossImprovement(): number {
    return (this.initialLoss - this.finalLoss) / this.initialLoss;
  }
  toJSON(): Record<string, unknown> {
    return {
      schema: OPTIMIZATION_SCHEMA, name: this.name,
      state: Object.fromEntries(Object.entries(this.state).map(([k, v]) => [k, toPlain(v)])),
      lossTrajectory: this.lossTrajectory, stateTrajectory: this.stateTrajectory, bestStep: this.bestStep,
      hyperparameters: this.hyperparameters, observations: this.observations, stoppedEarly: this.stoppedEarly, seconds: this.seconds,
    };
  }
  save(path: string): void {
    writeFileAtomic(path, JSON.stringify(this.toJSON()));
  }
  /** The project's OptimizationResult (src/results): history `loss` plus one entry per global parameter. */
  toResult(): project.OptimizationResult {
    const history: Record<string, number[]> = { loss: this.lossTrajectory };
    for (const k of Object.keys(this.state)) {
      if (typeof this.state[k] === 'number') history[resultName(k)] = this.stateTrajectory.map((s) => s[k] as number);
    }
    return new project.OptimizationResult({ name: resultName(this.name), state: this.state, history, hyperparameters: { ...plainHyper(this.hyperparameters), bestStep: this.bestStep, ...this.observations } });
  }
  static load(path: string): OptimizationResult {
    return new OptimizationResult(readJson(path, OPTIMIZATION_SCHEMA, 'OptimizationResult') as never);
  }
}
