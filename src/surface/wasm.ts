/**
 * The surface step in WebAssembly (f64x2 SIMD, two vertices per instruction), generated from the
 * same model ASTs as the JavaScript surface program (./program.ts) and computing the same float64
 * operations in the same order, so a run gives the same numbers bit for bit (the model expressions
 * the vector emitter approximates, exp/log/tanh/sin/cos, excepted: ≤ a few ulp).
 *
 * One exported function per variant, `step(b, stimT) → f64` and, when a monitor sums state rows,
 * `stepSum(b, stimT)` that also adds them: every integrator pass over the surface (Euler: one; Heun:
 * predictor and corrector; RK4: four, and the stage inputs) with, per vertex pair,
 *   - the local-coupling products from the ELL part of the matrix (column byte offsets and weights
 *     interleaved per vertex pair, so one load serves both lanes) and the few longer rows' remainder
 *     lane by lane; terms that are expressions are first evaluated at every node;
 *   - the region coupling of each vertex's region, gathered lane by lane through the mapping;
 *   - the model derivative, the stage update with stimulus and noise, the clamps;
 *   - on the last pass: the new state, its region sums (node order, as TVB's add.at) and the
 *     TemporalAverage sums.
 * The JS program keeps the region coupling, the history, noise draws and monitors (all O(regions)
 * or once per sample); its arrays that the step touches are views on the module's memory.
 *
 * Why: the JS step spends its time in the 8-neighbour gather and the model arithmetic of every
 * vertex; two lanes per instruction, byte offsets precomputed and no bounds checks make it ~3× cheaper.
 * Coverage: one mode; Euler, Heun or RK4; any local-coupling terms (plain state variables are
 * gathered straight from the stage's input); expressions within the vector emitter. Anything else
 * returns null and the JS step runs.
 */
import { CONSTANTS, type Expr } from '../expr/index.js';
import { expandModes } from '../engine/kernel/modes.js';
import { Fn, VExpr, Unsupported, vconst, clampV, LANE0_MASK, hoistInvariants } from '../engine/wasm/kernel.js';
import { type Bytes, type FuncDef, I, T, V, buildModule, uleb, vmem, vlane } from '../engine/wasm/encoder.js';
import type { SurfacePlan } from './program.js';

export interface SurfaceWasm {
  bytes: Uint8Array<ArrayBuffer>;
  /** Byte address of every memory region (work buffers, then the run's data arrays). */
  layout: Record<string, number>;
  /** Memory size in 64 KiB pages. */
  pages: number;
  /** The module exports stepSum (monitors summing state rows). */
  sumStep: boolean;
}

/** A monitor accumulator the step adds the new state rows to. */
export interface SurfaceStateSum { acc: string; rows: number[] }

const cache = new Map<string, SurfaceWasm | null>();

/** The module for a surface plan, or null when the plan is outside its coverage. */
export function generateSurfaceWasm(plan: SurfacePlan, sums: SurfaceStateSum[], dataBytes: Record<string, number>, exprEllWidth = 0): SurfaceWasm | null {
  // scalar parameters are constants of the code: their exact values (−0 included) are part of the key
  const kinds = Object.entries(plan.modelParams).map(([n, p]) => [n, p.kind, p.kind === 'scalar' ? (Object.is(p.data[0], -0) ? '-0' : String(p.data[0])) : '']);
  const key = JSON.stringify([plan.spec, plan.parsed, plan.lcTerms, kinds, plan.N, plan.R, plan.M, plan.dt, plan.scheme, plan.boundaries, plan.noise,
    plan.stimulus?.variables ?? null, plan.ellWidth, plan.ellRowScale, sums, plan.B, dataBytes, exprEllWidth], (k, v) => (k === 'pos' ? undefined : v));
  if (cache.has(key)) return cache.get(key)!;
  let out: SurfaceWasm | null;
  try {
    out = build(plan, sums, dataBytes, exprEllWidth);
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    if (process.env.VBT_WASM_DEBUG) console.error(`surface wasm step not used: ${e.message}`);
    out = null;
  }
  if (cache.size >= 32) cache.delete(cache.keys().next().value as string);
  cache.set(key, out);
  return out;
}

/**
 * Scalar parameters and constants as numbers, then only the rewrites that give the same float64
 * result for every input: number ∘ number evaluated (what the JS engine does at run time),
 * x·1 → x, x/1 → x, x/2^k → x·2^−k (both round the same exact value). The JS program computes
 * these products at run time; here they cost a SIMD multiply or divide per vertex pair.
 */
export function foldExact(e: Expr, value: (name: string) => number | undefined): Expr {
  const num = (v: number, at: Expr): Expr => ({ kind: 'num', value: v, pos: at.pos });
  const pow2 = (c: number) => c !== 0 && Number.isFinite(c) && Number.isFinite(1 / c) && Math.abs(1 / c) >= 2.2250738585072014e-308 && 2 ** Math.round(Math.log2(Math.abs(c))) === Math.abs(c);
  const rec = (x: Expr): Expr => {
    switch (x.kind) {
      case 'num': return x;
      case 'sym': { const v = value(x.name); return v === undefined ? x : num(v, x); }
      case 'unary': {
        const a = rec(x.arg);
        if (a.kind === 'num' && x.op === '-') return num(-a.value, x);
        if (x.op === '+') return a;
        return { ...x, arg: a };
      }
      case 'binary': {
        const l = rec(x.left), r = rec(x.right);
        if (l.kind === 'num' && r.kind === 'num') {
          if (x.op === '+') return num(l.value + r.value, x);
          if (x.op === '-') return num(l.value - r.value, x);
          if (x.op === '*') return num(l.value * r.value, x);
          if (x.op === '/') return num(l.value / r.value, x);
        }
        if (x.op === '*' && r.kind === 'num' && r.value === 1) return l;
        if (x.op === '*' && l.kind === 'num' && l.value === 1) return r;
        if (x.op === '/' && r.kind === 'num' && pow2(r.value)) return r.value === 1 ? l : { ...x, op: '*', left: l, right: num(1 / r.value, r) };
        return { ...x, left: l, right: r };
      }
      case 'cond': return { ...x, test: rec(x.test), then: rec(x.then), else: rec(x.else) };
      case 'call': return { ...x, args: x.args.map(rec) };
    }
  };
  return rec(e);
}

/** v128.load64_lane: (address, vector) → vector with `lane` replaced. */
const SHR_U: Bytes = [0x76];
const I32_EQ: Bytes = [0x46];
const I32_WRAP: Bytes = [0xa7];
const I64_SHR32: Bytes = [0x42, 32, 0x88];
const I64_LOAD = (off: number): Bytes => [0x29, 3, ...uleb(off)];
const load64Lane = (off: number, lane: number): Bytes => [0xfd, ...uleb(0x57), 3, ...uleb(off), lane];

function build(plan: SurfacePlan, sums: SurfaceStateSum[], dataBytes: Record<string, number>, exprEllWidth: number): SurfaceWasm {
  const { N, R, M, B, dt, spec, parsed, scheme } = plan;
  if (M !== 1) throw new Unsupported('modes');
  const svs = Object.keys(spec.state_variables);
  const nsv = svs.length;
  const svIdx = new Map(svs.map((n, i) => [n, i]));
  const cvar = spec.cvar.map((n) => svIdx.get(n)!);
  const ncv = cvar.length;
  const consts = spec.constants ?? {};
  const auxNames = new Set(parsed.auxiliaries.map(([n]) => n));
  const nLc = plan.lcTerms.length;
  const lcRows = plan.lcTerms.map((e) => (e.kind === 'sym' && svIdx.has(e.name) ? svIdx.get(e.name)! : -1));
  // fused: every term is a state variable, gathered straight from the stage's input with the JS
  // program's ELL (+ one scale per row). Otherwise the terms are evaluated at every node first (into
  // lcIn, rows of LN = N + 1 or 2 values whose value at N stays +0) and multiplied by the weighted
  // ELL of the whole matrix (exprEllWidth; padding: weight −0 on that +0, an exact no-op) in the
  // JS program's CSR order, from 0 as it does.
  const fused = lcRows.every((k) => k >= 0);
  if (!fused && !exprEllWidth) throw new Unsupported('a local-coupling term that is not a state variable, without its ELL');
  const W = fused ? plan.ellWidth : exprEllWidth;
  const rowScale = fused && plan.ellRowScale;
  const LN = N + (N % 2 ? 1 : 2);
  const SS = nsv * N;
  const stimulated = new Set(plan.stimulus?.variables ?? []);

  // ---- static memory layout: every address is a constant of the code (an immediate offset) ----
  const work: Record<string, number> = {
    state: B * SS * 8, pbuf: SS * 8, kbuf: (scheme === 'rk4' ? 3 : 1) * SS * 8, regSum: ncv * R * 8, cplR: B * ncv * R * 8, noise: plan.noise ? SS * 8 : 0,
    lcIn: fused ? 0 : nLc * LN * 8,
  };
  for (const s of sums) work[s.acc] = B * s.rows.length * N * 8;
  const layout: Record<string, number> = {};
  let top = 64;
  for (const [name, bytes] of [...Object.entries(work), ...Object.entries(dataBytes)]) {
    layout[name] = top;
    top += Math.ceil(bytes / 16) * 16;
  }
  if (top > 2 ** 31) throw new Unsupported(`${Math.ceil(top / 2 ** 20)} MB of memory (limit 2048 MB)`);
  const addr = (name: string): number => {
    if (!(name in layout)) throw new Error(`surface wasm: no memory region '${name}'`);
    return layout[name];
  };

  const bare = (full: string) => (full.lastIndexOf('@') >= 0 ? full.slice(0, full.lastIndexOf('@')) : full);
  const runConstant = (full: string): number | undefined => {
    const name = bare(full);
    if (svIdx.has(name) || auxNames.has(name)) return undefined;
    const p = plan.modelParams[name];
    if (p) return p.kind === 'scalar' ? p.data[0] : undefined;
    if (typeof consts[name] === 'number') return consts[name] as number;
    return name in CONSTANTS && !/^c_\d+$/.test(name) ? CONSTANTS[name] : undefined;
  };
  const exprs = [...parsed.auxiliaries, ...parsed.equations].map(([, e]) => foldExact(expandModes(e, 0, 1, consts), runConstant));
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
  const lcExprs = plan.lcTerms.map((e) => foldExact(expandModes(e, 0, 1, consts), runConstant));
  const nAux = parsed.auxiliaries.length;

  const funcs: FuncDef[] = [];
  const emitStep = (fname: string, withSums: boolean) => {
    const fn = new Fn([T.i32, T.f64]); // (b, stimT)
    const b = 0, stimT = 1;
    const vx = new VExpr(fn);
    const o = fn.local(T.i32); // byte offset of node n (n even) in an (N) f64 row
    /** A region: constant address, plus a per-batch byte offset held in a local (none when B = 1). */
    interface Region { dyn: number | null; at: number }
    const prologue: Bytes = [];
    const region = (name: string, perBatch = 0): Region => {
      if (!perBatch || B === 1) return { dyn: null, at: addr(name) };
      const l = fn.local(T.i32);
      prologue.push(...I.get(b), ...I.i32(perBatch), ...I.i32Mul(), ...I.set(l));
      return { dyn: l, at: addr(name) };
    };
    /** Push the address part (index [+ batch offset]); returns the immediate offset to load/store at. */
    const place = (r: Region, idx: Bytes, off: number): [Bytes, number] => [[...idx, ...(r.dyn !== null ? [...I.get(r.dyn), ...I.i32Add()] : [])], r.at + off];
    const ldv = (r: Region, idx: Bytes, off: number, tail: boolean): Bytes => {
      const [a, imm] = place(r, idx, off);
      return [...a, ...(tail ? vmem(V.load64Zero, imm, 3) : vmem(V.load, imm))];
    };
    const stv = (r: Region, idx: Bytes, off: number, tail: boolean, val: Bytes): Bytes => {
      const [a, imm] = place(r, idx, off);
      return [...a, ...val, ...(tail ? vlane(V.store64Lane, imm, 0) : vmem(V.store, imm))];
    };
    const O = I.get(o);
    const sb = region('state', SS * 8), cb = region('cplR', ncv * R * 8);
    const pb = region('pbuf'), kb = region('kbuf'), rs = region('regSum'), ro = region('regOff');
    const lsc = rowScale ? region('lcScale') : null, lpd = rowScale ? region('lcPad') : null;
    const rp = region('lcRowPtr'), lcol = region('lcCol'), lval = region('lcVal');
    const nz = plan.noise ? region('noise') : null, ng = plan.noise ? region('noiseGain') : null, sw = plan.stimulus ? region('stimW') : null;
    const sumR = sums.map((s) => region(s.acc, s.rows.length * N * 8));
    const lcInR = region('lcIn');
    const po = fn.local(T.i32), pv = fn.local(T.i32);
    const r0 = fn.local(T.i32), r1 = fn.local(T.i32), q = fn.local(T.i32), q1 = fn.local(T.i32), sp = fn.local(T.i32), sacc = fn.local(T.f64);
    const pair = fn.local(T.i64);
    const chk = fn.local(T.v128), tmp = fn.local(T.v128), vStim = fn.local(T.v128), vStimDt = fn.local(T.v128);
    // stimT, and dt·stimT as the JS program's `dt * stimT * w` groups it
    prologue.push(...I.get(stimT), ...I.v(V.f64x2Splat), ...I.set(vStim));
    prologue.push(...I.f64(dt), ...I.get(stimT), ...I.f64Mul(), ...I.v(V.f64x2Splat), ...I.set(vStimDt));

    // model parameters
    const mpLocal = new Map<string, number>();
    const mpRegion = new Map<string, Region>();
    for (const [k, p] of Object.entries(plan.modelParams)) {
      if (p.kind === 'scalar') continue;
      if (p.kind === 'batch') {
        const l = fn.local(T.v128);
        prologue.push(...I.get(b), ...I.i32(8), ...I.i32Mul(), ...I.v(V.load64Splat, 3, ...uleb(addr(`mp_${k}`))), ...I.set(l));
        mpLocal.set(k, l);
      } else mpRegion.set(k, region(`mp_${k}`, p.kind === 'batchnode' ? N * 8 : 0));
    }
    const hoisted = new Map<string, number>();

    const pass = (tail: boolean, checked: boolean, inp0: Region, body: (X: number[], d: number[], rn: [number, number]) => Bytes): Bytes => {
      const out: Bytes = [];
      const inp = Array.from({ length: nsv }, () => fn.local(T.v128));
      for (let k = 0; k < nsv; k++) out.push(...ldv(inp0, O, k * N * 8, tail), ...I.set(inp[k]));
      // region byte offsets of the pair (regOff = region·8; lane 1 of a tail: unused)
      // (both in one i64 load)
      if (tail) out.push(...I.get(o), ...I.i32(1), ...SHR_U, ...I.i32Load(ro.at), ...I.set(r0));
      else out.push(...I.get(o), ...I.i32(1), ...SHR_U, ...I64_LOAD(ro.at), ...I.tee(pair), ...I32_WRAP, ...I.set(r0), ...I.get(pair), ...I64_SHR32, ...I32_WRAP, ...I.set(r1));
      // local coupling
      const lc: number[] = [];
      lcRows.forEach((k, j) => {
        const acc = fn.local(T.v128);
        lc.push(acc);
        const rowB = fused ? k * N * 8 : j * LN * 8;
        // x[col] of both lanes: byte offsets at po + 8w (lane 0) and po + 8w + 4 (lane 1), read as one
        // i64 (one load instead of two on the ports the gather saturates)
        const xAt = (idx: Bytes): [Bytes, number] => place(fused ? inp0 : lcInR, idx, rowB);
        const gather = (w: number): Bytes => {
          if (tail) { const [a, imm] = xAt([...I.get(po), ...I.i32Load(8 * w)]); return [...a, ...vmem(V.load64Zero, imm, 3)]; }
          const [a0, i0] = xAt([...I.get(po), ...I64_LOAD(8 * w), ...I.tee(pair), ...I32_WRAP]);
          const [a1, i1] = xAt([...I.get(pair), ...I64_SHR32, ...I32_WRAP]);
          return [...a0, ...vmem(V.load64Zero, i0, 3), ...I.set(tmp), ...a1, ...I.get(tmp), ...load64Lane(i1, 1)];
        };
        if (W === 0 || !fused) out.push(...vconst(0));
        for (let w = 0; w < W; w++) {
          if (rowScale) out.push(...gather(w));
          else out.push(...I.get(pv), ...vmem(V.load, 16 * w), ...gather(w), ...I.v(V.f64x2Mul));
          if (w > 0 || !fused) out.push(...I.v(V.f64x2Add));
        }
        if (rowScale) out.push(...ldv(lpd!, O, 0, tail), ...I.get(inp[k]), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Sub));
        out.push(...I.set(acc));
        // entries beyond the ELL width, lane by lane (rare: the rows longer than 99 % of rows; only
        // the pairs listed in lcSpecial have any)
        if (checked) {
          const lanes = tail ? [0] : [0, 1];
          const rowPtrAt = (j: number): Bytes => [...I.get(o), ...I.i32(1), ...SHR_U, ...I.i32Load(rp.at + 4 * j)];
          out.push(...I.block(), ...rowPtrAt(0), ...rowPtrAt(lanes.length), ...I32_EQ, ...I.brIf(0));
          for (const lane of lanes) {
            out.push(...rowPtrAt(lane), ...I.set(q), ...rowPtrAt(lane + 1), ...I.set(q1));
            out.push(...I.get(acc), ...I.v(V.f64x2Extract, lane), ...I.set(sacc));
            out.push(...I.block(), ...I.loop(), ...I.get(q), ...I.get(q1), ...I.i32GeS(), ...I.brIf(1));
            const [a, imm] = xAt([...I.get(q), ...I.i32(2), ...I.i32Shl(), ...I.i32Load(lcol.at), ...I.i32(3), ...I.i32Shl()]);
            const x: Bytes = [...a, ...I.f64Load(imm)];
            out.push(...I.get(sacc));
            if (rowScale) out.push(...x);
            else out.push(...I.get(q), ...I.i32(3), ...I.i32Shl(), ...I.f64Load(lval.at), ...x, ...I.f64Mul());
            out.push(...I.f64Add(), ...I.set(sacc));
            out.push(...I.get(q), ...I.i32(1), ...I.i32Add(), ...I.set(q), ...I.br(0), ...I.end(), ...I.end());
            out.push(...I.get(acc), ...I.get(sacc), ...I.v(V.f64x2Replace, lane), ...I.set(acc));
          }
          out.push(...I.end());
        }
        if (rowScale) out.push(...I.get(acc), ...ldv(lsc!, O, 0, tail), ...I.v(V.f64x2Mul), ...I.set(acc));
      });
      // region coupling of each lane's region
      const cl = Array.from({ length: ncv }, (_, r) => {
        const l = fn.local(T.v128);
        const [a0, i0] = place(cb, I.get(r0), r * R * 8);
        out.push(...a0, ...vmem(V.load64Zero, i0, 3));
        if (!tail) { const [a1, i1] = place(cb, I.get(r1), r * R * 8); out.push(...I.set(l), ...a1, ...I.get(l), ...load64Lane(i1, 1)); }
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
      if (p.kind === 'batch') return I.get(mpLocal.get(name)!);
      return ldv(mpRegion.get(name)!, O, 0, tail);
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

    /** Non-fused terms: E_j at every node of the stage's input, into lcIn. */
    const lcTermsPass = (inp0: Region): Bytes => {
      if (fused || !nLc) return [];
      return pairLoop((tail) => {
        const out: Bytes = [];
        const inp = Array.from({ length: nsv }, () => fn.local(T.v128));
        for (let k = 0; k < nsv; k++) out.push(...ldv(inp0, O, k * N * 8, tail), ...I.set(inp[k]));
        const sym = (full: string): Bytes => {
          const name = bare(full);
          if (svIdx.has(name)) return I.get(inp[svIdx.get(name)!]);
          if (plan.modelParams[name]) return paramSym(name, tail);
          if (auxNames.has(name) || /^c_\d+$/.test(name) || /^__lc\d+$/.test(name)) throw new Unsupported(`local-coupling term reading ${name}`);
          return constSym(name);
        };
        lcExprs.forEach((e, j) => out.push(...stv(lcInR, O, j * LN * 8, tail, vx.emit(e, sym))));
        return out;
      });
    };
    const clamp = (k: number, v: Bytes): Bytes => clampV(plan.boundaries[k], v);
    const pairLoop = (passBody: (tail: boolean, checked: boolean) => Bytes): Bytes => {
      const pairs = Math.floor(N / 2);
      // po/pv walk the interleaved ELL arrays: W pairs of i32 offsets (8W bytes) and of f64 weights (16W bytes) per vertex pair
      const next: Bytes = [...I.get(po), ...I.i32(8 * W), ...I.i32Add(), ...I.set(po), ...(rowScale ? [] : [...I.get(pv), ...I.i32(16 * W), ...I.i32Add(), ...I.set(pv)]), ...I.get(o), ...I.i32(16), ...I.i32Add(), ...I.set(o)];
      const code: Bytes = [...I.i32(0), ...I.set(o), ...I.i32(addr('lcPairOff')), ...I.set(po), ...I.i32(addr('lcPairVal')), ...I.set(pv), ...I.i32(addr('lcSpecial')), ...I.set(sp)];
      if (pairs > 0) {
        // runs of plain pairs up to the next listed pair (lcSpecial: ascending byte offsets, then 16·pairs), which takes the checked body
        code.push(...I.block(), ...I.loop(), ...I.get(sp), ...I.i32Load(0), ...I.set(q1));
        code.push(...I.block(), ...I.loop(), ...I.get(o), ...I.get(q1), ...I.i32GeS(), ...I.brIf(1), ...passBody(false, false), ...next, ...I.br(0), ...I.end(), ...I.end());
        code.push(...I.get(o), ...I.i32(pairs * 16), ...I.i32GeS(), ...I.brIf(1));
        code.push(...passBody(false, true), ...next, ...I.get(sp), ...I.i32(4), ...I.i32Add(), ...I.set(sp), ...I.br(0), ...I.end(), ...I.end());
      }
      if (N % 2) code.push(...passBody(true, true));
      return code;
    };
    const stimTerm = (k: number, tail: boolean, scaled: boolean): Bytes => (stimulated.has(k) ? [...I.get(scaled ? vStimDt : vStim), ...ldv(sw!, O, 0, tail), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add)] : []);
    const noiseTerm = (k: number, tail: boolean): Bytes => (plan.noise ? [...ldv(ng!, O, k * N * 8, tail), ...ldv(nz!, O, k * N * 8, tail), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add)] : []);
    /** The new value `val` of variable k: stored at dst, summed into chk, its region and the monitor sums. */
    const finish = (k: number, tail: boolean, val: number, dst: Region, rn: [number, number]): Bytes => {
      const out: Bytes = [...stv(dst, O, k * N * 8, tail, I.get(val))];
      out.push(...I.get(chk), ...I.get(val), ...(tail ? [...LANE0_MASK, ...I.v(V.and)] : []), ...I.v(V.f64x2Add), ...I.set(chk));
      const c = cvar.indexOf(k);
      if (c >= 0) {
        // region sums in node order: lane 0 (node n) before lane 1 (node n + 1)
        (tail ? [0] : [0, 1]).forEach((lane) => {
          const imm = rs.at + c * R * 8;
          out.push(...I.get(rn[lane]), ...I.get(rn[lane]), ...I.f64Load(imm), ...I.get(val), ...I.v(V.f64x2Extract, lane), ...I.f64Add(), ...I.f64Store(imm));
        });
      }
      if (withSums) sums.forEach((s, a) => s.rows.forEach((row, j) => {
        if (row !== k) return;
        out.push(...stv(sumR[a], O, j * N * 8, tail, [...ldv(sumR[a], O, j * N * 8, tail), ...I.get(val), ...I.v(V.f64x2Add)]));
      }));
      return out;
    };

    const code: Bytes = [...vconst(0), ...I.set(chk)];
    if (scheme === 'euler') {
      // new state into pbuf (the JS copies it back): later vertices' local coupling reads the old one
      code.push(...lcTermsPass(sb));
      code.push(...pairLoop((tail, checked) => pass(tail, checked, sb, (X, d, rn) => {
        const out: Bytes = [];
        for (let k = 0; k < nsv; k++) {
          const v = fn.local(T.v128);
          out.push(...clamp(k, [...I.get(X[k]), ...vconst(dt), ...I.get(d[k]), ...stimTerm(k, tail, false), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...noiseTerm(k, tail)]), ...I.set(v));
          out.push(...finish(k, tail, v, pb, rn));
        }
        return out;
      })));
    } else if (scheme === 'rk4') {
      // the JS program's RK4: each stage's derivative into kbuf row j, the next stage's input into
      // pbuf in a loop of its own (later vertices' local coupling still reads the current one)
      const Kj = (j: number, k: number, tail: boolean) => ldv(kb, O, (j * SS + k * N) * 8, tail);
      const stageInput = (j: number, h: number) => pairLoop((tail) => {
        const out: Bytes = [];
        for (let k = 0; k < nsv; k++) out.push(...stv(pb, O, k * N * 8, tail, clamp(k, [...ldv(sb, O, k * N * 8, tail), ...vconst(h), ...Kj(j, k, tail), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add)])));
        return out;
      });
      code.push(...lcTermsPass(sb));
      code.push(...pairLoop((tail, checked) => pass(tail, checked, sb, (X, d) => {
        const out: Bytes = [];
        for (let k = 0; k < nsv; k++) {
          out.push(...stv(kb, O, k * N * 8, tail, I.get(d[k])));
          out.push(...stv(pb, O, k * N * 8, tail, clamp(k, [...I.get(X[k]), ...vconst(dt / 2), ...I.get(d[k]), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add)])));
        }
        return out;
      })));
      for (const j of [1, 2]) {
        code.push(...lcTermsPass(pb));
        code.push(...pairLoop((tail, checked) => pass(tail, checked, pb, (_X, d) => {
          const out: Bytes = [];
          for (let k = 0; k < nsv; k++) out.push(...stv(kb, O, (j * SS + k * N) * 8, tail, I.get(d[k])));
          return out;
        })));
        code.push(...stageInput(j, j === 1 ? dt / 2 : dt));
      }
      code.push(...lcTermsPass(pb));
      code.push(...pairLoop((tail, checked) => pass(tail, checked, pb, (_X, d, rn) => {
        const out: Bytes = [];
        for (let k = 0; k < nsv; k++) {
          const v = fn.local(T.v128);
          const sum: Bytes = [...Kj(0, k, tail), ...vconst(2), ...Kj(1, k, tail), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...vconst(2), ...Kj(2, k, tail), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...I.get(d[k]), ...I.v(V.f64x2Add)];
          out.push(...clamp(k, [...ldv(sb, O, k * N * 8, tail), ...vconst(dt / 6), ...sum, ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...stimTerm(k, tail, true), ...noiseTerm(k, tail)]), ...I.set(v));
          out.push(...finish(k, tail, v, sb, rn));
        }
        return out;
      })));
    } else {
      // predictor: kbuf = dfun(x), pbuf = x + dt·(k1 + stim) + noise
      code.push(...lcTermsPass(sb));
      code.push(...pairLoop((tail, checked) => pass(tail, checked, sb, (X, d) => {
        const out: Bytes = [];
        for (let k = 0; k < nsv; k++) {
          out.push(...stv(kb, O, k * N * 8, tail, I.get(d[k])));
          out.push(...stv(pb, O, k * N * 8, tail, clamp(k, [...I.get(X[k]), ...vconst(dt), ...I.get(d[k]), ...stimTerm(k, tail, false), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...noiseTerm(k, tail)])));
        }
        return out;
      })));
      // corrector: x + (k1 + k2)·dt/2 + dt·stim + noise, from the predictor's values
      code.push(...lcTermsPass(pb));
      code.push(...pairLoop((tail, checked) => pass(tail, checked, pb, (_X, d, rn) => {
        const out: Bytes = [];
        for (let k = 0; k < nsv; k++) {
          const v = fn.local(T.v128);
          out.push(...clamp(k, [...ldv(sb, O, k * N * 8, tail), ...ldv(kb, O, k * N * 8, tail), ...I.get(d[k]), ...I.v(V.f64x2Add), ...vconst(dt / 2), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...stimTerm(k, tail, true), ...noiseTerm(k, tail)]), ...I.set(v));
          out.push(...finish(k, tail, v, sb, rn));
        }
        return out;
      })));
    }
    code.push(...I.get(chk), ...I.v(V.f64x2Extract, 0), ...I.get(chk), ...I.v(V.f64x2Extract, 1), ...I.f64Add());
    funcs.push({ name: fname, params: fn.params, results: [T.f64], locals: fn.locals, body: [...prologue, ...code] });
  };
  emitStep('step', false);
  if (sums.length) emitStep('stepSum', true);
  const pages = Math.ceil(top / 65536) + 1;
  return { bytes: buildModule(funcs, pages), layout, pages, sumStep: sums.length > 0 };
}

/**
 * ELL of a whole CSR matrix for non-fused terms: the first W entries of each row (W covers 99 % of
 * rows, at most 16), padded with column N and weight −0, and a CSR of the entries beyond W.
 */
export function weightedEll(rowPtr: Int32Array, colIndex: Int32Array, values: Float64Array, N: number): { width: number; col: Int32Array; val: Float64Array; rest: { rowPtr: Int32Array; colIndex: Int32Array; values: Float64Array } } {
  const lens = Array.from({ length: N }, (_, i) => rowPtr[i + 1] - rowPtr[i]).sort((a, b) => a - b);
  const width = Math.min(16, lens[Math.min(N - 1, Math.floor(0.99 * N))] ?? 0);
  const col = new Int32Array(N * width).fill(N), val = new Float64Array(N * width).fill(-0);
  const rp = new Int32Array(N + 1);
  const rc: number[] = [], rv: number[] = [];
  for (let i = 0; i < N; i++) {
    for (let k = rowPtr[i], w = 0; k < rowPtr[i + 1]; k++, w++) {
      if (w < width) { col[i * width + w] = colIndex[k]; val[i * width + w] = values[k]; } else { rc.push(colIndex[k]); rv.push(values[k]); }
    }
    rp[i + 1] = rc.length;
  }
  return { width, col, val, rest: { rowPtr: rp, colIndex: Int32Array.from(rc), values: Float64Array.from(rv) } };
}

/**
 * The ELL part of a local connectivity laid out for vertex pairs: for pair p and entry w, the two
 * rows' column byte offsets (col·8) side by side, and their weights side by side. A last unpaired
 * row gets lane 1 pointing at column 0 with weight 0.
 */
export function pairEll(N: number, W: number, col: Int32Array, val: Float64Array, restPtr: Int32Array): { off: Int32Array; val: Float64Array; special: Int32Array } {
  if (col.length !== N * W) throw new Error(`pairEll: ${col.length} columns for ${N} rows of width ${W}`);
  // pairs holding a row with entries beyond W, as byte offsets 16·p, then the end 16·⌊N/2⌋
  const special: number[] = [];
  for (let p = 0; p < N >> 1; p++) if (restPtr[2 * p] !== restPtr[2 * p + 2]) special.push(16 * p);
  special.push(16 * (N >> 1));
  const P = Math.ceil(N / 2);
  const off = new Int32Array(P * W * 2), v = new Float64Array(P * W * 2);
  for (let n = 0; n < N; n++) {
    const p = n >> 1, lane = n & 1;
    for (let w = 0; w < W; w++) {
      off[(p * W + w) * 2 + lane] = col[n * W + w] * 8;
      if (val.length) v[(p * W + w) * 2 + lane] = val[n * W + w];
    }
  }
  return { off, val: v, special: Int32Array.from(special) };
}

