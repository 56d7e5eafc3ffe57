/**
 * The differentiable tensor engine: the simulation of a `SimulationConfig` as tfjs ops, batched
 * along a leading axis, so `tf.grad` of any scalar function of the output reaches model and
 * coupling parameters (scalar, per node, per batch element, or both) and the weights matrix.
 *
 * It follows the kernel engine's (= TVB's) semantics step for step — the planning and validation
 * are the kernel's own (`prepareRun`): coupling from the history slot of step s−1−d, computed once
 * per step and frozen through the Heun/RK4 stages; boundaries clamp the predictor, the stages and
 * the result; noise drawn from the same numpy-compatible generators in the same order, so a noisy
 * run sees the very same noise as the kernel engine; monitors sample at the same steps.
 *
 * Memory: the delay history is a ring buffer in a typed array, read and written by custom ops with
 * a hand-written adjoint (ops.ts, DelayRing), so the tape grows only by the small per-step tensors.
 * Where the step fuses (Euler/Heun, a coupling whose per-link term is pre(x_j) or reads x_i,
 * constant weights, additive noise) whole runs of steps are one op (segment.ts): float64 loops
 * forward and backward, the state float64 from step to step, the monitors fed a block at a time.
 * `checkpoint: K` and `truncate: W` run the whole simulation as one registered tfjs op over the
 * float64 discrete adjoint (src/engine/adjoint, via ./adjoint-run.ts): checkpoints every K steps,
 * segments recomputed in reverse; W stops the state's gradient at every W-step window boundary
 * (truncated backpropagation through time). `delays: 'linear'` interpolates fractional delays, making the conduction speed differentiable.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { loadBackend, TensorSimulator, syntheticConnectome } from 'vbt';
 * await loadBackend('cpu');
 * const sim = new TensorSimulator({
 *   model: 'Generic2dOscillator', connectivity: syntheticConnectome({ nodes: 4 }), coupling: 'Linear',
 *   couplingParameters: { a: 0.1 }, integrator: { name: 'Heun', dt: 0.1 }, duration: 100,
 * }, { checkpoint: 200 });
 * const { value, grads } = sim.valueAndGrad(
 *   (out) => tf.mean(out.monitors[0].data) as tf.Scalar, // any scalar of the output
 *   { 'coupling.a': tf.scalar(0.1), I: tf.fill([4], 0.5) }); // scalar and per-node parameters
 * console.log(value, grads['coupling.a'].dataSync(), grads.I.shape);
 * sim.dispose();
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { freeSymbols, substitute, type Expr } from '../expr/ast.js';
import { add as symAdd, mul as symMul } from '../expr/symbolic.js';
import { evalExpr } from '../expr/codegen-js.js';
import { CONSTANTS } from '../expr/functions.js';
import { parseExpr } from '../expr/parse.js';
import { expandModes } from '../engine/kernel/modes.js';
import { prepareRun, type PreparedRun } from '../plan/build.js';
import type { SimulationConfig } from '../simulation/config.js';
import { syntheticConnectome } from '../network/synthetic.js';
import { DivergenceError } from '../engine/divergence.js';
import { RandomState, type RandomStateSnapshot } from '../random/index.js';
import { compileTensorExpr, ScalarPool, type CompiledTensorExpr, type TensorSymbol } from './expr.js';
import { customOp, DelayRing, takeRows } from './ops.js';
import { AdjointRunner } from './adjoint-run.js';
import { createTensorMonitor } from '../observation/registry.js';
import type { TensorMonitor } from '../observation/tensor-monitor.js';
import { gradientsRegistered } from '../analysis/tf-gradients.js';
import { compileFusedEquation, compileFusedStep, type FusedEquation, type FusedStep, type FusedSymbol } from './fused.js';
import { runSegment, stateShadow, type RingTransform, type SegmentFeed, type SegmentSpec } from './segment.js';
import { toJs } from '../expr/codegen-js.js';
import { diffExpr, logisticForm, rateForm } from '../expr/symbolic.js';
import { couplingSymbols } from '../plan/coupling.js';
import { stimulusTimeCourse } from '../plan/stimulus.js';

export interface TensorEngineOptions {
  /**
   * Steps per gradient checkpoint segment (0 or undefined: one tape for the whole run). With K
   * steps per segment the tape holds K steps and the run keeps T/K segment boundaries.
   */
  checkpoint?: number;
  /** Truncated backpropagation: gradients do not cross boundaries every `truncate` steps. */
  truncate?: number;
  /** Extra monitors (e.g. a differentiable BOLD) appended after the config's monitors. */
  extraMonitors?: TensorMonitor[];
  /**
   * 'integer' (default): TVB's delays, rint(L / speed / dt) steps. 'linear': the delay L / speed
   * is kept fractional and the delayed value is interpolated linearly between the two history
   * steps around it, which makes the run differentiable in the conduction speed (parameter
   * `speed`); with integer delays that derivative is zero almost everywhere.
   */
  delays?: 'integer' | 'linear';
  /**
   * true (default): each state variable's derivative runs as one op whose backward is its symbolic
   * derivative; false: one tfjs op per expression node (the reference form, for comparisons).
   */
  fused?: boolean;
}

/** One monitor's output: data [B, T, V, N, M] as a tensor (owned by the caller). */
export interface TensorMonitorOutput {
  name: string;
  period: number;
  time: Float64Array;
  data: tf.Tensor;
  variables: string[];
}

export interface TensorRunResult {
  monitors: TensorMonitorOutput[];
  /** Final state [B, nsv, N, M]. */
  finalState: tf.Tensor;
  /** The monitor named `name` (case-insensitive) or the k-th. */
  monitor(which?: string | number): TensorMonitorOutput;
  dispose(): void;
}

/** A parameter value: number, or tensor of shape [] (scalar), [N] (per node), [B, 1] (per batch element) or [B, N]. */
export type TensorParam = number | tf.Tensor;

type Layout = 'scalar' | 'node' | 'batch' | 'batchnode';

interface Carry { state: tf.Tensor[]; hist: tf.Tensor; mon: tf.Tensor[][] }

/** JS-side noise: the kernel engine's generators, draws and scaling, one (B × nsv·N·M) block per step. */
class NoiseSource {
  private readonly rngs: RandomState[];
  private readonly eta?: Float64Array;
  private readonly buf: Float64Array;
  private E: number = 0;
  private sq1E2: number = 0;
  private dtSqrtLambda: number = 0;
  private readonly sqdt: number;
  constructor(private readonly prep: PreparedRun, private readonly SS: number) {
    const nz = prep.plan.noise!;
    const dt = prep.plan.dt;
    this.rngs = prep.seeds.map((s) => new RandomState(s));
    this.buf = new Float64Array(SS);
    this.sqdt = Math.sqrt(dt);
    if (nz.ntau > 0) {
      this.E = Math.exp(-dt / nz.ntau);
      this.sq1E2 = Math.sqrt(1 - this.E * this.E);
      this.dtSqrtLambda = dt * Math.sqrt(1 / nz.ntau);
      this.eta = new Float64Array(prep.B * SS);
      for (let b = 0; b < prep.B; b++) { this.rngs[b].fillStandardNormal(this.buf); this.eta.set(this.buf, b * SS); }
    }
  }
  /** Next step's noise increments (before the per-variable gain), batch-major. */
  next(out: Float64Array): void {
    const SS = this.SS;
    for (let b = 0; b < this.prep.B; b++) {
      const v = out.subarray(b * SS, (b + 1) * SS);
      if (this.eta) {
        this.rngs[b].fillStandardNormal(this.buf);
        const o = b * SS;
        for (let q = 0; q < SS; q++) { this.eta[o + q] = this.eta[o + q] * this.E + this.sq1E2 * this.buf[q]; v[q] = this.dtSqrtLambda * this.eta[o + q]; }
      } else {
        this.rngs[b].fillStandardNormal(v);
        for (let q = 0; q < SS; q++) v[q] *= this.sqdt;
      }
    }
  }
}

const PARAM_PREFIX = 'coupling.';

/** The tensor engine for one configuration. Compile once, run or differentiate many times. */
export class TensorSimulator {
  readonly prep: PreparedRun;
  readonly N: number;
  readonly M: number;
  readonly B: number;
  readonly nsv: number;
  readonly monitors: TensorMonitor[];
  private readonly pool = new ScalarPool();
  /** Checkpointed and truncated runs: one tfjs op over the float64 adjoint (./adjoint-run.ts). */
  private adjoint?: AdjointRunner;
  private readonly opts: TensorEngineOptions;
  private readonly idelays: Int32Array;
  private readonly cvar: number[];
  private readonly weights: Float64Array;
  /** Slots of the delay ring (TVB's horizon; one more for interpolated delays). */
  private readonly ringH: number;
  private readonly linear: boolean;

  constructor(readonly config: SimulationConfig, opts: TensorEngineOptions = {}) {
    this.prep = prepareRun(config, () => syntheticConnectome());
    const { plan } = this.prep;
    if (plan.projections) throw new Error(`tensor engine: model ${plan.spec.name} feeds its inputs by projections, which the tensor engine does not run; use simulate() (the kernel engine)`);
    this.N = plan.N; this.M = plan.M; this.B = this.prep.B;
    this.nsv = Object.keys(plan.spec.state_variables).length;
    this.opts = opts;
    for (const k of ['checkpoint', 'truncate'] as const) {
      const v = opts[k];
      if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new Error(`tensor engine option ${k}: expected a whole number of steps ≥ 0, got ${v}`);
    }
    const svIdx = new Map(Object.keys(plan.spec.state_variables).map((n, i) => [n, i]));
    this.cvar = plan.spec.cvar.map((n) => svIdx.get(n)!);
    this.idelays = config.idelays ?? this.prep.conn.delays(plan.dt).idelays;
    this.weights = this.prep.conn.weights;
    this.linear = opts.delays === 'linear';
    if (opts.delays !== undefined && opts.delays !== 'integer' && opts.delays !== 'linear') throw new Error(`tensor engine option delays: expected 'integer' or 'linear', got '${opts.delays}'`);
    this.ringH = this.prep.H;
    if (this.linear) {
      if (config.idelays) throw new Error("tensor engine: delays 'linear' computes delays from tract lengths and speed; drop idelays");
      if (plan.coupling.links === 'tvb-presigmoidal') throw new Error("tensor engine: delays 'linear' is not available for PreSigmoidal's gathering");
      const tau = this.delaySteps(this.prep.conn.speed);
      this.ringH = Math.max(this.prep.H, Math.floor(Math.max(...tau)) + 2);
    }
    const sFirst = this.prep.s0 + this.prep.transientSteps;
    const ctx = { dt: plan.dt, sFirst, sLast: sFirst + this.prep.nSteps - 1, nvoi: plan.parsed.vois.length, N: this.N, M: this.M };
    this.monitors = (config.monitors ?? [{ name: 'Raw' as const }]).map((m) => createTensorMonitor(m, ctx));
    this.monitors.push(...(opts.extraMonitors ?? []));
  }

  /** Names accepted by run()/valueAndGrad(): model parameters, `coupling.NAME`, `weights` (and `speed` with delays 'linear'). */
  parameterNames(): string[] {
    const { plan } = this.prep;
    return [...Object.keys(plan.spec.parameters), ...Object.keys(plan.coupling.parameters).map((k) => PARAM_PREFIX + k), 'weights', ...(this.linear ? ['speed'] : [])];
  }

  /** Fractional delays in steps, L / speed / dt (divided in TVB's order). */
  private delaySteps(speed: number): Float64Array {
    const dt = this.prep.plan.dt;
    return Float64Array.from(this.prep.conn.tractLengths, (L) => L / speed / dt);
  }

  /** The configured value of a parameter as a tensor: [] / [N] / [B, 1] / [B, N] as configured, `weights` [N, N]. */
  parameter(name: string): tf.Tensor {
    const { plan } = this.prep;
    if (name === 'weights') return tf.tensor2d(Float32Array.from(this.weights), [this.N, this.N]);
    if (name === 'speed' && this.linear) return tf.scalar(this.prep.conn.speed);
    const p = name.startsWith(PARAM_PREFIX) ? plan.couplingParams[name.slice(PARAM_PREFIX.length)] : plan.modelParams[name];
    if (!p || (!name.startsWith(PARAM_PREFIX) && !(name in plan.spec.parameters))) {
      throw new Error(`tensor engine: unknown parameter '${name}'; expected one of: ${this.parameterNames().join(', ')}`);
    }
    switch (p.kind) {
      case 'scalar': return tf.scalar(p.data[0]);
      case 'node': return tf.tensor1d(Float32Array.from(p.data));
      case 'batch': return tf.tensor2d(Float32Array.from(p.data), [this.B, 1]);
      case 'batchnode': return tf.tensor2d(Float32Array.from(p.data), [this.B, this.N]);
    }
  }

  private layoutOf(name: string, t: tf.Tensor): Layout {
    const { N, B } = this;
    const s = t.shape;
    if (s.length === 0 || (s.length === 1 && s[0] === 1 && N !== 1)) return 'scalar';
    if (s.length === 1 && s[0] === N) return 'node';
    if (s.length === 2 && s[0] === B && s[1] === 1) return 'batch';
    if (s.length === 2 && s[0] === B && s[1] === N) return 'batchnode';
    if (s.length === 2 && s[0] === 1 && s[1] === N) return 'node';
    throw new Error(`tensor engine: parameter '${name}' has shape [${s.join(', ')}]; expected [] (scalar), [${N}] (per node), [${B}, 1] (per batch element) or [${B}, ${N}] (per batch element and node)`);
  }

  /** Run the simulation. Parameters given here (numbers or tensors) override the config's. */
  run(params: Record<string, TensorParam> = {}): TensorRunResult {
    for (const k of Object.keys(params)) {
      if (!this.parameterNames().includes(k)) {
        const hint = k === 'speed' ? " (the conduction speed is a parameter with { delays: 'linear' }; TVB's integer delays make it piecewise constant)" : '';
        throw new Error(`tensor engine: unknown parameter '${k}'; expected one of: ${this.parameterNames().join(', ')}${hint}`);
      }
    }
    if (this.opts.checkpoint || this.opts.truncate) {
      if (this.opts.extraMonitors?.length) throw new Error('tensor engine: extraMonitors are not available with checkpoint or truncate (those runs are one adjoint op)');
      this.adjoint ??= new AdjointRunner({
        config: this.config, N: this.N, B: this.B, opts: this.opts,
        variables: (voi) => voi.map((v) => String(this.prep.plan.spec.variables_of_interest[v] ?? `voi${v}`)),
        layoutOf: (name, t) => this.layoutOf(name, t),
      });
      const r = this.adjoint.run(params);
      const outputs = r.monitors;
      return {
        monitors: outputs, finalState: r.finalState,
        monitor(which: string | number = 0) {
          const m = typeof which === 'number' ? outputs[which] : outputs.find((x) => x.name.toLowerCase() === which.toLowerCase());
          if (!m) throw new Error(`no monitor '${which}'; this run has ${outputs.map((x) => x.name).join(', ')}`);
          return m;
        },
        dispose() { for (const m of outputs) m.data.dispose(); r.finalState.dispose(); },
      };
    }
    const owned: tf.Tensor[] = [];
    const names: string[] = [];
    const tensors: tf.Tensor[] = [];
    const numbers = new Map<string, number>();
    const { plan } = this.prep;
    const addTensor = (name: string, t: tf.Tensor) => { names.push(name); tensors.push(t); };
    const consider = (name: string, configured: { kind: Layout; data: Float64Array }) => {
      const v = params[name];
      if (typeof v === 'number') numbers.set(name, v);
      else if (v) addTensor(name, v);
      else if (configured.kind === 'scalar') numbers.set(name, configured.data[0]);
      else { const t = this.parameter(name); owned.push(t); addTensor(name, t); }
    };
    for (const k of Object.keys(plan.spec.parameters)) consider(k, plan.modelParams[k]);
    for (const k of Object.keys(plan.coupling.parameters)) consider(PARAM_PREFIX + k, plan.couplingParams[k]);
    if (params.weights !== undefined) {
      const w = params.weights;
      if (typeof w === 'number') throw new Error('tensor engine: weights must be an [N, N] tensor');
      if (w.shape.length !== 2 || w.shape[0] !== this.N || w.shape[1] !== this.N) throw new Error(`tensor engine: weights has shape [${w.shape.join(', ')}]; expected [${this.N}, ${this.N}]`);
      addTensor('weights', w);
    } else {
      const t = this.parameter('weights'); owned.push(t); addTensor('weights', t);
    }
    if (this.linear) {
      const v = params.speed;
      if (v === undefined) numbers.set('speed', this.prep.conn.speed);
      else if (typeof v === 'number') numbers.set('speed', v);
      else {
        if (v.size !== 1) throw new Error(`tensor engine: speed must be a scalar, got shape [${v.shape.join(', ')}]`);
        addTensor('speed', tf.reshape(v, []));
        owned.push(tensors[tensors.length - 1]);
      }
    }
    const layouts = names.map((n, i) => (n === 'weights' || n === 'speed' ? 'scalar' : this.layoutOf(n, tensors[i])) as Layout);
    try {
      const speedValue = this.linear ? numbers.get('speed') ?? tensors[names.indexOf('speed')].dataSync()[0] : undefined;
      return this.execute(names, tensors, layouts, numbers, params.weights === undefined ? Float32Array.from(this.weights) : undefined, speedValue);
    } finally {
      for (const t of owned) t.dispose();
    }
  }

  /**
   * Value and gradient of `loss(run)` with respect to the given parameters (tensors of the shapes
   * `run` accepts; their values are used). Other parameters keep their configured values or `fixed`.
   */
  valueAndGrad(
    loss: (out: TensorRunResult) => tf.Scalar,
    wrt: Record<string, tf.Tensor>,
    fixed: Record<string, TensorParam> = {},
  ): { value: number; grads: Record<string, tf.Tensor> } {
    const names = Object.keys(wrt);
    if (!names.length) throw new Error('valueAndGrad: no parameters to differentiate with respect to');
    if (!gradientsRegistered()) throw new Error('valueAndGrad: tfjs gradients are not registered; call `await loadBackend()` first');
    const f = (...xs: tf.Tensor[]) => {
      const p: Record<string, TensorParam> = { ...fixed };
      names.forEach((n, i) => (p[n] = xs[i]));
      const out = this.run(p);
      return loss(out) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(f)(names.map((n) => wrt[n]));
    const v = value.dataSync()[0];
    value.dispose();
    const g: Record<string, tf.Tensor> = {};
    names.forEach((n, i) => (g[n] = grads[i]));
    return { value: v, grads: g };
  }

  dispose(): void {
    this.pool.dispose();
    this.adjoint?.dispose();
  }

  // ------------------------------------------------------------------------------------------

  private execute(names: string[], tensors: tf.Tensor[], layouts: Layout[], numbers: Map<string, number>, weightsConst?: Float32Array, speed?: number): TensorRunResult {
    const prep = this.prep;
    const { plan } = prep;
    const { N, M, B, nsv } = this;
    const H = prep.H;
    const SS = nsv * N * M;
    const step = this.compileStep(names, layouts, numbers, weightsConst, speed);
    const C = step.C;
    const noise = plan.noise ? new NoiseSource(prep, SS) : undefined;

    // initial carry
    const hs = prep.history;
    const perBatch = hs.length === B * H * SS;
    const ring = new DelayRing(B, this.ringH, C, step.initialRing(hs, perBatch));
    const stateData = Array.from({ length: nsv * M }, () => new Float64Array(B * N));
    for (let b = 0; b < B; b++) {
      const hb = perBatch ? b * H * SS : 0;
      for (let k = 0; k < nsv; k++) for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
        stateData[k * M + m][b * N + n] = hs[hb + (H - 1) * SS + (k * N + n) * M + m];
      }
    }
    const state0 = stateData.map((d) => tf.tensor2d(Float32Array.from(d), [B, N]));
    state0.forEach((t, e) => stateShadow.set(t, stateData[e])); // segments start from the float64 values
    let carry: Carry = {
      state: state0,
      hist: ring.token(),
      mon: this.monitors.map((m) => m.initial(B)),
    };
    const flat = (c: Carry) => [...c.state, c.hist, ...c.mon.flat()];
    const monSizes = this.monitors.map((_, i) => carry.mon[i].length);
    const unflat = (xs: tf.Tensor[]): Carry => {
      let o = nsv * M + 1;
      return { state: xs.slice(0, nsv * M), hist: xs[nsv * M], mon: monSizes.map((k) => xs.slice(o, (o += k))) };
    };

    const total = prep.transientSteps + prep.nSteps;
    const s0 = prep.s0;
    const sFirst = s0 + prep.transientSteps;
    const anyWarm = this.monitors.some((m) => m.warm);
    // segment boundaries every 2000 steps (so a forward-only run reports progress and checks
    // divergence regularly); checkpointed and truncated runs go through the adjoint op instead
    const cuts = new Set<number>([0, total]);
    for (let t = 2000; t < total; t += 2000) cuts.add(t);
    const bounds = [...cuts].sort((a, b) => a - b);
    const samples: tf.Tensor[][] = this.monitors.map(() => []);
    const nzBuf = noise ? new Float64Array(B * SS) : undefined;

    const plan1 = step.segmentPlan(noise);
    // steps per segment op: its output (one state per step) stays near 1 MB
    const chunk = Math.max(1, Math.floor(2 ** 18 / (nsv * M * B * N)));
    // Steps [a, b) as segment ops; the monitors take each op's states as one block (or step by step).
    const tFirst = prep.transientSteps;
    const segmentOps = (cin: tf.Tensor[], views: ReturnType<typeof step.views>, params: tf.Tensor[], a: number, b: number) => {
      const mine = new Set(cin);
      const drop = (ts: tf.Tensor[]) => { for (const x of ts) if (!mine.has(x)) x.dispose(); };
      let c = unflat(cin);
      const E = nsv * M;
      const seg: tf.Tensor[][] = this.monitors.map(() => []);
      for (let t0 = a; t0 < b;) {
        // a block is all transient or all recorded
        const t1 = Math.min(b, t0 + chunk, t0 < tFirst ? tFirst : Infinity);
        const K = t1 - t0;
        const r = runSegment(plan1!.spec, ring, c.hist, c.state, params, s0 + t0, K);
        const res = tf.tidy(() => {
          const state = Array.from({ length: E }, (_, e) => tf.reshape(takeRows(r.states, e * K + K - 1, 1), [B, N]));
          const fed = this.monitors.map((m) => t0 >= tFirst || !!m.warm);
          const mon = c.mon.map((x) => x);
          const samples: (tf.Tensor | undefined)[] = this.monitors.map(() => undefined);
          if (fed.some((f) => f)) {
            const X = E === 1 ? [r.states] : Array.from({ length: E }, (_, e) => takeRows(r.states, e * K, K));
            const obs = step.observeBlock(X, views, K);
            let perStep: tf.Tensor[] | undefined;
            this.monitors.forEach((m, i) => {
              if (!fed[i]) return;
              const o = m.recordBlock?.(s0 + t0, obs, mon[i]);
              if (o) {
                mon[i] = o.carry;
                samples[i] = o.samples;
                return;
              }
              perStep ??= tf.unstack(obs, 0);
              const got: tf.Tensor[] = [];
              for (let k = 0; k < K; k++) {
                const o = m.record(s0 + t0 + k, () => perStep![k], mon[i]);
                mon[i] = o.carry;
                if (o.sample) got.push(o.sample);
              }
              if (got.length) samples[i] = tf.stack(got, 1);
            });
          }
          return { state, mon, samples };
        });
        r.states.dispose();
        res.state.forEach((x, e) => stateShadow.set(x, r.final.subarray(e * B * N, (e + 1) * B * N)));
        drop([...c.state, c.hist]);
        const keep = new Set(res.mon.flat());
        drop(c.mon.flat().filter((x) => !keep.has(x)));
        res.samples.forEach((x, i) => x && seg[i].push(x));
        c = { state: res.state, hist: r.token, mon: res.mon };
        t0 = t1;
      }
      const stacked = seg.map((list) => {
        if (!list.length) return null;
        if (list.length === 1) return list[0];
        const r = tf.concat(list, 1);
        for (const x of list) x.dispose();
        return r;
      });
      const out = flat(c);
      return { carry: out.map((x) => (mine.has(x) ? x.clone() : x)), samples: stacked };
    };

    // Run steps [a, b) from carry `c`; returns new carry and per-monitor stacked samples (or null).
    const segment = (cin: tf.Tensor[], ps: tf.Tensor[], a: number, b: number): { carry: tf.Tensor[]; samples: (tf.Tensor | null)[] } => {
      const views = step.views(ps);
      const params = plan1 ? plan1.params(views) : null;
      if (params) {
        const r = segmentOps(cin, views, params, a, b);
        step.disposeViews(views);
        return r;
      }
      let c = unflat(cin);
      const seg: tf.Tensor[][] = this.monitors.map(() => []);
      for (let t = a; t < b; t++) {
        const s = s0 + t;
        let nz: tf.Tensor[] | undefined;
        if (noise) {
          noise.next(nzBuf!);
          nz = step.noiseTensors(nzBuf!);
        }
        const next = tf.tidy(() => {
          const out = step.advance(ring, c, views, nz, s);
          const rec = s >= sFirst || anyWarm ? step.record(out, views, c.mon, s, s < sFirst) : { mon: c.mon.map((x) => x.map((y) => y.clone())), samples: [] as (tf.Tensor | undefined)[] };
          return { state: out.state, hist: out.hist, mon: rec.mon, samples: rec.samples };
        });
        if (nz) for (const x of nz) x.dispose();
        const nc: Carry = { state: next.state, hist: next.hist, mon: next.mon };
        if (t > a) {
          const keep = new Set(flat(nc));
          for (const x of flat(c)) if (!keep.has(x)) x.dispose();
        }
        c = nc;
        next.samples.forEach((x, i) => x && seg[i].push(x));
      }
      step.disposeViews(views);
      const stacked = seg.map((list) => {
        if (!list.length) return null;
        const r = tf.stack(list, 1);
        for (const x of list) x.dispose();
        return r;
      });
      const out = flat(c);
      return { carry: a === b ? out.map((x) => x.clone()) : out, samples: stacked };
    };

    let cur = flat(carry);
    for (let k = 0; k + 1 < bounds.length; k++) {
      const a = bounds[k], b = bounds[k + 1];
      const res = segment(cur, tensors, a, b);
      for (const x of cur) x.dispose();
      cur = res.carry;
      res.samples.forEach((x, i) => x && samples[i].push(x));
      this.checkFinite(cur.slice(0, nsv * M), s0 + b - 1);
      this.config.onProgress?.(b, total);
    }
    carry = unflat(cur);
    const outputs: TensorMonitorOutput[] = this.monitors.map((m, i) => {
      const list = samples[i];
      let data: tf.Tensor;
      if (list.length === 0) data = tf.zeros([B, 0, m.sampleShape[0], m.sampleShape[1], m.sampleShape[2]]);
      else if (list.length === 1) data = list[0];
      else { data = tf.concat(list, 1); for (const x of list) x.dispose(); }
      const vars = m.voi.map((v) => String(plan.spec.variables_of_interest[v] ?? `voi${v}`));
      return { name: m.name, period: m.period, time: m.time, data, variables: vars };
    });
    const finalState = tf.tidy(() => {
      const per = Array.from({ length: nsv }, (_, k) => tf.stack(carry.state.slice(k * M, (k + 1) * M), 2)); // [B, N, M]
      return tf.stack(per, 1);
    });
    for (const x of flat(carry)) x.dispose();
    return {
      monitors: outputs,
      finalState,
      monitor(which: string | number = 0) {
        const m = typeof which === 'number' ? outputs[which] : outputs.find((x) => x.name.toLowerCase() === which.toLowerCase());
        if (!m) throw new Error(`no monitor '${which}'; this run has ${outputs.map((x) => x.name).join(', ')}`);
        return m;
      },
      dispose() {
        for (const m of outputs) m.data.dispose();
        finalState.dispose();
      },
    };
  }

  /** The kernel engine's DivergenceError, checked at segment ends (reading every step would stall the backend). */
  private checkFinite(state: tf.Tensor[], s: number): void {
    for (let k = 0; k < state.length; k++) {
      const d = state[k].dataSync();
      for (let i = 0; i < d.length; i++) {
        if (!Number.isFinite(d[i])) {
          const b = Math.floor(i / this.N), n = i % this.N;
          throw new DivergenceError({
            step: s, time: s * this.prep.plan.dt, batch: b, variable: this.prep.stateVariables[Math.floor(k / this.M)],
            node: n, nodeLabel: this.prep.conn.labels[n] ?? '?', mode: k % this.M, value: d[i],
          });
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Compilation of one step for a given binding of parameters (numbers are folded in).

  private compileStep(names: string[], layouts: Layout[], numbers: Map<string, number>, weightsConst?: Float32Array, speed?: number) {
    const prep = this.prep;
    const { plan } = prep;
    const { spec, parsed, dt } = plan;
    const { N, M, B, nsv } = this;
    const H = prep.H;
    const pool = this.pool;
    const ncv = this.cvar.length;
    const consts = spec.constants ?? {};
    const svNames = Object.keys(spec.state_variables);
    const svIdx = new Map(svNames.map((n, i) => [n, i]));
    const nP = names.length;
    const weightsSlot = names.indexOf('weights');

    const derivedNumbers = new Map<string, number>();
    const derivedSlots = new Map<string, number>();
    const fail = (where: string, s: string): never => { throw new Error(`tensor engine: ${where}: unknown name '${s}' in model ${spec.name}`); };
    const paramSym = (s: string): TensorSymbol | undefined => {
      const i = names.indexOf(s);
      if (i >= 0) return { slot: i };
      if (numbers.has(s)) return numbers.get(s)!;
      const c = consts[s];
      if (typeof c === 'number') return c;
      if (s in CONSTANTS) return CONSTANTS[s];
      return undefined;
    };
    // Compile derived once now to learn which are numbers (the views recompute the tensor ones).
    {
      let slot = nP;
      for (const [name, e] of parsed.derived) {
        const c = compileTensorExpr(e, (s) => (derivedNumbers.has(s) ? derivedNumbers.get(s)! : derivedSlots.has(s) ? { slot: derivedSlots.get(s)! } : paramSym(s) ?? fail('derived', s)), pool);
        if (c.const !== undefined) derivedNumbers.set(name, c.const);
        else derivedSlots.set(name, slot++);
      }
    }
    const nPD = nP + derivedSlots.size;
    type Views = { post: tf.Tensor[]; pre: tf.Tensor[]; wT?: tf.Tensor; frac?: tf.Tensor; own: tf.Tensor[] };
    const viewsFn = (ps: tf.Tensor[]): Views => {
      // a tidy, so reshapes feeding tiles do not outlive the segment (gradients still flow through it)
      const r = tf.tidy(() => {
        // Non-scalar parameters are tiled to the full [B, N] (and [B, N, N] for per-link terms): tfjs'
        // cpu kernels take a slow per-element path whenever an operand has to be broadcast.
        const post = ps.map((t, i) => {
          if (names[i] === 'weights' || layouts[i] === 'scalar') return t;
          const t2 = t.shape.length === 1 ? tf.reshape(t, [1, N]) : t;
          return t2.shape[0] === B && t2.shape[1] === N ? t2 : tf.tile(t2, [t2.shape[0] === B ? 1 : B, t2.shape[1] === N ? 1 : N]);
        });
        const pre = post.map((t, i) => (names[i] === 'weights' || layouts[i] === 'scalar' ? t : tf.tile(tf.reshape(t, [B, N, 1]), [1, 1, N])));
        const env = [...post];
        for (const [name, e] of parsed.derived) {
          if (!derivedSlots.has(name)) continue;
          const c = compileTensorExpr(e, (s) => (derivedNumbers.has(s) ? derivedNumbers.get(s)! : derivedSlots.has(s) ? { slot: derivedSlots.get(s)! } : paramSym(s) ?? fail('derived', s)), pool);
          env.push(c.eval!(env));
        }
        const extra: tf.Tensor[] = [];
        // Wᵀ for PreSigmoidal's gathering only (tfjs' transpose is slow; this runs once per segment)
        if (weightsSlot >= 0) extra.push(presig ? tf.transpose(post[weightsSlot]) : post[weightsSlot]);
        // fractional part of each delay: a function of the speed tensor when it is differentiated
        if (this.linear) {
          const si = names.indexOf('speed');
          extra.push(si < 0
            ? tf.tensor2d(tauFrac!, [N, N])
            : tf.sub(tf.div(tf.tensor2d(Float32Array.from(this.prep.conn.tractLengths), [N, N]), tf.mul(ps[si], dt)), tf.tensor2d(Float32Array.from(dFloor!), [N, N])));
        }
        return { post: env, pre, extra };
      });
      const wT = weightsSlot >= 0 ? r.extra[0] : undefined;
      const frac = this.linear ? r.extra[weightsSlot >= 0 ? 1 : 0] : undefined;
      const mine = new Set(ps);
      const own = [...new Set([...r.post, ...r.pre, ...r.extra])].filter((t) => !mine.has(t));
      return { post: r.post, pre: r.pre, wT, frac, own };
    };

    // ---- model derivative: env = [params+derived (nPD)] [state (nsv·M)] [coupling (ncv·M)] [aux (naux·M)]
    const sBase = nPD, cBase = sBase + nsv * M, aBase = cBase + ncv * M;
    const auxNames = parsed.auxiliaries.map(([n]) => n);
    const auxConst = new Map<string, number>();
    const modelSym = (full: string): TensorSymbol => {
      const at = full.lastIndexOf('@');
      const name = full.slice(0, at);
      const m = Number(full.slice(at + 1));
      if (svIdx.has(name)) return { slot: sBase + svIdx.get(name)! * M + m };
      const ai = auxNames.indexOf(name);
      if (ai >= 0) return auxConst.has(`${name}@${m}`) ? auxConst.get(`${name}@${m}`)! : { slot: aBase + ai * M + m };
      if (derivedNumbers.has(name)) return derivedNumbers.get(name)!;
      if (derivedSlots.has(name)) return { slot: derivedSlots.get(name)! };
      const cm = /^c_(\d+)$/.exec(name);
      if (cm) return { slot: cBase + Number(cm[1]) * M + m };
      if (name === 'local_coupling') return 0;
      const c = consts[name];
      if (Array.isArray(c) && typeof c[0] === 'number') return (c as number[])[m];
      const p = paramSym(name);
      if (p !== undefined) return p;
      return fail('equation', name);
    };
    const auxC: CompiledTensorExpr[][] = [];
    for (const [name, e] of parsed.auxiliaries) {
      const row: CompiledTensorExpr[] = [];
      for (let m = 0; m < M; m++) {
        const c = compileTensorExpr(expandModes(e, m, M, consts as never), modelSym, pool);
        if (c.const !== undefined) auxConst.set(`${name}@${m}`, c.const);
        row.push(c);
      }
      auxC.push(row);
    }
    const eqC = parsed.equations.map(([, e]) => Array.from({ length: M }, (_, m) => compileTensorExpr(expandModes(e, m, M, consts as never), modelSym, pool)));
    const voiC = parsed.vois.map((e) => Array.from({ length: M }, (_, m) => compileTensorExpr(expandModes(e, m, M, consts as never), modelSym, pool)));
    const val = (c: CompiledTensorExpr, env: tf.Tensor[]): tf.Tensor | number => (c.const !== undefined ? c.const : c.eval(env));

    // Each derivative as one op with a symbolic backward (fused.ts), unless a function in it has no
    // symbolic derivative here; the op-by-op form stays as the fallback.
    let fusedEqs: (FusedEquation | number)[] | null = null;
    if (this.opts.fused !== false) {
      const auxExp = parsed.auxiliaries.flatMap(([, e]) => Array.from({ length: M }, (_, m) => expandModes(e, m, M, consts as never)));
      const fusedSym = (full: string): FusedSymbol => {
        const at = full.lastIndexOf('@');
        const ai = auxNames.indexOf(full.slice(0, at));
        if (ai >= 0 && !auxConst.has(full)) return { aux: ai * M + Number(full.slice(at + 1)) };
        const r = modelSym(full);
        return typeof r === 'number' ? r : { input: r.slot };
      };
      try {
        fusedEqs = parsed.equations.flatMap(([, e], k) => Array.from({ length: M }, (_, m) => {
          const c = eqC[k][m];
          return c.const !== undefined ? c.const : compileFusedEquation(auxExp, expandModes(e, m, M, consts as never), fusedSym);
        }));
      } catch {
        fusedEqs = null;
      }
    }

    const dfun = (params: tf.Tensor[], X: tf.Tensor[], cpl: tf.Tensor[]): (tf.Tensor | number)[] => {
      const env = [...params, ...X, ...cpl];
      if (fusedEqs) return fusedEqs.map((f) => (typeof f === 'number' ? f : f.apply(env, [B, N])));
      for (let a = 0; a < auxC.length; a++) for (let m = 0; m < M; m++) {
        const c = auxC[a][m];
        env[aBase + a * M + m] = c.const !== undefined ? (pool.get(c.const) as tf.Tensor) : c.eval(env);
      }
      const out: (tf.Tensor | number)[] = [];
      for (let k = 0; k < nsv; k++) for (let m = 0; m < M; m++) out.push(val(eqC[k][m], env));
      return out;
    };

    // ---- boundaries
    const clamp = (k: number, v: tf.Tensor): tf.Tensor => {
      const bd = plan.boundaries[k];
      if (!bd) return v;
      let r = v;
      if (bd[0] > -Infinity) r = tf.maximum(r, pool.get(bd[0]));
      if (bd[1] < Infinity) r = tf.minimum(r, pool.get(bd[1]));
      return r;
    };

    // ---- coupling
    const cs = plan.coupling;
    const cpNames = Object.keys(cs.parameters);
    const cpre = parseExpr(cs.pre, { field: `coupling ${cs.name}.pre` });
    const cpost = parseExpr(cs.post, { field: `coupling ${cs.name}.post` });
    const presig = cs.links === 'tvb-presigmoidal';
    const dynamic = presig && (numbers.get(`${PARAM_PREFIX}dynamic`) ?? 1) !== 0;
    if (presig && !numbers.has(`${PARAM_PREFIX}dynamic`)) throw new Error('PreSigmoidal: dynamic must be a single value, not a tensor');
    if (presig && (numbers.get(`${PARAM_PREFIX}globalT`) ?? 0) !== 0) throw new Error('PreSigmoidal: globalT = 1 is not supported');
    if (presig && dynamic && ncv < 2) throw new Error('PreSigmoidal with dynamic = 1 needs two coupling variables (x, theta)');
    const Wd = this.weights, D = this.idelays;
    const rowOff = (q: number, m: number) => (q * M + m) * N;
    interface Links { delay: Int32Array; off: Int32Array; mask?: Uint8Array }
    const NN = N * N;
    const links = (f: (i: number, j: number) => [number, number], mask?: Uint8Array): Links => {
      const delay = new Int32Array(NN), off = new Int32Array(NN);
      for (let l = 0; l < NN; l++) { const [d, o] = f(Math.floor(l / N), l % N); delay[l] = d; off[l] = o; }
      return { delay, off, mask };
    };
    // value read by target i from source j (row-major [i, j])
    const afferentIdx = (q: number, m: number) => links((i, j) => [D[i * N + j], rowOff(q, m) + j]);
    // interpolated delays: floor(τ) and floor(τ) + 1 steps, mixed by the fractional part
    let dFloor: Int32Array | undefined;
    let tauFrac: Float32Array | undefined;
    if (this.linear) {
      const tau = this.delaySteps(speed!);
      dFloor = Int32Array.from(tau, Math.floor);
      const need = Math.max(...dFloor) + 2;
      if (need > this.ringH) throw new Error(`tensor engine: speed ${speed} mm/ms gives delays of up to ${need - 1} steps, beyond the ${this.ringH - 1} prepared for speed ${this.prep.conn.speed}; build the TensorSimulator with the slowest speed you will use`);
      tauFrac = Float32Array.from(tau, (t, q) => t - dFloor![q]);
    }
    const afferentAt = (q: number, m: number, plus: number) => links((i, j) => [dFloor![i * N + j] + plus, rowOff(q, m) + j]);
    const ownMask = Uint8Array.from({ length: NN }, (_, l) => { const i = Math.floor(l / N), k = l % N; return Wd[k * N + i] === 0 ? 1 : 0; });
    const ownIdx = (q: number, m: number, masked: boolean) => links((i, k) => [D[k * N + i], rowOff(q, m) + i], masked ? ownMask : undefined);
    const selfMask = Uint8Array.from({ length: N }, (_, i) => (Wd[i * N + i] === 0 ? 1 : 0));
    const selfIdx = (q: number, m: number): Links => ({ delay: Int32Array.from({ length: N }, (_, i) => D[i * N + i]), off: Int32Array.from({ length: N }, (_, i) => rowOff(q, m) + i), mask: selfMask });
    const readL = (ring: DelayRing, tok: tf.Tensor, s: number, L: Links) => ring.read(tok, s, L.delay, L.off, L.mask);

    // coupling env: [params (pre or post views)] then the per-link values
    const cpSym = (s: string): TensorSymbol | undefined => {
      if (!cpNames.includes(s)) return s in CONSTANTS ? CONSTANTS[s] : undefined;
      return paramSym(PARAM_PREFIX + s);
    };
    const usesXi = couplingSymbols(cs, ncv).readsTarget;
    const shared = cs.rows === 'shared';
    const readRows = new Set<number>();
    const vBase = nP; // per-link values start after the params
    type PreC = { expr: CompiledTensorExpr; rows: number[] };
    const compilePre = (r: number, extra: Record<string, number>): PreC => {
      const rowsUsed: number[] = [];
      const expr = compileTensorExpr(cpre, (s) => {
        if (s in extra) return { slot: extra[s] };
        let q = -1;
        if (s === 'x_j') q = r;
        else if (/^x_j_\d+$/.test(s)) q = Number(s.slice(4));
        if (q >= 0) { if (q >= ncv) fail('coupling', s); rowsUsed.push(q); readRows.add(q); return { slot: vBase + q }; }
        let qi = -1;
        if (s === 'x_i') qi = r;
        else if (/^x_i_\d+$/.test(s)) qi = Number(s.slice(4));
        if (qi >= 0) return { slot: vBase + ncv + qi };
        return cpSym(s) ?? fail(`coupling ${cs.name}.pre`, s);
      }, pool);
      return { expr, rows: rowsUsed };
    };
    const compilePost = () => compileTensorExpr(cpost, (s) => (s === 'gx' ? { slot: nP } : cpSym(s) ?? fail(`coupling ${cs.name}.post`, s)), pool);
    const post = compilePost();

    // Couplings whose per-link term depends on the source value and plain numbers only (Linear,
    // Scaling, Sigmoidal, HyperbolicTangent, SigmoidalJansenRit unless a pre parameter is
    // differentiated) apply pre() once per node when a value enters the ring, as the kernel engine
    // does; the coupling is then one fused delayed weighted sum per row.
    const preSyms = [...freeSymbols(cpre)];
    const pretransform = !this.linear && !presig && !usesXi && preSyms.every((n) => n === 'x_j' || /^x_j_\d+$/.test(n) || typeof cpSym(n) === 'number');
    const prows = pretransform ? (shared ? 1 : ncv) : ncv;
    const C = prows * M * N;
    const xjRow = (n: string, r: number) => (n === 'x_j' ? r : Number(n.slice(4)));
    // ring slot j holds step k ≡ j (mod ringH); steps before the stored history repeat its first entry
    const Hr = this.ringH;
    const initialRing = (hs: Float64Array, perBatch: boolean): Float64Array => {
      const SS = nsv * N * M;
      const out = new Float64Array(B * Hr * C);
      for (let b = 0; b < B; b++) {
        const hb = perBatch ? b * H * SS : 0;
        for (let k = H - Hr; k < H; k++) for (let r = 0; r < prows; r++) for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
          const raw = (q: number) => hs[hb + Math.max(k, 0) * SS + (this.cvar[q] * N + n) * M + m];
          out[(b * Hr + (((k % Hr) + Hr) % Hr)) * C + (r * M + m) * N + n] = pretransform
            ? evalExpr(cpre, (name) => (name === 'x_j' || /^x_j_\d+$/.test(name) ? raw(xjRow(name, r)) : (cpSym(name) as number)))
            : raw(r);
        }
      }
      return out;
    };
    const preOnState = pretransform
      ? Array.from({ length: prows }, (_, r) => compileTensorExpr(cpre, (n) => (n === 'x_j' || /^x_j_\d+$/.test(n) ? { slot: xjRow(n, r) } : (cpSym(n) as number)), pool))
      : [];
    // what enters the ring after a step: [B, C] from the new state
    const ringValues = (next: tf.Tensor[]): tf.Tensor => {
      const parts: tf.Tensor[] = [];
      for (let r = 0; r < prows; r++) for (let m = 0; m < M; m++) {
        if (!pretransform) { parts.push(next[this.cvar[r] * M + m]); continue; }
        const env = this.cvar.map((k) => next[k * M + m]);
        parts.push(toTensor(val(preOnState[r], env), B, N, pool));
      }
      return parts.length === 1 ? parts[0] : tf.concat(parts, 1);
    };
    const fusedLinks = pretransform ? Array.from({ length: prows }, (_, r) => Array.from({ length: M }, (_, m) => afferentIdx(r, m))) : [];

    let couplingFn: (ring: DelayRing, hist: tf.Tensor, s: number, v: { post: tf.Tensor[]; pre: tf.Tensor[]; wT?: tf.Tensor; frac?: tf.Tensor }) => tf.Tensor[];
    const sumW = (vals: tf.Tensor | number, w: tf.Tensor) => tf.sum(tf.mul(typeof vals === 'number' ? pool.get(vals) : vals, w), 2);
    const reshape3 = (t: tf.Tensor) => tf.reshape(t, [B, N, N]);
    if (pretransform) {
      couplingFn = (ring, hist, s, v) => {
        const out: tf.Tensor[] = [];
        const W = weightsConst ?? v.post[weightsSlot];
        for (let m = 0; m < M; m++) {
          const gxs = fusedLinks.map((row) => ring.readWeightedSum(hist, s, N, row[m].delay, row[m].off, W));
          for (let r = 0; r < ncv; r++) out[r * M + m] = toTensor(val(post, [...v.post.slice(0, nP), gxs[shared ? 0 : r]]), B, N, pool);
        }
        return out;
      };
    }
    // the delayed weighted sums alone (before post), one per (row, mode) slot, for the fused step
    const rawCoupling = (ring: DelayRing, hist: tf.Tensor, s: number, v: { post: tf.Tensor[] }): tf.Tensor[] => {
      const out: tf.Tensor[] = [];
      const W = weightsConst ?? v.post[weightsSlot];
      for (let m = 0; m < M; m++) {
        const gxs = fusedLinks.map((row) => ring.readWeightedSum(hist, s, N, row[m].delay, row[m].off, W));
        for (let r = 0; r < ncv; r++) out[r * M + m] = gxs[shared ? 0 : r];
      }
      return out;
    };
    if (pretransform) {
      // defined above
    } else if (!presig) {
      const pres = (shared ? [0] : Array.from({ length: ncv }, (_, r) => r)).map((r) => compilePre(r, {}));
      const idx = Array.from({ length: ncv }, (_, q) => Array.from({ length: M }, (_, m) => (readRows.has(q) ? (this.linear ? afferentAt(q, m, 0) : afferentIdx(q, m)) : null)));
      const idx1 = this.linear ? Array.from({ length: ncv }, (_, q) => Array.from({ length: M }, (_, m) => (readRows.has(q) ? afferentAt(q, m, 1) : null))) : [];
      const delayed = (ring: DelayRing, hist: tf.Tensor, s: number, q: number, m: number, frac?: tf.Tensor): tf.Tensor => {
        const v0 = reshape3(readL(ring, hist, s, idx[q][m]!));
        if (!frac) return v0;
        const v1 = reshape3(readL(ring, hist, s, idx1[q][m]!));
        return tf.add(v0, tf.mul(frac, tf.sub(v1, v0)));
      };
      // the target's own latest value, repeated along the source axis (same-shape ops stay fast)
      const xiIdx = Array.from({ length: ncv }, (_, q) => Array.from({ length: M }, (_, m) => links((i) => [0, rowOff(q, m) + i])));
      couplingFn = (ring, hist, s, v) => {
        const out: tf.Tensor[] = [];
        const W = v.post[weightsSlot];
        for (let m = 0; m < M; m++) {
          const env: tf.Tensor[] = [...v.pre];
          for (let q = 0; q < ncv; q++) env[vBase + q] = idx[q][m] ? delayed(ring, hist, s, q, m, v.frac) : (undefined as never);
          if (usesXi) for (let q = 0; q < ncv; q++) env[vBase + ncv + q] = reshape3(readL(ring, hist, s, xiIdx[q][m]));
          const gxs = pres.map((p) => sumW(val(p.expr, env), W));
          for (let r = 0; r < ncv; r++) {
            const gx = gxs[shared ? 0 : r];
            out[r * M + m] = toTensor(val(post, [...v.post.slice(0, nP), gx]), B, N, pool);
          }
        }
        return out;
      };
    } else {
      // TVB's PreSigmoidal gathering (see the reference README): the target's own delayed values
      const thetaSlot = vBase + 2 * ncv;
      const preDyn = compilePre(0, dynamic ? { theta: thetaSlot } : {});
      const preStatic = dynamic ? [] : Array.from({ length: ncv }, (_, r) => compilePre(r, {}));
      readRows.clear();
      const own = Array.from({ length: ncv }, (_, q) => Array.from({ length: M }, (_, m) => ownIdx(q, m, false)));
      const ownM = Array.from({ length: ncv }, (_, q) => Array.from({ length: M }, (_, m) => ownIdx(q, m, true)));
      const self = Array.from({ length: Math.min(ncv, 2) }, (_, q) => Array.from({ length: M }, (_, m) => selfIdx(q, m)));
      couplingFn = (ring, hist, s, v) => {
        const out: tf.Tensor[] = [];
        const W = v.post[weightsSlot];
        for (let m = 0; m < M; m++) {
          if (dynamic) {
            const env: tf.Tensor[] = [...v.pre];
            env[vBase] = reshape3(readL(ring, hist, s, own[0][m]));
            env[thetaSlot] = reshape3(readL(ring, hist, s, own[1][m]));
            out[0 * M + m] = sumW(val(preDyn.expr, env), v.wT!);
            const envS: tf.Tensor[] = [...v.post.slice(0, nP)];
            envS[vBase] = readL(ring, hist, s, self[0][m]);
            envS[thetaSlot] = readL(ring, hist, s, self[1][m]);
            out[1 * M + m] = toTensor(val(preDyn.expr, envS), B, N, pool);
            for (let r = 2; r < ncv; r++) out[r * M + m] = tf.zeros([B, N]);
          } else {
            for (let r = 0; r < ncv; r++) {
              const env: tf.Tensor[] = [...v.pre];
              env[vBase + r] = reshape3(readL(ring, hist, s, ownM[r][m]));
              out[r * M + m] = sumW(val(preStatic[r].expr, env), W);
            }
          }
        }
        return out;
      };
    }

    // ---- stimulus (JS time course × per-node weights)
    let stimAt: ((s: number) => number) | undefined;
    let stimW: tf.Tensor | undefined;
    const stimulated = new Set(plan.stimulus?.variables ?? []);
    if (plan.stimulus) {
      // from the plan's data (an expression or a catalogue equation), not from the kernel's generated JS
      const f = stimulusTimeCourse(plan.stimulus.temporal);
      stimAt = (s) => f((s - prep.s0) * dt);
      stimW = tf.keep(tf.tensor2d(Float32Array.from(plan.stimulus.weights), [1, N]));
    }

    // ---- noise: per (k, m) a [B, N] tensor of gain·increment
    const nz = plan.noise;
    const noiseTensors = (buf: Float64Array): tf.Tensor[] => {
      const SS = nsv * N * M;
      const out: tf.Tensor[] = [];
      for (let k = 0; k < nsv; k++) for (let m = 0; m < M; m++) {
        const a = new Float32Array(B * N);
        for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) a[b * N + n] = nz!.gain[k * N + n] * buf[b * SS + (k * N + n) * M + m];
        out.push(tf.tensor2d(a, [B, N]));
      }
      return out;
    };
    const noiseTerm = (k: number, m: number, X: tf.Tensor[], nzs?: tf.Tensor[]): tf.Tensor | null => {
      if (!nzs) return null;
      const raw = nzs[k * M + m];
      if (nz!.kind !== 'multiplicative') return raw;
      return tf.mul(raw, tf.add(tf.mul(X[k * M + m], pool.get(nz!.multA ?? 1)), pool.get(nz!.multB ?? 0)));
    };

    const T = (v: tf.Tensor | number) => (typeof v === 'number' ? pool.get(v) : v);
    const axpy = (x: tf.Tensor, a: number, y: tf.Tensor | number) => tf.add(x, tf.mul(T(y), pool.get(a)));
    const plus = (x: tf.Tensor, y: tf.Tensor | null) => (y ? tf.add(x, y) : x);
    // An integrator combination clamp_k(Σ c·term) as one op (fused.ts): null where a term is not
    // [B, N] or a scalar (then the op-by-op form below runs).
    const combos = new Map<string, FusedEquation>();
    const combine = (k: number, terms: [tf.Tensor | number | null, number][]): tf.Tensor | null => {
      if (this.opts.fused === false) return null;
      let c0 = 0;
      const ts: tf.Tensor[] = [], cs: number[] = [];
      for (const [t, c] of terms) {
        if (t === null) continue;
        if (typeof t === 'number') { c0 += c * t; continue; }
        if (t.size !== 1 && t.size !== B * N) return null;
        ts.push(t); cs.push(c);
      }
      const key = `${k}|${c0}|${cs.join(',')}|${ts.map((t) => (t.size === 1 ? 's' : 'v')).join('')}`;
      let f = combos.get(key);
      if (!f) {
        const sym = (j: number): Expr => ({ kind: 'sym', name: `t${j}`, pos: { line: 0, col: 0 } });
        let e: Expr = { kind: 'num', value: c0, pos: { line: 0, col: 0 } };
        cs.forEach((c, j) => { e = symAdd(e, symMul({ kind: 'num', value: c, pos: e.pos }, sym(j))); });
        const bd = plan.boundaries[k];
        if (bd && bd[0] > -Infinity) e = { kind: 'call', fn: 'max', args: [e, { kind: 'num', value: bd[0], pos: e.pos }], pos: e.pos };
        if (bd && bd[1] < Infinity) e = { kind: 'call', fn: 'min', args: [e, { kind: 'num', value: bd[1], pos: e.pos }], pos: e.pos };
        f = compileFusedEquation([], e, (n) => ({ input: Number(n.slice(1)) }));
        if (combos.size < 256) combos.set(key, f);
      }
      return f.apply(ts, [B, N]);
    };

    // Euler and Heun steps as one op each (fused.ts): the tape then holds one node per step for the
    // model; with a coupling applied at the source (pretransform) its post() is folded in as well,
    // so the op takes the raw delayed sums. Compiled on first use (null: not available).
    // `fold`: post() inside the op, which then takes the raw sums (segment.ts folds it for any coupling)
    const fusedStepC = new Map<boolean, FusedStep | null>();
    const sym = (name: string): Expr => ({ kind: 'sym', name, pos: { line: 0, col: 0 } });
    const getFusedStep = (fold = pretransform): FusedStep | null => {
      if (fusedStepC.has(fold)) return fusedStepC.get(fold)!;
      fusedStepC.set(fold, null);
      if (!fusedEqs || (plan.scheme !== 'euler' && plan.scheme !== 'heun')) return null;
      const auxExp = parsed.auxiliaries.flatMap(([, e]) => Array.from({ length: M }, (_, m) => expandModes(e, m, M, consts as never)));
      const nA = auxExp.length;
      if (fold) {
        for (let r = 0; r < ncv; r++) for (let m = 0; m < M; m++) {
          auxExp.push(substitute(cpost, (nm) => (nm === 'gx' ? sym(`__gx@${r}@${m}`) : cpNames.includes(nm) ? sym(`__cp@${nm}`) : undefined)));
        }
      }
      const fusedSym = (full: string): FusedSymbol => {
        if (full.startsWith('__gx@')) { const [, r, m] = full.split('@'); return { input: cBase + Number(r) * M + Number(m) }; }
        if (full.startsWith('__cp@')) {
          const p = cpSym(full.slice(5));
          if (p === undefined) return fail(`coupling ${cs.name}.post`, full.slice(5));
          return typeof p === 'number' ? p : { input: p.slot };
        }
        const at = full.lastIndexOf('@');
        if (at < 0) return full in CONSTANTS ? CONSTANTS[full] : fail(`coupling ${cs.name}.post`, full);
        const cm = fold ? /^c_(\d+)@(\d+)$/.exec(full) : null;
        if (cm) return { aux: nA + Number(cm[1]) * M + Number(cm[2]) };
        const ai = auxNames.indexOf(full.slice(0, at));
        if (ai >= 0 && !auxConst.has(full)) return { aux: ai * M + Number(full.slice(at + 1)) };
        const r = modelSym(full);
        return typeof r === 'number' ? r : { input: r.slot };
      };
      try {
        const eqs = parsed.equations.flatMap(([, e]) => Array.from({ length: M }, (_, m) => expandModes(e, m, M, consts as never)));
        fusedStepC.set(fold, compileFusedStep(auxExp, eqs, fusedSym, eqs.map((_, e) => sBase + e), plan.scheme, dt, eqs.map((_, e) => {
          const bd = plan.boundaries[Math.floor(e / M)];
          return bd ? [bd[0], bd[1]] as [number, number] : undefined;
        })));
      } catch {
        fusedStepC.set(fold, null);
      }
      return fusedStepC.get(fold)!;
    };

    // Whole runs of steps as one op (segment.ts): the fused step with a pretransformed coupling
    // (the ring holds pre(x) and the sums are plain weighted sums) and constant weights.
    // Couplings whose per-link term reads the target's own value (x_i: Difference, Kuramoto) too,
    // with numbers for parameters inside the term and one coupling variable per row.
    const withXi = !pretransform && !this.linear && !presig && !shared && preSyms.every((n) => n === 'x_i' || n === 'x_j' || typeof cpSym(n) === 'number');
    const segmentPlan = (noise?: NoiseSource): { spec: SegmentSpec; params: (v: Views) => tf.Tensor[] | null } | null => {
      if (this.opts.fused === false || !(pretransform || withXi) || stimW || nz?.kind === 'multiplicative' || !weightsConst) return null;
      const fs = getFusedStep(true);
      if (!fs) return null;
      const paramSlots: number[] = [];
      const feed: SegmentFeed[] = [];
      for (const slot of fs.inputs) {
        if (slot < nPD) { feed.push({ param: paramSlots.length }); paramSlots.push(slot); }
        else if (slot >= sBase && slot < cBase) feed.push({ state: slot - sBase });
        else if (slot >= cBase && slot < cBase + ncv * M) {
          const r = Math.floor((slot - cBase) / M), m = (slot - cBase) % M;
          feed.push({ coupling: (shared ? 0 : r) * M + m });
        } else return null;
      }
      const sums: SegmentSpec['sums'] = [];
      const writes: RingTransform[] = [];
      const pos0 = { line: 0, col: 0 };
      for (let r = 0; r < prows; r++) for (let m = 0; m < M; m++) {
        if (withXi) {
          const e = logisticForm(rateForm(substitute(cpre, (n) => (n === 'x_i' || n === 'x_j' ? undefined : { kind: 'num', value: cpSym(n) as number, pos: pos0 }))));
          const js = (x: Expr) => toJs(x, (n) => (n === 'x_i' ? 'xi' : 'xj'));
          const L = afferentIdx(r, m);
          sums.push({
            ...L,
            term: {
              offI: Int32Array.from({ length: N }, (_, i) => rowOff(r, m) + i),
              // eslint-disable-next-line @typescript-eslint/no-implied-eval
              f: new Function('xi', 'xj', `return ${js(e)};`) as (xi: number, xj: number) => number,
              // eslint-disable-next-line @typescript-eslint/no-implied-eval
              df: new Function('xi', 'xj', 'g', `g[0] = ${js(diffExpr(e, 'x_i'))}; g[1] = ${js(diffExpr(e, 'x_j'))};`) as (xi: number, xj: number, g: Float64Array) => void,
            },
          });
          writes.push({ identity: true, reads: [this.cvar[r] * M + m], f: (v) => v[0], df: (_v, g) => { g[0] = 1; } });
          continue;
        }
        sums.push(fusedLinks[r][m]);
        // pre of the coupling variables as a JS function of v[q] = cvar q's value (and its gradient)
        const e = logisticForm(rateForm(substitute(cpre, (n) => {
          if (n === 'x_j' || /^x_j_\d+$/.test(n)) return { kind: 'sym', name: `$v${xjRow(n, r)}`, pos: { line: 0, col: 0 } };
          const c = cpSym(n);
          return typeof c === 'number' ? { kind: 'num', value: c, pos: { line: 0, col: 0 } } : undefined;
        }))); // the overflow-safe forms fused.ts differentiates too
        const js = (x: Expr) => toJs(x, (n) => `v[${n.slice(2)}]`);
        const dsrc = this.cvar.map((_, q) => `g[${q}] = ${js(diffExpr(e, `$v${q}`))};`).join('\n');
        writes.push({
          identity: e.kind === 'sym' && e.name === '$v0',
          reads: this.cvar.map((k) => k * M + m),
          // eslint-disable-next-line @typescript-eslint/no-implied-eval
          f: new Function('v', `return ${js(e)};`) as RingTransform['f'],
          // eslint-disable-next-line @typescript-eslint/no-implied-eval
          df: new Function('v', 'g', dsrc) as RingTransform['df'],
        });
      }
      const SS = nsv * N * M;
      const spec: SegmentSpec = {
        B, N, elem: fs.elem, feed, sums, weights: this.weights, writes,
        noise: noise && {
          next: (o) => noise.next(o), size: B * SS,
          at: (b, e, n) => b * SS + (Math.floor(e / M) * N + n) * M + (e % M),
          gain: (e, n) => nz!.gain[Math.floor(e / M) * N + n],
        },
      };
      const params = (v: Views) => {
        const ts = paramSlots.map((k) => v.post[k]);
        return ts.every((t) => t.size === 1 || t.size === B * N) ? ts : null;
      };
      return { spec, params };
    };

    const advance = (ring: DelayRing, c: Carry, v: Views, nzs: tf.Tensor[] | undefined, s: number) => {
      const X = c.state;
      const P = v.post.slice(0, nPD);
      const fusedStep = stimW || nz?.kind === 'multiplicative' ? null : getFusedStep();
      if (fusedStep) {
        const env = [...P, ...X, ...(pretransform ? rawCoupling(ring, c.hist, s, v) : couplingFn(ring, c.hist, s, v))];
        if (fusedStep.inputs.every((k) => env[k].size === 1 || env[k].size === B * N)) {
          const r = fusedStep.apply(env, nzs ? Array.from({ length: nsv * M }, (_, i) => nzs[i]) : undefined, [B, N]);
          const next = nsv * M === 1 ? [r] : tf.unstack(r, 0);
          return { state: next, hist: ring.write(c.hist, ringValues(next), s) };
        }
        // an input of another shape (not expected): the op-by-op step below (the tidy frees these)
      }
      const cpl = couplingFn(ring, c.hist, s, v);
      const stimT = stimAt ? stimAt(s) : 0;
      const stimN = stimW ? tf.mul(stimW, pool.get(stimT)) : null;
      const stimOf = (k: number, scale: number): tf.Tensor | null => (stimN && stimulated.has(k) ? (scale === 1 ? stimN : tf.mul(stimN, pool.get(scale))) : null);
      const each = (f: (k: number, m: number) => tf.Tensor) => {
        const out: tf.Tensor[] = [];
        for (let k = 0; k < nsv; k++) for (let m = 0; m < M; m++) out.push(f(k, m));
        return out;
      };
      const d1 = dfun(P, X, cpl);
      let next: tf.Tensor[];
      const stimT1 = (k: number) => (stimN && stimulated.has(k) ? stimN : null);
      if (plan.scheme === 'euler') {
        next = each((k, m) => {
          const i = k * M + m;
          const fusedNext = combine(k, [[X[i], 1], [d1[i], dt], [stimT1(k), dt], [noiseTerm(k, m, X, nzs), 1]]);
          if (fusedNext) return fusedNext;
          const dx = stimOf(k, 1) ? tf.add(T(d1[i]), stimOf(k, 1)!) : d1[i];
          return clamp(k, plus(axpy(X[i], dt, dx), noiseTerm(k, m, X, nzs)));
        });
      } else if (plan.scheme === 'heun') {
        const pred = each((k, m) => {
          const i = k * M + m;
          const fusedPred = combine(k, [[X[i], 1], [d1[i], dt], [stimT1(k), dt], [noiseTerm(k, m, X, nzs), 1]]);
          if (fusedPred) return fusedPred;
          const dx = stimOf(k, 1) ? tf.add(T(d1[i]), stimOf(k, 1)!) : d1[i];
          return clamp(k, plus(axpy(X[i], dt, dx), noiseTerm(k, m, X, nzs)));
        });
        const d2 = dfun(P, pred, cpl);
        next = each((k, m) => {
          const i = k * M + m;
          const fusedNext = combine(k, [[X[i], 1], [d1[i], dt / 2], [d2[i], dt / 2], [stimT1(k), dt], [noiseTerm(k, m, X, nzs), 1]]);
          if (fusedNext) return fusedNext;
          const sum = typeof d1[i] === 'number' && typeof d2[i] === 'number' ? (d1[i] as number) + (d2[i] as number) : tf.add(T(d1[i]), T(d2[i]));
          return clamp(k, plus(plus(axpy(X[i], dt / 2, sum), stimOf(k, dt)), noiseTerm(k, m, X, nzs)));
        });
      } else {
        const stage = (d: (tf.Tensor | number)[], h: number) => each((k, m) => clamp(k, axpy(X[k * M + m], h, d[k * M + m])));
        const d2 = dfun(P, stage(d1, dt / 2), cpl);
        const d3 = dfun(P, stage(d2, dt / 2), cpl);
        const d4 = dfun(P, stage(d3, dt), cpl);
        next = each((k, m) => {
          const i = k * M + m;
          const sum = tf.addN([T(d1[i]), tf.mul(T(d2[i]), pool.get(2)), tf.mul(T(d3[i]), pool.get(2)), T(d4[i])].map((t) => tf.broadcastTo(t, [B, N])));
          return clamp(k, plus(plus(axpy(X[i], dt / 6, sum), stimOf(k, dt)), noiseTerm(k, m, X, nzs)));
        });
      }
      next = next.map((t) => (t.shape.length === 2 && t.shape[0] === B && t.shape[1] === N ? t : tf.broadcastTo(t, [B, N])));
      return { state: next, hist: ring.write(c.hist, ringValues(next), s) };
    };

    const record = (out: { state: tf.Tensor[] }, v: Views, mon: tf.Tensor[][], s: number, transient = false) => {
      let obsT: tf.Tensor | undefined;
      const obs = () => {
        if (!obsT) {
          const env = [...v.post.slice(0, nPD), ...out.state];
          if (voiC.length === 1 && M === 1) obsT = tf.reshape(toTensor(val(voiC[0][0], env), B, N, pool), [B, 1, N, 1]); // a stack of one is a copy
          else {
            const per = voiC.map((row) => tf.stack(row.map((c) => toTensor(val(c, env), B, N, pool)), 2)); // [B, N, M]
            obsT = tf.stack(per, 1);
          }
        }
        return obsT;
      };
      // during the transient only warm monitors are fed (they emit nothing before sFirst)
      const res = this.monitors.map((m, i) => (transient && !m.warm ? { carry: mon[i].map((y) => y.clone()), sample: undefined } : m.record(s, obs, mon[i])));
      return { mon: res.map((r) => r.carry), samples: res.map((r) => r.sample) };
    };

    // the observation of a block of K steps (state tensors [K, B, N]) as [K, B, nvoi, N, M]
    const observeBlock = (X: tf.Tensor[], v: Views, K: number): tf.Tensor => {
      const env = [...v.post.slice(0, nPD), ...X];
      const one = (c: CompiledTensorExpr): tf.Tensor => {
        const r = val(c, env);
        const t = typeof r === 'number' ? pool.get(r) : r;
        return t.shape.length === 3 && t.shape[0] === K ? t : tf.broadcastTo(t, [K, B, N]);
      };
      if (voiC.length === 1 && M === 1) return tf.reshape(one(voiC[0][0]), [K, B, 1, N, 1]);
      return tf.stack(voiC.map((row) => tf.stack(row.map(one), 3)), 2);
    };

    return {
      C,
      observeBlock,
      initialRing,
      views: viewsFn,
      disposeViews: (v: Views) => { for (const t of v.own) t.dispose(); },
      advance,
      record,
      segmentPlan,
      noiseTensors,
    };
  }
}

function toTensor(v: tf.Tensor | number, B: number, N: number, pool: ScalarPool): tf.Tensor {
  const t = typeof v === 'number' ? pool.get(v) : v;
  return t.shape.length === 2 && t.shape[0] === B && t.shape[1] === N ? t : tf.broadcastTo(t, [B, N]);
}

