/**
 * E/I-balance tuning (Schirner et al. 2023): the long-range excitation (wLRE) and feed-forward
 * inhibition (wFFI) channel weights are moved, edge by edge, so that the FC of a sliding window of
 * simulated BOLD approaches the empirical FC, while FIC keeps every region's excitatory gating at
 * its target. Per iteration k (one TR of simulation, one new BOLD sample):
 *
 *   FC_p = FC(last `window` BOLD samples),  RMSE_i = sqrt(mean_j (FC_t,ij − FC_p,ij)²)
 *   wLRE_ij ← max(0, wLRE_ij + η_k (FC_t,ij − FC_p,ij) RMSE_i)
 *   wFFI_ij ← max(0, wFFI_ij − η_k (FC_t,ij − FC_p,ij) RMSE_i),   η_k = η·(k+1)/N (linear warm-up)
 *
 * The protocol follows tvboptim's EI-tuning notebook: transient, a FIC-only phase whose last BOLD
 * samples seed the window, the EIB phase, then a fresh evaluation run.
 */
import { EibNetwork } from './eib-model.js';
import { ficUpdate, evaluateNetwork, type FicRule, type EvaluationOptions } from './fic.js';
import { AlgorithmResult } from './results.js';
import { makeProgress, type ProgressOption } from './progress.js';
import { TvbBold } from '../src/observation/bold.js';
import { functionalConnectivity, type SquareMatrix } from '../src/analysis/fc.js';
import { rmse, rowRmse } from '../src/analysis/losses.js';
import { fcCorr } from './data.js';

export interface EibOptions {
  network: EibNetwork;
  /** Empirical FC (n×n, zero diagonal). */
  targetFc: SquareMatrix;
  /** EIB iterations N (default 2000) and base learning rate η (default 0.005). */
  iterations?: number;
  eta?: number;
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
  ficBounds?: [number, number];
  /** Pre/post evaluation (default: 300 s recorded after a 20 s BOLD warm-up, against targetFc). */
  evaluation?: Omit<EvaluationOptions, 'targetFc'> | false;
  /** Record J_i/wLRE/wFFI snapshots every this many iterations (default 50; 0 = only the last). */
  snapshotEvery?: number;
  progress?: ProgressOption;
}

/**
 * One EIB edge update in place: d_ij = η·(FC_t,ij − FC_p,ij)·RMSE_i (row-wise RMSE),
 * wLRE ← max(0, wLRE + d), wFFI ← max(0, wFFI − d).
 *
 * @example
 * ```ts
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

/**
 * Run EIB tuning; the network's J_i, wLRE, wFFI and state are updated in place.
 *
 * @example
 * ```ts
 * const r = eib({ network: net, targetFc: dk.fc, iterations: 2000 });
 * r.postTuning?.metrics.fc_corr; // full-matrix FC correlation after tuning
 * ```
 */
export function eib(o: EibOptions): AlgorithmResult {
  const net = o.network;
  const n = net.n;
  if (o.targetFc.n !== n) throw new Error(`eib: targetFc is ${o.targetFc.n}×${o.targetFc.n}; the network has ${n} nodes`);
  const N = o.iterations ?? 2000;
  const eta = o.eta ?? 0.005;
  const W = o.window ?? 150;
  const tr = o.tr ?? 720;
  const windowSteps = Math.round(tr / net.dt);
  if (Math.abs(windowSteps * net.dt - tr) > 1e-9) throw new Error(`eib: TR ${tr} ms is not a whole number of steps of dt ${net.dt} ms`);
  const ficIters = o.ficIterations ?? 200;
  const ficPhaseRule = o.ficPhaseRule ?? { kind: 'gating', target: 0.25, eta: 0.5 };
  const ficRule = o.ficRule ?? { kind: 'gating', target: 0.25, eta: 0.1 };
  const bounds = o.ficBounds ?? [0, 5];
  const every = o.snapshotEvery ?? 50;
  const t0 = performance.now();

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
  for (let k = 0; k < ficIters; k++) {
    const m = net.run(windowSteps, observe);
    ficUpdate(net.J_i, m, ficPhaseRule, net.p.a_e, net.p.d_e, bounds);
  }
  const evalOpts = o.evaluation === false ? undefined : { steps: Math.round(300_000 / net.dt), tr, ...(o.evaluation ?? {}), targetFc: o.targetFc };
  const pre = evalOpts ? evaluateNetwork(net, evalOpts) : undefined;
  if (ring.length < 3) throw new Error(`eib: only ${ring.length} BOLD samples before EIB; lengthen the transient or FIC phase (window ${W})`);

  const history: Record<string, number[]> = { fc_corr: [], rmse: [], meanS_e: [], eta: [], meanWLRE: [], meanWFFI: [] };
  const snapshots: { iteration: number; values: Record<string, number[]> }[] = [];
  const progress = makeProgress(o.progress, N, 'EIB');
  const data = new Float64Array(W * n);
  for (let k = 0; k < N; k++) {
    const m = net.run(windowSteps, observe);
    ficUpdate(net.J_i, m, ficRule, net.p.a_e, net.p.d_e, bounds);
    const T = ring.length;
    ring.forEach((r, q) => data.set(r, q * n));
    const fcp = functionalConnectivity({ data: data.subarray(0, T * n), t: T, n });
    const etaK = (eta * (k + 1)) / N;
    eibUpdate(net.wLRE, net.wFFI, o.targetFc, fcp, etaK);
    net.channelsChanged();
    history.fc_corr.push(fcCorr(fcp, o.targetFc));
    history.rmse.push(rmse(fcp, o.targetFc));
    history.meanS_e.push(mean(m.S_e));
    history.eta.push(etaK);
    history.meanWLRE.push(mean(net.wLRE));
    history.meanWFFI.push(mean(net.wFFI));
    if ((every > 0 && (k + 1) % every === 0) || k === N - 1) {
      snapshots.push({ iteration: k + 1, values: { J_i: Array.from(net.J_i), ...(k === N - 1 ? { wLRE: Array.from(net.wLRE), wFFI: Array.from(net.wFFI) } : {}) } });
    }
    progress.update(k + 1, `window fc_corr ${history.fc_corr[k].toFixed(3)}`);
  }
  progress.stop();
  const post = evalOpts ? evaluateNetwork(net, evalOpts) : undefined;
  return new AlgorithmResult({
    name: 'eib',
    state: { J_i: Array.from(net.J_i), wLRE: Array.from(net.wLRE), wFFI: Array.from(net.wFFI) },
    history, snapshots, preTuning: pre, postTuning: post, nIterations: N,
    hyperparameters: { eta, window: W, tr, dt: net.dt, transient: o.transient ?? 300_000, ficIterations: ficIters, ficPhaseRule, ficRule, ficBounds: bounds },
    seconds: (performance.now() - t0) / 1000,
  });
}
