/**
 * The local-coupling product out = A·x (or out + A·x) of the surface adjoint in WebAssembly f64x2:
 * two rows per instruction over the ELL part of A laid out per row pair (./wasm.ts's pairEll), then
 * the few longer rows' CSR rest in JavaScript. Each row sums its terms in CSR order, as the
 * JavaScript product does, so both give the same numbers; the gathers without bounds checks, two
 * lanes per load of the weights, are what make it cheaper (the adjoint spends most of its time in
 * these products: two per Heun step forward, four more in reverse).
 */
import { Fn } from '../engine/wasm/kernel.js';
import { type Bytes, I, T, V, buildModule, uleb, vmem } from '../engine/wasm/encoder.js';
import type { CsrMatrix } from './sparse.js';
import { pairEll } from './wasm.js';

export interface EllProduct {
  /** out[dst + v] = (add ? out[dst + v] : 0) + Σ_q A[v, q]·x[src + q], v < N. */
  mul(x: Float64Array, src: number, out: Float64Array, dst: number, add: boolean): void;
}

const I64_LOAD = (off: number): Bytes => [0x29, 3, ...uleb(off)];
const I32_WRAP: Bytes = [0xa7];
const I64_SHR32: Bytes = [0x42, 32, 0x88];
const load64Lane = (off: number, lane: number): Bytes => [0xfd, ...uleb(0x57), 3, ...uleb(off), lane];

/**
 * The product for an ELL part (width W, N rows: col/val N·W, short rows padded with weight 0 on a
 * valid column) and its CSR rest; null where WebAssembly SIMD is not available.
 */
export function ellProduct(N: number, W: number, col: ArrayLike<number>, val: Float64Array, rest: CsrMatrix): EllProduct | null {
  if (typeof WebAssembly === 'undefined') return null;
  const pe = pairEll(N, W, Int32Array.from(col), val, rest.rowPtr);
  const P = Math.ceil(N / 2);
  const align = (b: number) => Math.ceil(b / 16) * 16;
  const OFF = 64, VAL = OFF + align(pe.off.byteLength), XIN = VAL + align(pe.val.byteLength), YOUT = XIN + align(2 * P * 8);
  const top = YOUT + align(2 * P * 8);
  const pages = Math.ceil(top / 65536) + 1;

  const func = (name: string, add: boolean) => {
    const fn = new Fn([]);
    const o = fn.local(T.i32), po = fn.local(T.i32), pv = fn.local(T.i32), pair = fn.local(T.i64);
    const acc = fn.local(T.v128), tmp = fn.local(T.v128);
    const body: Bytes = [...I.i32(0), ...I.set(o), ...I.i32(OFF), ...I.set(po), ...I.i32(VAL), ...I.set(pv)];
    body.push(...I.block(), ...I.loop(), ...I.get(o), ...I.i32(16 * P), ...I.i32GeS(), ...I.brIf(1));
    // x at both lanes' columns: the two byte offsets read as one i64
    const gather = (w: number): Bytes => [
      ...I.get(po), ...I64_LOAD(8 * w), ...I.tee(pair), ...I32_WRAP, ...vmem(V.load64Zero, XIN, 3), ...I.set(tmp),
      ...I.get(pair), ...I64_SHR32, ...I32_WRAP, ...I.get(tmp), ...load64Lane(XIN, 1),
    ];
    const term = (w: number): Bytes => [...I.get(pv), ...vmem(V.load, 16 * w), ...gather(w), ...I.v(V.f64x2Mul)];
    if (add) body.push(...I.get(o), ...vmem(V.load, YOUT));
    for (let w = 0; w < W; w++) {
      body.push(...term(w));
      if (add || w > 0) body.push(...I.v(V.f64x2Add));
    }
    if (!add && W === 0) body.push(...I.v(V.const, ...new Array(16).fill(0)));
    body.push(...I.set(acc), ...I.get(o), ...I.get(acc), ...vmem(V.store, YOUT));
    body.push(...I.get(po), ...I.i32(8 * W), ...I.i32Add(), ...I.set(po), ...I.get(pv), ...I.i32(16 * W), ...I.i32Add(), ...I.set(pv));
    body.push(...I.get(o), ...I.i32(16), ...I.i32Add(), ...I.set(o), ...I.br(0), ...I.end(), ...I.end());
    return { name, params: fn.params, results: [], locals: fn.locals, body };
  };
  let inst: WebAssembly.Instance, mem: WebAssembly.Memory;
  try {
    const bytes = buildModule([func('mul', false), func('mulAdd', true)], pages);
    mem = new WebAssembly.Memory({ initial: pages });
    inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem } });
  } catch {
    return null;
  }
  new Int32Array(mem.buffer, OFF, pe.off.length).set(pe.off);
  new Float64Array(mem.buffer, VAL, pe.val.length).set(pe.val);
  const xin = new Float64Array(mem.buffer, XIN, 2 * P), yout = new Float64Array(mem.buffer, YOUT, 2 * P);
  const { mul, mulAdd } = inst.exports as { mul: () => void; mulAdd: () => void };
  // rows with entries beyond W
  const restRows = Int32Array.from({ length: N }, (_, v) => v).filter((v) => rest.rowPtr[v + 1] > rest.rowPtr[v]);
  const { rowPtr, colIndex, values } = rest;
  return {
    mul(x, src, out, dst, add) {
      xin.set(x.subarray(src, src + N));
      if (add) { yout.set(out.subarray(dst, dst + N)); mulAdd(); } else mul();
      for (const v of restRows) {
        let a = yout[v];
        for (let q = rowPtr[v]; q < rowPtr[v + 1]; q++) a += values[q] * xin[colIndex[q]];
        yout[v] = a;
      }
      out.set(yout.subarray(0, N), dst);
    },
  };
}
