/**
 * The discrete adjoint of a cortical-surface run, float64: gradients of any function of the
 * monitors' outputs with respect to model parameters (one value, one per region through the
 * mapping, or one per node), coupling parameters (one value or one per region) and the
 * local-coupling strength (one value or one per vertex). The forward is the surface engine's step
 * (./program.ts semantics, to rounding; its WebAssembly step where it covers the plan,
 * ./adjoint-forward.ts); the reverse sweep recomputes each checkpoint segment and runs the
 * generated reverse step (./adjoint-program.ts) over it, its local-coupling products in
 * WebAssembly (./ell-wasm.ts); `kernel: 'js'` (or VBT_KERNEL=js) keeps it all in JavaScript.
 * Euler and Heun, additive noise (the forward's own draws), integer delays, one lane (no batch).
 *
 * @example
 * ```ts
 * import { SurfaceAdjoint, Connectivity } from 'vbt';
 * // a tetrahedron as the "cortex", two regions
 * const surface = { vertices: Float64Array.of(1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1), triangles: Int32Array.of(0, 1, 2, 0, 3, 1, 0, 2, 3, 1, 3, 2), normals: new Float64Array(0) };
 * const connectivity = new Connectivity({ weights: [0, 1, 1, 0], tractLengths: [0, 2, 2, 0], speed: 1 });
 * const adj = new SurfaceAdjoint({ model: 'Generic2dOscillator', connectivity, surface, regionMapping: [0, 0, 1, 1],
 *   localConnectivity: { kind: 'neighbours' }, localCoupling: 0.5, couplingParameters: { a: 0.1 },
 *   integrator: { name: 'Heun', dt: 0.1 }, duration: 5, monitors: [{ name: 'TemporalAverage', period: 1 }] },
 *   { wrt: ['a', 'coupling.a', 'localCoupling'] });
 * const fw = adj.forward();
 * const g = fw.backward(fw.outputs.map((o) => o.data.map(() => 1)));   // d(sum of outputs)
 * console.log(g.a.length, g['coupling.a'].length, g.localCoupling.length);   // 1 1 1
 * ```
 */
import { RandomState, type RandomStateSnapshot } from '../random/index.js';
import type { SimulationConfig } from '../simulation/config.js';
import type { MonitorSpec } from '../observation/index.js';
import { adjointMonitor, type AdjointMonitor, type MonitorGeometry } from '../observation/index.js';
import type { AdjointOutput } from '../engine/adjoint/run.js';
import { readTvbSurfaceZip } from '../network/surface.js';
import { prepareSurfaceRun, splitEll, type PreparedSurfaceRun } from './run.js';
import { readSparseMat } from './mat.js';
import { localConnectivity, type LocalConnectivitySpec } from './local-connectivity.js';
import type { CsrMatrix } from './sparse.js';
import { generateSurfaceAdjoint } from './adjoint-program.js';
import { ellProduct } from './ell-wasm.js';
import { wasmSurfaceStep, type WasmSurfaceStep } from './adjoint-forward.js';

/** How a gradient is laid out: one value, one per region, or one per node (vertex for localCoupling). */
export type SurfaceGradLayout = 'scalar' | 'region' | 'node';

export interface SurfaceAdjointOptions {
  /** Model parameter names, `coupling.NAME`, `localCoupling`. */
  wrt: string[];
  /** Layout of each gradient; default: the layout the configuration gave the value in. */
  layouts?: Record<string, SurfaceGradLayout>;
  /** Bytes the reverse sweep may keep (default 256 MB); sets the checkpoint interval. */
  memoryBudget?: number;
  /** Steps per checkpoint segment, overriding the budget. */
  checkpoint?: number;
}

export interface SurfaceAdjointForward {
  outputs: AdjointOutput[];
  /** Gradients of Σ bars·outputs with respect to `wrt`, each in its layout. */
  backward(bars: ArrayLike<number>[]): Record<string, Float64Array>;
}

const PREFIX = 'coupling.';
const MB = 2 ** 20;
const mb = (x: number) => `${(x / MB).toFixed(1)} MB`;
export const SURFACE_ADJOINT_MONITORS = ['Raw', 'SubSample', 'TemporalAverage', 'Bold', 'SpatialAverage'];

/** SpatialAverage with the region mapping (or a mask): the SubSample rule over area means of the observation. */
function spatialAverage(spec: { period: number; voi?: number[]; mask?: ArrayLike<number> }, g: MonitorGeometry, regmap: Int32Array): AdjointMonitor {
  const { N, M, nvoi } = g;
  const mask = Int32Array.from(spec.mask ?? regmap);
  if (mask.length !== N) throw new Error(`monitor SpatialAverage: mask has ${mask.length} entries; expected one per node (${N})`);
  const nA = Math.max(...mask) + 1;
  const counts = new Float64Array(nA);
  for (const a of mask) counts[a]++;
  const inner = adjointMonitor({ name: 'SubSample', period: spec.period, voi: spec.voi }, { ...g, N: nA });
  const Oa = new Float64Array(nvoi * nA * M), OBa = new Float64Array(nvoi * nA * M);
  const istep = Math.round(spec.period / g.dt);
  const due = (s: number) => s >= g.sFirst && s <= g.sLast && s % istep === 0;
  return {
    ...inner,
    name: 'SpatialAverage',
    feed(s, b, O) {
      if (!due(s)) return;
      // summed in node order, then divided: the kernel monitor's arithmetic
      Oa.fill(0);
      for (let v = 0; v < nvoi; v++) for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) Oa[(v * nA + mask[n]) * M + m] += O[(v * N + n) * M + m];
        for (let a = 0; a < nA; a++) Oa[(v * nA + a) * M + m] /= counts[a];
      }
      inner.feed(s, b, Oa);
    },
    obsBar(s, b, _O, OB) {
      if (!due(s)) return;
      OBa.fill(0);
      inner.obsBar(s, b, Oa, OBa);
      for (let v = 0; v < nvoi; v++) for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) {
        const a = mask[n];
        OB[(v * N + n) * M + m] += OBa[(v * nA + a) * M + m] / counts[a];
      }
    },
  };
}

/** The transpose of a square CSR matrix; each row's entries in ascending source row. */
export function transposeCsr(A: CsrMatrix): CsrMatrix {
  const n = A.rows;
  const rowPtr = new Int32Array(A.cols + 1);
  const nnz = A.rowPtr[n] - A.rowPtr[0];
  for (let k = A.rowPtr[0]; k < A.rowPtr[n]; k++) rowPtr[A.colIndex[k] + 1]++;
  for (let c = 0; c < A.cols; c++) rowPtr[c + 1] += rowPtr[c];
  const next = rowPtr.slice(0, A.cols), colIndex = new Int32Array(nnz), values = new Float64Array(nnz);
  for (let r = 0; r < n; r++) {
    for (let k = A.rowPtr[r]; k < A.rowPtr[r + 1]; k++) {
      const q = next[A.colIndex[k]]++;
      colIndex[q] = r;
      values[q] = A.values[k];
    }
  }
  return { rows: A.cols, cols: n, rowPtr, colIndex, values };
}

interface Checkpoint { X: Float64Array; HX: Float64Array; rng: RandomStateSnapshot | null }

export class SurfaceAdjoint {
  readonly prep: PreparedSurfaceRun;
  readonly wrt: string[];
  /** Steps per checkpoint segment and their number. */
  readonly K: number;
  readonly segments: number;
  /** Bytes the reverse sweep holds (checkpoints + one segment's buffers). */
  readonly memoryBytes: number;
  private readonly V: number;
  private readonly layouts: Record<string, SurfaceGradLayout>;
  private readonly monitors: AdjointMonitor[];
  private readonly prog: Record<string, Function>;
  private readonly ctx: Record<string, unknown> & {
    X: Float64Array; HX: Float64Array; HB: Float64Array; C: Float64Array; CB: Float64Array; NZ: Float64Array; O: Float64Array; OB: Float64Array;
    YB: Float64Array; XB: Float64Array; STR: Float64Array; STRB: Float64Array; PB: Record<string, Float64Array>; PC: Record<string, Float64Array>;
  };
  private readonly SS: number;
  private readonly CS: number;
  /** The local connectivity's ELL (forward products), for the WebAssembly step. */
  private readonly LCF: { width: number; col: ArrayLike<number>; val: Float64Array; rest: CsrMatrix };
  private readonly wasm: boolean;
  /** The forward step in WebAssembly for the current parameters (null: the generated JS step). */
  private wstep: WasmSurfaceStep | null = null;
  private readonly T: number;

  constructor(cfg: SimulationConfig, opts: SurfaceAdjointOptions) {
    if (cfg.batch && Object.keys(cfg.batch).length) throw new Error('surface adjoint: batch runs are not differentiated; build one SurfaceAdjoint per parameter set');
    if (cfg.historyPrecision === 'float32') throw new Error("surface adjoint: historyPrecision 'float32' is not differentiated; the adjoint is float64 throughout (drop historyPrecision)");
    for (const k of ['checkpoint', 'memoryBudget'] as const) {
      const v = opts[k];
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new Error(`surface adjoint option ${k}: expected a positive integer, got ${v}`);
    }
    // the mesh and the unscaled local connectivity, resolved once (the strength is a parameter here)
    const surface = typeof cfg.surface === 'string' ? readTvbSurfaceZip(cfg.surface) : cfg.surface;
    let A: CsrMatrix | undefined;
    const lcSrc = cfg.localConnectivity;
    if (lcSrc !== undefined && surface) {
      A = typeof lcSrc === 'string' ? readSparseMat(lcSrc) : 'rowPtr' in lcSrc ? lcSrc : localConnectivity(surface, lcSrc as LocalConnectivitySpec);
    }
    const prep = (this.prep = prepareSurfaceRun({ ...cfg, surface, localConnectivity: A, monitors: [] }));
    const { plan } = prep;
    const { N, R, M } = plan;
    const V = (this.V = prep.geometry.regionMapping.length);

    // what to differentiate, and the layout of each gradient
    const valid = this.parameterNames();
    const grads = { model: new Set<string>(), coupling: new Set<string>() };
    this.layouts = {};
    for (const name of opts.wrt) {
      if (!valid.includes(name)) throw new Error(`surface adjoint: unknown parameter '${name}'; expected one of: ${valid.join(', ')}`);
      let given: ArrayLike<number> | number | boolean | undefined;
      if (name === 'localCoupling') given = cfg.localCoupling ?? 1;
      else if (name.startsWith(PREFIX)) { grads.coupling.add(name.slice(PREFIX.length)); given = cfg.couplingParameters?.[name.slice(PREFIX.length)] as number | ArrayLike<number> | undefined; }
      else { grads.model.add(name); given = cfg.parameters?.[name] as number | ArrayLike<number> | undefined; }
      const len = given === undefined || typeof given === 'number' || typeof given === 'boolean' ? 1 : given.length;
      const def: SurfaceGradLayout = len === 1 ? 'scalar' : len === R && !(name === 'localCoupling') && (name.startsWith(PREFIX) || R !== N) ? 'region' : 'node';
      const lay = opts.layouts?.[name] ?? def;
      if (!['scalar', 'region', 'node'].includes(lay)) throw new Error(`surface adjoint option layouts.${name}: expected scalar, region or node, got '${lay}'`);
      if (name === 'localCoupling' && lay === 'region') throw new Error("surface adjoint option layouts.localCoupling: the strength is one value or one per vertex ('scalar' or 'node')");
      if (name.startsWith(PREFIX) && lay === 'node') throw new Error(`surface adjoint option layouts.${name}: coupling parameters are per region ('scalar' or 'region')`);
      this.layouts[name] = lay;
    }
    for (const name of Object.keys(opts.layouts ?? {})) if (!opts.wrt.includes(name)) throw new Error(`surface adjoint option layouts: '${name}' is not in wrt`);
    this.wrt = [...opts.wrt];

    // local connectivity padded with empty rows for the appended regions, as ELL + CSR rest for the
    // forward products, and its transpose likewise for the reverse (gathers instead of scatters)
    const LC: CsrMatrix = A ? { rows: N, cols: N, rowPtr: Int32Array.from({ length: N + 1 }, (_, i) => A!.rowPtr[Math.min(i, V)]), colIndex: A.colIndex, values: A.values } : { rows: N, cols: N, rowPtr: new Int32Array(N + 1), colIndex: new Int32Array(0), values: new Float64Array(0) };
    // column indices as 16-bit when they fit: less memory traffic in the JavaScript products
    const narrow = <E extends { col: Int32Array }>(e: E) => (N <= 65536 ? { ...e, col: Uint16Array.from(e.col) } : e);
    const LCF = narrow(splitEll(LC)), LCT = narrow(splitEll(transposeCsr(LC)));
    this.LCF = LCF;
    this.wasm = this.useWasm(cfg);
    const gen = generateSurfaceAdjoint(plan, grads, { fwd: LCF.width, rev: LCT.width });
    const SS = (this.SS = gen.SS), CS = (this.CS = gen.CS);
    const H = plan.H;
    const s0 = prep.s0, sFirst = s0 + prep.transientSteps, sLast = sFirst + prep.nSteps - 1;
    this.T = prep.transientSteps + prep.nSteps;
    const geom: MonitorGeometry = { B: 1, N, M, dt: plan.dt, nvoi: gen.nvoi, s0, sFirst, sLast };
    this.monitors = (cfg.monitors ?? [{ name: 'Raw' } as MonitorSpec]).map((m) => {
      if (!SURFACE_ADJOINT_MONITORS.includes(m.name)) throw new Error(`surface adjoint: monitor '${m.name}' is not differentiated; expected one of: ${SURFACE_ADJOINT_MONITORS.join(', ')}`);
      return m.name === 'SpatialAverage' ? spatialAverage(m as { period: number; voi?: number[]; mask?: ArrayLike<number> }, geom, prep.regmap) : adjointMonitor(m, geom);
    });

    // the memory budget picks the segment length K
    const nLcN = Math.max(1, gen.nLc) * N * M;
    const perStep = (2 * SS + 2 * CS) * 8;
    const perCk = (SS + H * CS) * 8 + (plan.noise ? 624 * 8 + 64 : 0);
    // the WebAssembly memories: the step's state, predictor, derivative and noise buffers, and the
    // paired ELL (4-byte offsets, 8-byte weights) with an input and an output row, three times
    const wasmBytes = this.wasm && M === 1 ? 4 * SS * 8 + (2 * LCF.width + LCT.width) * N * 12 + 6 * N * 8 : 0;
    const fixed = (SS * 7 + nLcN * 5 + H * CS * 3 + 2 * gen.nvoi * N * M) * 8 + 2 * this.monitors.reduce((a, m) => a + m.data.length * 8, 0) + wasmBytes;
    const total = (K: number) => fixed + K * perStep + (Math.ceil(this.T / K) > 1 ? Math.ceil(this.T / K) * perCk : 0);
    let K: number;
    if (opts.checkpoint) K = Math.min(opts.checkpoint, this.T);
    else {
      const budget = opts.memoryBudget ?? 256 * MB;
      const kMin = Math.max(1, Math.min(this.T, Math.round(Math.sqrt((this.T * perCk) / perStep))));
      if (total(kMin) > budget) throw new Error(`surface adjoint: memory budget ${mb(budget)} is too small: this run needs at least ${mb(total(kMin))} (${this.T} steps, ${SS} state values); raise memoryBudget`);
      if (total(this.T) <= budget) K = this.T;
      else {
        let lo = kMin, hi = this.T;
        while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (total(mid) <= budget) lo = mid; else hi = mid; }
        // as many segments as the longest K needs, made equal: every segment but the last is recomputed
        // in reverse, so a long last one saves work (3 segments of 451, 451, 99 steps recompute 902
        // steps; of 334, 334, 333, 668)
        K = Math.ceil(this.T / Math.ceil(this.T / lo));
      }
    }
    this.K = K;
    this.segments = Math.ceil(this.T / K);
    this.memoryBytes = total(K);

    // local-coupling strength per node
    const STR = new Float64Array(N);
    const st = cfg.localCoupling ?? 1;
    for (let v = 0; v < V; v++) STR[v] = typeof st === 'number' ? st : st.length === 1 ? st[0] : st[v];
    const PB: Record<string, Float64Array> = {};
    for (const n of grads.model) PB[n] = new Float64Array(N);
    const PC: Record<string, Float64Array> = {};
    for (const n of grads.coupling) PC[n] = new Float64Array(R);
    this.ctx = {
      P: prep.data, LCF, LCT, STR,
      KF: M === 1 && this.wasm ? ellProduct(N, LCF.width, LCF.col, LCF.val, LCF.rest) : null,
      KT: M === 1 && this.wasm ? ellProduct(N, LCT.width, LCT.col, LCT.val, LCT.rest) : null, STRB: new Float64Array(N),
      X: new Float64Array((K + 1) * SS), HX: new Float64Array((H + K) * CS), HB: new Float64Array((H + K) * CS),
      C: new Float64Array(K * CS), CB: new Float64Array(CS), NZ: new Float64Array(plan.noise ? K * SS : 0),
      O: new Float64Array(gen.nvoi * N * M), OB: new Float64Array(gen.nvoi * N * M), YB: new Float64Array(SS), XB: new Float64Array(SS), PB, PC,
    };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    this.prog = new Function('ctx', gen.source)(this.ctx);
  }

  /** The local-coupling products in WebAssembly unless the configuration (or VBT_KERNEL=js) asks for the JS kernel. */
  private useWasm(cfg: SimulationConfig): boolean {
    return (cfg.kernel ?? (process.env.VBT_KERNEL === 'js' ? 'js' : 'wasm')) !== 'js';
  }

  /** Names `wrt` accepts. */
  parameterNames(): string[] {
    const { plan } = this.prep;
    return [...Object.keys(plan.spec.parameters), ...Object.keys(plan.coupling.parameters).map((k) => PREFIX + k), ...(plan.lcTerms.length ? ['localCoupling'] : [])];
  }

  /** What forward() outputs, in order. */
  get outputSpecs(): { name: string; period: number; time: Float64Array; voi: number[] }[] {
    return this.monitors.map((m) => ({ name: m.name, period: m.period, time: m.time, voi: m.voi }));
  }

  /**
   * New values for the next runs, in the layouts the run was built with: a model parameter built
   * per node takes one value, one per region or one per node; one built as a single value takes one
   * value. Coupling parameters: one value, or one per region when built so. localCoupling: one value
   * or one per vertex.
   */
  setParameters(values: Record<string, ArrayLike<number> | number>): void {
    const { plan } = this.prep;
    const { N, R } = plan;
    const checked = Object.entries(values).map(([name, v]) => {
      const arr = typeof v === 'number' ? [v] : v;
      for (let q = 0; q < arr.length; q++) if (!Number.isFinite(arr[q])) throw new Error(`surface adjoint: parameter '${name}'[${q}] = ${arr[q]} is not finite`);
      if (name === 'localCoupling') {
        if (!plan.lcTerms.length) throw new Error("surface adjoint: localCoupling set on a run without a local connectivity");
        if (arr.length !== 1 && arr.length !== this.V) throw new Error(`surface adjoint: localCoupling has ${arr.length} values; expected 1 or ${this.V} (one per vertex)`);
        return () => { for (let n = 0; n < this.V; n++) this.ctx.STR[n] = arr.length === 1 ? arr[0] : arr[n]; };
      }
      const cp = name.startsWith(PREFIX);
      const p = cp ? plan.couplingParams[name.slice(PREFIX.length)] : plan.spec.parameters[name] ? plan.modelParams[name] : undefined;
      if (!p) throw new Error(`surface adjoint: unknown parameter '${name}'; expected one of: ${this.parameterNames().join(', ')}`);
      const width = p.data.length;
      const ok = arr.length === 1 || arr.length === width || (!cp && width === N && arr.length === R);
      if (!ok) throw new Error(`surface adjoint: parameter '${name}' has ${arr.length} values; this run was built with ${width === 1 ? 'one value (give it per region or per node in the configuration to vary it there)' : cp ? `1 or ${R} (per region)` : `1, ${R} (per region) or ${N} (per node)`}`);
      return () => {
        if (arr.length === 1) p.data.fill(arr[0]);
        else if (arr.length === width) p.data.set(arr);
        else for (let n = 0; n < N; n++) p.data[n] = arr[this.prep.regmap[n]];
      };
    });
    for (const apply of checked) apply();
  }

  /** Run forward, optionally with new parameter values (setParameters), keeping checkpoints for one backward(). */
  forward(values: Record<string, ArrayLike<number> | number> = {}): SurfaceAdjointForward {
    this.setParameters(values);
    const { prep } = this;
    // the WebAssembly step holds the parameters and strengths it was built with: built per forward
    this.wstep = this.wasm ? wasmSurfaceStep(prep.plan, prep.data, this.LCF, this.ctx.STR, prep.data.regCount as Float64Array, prep.regmap) : null;
    const { K, T, SS, CS } = this;
    const { plan } = prep;
    const H = plan.H, ctx = this.ctx;
    for (const m of this.monitors) m.reset();
    const rng = plan.noise ? new RandomState(prep.seeds[0]) : null;
    // segment 0 starts at s0 = H: its history slots are the steps 0 … H−1, as stored
    ctx.X.set(prep.state.subarray(0, SS), 0);
    ctx.HX.set(prep.history.subarray(0, H * CS), 0);
    const cks: Checkpoint[] = [];
    for (let g = 0; g < this.segments; g++) {
      const a = prep.s0 + g * K, L = Math.min(K, prep.s0 + T - a);
      if (this.segments > 1) cks.push({ X: ctx.X.slice(0, SS), HX: ctx.HX.slice(0, H * CS), rng: rng ? rng.getState() : null });
      this.segment(a, L, rng, true);
      if (g + 1 < this.segments) {
        ctx.X.copyWithin(0, L * SS, (L + 1) * SS);
        ctx.HX.copyWithin(0, L * CS, (L + H) * CS);
      }
    }
    const outputs: AdjointOutput[] = this.monitors.map((m) => ({ name: m.name, time: m.time, data: m.data.slice(), shape: [1, m.nSamples, ...m.sampleShape] }));
    let used = false;
    return {
      outputs,
      backward: (bars) => {
        if (used) throw new Error('surface adjoint: backward() may run once per forward()');
        if (bars.length !== this.monitors.length) throw new Error(`surface adjoint: backward needs one cotangent array per monitor (${this.monitors.length}), got ${bars.length}`);
        this.monitors.forEach((m, k) => {
          if (bars[k].length !== m.data.length) throw new Error(`surface adjoint: cotangent ${k} (${m.name}) has ${bars[k].length} values; expected ${m.data.length} (${[1, m.nSamples, ...m.sampleShape].join('×')})`);
        });
        used = true;
        return this.backward(bars, cks, rng);
      },
    };
  }

  /** Steps a … a+L−1: state slots 0 … L (slot 0 = step a−1), history slots of steps a−H … a+L−1. */
  private segment(a: number, L: number, rng: RandomState | null, feed: boolean): void {
    const { prep, SS, CS } = this;
    const { plan } = prep;
    const H = plan.H, ctx = this.ctx, P = this.prog, h0 = a - H, sqdt = Math.sqrt(plan.dt);
    for (let s = a; s < a + L; s++) {
      const t = s - a, zi = t * SS;
      if (rng) {
        const v = ctx.NZ.subarray(zi, zi + SS);
        rng.fillStandardNormal(v);
        for (let q = 0; q < SS; q++) v[q] *= sqdt;
      }
      const stimT = plan.stimulus ? P.stimAt((s - prep.s0) * plan.dt) : 0;
      P.coupling(s, h0, t * CS);
      const chk = this.wstep
        ? this.wstep.step(ctx.X, t * SS, (t + 1) * SS, ctx.C, t * CS, ctx.NZ, zi, ctx.HX, (s - h0) * CS, stimT)
        : P.step(t * SS, (t + 1) * SS, t * CS, zi, (s - h0) * CS, stimT);
      if (!Number.isFinite(chk)) this.diverged(s, (t + 1) * SS);
      if (feed) {
        P.observe((t + 1) * SS);
        for (const m of this.monitors) m.feed(s, 0, ctx.O);
      }
    }
  }

  private diverged(s: number, xo: number): never {
    const { N, M } = this.prep.plan;
    for (let q = 0; q < this.SS; q++) {
      const v = this.ctx.X[xo + q];
      if (!Number.isFinite(v)) {
        const k = Math.floor(q / (N * M)), n = Math.floor((q % (N * M)) / M);
        throw new Error(`surface adjoint: the run diverged at step ${s} (t = ${s * this.prep.plan.dt} ms), variable ${this.prep.stateVariables[k]}, node ${n}: ${v}`);
      }
    }
    throw new Error(`surface adjoint: the run diverged at step ${s}`);
  }

  private backward(barsIn: ArrayLike<number>[], cks: Checkpoint[], rng: RandomState | null): Record<string, Float64Array> {
    const { prep, K, T, SS, CS } = this;
    const { plan } = prep;
    const H = plan.H, ctx = this.ctx, P = this.prog;
    this.monitors.forEach((m, k) => { m.bars.set(barsIn[k]); m.beginReverse(); });
    for (const a of Object.values(ctx.PB)) a.fill(0);
    for (const a of Object.values(ctx.PC)) a.fill(0);
    ctx.STRB.fill(0);
    ctx.YB.fill(0);
    const carry = new Float64Array(H * CS);
    for (let g = this.segments - 1; g >= 0; g--) {
      const a = prep.s0 + g * K, L = Math.min(K, prep.s0 + T - a), h0 = a - H;
      if (this.segments > 1 && g < this.segments - 1) {
        const ck = cks[g];
        ctx.X.set(ck.X, 0);
        ctx.HX.set(ck.HX, 0);
        if (rng && ck.rng) rng.setState(ck.rng);
        this.segment(a, L, rng, false);
      }
      ctx.HB.fill(0);
      ctx.HB.set(carry, L * CS);
      for (let s = a + L - 1; s >= a; s--) {
        const t = s - a;
        const stimT = plan.stimulus ? P.stimAt((s - prep.s0) * plan.dt) : 0;
        ctx.OB.fill(0);
        for (const m of this.monitors) m.obsBar(s, 0, ctx.O, ctx.OB);
        P.observeRev((t + 1) * SS);
        P.historyRev((s - h0) * CS);
        P.stepRev(t * SS, t * CS, t * SS, stimT);
        P.couplingRev(s, h0, t * CS);
        ctx.YB.set(ctx.XB);
      }
      carry.set(ctx.HB.subarray(0, H * CS));
    }
    return this.collect();
  }

  private collect(): Record<string, Float64Array> {
    const { plan } = this.prep;
    const regmap = this.prep.regmap;
    const res: Record<string, Float64Array> = {};
    const reduce = (bar: Float64Array, lay: SurfaceGradLayout, perRegion: boolean, len: number): Float64Array => {
      if (lay === 'scalar') return Float64Array.of(bar.subarray(0, len).reduce((x, y) => x + y, 0));
      if (lay === 'node' || perRegion) return bar.slice(0, len);
      const out = new Float64Array(plan.R);
      for (let n = 0; n < len; n++) out[regmap[n]] += bar[n];
      return out;
    };
    for (const name of this.wrt) {
      const lay = this.layouts[name];
      if (name === 'localCoupling') res[name] = reduce(this.ctx.STRB, lay, false, this.V);
      else if (name.startsWith(PREFIX)) res[name] = reduce(this.ctx.PC[name.slice(PREFIX.length)], lay, true, plan.R);
      else res[name] = reduce(this.ctx.PB[name], lay, false, plan.N);
    }
    return res;
  }
}

/**
 * Loss and gradient of a surface run in one call: `loss` maps the monitors' outputs to a value and
 * its cotangents (one array per monitor, the outputs' layout).
 */
export function surfaceGradient(cfg: SimulationConfig, opts: SurfaceAdjointOptions & {
  loss: (outputs: AdjointOutput[]) => { value: number; bars: ArrayLike<number>[] };
}): { value: number; gradient: Record<string, Float64Array>; outputs: AdjointOutput[]; seconds: { forward: number; backward: number } } {
  const adj = new SurfaceAdjoint(cfg, opts);
  const t0 = performance.now();
  const fw = adj.forward();
  const t1 = performance.now();
  const { value, bars } = opts.loss(fw.outputs);
  const t2 = performance.now();
  const gradient = fw.backward(bars);
  const t3 = performance.now();
  return { value, gradient, outputs: fw.outputs, seconds: { forward: (t1 - t0) / 1000, backward: (t3 - t2) / 1000 } };
}
