/**
 * E/I-balance tuning (Schirner et al. 2023): the long-range excitation (wLRE) and feed-forward
 * inhibition (wFFI) channel weights are moved, edge by edge, so that the FC of a sliding window of
 * simulated BOLD approaches the empirical FC, while FIC keeps every region's excitatory gating at
 * its target. Per iteration k (one TR of simulation, one new BOLD sample):
 *
 *   FC_p = FC(last `window` BOLD samples),  RMSE_i = sqrt(mean_j (FC_t,ij − FC_p,ij)²)
 *   wLRE_ij ← max(0, wLRE_ij + η_k (FC_t,ij − FC_p,ij) RMSE_i)
 *   wFFI_ij ← max(0, wFFI_ij − η_k (FC_t,ij − FC_p,ij) RMSE_i),   η_k = η·min(1, (k+1)/warmup)
 *
 * (linear warm-up; tvboptim's warmup = N). The defaults are tvboptim's protocol; on dk_average it
 * reaches fc_corr ≈ 0.68 on fresh runs, and 6000 iterations with warmup 2000 reach ≈ 0.81
 * (examples/eib.ts).
 *
 * The protocol follows tvboptim's EI-tuning notebook: 300 s transient (bounded Heun, dt 4 ms), a
 * FIC-only phase (200 TRs, η 0.5) whose last `window` BOLD samples seed the window, the EIB phase
 * (FIC η 0.1 every iteration, BOLD continuous across iterations, FC of the window without skip),
 * then fresh evaluation runs: 300 s after a 20 s BOLD warm-up, FC without the first 20 samples.
 * tvboptim ends with the last iteration's weights; `keep` can instead return the weights of the
 * iteration whose window FC fitted best, or their average over the last iterations.
 */
import { EibNetwork } from './eib-model.js';
import { ficUpdate, evaluateSeeds, recordTuning, type FicRule, type TuningRecord } from './fic.js';
import { AlgorithmResult, type TuningSnapshot } from '../src/results/tuning.js';
import { makeProgress, type ProgressOption } from './progress.js';
import { TvbBold } from '../src/observation/bold/reference.js';
import { functionalConnectivity, type SquareMatrix } from '../src/analysis/fc.js';
import { rmse, rowRmse } from '../src/analysis/losses.js';
import { fcCorr } from './data.js';

/**
 * Which tuned values EIB ends with: `last` (tvboptim: the final iteration's), `best` (those in
 * force during the iteration whose sliding-window FC had the highest fc_corr with the target,
 * among iterations whose window holds EIB-phase samples only) or `average` (their mean over the
 * last `averageOver` iterations).
 */
export type EibKeep = 'last' | 'best' | 'average';
export const EIB_KEEPS: readonly EibKeep[] = ['last', 'best', 'average'];

/** The fresh evaluation runs: defaults reproduce tvboptim's (300 s, FC without the first 20 TRs). */
export interface EibEvaluation {
  /** Recorded steps (default 300 s worth). */
  steps?: number;
  /** BOLD samples dropped before the FC (default 20). */
  skip?: number;
  /** Steps run first so the 20 s HRF ring is full (default 20 s worth). */
  warmupSteps?: number;
  /** Clamp the evaluation runs to [0, 1] (default false: plain Heun, as tvboptim). */
  bounded?: boolean;
  /** Noise seeds, one run each, metrics averaged (default [1234]); none may be the tuning seed. */
  seeds?: number[];
  /** Also evaluate the two `keep` choices not taken; their metrics go in as `<keep>:<metric>`. */
  compareKeeps?: boolean;
}

export interface EibIteration {
  /** 0-based iteration. */
  iteration: number;
  /** FC of the sliding window (before this iteration's update). */
  fc: SquareMatrix;
  fc_corr: number;
  rmse: number;
  eta: number;
  network: EibNetwork;
}

export interface EibOptions {
  network: EibNetwork;
  /** Empirical FC (n×n, zero diagonal). */
  targetFc: SquareMatrix;
  /** EIB iterations N (default 2000) and base learning rate η (default 0.005). */
  iterations?: number;
  eta?: number;
  /** Iterations of the linear learning-rate warm-up, η_k = η·min(1, (k+1)/warmup) (default N, tvboptim's). */
  warmup?: number;
  /** Sliding-window length in BOLD samples (default 150). */
  window?: number;
  /** BOLD TR in ms = one iteration's simulated time (default 720). */
  tr?: number;
  /** Transient before anything (ms, default 300 000 = 5 × 60 s). */
  transient?: number;
  /** FIC-only iterations before EIB (default 200, η 0.5) and the FIC rule inside EIB (default gating, η 0.1). */
  ficIterations?: number;
  ficPhaseRule?: FicRule;
  ficRule?: FicRule;
  /** J_i is clipped here after every FIC update (default [0, 5], tvbo's bounds; tvboptim's notebook has none). */
  ficBounds?: [number, number];
  /** What the network ends with (default 'last', as tvboptim). */
  keep?: EibKeep;
  /** Iterations averaged by keep = 'average' (default: the window length). */
  averageOver?: number;
  /** Pre/post evaluation (pre: the network as given, after the transient, as tvboptim); false = none. */
  evaluation?: EibEvaluation | false;
  /** Record full pre- and post-tuning simulations (the kept J_i, wLRE, wFFI after). */
  record?: TuningRecord;
  /** Record J_i snapshots every this many iterations (default 50; 0 = only the last). */
  snapshotEvery?: number;
  /** Called after every iteration's FC, before the update. */
  onIteration?: (it: EibIteration) => void;
  progress?: ProgressOption;
}

/**
 * One EIB edge update in place: d_ij = η·(FC_t,ij − FC_p,ij)·RMSE_i (row-wise RMSE),
 * wLRE ← max(0, wLRE + d), wFFI ← max(0, wFFI − d).
 *
 * @example
 * ```ts
 * import { eibUpdate } from 'vbt/algorithms';
 * const lre = Float64Array.of(1, 1, 1, 1), ffi = Float64Array.of(1, 1, 1, 1);
 * eibUpdate(lre, ffi, { data: Float64Array.of(0, 1, 1, 0), n: 2 }, { data: new Float64Array(4), n: 2 }, 0.1);
 * lre[1]; // 1 + 0.1 · 1 · sqrt(1/2)
 * ```
 */
export function eibUpdate(wLRE: Float64Array, wFFI: Float64Array, target: SquareMatrix, sim: SquareMatrix, eta: number): void {
  const n = target.n;
  if (sim.n !== n || wLRE.length !== n * n || wFFI.length !== n * n) throw new Error(`eibUpdate: sizes differ (target ${n}, sim ${sim.n}, wLRE ${wLRE.length}, wFFI ${wFFI.length})`);
  const rr = rowRmse(target, sim);
  const ft = target.data, fp = sim.data;
  for (let i = 0; i < n; i++) {
    const g = eta * rr[i];
    const row = i * n;
    for (let j = 0; j < n; j++) {
      const d = g * (ft[row + j] - fp[row + j]);
      const a = wLRE[row + j] + d, b = wFFI[row + j] - d;
      wLRE[row + j] = a > 0 ? a : 0;
      wFFI[row + j] = b > 0 ? b : 0;
    }
  }
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k];
  return s / a.length;
}

interface TunedValues { J_i: Float64Array; wLRE: Float64Array; wFFI: Float64Array }

function setValues(net: EibNetwork, v: TunedValues): void {
  net.J_i.set(v.J_i);
  net.wLRE.set(v.wLRE);
  net.wFFI.set(v.wFFI);
  net.channelsChanged();
}

function copyValues(net: EibNetwork): TunedValues {
  return { J_i: Float64Array.from(net.J_i), wLRE: Float64Array.from(net.wLRE), wFFI: Float64Array.from(net.wFFI) };
}

/**
 * Run EIB tuning; the network's J_i, wLRE, wFFI (set to the `keep` choice) and state are updated
 * in place. `state` holds the kept values and, as `last_*`, `best_*`, `average_*`, all three choices.
 *
 * @example
 * ```ts
 * import { functionalConnectivity, syntheticConnectome } from 'vbt';
 * import { EibNetwork } from 'vbt/algorithms';
 * import { eib } from 'vbt/algorithms';
 * const net = new EibNetwork({ n: 4, weights: syntheticConnectome({ nodes: 4 }).weights, seed: 1 });
 * const targetFc = functionalConnectivity(Array.from({ length: 50 }, (_, t) => [Math.sin(t / 3), Math.cos(t / 5), Math.sin(t / 7), Math.cos(t / 2)]));
 * const r = eib({ network: net, targetFc, iterations: 2, keep: 'best', evaluation: { seeds: [1001, 1002, 1003] } });
 * r.postTuning?.metrics.fc_corr;           // mean full-matrix FC correlation over the three fresh runs
 * r.postTuning?.metrics['fc_corr@1002'];   // one of them
 * ```
 */
export function eib(o: EibOptions): AlgorithmResult {
  const net = o.network;
  const n = net.n;
  if (o.targetFc.n !== n) throw new Error(`eib: targetFc is ${o.targetFc.n}×${o.targetFc.n}; the network has ${n} nodes`);
  const N = o.iterations ?? 2000;
  if (!Number.isInteger(N) || N < 1) throw new Error(`eib: iterations=${N}; expected a positive integer`);
  const eta = o.eta ?? 0.005;
  if (!(eta >= 0)) throw new Error(`eib: eta=${eta}; expected ≥ 0`);
  const warmup = o.warmup ?? N;
  if (!Number.isInteger(warmup) || warmup < 1) throw new Error(`eib: warmup=${warmup}; expected a positive integer number of iterations`);
  const W = o.window ?? 150;
  if (!Number.isInteger(W) || W < 3) throw new Error(`eib: window=${W}; expected an integer ≥ 3 BOLD samples`);
  const tr = o.tr ?? 720;
  const windowSteps = Math.round(tr / net.dt);
  if (Math.abs(windowSteps * net.dt - tr) > 1e-9) throw new Error(`eib: TR ${tr} ms is not a whole number of steps of dt ${net.dt} ms`);
  const ficIters = o.ficIterations ?? 200;
  const ficPhaseRule = o.ficPhaseRule ?? { kind: 'gating', target: 0.25, eta: 0.5 };
  const ficRule = o.ficRule ?? { kind: 'gating', target: 0.25, eta: 0.1 };
  const bounds = o.ficBounds ?? [0, 5];
  const keep = o.keep ?? 'last';
  if (!EIB_KEEPS.includes(keep)) throw new Error(`eib: keep=${JSON.stringify(keep)}; expected one of ${EIB_KEEPS.join(', ')}`);
  const M = o.averageOver ?? Math.min(W, N);
  if (!Number.isInteger(M) || M < 1 || M > N) throw new Error(`eib: averageOver=${M}; expected an integer in 1…${N} (iterations)`);
  const every = o.snapshotEvery ?? 50;
  const t0 = performance.now();
  const start = o.record && net.clone(net.seed);
  const preSim = start && recordTuning(start, o.record!);

  const ev = o.evaluation === false ? undefined : o.evaluation ?? {};
  const evalOpts = ev && {
    steps: ev.steps ?? Math.round(300_000 / net.dt), tr, skip: ev.skip ?? 20, warmupSteps: ev.warmupSteps, targetFc: o.targetFc, bounded: ev.bounded ?? false,
  };
  const seeds = ev?.seeds ?? [1234];

  const bold = new TvbBold({ dt: net.dt, period: tr, width: n });
  const ring: Float64Array[] = [];
  const observe = (s: number, S_e: Float64Array) => {
    const y = bold.update(s, S_e);
    if (y) {
      ring.push(y);
      if (ring.length > W) ring.shift();
    }
  };
  const transientSteps = Math.round((o.transient ?? 300_000) / net.dt);
  if (transientSteps > 0) net.run(transientSteps, observe);
  // tvboptim's "pre-EIB" FC is that of the network as given (J_i and channels untuned), run from the post-transient state
  const pre = evalOpts ? evaluateSeeds(net, evalOpts, seeds) : undefined;
  for (let k = 0; k < ficIters; k++) {
    const m = net.run(windowSteps, observe);
    ficUpdate(net.J_i, m, ficPhaseRule, net.p.a_e, net.p.d_e, bounds);
  }
  if (ring.length < 3) throw new Error(`eib: only ${ring.length} BOLD samples before EIB; lengthen the transient or FIC phase (window ${W})`);

  const history: Record<string, number[]> = { fc_corr: [], rmse: [], meanS_e: [], eta: [], meanWLRE: [], meanWFFI: [] };
  const snapshots: { iteration: number; values: Record<string, number[]> }[] = [];
  const progress = makeProgress(o.progress, N, 'EIB');
  const data = new Float64Array(W * n);
  const Jrun = new Float64Array(n);
  const best: TunedValues = copyValues(net);
  let bestK = -1, bestCorr = -Infinity;
  const avg: TunedValues = { J_i: new Float64Array(n), wLRE: new Float64Array(n * n), wFFI: new Float64Array(n * n) };
  const add = (acc: Float64Array, x: Float64Array) => { for (let q = 0; q < x.length; q++) acc[q] += x[q]; };
  for (let k = 0; k < N; k++) {
    Jrun.set(net.J_i);
    const m = net.run(windowSteps, observe);
    ficUpdate(net.J_i, m, ficRule, net.p.a_e, net.p.d_e, bounds);
    const T = ring.length;
    ring.forEach((r, q) => data.set(r, q * n));
    const fcp = functionalConnectivity({ data: data.subarray(0, T * n), t: T, n });
    const etaK = k + 1 >= warmup ? eta : (eta * (k + 1)) / warmup;
    const corr = fcCorr(fcp, o.targetFc), err = rmse(fcp, o.targetFc);
    o.onIteration?.({ iteration: k, fc: fcp, fc_corr: corr, rmse: err, eta: etaK, network: net });
    // the candidates are the values in force while this iteration's newest BOLD sample was simulated
    // a window still holding samples from before the EIB phase (transient, FIC's approach to its
    // target) carries their slow common drift, which inflates fc_corr: those iterations are no candidates
    if ((k + 1 >= W || k === N - 1) && corr > bestCorr) {
      bestCorr = corr;
      bestK = k;
      best.J_i.set(Jrun);
      best.wLRE.set(net.wLRE);
      best.wFFI.set(net.wFFI);
    }
    if (k >= N - M) { add(avg.J_i, Jrun); add(avg.wLRE, net.wLRE); add(avg.wFFI, net.wFFI); }
    eibUpdate(net.wLRE, net.wFFI, o.targetFc, fcp, etaK);
    net.channelsChanged();
    history.fc_corr.push(corr);
    history.rmse.push(err);
    history.meanS_e.push(mean(m.S_e));
    history.eta.push(etaK);
    history.meanWLRE.push(mean(net.wLRE));
    history.meanWFFI.push(mean(net.wFFI));
    if ((every > 0 && (k + 1) % every === 0) || k === N - 1) snapshots.push({ iteration: k + 1, values: { J_i: Array.from(net.J_i) } });
    progress.update(k + 1, `window fc_corr ${corr.toFixed(3)}`);
  }
  progress.stop();
  for (const a of [avg.J_i, avg.wLRE, avg.wFFI]) for (let q = 0; q < a.length; q++) a[q] /= M;
  const candidates: Record<EibKeep, TunedValues> = { last: copyValues(net), best, average: avg };

  let post: TuningSnapshot | undefined;
  if (evalOpts) {
    const others = ev?.compareKeeps ? EIB_KEEPS.filter((c) => c !== keep) : [];
    const extra: Record<string, number> = {};
    for (const c of others) {
      setValues(net, candidates[c]);
      const snap = evaluateSeeds(net, evalOpts, seeds);
      for (const [k, v] of Object.entries(snap.metrics)) extra[`${c}:${k}`] = v;
    }
    setValues(net, candidates[keep]);
    post = evaluateSeeds(net, evalOpts, seeds);
    Object.assign(post.metrics, extra);
  } else setValues(net, candidates[keep]);

  const postSim = start && recordTuning(start, o.record!, net);
  const state: Record<string, number[]> = { J_i: Array.from(net.J_i), wLRE: Array.from(net.wLRE), wFFI: Array.from(net.wFFI) };
  for (const c of EIB_KEEPS) for (const [k, v] of Object.entries(candidates[c])) state[`${c}_${k}`] = Array.from(v as Float64Array);
  return new AlgorithmResult({
    name: 'eib',
    state, history, snapshots, preTuning: pre, postTuning: post, preTuningSimulation: preSim, postTuningSimulation: postSim, nIterations: N,
    hyperparameters: {
      eta, warmup, window: W, tr, dt: net.dt, transient: o.transient ?? 300_000, ficIterations: ficIters, ficPhaseRule, ficRule, ficBounds: bounds,
      keep, averageOver: M, bestIteration: bestK + 1, bestWindowFcCorr: bestCorr,
      ...(evalOpts ? { evalSteps: evalOpts.steps, evalSkip: evalOpts.skip, evalBounded: evalOpts.bounded, evalSeeds: seeds } : {}),
    },
    seconds: (performance.now() - t0) / 1000,
  });
}
