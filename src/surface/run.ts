/**
 * Surface runs on the kernel engine: resolve the mesh, region mapping and local connectivity of a
 * SimulationConfig, validate everything before any work, generate the surface program
 * (./program.ts) and run it. Semantics: see ./program.ts and README "Cortical surface runs".
 */
import { availableParallelism } from 'node:os';
import { releaseWorker, rngModuleUrl, takeWorker } from '../engine/kernel/workers.js';
import { getModel } from '../models/catalogue.js';
import { parseModel } from '../models/check.js';
import { getCoupling } from '../coupling/catalogue.js';
import { resolveParam, type ParamValue, type ResolvedParam } from '../engine/params.js';
import { emitMonitor, type MonitorSpec } from '../observation/registry.js';
import { RandomState } from '../random/index.js';
import { Connectivity } from '../network/connectivity.js';
import { readRegionMapping, readTvbSurfaceZip, type Surface } from '../network/surface.js';
import { syntheticConnectome } from '../network/synthetic.js';
import { equationSource, getEquation, resolveParameters } from '../equations/index.js';
import { parseExpr, substitute, toJs, CONSTANTS, type Expr } from '../expr/index.js';
import type { SimulationConfig } from '../simulation/config.js';
import { DivergenceError, SimulationResult, type MonitorOutput } from '../results/simulation.js';
import { checkCsr, csrScaleRows, type CsrMatrix } from './sparse.js';
import { readSparseMat } from './mat.js';
import { localConnectivity as computeLocalConnectivity, type LocalConnectivitySpec } from './local-connectivity.js';
import { delayTable, noiseGain, stateBoundaries, stepWindow } from '../plan/build.js';
import { extractLocalCoupling, generateSurfaceProgram, type SurfacePlan } from './program.js';
import { generateSurfaceWasm, pairEll, weightedEll } from './wasm.js';

/** The geometry a surface result carries. */
export interface SurfaceGeometry {
  vertices: Float64Array;
  triangles: Int32Array;
  regionMapping: Int32Array;
  /** Labels of the connectivity's regions (the mapping's targets). */
  regionLabels?: string[];
}

export interface PreparedSurfaceRun {
  plan: SurfacePlan;
  source: string;
  data: Record<string, Float64Array | Int32Array | Uint8Array>;
  /** (B, H, ncv, R, M) region history and (B, nsv, N, M) state. */
  history: Float64Array;
  state: Float64Array;
  seeds: number[];
  s0: number;
  nSteps: number;
  transientSteps: number;
  conn: Connectivity;
  geometry: SurfaceGeometry;
  /** Node → region (vertices first, then the regions the mapping leaves out). */
  regmap: Int32Array;
  stateVariables: string[];
  voiNames: string[];
  integratorName: string;
}

const SCHEMES: Record<string, SurfacePlan['scheme']> = {
  euler: 'euler', eulerdeterministic: 'euler', eulerstochastic: 'euler',
  heun: 'heun', heundeterministic: 'heun', heunstochastic: 'heun',
  rk4: 'rk4', rungekutta4thorderdeterministic: 'rk4',
};

function loadSurface(s: NonNullable<SimulationConfig['surface']>): Surface {
  return typeof s === 'string' ? readTvbSurfaceZip(s) : s;
}

/** Mesh and mapping checks, and the node → region map with TVB's unmapped regions appended. */
export function surfaceNodes(surface: Surface, mapping: ArrayLike<number>, R: number, what = 'regionMapping'): Int32Array {
  const V = surface.vertices.length / 3;
  if (mapping.length !== V) throw new Error(`${what}: ${mapping.length} region indices for a surface of ${V} vertices; expected one per vertex`);
  const seen = new Uint8Array(R);
  for (let v = 0; v < V; v++) {
    const r = mapping[v];
    if (!Number.isInteger(r) || r < 0 || r >= R) throw new Error(`${what}: entry ${v} is ${r}, not a region index of the connectivity (0..${R - 1})`);
    seen[r] = 1;
  }
  // TVB (Cortex.region_mapping): regions no vertex maps to become extra nodes after the vertices
  const unmapped: number[] = [];
  for (let r = 0; r < R; r++) if (!seen[r]) unmapped.push(r);
  return Int32Array.from([...Array.from(mapping), ...unmapped]);
}

function loadLocalConnectivity(cfg: SimulationConfig, surface: Surface, N: number): CsrMatrix | null {
  const V = surface.vertices.length / 3;
  const lcSrc = cfg.localConnectivity;
  if (lcSrc === undefined) {
    if (cfg.localCoupling !== undefined) throw new Error('localCoupling: a local coupling strength was given but no localConnectivity (a .mat file, a CSR matrix or a geodesic kernel spec)');
    return null;
  }
  let A: CsrMatrix;
  if (typeof lcSrc === 'string') A = readSparseMat(lcSrc);
  else if ('rowPtr' in lcSrc) A = lcSrc;
  else A = computeLocalConnectivity(surface, lcSrc as LocalConnectivitySpec);
  checkCsr(A, V, V, `localConnectivity${typeof lcSrc === 'string' ? ` (${lcSrc})` : ''}`);
  const strength = cfg.localCoupling ?? 1;
  if (typeof strength !== 'number' && strength.length !== V && strength.length !== 1) {
    throw new Error(`localCoupling: expected one value or ${V} (one per vertex), got ${strength.length}`);
  }
  const s = typeof strength === 'number' ? strength : strength.length === 1 ? strength[0] : strength;
  const scaled = csrScaleRows(A, s);
  // TVB pads the matrix with zero rows/columns for the unmapped regions
  const rowPtr = new Int32Array(N + 1);
  rowPtr.set(scaled.rowPtr);
  rowPtr.fill(scaled.rowPtr[V], V + 1);
  return { ...scaled, rows: N, cols: N, rowPtr };
}

/** Model and coupling parameters: a value, one per region (mapped to nodes, as TVB does), or one per node. */
function nodeParam(name: string, v: ParamValue, regmap: Int32Array, R: number, batch: ArrayLike<ParamValue> | undefined, B: number): ResolvedParam {
  const N = regmap.length;
  const toNodes = (x: ParamValue): ParamValue => {
    if (typeof x === 'number' || typeof x === 'boolean') return x;
    if (x.length === R && R !== N) return Float64Array.from(regmap, (r) => x[r]);
    return x;
  };
  return resolveParam(name, toNodes(v), batch ? Array.from(batch as ArrayLike<ParamValue>, toNodes) : undefined, N, B);
}

function temporalJs(t: NonNullable<SimulationConfig['stimulus']>['temporal']): { js: string; decl?: string } {
  if ('equation' in t) {
    const spec = getEquation(t.equation);
    if (spec.timeUnit === 's' || spec.normalize) throw new Error(`stimulus.temporal.equation: '${spec.name}' is a haemodynamic kernel, not a stimulus time course`);
    return { js: 'stimF(t)', decl: `const stimF = (function () { ${equationSource(spec, resolveParameters(spec, t.parameters ?? {}))} })();` };
  }
  const e = parseExpr(t.expression, { field: 'stimulus.temporal.expression' });
  return { js: toJs(e, (name) => {
    if (name === 't') return 't';
    if (name in CONSTANTS) return String(CONSTANTS[name]);
    throw new Error(`stimulus.temporal.expression: unknown name '${name}'; only t (ms) is available`);
  }) };
}

/** Validate and lay out a surface run (nothing is integrated). */
export function prepareSurfaceRun(cfg: SimulationConfig): PreparedSurfaceRun {
  if (!cfg.surface) throw new Error('surface: no surface given');
  if (cfg.regionMapping === undefined) throw new Error('regionMapping: a surface run needs a region mapping (one region index per vertex)');
  let spec = getModel(cfg.model);
  if (cfg.variablesOfInterest) spec = { ...spec, variables_of_interest: cfg.variablesOfInterest };
  const integ = cfg.integrator;
  if (!integ || !(integ.dt > 0) || !Number.isFinite(integ.dt)) throw new Error(`integrator.dt: expected a positive number of ms, got ${integ?.dt}`);
  if (!(cfg.duration > 0) || !Number.isFinite(cfg.duration)) throw new Error(`duration: expected a positive number of ms, got ${cfg.duration}`);
  const scheme = SCHEMES[(integ.name ?? 'Heun').toLowerCase()];
  if (!scheme) throw new Error(`integrator.name: unknown integrator '${integ.name}'; expected one of: Euler, Heun, RK4`);
  if (integ.noise && ((integ.noise.ntau ?? 0) > 0 || integ.noise.kind === 'multiplicative')) {
    throw new Error('integrator.noise: surface runs support additive white noise (ntau 0) only');
  }
  const dt = integ.dt;
  const conn = cfg.connectivity ?? syntheticConnectome();
  const R = conn.n;
  const surface = loadSurface(cfg.surface);
  const mapping = typeof cfg.regionMapping === 'string' ? readRegionMapping(cfg.regionMapping) : cfg.regionMapping;
  const regmap = surfaceNodes(surface, mapping, R, typeof cfg.regionMapping === 'string' ? `regionMapping (${cfg.regionMapping})` : 'regionMapping');
  const V = surface.vertices.length / 3;
  const N = regmap.length;
  const lc = loadLocalConnectivity(cfg, surface, N);
  const M = spec.modes ?? 1;
  const svs = Object.keys(spec.state_variables);
  const nsv = svs.length;
  const coupling = getCoupling(cfg.coupling ?? 'Linear');
  if (coupling.links === 'tvb-presigmoidal') throw new Error(`coupling: ${coupling.name} is not supported on surfaces (TVB's PreSigmoidal gathers node-level efferents)`);

  // the model with its local-coupling products named
  const parsed0 = parseModel(spec);
  const { parsed, terms } = extractLocalCoupling(parsed0, spec.name);

  // delays between regions
  const { idelays, H } = delayTable(cfg, conn, dt);

  // parameters (batch entries as in region runs)
  let B = 1;
  const batchModel: Record<string, ArrayLike<ParamValue>> = {};
  const batchCoupling: Record<string, ArrayLike<ParamValue>> = {};
  for (const [key, vals] of Object.entries(cfg.batch ?? {})) {
    const isC = key.startsWith('coupling.');
    const k = isC ? key.slice(9) : key.startsWith('model.') ? key.slice(6) : key;
    const known = isC ? Object.keys(coupling.parameters) : Object.keys(spec.parameters);
    if (!known.includes(k)) throw new Error(`batch: unknown ${isC ? 'coupling' : 'model'} parameter '${k}'; expected one of: ${known.join(', ')}`);
    if (B !== 1 && vals.length !== B) throw new Error(`batch: '${key}' has ${vals.length} values but another entry has ${B}`);
    B = Math.max(B, vals.length);
    (isC ? batchCoupling : batchModel)[k] = vals;
  }
  for (const k of Object.keys(cfg.parameters ?? {})) {
    if (!(k in spec.parameters)) throw new Error(`parameters: unknown parameter '${k}' of model ${spec.name}; expected one of: ${Object.keys(spec.parameters).join(', ')}`);
  }
  if (parsed.derived.length) throw new Error(`model ${spec.name}: configure-time derived parameters are not supported on surfaces yet`);
  const modelParams: Record<string, ResolvedParam> = {};
  for (const [k, ps] of Object.entries(spec.parameters)) modelParams[k] = nodeParam(k, cfg.parameters?.[k] ?? (ps.default as ParamValue), regmap, R, batchModel[k], B);
  const couplingParams: Record<string, ResolvedParam> = {};
  for (const [k, ps] of Object.entries(coupling.parameters)) {
    couplingParams[k] = resolveParam(`coupling.${k}`, cfg.couplingParameters?.[k] ?? (ps.default as ParamValue), batchCoupling[k], R, B);
  }
  for (const k of Object.keys(cfg.couplingParameters ?? {})) {
    if (!(k in coupling.parameters)) throw new Error(`couplingParameters: unknown parameter '${k}' of coupling ${coupling.name}; expected one of: ${Object.keys(coupling.parameters).join(', ')}`);
  }
  const boundaries = stateBoundaries(spec);

  const { nSteps, transientSteps, s0, sFirst, sLast } = stepWindow(cfg, dt, H);

  // monitors: the node axis is every vertex (and unmapped region); SpatialAverage defaults to the mapping
  const voiRows = parsed.vois.map((e) => (e.kind === 'sym' ? svs.indexOf(e.name) : -1));
  const voiState = voiRows.every((r) => r >= 0) ? voiRows : undefined;
  const monitors = (cfg.monitors ?? [{ name: 'Raw' } as MonitorSpec]).map((m, k) => {
    if (m.name === 'AfferentCoupling') throw new Error('monitors: AfferentCoupling is not available on surface runs');
    const mm = m.name === 'SpatialAverage' && !m.mask ? { ...m, mask: regmap } : m;
    return emitMonitor(mm, k, { N, M, dt, nvoi: parsed.vois.length, ncv: spec.cvar.length, sFirst, sLast, voiState });
  });
  const data: Record<string, Float64Array | Int32Array | Uint8Array> = {};
  for (const m of monitors) Object.assign(data, m.data);

  // region links (CSR by target), weights as used
  const f32 = cfg.historyPrecision === 'float32';
  const ptr = new Int32Array(R + 1);
  const src: number[] = [], del: number[] = [], w: number[] = [];
  for (let i = 0; i < R; i++) {
    for (let j = 0; j < R; j++) {
      const x = conn.weights[i * R + j];
      if (x !== 0) { src.push(j); del.push(idelays[i * R + j]); w.push(f32 ? Math.fround(x) : x); }
    }
    ptr[i + 1] = src.length;
  }
  const regCount = new Float64Array(R);
  for (const r of regmap) regCount[r]++;
  const fusedLc = !!lc && terms.every((e) => e.kind === 'sym' && svs.includes(e.name));
  const rowScale = fusedLc ? rowConstant(lc!) : undefined;
  const ell = fusedLc ? splitEll(lc!) : { width: 0, col: new Int32Array(0), val: new Float64Array(0), rest: lc ?? { rowPtr: new Int32Array(N + 1), colIndex: new Int32Array(0), values: new Float64Array(0) } };
  Object.assign(data, {
    lnkPtr: ptr, lnkSrc: Int32Array.from(src), lnkDelay: Int32Array.from(del), lnkW: Float64Array.from(w),
    regmap, regCount,
    lcRowPtr: ell.rest.rowPtr, lcCol: ell.rest.colIndex, lcVal: ell.rest.values, lcEllCol: ell.col, lcEllVal: ell.val,
    lcScale: rowScale?.scale ?? new Float64Array(0), lcPad: rowScale?.pad ?? new Float64Array(0),
  });
  for (const [k, p] of Object.entries(modelParams)) data[`mp_${k}`] = p.data;
  for (const [k, p] of Object.entries(couplingParams)) data[`cp_${k}`] = p.data;

  // noise: TVB maps per-region nsig through the region mapping
  const seeds: number[] = [];
  if (integ.noise) {
    const gain = noiseGain(integ.noise.nsig, nsv, N, { R, map: regmap });
    for (let b = 0; b < B; b++) seeds.push((integ.noise.seed ?? 42) + b);
    data.noiseGain = gain;
  }

  // stimulus: one weight per vertex/node, or per region (mapped, as TVB's StimuliRegion on a surface)
  let stimulus: SurfacePlan['stimulus'];
  if (cfg.stimulus) {
    const st = cfg.stimulus;
    const wts = st.weights;
    let nodeW: Float64Array;
    if (wts.length === N) nodeW = Float64Array.from(wts);
    else if (wts.length === V) { nodeW = new Float64Array(N); nodeW.set(Float64Array.from(wts)); }
    else if (wts.length === R) nodeW = Float64Array.from(regmap, (r) => wts[r]);
    else throw new Error(`stimulus.weights: expected ${V} (per vertex), ${N} (per node) or ${R} (per region) values, got ${wts.length}`);
    const vars = (st.variables ?? spec.stvar ?? spec.cvar).map((v) => {
      const k = svs.indexOf(v);
      if (k < 0) throw new Error(`stimulus.variables: '${v}' is not a state variable of ${spec.name}; expected one of ${svs.join(', ')}`);
      return k;
    });
    const tj = temporalJs(st.temporal);
    stimulus = { temporalJs: tj.js, temporalDecl: tj.decl, variables: vars };
    data.stimW = nodeW;
  }

  const { history, state } = surfaceInitialConditions(cfg, spec, svs, regmap, R, H, M, B, boundaries);
  const plan: SurfacePlan = {
    N, R, M, B, H, dt, spec, parsed, modelParams, coupling, couplingParams, scheme, boundaries,
    lcTerms: lc ? terms : [], noise: !!integ.noise, stimulus, monitors, float32History: f32, ellWidth: ell.width, ellRowScale: !!rowScale && ell.width > 0,
  };
  // without a local connectivity the local-coupling terms are zero
  const planned = lc ? plan : { ...plan, parsed: zeroLc(plan.parsed) };
  if (cfg.kernel !== 'js') {
    // the WebAssembly step's own layouts: region byte offsets, the ELL part paired per vertex pair
    // (local-coupling terms that are expressions: the weighted ELL of the whole matrix)
    const wl = lc && !fusedLc ? weightedEll(lc.rowPtr, lc.colIndex, lc.values, N) : null;
    const e = wl ?? { width: plan.ellWidth, col: ell.col, val: plan.ellRowScale ? new Float64Array(0) : ell.val, rest: ell.rest };
    const pe = pairEll(N, e.width, e.col, e.val, e.rest.rowPtr);
    const wdata: Record<string, Float64Array | Int32Array> = {
      regOff: Int32Array.from(regmap, (r) => 8 * r), lcPairOff: pe.off, lcPairVal: pe.val, lcSpecial: pe.special,
      lcScale: data.lcScale as Float64Array, lcPad: data.lcPad as Float64Array, lcRowPtr: e.rest.rowPtr, lcCol: e.rest.colIndex, lcVal: e.rest.values,
    };
    for (const k of ['noiseGain', 'stimW']) if (data[k]) wdata[k] = data[k] as Float64Array;
    for (const [k, p] of Object.entries(modelParams)) if (p.kind !== 'scalar') wdata[`mp_${k}`] = p.data;
    const bytes = Object.fromEntries(Object.entries(wdata).map(([k, x]) => [k, x.byteLength]));
    const wasm = generateSurfaceWasm(planned, monitors.filter((m) => m.stateSum).map((m) => ({ acc: m.stateSum!.acc, rows: m.stateSum!.rows })), bytes, wl?.width ?? 0);
    if (wasm) {
      for (const [k, x] of Object.entries(wdata)) data[`w_${k}`] = x;
      data.wasm = wasm.bytes;
      plan.wasm = { layout: wasm.layout, pages: wasm.pages, sumStep: wasm.sumStep };
      planned.wasm = plan.wasm;
    }
  }
  const source = generateSurfaceProgram(planned);
  return {
    plan, source, data, history, state, seeds, s0, nSteps, transientSteps, conn,
    geometry: { vertices: surface.vertices, triangles: surface.triangles, regionMapping: Int32Array.from(mapping), regionLabels: [...conn.labels] },
    regmap, stateVariables: svs, voiNames: spec.variables_of_interest.map(String),
    integratorName: `${scheme === 'rk4' ? 'RK4' : scheme === 'euler' ? 'Euler' : 'Heun'}${integ.noise ? 'Stochastic' : 'Deterministic'}`,
  };
}

/** When every row holds one weight (a neighbour average): that weight per row, and the ELL padding count. */
function rowConstant(A: CsrMatrix): { scale: Float64Array; pad: Float64Array } | undefined {
  const { width } = splitEllWidth(A);
  const scale = new Float64Array(A.rows), pad = new Float64Array(A.rows);
  for (let i = 0; i < A.rows; i++) {
    const k0 = A.rowPtr[i], k1 = A.rowPtr[i + 1];
    for (let k = k0 + 1; k < k1; k++) if (A.values[k] !== A.values[k0]) return undefined;
    scale[i] = k1 > k0 ? A.values[k0] : 0;
    pad[i] = Math.max(0, width - (k1 - k0));
  }
  return { scale, pad };
}

function splitEllWidth(A: CsrMatrix): { width: number } {
  const n = A.rows;
  const lens = Array.from({ length: n }, (_, i) => A.rowPtr[i + 1] - A.rowPtr[i]).sort((a, b) => a - b);
  return { width: Math.min(16, lens[Math.min(n - 1, Math.floor(0.99 * n))] ?? 0) };
}

/**
 * ELL + CSR split of a sparse matrix: the first W entries of every row (W covers 99 % of the rows;
 * shorter rows padded with weight 0 on their own vertex) and a CSR of the entries beyond W.
 */
export function splitEll(A: CsrMatrix): { width: number; col: Int32Array; val: Float64Array; rest: CsrMatrix } {
  const n = A.rows;
  const { width } = splitEllWidth(A);
  const col = new Int32Array(n * width), val = new Float64Array(n * width);
  const rowPtr = new Int32Array(n + 1);
  const rc: number[] = [], rv: number[] = [];
  for (let i = 0; i < n; i++) {
    let w = 0;
    for (let k = A.rowPtr[i]; k < A.rowPtr[i + 1]; k++, w++) {
      if (w < width) { col[i * width + w] = A.colIndex[k]; val[i * width + w] = A.values[k]; }
      else { rc.push(A.colIndex[k]); rv.push(A.values[k]); }
    }
    for (; w < width; w++) col[i * width + w] = i;
    rowPtr[i + 1] = rc.length;
  }
  return { width, col, val, rest: { rows: n, cols: A.cols, rowPtr, colIndex: Int32Array.from(rc), values: Float64Array.from(rv) } };
}

/** Local-coupling products replaced by 0 (no local connectivity). */
function zeroLc(p: SurfacePlan['parsed']): SurfacePlan['parsed'] {
  const z = (e: Expr) => substitute(e, (name) => (/^__lc\d+$/.test(name) ? { kind: 'num', value: 0, pos: e.pos } : undefined));
  return { ...p, auxiliaries: p.auxiliaries.map(([n, e]) => [n, z(e)]), equations: p.equations.map(([n, e]) => [n, z(e)]) };
}

/**
 * Region history (B, H, ncv, R, M) and node state (B, nsv, N, M). Given: `history` region-level
 * (H·nsv·R·M, or one region state) with `state`; or node-level (H·nsv·N·M, TVB's initial_conditions:
 * region means per step, last step = state). Default (TVB's model.initial): uniform in each
 * variable's range, independently per history step and node, drawn variable by variable
 * (all H·N·M values of one variable, then the next) from numpy's generator seeded `seed` (42).
 */
function surfaceInitialConditions(cfg: SimulationConfig, spec: ReturnType<typeof getModel>, svs: string[], regmap: Int32Array, R: number, H: number, M: number, B: number, bounds: ([number, number] | null)[]) {
  const N = regmap.length;
  const nsv = svs.length;
  const cvar = spec.cvar.map((n) => svs.indexOf(n));
  const ncv = cvar.length;
  const counts = new Float64Array(R);
  for (const r of regmap) counts[r]++;
  const regionMean = (src: ArrayLike<number>, off: number, out: Float64Array, outOff: number) => {
    // src (N*M) at off → out (R*M) at outOff; summed in node order, then divided (TVB's add.at / bincount)
    const sum = new Float64Array(R * M);
    for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) sum[regmap[n] * M + m] += src[off + n * M + m];
    for (let r = 0; r < R; r++) for (let m = 0; m < M; m++) out[outOff + r * M + m] = sum[r * M + m] / counts[r];
  };
  const hist1 = new Float64Array(H * ncv * R * M);
  const state1 = new Float64Array(nsv * N * M);
  const ic = cfg.initialConditions;
  const clampAll = (arr: Float64Array, rows: number[], width: number, steps: number) => {
    for (let t = 0; t < steps; t++) rows.forEach((sv, c) => {
      const bd = bounds[sv];
      if (!bd) return;
      const o = (t * rows.length + c) * width;
      for (let q = 0; q < width; q++) arr[o + q] = Math.min(Math.max(arr[o + q], bd[0]), bd[1]);
    });
  };
  if (ic?.history || ic?.state) {
    const h = ic.history;
    if (h && h.length === H * nsv * N * M) {
      for (let t = 0; t < H; t++) cvar.forEach((sv, c) => regionMean(h, (t * nsv + sv) * N * M, hist1, (t * ncv + c) * R * M));
      state1.set(Array.from({ length: nsv * N * M }, (_, q) => h[(H - 1) * nsv * N * M + q]));
    } else {
      if (!ic.state) throw new Error(`initialConditions.state: a surface run given a region-level history also needs the node state (${nsv}x${N}x${M} values)`);
      if (ic.state.length !== nsv * N * M) throw new Error(`initialConditions.state: expected ${nsv}x${N}x${M} = ${nsv * N * M} values (state variables × nodes × modes), got ${ic.state.length}`);
      state1.set(Float64Array.from(ic.state));
      if (!h) {
        for (let t = 0; t < H; t++) cvar.forEach((sv, c) => regionMean(state1, sv * N * M, hist1, (t * ncv + c) * R * M));
      } else if (h.length === H * nsv * R * M || h.length === nsv * R * M) {
        const steps = h.length === nsv * R * M ? 1 : H;
        for (let t = 0; t < H; t++) cvar.forEach((sv, c) => {
          const o = ((steps === 1 ? 0 : t) * nsv + sv) * R * M;
          for (let q = 0; q < R * M; q++) hist1[(t * ncv + c) * R * M + q] = h[o + q];
        });
      } else {
        throw new Error(`initialConditions.history: expected ${H}x${nsv}x${R}x${M} (horizon × state variables × regions × modes), ${nsv * R * M} (one region state) or ${H * nsv * N * M} (horizon × nodes) values, got ${h.length}`);
      }
    }
  } else {
    const rng = new RandomState(ic?.seed ?? 42);
    const row = new Float64Array(N * M);
    for (let k = 0; k < nsv; k++) {
      const [lo, hi] = spec.state_variables[svs[k]].range;
      const c = cvar.indexOf(k);
      for (let t = 0; t < H; t++) {
        if (c < 0 && t < H - 1) { rng.skipUniform(N * M); continue; }
        rng.fillUniformAt(row, 0, N * M, lo, hi);
        if (c >= 0) regionMean(row, 0, hist1, (t * ncv + c) * R * M);
        if (t === H - 1) state1.set(row, k * N * M);
      }
    }
  }
  clampAll(hist1, cvar, R * M, H);
  clampAll(state1, svs.map((_, k) => k), N * M, 1);
  const f32 = cfg.historyPrecision === 'float32';
  if (f32) for (let q = 0; q < hist1.length; q++) hist1[q] = Math.fround(hist1[q]);
  const history = new Float64Array(B * hist1.length);
  const state = new Float64Array(B * state1.length);
  for (let b = 0; b < B; b++) { history.set(hist1, b * hist1.length); state.set(state1, b * state1.length); }
  return { history, state };
}

const programCache = new Map<string, Function>();
/** Compiled WebAssembly steps by their bytes (cached with the plan, so repeated runs reuse the tiered-up code). */
const moduleCache = new WeakMap<Uint8Array, WebAssembly.Module>();

/** Run a surface simulation in this thread. */
export function simulateSurface(cfg: SimulationConfig): SimulationResult {
  const prep = prepareSurfaceRun(cfg);
  return runPreparedSurface(prep, cfg.onProgress);
}

export function runPreparedSurface(prep: PreparedSurfaceRun, onProgress?: (done: number, total: number) => void): SimulationResult {
  let f = programCache.get(prep.source);
  if (!f) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    f = new Function('ctx', prep.source);
    if (programCache.size >= 8) programCache.delete(programCache.keys().next().value as string);
    programCache.set(prep.source, f);
  }
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const bytes = prep.data.wasm as Uint8Array<ArrayBuffer> | undefined;
  let wasmModule = bytes && moduleCache.get(bytes);
  if (bytes && !wasmModule) { wasmModule = new WebAssembly.Module(bytes); moduleCache.set(bytes, wasmModule); }
  const prog = f({ P: prep.data, B: prep.plan.B, history: prep.history, state: prep.state, seeds: prep.seeds, Rng: RandomState, batchOffset: 0, wasmModule }) as {
    run: (s0: number, n: number, record: boolean, stimStart: number, cb?: (d: number) => void) => void;
    results: () => { time: Float64Array; data: Float64Array }[];
    state: Float64Array;
  };
  const total = prep.transientSteps + prep.nSteps;
  try {
    if (prep.transientSteps) prog.run(prep.s0, prep.transientSteps, false, prep.s0, onProgress && ((d) => onProgress(d, total)));
    prog.run(prep.s0 + prep.transientSteps, prep.nSteps, true, prep.s0, onProgress && ((d) => onProgress(prep.transientSteps + d, total)));
  } catch (e) {
    const d = (e as { divergence?: { step: number; batch: number; variable: number; node: number; mode: number; value: number } }).divergence;
    if (d) {
      throw new DivergenceError({
        step: d.step, time: d.step * prep.plan.dt, batch: d.batch, variable: d.variable >= 0 ? prep.stateVariables[d.variable] : '?',
        node: d.node, nodeLabel: nodeLabel(d.node, prep), mode: d.mode, value: d.value,
      });
    }
    throw e;
  }
  const c1 = process.cpuUsage(c0);
  const res = assembleSurface(prep, prog.results(), prog.state, (performance.now() - t0) / 1000);
  res.info.runCpuSeconds = (c1.user + c1.system) / 1e6;
  return res;
}

function assembleSurface(prep: PreparedSurfaceRun, outs: { time: Float64Array; data: Float64Array }[], finalState: Float64Array, wall: number): SimulationResult {
  const B = prep.plan.B;
  const mons: MonitorOutput[] = prep.plan.monitors.map((m, i) => {
    const [V, Nn, M] = m.sampleShape;
    return {
      name: m.name, period: m.period, time: outs[i].time, data: outs[i].data.subarray(0, B * m.nSamples * V * Nn * M),
      shape: [B, m.nSamples, V, Nn, M], variables: m.voi.map((v) => prep.voiNames[v]),
    };
  });
  const parameters: Record<string, number | number[]> = {};
  for (const [k, p] of Object.entries(prep.plan.modelParams)) parameters[k] = p.data.length === 1 ? p.data[0] : Array.from(p.data);
  for (const [k, p] of Object.entries(prep.plan.couplingParams)) parameters[`coupling.${k}`] = p.data.length === 1 ? p.data[0] : Array.from(p.data);
  const res = new SimulationResult(mons, {
    model: prep.plan.spec.name, coupling: prep.plan.coupling.name, integrator: prep.integratorName, dt: prep.plan.dt,
    nSteps: prep.nSteps, transientSteps: prep.transientSteps, horizon: prep.plan.H, batchSize: B,
    nodeLabels: Array.from({ length: prep.plan.N }, (_, n) => nodeLabel(n, prep)),
    connectivity: prep.conn.name, wallSeconds: wall, kernel: 'js',
    finalState, stateVariables: prep.stateVariables, parameters,
  });
  res.surface = prep.geometry;
  return res;
}

/** Vertices are labelled v<index>; unmapped regions keep their region label. */
function nodeLabel(n: number, prep: PreparedSurfaceRun): string {
  const V = prep.geometry.regionMapping.length;
  return n < V ? `v${n}` : prep.conn.labels[prep.regmap[n]] ?? `r${prep.regmap[n]}`;
}

/** Batch elements [b0, b1) of a prepared run as a stand-alone program context. */
function sliceSurface(prep: PreparedSurfaceRun, b0: number, b1: number) {
  const { plan } = prep;
  const P: Record<string, Float64Array | Int32Array | Uint8Array> = { ...prep.data };
  const cut = (arr: Float64Array, kind: string) => (kind === 'batch' ? arr.slice(b0, b1) : kind === 'batchnode' ? arr.slice(b0 * plan.N, b1 * plan.N) : arr);
  for (const [k, p] of Object.entries(plan.modelParams)) {
    P[`mp_${k}`] = cut(p.data, p.kind);
    if (P[`w_mp_${k}`]) P[`w_mp_${k}`] = P[`mp_${k}`];
  }
  // coupling parameters are per region
  for (const [k, p] of Object.entries(plan.couplingParams)) P[`cp_${k}`] = p.kind === 'batch' ? p.data.slice(b0, b1) : p.kind === 'batchnode' ? p.data.slice(b0 * plan.R, b1 * plan.R) : p.data;
  const hs = prep.history.length / plan.B, ss = prep.state.length / plan.B;
  return { P, B: b1 - b0, batchOffset: b0, history: prep.history.slice(b0 * hs, b1 * hs), state: prep.state.slice(b0 * ss, b1 * ss), seeds: prep.seeds.slice(b0, b1) };
}

/**
 * Run a surface simulation; a batch (cfg.batch) is split over worker threads (cfg.threads, default
 * all cores), each running the same generated program on its share of the batch elements.
 */
export async function simulateSurfaceAsync(cfg: SimulationConfig): Promise<SimulationResult> {
  const prep = prepareSurfaceRun(cfg);
  const B = prep.plan.B;
  const threads = Math.min(cfg.threads ?? availableParallelism(), B);
  const rng = rngModuleUrl();
  if (B < 2 || threads < 2 || (prep.plan.noise && !rng)) return runPreparedSurface(prep, cfg.onProgress);
  const t0 = performance.now();
  const bounds = Array.from({ length: threads + 1 }, (_, k) => Math.round((k * B) / threads));
  const done = new Array(threads).fill(0);
  const total = prep.transientSteps + prep.nSteps;
  const parts = await Promise.all(bounds.slice(0, -1).map((b0, k) => new Promise<{ outputs: { time: Float64Array; data: Float64Array }[]; state: Float64Array }>((res, rej) => {
    // the region engine's workers run any program with this interface (run, results, state)
    const w = takeWorker();
    w.on('message', (m) => {
      if (m.progress !== undefined) { done[k] = m.progress; cfg.onProgress?.(Math.min(...done), total); return; }
      releaseWorker(w);
      if (m.error) {
        const d = m.divergence;
        rej(d ? new DivergenceError({ step: d.step, time: d.step * prep.plan.dt, batch: d.batch, variable: d.variable >= 0 ? prep.stateVariables[d.variable] : '?', node: d.node, nodeLabel: nodeLabel(d.node, prep), mode: d.mode, value: d.value }) : new Error(`surface worker failed: ${m.error}`));
      } else res(m);
    });
    w.on('error', (e) => { w.removeAllListeners(); void w.terminate(); rej(e); });
    w.postMessage({ ctx: sliceSurface(prep, b0, bounds[k + 1]), source: prep.source, rng: prep.plan.noise ? rng : undefined, s0: prep.s0, transientSteps: prep.transientSteps, nSteps: prep.nSteps });
  })));
  const cat = (arrs: Float64Array[]) => {
    const out = new Float64Array(arrs.reduce((a, x) => a + x.length, 0));
    let o = 0;
    for (const x of arrs) { out.set(x, o); o += x.length; }
    return out;
  };
  const outputs = prep.plan.monitors.map((m, i) => {
    const per = m.nSamples * m.sampleShape[0] * m.sampleShape[1] * m.sampleShape[2];
    return { time: parts[0].outputs[i].time, data: cat(parts.map((p, k) => p.outputs[i].data.subarray(0, (bounds[k + 1] - bounds[k]) * per))) };
  });
  return assembleSurface(prep, outputs, cat(parts.map((p) => p.state)), (performance.now() - t0) / 1000);
}
