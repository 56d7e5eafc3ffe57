/**
 * Batch lanes for the delayed coupling gather: one pass over the link lists serves two or four
 * batch elements, b in lane 0 and b + 1 in lane 1 of each f64x2. After each step the new ring
 * slot of every pair is copied into an interleaved ring (both elements' values side by side), so
 * a link's offset, ring address and weight are computed once for all elements of the pass and
 * one load and one multiply-add serve two elements. Each lane performs
 * exactly the operations, in exactly the order, of the single-element gather in kernel.ts (four
 * partial sums over links k, k+1, k+2, k+3, the remainder into the first, (q0 + q1) + (q2 + q3),
 * then the post expression), so results are bit-identical to it.
 *
 * Why only the gather: the model step already runs two nodes per instruction, so lanes across
 * batch elements would not make it cheaper; the gather's per-link work (index, address, weight)
 * is what two elements can share.
 *
 * Coverage: plans whose module gathers pre-transformed values from its own ring (`pre`), one
 * coupling row, one mode, coupling parameters given once or per batch element, and post
 * expressions of + − × ÷ over gx, parameters and constants (Linear, Scaling, …). Otherwise null.
 * The module imports the same memory as the kernel module and reads its region header; the
 * interleaved rings (as large as the kernel's own) are added at the end of that memory.
 *
 * Measured (bench section batch-lanes, one core, 16 elements, dk_average 84 regions, loaded
 * machine): G2D 1.80–1.94×, RWW + Bold 1.53–1.59× the points per CPU-second of today's engine
 * (VBT_BATCH_LANES=0: one element per pass and the Bold block update in JavaScript); the RWW + Bold
 * figure includes the Bold block update in WebAssembly SIMD (src/observation/bold/wasm.ts), without
 * which it was 1.18–1.19×. Profile of the lanes path: G2D ≈ 75 % model step, 20 % gather; RWW + Bold
 * ≈ 55 % step, 28 % gather, 6 % Bold, 10 % JavaScript. The step is already two nodes per f64x2 and
 * bound by its own arithmetic (exp, division); unrolling it over two node pairs and eight elements
 * per gather pass (register spills) were tried and gained nothing.
 */
import type { Expr } from '../../expr/index.js';
import { parseExpr, CONSTANTS } from '../../expr/index.js';
import type { KernelPlan } from '../kernel/program.js';
import { type Bytes, type FuncDef, I, T, V, type ValType, buildModule, uleb, vlane } from './encoder.js';
import type { WasmKernel } from './kernel.js';

const LOAD64_LANE = 0x57;

class Unsupported extends Error {}

const vconst = (x: number): Bytes => I.v(V.const, ...Array.from(new Uint8Array(new Float64Array([x, x]).buffer)));

/** f64x2 code for a post expression, with the same instruction per AST node as kernel.ts's emitter. */
function emitPost(e: Expr, sym: (name: string) => Bytes): Bytes {
  switch (e.kind) {
    case 'num': return vconst(e.value);
    case 'sym': return sym(e.name);
    case 'unary':
      if (e.op === '-') return [...emitPost(e.arg, sym), ...I.v(V.f64x2Neg)];
      if (e.op === '+') return emitPost(e.arg, sym);
      break;
    case 'binary': {
      const op = ({ '+': V.f64x2Add, '-': V.f64x2Sub, '*': V.f64x2Mul, '/': V.f64x2Div } as Record<string, number>)[e.op];
      if (op !== undefined) return [...emitPost(e.left, sym), ...emitPost(e.right, sym), ...I.v(op)];
      break;
    }
  }
  throw new Unsupported(`post expression ${e.kind}`);
}

/**
 * The module exporting `interleave(slot, b, ibase)`, `couplingPair(tm, b, ibase)` and
 * `couplingQuad(tm, b, ibase)`: cpl of elements b … b + 1 (b … b + 3) at step tm + 1, as the kernel
 * module's `coupling(tm, b)` would write them one by one. Null when outside the coverage.
 */
export function generatePairGather(plan: KernelPlan, wk: WasmKernel | null): Uint8Array<ArrayBuffer> | null {
  if (!wk || !wk.coupling || !wk.pre || wk.hist || plan.M !== 1) return null;
  const { N, spec } = plan;
  const ncv = spec.cvar.length;
  const shared = plan.coupling.rows === 'shared';
  if (!(shared || ncv === 1)) return null;
  const slot = (name: string): number => {
    const k = wk.slots.indexOf(name);
    if (k < 0) throw new Unsupported(`region ${name}`);
    return k;
  };
  try {
    const cpost = parseExpr(plan.coupling.post, { field: `coupling ${plan.coupling.name}.post` });
    return buildModule([
      gatherFunction(plan, wk, cpost, ncv, slot, 1, 'couplingPair'), gatherFunction(plan, wk, cpost, ncv, slot, 2, 'couplingQuad'), interleaveFunction(plan, wk, slot),
    ], 1);
  } catch (e) {
    if (e instanceof Unsupported) return null;
    throw e;
  }
}

/**
 * One gather function over 2·G consecutive elements: G f64x2 vectors per partial sum, elements
 * b + 2g in lane 0 and b + 2g + 1 in lane 1 of vector g. A link's offset, ring address and
 * weight are computed once for all 2·G elements.
 */
function gatherFunction(plan: KernelPlan, wk: WasmKernel, cpost: Expr, ncv: number, slot: (name: string) => number, G: number, name: string): FuncDef {
  const { N } = plan;
  const R = wk.ring, mask = R - 1;
  const CS8 = ncv * N * 8;
  const locals: ValType[] = [];
  const tm = 0, b = 1, ibase = 2;
  const local3 = (t: ValType) => (locals.push(t), 3 + locals.length - 1);
  const i = local3(T.i32), i8 = local3(T.i32), lo = local3(T.i32), lw = local3(T.i32), rp = local3(T.i32), pb = local3(T.i32);
  const cb = local3(T.i32), k4 = local3(T.i32), k14 = local3(T.i32), addr = local3(T.i32), w = local3(T.v128);
  // q[g][j]: partial sum j of vector g
  const q = Array.from({ length: G }, () => [0, 1, 2, 3].map(() => local3(T.v128)));
  const gx = local3(T.v128), out = local3(T.v128);
  const base = (region: string): Bytes => [...I.i32(0), ...I.i32Load(4 * slot(region))];
  const elemOff = (stride: number): Bytes => [...I.get(b), ...I.i32(stride), ...I.i32Mul(), ...I.i32Add()];
  const code: Bytes = [];
  // coupling parameters: per vector g, lanes (b + 2g, b + 2g + 1) of a per-element one; one value splatted otherwise
  const params: Map<string, number>[] = Array.from({ length: G }, () => new Map());
  for (const [pn, p] of Object.entries(plan.couplingParams)) {
    if (p.kind !== 'scalar' && p.kind !== 'batch') throw new Unsupported(`per-node coupling parameter ${pn}`);
    for (let g = 0; g < G; g++) {
      const l = local3(T.v128);
      code.push(...base(`cp_${pn}`), ...(p.kind === 'batch' ? [...elemOff(8), ...I.v(V.load, 3, 16 * g)] : I.v(V.load64Splat, 3, 0)), ...I.set(l));
      params[g].set(pn, l);
    }
  }
  const post = (g: number) => emitPost(cpost, (sym: string): Bytes => {
    if (sym === 'gx') return I.get(gx);
    if (params[g].has(sym)) return I.get(params[g].get(sym)!);
    if (sym in CONSTANTS) return vconst(CONSTANTS[sym]);
    throw new Unsupported(`coupling name ${sym}`);
  });
  // pb: this pair's interleaved ring, (n·R + slot) · 16 bytes from ibase + b · N·R·8
  code.push(...I.get(ibase), ...elemOff(N * R * 8), ...I.set(pb));
  code.push(...base('cpl'), ...elemOff(CS8), ...I.set(cb));
  code.push(...base('lnkOff'), ...I.set(lo), ...base('lnkW'), ...I.set(lw), ...base('rowPtr'), ...I.set(rp));
  code.push(...I.i32(0), ...I.set(i), ...I.i32(0), ...I.set(i8));
  const rowStart = (at: 0 | 1): Bytes => [...I.get(rp), ...I.get(i), ...I.i32(4), ...I.i32Mul(), ...I.i32Add(), ...I.i32Load(4 * at)];
  // link k + j: w = lnkW[k+j] splatted, addr = pb + 16·((o & ~mask) | ((tm + o) & mask)) with o = lnkOff[k+j];
  // then for each vector g: q[g][acc] += w · (the values of elements b+2g and b+2g+1 there)
  const link = (j: number, acc: number): Bytes => {
    const out: Bytes = [
      ...I.get(lw), ...I.get(k4), ...I.i32(2), ...I.i32Mul(), ...I.i32Add(), ...I.v(V.load64Splat, 3, 8 * j), ...I.set(w),
      ...I.get(lo), ...I.get(k4), ...I.i32Add(), ...I.i32Load(4 * j), ...I.tee(addr), ...I.i32(~mask), ...I.i32And(),
      ...I.get(tm), ...I.get(addr), ...I.i32Add(), ...I.i32(mask), ...I.i32And(), ...I.i32Or(), ...I.i32(4), ...I.i32Shl(),
      ...I.get(pb), ...I.i32Add(), ...I.set(addr),
    ];
    for (let g = 0; g < G; g++) {
      out.push(
        ...I.get(q[g][acc]), ...I.get(w),
        ...I.get(addr), ...I.v(V.load, 4, ...uleb(g * N * R * 16)),
        ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...I.set(q[g][acc]),
      );
    }
    return out;
  };
  const body: Bytes = [];
  for (const qg of q) for (const l of qg) body.push(...vconst(0), ...I.set(l));
  body.push(...rowStart(0), ...I.i32(4), ...I.i32Mul(), ...I.set(k4), ...rowStart(1), ...I.i32(4), ...I.i32Mul(), ...I.set(k14));
  // four links a round into four partial sums, then the rest into the first, as kernel.ts does
  body.push(...I.block(), ...I.loop());
  body.push(...I.get(k4), ...I.i32(12), ...I.i32Add(), ...I.get(k14), ...I.i32GeS(), ...I.brIf(1));
  for (let j = 0; j < 4; j++) body.push(...link(j, j));
  body.push(...I.get(k4), ...I.i32(16), ...I.i32Add(), ...I.set(k4), ...I.br(0), ...I.end(), ...I.end());
  body.push(...I.block(), ...I.loop());
  body.push(...I.get(k4), ...I.get(k14), ...I.i32GeS(), ...I.brIf(1));
  body.push(...link(0, 0));
  body.push(...I.get(k4), ...I.i32(4), ...I.i32Add(), ...I.set(k4), ...I.br(0), ...I.end(), ...I.end());
  for (let g = 0; g < G; g++) {
    const [q0, q1, q2, q3] = q[g];
    body.push(...I.get(q0), ...I.get(q1), ...I.v(V.f64x2Add), ...I.get(q2), ...I.get(q3), ...I.v(V.f64x2Add), ...I.v(V.f64x2Add), ...I.set(gx));
    body.push(...post(g), ...I.set(out));
    for (let r = 0; r < ncv; r++) {
      for (const lane of [0, 1]) body.push(...I.get(cb), ...I.get(i8), ...I.i32Add(), ...I.get(out), ...vlane(V.store64Lane, (2 * g + lane) * CS8 + r * N * 8, lane));
    }
  }
  code.push(...I.block(), ...I.loop(), ...body);
  code.push(...I.get(i8), ...I.i32(8), ...I.i32Add(), ...I.set(i8));
  code.push(...I.get(i), ...I.i32(1), ...I.i32Add(), ...I.tee(i), ...I.i32(N), ...I.i32LtS(), ...I.brIf(0), ...I.end(), ...I.end());
  return { name, params: [T.i32, T.i32, T.i32], results: [], locals, body: code };
}

/**
 * interleave(slot, b, ibase): copy ring slot `slot` of every node of elements b and b + 1 from the
 * kernel's per-element pre-transformed ring (pbuf) into the pair's interleaved ring, so the
 * gather loads both elements' values with one v128.load.
 */
function interleaveFunction(plan: KernelPlan, wk: WasmKernel, slot: (name: string) => number): FuncDef {
  const { N } = plan;
  const R = wk.ring, PS8 = N * R * 8;
  const sl = 0, b = 1, ibase = 2;
  const src = 3, dst = 4, n = 5;
  const code: Bytes = [
    ...I.i32(0), ...I.i32Load(4 * slot('pbuf')), ...I.get(b), ...I.i32(PS8), ...I.i32Mul(), ...I.i32Add(), ...I.get(sl), ...I.i32(8), ...I.i32Mul(), ...I.i32Add(), ...I.set(src),
    ...I.get(ibase), ...I.get(b), ...I.i32(N * R * 8), ...I.i32Mul(), ...I.i32Add(), ...I.get(sl), ...I.i32(16), ...I.i32Mul(), ...I.i32Add(), ...I.set(dst),
    ...I.i32(0), ...I.set(n),
    ...I.block(), ...I.loop(),
    ...I.get(dst), ...I.get(src), ...I.get(src), ...I.v(V.load64Splat, 3, 0), ...vlane(LOAD64_LANE, PS8, 1), ...I.v(V.store, 4, 0),
    ...I.get(src), ...I.i32(R * 8), ...I.i32Add(), ...I.set(src),
    ...I.get(dst), ...I.i32(R * 16), ...I.i32Add(), ...I.set(dst),
    ...I.get(n), ...I.i32(1), ...I.i32Add(), ...I.tee(n), ...I.i32(N), ...I.i32LtS(), ...I.brIf(0), ...I.end(), ...I.end(),
  ];
  return { name: 'interleave', params: [T.i32, T.i32, T.i32], results: [], locals: [T.i32, T.i32, T.i32], body: code };
}

/**
 * JS for the kernel program (inserted right after the kernel module is instantiated, before any
 * view on its memory exists, because growing the memory detaches views): `couplingLanes(s)`
 * computes cpl of the first 2·⌊B/2⌋ elements for step s + 1 and returns how many it did, or the
 * constant null when batch lanes do not apply.
 */
export function batchLanesSource(plan: KernelPlan, wk: WasmKernel | null): string {
  const bytes = process.env.VBT_BATCH_LANES === '0' ? null : generatePairGather(plan, wk);
  if (!bytes || !wk) return 'const couplingLanes = null;';
  const R = wk.ring, pairBytes = plan.N * R * 16;
  return `const couplingLanes = B < 2 ? null : (() => {
  const lanes = new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.from(atob('${Buffer.from(bytes).toString('base64')}'), (c) => c.charCodeAt(0))), { env: { mem: wmem } }).exports;
  const pairs = B >> 1, ibase = wmem.grow(Math.ceil((pairs * ${pairBytes}) / 65536)) * 65536;
  let filled = false;
  return (s) => {
    // the first call copies the whole initial ring, later ones the slot just written
    for (let b = 0; b + 1 < B; b += 2) {
      if (filled) lanes.interleave(s & ${R - 1}, b, ibase);
      else for (let k = 0; k < ${R}; k++) lanes.interleave(k, b, ibase);
    }
    filled = true;
    let b = 0;
    for (; b + 3 < B; b += 4) lanes.couplingQuad(s, b, ibase);
    for (; b + 1 < B; b += 2) lanes.couplingPair(s, b, ibase);
    return b;
  };
})();`;
}
