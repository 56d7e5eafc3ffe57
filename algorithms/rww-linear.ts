/**
 * Linearised reduced Wong–Wang network: the fixed point S*, the Jacobian there, and the FC the
 * linear noise-driven fluctuations around it predict. In the regime dk_average is fitted in (weak
 * additive noise, σ ≈ 0.003, one stable low-activity state) the network is an Ornstein–Uhlenbeck
 * process dS = J (S − S*) dt + σ dW, so
 *
 * - `lyapunov`: the stationary covariance P solves J P + P Jᵀ + σ² I = 0 (neural FC);
 * - `lowFrequency`: the cross-spectrum at frequency 0, J⁻¹ Jᵀ⁻¹ σ² — what a slow hemodynamic
 *   filter passes (BOLD keeps < 0.1 Hz, far below the modes' decay rates), a BOLD-FC surrogate.
 *
 * FC is the correlation of either matrix. Both are smooth in the per-region parameters and cost a
 * few 84×84 factorisations, so a regional fit can take hundreds of gradient steps where a
 * differentiable 90 s BOLD simulation affords a handful (see `fitRwwLinear`).
 *
 * Model (TVB ReducedWongWang): dS/dt = −S/τ_s + (1 − S) γ H(x),
 * x = w J_N S + I_o + J_N c, c = G Σ_j W_ij S_j, H(x) = (a x − b)/(1 − exp(−d (a x − b))).
 *
 * @example
 * ```ts
 * import { syntheticConnectome } from 'vbt';
 * import { rwwLinearFc } from 'vbt/algorithms';
 * const sc = syntheticConnectome({ nodes: 84 });
 * const net = { weights: sc.weights, n: 84, G: 0.33, w: new Float64Array(84).fill(0.14), I_o: 0.32 };
 * const fc = rwwLinearFc(net, 'lowFrequency'); // n×n, zero diagonal
 * ```
 */
import { Matrix, LuDecomposition, EigenvalueDecomposition, inverse } from 'ml-matrix';
import { adam } from '../src/optim/index.js';

export interface RwwNetwork {
  n: number;
  /** weights[i*n + j]: to i from j. */
  weights: ArrayLike<number>;
  /** Linear coupling scale (TVB Linear coupling a). */
  G: number;
  /** Per-region recurrence w (or one value for all). */
  w: ArrayLike<number> | number;
  /** Per-region external input I_o (or one value). */
  I_o: ArrayLike<number> | number;
  /** Model constants (TVB defaults when absent). */
  a?: number; b?: number; d?: number; gamma?: number; tau_s?: number; J_N?: number;
}

const perRegion = (v: ArrayLike<number> | number, n: number, what: string): Float64Array => {
  if (typeof v === 'number') return new Float64Array(n).fill(v);
  if (v.length !== n) throw new Error(`rww-linear: ${what} has ${v.length} values; expected ${n} (one per region) or a single number`);
  return Float64Array.from(v);
};

/** h(y) = y/(1 − e^(−d y)) and h'(y), with the removable singularity at y = 0. */
function hAndSlope(y: number, d: number): [number, number] {
  const t = d * y;
  if (Math.abs(t) < 1e-8) return [1 / d + y / 2, 0.5];
  const e = Math.exp(-t), den = -Math.expm1(-t);
  return [y / den, (den - t * e) / (den * den)];
}

export interface RwwLinearisation {
  /** Fixed point S*. */
  S: Float64Array;
  /** Jacobian at S* (row-major n×n). */
  J: Matrix;
  /** max |dS/dt| at S* (a check that Newton converged). */
  residual: number;
}

/**
 * Fixed point and Jacobian by Newton's method from `S0` (default 0.3 everywhere, the usual initial
 * condition). Throws when Newton does not converge or the fixed point is unstable (the linear
 * fluctuation picture does not apply there).
 */
export function rwwLinearise(net: RwwNetwork, S0?: ArrayLike<number>, opts: { checkStability?: boolean } = {}): RwwLinearisation {
  const n = net.n;
  if (net.weights.length !== n * n) throw new Error(`rww-linear: weights has ${net.weights.length} entries; expected n² = ${n * n}`);
  const a = net.a ?? 0.27, b = net.b ?? 0.108, d = net.d ?? 154, gam = net.gamma ?? 0.641, tau = net.tau_s ?? 100, JN = net.J_N ?? 0.2609;
  const w = perRegion(net.w, n, 'w'), Io = perRegion(net.I_o, n, 'I_o');
  const W = net.weights, G = net.G;
  const S = S0 ? Float64Array.from(S0) : new Float64Array(n).fill(0.3);
  const f = new Float64Array(n), J = new Matrix(n, n);
  const evaluate = () => {
    for (let i = 0; i < n; i++) {
      let c = 0;
      for (let j = 0; j < n; j++) c += W[i * n + j] * S[j];
      const x = w[i] * JN * S[i] + Io[i] + JN * G * c;
      const [h, hp] = hAndSlope(a * x - b, d);
      f[i] = -S[i] / tau + (1 - S[i]) * gam * h;
      const g = (1 - S[i]) * gam * hp * a * JN; // ∂f_i/∂x_i · ∂x_i/∂(J_N-scaled input)
      for (let j = 0; j < n; j++) J.set(i, j, g * G * W[i * n + j]);
      J.set(i, i, J.get(i, i) - 1 / tau - gam * h + g * w[i]);
    }
  };
  let res = Infinity;
  for (let it = 0; it < 100; it++) {
    evaluate();
    res = 0;
    for (const v of f) res = Math.max(res, Math.abs(v));
    if (res < 1e-13) break;
    const step = new LuDecomposition(J).solve(Matrix.columnVector(Array.from(f)));
    let lam = 1;
    // damped: S stays inside (0, 1), where the model lives
    for (let i = 0; i < n; i++) {
      const s = step.get(i, 0);
      while (S[i] - lam * s <= 0 || S[i] - lam * s >= 1) lam /= 2;
    }
    for (let i = 0; i < n; i++) S[i] -= lam * step.get(i, 0);
  }
  if (!(res < 1e-10)) throw new Error(`rww-linear: Newton did not reach a fixed point (max |dS/dt| = ${res}); G = ${G} may be past the low-activity state`);
  evaluate();
  if (opts.checkStability ?? true) {
    const re = new EigenvalueDecomposition(J).realEigenvalues;
    const top = Math.max(...re);
    if (!(top < 0)) throw new Error(`rww-linear: the fixed point is unstable (largest eigenvalue real part ${top.toExponential(3)} /ms); the linear fluctuation picture does not apply`);
  }
  return { S, J, residual: res };
}

/** Correlation matrix of a covariance, diagonal set to 0 (tvboptim's fc_corr convention). */
function correlation(P: Matrix): Float64Array {
  const n = P.rows, out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    if (i !== j) out[i * n + j] = P.get(i, j) / Math.sqrt(P.get(i, i) * P.get(j, j));
  }
  return out;
}

/** Stationary covariance of dX = J X dt + dW (unit noise) by Smith's doubling on the 1 ms map. */
function lyapunovCovariance(J: Matrix, h = 1, doublings = 22): Matrix {
  const n = J.rows;
  let A = Matrix.eye(n).add(J.clone().mul(h));
  let P = Matrix.eye(n).mul(h);
  for (let k = 0; k < doublings; k++) {
    P = P.add(A.mmul(P).mmul(A.transpose()));
    A = A.mmul(A);
  }
  return P;
}


export type LinearFcKind = 'lowFrequency' | 'lyapunov';

/**
 * FC (n×n, zero diagonal) predicted by the linearised network.
 */
export function rwwLinearFc(net: RwwNetwork, kind: LinearFcKind = 'lowFrequency', lin?: RwwLinearisation): Float64Array {
  const L = lin ?? rwwLinearise(net);
  if (kind === 'lyapunov') return correlation(lyapunovCovariance(L.J));
  const Ji = inverse(L.J);
  return correlation(Ji.mmul(Ji.transpose()));
}

export interface FitRwwLinearOptions {
  /** The network at the start (w and I_o per region or global); its weights, G and constants stay fixed. */
  net: RwwNetwork;
  /** Empirical FC, n×n row-major (its diagonal is ignored). */
  empFc: ArrayLike<number>;
  /** Which per-region parameters are free (default ['w']). */
  free?: ('w' | 'I_o')[];
  kind?: LinearFcKind;
  steps?: number;
  learningRate?: number;
  /** Bounds of the free values (default w ∈ [−1, 1.5], I_o ∈ [0, 0.6]); Adam steps are clipped into them. */
  bounds?: Partial<Record<'w' | 'I_o', [number, number]>>;
  /** Learning rate at step k from the base rate (e.g. `schedules.cosine(steps)`). */
  schedule?: (step: number, base: number) => number;
  /** Finite-difference step (default 1e-6). */
  h?: number;
  onStep?: (info: { step: number; fcCorr: number; seconds: number }) => void;
}

export interface FitRwwLinearResult {
  w: Float64Array;
  I_o: Float64Array;
  /** Surrogate fc_corr (full matrix, zero diagonals) per step, before each update. */
  trajectory: number[];
  best: { step: number; fcCorr: number };
  /** Why the fit ended before `steps`, or null. */
  stopped: string | null;
  seconds: number;
}

function fullCorr(a: Float64Array, b: ArrayLike<number>, n: number): number {
  // Pearson over all n² entries with zero diagonals (tvboptim's fc_corr)
  let sa = 0, sb = 0;
  const m = n * n;
  const bv = (k: number) => (Math.floor(k / n) === k % n ? 0 : b[k]);
  for (let k = 0; k < m; k++) { sa += a[k]; sb += bv(k); }
  sa /= m; sb /= m;
  let ab = 0, aa = 0, bb = 0;
  for (let k = 0; k < m; k++) { const p = a[k] - sa, q = bv(k) - sb; ab += p * q; aa += p * p; bb += q * q; }
  return ab / Math.sqrt(aa * bb);
}

/**
 * Regional fit of the linearised RWW network's FC to an empirical FC: maximise the full-matrix
 * fc_corr of `rwwLinearFc` over per-region w (and/or I_o) by Adam on a forward-difference gradient
 * (each difference re-solves the fixed point by Newton from the current one, 2–3 iterations). A
 * parameter change that loses the stable fixed point counts as fc_corr −1 for that difference, and
 * an Adam step that loses it is halved until it does not.
 *
 * @example
 * ```ts
 * import { syntheticConnectome } from 'vbt';
 * import { rwwLinearFc } from 'vbt/algorithms';
 * import { fitRwwLinear } from 'vbt/algorithms';
 * const n = 8, weights = syntheticConnectome({ nodes: n }).weights;
 * const empFc = rwwLinearFc({ weights, n, G: 0.33, w: new Float64Array(n).fill(0.2), I_o: 0.32 }, 'lowFrequency'); // the FC to match
 * const r = fitRwwLinear({ net: { n, weights, G: 0.33, w: 0.14, I_o: 0.32 }, empFc, steps: 20 });
 * r.w; r.best.fcCorr;
 * ```
 */
export function fitRwwLinear(o: FitRwwLinearOptions): FitRwwLinearResult {
  const n = o.net.n, free = o.free ?? ['w'], kind = o.kind ?? 'lowFrequency';
  if (o.empFc.length !== n * n) throw new Error(`fitRwwLinear: empFc has ${o.empFc.length} entries; expected ${n * n}`);
  const steps = o.steps ?? 100, lr = o.learningRate ?? 0.01, h = o.h ?? 1e-6;
  const bounds = { w: [-1, 1.5] as [number, number], I_o: [0, 0.6] as [number, number], ...(o.bounds ?? {}) };
  const vals = { w: perRegion(o.net.w, n, 'w'), I_o: perRegion(o.net.I_o, n, 'I_o') };
  const dim = free.length * n;
  const opt = adam({ learningRate: lr, schedule: o.schedule });
  let st = opt.init(dim);
  const t0 = performance.now();
  let lin = rwwLinearise({ ...o.net, ...vals });
  const score = (net: RwwNetwork, S0: Float64Array): number => {
    try {
      const L = rwwLinearise(net, S0, { checkStability: false });
      return fullCorr(rwwLinearFc(net, kind, L), o.empFc, n);
    } catch { return -1; }
  };
  const trajectory: number[] = [];
  let stopped: string | null = null;
  let best = { step: -1, fcCorr: -Infinity, w: vals.w.slice(), I_o: vals.I_o.slice() };
  for (let k = 0; k < steps; k++) {
    const f0 = fullCorr(rwwLinearFc({ ...o.net, ...vals }, kind, lin), o.empFc, n);
    trajectory.push(f0);
    if (f0 > best.fcCorr) best = { step: k, fcCorr: f0, w: vals.w.slice(), I_o: vals.I_o.slice() };
    o.onStep?.({ step: k, fcCorr: f0, seconds: (performance.now() - t0) / 1000 });
    if (k === steps - 1) break;
    const grad = new Float64Array(dim);
    free.forEach((name, p) => {
      for (let i = 0; i < n; i++) {
        const arr = vals[name].slice();
        arr[i] += h;
        grad[p * n + i] = -(score({ ...o.net, ...vals, [name]: arr }, lin.S) - f0) / h; // loss = −fc_corr
      }
    });
    const prev = { w: vals.w.slice(), I_o: vals.I_o.slice() };
    const { updates: delta, state } = opt.update(grad, st);
    st = state;
    // a step that loses the stable fixed point is halved (up to 6 times) rather than taken
    let moved = false;
    for (let half = 0; half < 7 && !moved; half++) {
      const f = 0.5 ** half;
      free.forEach((name, p) => {
        const [lo, hi] = bounds[name];
        for (let i = 0; i < n; i++) vals[name][i] = Math.min(hi, Math.max(lo, prev[name][i] + f * delta[p * n + i]));
      });
      try {
        lin = rwwLinearise({ ...o.net, ...vals }, lin.S);
        moved = true;
      } catch { /* try a shorter step */ }
    }
    if (!moved) {
      vals.w = prev.w; vals.I_o = prev.I_o;
      stopped = `step ${k}: every step length down to 1/64 loses the stable fixed point`;
      break;
    }
  }
  return { w: best.w, I_o: best.I_o, trajectory, best: { step: best.step, fcCorr: best.fcCorr }, stopped, seconds: (performance.now() - t0) / 1000 };
}
