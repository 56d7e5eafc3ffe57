/**
 * The discrete adjoint of a whole run, float64: a forward pass that keeps checkpoints (the state
 * window, the noise generators and the monitors' state every K steps), then a reverse sweep that
 * recomputes each segment from its checkpoint and runs the generated reverse step over it.
 * K is the largest segment that fits the memory budget; one segment means nothing is recomputed.
 *
 * @example
 * ```ts
 * import { AdjointSimulator, Connectivity } from 'vbt';
 * const connectivity = new Connectivity({ weights: [0, 0.5, 0.5, 0], tractLengths: [0, 3, 3, 0], speed: 2 });
 * const config = { model: 'ReducedWongWang', connectivity, coupling: 'Linear', couplingParameters: { a: 0.4 },
 *   integrator: { name: 'Heun', dt: 0.5 }, duration: 100, monitors: [{ name: 'TemporalAverage', period: 10 }] };
 * const sim = new AdjointSimulator(config, { wrt: ['coupling.a', 'weights'] });
 * const fw = sim.forward();                       // outputs: one {time, data} per monitor
 * const bars = fw.outputs.map((o) => o.data.map(() => 1));   // d(sum of outputs)/d(outputs)
 * const g = fw.backward(bars);                    // { 'coupling.a': Float64Array(1), weights: Float64Array(N*N) }
 * ```
 */
import { evalExpr, freeSymbols, CONSTANTS } from '../../expr/index.js';
import { diffExpr } from '../../expr/symbolic.js';
import { RandomState, type RandomStateSnapshot } from '../../random/index.js';
import type { SimulationConfig } from '../../simulation/config.js';
import type { ResolvedParam } from '../params.js';
import { generateAdjoint, type GradTargets, type LinkLayout } from './generate.js';
import { adjointMonitor, type AdjointMonitor } from '../../observation/index.js';
import { adjointSource, type AdjointSource } from './source.js';
import { crossProduct } from './cross.js';
import { linkWasm } from './links-wasm.js';

export interface AdjointOptions {
  /**
   * What to differentiate: model parameter names, `coupling.NAME`, `weights`, `speed` (linear delays),
   * and a projection model's per-edge parameters by name (N×N gradients, row = target).
   */
  wrt: string[];
  /** 'integer' (TVB's, default) or 'linear': fractional delays L/(speed·dt) interpolated between steps, so the speed is differentiable. */
  delays?: 'integer' | 'linear';
  /** Bytes the run may keep for the reverse sweep (default 100 MB); sets the checkpoint interval. */
  memoryBudget?: number;
  /** Steps per checkpoint segment, overriding the budget. */
  checkpoint?: number;
  /** Truncated backpropagation: the state's cotangent does not cross every `truncate`-th step boundary. */
  truncate?: number;
  /** Model parameters kept per node even when all their values are equal (so their gradient is per node). */
  perNode?: string[];
  /**
   * The layout each named parameter takes (model names or `coupling.NAME`), whatever the
   * configuration gave: values and gradients then have that layout (a wider one starts from the
   * configured values broadcast, a narrower one from the first value).
   */
  layouts?: Record<string, ResolvedParam['kind']>;
  /** Also output the final state (B × nsv × N × M) and take its cotangent in backward. */
  finalState?: boolean;
  /**
   * Plain weighted sums of delayed values and their reverse scatters in WebAssembly (default, while
   * the state window stays under 1 GiB) or, false, in the generated JavaScript; the values are the same.
   */
  wasm?: boolean;
}

export interface AdjointOutput { name: string; time: Float64Array; data: Float64Array; shape: [number, number, number, number, number] }

export interface AdjointForward {
  outputs: AdjointOutput[];
  /** Gradients of Σ bars·outputs with respect to `wrt`, each in its parameter's layout. */
  backward(bars: ArrayLike<number>[]): Record<string, Float64Array>;
}

const PREFIX = 'coupling.';

/** A parameter's values in another layout: broadcast when wider, the first value per batch/node when narrower. */
function relayout(p: ResolvedParam, kind: ResolvedParam['kind'], N: number, B: number): Float64Array {
  const at = (b: number, n: number) => (p.kind === 'scalar' ? p.data[0] : p.kind === 'node' ? p.data[n] : p.kind === 'batch' ? p.data[b] : p.data[b * N + n]);
  switch (kind) {
    case 'scalar': return Float64Array.of(at(0, 0));
    case 'node': return Float64Array.from({ length: N }, (_, n) => at(0, n));
    case 'batch': return Float64Array.from({ length: B }, (_, b) => at(b, 0));
    case 'batchnode': return Float64Array.from({ length: B * N }, (_, q) => at(Math.floor(q / N), q % N));
  }
}
const MB = 2 ** 20;
/** Steps per block of the per-edge products of delay-free projections. */
const EDGE_BLOCK = 128;
const mb = (x: number) => `${(x / MB).toFixed(x < MB ? 3 : 1)} MB`;

export class AdjointSimulator {
  readonly src: AdjointSource;
  readonly B: number;
  readonly N: number;
  readonly wrt: string[];
  readonly K: number;
  readonly segments: number;
  /** Bytes the reverse sweep holds (checkpoints + one segment's buffers). */
  readonly memoryBytes: number;
  private readonly monitors: AdjointMonitor[];
  private readonly prog: Record<string, Function>;
  private readonly ctx: Record<string, unknown> & { GX: Float64Array; BGX: Float64Array; X: Float64Array; XB: Float64Array; C: Float64Array; CB: Float64Array; NZ: Float64Array; O: Float64Array; OB: Float64Array; WB: Float64Array; SB: Float64Array; PB: Record<string, Float64Array>; PC: Record<string, Float64Array>; EB: Record<string, Float64Array> };
  /** Links; a projection model also keeps per projection p the block p·nLinks… of W∘e_p (wp) and e_p (e). */
  private readonly links: { rowPtr: Int32Array; nzEnd: Int32Array; rel: Int32Array; w: Float64Array; wi: Int32Array; zero: Uint8Array; frac: Float64Array; dfds: Float64Array; selfRel: Int32Array; selfZero: Uint8Array; wp: Float64Array; e: Float64Array };
  private readonly layout: LinkLayout;
  private readonly edgeBlocks: { group: number; edge: string; row: number }[];
  /** Per edge block and lane: Σ_s bgx(s, i)·x_j(s − 1), N×N. */
  private readonly edgeAcc: Float64Array[];
  private readonly Hr: number;
  private readonly SS: number;
  private readonly T: number;
  private weights: Float64Array;
  private speed: number;
  private readonly opts: AdjointOptions;

  constructor(cfg: SimulationConfig, opts: AdjointOptions) {
    this.opts = opts;
    const src = (this.src = adjointSource(cfg));
    const { plan, prep } = src;
    const N = (this.N = plan.N), B = (this.B = prep.B), M = plan.M;
    const linear = opts.delays === 'linear';
    if (opts.delays !== undefined && opts.delays !== 'integer' && !linear) throw new Error(`adjoint option delays: expected 'integer' or 'linear', got '${opts.delays}'`);
    if (linear && cfg.idelays) throw new Error("adjoint: delays 'linear' computes delays from tract lengths and speed; drop idelays");
    const presig = plan.coupling.links === 'tvb-presigmoidal';
    if (linear && presig) throw new Error("adjoint: delays 'linear' is not available for PreSigmoidal's gathering");
    if (presig && plan.couplingParams.globalT && plan.couplingParams.globalT.data[0] !== 0) throw new Error('PreSigmoidal: globalT = 1 is not supported');
    if (presig && plan.couplingParams.dynamic.kind !== 'scalar') throw new Error('PreSigmoidal: dynamic must be a single value');
    this.layout = { kind: plan.projections ? 'projections' : presig ? (plan.couplingParams.dynamic.data[0] !== 0 ? 'presig-dynamic' : 'presig-static') : 'afferent', linear };
    for (const k of ['checkpoint', 'truncate', 'memoryBudget'] as const) {
      const v = opts[k];
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new Error(`adjoint option ${k}: expected a positive integer, got ${v}`);
    }
    // what to differentiate
    const grads: GradTargets = { model: new Set(), coupling: new Set(), edge: new Set(), weights: false, speed: false };
    const valid = this.parameterNames(linear);
    for (const name of opts.wrt) {
      if (!valid.includes(name)) throw new Error(`adjoint: unknown parameter '${name}'; expected one of: ${valid.join(', ')}${name === 'speed' ? " (speed is differentiable with delays: 'linear')" : ''}`);
      if (name === 'weights') grads.weights = true;
      else if (name === 'speed') grads.speed = true;
      else if (name.startsWith(PREFIX)) grads.coupling.add(name.slice(PREFIX.length));
      else if (plan.edgeParams?.[name]) grads.edge.add(name);
      else grads.model.add(name);
    }
    this.wrt = [...opts.wrt];
    const layouts: Record<string, ResolvedParam['kind']> = { ...opts.layouts };
    for (const name of opts.perNode ?? []) {
      const p = plan.modelParams[name];
      if (!p || !(name in plan.spec.parameters)) throw new Error(`adjoint option perNode: unknown model parameter '${name}'`);
      if (!layouts[name]) layouts[name] = p.kind === 'batch' || p.kind === 'batchnode' ? 'batchnode' : 'node';
    }
    for (const [name, kind] of Object.entries(layouts)) {
      const cp = name.startsWith(PREFIX);
      const key = cp ? name.slice(PREFIX.length) : name;
      const table = cp ? plan.couplingParams : plan.modelParams;
      const p = table[key];
      if (!p || (!cp && !(key in plan.spec.parameters))) throw new Error(`adjoint option layouts: unknown parameter '${name}'; expected one of: ${valid.filter((n) => n !== 'weights' && n !== 'speed' && !plan.edgeParams?.[n]).join(', ')}`);
      if (!['scalar', 'node', 'batch', 'batchnode'].includes(kind)) throw new Error(`adjoint option layouts.${name}: expected scalar, node, batch or batchnode, got '${kind}'`);
      const d = relayout(p, kind, N, B);
      table[key] = { kind, data: d };
      prep.data[`${cp ? 'cp' : 'mp'}_${key}`] = d;
    }
    // derived parameters take the widest layout of the model's parameters (as prepareRun decides)
    const kinds = Object.entries(plan.modelParams).filter(([n]) => n in plan.spec.parameters).map(([, p]) => p.kind);
    const perNode = kinds.some((k) => k === 'node' || k === 'batchnode'), perBatch = kinds.some((k) => k === 'batch' || k === 'batchnode');
    for (const [name] of plan.parsed.derived) {
      const kind = perBatch ? (perNode ? 'batchnode' : 'batch') : perNode ? 'node' : 'scalar';
      if (plan.modelParams[name].kind !== kind) {
        const d = new Float64Array((perBatch ? B : 1) * (perNode ? N : 1));
        plan.modelParams[name] = { kind, data: d };
        prep.data[`mp_${name}`] = d;
      }
    }
    this.refreshDerived();

    // delays, history window
    this.weights = Float64Array.from(prep.conn.weights);
    this.speed = src.speed;
    let Hr = prep.H;
    if (linear) {
      let mx = 0;
      for (const L of src.tractLengths) mx = Math.max(mx, Math.floor(L / this.speed / plan.dt));
      Hr = Math.max(Hr, mx + 2);
    }
    this.Hr = Hr;
    this.layout.blockEdges = !!plan.projections && !linear && Hr === 1;
    const nLinks = this.countLinks(grads.weights);
    this.SS = Object.keys(plan.spec.state_variables).length * N * M;
    this.links = {
      rowPtr: new Int32Array(N + 1), nzEnd: new Int32Array(N), rel: new Int32Array(nLinks), w: new Float64Array(nLinks), wi: new Int32Array(nLinks),
      zero: new Uint8Array(nLinks), frac: new Float64Array(nLinks), dfds: new Float64Array(nLinks), selfRel: new Int32Array(N), selfZero: new Uint8Array(N),
      wp: new Float64Array((plan.projections?.length ?? 0) * nLinks), e: new Float64Array((plan.projections?.length ?? 0) * nLinks),
    };
    this.buildLinks(grads.weights);

    // monitors
    const s0 = prep.s0, sFirst = s0 + prep.transientSteps, sLast = sFirst + prep.nSteps - 1;
    this.T = prep.transientSteps + prep.nSteps;
    // the plain gathers and scatters in WebAssembly while its 32-bit addresses reach the whole window
    if (opts.wasm !== undefined && typeof opts.wasm !== 'boolean') throw new Error(`adjoint option wasm: expected true or false, got ${JSON.stringify(opts.wasm)}`);
    this.layout.wasm = opts.wasm !== false && typeof WebAssembly === 'object' && (Hr + this.T) * B * this.SS * 8 + 3 * nLinks * 8 < 2 ** 30;
    const gen = generateAdjoint(plan, this.layout, grads);
    this.edgeBlocks = gen.edgeBlocks;
    this.edgeAcc = gen.edgeBlocks.flatMap(() => Array.from({ length: B }, () => new Float64Array(N * N)));
    const SS = gen.SS, CS = gen.CS, NV = gen.nvoi * N * M, NG = gen.NG;
    this.monitors = (cfg.monitors ?? [{ name: 'Raw' }]).map((m) => adjointMonitor(m, { B, N, M, dt: plan.dt, nvoi: gen.nvoi, s0, sFirst, sLast }));

    // the memory budget picks K
    const noise = !!plan.noise;
    // kept per step: the state, the weighted sums of the coupling (the coupling itself is post(gx),
    // recomputed in reverse) and the noise; the state's cotangent lives in a sliding window of XW slots
    const perStep = B * (SS + NG * (gen.edgeBlocks.length ? 2 : 1) + (noise ? SS : 0)) * 8 + this.monitors.reduce((a, m) => a + m.bytesPerStep, 0);
    const perCk = B * Hr * SS * 8 + (noise ? B * (624 * 8 + 64 + SS * 8) : 0) + this.monitors.reduce((a, m) => a + m.bytesPerCheckpoint, 0);
    const XW = (K: number) => Hr + Math.min(K, Math.max(Hr + 1, 1024));
    const fixed = (K: number) => B * Hr * SS * 8 + B * XW(K) * SS * 8 + B * (2 * CS + 2 * NV) * 8 + (grads.weights ? N * N * 8 : 0) + gen.edgeBlocks.length * B * N * N * 8 + 2 * this.monitors.reduce((a, m) => a + m.data.length * 8, 0);
    const total = (K: number) => fixed(K) + K * perStep + (Math.ceil(this.T / K) > 1 ? Math.ceil(this.T / K) * perCk : 0);
    let K: number;
    if (opts.checkpoint) K = Math.min(opts.checkpoint, this.T);
    else {
      const budget = opts.memoryBudget ?? 100 * MB;
      const kMin = Math.max(1, Math.min(this.T, Math.round(Math.sqrt((this.T * perCk) / Math.max(1, perStep)))));
      if (total(kMin) > budget) {
        throw new Error(`adjoint: memory budget ${mb(budget)} is too small for one segment: this run needs at least ${mb(total(kMin))} (${this.T} steps, ${B} lane(s), ${SS} state values per lane, history ${Hr} steps); raise memoryBudget`);
      }
      if (total(this.T) <= budget) K = this.T;
      else {
        let lo = kMin, hi = this.T; // total is increasing on [kMin, T]
        while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (total(mid) <= budget) lo = mid; else hi = mid; }
        K = lo;
      }
      // blocked per-edge products sum over blocks of EDGE_BLOCK steps aligned to the run's end: whole
      // blocks per segment keep the checkpointed gradient bitwise that of the stored trajectory
      if (gen.edgeBlocks.length && K < this.T && K >= EDGE_BLOCK) K -= K % EDGE_BLOCK;
    }
    this.K = K;
    this.segments = Math.ceil(this.T / K);
    this.memoryBytes = total(K);

    const PB: Record<string, Float64Array> = {};
    for (const n of grads.model) PB[n] = new Float64Array(B * N);
    for (const [n, e] of plan.parsed.derived) if ([...freeSymbols(e)].some((s) => s in PB)) PB[n] = new Float64Array(B * N);
    const PC: Record<string, Float64Array> = {};
    for (const n of grads.coupling) PC[n] = new Float64Array(B * N);
    const EB: Record<string, Float64Array> = {};
    for (const n of grads.edge) EB[n] = new Float64Array(N * N);
    const lw = this.layout.wasm ? linkWasm({ X: (Hr + K) * B * SS, XB: XW(K) * B * SS, WB: grads.weights ? N * N : 0, links: nLinks }, B * SS, grads.weights, grads.speed) : undefined;
    if (lw) {
      // the link arrays move into its memory (buildLinks refills them in place)
      for (const k of ['rel', 'w', 'wi', 'frac', 'dfds'] as const) { (lw[k] as Float64Array | Int32Array).set(this.links[k]); (this.links as Record<string, unknown>)[k] = lw[k]; }
    }
    this.ctx = {
      B, P: prep.data, links: this.links, LW: lw?.fns,
      X: lw?.X ?? new Float64Array((Hr + K) * B * SS), XB: lw?.XB ?? new Float64Array(XW(K) * B * SS),
      C: new Float64Array(B * CS), GX: new Float64Array(K * B * NG), BGX: new Float64Array(gen.edgeBlocks.length ? K * B * NG : 0), NG, CB: new Float64Array(B * CS), NZ: new Float64Array(noise ? K * B * SS : 0),
      O: new Float64Array(B * NV), OB: new Float64Array(B * NV), WB: lw?.WB ?? new Float64Array(grads.weights ? N * N : 0), SB: new Float64Array(1), PB, PC, EB,
    };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    this.prog = new Function('ctx', gen.source)(this.ctx);
  }

  /**
   * Segment g: its first step and length. The first segment takes the remainder, so the last one,
   * which the reverse sweep starts from without recomputing it, is a whole K steps.
   */
  private seg(g: number): { a: number; L: number } {
    const s0 = this.src.prep.s0, r = this.T - (this.segments - 1) * this.K;
    return g === 0 ? { a: s0, L: r } : { a: s0 + r + (g - 1) * this.K, L: this.K };
  }

  /** What forward() outputs, in order (the final state last when asked for). */
  get outputSpecs(): { name: string; period: number; time: Float64Array; voi: number[] }[] {
    const out = this.monitors.map((m) => ({ name: m.name, period: m.period, time: m.time, voi: m.voi }));
    if (this.opts.finalState) out.push({ name: 'finalState', period: 0, time: new Float64Array(0), voi: [] });
    return out;
  }

  /** Names `wrt` accepts. */
  parameterNames(linear = this.opts?.delays === 'linear'): string[] {
    const { plan } = this.src;
    return [...Object.keys(plan.spec.parameters), ...Object.keys(plan.coupling.parameters).filter((k) => k !== 'dynamic' && k !== 'globalT').map((k) => PREFIX + k), ...Object.keys(plan.edgeParams ?? {}), 'weights', ...(linear ? ['speed'] : [])];
  }

  /** Layout of a parameter's values and gradient: its length and kind. */
  parameterLayout(name: string): { kind: ResolvedParam['kind'] | 'matrix'; length: number } {
    const { plan } = this.src;
    if (name === 'weights' || plan.edgeParams?.[name]) return { kind: 'matrix', length: this.N * this.N };
    if (name === 'speed') return { kind: 'scalar', length: 1 };
    const p = name.startsWith(PREFIX) ? plan.couplingParams[name.slice(PREFIX.length)] : plan.modelParams[name];
    if (!p) throw new Error(`adjoint: unknown parameter '${name}'; expected one of: ${this.parameterNames().join(', ')}`);
    return { kind: p.kind, length: p.data.length };
  }

  /** Current values of a parameter (a copy). */
  parameterValue(name: string): Float64Array {
    if (name === 'weights') return this.weights.slice();
    if (name === 'speed') return Float64Array.of(this.speed);
    const { plan } = this.src;
    if (plan.edgeParams?.[name]) return plan.edgeParams[name].slice();
    const p = name.startsWith(PREFIX) ? plan.couplingParams[name.slice(PREFIX.length)] : plan.modelParams[name];
    if (!p) throw new Error(`adjoint: unknown parameter '${name}'; expected one of: ${this.parameterNames().join(', ')}`);
    return p.data.slice();
  }

  private countLinks(dense: boolean): number {
    const { N } = this, W = this.src.prep.conn.weights;
    if (dense) return N * N;
    let c = 0;
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
      const w = this.layout.kind === 'presig-dynamic' ? W[j * N + i] : W[i * N + j];
      if (w !== 0) c++;
    }
    return c;
  }

  private buildLinks(dense: boolean): void {
    const { N } = this, W = this.weights, L = this.links, { idelays, tractLengths } = this.src, dt = this.src.plan.dt;
    const M = this.src.plan.M, BSS = this.B * this.SS;
    let c = 0;
    for (let i = 0; i < N; i++) {
      // nonzero weights first (the forward sums stop there, in the kernel's order), then the zero ones
      L.nzEnd[i] = c;
      for (const pass of [0, 1]) for (let k = 0; k < N; k++) {
        let src: number, d: number, wi: number, zero = 0;
        if (this.layout.kind === 'afferent' || this.layout.kind === 'projections') { src = k; wi = i * N + k; d = idelays[i * N + k]; }
        else if (this.layout.kind === 'presig-static') { src = i; wi = i * N + k; d = idelays[k * N + i]; zero = W[k * N + i] === 0 ? 1 : 0; }
        else { src = i; wi = k * N + i; d = idelays[k * N + i]; }
        if ((W[wi] === 0) !== (pass === 1) || (!dense && pass === 1)) continue;
        if (this.layout.linear) {
          const tau = tractLengths[wi] / this.speed / dt;
          d = Math.floor(tau);
          L.frac[c] = tau - d;
          L.dfds[c] = -tractLengths[wi] / (this.speed * this.speed * dt);
          if (d + 2 > this.Hr) throw new Error(`adjoint: speed ${this.speed} gives delays of up to ${d + 1} steps, beyond the ${this.Hr - 1} prepared for speed ${this.src.speed}; build the simulator with the slowest speed you will use`);
        }
        L.rel[c] = -d * BSS + src * M; L.w[c] = W[wi]; L.wi[c] = wi; L.zero[c] = zero;
        c++;
        if (pass === 0) L.nzEnd[i] = c;
      }
      L.rowPtr[i + 1] = c;
      L.selfRel[i] = -idelays[i * N + i] * BSS + i * M;
      L.selfZero[i] = W[i * N + i] === 0 ? 1 : 0;
    }
    if (c !== L.rel.length) throw new Error(`adjoint: the weights' sparsity changed (${c} links, ${L.rel.length} planned); differentiate 'weights' to change them`);
    const proj = this.src.plan.projections;
    if (proj) {
      const edges = this.src.plan.edgeParams ?? {};
      proj.forEach((p, r) => {
        const e = p.weights ? edges[p.weights] : undefined;
        for (let k = 0; k < c; k++) {
          const ev = e ? e[L.wi[k]] : 1;
          L.e[r * c + k] = ev;
          L.wp[r * c + k] = L.w[k] * ev;
        }
      });
    }
  }

  /** Derived parameters recomputed from the current parameter values (as prepareRun does). */
  private refreshDerived(): void {
    const { plan } = this.src;
    const N = this.N;
    for (const [name, e] of plan.parsed.derived) {
      const out = plan.modelParams[name];
      const nb = out.kind === 'batch' || out.kind === 'batchnode' ? this.B : 1, nn = out.kind === 'node' || out.kind === 'batchnode' ? N : 1;
      for (let b = 0; b < nb; b++) for (let n = 0; n < nn; n++) out.data[b * nn + n] = evalExpr(e, (s) => this.valueAt(s, b, n));
    }
  }

  private valueAt(s: string, b: number, n: number): number {
    const { plan } = this.src;
    const p = plan.modelParams[s];
    if (p) return p.kind === 'scalar' ? p.data[0] : p.kind === 'node' ? p.data[n] : p.kind === 'batch' ? p.data[b] : p.data[b * this.N + n];
    const c = plan.spec.constants?.[s];
    if (typeof c === 'number') return c;
    if (s in CONSTANTS) return CONSTANTS[s];
    throw new Error(`derived parameter: cannot evaluate '${s}'`);
  }

  /** Noise seeds of the next runs, one per batch lane (fresh noise realisations for stochastic fits). */
  setSeeds(seeds: number[]): void {
    if (!this.src.plan.noise) throw new Error('adjoint: setSeeds on a run without noise');
    if (seeds.length !== this.B || !seeds.every((x) => Number.isInteger(x) && x >= 0)) throw new Error(`adjoint: setSeeds needs ${this.B} non-negative integer seeds (one per lane), got ${JSON.stringify(seeds)}`);
    this.src.prep.seeds.splice(0, this.B, ...seeds);
  }

  /** Set parameter values (same layouts as parameterLayout). */
  setParameters(values: Record<string, ArrayLike<number> | number>): void {
    const { plan } = this.src;
    let links = false;
    for (const [name, v] of Object.entries(values)) {
      const arr = typeof v === 'number' ? [v] : v;
      const lay = this.parameterLayout(name);
      if (arr.length !== lay.length) throw new Error(`adjoint: parameter '${name}' has ${arr.length} values; expected ${lay.length} (${lay.kind}${lay.kind === 'matrix' ? ` ${this.N}×${this.N}` : ''})`);
      for (let q = 0; q < arr.length; q++) if (!Number.isFinite(arr[q])) throw new Error(`adjoint: parameter '${name}'[${q}] = ${arr[q]} is not finite`);
      if (name === 'weights') { this.weights.set(arr); links = true; }
      else if (plan.edgeParams?.[name]) { plan.edgeParams[name].set(arr); links = true; }
      else if (name === 'speed') { if (!(arr[0] > 0)) throw new Error(`adjoint: speed must be > 0, got ${arr[0]}`); this.speed = arr[0]; links = true; }
      else (name.startsWith(PREFIX) ? plan.couplingParams[name.slice(PREFIX.length)] : plan.modelParams[name]).data.set(arr);
    }
    if (links) this.buildLinks(this.links.rel.length === this.N * this.N);
    this.refreshDerived();
  }

  /** Run forward (keeping checkpoints), optionally with new parameter values. */
  forward(values: Record<string, ArrayLike<number> | number> = {}): AdjointForward {
    this.setParameters(values);
    const { prep, plan } = this.src;
    const { B, Hr, SS, K, T } = this;
    const BSS = B * SS;
    const ctx = this.ctx;
    const s0 = prep.s0;
    for (const m of this.monitors) m.reset();
    // noise generators
    const rngs = prep.seeds.map((s) => new RandomState(s));
    const nz = plan.noise;
    const coloured = !!nz && nz.ntau > 0;
    // normals are drawn for the noisy rows only (all rows when the plan names none), as the kernel does
    const NR = nz?.rows ? nz.rows.length * this.N * plan.M : SS;
    const eta = new Float64Array(coloured ? B * NR : 0), hbuf = new Float64Array(NR);
    if (coloured) for (let b = 0; b < B; b++) { rngs[b].fillStandardNormal(hbuf); eta.set(hbuf, b * NR); }
    // the initial window: steps s0 − Hr … s0 − 1; steps older than the stored history repeat its first entry
    const H = prep.H, hist = prep.history, perBatch = hist.length === B * H * SS;
    for (let t = 0; t < Hr; t++) {
      const k = Math.max(0, t - (Hr - H));
      for (let b = 0; b < B; b++) ctx.X.set(hist.subarray((perBatch ? b * H * SS : 0) + k * SS, (perBatch ? b * H * SS : 0) + (k + 1) * SS), t * BSS + b * SS);
    }
    const cks: { X: Float64Array; rng: RandomStateSnapshot[]; eta: Float64Array; mon: (Float64Array | null)[] }[] = [];
    const segs = this.segments;
    for (let g = 0; g < segs; g++) {
      const { a, L } = this.seg(g);
      if (segs > 1) cks.push({ X: ctx.X.slice(0, Hr * BSS), rng: rngs.map((r) => r.getState()), eta: eta.slice(), mon: this.monitors.map((m) => m.checkpoint()) });
      for (const m of this.monitors) m.restore(null, a, L);
      this.segment(a, L, rngs, eta, hbuf, true);
      if (g + 1 < segs) ctx.X.copyWithin(0, L * BSS, (L + Hr) * BSS);
    }
    const outputs: AdjointOutput[] = this.monitors.map((m) => ({ name: m.name, time: m.time, data: m.data.slice(), shape: [B, m.nSamples, ...m.sampleShape] }));
    if (this.opts.finalState) {
      const last = (Hr + this.seg(segs - 1).L - 1) * BSS;
      const M = plan.M, nsv = SS / (this.N * M);
      outputs.push({ name: 'finalState', time: Float64Array.of((s0 + T - 1) * plan.dt), data: ctx.X.slice(last, last + BSS), shape: [B, 1, nsv, this.N, M] });
    }
    let used = false;
    return {
      outputs,
      backward: (bars) => {
        if (used) throw new Error('adjoint: backward() may run once per forward()');
        this.checkBars(bars);
        used = true;
        return this.backward(bars, cks, rngs, eta, hbuf);
      },
    };
  }

  /** Steps a … a+L−1 of the window (slots Hr … Hr+L−1); the first Hr slots hold the steps before. */
  private segment(a: number, L: number, rngs: RandomState[], eta: Float64Array, hbuf: Float64Array, feedAll: boolean): void {
    const { prep, plan } = this.src;
    const { B, Hr, SS } = this;
    const BSS = B * SS, ctx = this.ctx, P = this.prog;
    const w0 = a - Hr;
    const nz = plan.noise, dt = plan.dt;
    const sqdt = Math.sqrt(dt);
    const E = nz && nz.ntau > 0 ? Math.exp(-dt / nz.ntau) : 0, sq1E2 = Math.sqrt(1 - E * E), dtSqrtLambda = nz && nz.ntau > 0 ? dt * Math.sqrt(1 / nz.ntau) : 0;
    const rows = nz?.rows, NM = this.N * plan.M, NR = rows ? rows.length * NM : SS;
    const stateful = this.monitors.filter((m) => m.bytesPerStep > 0);
    const mons = feedAll ? this.monitors : stateful;
    const stim = !!plan.stimulus;
    for (let s = a; s < a + L; s++) {
      const t = s - w0, xo = t * BSS, xi = (t - 1) * BSS, zi = (s - a) * BSS;
      const stimT = stim ? P.stimAt((s - prep.s0) * dt) : 0;
      for (let b = 0; b < B; b++) {
        if (nz) {
          // (no subarray views here: one per step and lane is garbage the collector then pays for)
          const zo = zi + b * SS, NZ = ctx.NZ;
          if (rows) {
            // the other rows stay 0 (their gain is 0 too)
            rngs[b].fillStandardNormal(hbuf);
            const o = b * NR;
            for (let r = 0; r < rows.length; r++) {
              const d = rows[r] * NM, e = r * NM;
              if (nz.ntau > 0) for (let q = 0; q < NM; q++) { const h = o + e + q; eta[h] = eta[h] * E + sq1E2 * hbuf[e + q]; NZ[zo + d + q] = dtSqrtLambda * eta[h]; }
              else for (let q = 0; q < NM; q++) NZ[zo + d + q] = hbuf[e + q] * sqdt;
            }
          } else if (nz.ntau > 0) {
            rngs[b].fillStandardNormal(hbuf);
            const o = b * SS;
            for (let q = 0; q < SS; q++) { eta[o + q] = eta[o + q] * E + sq1E2 * hbuf[q]; NZ[zo + q] = dtSqrtLambda * eta[o + q]; }
          } else {
            rngs[b].fillStandardNormal(hbuf);
            for (let q = 0; q < SS; q++) NZ[zo + q] = hbuf[q] * sqdt;
          }
        }
        P.coupling(b, s, w0, s - a);
        const chk = P.step(b, xi, xo, zi, stimT);
        if (!Number.isFinite(chk)) this.diverged(s, b, xo);
        if (mons.length) {
          P.observe(b, xo);
          for (const m of mons) m.feed(s, b, ctx.O);
        }
      }
    }
  }

  private diverged(s: number, b: number, xo: number): never {
    const { SS, N } = this, M = this.src.plan.M;
    for (let q = 0; q < SS; q++) {
      const v = this.ctx.X[xo + b * SS + q];
      if (!Number.isFinite(v)) {
        const k = Math.floor(q / (N * M)), n = Math.floor((q % (N * M)) / M);
        throw new Error(`adjoint: the run diverged at step ${s} (t = ${s * this.src.plan.dt} ms), batch ${b}, variable ${this.src.prep.stateVariables[k]}, node ${n}: ${v}`);
      }
    }
    throw new Error(`adjoint: the run diverged at step ${s}`);
  }

  private checkBars(barsIn: ArrayLike<number>[]): void {
    const want = this.monitors.length + (this.opts.finalState ? 1 : 0);
    if (barsIn.length !== want) throw new Error(`adjoint: backward needs one cotangent array per monitor${this.opts.finalState ? ' and one for the final state' : ''} (${want}), got ${barsIn.length}`);
    if (this.opts.finalState && barsIn[want - 1].length !== this.B * this.SS) throw new Error(`adjoint: the final state's cotangent has ${barsIn[want - 1].length} values; expected ${this.B * this.SS}`);
    this.monitors.forEach((m, k) => {
      if (barsIn[k].length !== m.data.length) throw new Error(`adjoint: cotangent ${k} (${m.name}) has ${barsIn[k].length} values; expected ${m.data.length} (${[this.B, m.nSamples, ...m.sampleShape].join('×')})`);
    });
  }

  private backward(barsIn: ArrayLike<number>[], cks: { X: Float64Array; rng: RandomStateSnapshot[]; eta: Float64Array; mon: (Float64Array | null)[] }[], rngs: RandomState[], eta: Float64Array, hbuf: Float64Array): Record<string, Float64Array> {
    const { prep, plan } = this.src;
    const { B, Hr, SS, K, T, N } = this;
    const BSS = B * SS, ctx = this.ctx, P = this.prog;
    this.monitors.forEach((m, k) => {
      m.bars.set(barsIn[k]);
      m.beginReverse();
    });
    for (const a of Object.values(ctx.PB)) a.fill(0);
    for (const a of Object.values(ctx.PC)) a.fill(0);
    for (const a of Object.values(ctx.EB)) a.fill(0);
    for (const a of this.edgeAcc) a.fill(0);
    ctx.WB.fill(0); ctx.SB[0] = 0;
    const s0 = prep.s0, dt = plan.dt, NVB = ctx.OB.length;
    // XB holds the cotangents of X's slots base … base + XW − 1; a step at slot t touches t − Hr … t
    const XW = ctx.XB.length / BSS, XB = ctx.XB;
    let base = 0;
    const setBase = (nb: number) => { base = nb; P.setXBO(nb * BSS); };
    const carry = new Float64Array(Hr * BSS);
    const segs = this.segments, trunc = this.opts.truncate ?? 0;
    const stim = !!plan.stimulus;
    for (let g = segs - 1; g >= 0; g--) {
      const { a, L } = this.seg(g), w0 = a - Hr;
      // the last segment's buffers are still those the forward pass left
      if (segs > 1 && g < segs - 1) {
        const ck = cks[g];
        ctx.X.set(ck.X);
        ck.rng.forEach((r, b) => rngs[b].setState(r));
        eta.set(ck.eta);
        this.monitors.forEach((m, k) => m.restore(ck.mon[k], a, L));
        this.segment(a, L, rngs, eta, hbuf, false);
      }
      setBase(Math.max(0, L + Hr - XW));
      XB.fill(0);
      XB.set(carry, (L - base) * BSS);
      if (g === segs - 1 && this.opts.finalState) {
        const fb = barsIn[this.monitors.length], o = (Hr + L - 1 - base) * BSS;
        for (let q = 0; q < BSS; q++) XB[o + q] += fb[q];
      }
      for (let s = a + L - 1; s >= a; s--) {
        const t = s - w0, xo = t * BSS, xi = (t - 1) * BSS, zi = (s - a) * BSS;
        if (t - Hr < base) {
          // slide the window down so slot t is its top: slots base … t move up, the new ones start at 0
          const nb = Math.max(0, t + 1 - XW);
          XB.copyWithin((base - nb) * BSS, 0, (t - base + 1) * BSS);
          XB.fill(0, 0, (base - nb) * BSS);
          setBase(nb);
        }
        const stimT = stim ? P.stimAt((s - s0) * dt) : 0;
        for (let b = 0; b < B; b++) {
          P.observe(b, xo);
          ctx.OB.fill(0, b * (NVB / B), (b + 1) * (NVB / B));
          for (const m of this.monitors) m.obsBar(s, b, ctx.O, ctx.OB);
          P.observeRev(b, xo);
          P.couplingPost(b, s - a);
          P.stepRev(b, xi, xo, zi, stimT);
          P.couplingRev(b, s, w0, s - a);
        }
        if (trunc && s > s0 && (s - s0) % trunc === 0) XB.fill(0, 0, (t - base) * BSS);
      }
      if (base !== 0) throw new Error('adjoint: internal error, the cotangent window did not reach the segment start');
      this.edgeProducts(L, Hr);
      carry.set(XB.subarray(0, Hr * BSS));
    }
    this.edgeFinish();
    return this.collect();
  }

  /**
   * Delay-free projections: EB[i, j] += W_ij Σ_s bgx(s, i)·x_j(s − 1) over the segment just swept
   * (its steps are slots Hr … Hr+L−1 of the window, their weighted sums' cotangents rows of BGX).
   */
  private edgeProducts(L: number, Hr: number): void {
    if (!this.edgeBlocks.length) return;
    const { B, N, SS } = this, ctx = this.ctx, NG = ctx.NG as number;
    const acc = this.edgeAcc;
    // blocks of EDGE_BLOCK steps counted back from the segment's end (a multiple of EDGE_BLOCK from the run's end), latest first
    for (let e = L; e > 0; e -= EDGE_BLOCK) {
      const t0 = Math.max(0, e - EDGE_BLOCK);
      this.edgeBlocks.forEach((eb, k) => {
        for (let b = 0; b < B; b++) {
          crossProduct(acc[k * B + b], ctx.BGX, (t0 * B + b) * NG + eb.group * N, B * NG, ctx.X, (Hr - 1 + t0) * B * SS + b * SS + eb.row * N, B * SS, e - t0, N);
        }
      });
    }
  }

  /** EB[edge] = W ∘ Σ over lanes of the blocked products (once, after the sweep). */
  private edgeFinish(): void {
    const { B, N } = this, W = this.weights;
    this.edgeBlocks.forEach((eb, k) => {
      const EB = this.ctx.EB[eb.edge];
      for (let b = 0; b < B; b++) {
        const a = this.edgeAcc[k * B + b];
        for (let q = 0; q < N * N; q++) if (W[q] !== 0) EB[q] += W[q] * a[q];
      }
    });
  }

  /** Cotangents per (lane, node) → each parameter's layout; derived parameters chained to their sources. */
  private collect(): Record<string, Float64Array> {
    const { plan } = this.src;
    const { B, N } = this;
    const PB = this.ctx.PB;
    for (let q = plan.parsed.derived.length - 1; q >= 0; q--) {
      const [name, e] = plan.parsed.derived[q];
      const bar = PB[name];
      if (!bar) continue;
      for (const p of freeSymbols(e)) {
        if (!PB[p]) continue;
        const d = diffExpr(e, p);
        for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) {
          const g = bar[b * N + n];
          if (g !== 0) PB[p][b * N + n] += g * evalExpr(d, (s) => this.valueAt(s, b, n));
        }
      }
    }
    const reduce = (bar: Float64Array, p: ResolvedParam): Float64Array => {
      const out = new Float64Array(p.data.length);
      for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) {
        const g = bar[b * N + n];
        switch (p.kind) {
          case 'scalar': out[0] += g; break;
          case 'node': out[n] += g; break;
          case 'batch': out[b] += g; break;
          case 'batchnode': out[b * N + n] += g; break;
        }
      }
      return out;
    };
    const res: Record<string, Float64Array> = {};
    for (const name of this.wrt) {
      if (name === 'weights') res.weights = this.ctx.WB.slice();
      else if (name === 'speed') res.speed = Float64Array.of(this.ctx.SB[0]);
      else if (this.ctx.EB[name]) res[name] = this.ctx.EB[name].slice();
      else if (name.startsWith(PREFIX)) { const k = name.slice(PREFIX.length); res[name] = reduce(this.ctx.PC[k], plan.couplingParams[k]); }
      else res[name] = reduce(PB[name], plan.modelParams[name]);
    }
    return res;
  }
}
