/**
 * Feedback inhibition control: per-region local inhibition J_i adjusted between short simulation
 * windows until the excitatory pool sits at a target.
 *
 * - `gating` (Schirner et al. 2023 / tvboptim): ΔJ_i = η·⟨S_i⟩·(⟨S_e⟩ − target), target 0.25.
 * - `deco2014` (Deco et al. 2014): the excitatory input current relative to threshold,
 *   I_i = x_e/a_e, is driven to −0.026 nA (≈ 3 Hz); with `rate` the target current is the one
 *   whose transfer-function rate equals the given Hz. Update ΔJ_i = η·(⟨I_i⟩ − I_target)/⟨S_i⟩:
 *   ∂I_i/∂J_i = −S_i, so η = 1 would be one Newton step for the direct effect; the default 0.5
 *   damps the positive feedback through recurrent excitation.
 */
import { EibNetwork, transfer, type EibMeans } from './eib-model.js';
import { AlgorithmResult, type TuningSnapshot } from '../src/results/tuning.js';
import { makeProgress, type ProgressOption } from './progress.js';
import { TvbBold } from '../src/observation/bold/reference.js';
import { functionalConnectivity, type SquareMatrix } from '../src/analysis/fc.js';
import { rmse } from '../src/analysis/losses.js';
import { fcCorr } from './data.js';
import { simulateSync } from '../src/simulation/simulate.js';
import type { MonitorSpec } from '../src/observation/index.js';

export type FicRule =
  | { kind: 'gating'; target?: number; eta?: number }
  | { kind: 'deco2014'; current?: number; rate?: number; eta?: number };

export interface FicOptions {
  network: EibNetwork;
  rule?: FicRule;
  /** Iterations (default 200, tvboptim's stand-alone run). */
  iterations?: number;
  /** Steps per iteration window (default: 720 ms worth, one BOLD TR). */
  windowSteps?: number;
  /** Steps simulated before the first update (default 0). */
  transientSteps?: number;
  /** J_i is clipped here after every update (default [0, 5], tvbo's bounds). */
  bounds?: [number, number];
  /** Pre-/post-tuning evaluation: steps (default 0 = none) and an FC target for fc_corr/RMSE. */
  evaluation?: EvaluationOptions;
  /** Record full pre- and post-tuning simulations (AlgorithmResult.preTuningSimulation / postTuningSimulation). */
  record?: TuningRecord;
  progress?: ProgressOption;
}

/**
 * The pre- and post-tuning simulations: both start from the network's state when the algorithm is
 * called and use the same noise, so they differ only by the tuned values (untuned before, tuned after).
 */
export interface TuningRecord {
  /** What to observe (an experiment's monitors). */
  monitors: MonitorSpec[];
  /** Recorded ms, after `transient`. */
  duration: number;
  /** Simulated first and discarded (ms, default 0). */
  transient?: number;
  /** Noise seed of both runs (default: the network's own). */
  seed?: number;
  /** Region labels of the results. */
  labels?: readonly string[];
}

/**
 * A fresh simulation of `start` (a clone taken before tuning) with `values` in force: the untuned
 * values give the pre-tuning result, the tuned ones the post-tuning result.
 */
export function recordTuning(start: EibNetwork, rec: TuningRecord, values?: { J_i?: ArrayLike<number>; wLRE?: ArrayLike<number>; wFFI?: ArrayLike<number> }): ReturnType<typeof simulateSync> {
  if (!(rec.duration > 0)) throw new Error(`record.duration=${rec.duration}; expected > 0 ms`);
  if (!rec.monitors?.length) throw new Error('record.monitors is empty; expected at least one monitor (e.g. { name: \'TemporalAverage\', period: 1 })');
  const net = start.clone(start.seed);
  if (values?.J_i) net.J_i.set(values.J_i);
  if (values?.wLRE) net.wLRE.set(values.wLRE);
  if (values?.wFFI) net.wFFI.set(values.wFFI);
  return simulateSync(net.simulationConfig(rec));
}

export interface EvaluationOptions {
  /** Recorded steps after the BOLD warm-up. */
  steps: number;
  /** BOLD TR in ms (default 720). */
  tr?: number;
  /** Steps run first so the 20 s HRF ring is full (default 20 s worth). */
  warmupSteps?: number;
  /** Empirical FC to compare with (zero diagonal). */
  targetFc?: SquareMatrix;
  /** BOLD samples dropped before the FC (default 0; tvboptim's EIB evaluation drops 20). */
  skip?: number;
  /** Noise seed of the evaluation run (default 1234); pick one never used in tuning. */
  seed?: number;
  /** Clamp the evaluation run to [0, 1] (default: as the network; tvboptim's EIB evaluation runs unbounded). */
  bounded?: boolean;
}

/** The current x/a at which the transfer function H(x) = x/(1 − e^{−d x}) gives `rate` Hz. */
export function currentForRate(rate: number, a: number, d: number): number {
  if (!(rate > 0)) throw new Error(`currentForRate: rate=${rate}; expected > 0 Hz`);
  // H is increasing in x; bisection on a bracket that surely contains the root
  let lo = -1e4, hi = 1e4;
  for (let k = 0; k < 200; k++) {
    const mid = 0.5 * (lo + hi);
    if (transfer(mid, d) < rate) lo = mid;
    else hi = mid;
  }
  return (0.5 * (lo + hi)) / a;
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k];
  return s / a.length;
}

/**
 * Simulate a copy of the network (the original is untouched) with TVB Bold and summarise: per-node
 * means and, with a target, the simulated FC and its fc_corr (full matrix) and RMSE.
 */
export function evaluateNetwork(net: EibNetwork, o: EvaluationOptions): TuningSnapshot {
  const sim = net.clone(o.seed ?? 1234);
  if (o.bounded !== undefined) sim.bounded = o.bounded;
  const tr = o.tr ?? 720;
  const warm = o.warmupSteps ?? Math.ceil(20000 / sim.dt);
  const bold = new TvbBold({ dt: sim.dt, period: tr, width: sim.n });
  const skip = o.skip ?? 0;
  if (!Number.isInteger(skip) || skip < 0) throw new Error(`evaluateNetwork: skip=${skip}; expected a non-negative integer number of BOLD samples`);
  const samples: Float64Array[] = [];
  let seen = 0;
  // the range shows whether the integrator's [0, 1] bounds could have acted (tvboptim evaluates unbounded)
  let minE = Infinity, maxE = -Infinity, minI = Infinity, maxI = -Infinity;
  const observe = (s: number, S_e: Float64Array, S_i: Float64Array) => {
    for (let i = 0; i < S_e.length; i++) {
      const e = S_e[i], q = S_i[i];
      if (e < minE) minE = e;
      if (e > maxE) maxE = e;
      if (q < minI) minI = q;
      if (q > maxI) maxI = q;
    }
    const y = bold.update(s, S_e);
    if (y && s > warm && seen++ >= skip) samples.push(y);
  };
  if (warm > 0) sim.run(warm, observe);
  const m: EibMeans = sim.run(o.steps, observe);
  const snap: TuningSnapshot = {
    means: { S_e: Array.from(m.S_e), S_i: Array.from(m.S_i), rate: Array.from(m.rate), current: Array.from(m.current) },
    metrics: { meanS_e: mean(m.S_e), meanRate: mean(m.rate), meanCurrent: mean(m.current), boldSamples: samples.length, minS_e: minE, maxS_e: maxE, minS_i: minI, maxS_i: maxI },
  };
  if (o.targetFc && samples.length < 3) throw new Error(`evaluateNetwork: ${samples.length} BOLD samples after skip=${skip}; lengthen steps (${o.steps})`);
  if (o.targetFc) {
    const n = sim.n;
    const data = new Float64Array(samples.length * n);
    samples.forEach((r, k) => data.set(r, k * n));
    const fc = functionalConnectivity({ data, t: samples.length, n });
    snap.fc = Array.from(fc.data);
    snap.metrics.fc_corr = fcCorr(fc, o.targetFc);
    snap.metrics.rmse = rmse(fc, o.targetFc);
  }
  return snap;
}

/**
 * `evaluateNetwork` once per noise seed; metrics are the means over seeds, with each seed's value
 * kept as `<metric>@<seed>` and the spread as `<metric>_sd` (sample standard deviation). Per-node
 * means and the FC are averaged over seeds too.
 *
 * @example
 * ```ts
 * import { functionalConnectivity, syntheticConnectome } from 'vbt';
 * import { EibNetwork } from 'vbt/algorithms';
 * import { evaluateSeeds } from 'vbt/algorithms';
 * const net = new EibNetwork({ n: 4, weights: syntheticConnectome({ nodes: 4 }).weights, seed: 1 });
 * const targetFc = functionalConnectivity(Array.from({ length: 50 }, (_, t) => [Math.sin(t / 3), Math.cos(t / 5), Math.sin(t / 7), Math.cos(t / 2)]));
 * const snap = evaluateSeeds(net, { steps: 75_000, skip: 20, targetFc }, [1001, 1002, 1003]);
 * snap.metrics.fc_corr;        // mean over the three runs
 * snap.metrics['fc_corr@1002']; // one run
 * ```
 */
export function evaluateSeeds(net: EibNetwork, o: EvaluationOptions, seeds: readonly number[]): TuningSnapshot {
  if (seeds.length === 0) throw new Error('evaluateSeeds: seeds is empty; expected at least one noise seed');
  const snaps = seeds.map((seed) => evaluateNetwork(net, { ...o, seed }));
  if (snaps.length === 1) {
    const one = snaps[0];
    for (const [k, v] of Object.entries({ ...one.metrics })) if (k !== 'boldSamples') one.metrics[`${k}@${seeds[0]}`] = v;
    return one;
  }
  const avg = (xs: number[][]): number[] => xs[0].map((_, i) => xs.reduce((s, x) => s + x[i], 0) / xs.length);
  const means: Record<string, number[]> = {};
  for (const k of Object.keys(snaps[0].means)) means[k] = avg(snaps.map((s) => s.means[k]));
  const metrics: Record<string, number> = {};
  for (const k of Object.keys(snaps[0].metrics)) {
    const v = snaps.map((s) => s.metrics[k]);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    metrics[k] = m;
    if (k === 'boldSamples') continue;
    metrics[`${k}_sd`] = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
    v.forEach((x, q) => { metrics[`${k}@${seeds[q]}`] = x; });
  }
  const out: TuningSnapshot = { means, metrics };
  if (snaps[0].fc) out.fc = avg(snaps.map((s) => s.fc!));
  return out;
}

/** One FIC update of `J` in place from a window's means; returns the per-node error driven to 0. */
export function ficUpdate(J: Float64Array, m: EibMeans, rule: FicRule, a_e: number, d_e: number, bounds: [number, number]): Float64Array {
  const n = J.length;
  const err = new Float64Array(n);
  if (rule.kind === 'gating') {
    const target = rule.target ?? 0.25, eta = rule.eta ?? 0.5;
    for (let i = 0; i < n; i++) {
      err[i] = m.S_e[i] - target;
      J[i] += eta * m.S_i[i] * err[i];
    }
  } else {
    const target = rule.rate !== undefined ? currentForRate(rule.rate, a_e, d_e) : rule.current ?? -0.026;
    const eta = rule.eta ?? 0.5;
    for (let i = 0; i < n; i++) {
      err[i] = m.current[i] - target;
      J[i] += (eta * err[i]) / Math.max(m.S_i[i], 1e-3);
    }
  }
  for (let i = 0; i < n; i++) J[i] = Math.min(Math.max(J[i], bounds[0]), bounds[1]);
  return err;
}

/**
 * Run FIC on `network` (its J_i and state are updated in place).
 *
 * @example
 * ```ts
 * import { EibNetwork, fic } from 'vbt/algorithms';
 * const net = new EibNetwork({ n: 2, weights: [0, 1, 1, 0], nsig: 0 });
 * const r = fic({ network: net, rule: { kind: 'gating' }, iterations: 100 });
 * r.history.meanAbsError.at(-1); // small: ⟨S_e⟩ ≈ 0.25 at both nodes
 * ```
 */
export function fic(o: FicOptions): AlgorithmResult {
  const net = o.network;
  const rule = o.rule ?? { kind: 'gating' };
  const iterations = o.iterations ?? 200;
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`fic: iterations=${iterations}; expected a positive integer`);
  const windowSteps = o.windowSteps ?? Math.round(720 / net.dt);
  const bounds = o.bounds ?? [0, 5];
  const t0 = performance.now();
  const start = o.record && net.clone(net.seed);
  const preSim = start && recordTuning(start, o.record!);
  if (o.transientSteps) net.run(o.transientSteps);
  const pre = o.evaluation ? evaluateNetwork(net, o.evaluation) : undefined;
  const history: Record<string, number[]> = { meanS_e: [], meanRate: [], meanCurrent: [], meanAbsError: [], maxAbsError: [], meanJ_i: [] };
  const snapshots: { iteration: number; values: Record<string, number[]> }[] = [];
  const progress = makeProgress(o.progress, iterations, `FIC (${rule.kind})`);
  for (let k = 0; k < iterations; k++) {
    const m = net.run(windowSteps);
    const err = ficUpdate(net.J_i, m, rule, net.p.a_e, net.p.d_e, bounds);
    let ma = 0, mx = 0;
    for (const e of err) { ma += Math.abs(e); mx = Math.max(mx, Math.abs(e)); }
    history.meanS_e.push(mean(m.S_e));
    history.meanRate.push(mean(m.rate));
    history.meanCurrent.push(mean(m.current));
    history.meanAbsError.push(ma / err.length);
    history.maxAbsError.push(mx);
    history.meanJ_i.push(mean(net.J_i));
    if (k % 50 === 49 || k === iterations - 1) snapshots.push({ iteration: k + 1, values: { J_i: Array.from(net.J_i) } });
    progress.update(k + 1, `⟨S_e⟩ ${history.meanS_e[k].toFixed(3)}`);
  }
  progress.stop();
  const post = o.evaluation ? evaluateNetwork(net, o.evaluation) : undefined;
  const postSim = start && recordTuning(start, o.record!, { J_i: net.J_i });
  return new AlgorithmResult({
    name: `fic-${rule.kind}`,
    state: { J_i: Array.from(net.J_i) },
    history, snapshots, preTuning: pre, postTuning: post, preTuningSimulation: preSim, postTuningSimulation: postSim, nIterations: iterations,
    hyperparameters: { ...rule, windowSteps, dt: net.dt, bounds, transientSteps: o.transientSteps ?? 0 },
    seconds: (performance.now() - t0) / 1000,
  });
}
