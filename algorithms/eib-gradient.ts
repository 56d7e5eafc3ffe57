/**
 * Gradient-based E/I tuning of the two-channel Wong–Wang network (tvboptim's "gradient
 * alternative" to Schirner et al.'s EIB rule): per-node local inhibition J_i and per-edge channel
 * weights wLRE, wFFI (clipped at 0 on read) are moved by AdaMax on
 *
 *   L = RMSE(FC(BOLD, skip), FC_emp) + α · mean_i (⟨S_e,i⟩_last K steps − target)²
 *
 * where BOLD is TVB's HRF Bold of S_e (TvbBold's arithmetic: at dt = 4 ms one stock sample per
 * step) over one long noisy run that starts from a fixed transient's end state and Bold history.
 *
 * Why an exact discrete adjoint in float64 instead of the tensor engine: the engine has one weight
 * matrix, and a 75 000-step float32 tape costs minutes per gradient. Here the forward is the same
 * fused Heun step as `EibNetwork` (clamped predictor and result, coupling frozen through the
 * stages), its trajectory is stored (S_e, S_i, both coupling inputs and the noise: 5 doubles per
 * node and step, ≈ 250 MB for 75 000 × 84), and the backward sweep runs the transposed step,
 * a clamped value passing no derivative. The HRF Bold is linear in S_e, so its adjoint is a
 * correlation of the Bold adjoints with the kernel; Pearson FC, RMSE and the activity term are
 * differentiated in closed form. The gradient is the derivative of exactly the computed loss
 * (tested against central finite differences).
 */
import { EibNetwork, EIB_DEFAULTS, type EibParameters } from './eib-model.js';
import { OptimizationResult } from '../src/results/tuning.js';
import { makeProgress, type ProgressOption } from './progress.js';
import { adamaxW, applyUpdates } from '../src/optim/index.js';
import { RandomState } from '../src/random/index.js';
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
  if (boldInterimSteps(dt) !== 1) throw new Error(`eibGradientSetup: dt=${dt} ms; expected 4 ms (one Bold stock sample per step, which the adjoint assumes)`);
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
  const s = eibGradientSetup({
    n: setup.n, weights: setup.weights, targetFc: setup.targetFc, parameters: setup.parameters, dt: setup.dt,
    sigma: Math.sqrt(2 * setup.nsig), duration: setup.steps * setup.dt, transient, transientSeed, transientParams: params,
    tr: setup.istep * setup.dt, skip: setup.skip, activityTarget: setup.activityTarget, activitySteps: setup.activitySteps, activityWeight: setup.activityWeight,
  });
  return s;
}

/** H(x) = x/(1 − e^{−dx}) and H'(x), matching `transfer` (EibNetwork) on its small-|dx| branch. */
function transferD(x: number, d: number, out: Float64Array, k: number): number {
  const u = d * x;
  if (Math.abs(u) < 1e-9) { out[k] = 0.5; return 1 / d + x / 2; }
  const e = Math.exp(-u);
  const h = x / (1 - e);
  if (Math.abs(u) < 1e-3) out[k] = 0.5 + u / 6 - (u * u * u) / 180;
  else if (u > 0) { const q = 1 - e; out[k] = (1 - e * (1 + u)) / (q * q); }
  else { const f = Math.exp(u), q = f - 1; out[k] = (f * f - f * (1 + u)) / (q * q); }
  return h;
}

/** Standard normal noise increments g·√dt·ξ, step-major, as EibNetwork draws them. */
export function eibNoise(n: number, steps: number, nsig: number, dt: number, seed: number): Float64Array {
  const out = new Float64Array(steps * n);
  const sq = Math.sqrt(2 * nsig) * Math.sqrt(dt);
  if (sq > 0) {
    const rng = new RandomState(seed);
    for (let k = 0; k < out.length; k++) out[k] = sq * rng.standardNormal();
  }
  return out;
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
export function eibLoss(setup: EibGradientSetup, params: EibGradientParams, seed: number, opts: { gradient?: boolean; noise?: Float64Array; trajectory?: boolean } = {}): EibLossValue {
  const { n, dt, steps, istep, skip } = setup;
  const p = setup.parameters;
  const nn = n * n;
  if (params.J_i.length !== n || params.wLRE.length !== nn || params.wFFI.length !== nn) {
    throw new Error(`eibLoss: parameter sizes J_i ${params.J_i.length}, wLRE ${params.wLRE.length}, wFFI ${params.wFFI.length}; expected ${n}, ${nn}, ${nn}`);
  }
  for (const [k, a] of Object.entries(params)) for (const v of a as Float64Array) if (!Number.isFinite(v)) throw new Error(`eibLoss: parameter ${k} has a non-finite value ${v}`);
  const A = new Float64Array(nn), B = new Float64Array(nn);
  for (let k = 0; k < nn; k++) {
    const l = params.wLRE[k], f = params.wFFI[k];
    A[k] = setup.weights[k] * (l > 0 ? l : 0);
    B[k] = setup.weights[k] * (f > 0 ? f : 0);
  }
  const J = params.J_i;
  const noise = opts.noise ?? eibNoise(n, steps, setup.nsig, dt, seed);
  if (noise.length !== steps * n) throw new Error(`eibLoss: noise has ${noise.length} values; expected steps·n = ${steps * n}`);
  const S = setup.hrf.stockSteps;
  const H0 = S - 1; // row of x(0) in X
  // X rows: Bold history x(−S+1 … −1), then the states x(0 … steps) (S_e after each step)
  const X = new Float64Array((H0 + steps + 1) * n);
  X.set(setup.boldHistory, 0);
  X.set(setup.initial.S_e, H0 * n);
  const SI = new Float64Array((steps + 1) * n);
  SI.set(setup.initial.S_i, 0);
  const CL = new Float64Array(steps * n), CF = new Float64Array(steps * n);

  const gJ = p.G * p.J_N;
  const ie = 1 / p.tau_e, ii = 1 / p.tau_i;
  const clamp = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);
  const dE = new Float64Array(n), dI = new Float64Array(n), pE = new Float64Array(n), pI = new Float64Array(n);
  const hd = new Float64Array(1);
  // the same expressions, in the same order, as EibNetwork.run: the forward is bit-equal to it
  const fE = (E: number, I: number, Ji: number, cl: number) => {
    const x_e = p.a_e * (p.w_p * (p.J_N * E) - Ji * I + p.W_e * p.I_o + gJ * cl + p.I_ext) - p.b_e;
    return -E / p.tau_e + (1 - E) * transferD(x_e, p.d_e, hd, 0) * p.gamma_e;
  };
  const fI = (E: number, I: number, cf: number) => {
    const x_i = p.a_i * (p.J_N * E - I + p.W_i * p.I_o + p.lamda * gJ * cf) - p.b_i;
    return -I / p.tau_i + transferD(x_i, p.d_i, hd, 0) * p.gamma_i;
  };
  for (let s = 0; s < steps; s++) {
    const e0 = (H0 + s) * n, i0 = s * n;
    for (let i = 0; i < n; i++) {
      let a = 0, b = 0;
      const o = i * n;
      for (let j = 0; j < n; j++) {
        const x = X[e0 + j];
        a += A[o + j] * x;
        b += B[o + j] * x;
      }
      CL[i0 + i] = a;
      CF[i0 + i] = b;
    }
    for (let i = 0; i < n; i++) {
      const E = X[e0 + i], I = SI[i0 + i];
      dE[i] = fE(E, I, J[i], CL[i0 + i]);
      dI[i] = fI(E, I, CF[i0 + i]);
      pE[i] = clamp(E + dt * dE[i] + noise[i0 + i]);
      pI[i] = clamp(I + dt * dI[i]);
    }
    for (let i = 0; i < n; i++) {
      const d2E = fE(pE[i], pI[i], J[i], CL[i0 + i]);
      const d2I = fI(pE[i], pI[i], CF[i0 + i]);
      X[e0 + n + i] = clamp(X[e0 + i] + 0.5 * dt * (dE[i] + d2E) + noise[i0 + i]);
      SI[i0 + n + i] = clamp(SI[i0 + i] + 0.5 * dt * (dI[i] + d2I));
    }
  }

  // Bold samples k = skip+1 … K at steps s_k = k·istep; FC over them
  const w = boldLagWeights(setup.hrf);
  const k1V0 = setup.hrf.k1V0 ?? 1;
  const K = Math.floor(steps / istep);
  const T = K - skip;
  const Y = new Float64Array(n * T); // node-major: Y[i*T + t]
  for (let t = 0; t < T; t++) {
    const sk = (skip + 1 + t) * istep;
    const acc = new Float64Array(n);
    for (let q = 0; q < S; q++) {
      const g = w[q], r = (H0 + sk - q) * n;
      for (let i = 0; i < n; i++) acc[i] += g * X[r + i];
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
  let se = 0;
  for (let k = 0; k < nn; k++) { const d = fc[k] - emp[k]; se += d * d; }
  const rmse = Math.sqrt(se / nn);
  const K2 = setup.activitySteps;
  const meanSe = new Float64Array(n);
  for (let s = steps - K2 + 1; s <= steps; s++) for (let i = 0; i < n; i++) meanSe[i] += X[(H0 + s) * n + i];
  let activity = 0;
  for (let i = 0; i < n; i++) { meanSe[i] /= K2; const d = meanSe[i] - setup.activityTarget; activity += d * d; }
  activity /= n;
  const loss = rmse + setup.activityWeight * activity;
  const bold = new Float64Array(T * n);
  for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) bold[t * n + i] = Y[i * T + t];
  const value: EibLossValue = { loss, rmse, activity, fcCorr: pearson(fc, emp), fc: { data: fc, n }, meanS_e: meanSe, boldSamples: T, bold };
  if (opts.trajectory) value.trajectory = { S_e: X.slice(H0 * n), S_i: SI };
  if (!opts.gradient) return value;

  // ---- backward ----
  // RMSE → FC → z → centred Bold → Bold
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
  const actG = new Float64Array(n);
  for (let i = 0; i < n; i++) actG[i] = (setup.activityWeight * 2 * (meanSe[i] - setup.activityTarget)) / (n * K2);

  const gA = new Float64Array(nn), gB = new Float64Array(nn), gJi = new Float64Array(n);
  let aE = new Float64Array(n), aI = new Float64Array(n);
  let nE = new Float64Array(n), nI = new Float64Array(n);
  const aCL = new Float64Array(n), aCF = new Float64Array(n);
  const LA = CL, LB = CF; // the stored coupling inputs of step s are not read again once step s is undone
  const hE1 = new Float64Array(n), hI1 = new Float64Array(n), dE1 = new Float64Array(n), dI1 = new Float64Array(n);
  const HE1 = new Float64Array(n), HI1 = new Float64Array(n);
  const sEu = new Float64Array(n), sIu = new Float64Array(n), pEu = new Float64Array(n), pIu = new Float64Array(n);
  const xeOf = (E: number, I: number, Ji: number, cl: number) => p.a_e * (p.w_p * (p.J_N * E) - Ji * I + p.W_e * p.I_o + gJ * cl + p.I_ext) - p.b_e;
  const xiOf = (E: number, I: number, cf: number) => p.a_i * (p.J_N * E - I + p.W_i * p.I_o + p.lamda * gJ * cf) - p.b_i;
  const cEE = p.a_e * p.w_p * p.J_N, cEC = p.a_e * gJ, cIE = p.a_i * p.J_N, cIC = p.a_i * p.lamda * gJ;
  for (let s = steps; s >= 1; s--) {
    // direct adjoints of x(s): the Bold samples within the kernel's reach, and the activity window
    const kLo = Math.max(skip + 1, Math.ceil(s / istep)), kHi = Math.min(K, Math.floor((s + S - 1) / istep));
    for (let k = kLo; k <= kHi; k++) {
      const g = w[k * istep - s], t = k - skip - 1;
      for (let i = 0; i < n; i++) aE[i] += g * gY[i * T + t];
    }
    if (s > steps - K2) for (let i = 0; i < n; i++) aE[i] += actG[i];
    // recompute step s (from state s−1)
    const e0 = (H0 + s - 1) * n, i0 = (s - 1) * n;
    for (let i = 0; i < n; i++) {
      const E = X[e0 + i], I = SI[i0 + i];
      HE1[i] = transferD(xeOf(E, I, J[i], CL[i0 + i]), p.d_e, hE1, i);
      HI1[i] = transferD(xiOf(E, I, CF[i0 + i]), p.d_i, hI1, i);
      dE1[i] = -E / p.tau_e + (1 - E) * HE1[i] * p.gamma_e;
      dI1[i] = -I / p.tau_i + HI1[i] * p.gamma_i;
      pEu[i] = E + dt * dE1[i] + noise[i0 + i];
      pIu[i] = I + dt * dI1[i];
    }
    for (let i = 0; i < n; i++) {
      const E = X[e0 + i], I = SI[i0 + i];
      const PE = clamp(pEu[i]), PI = clamp(pIu[i]);
      const he2 = transferD(xeOf(PE, PI, J[i], CL[i0 + i]), p.d_e, hd, 0), hpe2 = hd[0];
      const hi2 = transferD(xiOf(PE, PI, CF[i0 + i]), p.d_i, hd, 0), hpi2 = hd[0];
      const d2E = -PE / p.tau_e + (1 - PE) * he2 * p.gamma_e;
      const d2I = -PI / p.tau_i + hi2 * p.gamma_i;
      sEu[i] = E + 0.5 * dt * (dE1[i] + d2E) + noise[i0 + i];
      sIu[i] = I + 0.5 * dt * (dI1[i] + d2I);
      // result clamp
      const mE = sEu[i] >= 0 && sEu[i] <= 1 ? aE[i] : 0;
      const mI = sIu[i] >= 0 && sIu[i] <= 1 ? aI[i] : 0;
      let adE = 0.5 * dt * mE, adI = 0.5 * dt * mI;
      const ad2E = adE, ad2I = adI;
      // second stage at the clamped predictor
      const uE = ad2E * (1 - PE) * p.gamma_e * hpe2, uI = ad2I * p.gamma_i * hpi2;
      let apE = ad2E * (-ie - p.gamma_e * he2) + uE * cEE + uI * cIE;
      let apI = -uE * p.a_e * J[i] - ad2I * ii - uI * p.a_i;
      let acl = uE * cEC, acf = uI * cIC;
      let gj = -uE * p.a_e * PI;
      // predictor clamp
      if (!(pEu[i] >= 0 && pEu[i] <= 1)) apE = 0;
      if (!(pIu[i] >= 0 && pIu[i] <= 1)) apI = 0;
      let ae = mE + apE, ai = mI + apI;
      adE += dt * apE;
      adI += dt * apI;
      // first stage at the state
      const vE = adE * (1 - E) * p.gamma_e * hE1[i], vI = adI * p.gamma_i * hI1[i];
      ae += adE * (-ie - p.gamma_e * HE1[i]) + vE * cEE + vI * cIE;
      ai += -vE * p.a_e * J[i] - adI * ii - vI * p.a_i;
      acl += vE * cEC;
      acf += vI * cIC;
      gj += -vE * p.a_e * I;
      nE[i] = ae;
      nI[i] = ai;
      aCL[i] = acl;
      aCF[i] = acf;
      gJi[i] += gj;
    }
    // coupling c = A·S_e(s−1): the transposed product now; the per-edge gradients Σ_s aC(s) S_e(s−1)ᵀ
    // later as one blocked matrix product over the stored adjoints
    LA.set(aCL, i0);
    LB.set(aCF, i0);
    for (let i = 0; i < n; i++) {
      const l = aCL[i], f = aCF[i], o = i * n;
      if (l === 0 && f === 0) continue;
      for (let j = 0; j < n; j++) nE[j] += A[o + j] * l + B[o + j] * f;
    }
    [aE, nE] = [nE, aE];
    [aI, nI] = [nI, aI];
    nE.fill(0);
    nI.fill(0);
  }
  crossProduct(gA, LA, X.subarray(H0 * n, (H0 + steps) * n), steps, n);
  crossProduct(gB, LB, X.subarray(H0 * n, (H0 + steps) * n), steps, n);
  const gL = new Float64Array(nn), gF = new Float64Array(nn);
  for (let k = 0; k < nn; k++) {
    gL[k] = params.wLRE[k] > 0 ? gA[k] * setup.weights[k] : 0;
    gF[k] = params.wFFI[k] > 0 ? gB[k] * setup.weights[k] : 0;
  }
  value.gradient = { J_i: gJi, wLRE: gL, wFFI: gF };
  return value;
}

/**
 * out[i·n + j] += Σ_t L[t·n + i]·R[t·n + j] (LᵀR for time-major [T, n] arrays), blocked over time
 * so both blocks stay in cache, 4×4 register tiles within a block.
 *
 * @example
 * ```ts
 * import { crossProduct } from 'vbt/algorithms';
 * const out = new Float64Array(4);
 * crossProduct(out, Float64Array.of(1, 2, 3, 4), Float64Array.of(1, 0, 0, 1), 2, 2);
 * Array.from(out); // [1, 3, 2, 4]
 * ```
 */
export function crossProduct(out: Float64Array, L: Float64Array, R: Float64Array, T: number, n: number): void {
  if (out.length !== n * n || L.length < T * n || R.length < T * n) throw new Error(`crossProduct: sizes out ${out.length}, L ${L.length}, R ${R.length}; expected n²=${n * n} and ≥ T·n=${T * n}`);
  const BT = 128;
  const n4 = n - (n % 4);
  for (let t0 = 0; t0 < T; t0 += BT) {
    const t1 = Math.min(T, t0 + BT);
    for (let i = 0; i < n; i += 4) {
      const ri = Math.min(4, n - i);
      for (let j = 0; j < n; j += 4) {
        const rj = Math.min(4, n - j);
        if (ri === 4 && rj === 4 && i < n4 && j < n4) {
          let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
          let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
          for (let t = t0; t < t1; t++) {
            const o = t * n;
            const l0 = L[o + i], l1 = L[o + i + 1], l2 = L[o + i + 2], l3 = L[o + i + 3];
            const r0 = R[o + j], r1 = R[o + j + 1], r2 = R[o + j + 2], r3 = R[o + j + 3];
            c00 += l0 * r0; c01 += l0 * r1; c02 += l0 * r2; c03 += l0 * r3;
            c10 += l1 * r0; c11 += l1 * r1; c12 += l1 * r2; c13 += l1 * r3;
            c20 += l2 * r0; c21 += l2 * r1; c22 += l2 * r2; c23 += l2 * r3;
            c30 += l3 * r0; c31 += l3 * r1; c32 += l3 * r2; c33 += l3 * r3;
          }
          const a = i * n + j;
          out[a] += c00; out[a + 1] += c01; out[a + 2] += c02; out[a + 3] += c03;
          out[a + n] += c10; out[a + n + 1] += c11; out[a + n + 2] += c12; out[a + n + 3] += c13;
          out[a + 2 * n] += c20; out[a + 2 * n + 1] += c21; out[a + 2 * n + 2] += c22; out[a + 2 * n + 3] += c23;
          out[a + 3 * n] += c30; out[a + 3 * n + 1] += c31; out[a + 3 * n + 2] += c32; out[a + 3 * n + 3] += c33;
        } else {
          for (let a = i; a < i + ri; a++) {
            for (let b = j; b < j + rj; b++) {
              let c = 0;
              for (let t = t0; t < t1; t++) c += L[t * n + a] * R[t * n + b];
              out[a * n + b] += c;
            }
          }
        }
      }
    }
  }
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

/** AdaMax state for one flat Float64Array of parameters (src/optim's AdaMaxState, updated in place by adamaxStep). */
export interface AdamaxState {
  mu: Float64Array;
  nu: Float64Array;
  count: number;
}

export interface AdamaxOptions {
  lr: number;
  b1?: number;
  b2?: number;
  eps?: number;
  /** Decoupled weight decay (optax's adamaxw default 1e-4; 0 = plain AdaMax). */
  weightDecay?: number;
}

/**
 * One AdaMax(W) step in place: src/optim's `adamaxW` update applied to x and written back into st (the fit itself
 * uses `adamaxW` directly). μ ← b1 μ + (1−b1) g, ν ← max(b2 ν, |g| + ε), x ← x − lr (μ/(1−b1^t)/ν + wd·x).
 *
 * @example
 * ```ts
 * import { adamaxStep } from 'vbt/algorithms';
 * const x = Float64Array.of(1), st = { mu: new Float64Array(1), nu: new Float64Array(1), count: 0 };
 * adamaxStep(x, Float64Array.of(5), st, { lr: 0.1, weightDecay: 0 });
 * x[0]; // ≈ 0.9: the first step moves every entry by lr·sign(g)
 * ```
 */
export function adamaxStep(x: Float64Array, g: Float64Array, st: AdamaxState, o: AdamaxOptions): void {
  if (x.length !== g.length || st.mu.length !== x.length) throw new Error(`adamaxStep: sizes differ (x ${x.length}, g ${g.length}, state ${st.mu.length})`);
  const opt = adamaxW({ learningRate: o.lr, beta1: o.b1, beta2: o.b2, epsilon: o.eps, weightDecay: o.weightDecay ?? 1e-4 });
  const r = opt.update(g, st, x);
  x.set(applyUpdates(x, r.updates));
  st.mu.set(r.state.mu); st.nu.set(r.state.nu); st.count = r.state.count;
}

export interface EibGradientFitOptions {
  setup: EibGradientSetup;
  /** Starting parameters (default J_i = 1, wLRE = wFFI = 1). */
  start?: EibGradientParams;
  /** AdaMax steps (default 66) and learning rate (default 0.033), optax adamaxw's defaults otherwise. */
  steps?: number;
  lr?: number;
  weightDecay?: number;
  /**
   * Noise of the loss run per step: 'per-step' (default) draws realisation seed + step, so each
   * step follows the gradient of a fresh sample of the loss; 'fixed' draws the same realisation
   * (seed) every step, as a loss function with a fixed key does, and fits that realisation's Bold
   * fluctuations too (on dk_average: training fc_corr 0.82 but 0.73 on fresh seeds, against 0.80
   * on fresh seeds with 'per-step').
   */
  noise?: 'fixed' | 'per-step';
  seed?: number;
  /**
   * Fresh-run evaluations before and after: noise seeds never used in fitting (default 1001–1003).
   * They start from the fit's transient state, which the contracting network forgets within the
   * skipped 30 TRs: a new 300 s transient at the evaluated parameters gave the same fc_corr to 1e-12.
   */
  evaluationSeeds?: number[];
  onStep?: (step: number, v: EibLossValue, seconds: number) => void;
  progress?: ProgressOption;
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k];
  return s / a.length;
}

/**
 * tvboptim's gradient E/I tuning: AdaMax on J_i, wLRE, wFFI through the exact adjoint, then
 * fresh-seed evaluation of the start and the result. Observations: fc_corr/RMSE before and after
 * (mean over the evaluation seeds, and per seed).
 *
 * @example
 * ```ts
 * import { eibGradientSetup } from 'vbt/algorithms';
 * const n = 4, weights = new Float64Array(n * n).map((_, k) => (Math.floor(k / n) === k % n ? 0 : 0.5));
 * const targetFc = { n, data: new Float64Array(n * n).map((_, k) => (Math.floor(k / n) === k % n ? 1 : 0.3)) };
 * const setup = eibGradientSetup({ n, weights, targetFc, duration: 36000, transient: 21600, transientSeed: 9, skip: 3, activitySteps: 200 });
 * import { eibGradientFit } from 'vbt/algorithms';
 * const r = eibGradientFit({ setup, steps: 3 });
 * r.observations.fc_corr_after; r.lossTrajectory;
 * ```
 */
export function eibGradientFit(o: EibGradientFitOptions): OptimizationResult {
  const { setup } = o;
  const n = setup.n, nn = n * n;
  const steps = o.steps ?? 66;
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`eibGradientFit: steps=${steps}; expected a non-negative integer`);
  const lr = o.lr ?? 0.033;
  const mode = o.noise ?? 'per-step';
  if (mode !== 'fixed' && mode !== 'per-step') throw new Error(`eibGradientFit: noise='${mode}'; expected 'fixed' or 'per-step'`);
  const seed = o.seed ?? 0;
  const evalSeeds = o.evaluationSeeds ?? [1001, 1002, 1003];
  const start = o.start ?? eibStartParams(n);
  const t0 = performance.now();
  // one flat vector: [J_i, wLRE, wFFI]
  let x: Float64Array = new Float64Array(n + 2 * nn);
  x.set(start.J_i, 0); x.set(start.wLRE, n); x.set(start.wFFI, n + nn);
  const view = (v: Float64Array): EibGradientParams => ({ J_i: v.subarray(0, n), wLRE: v.subarray(n, n + nn), wFFI: v.subarray(n + nn) });
  const opt = adamaxW({ learningRate: lr, weightDecay: o.weightDecay ?? 1e-4 });
  let st = opt.init(x);
  const g = new Float64Array(x.length);
  const losses: number[] = [];
  const history: Record<string, number>[] = [];
  const progress = makeProgress(o.progress, steps, 'E/I gradient');
  let fixedNoise: Float64Array | undefined;
  if (mode === 'fixed') fixedNoise = eibNoise(n, setup.steps, setup.nsig, setup.dt, seed);
  let stepSeconds = 0;
  for (let k = 0; k <= steps; k++) {
    const ts = performance.now();
    const last = k === steps;
    const v = eibLoss(setup, view(x), mode === 'fixed' ? seed : seed + k, { gradient: !last, noise: fixedNoise });
    if (!Number.isFinite(v.loss)) throw new Error(`eibGradientFit: loss is ${v.loss} at step ${k}; stopping before the optimiser spreads it`);
    losses.push(v.loss);
    const p = view(x);
    history.push({ loss: v.loss, rmse: v.rmse, activity: v.activity, fc_corr: v.fcCorr, meanS_e: mean(v.meanS_e), meanJ_i: mean(p.J_i), meanWLRE: mean(p.wLRE.map((w) => Math.max(w, 0))), meanWFFI: mean(p.wFFI.map((w) => Math.max(w, 0))) });
    const secs = (performance.now() - ts) / 1000;
    if (!last) stepSeconds += secs;
    o.onStep?.(k, v, secs);
    if (last) break;
    const gr = v.gradient!;
    g.set(gr.J_i, 0); g.set(gr.wLRE, n); g.set(gr.wFFI, n + nn);
    for (const gv of g) if (!Number.isFinite(gv)) throw new Error(`eibGradientFit: non-finite gradient at step ${k}`);
    const u = opt.update(g, st, x);
    x = applyUpdates(x, u.updates); st = u.state;
    progress.update(k + 1, `loss ${v.loss.toFixed(4)} fc_corr ${v.fcCorr.toFixed(3)}`);
  }
  progress.stop();
  const fitSeconds = (performance.now() - t0) / 1000;
  const final = view(x);
  const observations: Record<string, number> = { seconds_per_step: steps > 0 ? stepSeconds / steps : 0, fit_seconds: fitSeconds };
  const evaluate = (pp: EibGradientParams, tag: string) => {
    const fcs: number[] = [], rm: number[] = [];
    for (const es of evalSeeds) {
      const v = eibLoss(setup, pp, es);
      fcs.push(v.fcCorr); rm.push(v.rmse);
      observations[`fc_corr_${tag}_seed${es}`] = v.fcCorr;
      observations[`rmse_${tag}_seed${es}`] = v.rmse;
      observations[`meanS_e_${tag}_seed${es}`] = mean(v.meanS_e);
    }
    if (evalSeeds.length) { observations[`fc_corr_${tag}`] = mean(fcs); observations[`rmse_${tag}`] = mean(rm); }
  };
  evaluate(start, 'before');
  evaluate(final, 'after');
  let best = 0;
  for (let k = 1; k < losses.length; k++) if (losses[k] < losses[best]) best = k;
  return new OptimizationResult({
    name: 'eib-gradient',
    state: { J_i: Array.from(final.J_i), wLRE: Array.from(final.wLRE, (w) => Math.max(w, 0)), wFFI: Array.from(final.wFFI, (w) => Math.max(w, 0)) },
    lossTrajectory: losses, stateTrajectory: history, bestStep: best,
    hyperparameters: {
      optimizer: opt.name, lr, weightDecay: o.weightDecay ?? 1e-4, steps, noise: mode, seed, evaluationSeeds: evalSeeds,
      dt: setup.dt, durationMs: setup.steps * setup.dt, trSteps: setup.istep, skip: setup.skip, nsig: setup.nsig,
      activityTarget: setup.activityTarget, activitySteps: setup.activitySteps, activityWeight: setup.activityWeight,
    },
    observations,
    seconds: (performance.now() - t0) / 1000,
  });
}
