/**
 * The Bold monitor's block update in WebAssembly SIMD: when a 4 ms block is finished, its average
 * goes, weighted by the kernel value of its lag, into the accumulator of every pending output —
 * K·W multiply-adds per block and batch element, most of the monitor's cost and a third of an
 * RWW + Bold point in JavaScript. Here two accumulator entries share one f64x2 multiply and one
 * add; each entry gets exactly the operations of the JavaScript loop (acc + w·blk, w = lagW[p]/I
 * computed once in float64 as there), so results are bit-identical.
 *
 * Memory (its own, sized by the program for B elements): lagW/I (S doubles), then blk (B·W),
 * then acc (B·K·W). `feed(b, j, head)` adds element b's block j into outputs head … and clears
 * the block.
 */
import { buildModule, I, T, V, type Bytes, type ValType } from '../../engine/wasm/encoder.js';

export interface BoldLayout { W: number; S: number; K: number; nS: number; s1: number; istep: number; I: number }

/** Byte offsets of the three arrays for B elements. */
export function boldWasmOffsets(l: BoldLayout, B: number): { blk: number; acc: number; end: number } {
  const blk = Math.ceil((l.S * 8) / 16) * 16;
  const acc = blk + Math.ceil((B * l.W * 8) / 16) * 16;
  return { blk, acc, end: acc + B * l.K * l.W * 8 };
}

/** feed(b, j, head, blkBase, accBase): the module; the bases come from boldWasmOffsets. */
export function boldFeedModule(l: BoldLayout): Uint8Array<ArrayBuffer> {
  const { W, S, K, nS, s1, istep } = l;
  const W8 = W * 8, pairs = W >> 1;
  const b = 0, j = 1, head = 2, blkBase = 3, accBase = 4;
  const locals: ValType[] = [T.i32, T.i32, T.i32, T.i32, T.v128, T.i32, T.f64];
  const k = 5, p = 6, bo = 7, ao = 8, w = 9, q = 10, ws = 11;
  const code: Bytes = [];
  code.push(...I.get(blkBase), ...I.get(b), ...I.i32(W8), ...I.i32Mul(), ...I.i32Add(), ...I.set(bo));
  code.push(...I.get(head), ...I.set(k));
  // for k = head … nS − 1 while the lag p = floor((s1 + k·istep)/I) − j is inside the kernel
  code.push(...I.block(), ...I.loop());
  code.push(...I.get(k), ...I.i32(nS), ...I.i32GeS(), ...I.brIf(1));
  code.push(...I.i32(s1), ...I.get(k), ...I.i32(istep), ...I.i32Mul(), ...I.i32Add(), ...I.i32(l.I), ...I.i32DivU(), ...I.get(j), ...I.i32Sub(), ...I.tee(p));
  code.push(...I.i32(S), ...I.i32GeS(), ...I.brIf(1));
  // ws = lagW[p] / I (the table holds lagW/I already), w = (ws, ws)
  code.push(...I.get(p), ...I.i32(8), ...I.i32Mul(), ...I.f64Load(0), ...I.tee(ws), ...I.v(V.f64x2Splat), ...I.set(w));
  code.push(...I.get(accBase), ...I.get(b), ...I.i32(K), ...I.i32Mul(), ...I.get(k), ...I.i32(K), ...I.i32RemU(), ...I.i32Add(), ...I.i32(W8), ...I.i32Mul(), ...I.i32Add(), ...I.set(ao));
  if (pairs > 0) {
    code.push(...I.i32(0), ...I.set(q), ...I.block(), ...I.loop());
    // acc[ao + q] += w · blk[bo + q], two entries at a time
    code.push(
      ...I.get(ao), ...I.get(q), ...I.i32Add(),
      ...I.get(ao), ...I.get(q), ...I.i32Add(), ...I.v(V.load, 3, 0),
      ...I.get(w), ...I.get(bo), ...I.get(q), ...I.i32Add(), ...I.v(V.load, 3, 0), ...I.v(V.f64x2Mul),
      ...I.v(V.f64x2Add), ...I.v(V.store, 3, 0),
    );
    code.push(...I.get(q), ...I.i32(16), ...I.i32Add(), ...I.tee(q), ...I.i32(pairs * 16), ...I.i32LtS(), ...I.brIf(0), ...I.end(), ...I.end());
  }
  if (W & 1) {
    const t = (W - 1) * 8;
    code.push(...I.get(ao), ...I.get(ao), ...I.f64Load(t), ...I.get(ws), ...I.get(bo), ...I.f64Load(t), ...I.f64Mul(), ...I.f64Add(), ...I.f64Store(t));
  }
  code.push(...I.get(k), ...I.i32(1), ...I.i32Add(), ...I.set(k), ...I.br(0), ...I.end(), ...I.end());
  // the block starts over
  code.push(...I.i32(0), ...I.set(q), ...I.block(), ...I.loop());
  code.push(...I.get(bo), ...I.get(q), ...I.i32Add(), ...I.f64(0), ...I.f64Store(0));
  code.push(...I.get(q), ...I.i32(8), ...I.i32Add(), ...I.tee(q), ...I.i32(W8), ...I.i32LtS(), ...I.brIf(0), ...I.end(), ...I.end());
  return buildModule([{ name: 'feed', params: [T.i32, T.i32, T.i32, T.i32, T.i32], results: [], locals, body: code }], 1);
}
