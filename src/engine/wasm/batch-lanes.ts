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
import { type Bytes, I, T, V, type ValType, buildModule, vlane } from './encoder.js';
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
 * The module exporting `couplingPair(tm, b)`: cpl of elements b and b + 1 at step tm + 1, as the
 * kernel module's `coupling(tm, b)` twice would write them. Null when outside the coverage.
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
    const R = wk.ring, mask = R - 1;
    const PS8 = N * R * 8, CS8 = ncv * N * 8;
    const locals: ValType[] = [];
    const local = (t: ValType) => (locals.push(t), 2 + locals.length - 1);
    const tm = 0, b = 1;
    const i = local(T.i32), i8 = local(T.i32), lo = local(T.i32), lw = local(T.i32), rp = local(T.i32), pb0 = local(T.i32), pb1 = local(T.i32);
    const cb = local(T.i32), k4 = local(T.i32), k14 = local(T.i32), addr = local(T.i32);
    const q = [0, 1, 2, 3].map(() => local(T.v128));
    const gx = local(T.v128), out = local(T.v128);
    const base = (name: string): Bytes => [...I.i32(0), ...I.i32Load(4 * slot(name))];
    const code: Bytes = [];
    // coupling parameters: lanes (b, b + 1) of a per-element one, both lanes of a single one
    const params = new Map<string, number>();
    for (const [name, p] of Object.entries(plan.couplingParams)) {
      if (p.kind !== 'scalar' && p.kind !== 'batch') throw new Unsupported(`per-node coupling parameter ${name}`);
      const l = local(T.v128);
      code.push(...base(`cp_${name}`));
      if (p.kind === 'batch') code.push(...I.get(b), ...I.i32(8), ...I.i32Mul(), ...I.i32Add(), ...I.v(V.load, 3, 0));
      else code.push(...I.v(V.load64Splat, 3, 0));
      code.push(...I.set(l));
      params.set(name, l);
    }
    const sym = (name: string): Bytes => {
      if (name === 'gx') return I.get(gx);
      if (params.has(name)) return I.get(params.get(name)!);
      if (name in CONSTANTS) return vconst(CONSTANTS[name]);
      throw new Unsupported(`coupling name ${name}`);
    };
    const post = emitPost(cpost, sym);
    code.push(...base('pbuf'), ...I.get(b), ...I.i32(PS8), ...I.i32Mul(), ...I.i32Add(), ...I.tee(pb0), ...I.i32(PS8), ...I.i32Add(), ...I.set(pb1));
    code.push(...base('cpl'), ...I.get(b), ...I.i32(CS8), ...I.i32Mul(), ...I.i32Add(), ...I.set(cb));
    code.push(...base('lnkOff'), ...I.set(lo), ...base('lnkW'), ...I.set(lw), ...base('rowPtr'), ...I.set(rp));
    code.push(...I.i32(0), ...I.set(i), ...I.i32(0), ...I.set(i8));
    const rowStart = (at: 0 | 1): Bytes => [...I.get(rp), ...I.get(i), ...I.i32(4), ...I.i32Mul(), ...I.i32Add(), ...I.i32Load(4 * at)];
    // w[k+j] · (pbuf[b][a], pbuf[b+1][a]) with a = 8·((o & ~mask) | ((tm + o) & mask)), o = lnkOff[k+j]
    const term = (j: number): Bytes => [
      ...I.get(lw), ...I.get(k4), ...I.i32(2), ...I.i32Mul(), ...I.i32Add(), ...I.v(V.load64Splat, 3, 8 * j),
      ...I.get(lo), ...I.get(k4), ...I.i32Add(), ...I.i32Load(4 * j), ...I.tee(addr), ...I.i32(~mask), ...I.i32And(),
      ...I.get(tm), ...I.get(addr), ...I.i32Add(), ...I.i32(mask), ...I.i32And(), ...I.i32Or(), ...I.i32(3), ...I.i32Shl(), ...I.set(addr),
      ...I.get(pb1), ...I.get(addr), ...I.i32Add(),
      ...I.get(pb0), ...I.get(addr), ...I.i32Add(), ...I.v(V.load64Splat, 3, 0),
      ...vlane(LOAD64_LANE, 0, 1),
      ...I.v(V.f64x2Mul),
    ];
    const body: Bytes = [];
    for (const l of q) body.push(...vconst(0), ...I.set(l));
    body.push(...rowStart(0), ...I.i32(4), ...I.i32Mul(), ...I.set(k4), ...rowStart(1), ...I.i32(4), ...I.i32Mul(), ...I.set(k14));
    body.push(...I.block(), ...I.loop());
    body.push(...I.get(k4), ...I.i32(12), ...I.i32Add(), ...I.get(k14), ...I.i32GeS(), ...I.brIf(1));
    for (let j = 0; j < 4; j++) body.push(...I.get(q[j]), ...term(j), ...I.v(V.f64x2Add), ...I.set(q[j]));
    body.push(...I.get(k4), ...I.i32(16), ...I.i32Add(), ...I.set(k4), ...I.br(0), ...I.end(), ...I.end());
    body.push(...I.block(), ...I.loop());
    body.push(...I.get(k4), ...I.get(k14), ...I.i32GeS(), ...I.brIf(1));
    body.push(...I.get(q[0]), ...term(0), ...I.v(V.f64x2Add), ...I.set(q[0]));
    body.push(...I.get(k4), ...I.i32(4), ...I.i32Add(), ...I.set(k4), ...I.br(0), ...I.end(), ...I.end());
    body.push(...I.get(q[0]), ...I.get(q[1]), ...I.v(V.f64x2Add), ...I.get(q[2]), ...I.get(q[3]), ...I.v(V.f64x2Add), ...I.v(V.f64x2Add), ...I.set(gx));
    body.push(...post, ...I.set(out));
    for (let r = 0; r < ncv; r++) {
      body.push(...I.get(cb), ...I.get(i8), ...I.i32Add(), ...I.get(out), ...vlane(V.store64Lane, r * N * 8, 0));
      body.push(...I.get(cb), ...I.get(i8), ...I.i32Add(), ...I.get(out), ...vlane(V.store64Lane, CS8 + r * N * 8, 1));
    }
    code.push(...I.block(), ...I.loop(), ...body);
    code.push(...I.get(i8), ...I.i32(8), ...I.i32Add(), ...I.set(i8));
    code.push(...I.get(i), ...I.i32(1), ...I.i32Add(), ...I.tee(i), ...I.i32(N), ...I.i32LtS(), ...I.brIf(0), ...I.end(), ...I.end());
    return buildModule([{ name: 'couplingPair', params: [T.i32, T.i32], results: [], locals, body: code }], 1);
  } catch (e) {
    if (e instanceof Unsupported) return null;
    throw e;
  }
}
