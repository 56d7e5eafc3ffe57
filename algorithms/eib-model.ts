/**
 * The two-population Wong–Wang E/I network with two long-range channels (Schirner et al. 2023):
 * long-range excitation onto E (weights W∘wLRE) and feed-forward inhibition onto I (W∘wFFI), both
 * driven by S_e and delay-free. It is the catalogue model `ReducedWongWangEIB` (two projections with
 * per-edge parameters) run by the kernel engine; `EibNetwork` keeps one kernel program alive across
 * windows so that iterative algorithms (FIC, EIB) carry state, noise stream and step count, and
 * change J_i, wLRE and wFFI in place between windows. The kernel's conventions: coupling from the
 * state before the step, frozen through the Heun stages; predictor and result clamped to [0, 1];
 * noise g·√dt·ξ on S_e only, g = √(2·nsig), the same increment in both Heun stages.
 *
 *   x_e = a_e(w_p J_N S_e − J_i S_i + W_e I_o + G J_N C_lre + I_ext) − b_e,  H_e = x_e / (1 − e^{−d_e x_e})
 *   x_i = a_i(J_N S_e − S_i + W_i I_o + λ G J_N C_ffi) − b_i,                H_i = x_i / (1 − e^{−d_i x_i})
 *   dS_e/dt = −S_e/τ_e + (1 − S_e) γ_e H_e,   dS_i/dt = −S_i/τ_i + γ_i H_i
 */
import { RandomState } from '../src/random/index.js';
import { getModel } from '../src/models/catalogue.js';
import type { ModelSpec } from '../src/models/spec.js';
import { Connectivity } from '../src/network/connectivity.js';
import { prepareRun, projectionLinkWeights, type PreparedRun } from '../src/plan/build.js';
import { generateProgram, instantiate, type KernelInstance } from '../src/engine/kernel/program.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import type { MonitorSpec } from '../src/observation/index.js';

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

/** The catalogue model without its [0, 1] boundaries (tvboptim evaluates unbounded). */
function unbounded(spec: ModelSpec): ModelSpec {
  const sv = Object.fromEntries(Object.entries(spec.state_variables).map(([k, v]) => [k, { ...v, boundaries: undefined }]));
  return { ...spec, state_variables: sv };
}

/** Variables of interest the network reads after every step: state, and rate and current at the next step's start. */
const EIB_VOIS = ['S_e', 'S_i', 'H_e', 'x_e / a_e'];

/**
 * A stateful network: `run(steps)` advances it, carrying state, noise stream and step count, so
 * iterative algorithms simulate one window at a time.
 *
 * @example
 * ```ts
 * import { EibNetwork } from 'vbt/algorithms';
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
  /** Read live by the kernel program: change in place between runs. */
  readonly J_i: Float64Array;
  readonly wLRE: Float64Array;
  readonly wFFI: Float64Array;
  /** The state after the last step (copied from the program; may be changed between runs). */
  readonly S_e: Float64Array;
  readonly S_i: Float64Array;
  /** Steps taken so far (TVB's step index of the last computed state). */
  step = 0;
  /** TVB noise dispersion on S_e, and the seed this network's noise stream started from. */
  readonly nsig: number;
  readonly seed: number;
  private readonly rng: RandomState;
  private isBounded = true;
  private dirty = true;
  private prep?: PreparedRun;
  private prog?: KernelInstance;

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
    this.seed = o.seed ?? 42;
    this.rng = new RandomState(this.seed);
    if (o.bounded === false) this.isBounded = false;
  }

  /** Whether states are clamped to [0, 1] (see EibNetworkOptions.bounded); may be switched between runs. */
  get bounded(): boolean { return this.isBounded; }
  set bounded(v: boolean) {
    if (v !== this.isBounded) { this.isBounded = v; this.prog = undefined; }
  }

  /** Call after changing wLRE / wFFI / weights in place. */
  channelsChanged(): void {
    this.dirty = true;
  }

  /** An independent copy (state, parameters, channel weights), with its own noise stream. */
  clone(seed?: number): EibNetwork {
    return new EibNetwork({
      n: this.n, weights: this.weights, parameters: this.p, J_i: this.J_i, wLRE: this.wLRE, wFFI: this.wFFI, dt: this.dt,
      nsig: this.nsig, seed: seed ?? 42, initial: { S_e: this.S_e, S_i: this.S_i }, bounded: this.bounded,
    });
  }

  /**
   * A fresh kernel-engine run of this network as a SimulationConfig: from its current state, with
   * its current J_i, wLRE and wFFI (copied now), its noise from `seed` (default: its own). The JS
   * kernel, as `run` uses, so the series are bit-identical to what this network would produce.
   *
   * @example
   * ```ts
   * import { simulateSync } from 'vbt';
   * import { EibNetwork } from 'vbt/algorithms';
   * const net = new EibNetwork({ n: 2, weights: [0, 1, 1, 0], seed: 3 });
   * const res = simulateSync(net.simulationConfig({ duration: 400, monitors: [{ name: 'TemporalAverage', period: 40 }] }));
   * res.monitor('TemporalAverage').shape; // [1, 10, 2, 2, 1]
   * ```
   */
  simulationConfig(o: { duration: number; transient?: number; monitors: MonitorSpec[]; seed?: number; labels?: readonly string[] }): SimulationConfig {
    const n = this.n;
    return {
      model: this.isBounded ? 'ReducedWongWangEIB' : unbounded(getModel('ReducedWongWangEIB')),
      connectivity: new Connectivity({ weights: this.weights, tractLengths: new Float64Array(n * n), labels: o.labels ? [...o.labels] : undefined }),
      parameters: { ...this.p, J_i: Float64Array.from(this.J_i) },
      perNode: ['J_i'],
      edgeParameters: { wLRE: Float64Array.from(this.wLRE), wFFI: Float64Array.from(this.wFFI) },
      integrator: { name: 'Heun', dt: this.dt, ...(this.nsig > 0 ? { noise: { nsig: [this.nsig, 0], variables: ['S_e'], seed: o.seed ?? this.seed } } : {}) },
      initialConditions: { history: Float64Array.from([...this.S_e, ...this.S_i]) },
      duration: o.duration,
      transient: o.transient,
      monitors: o.monitors,
      kernel: 'js',
    };
  }

  /** The kernel program for ReducedWongWangEIB, built once per bounded/unbounded and kept across runs. */
  private program(): { prep: PreparedRun; prog: KernelInstance } {
    if (this.prog && this.prep) return { prep: this.prep, prog: this.prog };
    const { n, dt } = this;
    const spec = getModel('ReducedWongWangEIB');
    const prep = prepareRun({
      model: this.isBounded ? spec : unbounded(spec),
      connectivity: new Connectivity({ weights: this.weights, tractLengths: new Float64Array(n * n) }),
      idelays: new Int32Array(n * n),
      parameters: { ...this.p, J_i: this.J_i },
      perNode: ['J_i'],
      edgeParameters: { wLRE: this.wLRE, wFFI: this.wFFI },
      integrator: { name: 'Heun', dt, ...(this.nsig > 0 ? { noise: { nsig: [this.nsig, 0], variables: ['S_e'] } } : {}) },
      duration: dt,
      monitors: [],
      variablesOfInterest: EIB_VOIS,
      initialConditions: { history: Float64Array.from([...this.S_e, ...this.S_i]) },
      // the JS kernel reads J_i and the link weights from these arrays; the WebAssembly one copies
      // parameters into its own memory once, so in-place updates between windows would not reach it
      kernel: 'js',
    }, () => { throw new Error('unreachable'); });
    // the program reads J_i from this network's own array, so FIC's in-place updates reach it
    prep.data.mp_J_i = this.J_i;
    prep.plan.modelParams.J_i = { kind: 'node', data: this.J_i };
    const rng = this.rng;
    const prog = instantiate(generateProgram(prep.plan).source, {
      B: 1, batchOffset: 0, P: prep.data, history: prep.history, state: new Float64Array(2 * n), seeds: [0],
      // the noise stream continues across rebuilt programs (bounded switched)
      Rng: function SharedStream() { return rng; },
    });
    this.prep = prep;
    this.prog = prog;
    this.dirty = true;
    return { prep, prog };
  }

  /**
   * Advance `steps` steps. `observe(s, S_e, S_i)` sees the state after each step s (for BOLD or
   * trajectories). Returns the time means over these steps.
   */
  run(steps: number, observe?: (s: number, S_e: Float64Array, S_i: Float64Array) => void): EibMeans {
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`EibNetwork.run: steps=${steps}; expected a positive integer`);
    const { prep, prog } = this.program();
    const n = this.n;
    if (this.dirty) {
      const d = prep.data;
      projectionLinkWeights(this.weights, n, d.rowPtr as Int32Array, d.lnkSrc as Int32Array, [this.wLRE, this.wFFI], false, d.lnkW as Float64Array);
      this.dirty = false;
    }
    const { S_e, S_i } = this;
    // program step s integrates the network's step s − H + 1 (H = 1: no delays)
    let s = prep.s0 + this.step;
    // state and parameters may have been changed since the last window: restart the coupling from them
    const x = new Float64Array(2 * n);
    x.set(S_e, 0);
    x.set(S_i, n);
    prog.setState(x, s);
    const sumE = new Float64Array(n), sumI = new Float64Array(n), sumR = new Float64Array(n), sumX = new Float64Array(n);
    let obs = prog.observeNow(s, 0);
    for (let k = 0; k < steps; k++) {
      // the means of rate and current use the state each step starts from
      for (let i = 0; i < n; i++) { sumR[i] += obs[2 * n + i]; sumX[i] += obs[3 * n + i]; }
      prog.run(s, 1, false, prep.s0);
      s++;
      const st = prog.state;
      for (let i = 0; i < n; i++) {
        S_e[i] = st[i];
        S_i[i] = st[n + i];
        sumE[i] += S_e[i];
        sumI[i] += S_i[i];
      }
      this.step++;
      if (observe) observe(this.step, S_e, S_i);
      obs = prog.observeNow(s, 0);
    }
    for (let i = 0; i < n; i++) { sumE[i] /= steps; sumI[i] /= steps; sumR[i] /= steps; sumX[i] /= steps; }
    return { S_e: sumE, S_i: sumI, rate: sumR, current: sumX };
  }
}
