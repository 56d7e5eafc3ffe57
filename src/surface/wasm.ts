/**
 * The surface step in WebAssembly (f64x2 SIMD, two vertices per instruction), generated from the
 * same model ASTs as the JavaScript surface program (./program.ts) and computing the same float64
 * operations in the same order, so a run gives the same numbers bit for bit (the model expressions
 * the vector emitter approximates, exp/log/tanh/sin/cos, excepted: ≤ a few ulp).
 *
 * One exported function per variant, `step(b, stimT) → f64` and, when a monitor sums state rows,
 * `stepSum(b, stimT)` that also adds them: every integrator pass over the surface (Heun: predictor
 * and corrector; Euler: one) with, per vertex pair,
 *   - the local-coupling products from the ELL part of the matrix (column byte offsets and weights
 *     interleaved per vertex pair, so one load serves both lanes) and the few longer rows' remainder
 *     lane by lane;
 *   - the region coupling of each vertex's region, gathered lane by lane through the mapping;
 *   - the model derivative, the stage update with stimulus and noise, the clamps;
 *   - on the last pass: the new state, its region sums (node order, as TVB's add.at) and the
 *     TemporalAverage sums.
 * The JS program keeps the region coupling, the history, noise draws and monitors (all O(regions)
 * or once per sample); its arrays that the step touches are views on the module's memory.
 *
 * Why: the JS step spends its time in the 8-neighbour gather and the model arithmetic of every
 * vertex; two lanes per instruction, byte offsets precomputed and no bounds checks make it ~3× cheaper.
 * Coverage: one mode, Euler or Heun, local-coupling terms that are plain state variables (or none),
 * expressions within the vector emitter. Anything else returns null and the JS step runs.
 */
import { CONSTANTS } from '../expr/index.js';
import { expandModes } from '../engine/kernel/modes.js';
import { Fn, VExpr, Unsupported, vconst, LANE0_MASK, hoistInvariants } from '../engine/wasm/kernel.js';
import { type Bytes, type FuncDef, I, T, V, buildModule, uleb, vmem, vlane } from '../engine/wasm/encoder.js';
import type { SurfacePlan } from './program.js';

export interface SurfaceWasm {
  bytes: Uint8Array<ArrayBuffer>;
  /** Header slot order: the JS program writes each region's byte address at 4·slot. */
  slots: string[];
  /** The module exports stepSum (monitors summing state rows). */
  sumStep: boolean;
}

/** A monitor accumulator the step adds the new state rows to. */
export interface SurfaceStateSum { acc: string; rows: number[] }

const cache = new Map<string, SurfaceWasm | null>();

/** The module for a surface plan, or null when the plan is outside its coverage. */
export function generateSurfaceWasm(plan: SurfacePlan, sums: SurfaceStateSum[]): SurfaceWasm | null {
  const kinds = Object.entries(plan.modelParams).map(([n, p]) => [n, p.kind, p.kind === 'scalar' ? p.data[0] : 0]);
  const key = JSON.stringify([plan.spec, plan.parsed, plan.lcTerms, kinds, plan.N, plan.R, plan.M, plan.dt, plan.scheme, plan.boundaries, plan.noise,
    plan.stimulus?.variables ?? null, plan.ellWidth, plan.ellRowScale, sums], (k, v) => (k === 'pos' ? undefined : v));
  if (cache.has(key)) return cache.get(key)!;
  let out: SurfaceWasm | null;
  try {
    out = build(plan, sums);
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    if (process.env.VBT_WASM_DEBUG) console.error(`surface wasm step not used: ${e.message}`);
    out = null;
  }
  if (cache.size >= 32) cache.delete(cache.keys().next().value as string);
  cache.set(key, out);
  return out;
}

/** v128.load64_lane: (address, vector) → vector with `lane` replaced. */
const SHR_U: Bytes = [0x76];
const I32_EQ: Bytes = [0x46];
const load64Lane = (off: number, lane: number): Bytes => [0xfd, ...uleb(0x57), 3, ...uleb(off), lane];

function build(plan: SurfacePlan, sums: SurfaceStateSum[]): SurfaceWasm {
  const { N, R, M, dt, spec, parsed, scheme } = plan;
  if (M !== 1) throw new Unsupported('modes');
  if (scheme !== 'heun' && scheme !== 'euler') throw new Unsupported(`integrator ${scheme}`);
  const svs = Object.keys(spec.state_variables);
  const nsv = svs.length;
  const svIdx = new Map(svs.map((n, i) => [n, i]));
  const cvar = spec.cvar.map((n) => svIdx.get(n)!);
  const ncv = cvar.length;
  const consts = spec.constants ?? {};
  const auxNames = new Set(parsed.auxiliaries.map(([n]) => n));
  const nLc = plan.lcTerms.length;
  const lcRows = plan.lcTerms.map((e) => (e.kind === 'sym' && svIdx.has(e.name) ? svIdx.get(e.name)! : -1));
  if (lcRows.some((k) => k < 0)) throw new Unsupported('a local-coupling term that is not a state variable');
  const W = plan.ellWidth;
  const rowScale = plan.ellRowScale;
  const SS = nsv * N;
  const stimulated = new Set(plan.stimulus?.variables ?? []);

  const slots = ['state', 'pbuf', 'kbuf', 'regSum', 'cplR', 'regmap', 'lcPairOff', 'lcPairVal', 'lcScale', 'lcPad', 'lcRowPtr', 'lcCol', 'lcVal', 'noise', 'noiseGain', 'stimW'];
  const slotOf = (name: string) => {
    let i = slots.indexOf(name);
    if (i < 0) { slots.push(name); i = slots.length - 1; }
    return i;
  };
  const base = (name: string): Bytes => [...I.i32(0), ...I.i32Load(4 * slotOf(name))];
  for (const s of sums) slotOf(s.acc);
  for (const [k, p] of Object.entries(plan.modelParams)) if (p.kind !== 'scalar') slotOf(`mp_${k}`);

  const exprs = [...parsed.auxiliaries.map(([, e]) => expandModes(e, 0, 1, consts)), ...parsed.equations.map(([, e]) => expandModes(e, 0, 1, consts))];
  const bare = (full: string) => (full.lastIndexOf('@') >= 0 ? full.slice(0, full.lastIndexOf('@')) : full);
  // run-constant names: scalar parameters (literals in the JS program too), number constants
  const invariant = (full: string) => {
    const name = bare(full);
    if (svIdx.has(name) || auxNames.has(name)) return false;
    const p = plan.modelParams[name];
    if (p) return p.kind === 'scalar';
    if (name === 'local_coupling') return true;
    if (/^c_\d+$/.test(name) || /^__lc\d+$/.test(name)) return false;
    if (typeof consts[name] === 'number') return true;
    return name in CONSTANTS;
  };
  const hz = hoistInvariants(exprs, invariant);
  const nAux = parsed.auxiliaries.length;

  const funcs: FuncDef[] = [];
  const emitStep = (fname: string, withSums: boolean) => {
    const fn = new Fn([T.i32, T.f64]); // (b, stimT)
    const b = 0, stimT = 1;
    const vx = new VExpr(fn);
    const o = fn.local(T.i32); // byte offset of node n (n even) in an (N) f64 row
    const sb = fn.local(T.i32), cb = fn.local(T.i32), pb = fn.local(T.i32), kb = fn.local(T.i32), rs = fn.local(T.i32);
    const rm = fn.local(T.i32), po = fn.local(T.i32), pv = fn.local(T.i32), lsc = fn.local(T.i32), lpd = fn.local(T.i32);
    const rp = fn.local(T.i32), lcol = fn.local(T.i32), lval = fn.local(T.i32), nz = fn.local(T.i32), ng = fn.local(T.i32), sw = fn.local(T.i32);
    const r0 = fn.local(T.i32), r1 = fn.local(T.i32), q = fn.local(T.i32), q1 = fn.local(T.i32), sacc = fn.local(T.f64);
    const chk = fn.local(T.v128), tmp = fn.local(T.v128), vStim = fn.local(T.v128), vStimDt = fn.local(T.v128);
    const sumBase = sums.map(() => fn.local(T.i32));
    const prologue: Bytes = [];
    const setBase = (l: number, name: string, stride = 0) => prologue.push(...base(name), ...(stride ? [...I.get(b), ...I.i32(stride), ...I.i32Mul(), ...I.i32Add()] : []), ...I.set(l));
    setBase(sb, 'state', SS * 8);
    setBase(cb, 'cplR', ncv * R * 8);
    setBase(pb, 'pbuf'); setBase(kb, 'kbuf'); setBase(rs, 'regSum'); setBase(rm, 'regmap');
    setBase(lsc, 'lcScale'); setBase(lpd, 'lcPad'); setBase(rp, 'lcRowPtr'); setBase(lcol, 'lcCol'); setBase(lval, 'lcVal');
    setBase(nz, 'noise'); setBase(ng, 'noiseGain'); setBase(sw, 'stimW');
    sums.forEach((s, a) => setBase(sumBase[a], s.acc, s.rows.length * N * 8));
    // stimT, and dt·stimT as the JS program's `dt * stimT * w` groups it
    prologue.push(...I.get(stimT), ...I.v(V.f64x2Splat), ...I.set(vStim));
    prologue.push(...I.f64(dt), ...I.get(stimT), ...I.f64Mul(), ...I.v(V.f64x2Splat), ...I.set(vStimDt));

    // model parameters
    const mpLocal = new Map<string, number>();
    for (const [k, p] of Object.entries(plan.modelParams)) {
      if (p.kind === 'scalar') continue;
      const l = fn.local(p.kind === 'batch' ? T.v128 : T.i32);
      if (p.kind === 'batch') prologue.push(...base(`mp_${k}`), ...I.get(b), ...I.i32(8), ...I.i32Mul(), ...I.i32Add(), ...I.v(V.load64Splat, 3, 0), ...I.set(l));
      else setBase(l, `mp_${k}`, p.kind === 'batchnode' ? N * 8 : 0);
      mpLocal.set(k, l);
    }
    const hoisted = new Map<string, number>();

    const pass = (tail: boolean, inpBase: number, body: (X: number[], d: number[], rn: [number, number]) => Bytes): Bytes => {
      const out: Bytes = [];
      const ld = (addr: number, off: number): Bytes => [...I.get(addr), ...I.get(o), ...I.i32Add(), ...(tail ? vmem(V.load64Zero, off, 3) : vmem(V.load, off))];
      const inp = Array.from({ length: nsv }, () => fn.local(T.v128));
      for (let k = 0; k < nsv; k++) out.push(...ld(inpBase, k * N * 8), ...I.set(inp[k]));
      // region byte offsets of the pair (lane 1 of a tail: unused)
      out.push(...I.get(rm), ...I.get(o), ...I.i32(1), ...SHR_U, ...I.i32Add(), ...I.tee(r1), ...I.i32Load(0), ...I.i32(3), ...I.i32Shl(), ...I.set(r0));
      if (!tail) out.push(...I.get(r1), ...I.i32Load(4), ...I.i32(3), ...I.i32Shl(), ...I.set(r1));
      // local coupling
      const lc: number[] = [];
      lcRows.forEach((k) => {
        const acc = fn.local(T.v128);
        lc.push(acc);
        const rowB = k * N * 8;
        // x[col] of both lanes: byte offsets at po + 8w (lane 0) and po + 8w + 4 (lane 1)
        const gather = (w: number): Bytes => [
          ...I.get(inpBase), ...I.get(po), ...I.i32Load(8 * w), ...I.i32Add(), ...vmem(V.load64Zero, rowB, 3),
          ...(tail ? [] : [...I.set(tmp), ...I.get(inpBase), ...I.get(po), ...I.i32Load(8 * w + 4), ...I.i32Add(), ...I.get(tmp), ...load64Lane(rowB, 1)]),
        ];
        if (W === 0) out.push(...vconst(0));
        for (let w = 0; w < W; w++) {
          if (rowScale) out.push(...gather(w));
          else out.push(...I.get(pv), ...vmem(V.load, 16 * w), ...gather(w), ...I.v(V.f64x2Mul));
          if (w > 0) out.push(...I.v(V.f64x2Add));
        }
        if (rowScale) out.push(...ld(lpd, 0), ...I.get(inp[k]), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Sub));
        out.push(...I.set(acc));
        // entries beyond the ELL width, lane by lane (rare: the rows longer than 99 % of rows)
        const lanes = tail ? [0] : [0, 1];
        const rowPtrAt = (j: number): Bytes => [...I.get(rp), ...I.get(o), ...I.i32(1), ...SHR_U, ...I.i32Add(), ...I.i32Load(4 * j)];
        out.push(...I.block(), ...rowPtrAt(0), ...rowPtrAt(lanes.length), ...I32_EQ, ...I.brIf(0));
        for (const lane of lanes) {
          out.push(...rowPtrAt(lane), ...I.set(q), ...rowPtrAt(lane + 1), ...I.set(q1));
          out.push(...I.get(acc), ...I.v(V.f64x2Extract, lane), ...I.set(sacc));
          out.push(...I.block(), ...I.loop(), ...I.get(q), ...I.get(q1), ...I.i32GeS(), ...I.brIf(1));
          const xAt: Bytes = [...I.get(inpBase), ...I.get(lcol), ...I.get(q), ...I.i32(2), ...I.i32Shl(), ...I.i32Add(), ...I.i32Load(0), ...I.i32(3), ...I.i32Shl(), ...I.i32Add(), ...I.f64Load(rowB)];
          out.push(...I.get(sacc));
          if (rowScale) out.push(...xAt);
          else out.push(...I.get(lval), ...I.get(q), ...I.i32(3), ...I.i32Shl(), ...I.i32Add(), ...I.f64Load(0), ...xAt, ...I.f64Mul());
          out.push(...I.f64Add(), ...I.set(sacc));
          out.push(...I.get(q), ...I.i32(1), ...I.i32Add(), ...I.set(q), ...I.br(0), ...I.end(), ...I.end());
          out.push(...I.get(acc), ...I.get(sacc), ...I.v(V.f64x2Replace, lane), ...I.set(acc));
        }
        out.push(...I.end());
        if (rowScale) out.push(...I.get(acc), ...ld(lsc, 0), ...I.v(V.f64x2Mul), ...I.set(acc));
      });
      // region coupling of each lane's region
      const cl = Array.from({ length: ncv }, (_, r) => {
        const l = fn.local(T.v128);
        out.push(...I.get(cb), ...I.get(r0), ...I.i32Add(), ...vmem(V.load64Zero, r * R * 8, 3));
        if (!tail) out.push(...I.set(l), ...I.get(cb), ...I.get(r1), ...I.i32Add(), ...I.get(l), ...load64Lane(r * R * 8, 1));
        out.push(...I.set(l));
        return l;
      });
      const aux = new Map<string, number>();
      const sym = (full: string): Bytes => {
        const name = bare(full);
        if (hoisted.has(name)) return I.get(hoisted.get(name)!);
        if (svIdx.has(name)) return I.get(inp[svIdx.get(name)!]);
        if (auxNames.has(name)) {
          if (!aux.has(name)) throw new Error(`auxiliary ${name} used before it is defined`);
          return I.get(aux.get(name)!);
        }
        if (plan.modelParams[name]) return paramSym(name, tail);
        const cm = /^c_(\d+)$/.exec(name);
        if (cm) { const r = Number(cm[1]); if (r >= ncv) throw new Unsupported(`coupling input ${name}`); return I.get(cl[r]); }
        const lm = /^__lc(\d+)$/.exec(name);
        if (lm) { if (!nLc) return vconst(0); return I.get(lc[Number(lm[1])]); }
        return constSym(name);
      };
      parsed.auxiliaries.forEach(([name], i) => {
        const l = fn.local(T.v128);
        out.push(...vx.emit(hz.exprs[i], sym), ...I.set(l));
        aux.set(name, l);
      });
      const d = parsed.equations.map((_, k) => {
        const l = fn.local(T.v128);
        out.push(...vx.emit(hz.exprs[nAux + k], sym), ...I.set(l));
        return l;
      });
      out.push(...body(inp, d, [r0, r1]));
      return out;
    };
    function paramSym(name: string, tail: boolean): Bytes {
      const p = plan.modelParams[name];
      if (p.kind === 'scalar') return vconst(p.data[0]);
      const l = mpLocal.get(name)!;
      if (p.kind === 'batch') return I.get(l);
      return [...I.get(l), ...I.get(o), ...I.i32Add(), ...(tail ? vmem(V.load64Zero, 0, 3) : vmem(V.load, 0))];
    }
    function constSym(name: string): Bytes {
      if (name === 'local_coupling') return vconst(0);
      const c = consts[name];
      if (typeof c === 'number') return vconst(c);
      if (Array.isArray(c) && typeof c[0] === 'number') return vconst((c as number[])[0]);
      if (name in CONSTANTS) return vconst(CONSTANTS[name]);
      throw new Unsupported(`name ${name}`);
    }
    for (const [name, e] of hz.hoisted) {
      const l = fn.local(T.v128);
      prologue.push(...vx.emit(e, (full) => {
        const nm = bare(full);
        if (hoisted.has(nm)) return I.get(hoisted.get(nm)!);
        if (plan.modelParams[nm]) return paramSym(nm, false);
        return constSym(nm);
      }), ...I.set(l));
      hoisted.set(name, l);
    }

    const clamp = (k: number, v: Bytes): Bytes => {
      const bd = plan.boundaries[k];
      if (!bd) return v;
      const [lo, hi] = bd;
      const r = [...v];
      if (lo > -Infinity) r.push(...vconst(lo), ...I.v(V.f64x2Max));
      if (hi < Infinity) r.push(...vconst(hi), ...I.v(V.f64x2Min));
      return r;
    };
    const pairLoop = (passBody: (tail: boolean) => Bytes): Bytes => {
      const pairs = Math.floor(N / 2);
      // po/pv walk the interleaved ELL arrays: W pairs of i32 offsets (8W bytes) and of f64 weights (16W bytes) per vertex pair
      const code: Bytes = [...I.i32(0), ...I.set(o), ...base('lcPairOff'), ...I.set(po), ...base('lcPairVal'), ...I.set(pv)];
      if (pairs > 0) {
        code.push(...I.block(), ...I.loop(), ...passBody(false));
        code.push(...I.get(po), ...I.i32(8 * W), ...I.i32Add(), ...I.set(po), ...I.get(pv), ...I.i32(16 * W), ...I.i32Add(), ...I.set(pv));
        code.push(...I.get(o), ...I.i32(16), ...I.i32Add(), ...I.tee(o), ...I.i32(pairs * 16), ...I.i32LtU(), ...I.brIf(0), ...I.end(), ...I.end());
      }
      if (N % 2) code.push(...passBody(true));
      return code;
    };
    const st = (addr: number, off: number, tail: boolean, val: Bytes): Bytes => [...I.get(addr), ...I.get(o), ...I.i32Add(), ...val, ...(tail ? vlane(V.store64Lane, off, 0) : vmem(V.store, off))];
    const ldT = (addr: number, off: number, tail: boolean): Bytes => [...I.get(addr), ...I.get(o), ...I.i32Add(), ...(tail ? vmem(V.load64Zero, off, 3) : vmem(V.load, off))];
    const stimTerm = (k: number, tail: boolean, scaled: boolean): Bytes => (stimulated.has(k) ? [...I.get(scaled ? vStimDt : vStim), ...ldT(sw, 0, tail), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add)] : []);
    const noiseTerm = (k: number, tail: boolean): Bytes => (plan.noise ? [...ldT(ng, k * N * 8, tail), ...ldT(nz, k * N * 8, tail), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add)] : []);
    /** The new value `val` of variable k: stored at dst, summed into chk, its region and the monitor sums. */
    const finish = (k: number, tail: boolean, val: number, dst: number, rn: [number, number]): Bytes => {
      const out: Bytes = [...st(dst, k * N * 8, tail, I.get(val))];
      out.push(...I.get(chk), ...I.get(val), ...(tail ? [...LANE0_MASK, ...I.v(V.and)] : []), ...I.v(V.f64x2Add), ...I.set(chk));
      const c = cvar.indexOf(k);
      if (c >= 0) {
        // region sums in node order: lane 0 (node n) before lane 1 (node n + 1)
        (tail ? [0] : [0, 1]).forEach((lane) => {
          const off = c * R * 8;
          out.push(...I.get(rs), ...I.get(rn[lane]), ...I.i32Add(), ...I.get(rs), ...I.get(rn[lane]), ...I.i32Add(), ...I.f64Load(off), ...I.get(val), ...I.v(V.f64x2Extract, lane), ...I.f64Add(), ...I.f64Store(off));
        });
      }
      if (withSums) sums.forEach((s, a) => s.rows.forEach((row, j) => {
        if (row !== k) return;
        out.push(...st(sumBase[a], j * N * 8, tail, [...ldT(sumBase[a], j * N * 8, tail), ...I.get(val), ...I.v(V.f64x2Add)]));
      }));
      return out;
    };

    const code: Bytes = [...prologue, ...vconst(0), ...I.set(chk)];
    if (scheme === 'euler') {
      // new state into pbuf (the JS copies it back): later vertices' local coupling reads the old one
      code.push(...pairLoop((tail) => pass(tail, sb, (X, d, rn) => {
        const out: Bytes = [];
        for (let k = 0; k < nsv; k++) {
          const v = fn.local(T.v128);
          out.push(...clamp(k, [...I.get(X[k]), ...vconst(dt), ...I.get(d[k]), ...stimTerm(k, tail, false), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...noiseTerm(k, tail)]), ...I.set(v));
          out.push(...finish(k, tail, v, pb, rn));
        }
        return out;
      })));
    } else {
      // predictor: kbuf = dfun(x), pbuf = x + dt·(k1 + stim) + noise
      code.push(...pairLoop((tail) => pass(tail, sb, (X, d) => {
        const out: Bytes = [];
        for (let k = 0; k < nsv; k++) {
          out.push(...st(kb, k * N * 8, tail, I.get(d[k])));
          out.push(...st(pb, k * N * 8, tail, clamp(k, [...I.get(X[k]), ...vconst(dt), ...I.get(d[k]), ...stimTerm(k, tail, false), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...noiseTerm(k, tail)])));
        }
        return out;
      })));
      // corrector: x + (k1 + k2)·dt/2 + dt·stim + noise, from the predictor's values
      code.push(...pairLoop((tail) => pass(tail, pb, (_X, d, rn) => {
        const out: Bytes = [];
        for (let k = 0; k < nsv; k++) {
          const v = fn.local(T.v128);
          out.push(...clamp(k, [...ldT(sb, k * N * 8, tail), ...ldT(kb, k * N * 8, tail), ...I.get(d[k]), ...I.v(V.f64x2Add), ...vconst(dt / 2), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...stimTerm(k, tail, true), ...noiseTerm(k, tail)]), ...I.set(v));
          out.push(...finish(k, tail, v, sb, rn));
        }
        return out;
      })));
    }
    code.push(...I.get(chk), ...I.v(V.f64x2Extract, 0), ...I.get(chk), ...I.v(V.f64x2Extract, 1), ...I.f64Add());
    funcs.push({ name: fname, params: fn.params, results: [T.f64], locals: fn.locals, body: code });
  };
  emitStep('step', false);
  if (sums.length) emitStep('stepSum', true);
  return { bytes: buildModule(funcs, 1), slots, sumStep: sums.length > 0 };
}

/**
 * The ELL part of a local connectivity laid out for vertex pairs: for pair p and entry w, the two
 * rows' column byte offsets (col·8) side by side, and their weights side by side. A last unpaired
 * row gets lane 1 pointing at column 0 with weight 0.
 */
export function pairEll(N: number, W: number, col: Int32Array, val: Float64Array): { off: Int32Array; val: Float64Array } {
  const P = Math.ceil(N / 2);
  const off = new Int32Array(P * W * 2), v = new Float64Array(P * W * 2);
  for (let n = 0; n < N; n++) {
    const p = n >> 1, lane = n & 1;
    for (let w = 0; w < W; w++) {
      off[(p * W + w) * 2 + lane] = col[n * W + w] * 8;
      if (val.length) v[(p * W + w) * 2 + lane] = val[n * W + w];
    }
  }
  return { off, val: v };
}

