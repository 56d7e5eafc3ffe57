/**
 * The two-population Wong–Wang E/I network with two long-range channels (Schirner et al. 2023):
 * long-range excitation onto E (weights W∘wLRE) and feed-forward inhibition onto I (W∘wFFI), both
 * driven by S_e and delay-free. It is the ReducedWongWangExcInh catalogue model with the single
 * coupling term split in two and per-edge channel weights, which the kernel engine's one weight
 * matrix cannot express; so it is integrated here by a small fused float64 loop that follows the
 * kernel engine's conventions exactly (coupling from the state before the step, frozen through the
 * Heun stages; predictor and result clamped to [0, 1]; noise g·√dt·ξ, g = √(2·nsig), the same
 * increment in both Heun stages). With wLRE = wFFI = 1 it reproduces the kernel engine's
 * ReducedWongWangExcInh run (tested).
 *
 *   x_e = a_e(w_p J_N S_e − J_i S_i + W_e I_o + G J_N C_lre + I_ext) − b_e,  H_e = x_e / (1 − e^{−d_e x_e})
 *   x_i = a_i(J_N S_e − S_i + W_i I_o + λ G J_N C_ffi) − b_i,                H_i = x_i / (1 − e^{−d_i x_i})
 *   dS_e/dt = −S_e/τ_e + (1 − S_e) γ_e H_e,   dS_i/dt = −S_i/τ_i + γ_i H_i
 */
import { RandomState } from '../src/random/index.js';

export interface EibParameters {
  a_e: number; b_e: number; d_e: number; gamma_e: number; tau_e: number; w_p: number; J_N: number; W_e: number;
  a_i: number; b_i: number; d_i: number; gamma_i: number; tau_i: number; W_i: number;
  I_o: number; I_ext: number; G: number; lamda: number;
}

/** tvboptim's EI-tuning values (= the catalogue defaults with G = λ = 1). */
export const EIB_DEFAULTS: Readonly<EibParameters> = Object.freeze({
  a_e: 310, b_e: 125, d_e: 0.16, gamma_e: 0.641 / 1000, tau_e: 100, w_p: 1.4, J_N: 0.15, W_e: 1,
  a_i: 615, b_i: 177, d_i: 0.087, gamma_i: 1 / 1000, tau_i: 10, W_i: 0.7,
  I_o: 0.382, I_ext: 0, G: 1, lamda: 1,
});

export interface EibNetworkOptions {
  /** Structural weights, n×n, row = target (as Connectivity.weights); used as given. */
  weights: ArrayLike<number>;
  n: number;
  parameters?: Partial<EibParameters>;
  /** Local inhibition J_i per node (default 1). */
  J_i?: number | ArrayLike<number>;
  /** Channel weights (default all ones). */
  wLRE?: ArrayLike<number>;
  wFFI?: ArrayLike<number>;
  /** Step in ms (default 4, as tvboptim). */
  dt?: number;
  /** TVB noise dispersion on S_e (default 5e-5 = σ²/2 for σ = 0.01); S_i gets none. */
  nsig?: number;
  seed?: number;
  /** Initial state (default 0.001 for both, tvboptim's). */
  initial?: { S_e?: number | ArrayLike<number>; S_i?: number | ArrayLike<number> };
  /** Clamp to [0, 1] after each Heun stage (default true, tvboptim's BoundedSolver); false = plain Heun, as tvboptim's EIB evaluation runs. */
  bounded?: boolean;
}

/** Time means over one `run`, per node. */
export interface EibMeans {
  S_e: Float64Array;
  S_i: Float64Array;
  /** Excitatory rate H_e (Hz). */
  rate: Float64Array;
  /** Excitatory input current relative to threshold, x_e / a_e (nA): Deco 2014's "I_E − b/a". */
  current: Float64Array;
}

function fill(n: number, v: number | ArrayLike<number> | undefined, dflt: number, what: string): Float64Array {
  if (v === undefined) return new Float64Array(n).fill(dflt);
  if (typeof v === 'number') return new Float64Array(n).fill(v);
  if (v.length !== n) throw new Error(`EibNetwork: ${what} has ${v.length} values; expected ${n}`);
  return Float64Array.from(v);
}

/** H(x) = x / (1 − e^{−d x}), with its limit 1/d at x = 0. */
export function transfer(x: number, d: number): number {
  const dx = d * x;
  if (Math.abs(dx) < 1e-9) return 1 / d + x / 2;
  return x / (1 - Math.exp(-dx));
}

/**
 * A stateful network: `run(steps)` advances it, carrying state, noise stream and step count, so
 * iterative algorithms simulate one window at a time.
 *
 * @example
 * ```ts
 * const net = new EibNetwork({ n: 2, weights: [0, 1, 1, 0], nsig: 0 });
 * const m = net.run(250);   // 1 s at dt 4 ms
 * m.S_e.length;             // 2
 * ```
 */
export class EibNetwork {
  readonly n: number;
  readonly dt: number;
  readonly p: EibParameters;
  readonly weights: Float64Array;
  readonly J_i: Float64Array;
  readonly wLRE: Float64Array;
  readonly wFFI: Float64Array;
  readonly S_e: Float64Array;
  readonly S_i: Float64Array;
  /** Steps taken so far (TVB's step index of the last computed state). */
  step = 0;
  /** Whether states are clamped to [0, 1] (see EibNetworkOptions.bounded); may be switched between runs. */
  bounded = true;
  private readonly g: number;
  private readonly rng: RandomState;
  private effLRE: Float64Array;
  private effFFI: Float64Array;
  private dirty = true;
  private same = false;
  private readonly nsig: number;

  constructor(o: EibNetworkOptions) {
    const n = o.n;
    if (!Number.isInteger(n) || n < 1) throw new Error(`EibNetwork: n=${n}; expected a positive integer`);
    if (o.weights.length !== n * n) throw new Error(`EibNetwork: weights has ${o.weights.length} values; expected n*n = ${n * n}`);
    this.n = n;
    this.dt = o.dt ?? 4;
    if (!(this.dt > 0)) throw new Error(`EibNetwork: dt=${this.dt}; expected > 0 ms`);
    this.p = { ...EIB_DEFAULTS, ...(o.parameters ?? {}) };
    for (const [k, v] of Object.entries(this.p)) if (!Number.isFinite(v)) throw new Error(`EibNetwork: parameter ${k} = ${v} is not finite`);
    this.weights = Float64Array.from(o.weights);
    this.J_i = fill(n, o.J_i, 1, 'J_i');
    this.wLRE = fill(n * n, o.wLRE, 1, 'wLRE');
    this.wFFI = fill(n * n, o.wFFI, 1, 'wFFI');
    this.S_e = fill(n, o.initial?.S_e, 0.001, 'initial.S_e');
    this.S_i = fill(n, o.initial?.S_i, 0.001, 'initial.S_i');
    const nsig = o.nsig ?? 5e-5;
    if (!(nsig >= 0)) throw new Error(`EibNetwork: nsig=${nsig}; expected ≥ 0`);
    this.nsig = nsig;
    this.g = Math.sqrt(2 * nsig);
    this.rng = new RandomState(o.seed ?? 42);
    if (o.bounded === false) this.bounded = false;
    this.effLRE = new Float64Array(n * n);
    this.effFFI = new Float64Array(n * n);
  }

  /** Call after changing wLRE / wFFI / weights in place. */
  channelsChanged(): void {
    this.dirty = true;
  }

  private refresh(): void {
    const nn = this.n * this.n;
    for (let k = 0; k < nn; k++) {
      this.effLRE[k] = this.weights[k] * this.wLRE[k];
      this.effFFI[k] = this.weights[k] * this.wFFI[k];
    }
    this.dirty = false;
    // FIC alone keeps both channels equal: one matrix–vector product per step then suffices
    this.same = this.wLRE.every((v, k) => v === this.wFFI[k]);
  }

  /** An independent copy (state, parameters, channel weights), with its own noise stream. */
  clone(seed?: number): EibNetwork {
    return new EibNetwork({
      n: this.n, weights: this.weights, parameters: this.p, J_i: this.J_i, wLRE: this.wLRE, wFFI: this.wFFI, dt: this.dt,
      nsig: this.nsig, seed: seed ?? 42, initial: { S_e: this.S_e, S_i: this.S_i }, bounded: this.bounded,
    });
  }

  /**
   * Advance `steps` steps. `observe(s, S_e, S_i)` sees the state after each step s (for BOLD or
   * trajectories). Returns the time means over these steps.
   */
  run(steps: number, observe?: (s: number, S_e: Float64Array, S_i: Float64Array) => void): EibMeans {
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`EibNetwork.run: steps=${steps}; expected a positive integer`);
    if (this.dirty) this.refresh();
    const { n, dt, p, S_e, S_i, J_i, effLRE, effFFI, same } = this;
    const cL = new Float64Array(n), cF = new Float64Array(n);
    const dE = new Float64Array(n), dI = new Float64Array(n);
    const pE = new Float64Array(n), pI = new Float64Array(n);
    const noise = new Float64Array(n);
    const sumE = new Float64Array(n), sumI = new Float64Array(n), sumR = new Float64Array(n), sumX = new Float64Array(n);
    const gJ = p.G * p.J_N;
    const sq = this.g * Math.sqrt(dt);
    const clamp = this.bounded ? (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x) : (x: number) => x;
    // derivative at (E, I) with the frozen coupling; also returns x_e for the means
    const deriv = (E: Float64Array, I: Float64Array, outE: Float64Array, outI: Float64Array, xe?: Float64Array, he?: Float64Array) => {
      for (let i = 0; i < n; i++) {
        const jnse = p.J_N * E[i];
        const x_e = p.a_e * (p.w_p * jnse - J_i[i] * I[i] + p.W_e * p.I_o + gJ * cL[i] + p.I_ext) - p.b_e;
        const H_e = transfer(x_e, p.d_e);
        const x_i = p.a_i * (jnse - I[i] + p.W_i * p.I_o + p.lamda * gJ * cF[i]) - p.b_i;
        const H_i = transfer(x_i, p.d_i);
        outE[i] = -E[i] / p.tau_e + (1 - E[i]) * H_e * p.gamma_e;
        outI[i] = -I[i] / p.tau_i + H_i * p.gamma_i;
        if (xe) { xe[i] = x_e; he![i] = H_e; }
      }
    };
    const xe = new Float64Array(n), he = new Float64Array(n);
    const d2E = new Float64Array(n), d2I = new Float64Array(n);
    for (let k = 0; k < steps; k++) {
      if (same) {
        for (let i = 0; i < n; i++) {
          let a = 0;
          const o = i * n;
          for (let j = 0; j < n; j++) a += effLRE[o + j] * S_e[j];
          cL[i] = a;
          cF[i] = a;
        }
      } else {
        for (let i = 0; i < n; i++) {
          let a = 0, b = 0;
          const o = i * n;
          for (let j = 0; j < n; j++) {
            const s = S_e[j];
            a += effLRE[o + j] * s;
            b += effFFI[o + j] * s;
          }
          cL[i] = a;
          cF[i] = b;
        }
      }
      if (sq > 0) for (let i = 0; i < n; i++) noise[i] = sq * this.rng.standardNormal();
      deriv(S_e, S_i, dE, dI, xe, he);
      for (let i = 0; i < n; i++) {
        pE[i] = clamp(S_e[i] + dt * dE[i] + noise[i]);
        pI[i] = clamp(S_i[i] + dt * dI[i]);
      }
      // the means use the state the step starts from (its rate and current)
      for (let i = 0; i < n; i++) { sumR[i] += he[i]; sumX[i] += xe[i] / p.a_e; }
      deriv(pE, pI, d2E, d2I);
      for (let i = 0; i < n; i++) {
        S_e[i] = clamp(S_e[i] + 0.5 * dt * (dE[i] + d2E[i]) + noise[i]);
        S_i[i] = clamp(S_i[i] + 0.5 * dt * (dI[i] + d2I[i]));
        sumE[i] += S_e[i];
        sumI[i] += S_i[i];
      }
      this.step++;
      if (observe) observe(this.step, S_e, S_i);
    }
    for (let i = 0; i < n; i++) { sumE[i] /= steps; sumI[i] /= steps; sumR[i] /= steps; sumX[i] /= steps; }
    return { S_e: sumE, S_i: sumI, rate: sumR, current: sumX };
  }
}
