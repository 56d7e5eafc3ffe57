/**
 * Batch lanes for the delayed coupling gather: one pass over the link lists serves two batch
 * elements, b in lane 0 and b + 1 in lane 1 of each f64x2. The link offset, its ring address and
 * its weight are loaded once for both, and one multiply-add does both sums. Each lane performs
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
 * The module imports the same memory as the kernel module and reads its region header.
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
 * The module exporting `couplingPair(tm, b)` and `couplingQuad(tm, b)`: cpl of elements b … b + 1
 * (b … b + 3) at step tm + 1, as the kernel module's `coupling(tm, b)` would write them one by
 * one. Null when outside the coverage.
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
    return buildModule([gatherFunction(plan, wk, cpost, ncv, slot, 1, 'couplingPair'), gatherFunction(plan, wk, cpost, ncv, slot, 2, 'couplingQuad')], 1);
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
  const PS8 = N * R * 8, CS8 = ncv * N * 8;
  const locals: ValType[] = [];
  const local = (t: ValType) => (locals.push(t), 2 + locals.length - 1);
  const tm = 0, b = 1;
  const i = local(T.i32), i8 = local(T.i32), lo = local(T.i32), lw = local(T.i32), rp = local(T.i32), pb = local(T.i32);
  const cb = local(T.i32), k4 = local(T.i32), k14 = local(T.i32), addr = local(T.i32), w = local(T.v128);
  // q[g][j]: partial sum j of vector g
  const q = Array.from({ length: G }, () => [0, 1, 2, 3].map(() => local(T.v128)));
  const gx = local(T.v128), out = local(T.v128);
  const base = (region: string): Bytes => [...I.i32(0), ...I.i32Load(4 * slot(region))];
  const elemOff = (stride: number): Bytes => [...I.get(b), ...I.i32(stride), ...I.i32Mul(), ...I.i32Add()];
  const code: Bytes = [];
  // coupling parameters: per vector g, lanes (b + 2g, b + 2g + 1) of a per-element one; one value splatted otherwise
  const params: Map<string, number>[] = Array.from({ length: G }, () => new Map());
  for (const [pn, p] of Object.entries(plan.couplingParams)) {
    if (p.kind !== 'scalar' && p.kind !== 'batch') throw new Unsupported(`per-node coupling parameter ${pn}`);
    for (let g = 0; g < G; g++) {
      const l = local(T.v128);
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
  code.push(...base('pbuf'), ...elemOff(PS8), ...I.set(pb));
  code.push(...base('cpl'), ...elemOff(CS8), ...I.set(cb));
  code.push(...base('lnkOff'), ...I.set(lo), ...base('lnkW'), ...I.set(lw), ...base('rowPtr'), ...I.set(rp));
  code.push(...I.i32(0), ...I.set(i), ...I.i32(0), ...I.set(i8));
  const rowStart = (at: 0 | 1): Bytes => [...I.get(rp), ...I.get(i), ...I.i32(4), ...I.i32Mul(), ...I.i32Add(), ...I.i32Load(4 * at)];
  // link k + j: w = lnkW[k+j] splatted, addr = pb + 8·((o & ~mask) | ((tm + o) & mask)) with o = lnkOff[k+j];
  // then for each vector g: q[g][acc] += w · (pbuf[b+2g][addr], pbuf[b+2g+1][addr])
  const link = (j: number, acc: number): Bytes => {
    const out: Bytes = [
      ...I.get(lw), ...I.get(k4), ...I.i32(2), ...I.i32Mul(), ...I.i32Add(), ...I.v(V.load64Splat, 3, 8 * j), ...I.set(w),
      ...I.get(lo), ...I.get(k4), ...I.i32Add(), ...I.i32Load(4 * j), ...I.tee(addr), ...I.i32(~mask), ...I.i32And(),
      ...I.get(tm), ...I.get(addr), ...I.i32Add(), ...I.i32(mask), ...I.i32And(), ...I.i32Or(), ...I.i32(3), ...I.i32Shl(),
      ...I.get(pb), ...I.i32Add(), ...I.set(addr),
    ];
    for (let g = 0; g < G; g++) {
      out.push(
        ...I.get(q[g][acc]), ...I.get(w),
        ...I.get(addr), ...I.get(addr), ...I.v(V.load64Splat, 3, ...uleb(2 * g * PS8)), ...vlane(LOAD64_LANE, (2 * g + 1) * PS8, 1),
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
  return { name, params: [T.i32, T.i32], results: [], locals, body: code };
}
