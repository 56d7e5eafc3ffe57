/**
 * From a SimulationConfig to the run plan plus the data the kernel program reads: validation happens
 * here, before any work starts, and every error names the field, the value and what was expected.
 */
import { getModel } from '../models/catalogue.js';
import { parseModel } from '../models/check.js';
import type { ModelSpec } from '../models/spec.js';
import { type Expr, evalExpr, parseExpr, toJs, CONSTANTS } from '../expr/index.js';
import { type CouplingSpec, getCoupling } from '../coupling/catalogue.js';
import { type ParamValue, type ResolvedParam, resolveParam } from '../engine/params.js';
import { emitMonitor, type MonitorSpec } from '../observation/registry.js';
import { RandomState } from '../random/index.js';
import { Connectivity } from '../network/connectivity.js';
import { equationSource, getEquation, resolveParameters } from '../equations/index.js';
import { checkConfigKeys, type SimulationConfig } from '../simulation/config.js';
import type { NoisePlan, ProjectionPlan, RunPlan, StimulusPlan } from './types.js';
import { planIntegrator } from './integrator.js';
import { classifyCoupling } from './coupling.js';
import { resolveSymbols } from './symbols.js';

export interface PreparedRun {
  plan: RunPlan;
  conn: Connectivity;
  B: number;
  H: number;
  nSteps: number;
  transientSteps: number;
  /** First step index (= H). */
  s0: number;
  /** (H, nsv, N, M) or (B, H, nsv, N, M). */
  history: Float64Array;
  /** Arrays the program reads through ctx.P. */
  data: Record<string, Float64Array | Int32Array | Uint8Array>;
  seeds: number[];
  voiNames: string[];
  stateVariables: string[];
  integratorName: string;
}

/** A projection model's inputs need no coupling function; this stands in for code that reads plan.coupling. */
const PROJECTIONS_COUPLING: CouplingSpec = { name: 'projections', description: "the model's own projections", parameters: {}, pre: 'x_j', post: 'gx' };

function splitBatch(cfg: SimulationConfig, spec: ModelSpec, couplingParams: string[]) {
  const model: Record<string, ArrayLike<ParamValue>> = {};
  const coupling: Record<string, ArrayLike<ParamValue>> = {};
  let B = 1;
  for (const [key, vals] of Object.entries(cfg.batch ?? {})) {
    let k = key;
    let target = model;
    if (key.startsWith('coupling.')) { k = key.slice(9); target = coupling; }
    else if (key.startsWith('model.')) k = key.slice(6);
    if (target === model && k in (spec.edge_parameters ?? {})) throw new Error(`batch: '${key}' is a per-edge parameter; batches over per-edge parameters are not supported (run them one by one)`);
    const known = target === coupling ? couplingParams : Object.keys(spec.parameters);
    if (!known.includes(k)) {
      throw new Error(`batch: unknown ${target === coupling ? 'coupling' : 'model'} parameter '${k}'; expected one of: ${known.join(', ')}${target === model ? ' (coupling parameters as coupling.NAME)' : ''}`);
    }
    if (B !== 1 && vals.length !== B) throw new Error(`batch: '${key}' has ${vals.length} values but another entry has ${B}; all batch entries need the same length`);
    B = Math.max(B, vals.length);
    target[k] = vals;
  }
  return { model, coupling, B };
}

/**
 * `history: false` leaves the initial history empty: for a caller that wants the plan's counts and windows but runs
 * another prepared copy (streaming prepares the whole run for its sample counts and a one-chunk run to execute).
 */
export function prepareRun(cfg: SimulationConfig, defaultConnectivity: () => Connectivity, opts: { history?: boolean } = {}): PreparedRun {
  checkConfigKeys(cfg);
  let spec = getModel(cfg.model);
  if (cfg.variablesOfInterest) spec = { ...spec, variables_of_interest: cfg.variablesOfInterest };
  const parsed = parseModel(spec);
  const integ = cfg.integrator;
  if (!integ || typeof integ.dt !== 'number' || !(integ.dt > 0) || !Number.isFinite(integ.dt)) {
    throw new Error(`integrator.dt: expected a positive number of ms, got ${integ?.dt}`);
  }
  const dt = integ.dt;
  if (typeof cfg.duration !== 'number' || !(cfg.duration > 0) || !Number.isFinite(cfg.duration)) {
    throw new Error(`duration: expected a positive number of ms, got ${cfg.duration}`);
  }
  if (cfg.initialConditions?.seed !== undefined && !(Number.isInteger(cfg.initialConditions.seed) && cfg.initialConditions.seed >= 0)) {
    throw new Error(`initialConditions.seed: expected an integer ≥ 0, got ${cfg.initialConditions.seed}`);
  }
  if (cfg.transient !== undefined && !(cfg.transient >= 0 && Number.isFinite(cfg.transient))) throw new Error(`transient: expected ≥ 0 ms, got ${cfg.transient}`);
  const integrator = planIntegrator(integ.name, dt);
  const scheme = integrator.scheme;
  const conn = cfg.connectivity ?? defaultConnectivity();
  const N = conn.n;
  const M = spec.modes ?? 1;
  const svs = Object.keys(spec.state_variables);
  const nsv = svs.length;

  const { idelays, H } = delayTable(cfg, conn, dt);

  // parameters
  const projecting = !!spec.projections;
  if (projecting && (cfg.coupling !== undefined || cfg.couplingParameters !== undefined)) {
    throw new Error(`coupling: model ${spec.name} declares its own projections (${spec.projections!.length} coupling inputs); a coupling function or couplingParameters do not apply to it`);
  }
  const coupling = projecting ? PROJECTIONS_COUPLING : getCoupling(cfg.coupling ?? 'Linear');
  const cpNames = Object.keys(coupling.parameters);
  const batch = splitBatch(cfg, spec, cpNames);
  const B = batch.B;
  for (const k of Object.keys(cfg.parameters ?? {})) {
    if (k in (spec.edge_parameters ?? {})) throw new Error(`parameters: '${k}' is a per-edge parameter of model ${spec.name}; set it in edgeParameters (${N}×${N} values, row = target)`);
    if (!(k in spec.parameters)) throw new Error(`parameters: unknown parameter '${k}' of model ${spec.name}; expected one of: ${Object.keys(spec.parameters).join(', ')}`);
  }
  for (const k of Object.keys(cfg.couplingParameters ?? {})) {
    if (!(k in coupling.parameters)) throw new Error(`couplingParameters: unknown parameter '${k}' of coupling ${coupling.name}; expected one of: ${cpNames.join(', ')}`);
  }
  const modelParams: Record<string, ResolvedParam> = {};
  for (const [k, ps] of Object.entries(spec.parameters)) {
    modelParams[k] = resolveParam(k, cfg.parameters?.[k] ?? (ps.default as ParamValue), batch.model[k], N, B);
  }
  for (const [q, k] of (cfg.perNode ?? []).entries()) {
    const p = modelParams[k];
    if (!p) throw new Error(`perNode[${q}]: unknown parameter '${k}' of model ${spec.name}; expected one of: ${Object.keys(spec.parameters).join(', ')}`);
    if (p.kind === 'scalar') modelParams[k] = { kind: 'node', data: new Float64Array(N).fill(p.data[0]) };
    else if (p.kind === 'batch') modelParams[k] = { kind: 'batchnode', data: Float64Array.from({ length: B * N }, (_, q2) => p.data[Math.floor(q2 / N)]) };
  }
  // derived parameters: evaluated once per (batch element, node)
  for (const [name, e] of parsed.derived) {
    const perNode = Object.values(modelParams).some((p) => p.kind === 'node' || p.kind === 'batchnode');
    const perBatch = Object.values(modelParams).some((p) => p.kind === 'batch' || p.kind === 'batchnode');
    const nb = perBatch ? B : 1, nn = perNode ? N : 1;
    const out = new Float64Array(nb * nn);
    for (let b = 0; b < nb; b++) {
      for (let n = 0; n < nn; n++) {
        out[b * nn + n] = evalExpr(e, (s) => {
          const p = modelParams[s];
          if (p) {
            switch (p.kind) {
              case 'scalar': return p.data[0];
              case 'node': return p.data[n];
              case 'batch': return p.data[b];
              case 'batchnode': return p.data[b * N + n];
            }
          }
          const c = spec.constants?.[s];
          if (typeof c === 'number') return c;
          if (s in CONSTANTS) return CONSTANTS[s];
          throw new Error(`derived.${name}: cannot evaluate '${s}' at configuration time`);
        });
      }
    }
    modelParams[name] = { kind: perBatch ? (perNode ? 'batchnode' : 'batch') : perNode ? 'node' : 'scalar', data: out };
  }
  const couplingParams: Record<string, ResolvedParam> = {};
  for (const [k, ps] of Object.entries(coupling.parameters)) {
    couplingParams[k] = resolveParam(`coupling.${k}`, cfg.couplingParameters?.[k] ?? (ps.default as ParamValue), batch.coupling[k], N, B);
  }
  const edgeParams = resolveEdgeParameters(cfg, spec, N);
  const symbols = resolveSymbols(spec, parsed, modelParams, couplingParams);
  const kinds = Object.fromEntries(Object.entries(couplingParams).map(([k, p]) => [k, p.kind]));
  const couplingClass = projecting ? undefined : classifyCoupling(coupling, spec.cvar.length, kinds);
  const projections: ProjectionPlan[] | undefined = projecting ? parsed.projections.map((p) => ({ ...p })) : undefined;

  // boundaries
  const boundaries = stateBoundaries(spec);

  // steps (TVB: n_steps = ceil(simulation_length / dt) in float64)
  const { nSteps, transientSteps, s0, sFirst, sLast } = stepWindow(cfg, dt, H);

  // monitors; variables of interest that are plain state variables are read from the state directly
  const voiRows = parsed.vois.map((e) => (e.kind === 'sym' ? svs.indexOf(e.name) : -1));
  const voiState = voiRows.every((r) => r >= 0) ? voiRows : undefined;
  const monitorSpecs = cfg.monitors ?? [{ name: 'Raw' } as MonitorSpec];
  const monitors = monitorSpecs.map((m, k) =>
    emitMonitor(m, k, { N, M, dt, nvoi: parsed.vois.length, ncv: (spec.projections ?? spec.cvar).length, sFirst, sLast, voiState, cortical: conn.cortical.length ? conn.cortical : undefined, hemispheres: conn.hemispheres.length ? conn.hemispheres : undefined }),
  );
  const data: Record<string, Float64Array | Int32Array | Uint8Array> = {};
  for (const m of monitors) Object.assign(data, m.data);

  // links (CSR by target) into the doubled history layout: offset = valueNode*M*2H + H - d
  const H2 = 2 * H;
  const f32 = cfg.historyPrecision === 'float32';
  const wv = (x: number) => (f32 ? Math.fround(x) : x);
  const W = conn.weights;
  const rowPtr = new Int32Array(N + 1);
  // every branch below makes one link per non-zero weight: typed arrays of that length from the start, so a large
  // network's preparation does not churn through growing JS arrays (tens of MB of short-lived heap at 10⁶ links)
  let L = 0;
  for (let k = 0; k < N * N; k++) if (W[k] !== 0) L++;
  const off = new Int32Array(L), w = new Float64Array(L), zero = new Uint8Array(L), src = new Int32Array(projecting ? L : 0);
  let nl = 0;
  const selfOff = new Int32Array(N), selfZero = new Uint8Array(N);
  const presig = coupling.links === 'tvb-presigmoidal';
  const dynamic = presig && couplingParams.dynamic.data[0] !== 0;
  for (let i = 0; i < N; i++) {
    if (projecting) {
      // afferent links as ordinary couplings, plus each link's source (the edge parameters scale per projection)
      for (let j = 0; j < N; j++) {
        if (W[i * N + j] !== 0) { off[nl] = j * M * H2 + H - idelays[i * N + j]; src[nl++] = j; }
      }
    } else if (!presig) {
      for (let j = 0; j < N; j++) {
        const x = W[i * N + j];
        if (x !== 0) { off[nl] = j * M * H2 + H - idelays[i * N + j]; w[nl++] = wv(x); }
      }
    } else if (dynamic) {
      // node i receives its own output delayed by d_ki, weighted by its efferent weights w_ki
      for (let k = 0; k < N; k++) {
        const x = W[k * N + i];
        if (x !== 0) { off[nl] = i * M * H2 + H - idelays[k * N + i]; w[nl++] = wv(x); }
      }
      selfOff[i] = i * M * H2 + H - idelays[i * N + i];
      selfZero[i] = W[i * N + i] === 0 ? 1 : 0;
    } else {
      // static: weights w_ik, value of node i itself with delay d_ki, zero where w_ki = 0
      for (let k = 0; k < N; k++) {
        const x = W[i * N + k];
        if (x !== 0) { off[nl] = i * M * H2 + H - idelays[k * N + i]; w[nl] = wv(x); zero[nl++] = W[k * N + i] === 0 ? 1 : 0; }
      }
    }
    rowPtr[i + 1] = nl;
  }
  if (nl !== L) throw new Error(`plan: internal: ${nl} links built for ${L} non-zero weights`);
  Object.assign(data, {
    rowPtr, lnkOff: off, lnkW: w, lnkZero: zero, selfOff, selfZero,
  });
  if (projections) {
    // lnkW holds one block of link weights per projection: W_ij·e_ij
    const lnkSrc = src;
    data.lnkSrc = lnkSrc;
    data.lnkW = projectionLinkWeights(W, N, rowPtr, lnkSrc, projections.map((p) => (p.weights ? edgeParams![p.weights] : undefined)), f32);
  }
  for (const [k, p] of Object.entries(modelParams)) data[`mp_${k}`] = p.data;
  for (const [k, p] of Object.entries(couplingParams)) data[`cp_${k}`] = p.data;

  // noise
  let noise: NoisePlan | undefined;
  const seeds: number[] = [];
  if (integ.noise) {
    const nz = integ.noise;
    const gain = noiseGain(nz.nsig, nsv, N);
    if (nz.ntau !== undefined && !(Number.isFinite(nz.ntau) && nz.ntau >= 0)) throw new Error(`integrator.noise.ntau: expected a correlation time ≥ 0 ms (0 = white noise), got ${nz.ntau}`);
    if (nz.seed !== undefined && !(Number.isInteger(nz.seed) && nz.seed >= 0)) throw new Error(`integrator.noise.seed: expected an integer ≥ 0, got ${nz.seed}`);
    if (nz.kind !== undefined && nz.kind !== 'additive' && nz.kind !== 'multiplicative') throw new Error(`integrator.noise.kind: expected 'additive' or 'multiplicative', got '${String(nz.kind)}'`);
    const seed = nz.seed ?? 42;
    for (let b = 0; b < B; b++) seeds.push(seed + b);
    noise = { kind: nz.kind ?? 'additive', gain, ntau: nz.ntau ?? 0, multA: nz.a ?? 1, multB: nz.b ?? 0, seed };
    if (nz.variables) {
      noise.rows = nz.variables.map((v, q) => {
        const k = svs.indexOf(v);
        if (k < 0) throw new Error(`integrator.noise.variables[${q}]: '${v}' is not a state variable of ${spec.name}; expected one of ${svs.join(', ')}`);
        return k;
      });
      // rows that draw no normals get no noise
      for (let k = 0; k < nsv; k++) if (!noise.rows.includes(k)) gain.fill(0, k * N, (k + 1) * N);
    }
    data.noiseGain = gain;
  }

  // stimulus
  let stimulus: StimulusPlan | undefined;
  if (cfg.stimulus) {
    const st = cfg.stimulus;
    if (st.weights.length !== N) throw new Error(`stimulus.weights: expected ${N} values (one per node), got ${st.weights.length}`);
    const vars = (st.variables ?? spec.stvar ?? spec.cvar).map((v) => {
      const k = svs.indexOf(v);
      if (k < 0) throw new Error(`stimulus.variables: '${v}' is not a state variable of ${spec.name}; expected one of ${svs.join(', ')}`);
      return k;
    });
    const tj = temporalJs(st.temporal);
    stimulus = { temporal: tj.temporal, temporalJs: tj.js, temporalDecl: tj.decl, weights: Float64Array.from(st.weights), variables: vars };
    data.stimW = stimulus.weights;
  }

  // initial history
  const history = opts.history === false ? new Float64Array(0) : initialHistory(cfg, spec, H, N, M, boundaries);

  return {
    plan: {
      N, M, dt, H, spec, parsed, symbols, modelParams, coupling, couplingParams, couplingClass, projections, edgeParams,
      integrator, scheme, boundaries, noise, stimulus, monitorSpecs, monitors,
      historyPrecision: f32 ? 'float32' : 'float64',
      kernel: cfg.kernel ?? (process.env.VBT_KERNEL === 'js' ? 'js' : 'wasm'),
    },
    conn, B, H, nSteps, transientSteps, s0, history, data, seeds,
    voiNames: spec.variables_of_interest.map(String),
    stateVariables: svs,
    integratorName: `${integrator.name}${integ.noise ? 'Stochastic' : 'Deterministic'}`,
  };
}

function temporalJs(t: NonNullable<SimulationConfig['stimulus']>['temporal']): { js: string; decl?: string; temporal: StimulusPlan['temporal'] } {
  if ('equation' in t) {
    const spec = getEquation(t.equation);
    if (spec.timeUnit === 's' || spec.normalize) throw new Error(`stimulus.temporal.equation: '${spec.name}' is a haemodynamic kernel, not a stimulus time course`);
    const parameters = resolveParameters(spec, t.parameters ?? {});
    const src = equationSource(spec, parameters);
    return { js: 'stimF(t)', decl: `const stimF = (function () { ${src} })();`, temporal: { equation: spec.name, parameters: parameters as Record<string, number> } };
  }
  {
    const e: Expr = parseExpr(t.expression, { field: 'stimulus.temporal.expression' });
    return { temporal: { expression: e }, js: toJs(e, (name) => {
      if (name === 't') return 't';
      if (name in CONSTANTS) return String(CONSTANTS[name]);
      throw new Error(`stimulus.temporal.expression: unknown name '${name}'; only t (ms) is available`);
    }) };
  }
}

function initialHistory(cfg: SimulationConfig, spec: ModelSpec, H: number, N: number, M: number, bounds: ([number, number] | null)[]): Float64Array {
  const svs = Object.keys(spec.state_variables);
  const nsv = svs.length;
  const S = nsv * N * M;
  const ic = cfg.initialConditions;
  let hist: Float64Array;
  if (ic?.history) {
    const h = ic.history;
    if (h.length === H * S) hist = Float64Array.from(h);
    else if (h.length === S) {
      hist = new Float64Array(H * S);
      for (let k = 0; k < H; k++) hist.set(h as ArrayLike<number>, k * S);
    } else {
      throw new Error(`initialConditions.history: expected ${H}x${nsv}x${N}x${M} = ${H * S} values (horizon × state variables × nodes × modes) or one state of ${S}, got ${h.length}`);
    }
  } else {
    // TVB's default: random within each state variable's nominal range, at every history step.
    // Only the coupling variables of past steps and the whole last step (the current state) are
    // ever read, so the other draws are skipped (the stream still advances past them, as in TVB)
    // and left at 0.
    const rng = new RandomState(ic?.seed ?? 42);
    const cvars = new Set(spec.cvar);
    hist = new Float64Array(H * S);
    for (let k = 0; k < H; k++) {
      for (let v = 0; v < nsv; v++) {
        const [lo, hi] = spec.state_variables[svs[v]].range;
        if (k < H - 1 && !cvars.has(svs[v])) rng.skipUniform(N * M);
        else rng.fillUniformAt(hist, k * S + v * N * M, N * M, lo, hi);
      }
    }
  }
  // TVB clamps the initial history into the boundaries
  for (let v = 0; v < nsv; v++) {
    const bd = bounds[v];
    if (!bd) continue;
    for (let k = 0; k < H; k++) {
      for (let q = 0; q < N * M; q++) {
        const i = k * S + v * N * M + q;
        hist[i] = Math.min(Math.max(hist[i], bd[0]), bd[1]);
      }
    }
  }
  for (let i = 0; i < hist.length; i++) {
    if (!Number.isFinite(hist[i])) throw new Error(`initialConditions.history: value ${hist[i]} at flat index ${i} is not finite`);
  }
  return hist;
}

/** Per-edge parameters of a projection model: defaults, overrides, shapes checked before any work. */
function resolveEdgeParameters(cfg: SimulationConfig, spec: ModelSpec, N: number): Record<string, Float64Array> | undefined {
  const declared = spec.edge_parameters ?? {};
  const given = cfg.edgeParameters ?? {};
  if (!spec.projections) {
    const names = Object.keys(given);
    if (names.length) throw new Error(`edgeParameters: model ${spec.name} has no projections, so it takes no per-edge parameters (got ${names.join(', ')}); models with projections: see \`vbt models\``);
    return undefined;
  }
  for (const k of Object.keys(given)) {
    if (!(k in declared)) throw new Error(`edgeParameters: unknown per-edge parameter '${k}' of model ${spec.name}; expected one of: ${Object.keys(declared).join(', ') || '(none)'}`);
  }
  const out: Record<string, Float64Array> = {};
  for (const [k, ps] of Object.entries(declared)) {
    const v = given[k] ?? ps.default;
    const a = typeof v === 'number' ? new Float64Array(N * N).fill(v) : Float64Array.from(v);
    if (a.length !== N * N) throw new Error(`edgeParameters.${k}: expected ${N}×${N} = ${N * N} values (row = target, as the connectivity's weights), got ${a.length}`);
    for (let q = 0; q < a.length; q++) if (!Number.isFinite(a[q])) throw new Error(`edgeParameters.${k}[${q}] = ${a[q]} is not a finite number`);
    out[k] = a;
  }
  return out;
}

/**
 * Link weights of every projection, one block of rowPtr[N] links per projection: W_ij·e_ij (e = 1
 * without an edge parameter). `out` is filled in place when given, so a running program sees the
 * new values (iterative tuning of per-edge parameters).
 */
export function projectionLinkWeights(
  W: ArrayLike<number>, N: number, rowPtr: Int32Array, lnkSrc: Int32Array, edges: (ArrayLike<number> | undefined)[], f32 = false, out?: Float64Array,
): Float64Array {
  const nL = rowPtr[N];
  const w = out ?? new Float64Array(edges.length * nL);
  if (w.length !== edges.length * nL) throw new Error(`projectionLinkWeights: out has ${w.length} values; expected ${edges.length * nL}`);
  edges.forEach((e, p) => {
    for (let i = 0; i < N; i++) {
      for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
        const q = i * N + lnkSrc[k];
        const x = e ? W[q] * e[q] : W[q];
        w[p * nL + k] = f32 ? Math.fround(x) : x;
      }
    }
  });
  return w;
}

/** [lo, hi] per state variable (±Infinity for an open side), or null where the model sets none. */
export function stateBoundaries(spec: ModelSpec): ([number, number] | null)[] {
  return Object.values(spec.state_variables).map((v) => (v.boundaries ? [v.boundaries[0] ?? -Infinity, v.boundaries[1] ?? Infinity] : null));
}

/**
 * The steps of a run (TVB: n_steps = ceil(simulation_length / dt) in float64): the first step is H (the
 * history fills 0 … H−1), the transient's steps come first, then the recorded ones sFirst … sLast.
 */
export function stepWindow(cfg: { duration: number; transient?: number }, dt: number, H: number): { nSteps: number; transientSteps: number; s0: number; sFirst: number; sLast: number } {
  const nSteps = Math.ceil(cfg.duration / dt);
  const transientSteps = cfg.transient ? Math.ceil(cfg.transient / dt) : 0;
  const s0 = H;
  const sFirst = s0 + transientSteps;
  return { nSteps, transientSteps, s0, sFirst, sLast: sFirst + nSteps - 1 };
}

/**
 * Integer delays in steps (N×N, row = target: the config's `idelays`, else rint(L/speed/dt) of the
 * connectivity) and the history length H = max delay + 1 they need.
 */
export function delayTable(cfg: { idelays?: Int32Array }, conn: Connectivity, dt: number): { idelays: Int32Array; H: number } {
  const N = conn.n;
  let idelays: Int32Array;
  if (cfg.idelays) {
    if (cfg.idelays.length !== N * N) throw new Error(`idelays: expected ${N}x${N} = ${N * N} values, got ${cfg.idelays.length}`);
    idelays = cfg.idelays;
  } else idelays = conn.delays(dt).idelays;
  let H = 1;
  for (let q = 0; q < idelays.length; q++) {
    if (idelays[q] < 0) throw new Error(`idelays[${q}] = ${idelays[q]}: delays must be ≥ 0`);
    H = Math.max(H, idelays[q] + 1);
  }
  return { idelays, H };
}

/**
 * The noise gain √(2·nsig) per state variable and node (TVB's convention), from nsig given once, per state
 * variable or per state variable × node; with `regions` (a surface) also per region through the mapping, per node,
 * or per state variable × region, in that order of precedence.
 */
export function noiseGain(nsig: number | ArrayLike<number>, nsv: number, N: number, regions?: { R: number; map: ArrayLike<number> }): Float64Array {
  const ns = typeof nsig === 'number' ? [nsig] : Array.from(nsig);
  const gain = new Float64Array(nsv * N);
  for (let k = 0; k < nsv; k++) {
    for (let n = 0; n < N; n++) {
      let v: number;
      if (ns.length === 1) v = ns[0];
      else if (ns.length === nsv) v = ns[k];
      else if (regions && ns.length === regions.R) v = ns[regions.map[n]];
      else if (regions && ns.length === N) v = ns[n];
      else if (regions && ns.length === nsv * regions.R) v = ns[k * regions.R + regions.map[n]];
      else if (ns.length === nsv * N) v = ns[k * N + n];
      else if (regions) throw new Error(`integrator.noise.nsig: expected 1, ${nsv} (per state variable), ${regions.R} (per region), ${N} (per node), ${nsv * regions.R} or ${nsv * N} values, got ${ns.length}`);
      else throw new Error(`integrator.noise.nsig: expected 1, ${nsv} (one per state variable) or ${nsv * N} (state variable × node) values, got ${ns.length}`);
      if (!(v >= 0)) throw new Error(`integrator.noise.nsig: values must be ≥ 0, got ${v}`);
      gain[k * N + n] = Math.sqrt(2 * v);
    }
  }
  return gain;
}
