/**
 * The adjoint's plain delayed gather and its reverse scatter as WebAssembly: a weighted sum of
 * delayed source values per target row (Σ_k w_k·X[o + rel_k]) and the scatter of its cotangent
 * (XB[o + rel_k] += bgx·w_k, with the weights' gradient and the interpolated delays' terms when
 * asked). The arrays live in one WebAssembly memory that the generated JS program also reads
 * through Float64Array/Int32Array views; the base addresses are folded into the loads' offsets.
 * Every sum keeps the JS program's order and association (four partial sums for integer delays,
 * two for interpolated ones, serial adds per cotangent address), so the values are bitwise those
 * of the JS loops (partial sums sit in f64x2 lanes, two links per pass, each lane the scalar
 * expression; no fused multiply-add); WebAssembly spares them the typed arrays' bounds checks.
 */
import { I, T, V, buildModule, uleb, vmem, type Bytes, type FuncDef } from '../wasm/encoder.js';

/** Element counts of the arrays the module works on. */
export interface LinkArraySizes { X: number; XB: number; WB: number; links: number }

export interface LinkWasm {
  X: Float64Array; XB: Float64Array; WB: Float64Array;
  rel: Int32Array; w: Float64Array; wi: Int32Array; frac: Float64Array; dfds: Float64Array;
  /** dot4(o, k, k1) → (q0 + q1) + (q2 + q3): links k … k1−1, four partial sums; dotLin(o, k, k1): interpolated delays, two. */
  fns: { dot4: (o: number, k: number, k1: number) => number; scatter4: (o: number, k: number, k1: number, bgx: number) => void; scatterW: (ox: number, o: number, k: number, k1: number, bgx: number) => void; dotLin: (o: number, k: number, k1: number) => number; scatterLin: (ox: number, o: number, k: number, k1: number, bgx: number) => number };
}

const PAGE = 65536;

/**
 * Allocates the arrays and builds the module. `bss` is the slot stride (B·SS): interpolated delays
 * read the slot before; `weights` and `speed` say which gradient terms scatterLin adds.
 */
export function linkWasm(n: LinkArraySizes, bss: number, weights: boolean, speed: boolean): LinkWasm {
  // byte layout: X, XB, WB, w, frac, dfds (f64), then rel, wi (i32)
  // (interpolated delays read X one slot back: the loads' constant offset is X's base − 8·BSS, so X starts past it)
  let top = Math.ceil((8 * bss) / 16) * 16;
  const at = (count: number, size: number) => { const o = top; top += Math.ceil((count * size) / 16) * 16 + 16; return o; };
  const bX = at(n.X, 8), bXB = at(n.XB, 8), bWB = at(n.WB, 8), bW = at(n.links, 8), bF = at(n.links, 8), bD = at(n.links, 8), bR = at(n.links, 4), bWi = at(n.links, 4);
  const mem = new WebAssembly.Memory({ initial: Math.ceil(top / PAGE) + 1 });
  const buf = mem.buffer;
  const funcs: FuncDef[] = [];
  const f64 = (base: number, addr: Bytes): Bytes => [...addr, ...I.f64Load(base)];
  // addresses: a link's weight/fraction/… k·8 + base, its offset k·4 + base, a window value (o + rel)·8 + base
  const k8 = (k: number, j = 0): Bytes => [...I.get(k), ...I.i32(3), ...I.i32Shl(), ...(j ? [...I.i32(8 * j), ...I.i32Add()] : [])];
  const relAt = (k: number, j = 0): Bytes => [...I.get(k), ...I.i32(2), ...I.i32Shl(), ...I.i32Load(bR + 4 * j)];
  const win = (o: number, r: Bytes, shift = 0): Bytes => [...I.get(o), ...r, ...I.i32Add(), ...(shift ? [...I.i32(shift), ...I.i32Sub()] : []), ...I.i32(3), ...I.i32Shl()];
  /** while (k + step − 1 < k1) { body; k += step } */
  const loopBy = (k: number, k1: number, step: number, body: Bytes): Bytes => [
    ...I.block(), ...I.loop(),
    ...I.get(k), ...(step > 1 ? [...I.i32(step - 1), ...I.i32Add()] : []), ...I.get(k1), ...I.i32GeS(), ...I.brIf(1),
    ...body,
    ...I.get(k), ...I.i32(step), ...I.i32Add(), ...I.set(k), ...I.br(0), ...I.end(), ...I.end(),
  ];
  // dot4(o, k, k1): the partial sums (q0, q1) and (q2, q3) as two f64x2 accumulators, a pass's four
  // weights as two v128 loads and its four delayed values each loaded into its lane; the tail into q0
  const lane1 = (off: number): Bytes => [0xfd, ...uleb(0x57), 3, ...uleb(off), 1];
  /** (X[o + rel_{k+j}], X[o + rel_{k+j+1}]) one slot back per `shift` (element count) */
  const pairAt = (o: number, k: number, j: number, tmp: number, shift = 0): Bytes => [
    ...win(o, relAt(k, j)), ...vmem(V.load64Zero, bX - 8 * shift, 3), ...I.set(tmp),
    ...win(o, relAt(k, j + 1)), ...I.get(tmp), ...lane1(bX - 8 * shift),
  ];
  const wPair = (k: number, base: number, j: number): Bytes => [...I.get(k), ...I.i32(3), ...I.i32Shl(), ...vmem(V.load, base + 8 * j, 3)];
  {
    const o = 0, k = 1, k1 = 2, q0 = 3, A = 4, Bq = 5, tmp = 6;
    const term = (): Bytes => [...f64(bW, k8(k)), ...f64(bX, win(o, relAt(k))), ...I.f64Mul()];
    const body4: Bytes = [
      ...I.get(A), ...wPair(k, bW, 0), ...pairAt(o, k, 0, tmp), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...I.set(A),
      ...I.get(Bq), ...wPair(k, bW, 2), ...pairAt(o, k, 2, tmp), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...I.set(Bq),
    ];
    const body = [
      ...loopBy(k, k1, 4, body4),
      ...I.get(A), ...I.v(V.f64x2Extract, 0), ...I.set(q0),
      ...loopBy(k, k1, 1, [...I.get(q0), ...term(), ...I.f64Add(), ...I.set(q0)]),
      ...I.get(q0), ...I.get(A), ...I.v(V.f64x2Extract, 1), ...I.f64Add(),
      ...I.get(Bq), ...I.v(V.f64x2Extract, 0), ...I.get(Bq), ...I.v(V.f64x2Extract, 1), ...I.f64Add(), ...I.f64Add(),
    ];
    funcs.push({ name: 'dot4', params: [T.i32, T.i32, T.i32], results: [T.f64], locals: [T.f64, T.v128, T.v128, T.v128], body });
  }
  /** mem[base + addr] += lane `lane` of v (a: an i32 scratch local) */
  const addLane = (a: number, base: number, addr: Bytes, v: Bytes, lane: number): Bytes => [...addr, ...I.tee(a), ...I.get(a), ...I.f64Load(base), ...v, ...I.v(V.f64x2Extract, lane), ...I.f64Add(), ...I.f64Store(base)];
  // scatter4(o, k, k1, bgx): XB[o + rel_k] += bgx·w_k; two links per pass (bgx·w as one f64x2 product)
  {
    const o = 0, k = 1, k1 = 2, bgx = 3, a = 4, BX = 5;
    const pass: Bytes = [
      ...I.get(bgx), ...I.v(V.f64x2Splat), ...wPair(k, bW, 0), ...I.v(V.f64x2Mul), ...I.set(BX),
      ...addLane(a, bXB, win(o, relAt(k, 0)), I.get(BX), 0), ...addLane(a, bXB, win(o, relAt(k, 1)), I.get(BX), 1),
    ];
    const body = [...loopBy(k, k1, 2, pass), ...loopBy(k, k1, 1, [
      ...win(o, relAt(k)), ...I.tee(a), ...I.get(a), ...I.f64Load(bXB), ...I.get(bgx), ...f64(bW, k8(k)), ...I.f64Mul(), ...I.f64Add(), ...I.f64Store(bXB),
    ])];
    funcs.push({ name: 'scatter4', params: [T.i32, T.i32, T.i32, T.f64], results: [], locals: [T.i32, T.v128], body });
  }
  // scatterW(ox, o, k, k1, bgx): also WB[wi_k] += bgx·X[ox + rel_k]; two links per pass
  {
    const ox = 0, o = 1, k = 2, k1 = 3, bgx = 4, r = 5, a = 6, BX = 7, XV = 8, tmp = 9;
    const wiAddr = (j: number): Bytes => [...I.get(k), ...I.i32(2), ...I.i32Shl(), ...I.i32Load(bWi + 4 * j), ...I.i32(3), ...I.i32Shl()];
    const pass: Bytes = [
      ...I.get(bgx), ...I.v(V.f64x2Splat), ...wPair(k, bW, 0), ...I.v(V.f64x2Mul), ...I.set(BX),
      ...addLane(a, bXB, win(o, relAt(k, 0)), I.get(BX), 0), ...addLane(a, bXB, win(o, relAt(k, 1)), I.get(BX), 1),
      ...I.get(bgx), ...I.v(V.f64x2Splat), ...pairAt(ox, k, 0, tmp), ...I.v(V.f64x2Mul), ...I.set(XV),
      ...addLane(a, bWB, wiAddr(0), I.get(XV), 0), ...addLane(a, bWB, wiAddr(1), I.get(XV), 1),
    ];
    const body = [...loopBy(k, k1, 2, pass), ...loopBy(k, k1, 1, [
      ...relAt(k), ...I.set(r),
      ...win(o, I.get(r)), ...I.tee(a), ...I.get(a), ...I.f64Load(bXB), ...I.get(bgx), ...f64(bW, k8(k)), ...I.f64Mul(), ...I.f64Add(), ...I.f64Store(bXB),
      ...wiAddr(0), ...I.tee(a),
      ...I.get(a), ...I.f64Load(bWB), ...I.get(bgx), ...f64(bX, win(ox, I.get(r))), ...I.f64Mul(), ...I.f64Add(), ...I.f64Store(bWB),
    ])];
    funcs.push({ name: 'scatterW', params: [T.i32, T.i32, T.i32, T.i32, T.f64], results: [], locals: [T.i32, T.i32, T.v128, T.v128, T.v128], body });
  }
  // dotLin(o, k, k1): q += w_k·(x0 + f_k·(X[a − BSS] − x0)), x0 = X[a], a = o + rel_k; pairs in the lanes (q0, q1), the tail into q0
  {
    const o = 0, k = 1, k1 = 2, q0 = 3, a = 4, x0 = 5, Q = 6, X0 = 7, tmp = 8;
    const term = (): Bytes => [
      ...f64(bW, k8(k)),
      ...win(o, relAt(k)), ...I.tee(a), ...I.f64Load(bX), ...I.tee(x0),
      ...f64(bF, k8(k)), ...I.get(a), ...I.f64Load(bX - 8 * bss), ...I.get(x0), ...I.f64Sub(), ...I.f64Mul(), ...I.f64Add(),
      ...I.f64Mul(),
    ];
    const pass: Bytes = [
      ...pairAt(o, k, 0, tmp), ...I.set(X0),
      ...I.get(Q), ...wPair(k, bW, 0),
      ...I.get(X0), ...wPair(k, bF, 0), ...pairAt(o, k, 0, tmp, bss), ...I.get(X0), ...I.v(V.f64x2Sub), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add),
      ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...I.set(Q),
    ];
    const body = [
      ...loopBy(k, k1, 2, pass),
      ...I.get(Q), ...I.v(V.f64x2Extract, 0), ...I.set(q0),
      ...loopBy(k, k1, 1, [...I.get(q0), ...term(), ...I.f64Add(), ...I.set(q0)]),
      ...I.get(q0), ...I.get(Q), ...I.v(V.f64x2Extract, 1), ...I.f64Add(),
    ];
    funcs.push({ name: 'dotLin', params: [T.i32, T.i32, T.i32], results: [T.f64], locals: [T.f64, T.i32, T.f64, T.v128, T.v128, T.v128], body });
  }
  // scatterLin(ox, o, k, k1, bgx) → Σ bx·(X[rx − BSS] − x0)·dfds_k (the speed's term)
  {
    const ox = 0, o = 1, k = 2, k1 = 3, bgx = 4, r = 5, a = 6, bx = 7, f = 8, x0 = 9, xp = 10, sbl = 11;
    const r1 = 12, BX = 13, F2 = 14, X0 = 15, D = 16;
    // two links per pass: their weights, fractions and dfds as one v128 load each, the products in
    // f64x2 lanes (each lane the scalar expression); the sums stay scalar and serial, in link order
    const pairX = (shift: number): Bytes => [
      ...win(ox, I.get(r)), ...vmem(V.load64Zero, bX - 8 * shift, 3), ...I.set(X0),
      ...win(ox, I.get(r1)), ...I.get(X0), ...lane1(bX - 8 * shift),
    ];
    const addLane = (base: number, addr: Bytes, v: Bytes, lane: number): Bytes => [...addr, ...I.tee(a), ...I.get(a), ...I.f64Load(base), ...v, ...I.v(V.f64x2Extract, lane), ...I.f64Add(), ...I.f64Store(base)];
    const wiAddr = (j: number): Bytes => [...I.get(k), ...I.i32(2), ...I.i32Shl(), ...I.i32Load(bWi + 4 * j), ...I.i32(3), ...I.i32Shl()];
    const pair: Bytes = [
      ...relAt(k), ...I.set(r), ...relAt(k, 1), ...I.set(r1),
      ...I.get(bgx), ...I.v(V.f64x2Splat), ...I.get(k), ...I.i32(3), ...I.i32Shl(), ...vmem(V.load, bW, 3), ...I.v(V.f64x2Mul), ...I.set(BX),
      ...I.get(k), ...I.i32(3), ...I.i32Shl(), ...vmem(V.load, bF, 3), ...I.set(F2),
    ];
    const bxOneMinusF: Bytes = [...I.get(BX), ...I.f64(1), ...I.v(V.f64x2Splat), ...I.get(F2), ...I.v(V.f64x2Sub), ...I.v(V.f64x2Mul)];
    const bxF: Bytes = [...I.get(BX), ...I.get(F2), ...I.v(V.f64x2Mul)];
    pair.push(
      ...addLane(bXB, win(o, I.get(r)), bxOneMinusF, 0), ...addLane(bXB, win(o, I.get(r), bss), bxF, 0),
      ...addLane(bXB, win(o, I.get(r1)), bxOneMinusF, 1), ...addLane(bXB, win(o, I.get(r1), bss), bxF, 1),
    );
    if (speed || weights) {
      // D = X[rx − BSS] − X[rx] per lane; X0 = X[rx]
      pair.push(...pairX(bss), ...I.set(D), ...pairX(0), ...I.set(X0), ...I.get(D), ...I.get(X0), ...I.v(V.f64x2Sub), ...I.set(D));
    }
    if (speed) {
      const sv = 17;
      pair.push(...I.get(BX), ...I.get(D), ...I.v(V.f64x2Mul), ...I.get(k), ...I.i32(3), ...I.i32Shl(), ...vmem(V.load, bD, 3), ...I.v(V.f64x2Mul), ...I.set(sv));
      for (const l of [0, 1]) pair.push(...I.get(sbl), ...I.get(sv), ...I.v(V.f64x2Extract, l), ...I.f64Add(), ...I.set(sbl));
    }
    if (weights) {
      const wv: Bytes = [...I.get(bgx), ...I.v(V.f64x2Splat), ...I.get(X0), ...I.get(F2), ...I.get(D), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...I.v(V.f64x2Mul)];
      pair.push(...addLane(bWB, wiAddr(0), wv, 0), ...addLane(bWB, wiAddr(1), wv, 1));
    }
    const body: Bytes = [...loopBy(k, k1, 2, pair), ...loopBy(k, k1, 1, [
      ...relAt(k), ...I.set(r),
      ...I.get(bgx), ...f64(bW, k8(k)), ...I.f64Mul(), ...I.set(bx),
      ...f64(bF, k8(k)), ...I.set(f),
      // XB[o + r] += bx·(1 − f); XB[o + r − BSS] += bx·f
      ...win(o, I.get(r)), ...I.tee(a), ...I.get(a), ...I.f64Load(bXB), ...I.get(bx), ...I.f64(1), ...I.get(f), ...I.f64Sub(), ...I.f64Mul(), ...I.f64Add(), ...I.f64Store(bXB),
      ...win(o, I.get(r), bss), ...I.tee(a), ...I.get(a), ...I.f64Load(bXB), ...I.get(bx), ...I.get(f), ...I.f64Mul(), ...I.f64Add(), ...I.f64Store(bXB),
      ...(speed || weights ? [...win(ox, I.get(r)), ...I.tee(a), ...I.f64Load(bX), ...I.set(x0), ...I.get(a), ...I.f64Load(bX - 8 * bss), ...I.set(xp)] : []),
      ...(speed ? [...I.get(sbl), ...I.get(bx), ...I.get(xp), ...I.get(x0), ...I.f64Sub(), ...I.f64Mul(), ...f64(bD, k8(k)), ...I.f64Mul(), ...I.f64Add(), ...I.set(sbl)] : []),
      ...(weights ? [
        ...I.get(k), ...I.i32(2), ...I.i32Shl(), ...I.i32Load(bWi), ...I.i32(3), ...I.i32Shl(), ...I.tee(a),
        ...I.get(a), ...I.f64Load(bWB), ...I.get(bgx), ...I.get(x0), ...I.get(f), ...I.get(xp), ...I.get(x0), ...I.f64Sub(), ...I.f64Mul(), ...I.f64Add(), ...I.f64Mul(), ...I.f64Add(), ...I.f64Store(bWB),
      ] : []),
    ])];
    body.push(...I.get(sbl));
    funcs.push({ name: 'scatterLin', params: [T.i32, T.i32, T.i32, T.i32, T.f64], results: [T.f64], locals: [T.i32, T.i32, T.f64, T.f64, T.f64, T.f64, T.f64, T.i32, T.v128, T.v128, T.v128, T.v128, T.v128], body });
  }
  const inst = new WebAssembly.Instance(new WebAssembly.Module(buildModule(funcs, 1)), { env: { mem } });
  return {
    X: new Float64Array(buf, bX, n.X), XB: new Float64Array(buf, bXB, n.XB), WB: new Float64Array(buf, bWB, n.WB),
    w: new Float64Array(buf, bW, n.links), frac: new Float64Array(buf, bF, n.links), dfds: new Float64Array(buf, bD, n.links),
    rel: new Int32Array(buf, bR, n.links), wi: new Int32Array(buf, bWi, n.links),
    fns: inst.exports as unknown as LinkWasm['fns'],
  };
}
