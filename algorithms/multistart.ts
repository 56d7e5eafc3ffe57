/**
 * Multi-start fits: one fit run from several initial parameter sets, the best start kept. The fit
 * is named as data (a `FitJob`), not as a closure, so any executor — this process, or queue
 * workers on other machines — can run any start, and start k gives the same numbers wherever it
 * ran. A start that fails (a non-finite loss, a diverging run) is an outcome with its reason,
 * never a retry: it would fail the same way again.
 *
 * Which start is best is decided by the fit's own final loss under the noise every start shares
 * (eib-gradient: the loss at the final state, seed + steps; rww-bold: the mean loss of the last
 * step's lanes; tensor: the loss of the state `fit` returns, best-seen by default), never by the
 * evaluation seeds, which stay unseen by every choice.
 */
import { eibGradientFit } from './eib-gradient-fit.js';
import { eibGradientSetup, eibStartParams, type EibGradientParams } from './eib-loss.js';
import { fitRwwBold } from './rww-bold-fit.js';
import { fit, type OptimizerName } from './optimize.js';
import { FreeParameter, ParameterSet, type FreeParameterInit } from './params.js';
import { tensorFc, tensorFcCorrLossFull, tensorRmse } from '../src/analysis/tensor.js';
import * as tf from '@tensorflow/tfjs-core';
import { RandomState } from '../src/random/random-state.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { readFileSync } from 'node:fs';
import type { SimulationConfig } from '../src/simulation/config.js';

/** Gradient E/I tuning (`eibGradientFit`): the setup's inputs and the optimiser's settings. */
export interface EibGradientJob {
  kind: 'eib-gradient';
  setup: {
    n: number; weights: number[]; targetFc: number[]; sigma?: number; duration?: number; transient?: number; transientSeed?: number;
    dt?: number; tr?: number; skip?: number; activityTarget?: number; activitySteps?: number; activityWeight?: number;
  };
  steps?: number; lr?: number; noise?: 'per-step' | 'fixed'; seed?: number; evaluationSeeds?: number[]; weightDecay?: number;
}

/** Regional RWW fit through the Bold-FC gradient (`fitRwwBold`); `config` is a SimulationConfig as JSON. */
export interface RwwBoldJob {
  kind: 'rww-bold';
  config: Record<string, unknown>;
  empFc: number[];
  fitG?: boolean; steps?: number; learningRate?: number; lanes?: number; skip?: number; wBounds?: [number, number]; seedBase?: number; freshNoise?: boolean;
}

/**
 * `fit` (optimize.ts) through the tensor engine, with a named loss instead of a closure: `fc_corr`
 * (1 − fc_corr, full matrices) or `fc_rmse` of one monitor variable's FC against a target FC, or
 * `mse` of a monitor's whole output against a target (one value broadcast, or every sample). The
 * free parameters' initial values come from the starts. Runs on the tfjs cpu backend, so every
 * process computes the same float32 numbers.
 */
export interface TensorFitJob {
  kind: 'tensor';
  config: Record<string, unknown>;
  parameters: (Omit<FreeParameterInit, 'init' | 'mask'> & { mask?: number[] })[];
  loss:
    | { kind: 'fc_corr' | 'fc_rmse'; target: number[]; n: number; monitor?: string | number; skip?: number }
    | { kind: 'mse'; target: number | number[]; monitor?: string | number };
  steps: number; optimizer?: OptimizerName; learningRate?: number; keepBest?: boolean;
}

export type FitJob = EibGradientJob | RwwBoldJob | TensorFitJob;

/** Initial values of one start, by parameter name (eib-gradient: J_i, wLRE, wFFI; rww-bold: w, G). */
export type StartValues = Record<string, number | number[]>;

/** What one start gave. Values are exact doubles; `seconds` is the only timing. */
export interface StartOutcome {
  index: number;
  /** The selection criterion (lower is better); NaN when the start failed. */
  score: number;
  state: StartValues;
  lossTrajectory: number[];
  /** Everything else the fit reported, timings left out (they differ between runs). */
  observations: Record<string, number>;
  seconds: number;
  error?: string;
}

/** Parameter names a start of each kind must give, with their lengths for n regions. */
function startShape(job: FitJob): Record<string, number | 'scalar'> {
  if (job.kind === 'eib-gradient') { const n = job.setup.n; return { J_i: n, wLRE: n * n, wFFI: n * n }; }
  const n = (job.config.connectivity as { $connectivity?: { n: number } } | undefined)?.$connectivity?.n ?? 0;
  if (job.kind === 'tensor') {
    if (!Array.isArray(job.parameters) || !job.parameters.length) throw new Error(`tensor fit: parameters is ${JSON.stringify(job.parameters)}; expected a non-empty list`);
    return Object.fromEntries(job.parameters.map((p) => {
      const pn = p.n ?? n;
      return [p.name, p.scope === 'global' ? 'scalar' : p.scope === 'regional' ? pn : pn * pn];
    }));
  }
  return { w: n, G: 'scalar' };
}

/** The named loss of a tensor fit as the tfjs function `fit` differentiates. */
function tensorLoss(l: TensorFitJob['loss']): { loss: Parameters<typeof fit>[0]['loss']; dispose: () => void } {
  if (l.kind === 'mse') {
    let t: tf.Tensor | undefined;
    return {
      loss: (out) => tf.tidy(() => {
        const d = out.monitor(l.monitor ?? 0).data;
        if (typeof l.target !== 'number' && l.target.length !== d.size) throw new Error(`tensor fit: mse target has ${l.target.length} values; the monitor gives ${d.size} (${d.shape.join('×')})`);
        t ??= tf.keep(typeof l.target === 'number' ? tf.scalar(l.target) : tf.tensor(Float32Array.from(l.target), d.shape));
        return tf.mean(tf.square(tf.sub(d, t)));
      }) as tf.Scalar,
      dispose: () => t?.dispose(),
    };
  }
  if (l.kind !== 'fc_corr' && l.kind !== 'fc_rmse') throw new Error(`tensor fit: loss kind ${JSON.stringify((l as { kind?: unknown }).kind)}; expected fc_corr, fc_rmse or mse`);
  if (l.target.length !== l.n * l.n) throw new Error(`tensor fit: the target FC has ${l.target.length} values; expected n×n = ${l.n * l.n}`);
  const tgt = tf.tensor2d(Float32Array.from(l.target), [l.n, l.n]);
  return {
    loss: (out) => tf.tidy(() => {
      const m = out.monitor(l.monitor ?? 0).data; // [B, T, V, N, M]
      const [, T, , N] = m.shape;
      const fc = tensorFc(tf.reshape(tf.slice(m, [0, 0, 0, 0, 0], [1, T, 1, N, 1]), [T, N]), { skip: l.skip ?? 0 });
      return l.kind === 'fc_corr' ? tensorFcCorrLossFull(fc, tgt) : tensorRmse(fc, tgt);
    }) as tf.Scalar,
    dispose: () => tgt.dispose(),
  };
}

/** Refuse a start that does not fit the job, naming the start, the parameter and what was expected. */
export function checkStart(job: FitJob, s: StartValues, where: string): void {
  const shape = startShape(job);
  for (const [name, len] of Object.entries(shape)) {
    const v = s[name];
    if (len === 'scalar' ? typeof v !== 'number' : !Array.isArray(v) || v.length !== len) {
      throw new Error(`${where}: '${name}' is ${JSON.stringify(Array.isArray(v) ? `${v.length} values` : v)}; expected ${len === 'scalar' ? 'a number' : `${len} numbers`}`);
    }
    for (const x of typeof v === 'number' ? [v] : v) if (!Number.isFinite(x)) throw new Error(`${where}: '${name}' holds ${x}; expected finite numbers`);
  }
  const extra = Object.keys(s).filter((k) => !(k in shape));
  if (extra.length) throw new Error(`${where}: unknown parameter(s) ${extra.join(', ')}; a ${job.kind} start has ${Object.keys(shape).join(', ')}`);
}

/**
 * `count` starts: the first is `first`, each later one multiplies every entry of `first` by an
 * independent factor uniform in [1 − spread, 1 + spread] (numpy's RandomState(seed), drawn start
 * after start, parameter after parameter in the order of `first`).
 *
 * @example
 * ```ts
 * import { perturbedStarts } from 'vbt/algorithms';
 * const s = perturbedStarts({ G: 0.5, w: [0.2, 0.4] }, 3, { spread: 0.1, seed: 1 });
 * s.length; // 3
 * s[0].G;   // 0.5
 * ```
 */
export function perturbedStarts(first: StartValues, count: number, o: { spread?: number; seed?: number } = {}): StartValues[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`starts: ${count}; expected a positive integer`);
  const spread = o.spread ?? 0.2;
  if (!(spread >= 0 && spread < 1)) throw new Error(`starts: spread ${spread}; expected 0 ≤ spread < 1 (factors stay positive)`);
  const rng = new RandomState(o.seed ?? 0);
  const f = () => 1 + spread * (2 * rng.randomSample() - 1);
  const out: StartValues[] = [first];
  for (let k = 1; k < count; k++) out.push(Object.fromEntries(Object.entries(first).map(([n, v]) => [n, typeof v === 'number' ? v * f() : v.map((x) => x * f())])));
  return out;
}

/** tvboptim's E/I start (J_i = 1, wLRE = wFFI = 1) as start values. */
export function eibStartValues(n: number): StartValues {
  const p = eibStartParams(n);
  return { J_i: Array.from(p.J_i), wLRE: Array.from(p.wLRE), wFFI: Array.from(p.wFFI) };
}

const TIMINGS = new Set(['seconds_per_step', 'fit_seconds']);

/**
 * Run start `index` of a fit in this process. `config` is the job's config already rebuilt from
 * JSON (rww-bold only; see `configFromJson`), so this module needs no codec of its own.
 */
export async function runStart(job: FitJob, start: StartValues, index: number, config?: SimulationConfig): Promise<StartOutcome> {
  const t0 = performance.now();
  const failed = (e: unknown): StartOutcome => ({ index, score: NaN, state: {}, lossTrajectory: [], observations: {}, seconds: (performance.now() - t0) / 1000, error: (e as Error).message ?? String(e) });
  try {
    if (job.kind === 'eib-gradient') {
      const s = job.setup;
      const setup = eibGradientSetup({ ...s, weights: s.weights, targetFc: { n: s.n, data: Float64Array.from(s.targetFc) } });
      const p: EibGradientParams = { J_i: Float64Array.from(start.J_i as number[]), wLRE: Float64Array.from(start.wLRE as number[]), wFFI: Float64Array.from(start.wFFI as number[]) };
      const r = eibGradientFit({ setup, start: p, steps: job.steps, lr: job.lr, noise: job.noise, seed: job.seed, evaluationSeeds: job.evaluationSeeds, weightDecay: job.weightDecay, progress: false });
      const observations = Object.fromEntries(Object.entries(r.observations).filter(([k]) => !TIMINGS.has(k)));
      return { index, score: r.finalLoss, state: r.state as StartValues, lossTrajectory: r.lossTrajectory, observations, seconds: (performance.now() - t0) / 1000 };
    }
    if (!config) throw new Error(`runStart: a ${job.kind} job needs its config rebuilt from JSON`);
    if (job.kind === 'tensor') {
      const ps = new ParameterSet(job.parameters.map((p) => new FreeParameter({ ...p, init: start[p.name] as number | number[] })));
      const l = tensorLoss(job.loss);
      try {
        const r = await fit({
          config, parameters: ps, loss: l.loss, steps: job.steps, optimizer: job.optimizer, learningRate: job.learningRate, keepBest: job.keepBest, backend: 'cpu', progress: false,
        });
        const score = r.lossTrajectory[r.bestStep] ?? NaN;
        return { index, score, state: r.state as StartValues, lossTrajectory: r.lossTrajectory, observations: r.stoppedEarly ? { stoppedAtStep: r.nSteps } : {}, seconds: (performance.now() - t0) / 1000 };
      } finally {
        l.dispose();
      }
    }
    const r = await fitRwwBold({
      config, empFc: job.empFc, w: start.w as number[], G: start.G as number, fitG: job.fitG, steps: job.steps, learningRate: job.learningRate,
      lanes: job.lanes, skip: job.skip, wBounds: job.wBounds, seedBase: job.seedBase, freshNoise: job.freshNoise,
    });
    const last = r.trajectory[r.trajectory.length - 1];
    return { index, score: last ?? NaN, state: { w: Array.from(r.w), G: r.G }, lossTrajectory: r.trajectory, observations: {}, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    return failed(e);
  }
}

export const MULTISTART_RESULT_SCHEMA = 'vbt-multistart-result/1';

/**
 * Every start's outcome and the best one (lowest finite score; the lower index on a tie).
 *
 * @example
 * ```ts
 * import { MultiStartResult } from 'vbt/algorithms';
 * const r = new MultiStartResult('fit', 'rww-bold', [
 *   { index: 0, score: 0.5, state: { G: 1 }, lossTrajectory: [0.6, 0.5], observations: {}, seconds: 1 },
 *   { index: 1, score: 0.4, state: { G: 2 }, lossTrajectory: [0.7, 0.4], observations: {}, seconds: 1 },
 * ]);
 * r.best;           // 1
 * r.bestOutcome.state.G; // 2
 * ```
 */
export class MultiStartResult {
  readonly best: number;
  constructor(readonly name: string, readonly kind: FitJob['kind'], readonly starts: StartOutcome[], readonly metadata: Record<string, unknown> = {}) {
    let best = -1;
    starts.forEach((s, k) => { if (Number.isFinite(s.score) && (best < 0 || s.score < starts[best].score)) best = k; });
    this.best = best;
  }

  get bestOutcome(): StartOutcome {
    if (this.best < 0) throw new Error(`multi-start fit '${this.name}': every start failed (${this.starts.map((s) => `start ${s.index}: ${s.error ?? 'no score'}`).join('; ')})`);
    return this.starts[this.best];
  }

  toJSON(): Record<string, unknown> {
    // NaN (a failed start's score) is not JSON: written as null
    const num = (x: number) => (Number.isFinite(x) ? x : null);
    return {
      schema: MULTISTART_RESULT_SCHEMA, name: this.name, kind: this.kind, best: this.best, metadata: this.metadata,
      starts: this.starts.map((s) => ({ ...s, score: num(s.score), lossTrajectory: s.lossTrajectory.map(num) })),
    };
  }

  static fromJSON(j: Record<string, unknown>, where = 'MultiStartResult'): MultiStartResult {
    if (j.schema !== MULTISTART_RESULT_SCHEMA) throw new Error(`${where}: schema ${JSON.stringify(j.schema)}; expected ${MULTISTART_RESULT_SCHEMA}`);
    if (!Array.isArray(j.starts)) throw new Error(`${where}: 'starts' is not a list`);
    const nan = (x: number | null) => (x === null ? NaN : x);
    const starts = (j.starts as (StartOutcome & { score: number | null; lossTrajectory: (number | null)[] })[]).map((s) => ({ ...s, score: nan(s.score), lossTrajectory: s.lossTrajectory.map(nan) }));
    return new MultiStartResult(String(j.name ?? ''), j.kind as FitJob['kind'], starts, (j.metadata as Record<string, unknown>) ?? {});
  }

  save(path: string): void {
    writeFileAtomic(path, JSON.stringify(this.toJSON()));
  }

  static load(path: string): MultiStartResult {
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`MultiStartResult.load: cannot read ${path}: ${(e as Error).message}`);
    }
    return MultiStartResult.fromJSON(j, path);
  }
}
