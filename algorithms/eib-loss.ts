/**
 * The loss of tvboptim's gradient E/I tuning (its "gradient alternative" to Schirner et al.'s EIB
 * rule) on the two-projection network `ReducedWongWangEIB`, with its gradient with respect to the
 * per-node local inhibition J_i and the per-edge channel weights wLRE, wFFI (clipped at 0 on read):
 *
 *   L = RMSE(FC(BOLD, skip), FC_emp) + α · mean_i (⟨S_e,i⟩_last K steps − target)²
 *
 * BOLD is TVB's HRF Bold of S_e (TvbBold's arithmetic: at dt = 4 ms one stock sample per step) over
 * one noisy run that starts from a fixed transient's end state and Bold history.
 *
 * The network runs on the generated float64 discrete adjoint (src/engine/adjoint: clamped Heun,
 * both projections, per-edge gradients); it records S_e at every step. What stays here is the head
 * of the loss, in closed form: the HRF Bold (linear in S_e, so its adjoint is a correlation of the
 * Bold cotangents with the kernel), Pearson FC, RMSE and the activity term. The gradient is the
 * derivative of exactly the computed loss (tested against finite differences).
 */
import { EibNetwork, type EibParameters } from './eib-model.js';
import { AdjointSimulator } from '../src/engine/adjoint/index.js';
import { Connectivity } from '../src/network/connectivity.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import { boldHrf, boldInterimSteps, roundHalfEven, type HrfSetup } from '../src/observation/bold/hrf.js';
import { boldLagWeights } from '../src/observation/bold/sampling.js';
import type { SquareMatrix } from '../src/analysis/fc.js';

/** The fixed part of the loss: network, protocol and starting point. */
export interface EibGradientSetup {
  n: number;
  /** Structural weights n×n (row = target), used as given. */
  weights: Float64Array;
  parameters: EibParameters;
  /** ms; must give one Bold stock sample per step (dt = 4 ms). */
  dt: number;
  /** TVB noise dispersion on S_e (σ²/2). */
  nsig: number;
  /** Steps of the loss run. */
  steps: number;
  /** State the run starts from (a transient's end). */
  initial: { S_e: Float64Array; S_i: Float64Array };
  /** S_e at the S − 1 steps before the start, oldest first ([S−1, n]): the Bold ring's history. */
  boldHistory: Float64Array;
  hrf: HrfSetup;
  /** Bold period in steps (TR / dt). */
  istep: number;
  targetFc: SquareMatrix;
  /** Bold samples dropped before the FC. */
  skip: number;
  /** Activity term: target ⟨S_e⟩, how many final steps it averages, its weight α. */
  activityTarget: number;
  activitySteps: number;
  activityWeight: number;
}

/** Free parameters in their raw (optimised) form; wLRE/wFFI are read as max(w, 0). */
export interface EibGradientParams {
  J_i: Float64Array;
  wLRE: Float64Array;
  wFFI: Float64Array;
}

export interface EibLossValue {
  loss: number;
  rmse: number;
  activity: number;
  fcCorr: number;
  /** Simulated FC (zero diagonal). */
  fc: SquareMatrix;
  /** ⟨S_e⟩ per node over the last activitySteps. */
  meanS_e: Float64Array;
  /** Bold samples entering the FC. */
  boldSamples: number;
  /** The Bold samples entering the FC, time-major [boldSamples, n]. */
  bold: Float64Array;
  /** With `trajectory`: S_e and S_i at steps 0 … steps (row 0 = the initial state), [steps+1, n]. */
  trajectory?: { S_e: Float64Array; S_i: Float64Array };
  /** dL/d(raw parameters), when asked for. */
  gradient?: EibGradientParams;
}

export interface EibGradientSetupOptions {
  weights: ArrayLike<number>;
  n: number;
  targetFc: SquareMatrix;
  parameters?: Partial<EibParameters>;
  /** Default 4 ms (the only step with one stock sample per step). */
  dt?: number;
  /** Noise σ on S_e (default 0.01; nsig = σ²/2). */
  sigma?: number;
  /** Loss-run length in ms (default 300 000). */
  duration?: number;
  /** Transient in ms before the loss run (default 300 000), simulated once at `transientParams`. */
  transient?: number;
  transientSeed?: number;
  /** Parameters of the transient (default J_i = 1, wLRE = wFFI = 1). */
  transientParams?: EibGradientParams;
  /** Bold TR in ms (default 720) and Bold samples skipped before the FC (default 30). */
  tr?: number;
  skip?: number;
  activityTarget?: number;
  activitySteps?: number;
  activityWeight?: number;
}

/** J_i = 1, wLRE = wFFI = 1: tvboptim's starting point. */
export function eibStartParams(n: number, J_i = 1): EibGradientParams {
  return { J_i: new Float64Array(n).fill(J_i), wLRE: new Float64Array(n * n).fill(1), wFFI: new Float64Array(n * n).fill(1) };
}

function positive(w: Float64Array): Float64Array {
  return w.map((v) => (v > 0 ? v : 0));
}

/**
 * Runs the transient once (EibNetwork, its own seed) and fixes the loss run's start state and
 * Bold history.
 *
 * @example
 * ```ts
 * import { eibGradientSetup } from 'vbt/algorithms';
 * const setup = eibGradientSetup({ n: 2, weights: [0, 1, 1, 0], targetFc: { data: Float64Array.of(0, .5, .5, 0), n: 2 },
 *   duration: 20000, transient: 20000, skip: 2, activitySteps: 100 });
 * setup.steps; // 5000
 * ```
 */
export function eibGradientSetup(o: EibGradientSetupOptions): EibGradientSetup {
  const n = o.n;
  if (o.weights.length !== n * n) throw new Error(`eibGradientSetup: weights has ${o.weights.length} values; expected n*n = ${n * n}`);
  if (o.targetFc.n !== n) throw new Error(`eibGradientSetup: targetFc is ${o.targetFc.n}×${o.targetFc.n}; expected ${n}×${n}`);
  const dt = o.dt ?? 4;
  if (boldInterimSteps(dt) !== 1) throw new Error(`eibGradientSetup: dt=${dt} ms; expected 4 ms (one Bold stock sample per step, which the loss's Bold assumes)`);
  const hrf = boldHrf();
  const S = hrf.stockSteps;
  const tr = o.tr ?? 720;
  const istep = roundHalfEven(tr / dt);
  if (istep < 1 || Math.abs(istep * dt - tr) > 1e-9) throw new Error(`eibGradientSetup: tr=${tr} ms; expected a whole number of ${dt} ms steps`);
  const steps = Math.round((o.duration ?? 300_000) / dt);
  const skip = o.skip ?? 30;
  const nBold = Math.floor(steps / istep) - skip;
  if (nBold < 3) throw new Error(`eibGradientSetup: duration ${steps * dt} ms gives ${Math.floor(steps / istep)} Bold samples, ${nBold} after skip=${skip}; need at least 3`);
  const activitySteps = o.activitySteps ?? 500;
  if (!Number.isInteger(activitySteps) || activitySteps < 1 || activitySteps > steps) throw new Error(`eibGradientSetup: activitySteps=${activitySteps}; expected 1…${steps}`);
  const sigma = o.sigma ?? 0.01;
  if (!(sigma >= 0)) throw new Error(`eibGradientSetup: sigma=${sigma}; expected ≥ 0`);
  const nsig = 0.5 * sigma * sigma;
  const tp = o.transientParams ?? eibStartParams(n);
  const net = new EibNetwork({ n, weights: o.weights, parameters: o.parameters, J_i: tp.J_i, wLRE: positive(tp.wLRE), wFFI: positive(tp.wFFI), dt, nsig, seed: o.transientSeed ?? 42 });
  // the Bold history: the S − 1 stock samples before the start (zeros where the transient is shorter, as a fresh TvbBold ring)
  const hist = new Float64Array((S - 1) * n);
  const tSteps = Math.round((o.transient ?? 300_000) / dt);
  if (tSteps > 0) {
    net.run(tSteps, (s, se) => {
      const row = s - tSteps + S - 1; // step tSteps − 1 → last history row (S − 2); step tSteps is the initial state
      if (row >= 0 && row < S - 1) hist.set(se, row * n);
    });
  }
  return {
    n, weights: Float64Array.from(o.weights), parameters: net.p, dt, nsig, steps,
    initial: { S_e: Float64Array.from(net.S_e), S_i: Float64Array.from(net.S_i) },
    boldHistory: hist, hrf, istep, targetFc: o.targetFc, skip,
    activityTarget: o.activityTarget ?? 0.25, activitySteps, activityWeight: o.activityWeight ?? 1,
  };
}

/**
 * The same protocol with a new transient run at `params` (its own seed), from tvboptim's initial
 * state (0.001, 0.001).
 *
 * @example
 * ```ts
 * import { eibGradientSetup, eibStartParams } from 'vbt/algorithms';
 * const n = 4, weights = new Float64Array(n * n).map((_, k) => (Math.floor(k / n) === k % n ? 0 : 0.5));
 * const targetFc = { n, data: new Float64Array(n * n).map((_, k) => (Math.floor(k / n) === k % n ? 1 : 0.3)) };
 * const setup = eibGradientSetup({ n, weights, targetFc, duration: 36000, transient: 21600, transientSeed: 9, skip: 3, activitySteps: 200 });
 * const fitted = eibStartParams(n, 1.1);
 * import { eibGradientSetupFrom, eibLoss } from 'vbt/algorithms';
 * const s2 = eibGradientSetupFrom(setup, fitted, 4242, 21600);
 * eibLoss(s2, fitted, 1001).fcCorr; // equals eibLoss(setup, fitted, 1001).fcCorr once skip ≥ the 20 s HRF
 * ```
 */
export function eibGradientSetupFrom(setup: EibGradientSetup, params: EibGradientParams, transientSeed: number, transient = 300_000): EibGradientSetup {
  return eibGradientSetup({
    n: setup.n, weights: setup.weights, targetFc: setup.targetFc, parameters: setup.parameters, dt: setup.dt,
    sigma: Math.sqrt(2 * setup.nsig), duration: setup.steps * setup.dt, transient, transientSeed, transientParams: params,
    tr: setup.istep * setup.dt, skip: setup.skip, activityTarget: setup.activityTarget, activitySteps: setup.activitySteps, activityWeight: setup.activityWeight,
  });
}

/**
 * The network of a setup on the generated adjoint, built once per setup and kept (the generated
 * program is the expensive part): Raw S_e (and S_i for trajectories) at every step.
 */
const SIMS = new WeakMap<EibGradientSetup, Map<string, AdjointSimulator>>();
function simulatorOf(setup: EibGradientSetup, trajectory: boolean): AdjointSimulator {
  let m = SIMS.get(setup);
  if (!m) SIMS.set(setup, (m = new Map()));
  const key = trajectory ? 'trajectory' : 'S_e';
  let sim = m.get(key);
  if (!sim) {
    const { n, dt } = setup;
    const cfg: SimulationConfig = {
      model: 'ReducedWongWangEIB',
      connectivity: new Connectivity({ weights: setup.weights, tractLengths: new Float64Array(n * n) }),
      idelays: new Int32Array(n * n),
      parameters: { ...setup.parameters },
      edgeParameters: { wLRE: new Float64Array(n * n).fill(1), wFFI: new Float64Array(n * n).fill(1) },
      integrator: { name: 'Heun', dt, ...(setup.nsig > 0 ? { noise: { nsig: [setup.nsig, 0], variables: ['S_e'], seed: 0 } } : {}) },
      duration: setup.steps * dt,
      monitors: [{ name: 'Raw' }],
      variablesOfInterest: trajectory ? ['S_e', 'S_i'] : ['S_e'],
      initialConditions: { history: Float64Array.from([...setup.initial.S_e, ...setup.initial.S_i]) },
    };
    // the recorded S_e (and its cotangents) are the loss head's input, on top of the adjoint's default 100 MB
    const recorded = 2 * setup.steps * (trajectory ? 2 : 1) * n * 8;
    sim = new AdjointSimulator(cfg, { wrt: ['J_i', 'wLRE', 'wFFI'], perNode: ['J_i'], memoryBudget: 100 * 2 ** 20 + recorded });
    m.set(key, sim);
  }
  return sim;
}

/**
 * Loss (and with `gradient`, its exact gradient) of one run with the given noise seed.
 *
 * @example
 * ```ts
 * import { eibGradientSetup } from 'vbt/algorithms';
 * const n = 4, weights = new Float64Array(n * n).map((_, k) => (Math.floor(k / n) === k % n ? 0 : 0.5));
 * const targetFc = { n, data: new Float64Array(n * n).map((_, k) => (Math.floor(k / n) === k % n ? 1 : 0.3)) };
 * const setup = eibGradientSetup({ n, weights, targetFc, duration: 36000, transient: 21600, transientSeed: 9, skip: 3, activitySteps: 200 });
 * import { eibLoss, eibStartParams } from 'vbt/algorithms';
 * const v = eibLoss(setup, eibStartParams(setup.n), 7, { gradient: true });
 * v.loss; v.fcCorr; v.gradient!.J_i;
 * ```
 */
export function eibLoss(setup: EibGradientSetup, params: EibGradientParams, seed: number, opts: { gradient?: boolean; trajectory?: boolean } = {}): EibLossValue {
  const { n, steps, istep, skip } = setup;
  const nn = n * n;
  if (params.J_i.length !== n || params.wLRE.length !== nn || params.wFFI.length !== nn) {
    throw new Error(`eibLoss: parameter sizes J_i ${params.J_i.length}, wLRE ${params.wLRE.length}, wFFI ${params.wFFI.length}; expected ${n}, ${nn}, ${nn}`);
  }
  for (const [k, a] of Object.entries(params)) for (const v of a as Float64Array) if (!Number.isFinite(v)) throw new Error(`eibLoss: parameter ${k} has a non-finite value ${v}`);
  if (!(Number.isInteger(seed) && seed >= 0)) throw new Error(`eibLoss: seed=${seed}; expected a non-negative integer`);
  const sim = simulatorOf(setup, !!opts.trajectory);
  if (setup.nsig > 0) sim.setSeeds([seed]);
  const fw = sim.forward({ J_i: params.J_i, wLRE: positive(params.wLRE), wFFI: positive(params.wFFI) });
  const raw = fw.outputs[0].data;
  // S_e after step s (1 … steps) is raw[(s − 1)·nv + i]; before the run, the initial state and the Bold history
  const nv = opts.trajectory ? 2 * n : n;
  const S = setup.hrf.stockSteps;
  const H0 = S - 1;
  const se = (s: number, i: number) => (s >= 1 ? raw[(s - 1) * nv + i] : s === 0 ? setup.initial.S_e[i] : setup.boldHistory[(H0 + s) * n + i]);

  // Bold samples k = skip+1 … K at steps s_k = k·istep; FC over them
  const w = boldLagWeights(setup.hrf);
  const k1V0 = setup.hrf.k1V0 ?? 1;
  const K = Math.floor(steps / istep);
  const T = K - skip;
  const Y = new Float64Array(n * T); // node-major: Y[i*T + t]
  const acc = new Float64Array(n);
  for (let t = 0; t < T; t++) {
    const sk = (skip + 1 + t) * istep;
    acc.fill(0);
    for (let q = 0; q < S; q++) {
      const g = w[q], s = sk - q;
      for (let i = 0; i < n; i++) acc[i] += g * se(s, i);
    }
    for (let i = 0; i < n; i++) Y[i * T + t] = setup.hrf.k1V0 === null ? acc[i] : k1V0 * (acc[i] - 1);
  }
  const Z = new Float64Array(n * T), norm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let t = 0; t < T; t++) m += Y[i * T + t];
    m /= T;
    let ss = 0;
    for (let t = 0; t < T; t++) { const u = Y[i * T + t] - m; Z[i * T + t] = u; ss += u * u; }
    norm[i] = Math.sqrt(ss);
    if (!(norm[i] > 0)) throw new Error(`eibLoss: Bold of node ${i} is constant over the FC window; its correlations are undefined`);
    for (let t = 0; t < T; t++) Z[i * T + t] /= norm[i];
  }
  const fc = new Float64Array(nn);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let c = 0;
      for (let t = 0; t < T; t++) c += Z[i * T + t] * Z[j * T + t];
      fc[i * n + j] = c;
      fc[j * n + i] = c;
    }
  }
  const emp = setup.targetFc.data;
  let sq = 0;
  for (let k = 0; k < nn; k++) { const d = fc[k] - emp[k]; sq += d * d; }
  const rmse = Math.sqrt(sq / nn);
  const K2 = setup.activitySteps;
  const meanSe = new Float64Array(n);
  for (let s = steps - K2 + 1; s <= steps; s++) for (let i = 0; i < n; i++) meanSe[i] += se(s, i);
  let activity = 0;
  for (let i = 0; i < n; i++) { meanSe[i] /= K2; const d = meanSe[i] - setup.activityTarget; activity += d * d; }
  activity /= n;
  const loss = rmse + setup.activityWeight * activity;
  const bold = new Float64Array(T * n);
  for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) bold[t * n + i] = Y[i * T + t];
  const value: EibLossValue = { loss, rmse, activity, fcCorr: pearson(fc, emp), fc: { data: fc, n }, meanS_e: meanSe, boldSamples: T, bold };
  if (opts.trajectory) {
    const E = new Float64Array((steps + 1) * n), I = new Float64Array((steps + 1) * n);
    E.set(setup.initial.S_e, 0); I.set(setup.initial.S_i, 0);
    for (let s = 1; s <= steps; s++) { E.set(raw.subarray((s - 1) * nv, (s - 1) * nv + n), s * n); I.set(raw.subarray((s - 1) * nv + n, s * nv), s * n); }
    value.trajectory = { S_e: E, S_i: I };
  }
  if (!opts.gradient) return value;

  // ---- the head's adjoint: RMSE → FC → z → centred Bold → Bold → S_e(s) ----
  const gFc = new Float64Array(nn);
  if (rmse > 0) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) gFc[i * n + j] = (fc[i * n + j] - emp[i * n + j]) / (nn * rmse);
  const gY = new Float64Array(n * T); // node-major
  const gz = new Float64Array(T);
  for (let i = 0; i < n; i++) {
    gz.fill(0);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const c = gFc[i * n + j] + gFc[j * n + i];
      if (c === 0) continue;
      const o = j * T;
      for (let t = 0; t < T; t++) gz[t] += c * Z[o + t];
    }
    let dot = 0;
    for (let t = 0; t < T; t++) dot += gz[t] * Z[i * T + t];
    let m = 0;
    for (let t = 0; t < T; t++) { gz[t] = (gz[t] - dot * Z[i * T + t]) / norm[i]; m += gz[t]; }
    m /= T;
    for (let t = 0; t < T; t++) gY[i * T + t] = (gz[t] - m) * (setup.hrf.k1V0 === null ? 1 : k1V0);
  }
  // cotangents of the recorded S_e: the Bold samples within the kernel's reach, and the activity window
  const bars = new Float64Array(raw.length);
  for (let t = 0; t < T; t++) {
    const sk = (skip + 1 + t) * istep;
    for (let q = 0; q < S && sk - q >= 1; q++) {
      const g = w[q], o = (sk - q - 1) * nv;
      for (let i = 0; i < n; i++) bars[o + i] += g * gY[i * T + t];
    }
  }
  for (let i = 0; i < n; i++) {
    const a = (setup.activityWeight * 2 * (meanSe[i] - setup.activityTarget)) / (n * K2);
    for (let s = steps - K2 + 1; s <= steps; s++) bars[(s - 1) * nv + i] += a;
  }
  const g = fw.backward([bars]);
  // wLRE, wFFI are read as max(w, 0): no gradient where clipped
  const clip = (gw: Float64Array, raw: Float64Array) => gw.map((v, k) => (raw[k] > 0 ? v : 0));
  value.gradient = { J_i: g.J_i, wLRE: clip(g.wLRE, params.wLRE), wFFI: clip(g.wFFI, params.wFFI) };
  return value;
}

function pearson(a: Float64Array, b: ArrayLike<number>): number {
  const m = a.length;
  let ma = 0, mb = 0;
  for (let k = 0; k < m; k++) { ma += a[k]; mb += b[k]; }
  ma /= m; mb /= m;
  let sab = 0, saa = 0, sbb = 0;
  for (let k = 0; k < m; k++) { const x = a[k] - ma, y = b[k] - mb; sab += x * y; saa += x * x; sbb += y * y; }
  return sab / Math.sqrt(saa * sbb);
}
