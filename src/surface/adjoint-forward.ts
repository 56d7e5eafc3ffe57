/**
 * The surface adjoint's forward step on the surface engine's WebAssembly step (./wasm.ts): the
 * first sweep that stores the checkpoints and the per-segment recomputation in reverse. The module
 * is generated for the adjoint's own local-coupling layout: the unscaled matrix's ELL with each
 * row's weights times that vertex's strength (the strength is a parameter here, so its values are
 * data, rebuilt at every forward), plain weights (no row-constant shortcut), the CSR rest likewise.
 * The step reads the state of one slot, the step's region coupling and noise draws, and writes the
 * next slot and the region means of the history, as the generated JS step does; its numbers differ
 * from that step's only by rounding (the strength multiplies each weight instead of the sum).
 */
import type { CsrMatrix } from './sparse.js';
import type { SurfacePlan } from './program.js';
import { generateSurfaceWasm, pairEll } from './wasm.js';

export interface WasmSurfaceStep {
  /** Slot yo of X from slot xo, coupling C[ci …], noise NZ[zi …]; region means into HX[hw …]; returns the state sum. */
  step(X: Float64Array, xo: number, yo: number, C: Float64Array, ci: number, NZ: Float64Array, zi: number, HX: Float64Array, hw: number, stimT: number): number;
}

interface Ell { width: number; col: ArrayLike<number>; val: Float64Array; rest: CsrMatrix }

const modules = new Map<Uint8Array, WebAssembly.Module>();

/**
 * The step for the plan's current parameter values and strengths STR, or null where the engine's
 * module does not cover the plan (modes, RK4, expressions outside the vector emitter).
 */
export function wasmSurfaceStep(plan: SurfacePlan, data: Record<string, unknown>, lc: Ell, STR: Float64Array, regCount: Float64Array, regmap: Int32Array): WasmSurfaceStep | null {
  const { N, M, scheme } = plan;
  if (M !== 1 || plan.B !== 1 || scheme === 'rk4' || typeof WebAssembly === 'undefined') return null;
  const svs = Object.keys(plan.spec.state_variables);
  const nsv = svs.length, SS = nsv * N;
  const ncv = plan.spec.cvar.length, CS = ncv * plan.R;
  const fused = plan.lcTerms.every((e) => e.kind === 'sym' && svs.includes(e.name));
  const W = lc.width;
  const val = Float64Array.from(lc.val, (v, q) => STR[Math.floor(q / Math.max(1, W))] * v);
  const rest = lc.rest;
  const restVal = Float64Array.from(rest.values);
  for (let v = 0; v < N; v++) for (let q = rest.rowPtr[v]; q < rest.rowPtr[v + 1]; q++) restVal[q] = STR[v] * rest.values[q];
  const pe = pairEll(N, W, Int32Array.from(lc.col), val, rest.rowPtr);
  const wdata: Record<string, Float64Array | Int32Array> = {
    regOff: Int32Array.from(regmap, (r) => 8 * r), lcPairOff: pe.off, lcPairVal: pe.val, lcSpecial: pe.special,
    lcScale: new Float64Array(0), lcPad: new Float64Array(0), lcRowPtr: rest.rowPtr, lcCol: rest.colIndex, lcVal: restVal,
  };
  for (const k of ['noiseGain', 'stimW']) if (data[k]) wdata[k] = data[k] as Float64Array;
  for (const [k, p] of Object.entries(plan.modelParams)) if (p.kind !== 'scalar') wdata[`mp_${k}`] = p.data;
  const bytes = Object.fromEntries(Object.entries(wdata).map(([k, x]) => [k, x.byteLength]));
  const lcPlan: SurfacePlan = { ...plan, ellWidth: fused ? W : 0, ellRowScale: false, monitors: [] };
  const gen = generateSurfaceWasm(lcPlan, [], bytes, fused ? 0 : W);
  if (!gen) return null;
  let mod = modules.get(gen.bytes);
  if (!mod) {
    mod = new WebAssembly.Module(gen.bytes);
    if (modules.size >= 8) modules.delete(modules.keys().next().value as Uint8Array);
    modules.set(gen.bytes, mod);
  }
  const mem = new WebAssembly.Memory({ initial: gen.pages });
  for (const [k, x] of Object.entries(wdata)) new (x.constructor as Float64ArrayConstructor)(mem.buffer, gen.layout[k], x.length).set(x as Float64Array);
  const wx = new WebAssembly.Instance(mod, { env: { mem } }).exports as { step: (b: number, stimT: number) => number };
  const view = (k: string, n: number) => new Float64Array(mem.buffer, gen.layout[k], n);
  const state = view('state', SS), pbuf = view('pbuf', SS), cplR = view('cplR', CS), regSum = view('regSum', CS);
  const noise = plan.noise ? view('noise', SS) : null;
  const out = scheme === 'euler' ? pbuf : state;
  const R = plan.R;
  return {
    step(X, xo, yo, C, ci, NZ, zi, HX, hw, stimT) {
      state.set(X.subarray(xo, xo + SS));
      cplR.set(C.subarray(ci, ci + CS));
      if (noise) noise.set(NZ.subarray(zi, zi + SS));
      const chk = wx.step(0, stimT);
      X.set(out, yo);
      for (let q = 0; q < CS; q++) HX[hw + q] = regSum[q] / regCount[q % R];
      regSum.fill(0);
      return chk;
    },
  };
}
