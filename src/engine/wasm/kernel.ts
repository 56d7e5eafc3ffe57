/**
 * WebAssembly versions of the kernel engine's hot loops, generated from the same model and
 * coupling ASTs as the JS program:
 *   step(b, slot) → f64   one integration step of every node of batch element b (f64x2 SIMD: two
 *                          nodes per instruction), then the coupling's pre-transform of the new
 *                          state into history slot `slot`; returns the sum of the new state (the
 *                          divergence check). `stepSum` also adds TemporalAverage rows.
 *   coupling(t, b)        the delayed weighted sums over the link lists, then the post expression.
 * The JS program keeps everything else (initial history, noise draws, monitors, the run loop) and
 * reads/writes the same arrays as views on the module's memory.
 *
 * Why: V8's scalar code for the model derivative is bound by exp and division latency; two lanes
 * per instruction and no bounds checks make the step about 3–4× cheaper (bench S1).
 * Only float64 arithmetic is used, so results equal the JS program's to rounding: exp here is a
 * table-free range reduction + degree-12 polynomial (≤ 3.3e-16 relative to Math.exp).
 *
 * Coverage: single-mode models without stimuli whose expressions use + − × ÷, small integer
 * powers, comparisons, conditionals, exp, sqrt, abs, min and max; couplings whose pre-transform
 * depends on the source only. Anything else returns null and the JS program runs unchanged.
 */
import type { Expr } from '../../expr/index.js';
import { parseExpr, mapExpr, CONSTANTS } from '../../expr/index.js';
import type { KernelPlan } from '../kernel/program.js';
import { type Combination, planIntegrator } from '../../plan/integrator.js';
import { resolveSymbols } from '../../plan/symbols.js';
import type { ResolvedParam } from '../params.js';
import { type Bytes, type FuncDef, I, T, V, type ValType, buildModule, uleb, vmem, vlane } from './encoder.js';

export interface WasmKernel {
  bytes: Uint8Array<ArrayBuffer>;
  /** Header slot order: the JS program writes each region's byte address at 4·slot. */
  slots: string[];
  /**
   * Slots per node in the module's coupling history ring (a power of two ≥ the horizon): values
   * are stored once and read at (t − d) mod ring, instead of the JS program's doubled 2·H rows.
   * Link offsets are packed as node·ring + ((ring − d) mod ring).
   */
  ring: number;
  /** Which JS functions the module replaces (pre: the step writes the pre-transformed history). */
  step: boolean;
  pre: boolean;
  /**
   * The coupling gathers from the JS program's own float64 history (couplings whose per-link term
   * reads x_i), which then lives in the module's memory as slot 'hist'.
   */
  hist: boolean;
  coupling: boolean;
}

export class Unsupported extends Error {}

/** Locals of one function under construction. */
export class Fn {
  readonly locals: ValType[] = [];
  constructor(readonly params: ValType[]) {}
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }
}

export const vconst = (x: number): Bytes => {
  const b = Array.from(new Uint8Array(new Float64Array([x, x]).buffer));
  return I.v(V.const, ...b);
};
/** 1/i! for i = 0 … 12: e^r to degree 12. */
const EXP_TAYLOR = Array.from({ length: 13 }, (_, i) => { let f = 1; for (let j = 2; j <= i; j++) f *= j; return 1 / f; });
/** A state variable's boundaries on a pair of lanes (f64x2 max/min), as the scalar step clamps. */
export function clampV(bd: [number, number] | null, v: Bytes): Bytes {
  if (!bd) return v;
  const r = [...v];
  if (bd[0] > -Infinity) r.push(...vconst(bd[0]), ...I.v(V.f64x2Max));
  if (bd[1] < Infinity) r.push(...vconst(bd[1]), ...I.v(V.f64x2Min));
  return r;
}

export const LANE0_MASK: Bytes = I.v(V.const, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0);

/** Vector expression emitter; `sym` pushes a v128 for a name. */
export class VExpr {
  private ex = -1; private k = -1; private r = -1;
  constructor(private readonly fn: Fn) {}
  private temps() {
    if (this.ex < 0) { this.ex = this.fn.local(T.v128); this.k = this.fn.local(T.v128); this.r = this.fn.local(T.v128); }
  }

  emit(e: Expr, sym: (name: string) => Bytes): Bytes {
    switch (e.kind) {
      case 'num': return vconst(e.value);
      case 'sym': return sym(e.name);
      case 'unary':
        if (e.op === '-') return [...this.emit(e.arg, sym), ...I.v(V.f64x2Neg)];
        if (e.op === '+') return this.emit(e.arg, sym);
        return [...this.mask(e.arg, sym), ...I.v(V.not), ...vconst(1), ...I.v(V.and)];
      case 'binary': {
        if (['<', '<=', '>', '>=', '==', '!=', '&&', '||'].includes(e.op)) return [...this.mask(e, sym), ...vconst(1), ...I.v(V.and)];
        if (e.op === '^') return this.pow(e.left, e.right, sym);
        const op = { '+': V.f64x2Add, '-': V.f64x2Sub, '*': V.f64x2Mul, '/': V.f64x2Div }[e.op as '+' | '-' | '*' | '/'];
        return [...this.emit(e.left, sym), ...this.emit(e.right, sym), ...I.v(op)];
      }
      case 'cond':
        // both branches are computed; bitselect keeps the lane-wise chosen one
        return [...this.emit(e.then, sym), ...this.emit(e.else, sym), ...this.mask(e.test, sym), ...I.v(V.bitselect)];
      case 'call': {
        const a = e.args;
        switch (e.fn) {
          case 'exp': return this.exp(this.emit(a[0], sym));
          case 'tanh': return this.tanh(this.emit(a[0], sym));
          case 'log': return this.log(this.emit(a[0], sym));
          case 'sin': return this.sincos(this.emit(a[0], sym), false);
          case 'cos': return this.sincos(this.emit(a[0], sym), true);
          case 'sqrt': return [...this.emit(a[0], sym), ...I.v(V.f64x2Sqrt)];
          case 'abs': return [...this.emit(a[0], sym), ...I.v(V.f64x2Abs)];
          case 'min': if (a.length === 2) return [...this.emit(a[0], sym), ...this.emit(a[1], sym), ...I.v(V.f64x2Min)]; break;
          case 'max': if (a.length === 2) return [...this.emit(a[0], sym), ...this.emit(a[1], sym), ...I.v(V.f64x2Max)]; break;
          case 'pow': if (a.length === 2) return this.pow(a[0], a[1], sym); break;
        }
        throw new Unsupported(`function ${e.fn}`);
      }
    }
  }

  /** All-ones lanes where the expression is true (non-zero, or the comparison holds). */
  private mask(e: Expr, sym: (name: string) => Bytes): Bytes {
    if (e.kind === 'binary') {
      const cmp = { '<': V.f64x2Lt, '<=': V.f64x2Le, '>': V.f64x2Gt, '>=': V.f64x2Ge, '==': V.f64x2Eq, '!=': V.f64x2Ne } as Record<string, number>;
      if (e.op in cmp) return [...this.emit(e.left, sym), ...this.emit(e.right, sym), ...I.v(cmp[e.op])];
      if (e.op === '&&') return [...this.mask(e.left, sym), ...this.mask(e.right, sym), ...I.v(V.and)];
      if (e.op === '||') return [...this.mask(e.left, sym), ...this.mask(e.right, sym), ...I.v(V.or)];
    }
    if (e.kind === 'unary' && e.op === '!') return [...this.mask(e.arg, sym), ...I.v(V.not)];
    return [...this.emit(e, sym), ...vconst(0), ...I.v(V.f64x2Ne)];
  }

  private pow(base: Expr, expo: Expr, sym: (name: string) => Bytes): Bytes {
    if (expo.kind !== 'num') throw new Unsupported('non-constant power');
    const p = expo.value;
    if (p === 1) return this.emit(base, sym);
    if (p === 0.5) return [...this.emit(base, sym), ...I.v(V.f64x2Sqrt)];
    if (!(Number.isInteger(p) && p >= 2 && p <= 8)) throw new Unsupported(`power ${p}`);
    const t = this.fn.local(T.v128); // a fresh temp: the base may itself contain a power
    const b = [...this.emit(base, sym), ...I.set(t)];
    const x = I.get(t), mul = I.v(V.f64x2Mul);
    // same association as the JS generator for 2–4: x·x, x·x·x, (x·x)·(x·x)
    if (p === 2) return [...b, ...x, ...x, ...mul];
    if (p === 3) return [...b, ...x, ...x, ...mul, ...x, ...mul];
    if (p === 4) return [...b, ...x, ...x, ...mul, ...x, ...x, ...mul, ...mul];
    // 5–8 by squaring (within an ulp or two of pow, like the products above)
    const sq = this.fn.local(T.v128);
    const out: Bytes = [...b, ...x, ...x, ...mul, ...I.set(sq)];
    const s2 = I.get(sq);
    if (p === 5) return [...out, ...s2, ...s2, ...mul, ...x, ...mul];
    if (p === 6) return [...out, ...s2, ...s2, ...mul, ...s2, ...mul];
    if (p === 7) return [...out, ...s2, ...s2, ...mul, ...s2, ...mul, ...x, ...mul];
    return [...out, ...s2, ...s2, ...mul, ...s2, ...s2, ...mul, ...mul];
  }

  /**
   * e^x lane-wise: k = nearest(x·log2 e), r = x − k·ln2 (two-part ln2), e^r by its Taylor
   * polynomial of degree 12 (|r| ≤ ln2/2, truncation < 2e-16), times 2^k built in the exponent
   * bits as two factors so |k| up to 1600 stays representable. x is clamped to ±1100 first, which
   * keeps ±Infinity → Infinity/0 and NaN → NaN.
   */
  exp(arg: Bytes): Bytes {
    this.temps();
    const { ex, k, r } = this;
    // ex is free again once k and r are known: it holds k as i64 lanes
    return [...this.reduce(arg, ex, k, r, ex), ...this.horner(r, EXP_TAYLOR), ...this.scale(ex)];
  }

  /**
   * e^x − 1 without cancellation near 0: with e^x = 2^k·(1 + q), q from the same polynomial minus
   * its constant term, e^x − 1 = 2^k·q + (2^k − 1).
   */
  private expm1(arg: Bytes): Bytes {
    const x = this.fn.local(T.v128), k = this.fn.local(T.v128), r = this.fn.local(T.v128), ki = this.fn.local(T.v128), p2 = this.fn.local(T.v128);
    const out = this.reduce(arg, x, k, r, ki);
    // q = r·(c1 + r·(c2 + …)) into r
    out.push(...this.horner(r, EXP_TAYLOR.slice(1)), ...I.get(r), ...I.v(V.f64x2Mul), ...I.set(r));
    out.push(...vconst(1), ...this.scale(ki), ...I.set(p2));
    out.push(...I.get(p2), ...I.get(r), ...I.v(V.f64x2Mul), ...I.get(p2), ...vconst(1), ...I.v(V.f64x2Sub), ...I.v(V.f64x2Add));
    return out;
  }

  /** x = clamp(arg, ±1100) into `x`; k = nearest(x·log2 e); r = x − k·ln2 (two parts); k as i64 lanes into `ki`. */
  private reduce(arg: Bytes, x: number, k: number, r: number, ki: number): Bytes {
    const out: Bytes = [...arg, ...vconst(-1100), ...I.v(V.f64x2Max), ...vconst(1100), ...I.v(V.f64x2Min), ...I.set(x)];
    out.push(...I.get(x), ...vconst(1.4426950408889634), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Nearest), ...I.set(k));
    out.push(...I.get(x), ...I.get(k), ...vconst(0.6931471803691238), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Sub));
    out.push(...I.get(k), ...vconst(1.9082149292705877e-10), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Sub), ...I.set(r));
    out.push(...I.get(k), ...I.v(V.i32x4TruncSatF64x2SZero), ...I.v(V.i64x2ExtendLowI32x4S), ...I.set(ki));
    return out;
  }

  /** Σ c_i r^i by Horner (c_0 first). */
  private horner(r: number, c: number[]): Bytes {
    const out: Bytes = [...vconst(c[c.length - 1])];
    for (let i = c.length - 2; i >= 0; i--) out.push(...I.get(r), ...I.v(V.f64x2Mul), ...vconst(c[i]), ...I.v(V.f64x2Add));
    return out;
  }

  /** The value on the stack times 2^k (k as i64 lanes in `ki`), as 2^(k>>1) · 2^(k − k>>1). */
  private scale(ki: number): Bytes {
    const pow2 = (half: Bytes): Bytes => [...half, ...i64Const(1023), ...I.v(V.i64x2Add), ...I.i32(52), ...I.v(V.i64x2Shl)];
    const k1: Bytes = [...I.get(ki), ...I.i32(1), ...I.v(0xcc /* i64x2.shr_s */)];
    return [...pow2(k1), ...I.v(V.f64x2Mul), ...pow2([...I.get(ki), ...k1, ...I.v(0xd1 /* i64x2.sub */)]), ...I.v(V.f64x2Mul)];
  }

  /** tanh x = −m/(2 + m) with m = expm1(−2|x|), sign copied from x (so −0 stays −0). */
  tanh(arg: Bytes): Bytes {
    const x = this.fn.local(T.v128), m = this.fn.local(T.v128);
    const out: Bytes = [...arg, ...I.set(x)];
    out.push(...this.expm1([...I.get(x), ...ABS, ...I.v(V.and), ...vconst(-2), ...I.v(V.f64x2Mul)]), ...I.set(m));
    out.push(...I.get(m), ...I.v(V.f64x2Neg), ...vconst(2), ...I.get(m), ...I.v(V.f64x2Add), ...I.v(V.f64x2Div));
    // bitselect(a, b, m) = a where m, else b: the sign bit from x, the rest from tanh|x|
    out.push(...I.set(m), ...I.get(x), ...I.get(m), ...SIGN, ...I.v(V.bitselect));
    return out;
  }

  /**
   * Natural log: x = 2^e·m with m in [√½, √2) (subnormals scaled by 2^54 first), log m =
   * 2·atanh((m−1)/(m+1)) by its odd series to f^23 (|f| ≤ 0.1716, truncation < 1e-19), plus e·ln2
   * in two parts. x < 0 and NaN give NaN, 0 gives −Infinity, +Infinity stays.
   */
  log(arg: Bytes): Bytes {
    const x = this.fn.local(T.v128), y = this.fn.local(T.v128), e = this.fn.local(T.v128), m = this.fn.local(T.v128), f = this.fn.local(T.v128), s2 = this.fn.local(T.v128), big = this.fn.local(T.v128);
    const out: Bytes = [...arg, ...I.set(x)];
    // subnormal lanes: y = x·2^54, and 54 is taken off the exponent below
    const tiny = this.fn.local(T.v128);
    out.push(...I.get(x), ...vconst(2.2250738585072014e-308), ...I.v(V.f64x2Lt), ...I.set(tiny));
    out.push(...I.get(x), ...vconst(18014398509481984), ...I.v(V.f64x2Mul), ...I.get(x), ...I.get(tiny), ...I.v(V.bitselect), ...I.set(y));
    // biased exponent E as a double: reinterpret(E + 0x4330…) − 2^52
    out.push(...I.get(y), ...I.i32(52), ...I.v(0xcd /* i64x2.shr_u */), ...i64ConstBits(0x7ffn), ...I.v(V.and));
    out.push(...i64ConstBits(0x4330000000000000n), ...I.v(V.i64x2Add), ...vconst(4503599627370496), ...I.v(V.f64x2Sub));
    out.push(...vconst(1023), ...I.v(V.f64x2Sub), ...vconst(54), ...vconst(0), ...I.get(tiny), ...I.v(V.bitselect), ...I.v(V.f64x2Sub), ...I.set(e));
    // mantissa in [1, 2)
    out.push(...I.get(y), ...i64ConstBits(0x000fffffffffffffn), ...I.v(V.and), ...i64ConstBits(0x3ff0000000000000n), ...I.v(V.or), ...I.set(m));
    // m ≥ √2 → m/2, e + 1
    out.push(...I.get(m), ...vconst(Math.SQRT2), ...I.v(V.f64x2Ge), ...I.set(big));
    out.push(...I.get(m), ...vconst(0.5), ...I.v(V.f64x2Mul), ...I.get(m), ...I.get(big), ...I.v(V.bitselect), ...I.set(m));
    out.push(...I.get(e), ...vconst(1), ...vconst(0), ...I.get(big), ...I.v(V.bitselect), ...I.v(V.f64x2Add), ...I.set(e));
    out.push(...I.get(m), ...vconst(1), ...I.v(V.f64x2Sub), ...I.get(m), ...vconst(1), ...I.v(V.f64x2Add), ...I.v(V.f64x2Div), ...I.set(f));
    out.push(...I.get(f), ...I.get(f), ...I.v(V.f64x2Mul), ...I.set(s2));
    // 2f·(1 + s/3 + s²/5 + … + s^11/23)
    out.push(...vconst(1 / 23));
    for (let k = 21; k >= 1; k -= 2) out.push(...I.get(s2), ...I.v(V.f64x2Mul), ...vconst(1 / k), ...I.v(V.f64x2Add));
    out.push(...I.get(f), ...I.v(V.f64x2Mul), ...vconst(2), ...I.v(V.f64x2Mul));
    out.push(...I.get(e), ...vconst(1.9082149292705877e-10), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add));
    out.push(...I.get(e), ...vconst(0.6931471803691238), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...I.set(m));
    // special values
    out.push(...vconst(NaN), ...I.get(m), ...I.get(x), ...vconst(0), ...I.v(V.f64x2Lt), ...I.get(x), ...I.get(x), ...I.v(V.f64x2Ne), ...I.v(V.or), ...I.v(V.bitselect), ...I.set(m));
    out.push(...vconst(-Infinity), ...I.get(m), ...I.get(x), ...vconst(0), ...I.v(V.f64x2Eq), ...I.v(V.bitselect), ...I.set(m));
    out.push(...vconst(Infinity), ...I.get(m), ...I.get(x), ...vconst(Infinity), ...I.v(V.f64x2Eq), ...I.v(V.bitselect));
    return out;
  }

  /**
   * sin or cos: q = nearest(x·2/π), r = x − q·π/2 with π/2 in three parts (exact products for
   * |q| < 2^20), Taylor polynomials on |r| ≤ π/4 (sin to r^15, cos to r^16), then the quadrant
   * q mod 4 picks ±sin r or ±cos r.
   */
  sincos(arg: Bytes, cosine: boolean): Bytes {
    const x = this.fn.local(T.v128), q = this.fn.local(T.v128), r = this.fn.local(T.v128), r2 = this.fn.local(T.v128), sn = this.fn.local(T.v128), cs = this.fn.local(T.v128), n = this.fn.local(T.v128);
    const out: Bytes = [...arg, ...I.set(x)];
    out.push(...I.get(x), ...vconst(0.6366197723675814), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Nearest), ...I.set(q));
    out.push(...I.get(x), ...I.get(q), ...vconst(1.5707963267341256), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Sub));
    out.push(...I.get(q), ...vconst(6.077100506506192e-11), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Sub));
    out.push(...I.get(q), ...vconst(2.0222662487959506e-21), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Sub), ...I.set(r));
    out.push(...I.get(r), ...I.get(r), ...I.v(V.f64x2Mul), ...I.set(r2));
    // sin r = r + r·r²·(−1/3! + r²·(1/5! − …))
    const fact = (k: number) => { let p = 1; for (let i = 2; i <= k; i++) p *= i; return p; };
    out.push(...vconst(-1 / fact(15)));
    for (let k = 13; k >= 3; k -= 2) out.push(...I.get(r2), ...I.v(V.f64x2Mul), ...vconst((((k - 1) / 2) % 2 ? -1 : 1) / fact(k)), ...I.v(V.f64x2Add));
    out.push(...I.get(r2), ...I.v(V.f64x2Mul), ...I.get(r), ...I.v(V.f64x2Mul), ...I.get(r), ...I.v(V.f64x2Add), ...I.set(sn));
    // cos r = 1 − r²/2 + r²·r²·(1/4! − r²/6! + …)
    out.push(...vconst(1 / fact(16)));
    for (let k = 14; k >= 4; k -= 2) out.push(...I.get(r2), ...I.v(V.f64x2Mul), ...vconst(((k / 2) % 2 ? -1 : 1) / fact(k)), ...I.v(V.f64x2Add));
    out.push(...I.get(r2), ...I.v(V.f64x2Mul), ...I.get(r2), ...I.v(V.f64x2Mul), ...vconst(1), ...I.get(r2), ...vconst(0.5), ...I.v(V.f64x2Mul), ...I.v(V.f64x2Sub), ...I.v(V.f64x2Add), ...I.set(cs));
    // n = q mod 4 (two's complement low bits of q + 1.5·2^52), plus 1 for the cosine
    out.push(...I.get(q), ...vconst(6755399441055744), ...I.v(V.f64x2Add), ...(cosine ? [...i64Const(1), ...I.v(V.i64x2Add)] : []), ...i64ConstBits(3n), ...I.v(V.and), ...I.set(n));
    const bit = (b: bigint): Bytes => [...I.get(n), ...i64ConstBits(b), ...I.v(V.and), ...i64ConstBits(0n), ...I.v(0xd7 /* i64x2.ne */)];
    // odd quadrant: the other function; quadrants 2 and 3: negated
    out.push(...I.get(cs), ...I.get(sn), ...bit(1n), ...I.v(V.bitselect));
    out.push(...bit(2n), ...SIGN, ...I.v(V.and), ...I.v(V.xor));
    return out;
  }
}


const SIGN: Bytes = i64ConstBits(0x80000000n << 32n);
const ABS: Bytes = i64ConstBits((0x7fffffffn << 32n) | 0xffffffffn);

/** A v128 constant holding the 64-bit pattern `bits` in both lanes. */
function i64ConstBits(bits: bigint): Bytes {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, bits, true);
  dv.setBigUint64(8, bits, true);
  return I.v(V.const, ...Array.from(b));
}

function i64Const(v: number): Bytes {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, BigInt(v), true);
  dv.setBigInt64(8, BigInt(v), true);
  return I.v(V.const, ...Array.from(b));
}

/**
 * Loop-invariant subexpressions (built only from run- or batch-constant names) are moved out of the
 * node loop: they are computed once per call, with the same operations in the same order, so the
 * values are unchanged. V8's wasm compiler does not hoist them itself.
 */
export function hoistInvariants(exprs: Expr[], invariant: (name: string) => boolean): { exprs: Expr[]; hoisted: [string, Expr][] } {
  const hoisted: [string, Expr][] = [];
  const seen = new Map<string, string>();
  const key = (e: Expr): string => JSON.stringify(e, (k, v) => (k === 'pos' ? undefined : v));
  const isInv = (e: Expr): boolean => {
    switch (e.kind) {
      case 'num': return true;
      case 'sym': return invariant(e.name);
      case 'unary': return isInv(e.arg);
      case 'binary': return isInv(e.left) && isInv(e.right);
      case 'cond': return isInv(e.test) && isInv(e.then) && isInv(e.else);
      case 'call': return e.args.every(isInv);
    }
  };
  const hoist = (e: Expr): Expr | undefined => {
    if (e.kind === 'num' || e.kind === 'sym' || !isInv(e)) return undefined;
    const k = key(e);
    let name = seen.get(k);
    if (!name) {
      name = `__inv${hoisted.length}`;
      seen.set(k, name);
      hoisted.push([name, e]);
    }
    return { kind: 'sym', name, pos: e.pos };
  };
  return { exprs: exprs.map((e) => mapExpr(e, hoist)), hoisted };
}

/** How a parameter is read inside a node loop. */
interface ParamAccess { prologue: Bytes; get: (tail: boolean) => Bytes }

/** A running sum of state rows kept by the step (TemporalAverage): `acc` is its header slot name. */
export interface StateSum { acc: string; rows: number[] }

const cache = new Map<string, WasmKernel | null>();

/**
 * The module for a plan, or null when the model is outside the kernels' coverage. Modules are
 * cached by everything `build` reads (parameter values live in memory, not in the code), so
 * explorations and repeated runs skip the code generation.
 */
export function generateWasm(plan: KernelPlan, pretransform: boolean, sums: StateSum[] = []): WasmKernel | null {
  const kinds = (ps: Record<string, ResolvedParam>) => Object.entries(ps).map(([n, p]) => [n, p.kind]);
  const key = JSON.stringify([
    plan.spec, plan.coupling, kinds(plan.modelParams), kinds(plan.couplingParams), plan.N, plan.M, plan.H, plan.dt, plan.scheme,
    plan.boundaries, plan.noise ? [plan.noise.kind, plan.noise.multA, plan.noise.multB] : null, !!plan.stimulus, plan.historyPrecision, pretransform, sums,
  ]);
  if (cache.has(key)) return cache.get(key)!;
  const k = generate(plan, pretransform, sums);
  if (cache.size >= 64) cache.delete(cache.keys().next().value as string);
  cache.set(key, k);
  return k;
}

function generate(plan: KernelPlan, pretransform: boolean, sums: StateSum[]): WasmKernel | null {
  try {
    return build(plan, pretransform, sums);
  } catch (e) {
    if (e instanceof Unsupported) { if (process.env.VBT_WASM_DEBUG) console.error(`wasm kernel not used for ${plan.spec.name}: ${e.message}`); return null; }
    throw e;
  }
}

function build(plan: KernelPlan, pretransform: boolean, sums: StateSum[]): WasmKernel {
  const { N, M, H, spec, parsed } = plan;
  if (M !== 1) throw new Unsupported('modes');
  if (plan.stimulus) throw new Unsupported('stimulus');
  const svs = Object.keys(spec.state_variables);
  const nsv = svs.length;
  const svIdx = new Map(svs.map((n, i) => [n, i]));
  const cvar = spec.cvar.map((n) => svIdx.get(n)!);
  const ncv = cvar.length;
  const symbols = plan.symbols ?? resolveSymbols(spec, parsed, plan.modelParams, plan.couplingParams);
  let R = 1;
  while (R < H) R *= 2;
  const mask = R - 1;
  // projection models: the module runs the step (nIn coupling inputs); the JS program gathers the projections
  const proj = plan.projections;
  const nIn = proj ? proj.length : ncv;
  const SS = nsv * N, CS = nIn * N;

  const slots = ['state', 'cpl', 'noise', 'noiseGain', 'pbuf', 'rowPtr', 'lnkOff', 'lnkW'];
  const slotOf = (name: string) => {
    let i = slots.indexOf(name);
    if (i < 0) { slots.push(name); i = slots.length - 1; }
    return i;
  };
  const base = (name: string): Bytes => [...I.i32(0), ...I.i32Load(4 * slotOf(name))];
  const funcs: FuncDef[] = [];

  /** Parameter reads for a node loop whose byte offset of node n (pairs: n, n+1) is in local `o`. */
  const paramAccess = (fn: Fn, key: string, p: ResolvedParam, bLocal: number, oLocal: number): ParamAccess => {
    const l = fn.local(T.v128);
    const bOff = (stride: number): Bytes => [...I.get(bLocal), ...I.i32(stride), ...I.i32Mul(), ...I.i32Add()];
    switch (p.kind) {
      case 'scalar': return { prologue: [...base(key), ...I.v(V.load64Splat, 3, 0), ...I.set(l)], get: () => I.get(l) };
      case 'batch': return { prologue: [...base(key), ...bOff(8), ...I.v(V.load64Splat, 3, 0), ...I.set(l)], get: () => I.get(l) };
      case 'node':
      case 'batchnode': {
        const pl = fn.local(T.i32);
        const pro = p.kind === 'node' ? [...base(key), ...I.set(pl)] : [...base(key), ...bOff(N * 8), ...I.set(pl)];
        return {
          prologue: pro,
          get: (tail) => [...I.get(pl), ...I.get(oLocal), ...I.i32Add(), ...(tail ? vmem(V.load64Zero, 0, 3) : vmem(V.load, 0))],
        };
      }
    }
  };

  // ---------------- coupling: can the module do the pre-transform and the gather? ----------------
  const cpl = plan.coupling;
  const cpre = parseExpr(cpl.pre, { field: `coupling ${cpl.name}.pre` });
  const cpost = parseExpr(cpl.post, { field: `coupling ${cpl.name}.post` });
  const shared = cpl.rows === 'shared';
  const prows = shared ? 1 : ncv;
  const PS = prows * N * R;
  const f32 = plan.historyPrecision === 'float32';
  let preOk = false;
  if (pretransform && !proj) {
    try {
      const scratch = new VExpr(new Fn([]));
      const any = (name: string): Bytes => {
        if (/^x_j(_\d+)?$/.test(name) || name === 'gx' || name in plan.couplingParams || name in CONSTANTS) return vconst(0);
        throw new Unsupported(`coupling name ${name}`);
      };
      scratch.emit(cpre, any);
      scratch.emit(cpost, any);
      preOk = true;
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
    }
  }

  // ---------------- step ----------------
  // Two variants: 'step' and, when monitors sum state rows, 'stepSum' that also adds them. A
  // runtime flag inside the node loop instead costs ~30% (V8 then spills the v128 locals).
  const emitStep = (fname: string, sums: StateSum[]) => {
    // (b, slot): slot is the ring slot of the new state, where the fused pre-transform stores it
    const fn = new Fn([T.i32, T.i32]);
    const b = 0, slot = 1;
    const pa = fn.local(T.i32);
    const cpAcc = new Map<string, ParamAccess>();
    const o = fn.local(T.i32), sb = fn.local(T.i32), cb = fn.local(T.i32), nb = fn.local(T.i32), gb = fn.local(T.i32);
    // state sums: base address of each accumulator for this batch element
    const sumBase = sums.map(() => fn.local(T.i32));
    const chk = fn.local(T.v128);
    const vx = new VExpr(fn);
    const prologue: Bytes = [];
    const mp = new Map<string, ParamAccess>();
    for (const [name, p] of Object.entries(plan.modelParams)) {
      const a = paramAccess(fn, `mp_${name}`, p, b, o);
      mp.set(name, a);
      prologue.push(...a.prologue);
    }
    prologue.push(...base('state'), ...I.get(b), ...I.i32(SS * 8), ...I.i32Mul(), ...I.i32Add(), ...I.set(sb));
    prologue.push(...base('cpl'), ...I.get(b), ...I.i32(CS * 8), ...I.i32Mul(), ...I.i32Add(), ...I.set(cb));
    sums.forEach((sm, a) => prologue.push(...base(sm.acc), ...I.get(b), ...I.i32(sm.rows.length * N * 8), ...I.i32Mul(), ...I.i32Add(), ...I.set(sumBase[a])));
    if (preOk) {
      for (const [name, p] of Object.entries(plan.couplingParams)) {
        if (p.kind !== 'scalar' && p.kind !== 'batch') continue; // pretransform implies the pre reads no per-node values
        const a = paramAccess(fn, `cp_${name}`, p, b, o);
        cpAcc.set(name, a);
        prologue.push(...a.prologue);
      }
      // pa: byte address of pbuf[b][row 0][node 0][slot]
      prologue.push(...base('pbuf'), ...I.get(b), ...I.i32(PS * 8), ...I.i32Mul(), ...I.i32Add(), ...I.get(slot), ...I.i32(8), ...I.i32Mul(), ...I.i32Add(), ...I.set(pa));
    }
    if (plan.noise) {
      prologue.push(...base('noise'), ...I.get(b), ...I.i32(SS * 8), ...I.i32Mul(), ...I.i32Add(), ...I.set(nb));
      prologue.push(...base('noiseGain'), ...I.set(gb));
    }
    const X = Array.from({ length: nsv }, () => fn.local(T.v128));
    const Cl = Array.from({ length: nIn }, () => fn.local(T.v128));
    const bare = (n: string) => (n.lastIndexOf('@') >= 0 ? n.slice(0, n.lastIndexOf('@')) : n);
    const invariant = (full: string) => {
      const sy = symbols[bare(full)];
      switch (sy?.kind) {
        case 'parameter': case 'derived': return sy.layout === 'global' || sy.layout === 'per-batch';
        case 'constant': return sy.layout === 'number';
        case 'math-constant': return true;
        default: return false;
      }
    };
    const nAux = parsed.auxiliaries.length;
    const hz = hoistInvariants([...parsed.auxiliaries.map(([, e]) => e), ...parsed.equations.map(([, e]) => e)], invariant);
    const auxE = parsed.auxiliaries.map(([n], i) => [n, hz.exprs[i]] as [string, Expr]);
    const eqE = parsed.equations.map((_, i) => hz.exprs[nAux + i]);
    const invL = new Map<string, number>();
    const paramSym = (full: string): Bytes => {
      const name = bare(full);
      if (invL.has(name)) return I.get(invL.get(name)!);
      const sy = symbols[name];
      switch (sy?.kind) {
        case 'parameter': case 'derived': return mp.get(name)!.get(false);
        case 'builtin': case 'math-constant': return vconst(sy.value as number);
        case 'constant': if (sy.layout === 'number') return vconst(sy.value as number); break;
      }
      throw new Unsupported(`name ${name}`);
    };
    for (const [name, e] of hz.hoisted) {
      const l = fn.local(T.v128);
      prologue.push(...vx.emit(e, paramSym), ...I.set(l));
      invL.set(name, l);
    }
    const NZ = plan.noise ? Array.from({ length: nsv }, () => fn.local(T.v128)) : [];

    const body = (tail: boolean): Bytes => {
      const load = (addrBase: number, off: number): Bytes => [...I.get(addrBase), ...I.get(o), ...I.i32Add(), ...(tail ? vmem(V.load64Zero, off, 3) : vmem(V.load, off))];
      const store = (addrBase: number, off: number, val: Bytes): Bytes => [...I.get(addrBase), ...I.get(o), ...I.i32Add(), ...val, ...(tail ? vlane(V.store64Lane, off, 0) : vmem(V.store, off))];
      const out: Bytes = [];
      for (let k = 0; k < nsv; k++) out.push(...load(sb, k * N * 8), ...I.set(X[k]));
      for (let r = 0; r < nIn; r++) out.push(...load(cb, r * N * 8), ...I.set(Cl[r]));
      if (plan.noise) {
        const nz = plan.noise;
        for (let k = 0; k < nsv; k++) {
          out.push(...load(gb, k * N * 8), ...load(nb, k * N * 8), ...I.v(V.f64x2Mul));
          if (nz.kind === 'multiplicative') out.push(...vconst(nz.multA ?? 1), ...I.get(X[k]), ...I.v(V.f64x2Mul), ...vconst(nz.multB ?? 0), ...I.v(V.f64x2Add), ...I.v(V.f64x2Mul));
          out.push(...I.set(NZ[k]));
        }
      }
      /** dfun at the state held in locals `inp`, into fresh locals; returns the derivative locals. */
      const dfun = (inp: number[]): number[] => {
        const aux = new Map<string, number>();
        const sym = (full: string): Bytes => {
          const at = full.lastIndexOf('@');
          const name = at >= 0 ? full.slice(0, at) : full;
          if (invL.has(name)) return I.get(invL.get(name)!);
          const sy = symbols[name];
          switch (sy?.kind) {
            case 'state': return I.get(inp[sy.index!]);
            case 'auxiliary':
              if (!aux.has(name)) throw new Error(`auxiliary ${name} used before it is defined`);
              return I.get(aux.get(name)!);
            case 'parameter': case 'derived': return mp.get(name)!.get(tail);
            case 'coupling-input': return I.get(Cl[sy.index!]);
            case 'builtin': case 'math-constant': return vconst(sy.value as number);
            case 'constant':
              if (sy.layout === 'number') return vconst(sy.value as number);
              if (sy.layout === 'per-mode') return vconst((sy.value as number[])[0]);
              throw new Unsupported('matrix constant');
            default: throw new Unsupported(`name ${name}`);
          }
        };
        for (const [name, e] of auxE) {
          const l = fn.local(T.v128);
          out.push(...vx.emit(e, sym), ...I.set(l));
          aux.set(name, l);
        }
        return eqE.map((e) => {
          const l = fn.local(T.v128);
          out.push(...vx.emit(e, sym), ...I.set(l));
          return l;
        });
      };
      const clamp = (k: number, v: Bytes): Bytes => clampV(plan.boundaries[k], v);
      const nzt = (k: number): Bytes => (plan.noise ? [...I.get(NZ[k]), ...I.v(V.f64x2Add)] : []);
      const newVal: number[] = [];
      const write = (k: number, v: Bytes) => {
        const val = fn.local(T.v128);
        newVal[k] = val;
        out.push(...clamp(k, v), ...I.set(val));
        out.push(...store(sb, k * N * 8, I.get(val)));
        out.push(...I.get(chk), ...I.get(val), ...(tail ? [...LANE0_MASK, ...I.v(V.and)] : []), ...I.v(V.f64x2Add), ...I.set(chk));
        const adds: Bytes = [];
        sums.forEach((sm, a) => sm.rows.forEach((row, p) => {
          if (row !== k) return;
          const off = p * N * 8;
          adds.push(...store(sumBase[a], off, [...load(sumBase[a], off), ...I.get(val), ...I.v(V.f64x2Add)]));
        }));
        out.push(...adds);
      };
      // the stepping rule of the plan's tableau (src/plan/integrator.ts): x + factor·Σ w·k [+ noise], clamped
      const integ = plan.integrator ?? planIntegrator(plan.scheme, plan.dt);
      const combine = (c: Combination, k: number, d: number[][]): Bytes => {
        const sum: Bytes = [];
        c.terms.forEach((t, q) => {
          sum.push(...(t.weight === 1 ? I.get(d[t.stage][k]) : [...vconst(t.weight), ...I.get(d[t.stage][k]), ...I.v(V.f64x2Mul)]));
          if (q > 0) sum.push(...I.v(V.f64x2Add));
        });
        return [...I.get(X[k]), ...vconst(c.factor), ...sum, ...I.v(V.f64x2Mul), ...I.v(V.f64x2Add), ...(c.noise ? nzt(k) : [])];
      };
      const ks: number[][] = [dfun(X)];
      for (const c of integ.stages) {
        const inp = X.map((_, k) => {
          const l = fn.local(T.v128);
          out.push(...clamp(k, combine(c, k, ks)), ...I.set(l));
          return l;
        });
        ks.push(dfun(inp));
      }
      for (let k = 0; k < nsv; k++) write(k, combine(integ.result, k, ks));
      if (preOk) {
        // the coupling's pre-transform of the new state, into the history ring: node n's row is
        // n·R slots long, so the two lanes go to rows n and n+1
        const xj = cvar.map((k) => {
          if (!f32) return newVal[k];
          const l = fn.local(T.v128); // TVB stores the history in float32 when asked: round first
          out.push(...I.get(newVal[k]), ...I.v(0x5e /* f32x4.demote_f64x2_zero */), ...I.v(0x5f /* f64x2.promote_low_f32x4 */), ...I.set(l));
          return l;
        });
        const rowAddr = fn.local(T.i32);
        out.push(...I.get(pa), ...I.get(o), ...I.i32(Math.log2(R)), ...I.i32Shl(), ...I.i32Add(), ...I.set(rowAddr));
        for (let r = 0; r < prows; r++) {
          const sym = (name: string): Bytes => {
            const m = /^x_j_(\d+)$/.exec(name);
            if (m) return I.get(xj[Number(m[1])]);
            if (name === 'x_j') return I.get(xj[r]);
            if (cpAcc.has(name)) return cpAcc.get(name)!.get(tail);
            if (name in CONSTANTS) return vconst(CONSTANTS[name]);
            throw new Unsupported(`coupling name ${name}`);
          };
          const v = fn.local(T.v128);
          out.push(...vx.emit(cpre, sym), ...I.set(v));
          const rowOff = r * N * R * 8;
          out.push(...I.get(rowAddr), ...I.get(v), ...vlane(V.store64Lane, rowOff, 0));
          if (!tail) out.push(...I.get(rowAddr), ...I.get(v), ...vlane(V.store64Lane, rowOff + R * 8, 1));
        }
      }
      return out;
    };
    const pairs = Math.floor(N / 2);
    const code: Bytes = [...prologue, ...vconst(0), ...I.set(chk), ...I.i32(0), ...I.set(o)];
    if (pairs > 0) {
      code.push(...I.block(), ...I.loop(), ...body(false));
      code.push(...I.get(o), ...I.i32(16), ...I.i32Add(), ...I.tee(o), ...I.i32(pairs * 16), ...I.i32LtU(), ...I.brIf(0), ...I.end(), ...I.end());
    }
    if (N % 2) code.push(...I.i32((N - 1) * 8), ...I.set(o), ...body(true));
    code.push(...I.get(chk), ...I.v(V.f64x2Extract, 0), ...I.get(chk), ...I.v(V.f64x2Extract, 1), ...I.f64Add());
    funcs.push({ name: fname, params: fn.params, results: [T.f64], locals: fn.locals, body: code });
  };
  emitStep('step', []);
  if (sums.length) emitStep('stepSum', sums);
  const nStep = funcs.length;

  // ---------------- the delayed gather: coupling(tm, b) ----------------
  interface Gather {
    fn: Fn; vx: VExpr; tm: number; b: number;
    /** target index and its byte offset i·8 */
    i: number; i8: number;
    /** byte addresses of the link offsets, link weights and row pointers */
    lo: number; lw: number; rp: number;
    /** coupling parameters (a node-kind one is the target's value) and constants */
    param: (name: string) => Bytes;
  }
  /**
   * One coupling function: `links` gives the per-call set-up and, for target i, code that leaves
   * the weighted sum of each coupling row, splatted, in the returned v128 locals; the post
   * expression then writes every row of cpl[b][·][i].
   */
  const emitGather = (links: (g: Gather) => { prologue: Bytes; row: Bytes; sums: number[] }) => {
    const fn = new Fn([T.i32, T.i32]);
    const g: Gather = {
      fn, vx: new VExpr(fn), tm: 0, b: 1, i: fn.local(T.i32), i8: fn.local(T.i32), lo: fn.local(T.i32), lw: fn.local(T.i32), rp: fn.local(T.i32),
      param: () => [],
    };
    const cb = fn.local(T.i32);
    const cp = new Map<string, ParamAccess>();
    const prologue: Bytes = [];
    for (const [name, p] of Object.entries(plan.couplingParams)) {
      const a = paramAccess(fn, `cp_${name}`, p, g.b, g.i8);
      cp.set(name, a);
      prologue.push(...a.prologue);
    }
    g.param = (name: string): Bytes => {
      if (cp.has(name)) return cp.get(name)!.get(true);
      if (name in CONSTANTS) return vconst(CONSTANTS[name]);
      throw new Unsupported(`coupling name ${name}`);
    };
    prologue.push(...base('cpl'), ...I.get(g.b), ...I.i32(CS * 8), ...I.i32Mul(), ...I.i32Add(), ...I.set(cb));
    prologue.push(...base('lnkOff'), ...I.set(g.lo), ...base('lnkW'), ...I.set(g.lw), ...base('rowPtr'), ...I.set(g.rp));
    const own = links(g);
    const row = [...own.row];
    for (let r = 0; r < ncv; r++) {
      const gx = own.sums[shared ? 0 : r];
      row.push(...I.get(cb), ...I.get(g.i8), ...I.i32Add(), ...g.vx.emit(cpost, (name) => (name === 'gx' ? I.get(gx) : g.param(name))), ...I.v(V.f64x2Extract, 0), ...I.f64Store(r * N * 8));
    }
    const code: Bytes = [...prologue, ...own.prologue, ...I.i32(0), ...I.set(g.i), ...I.i32(0), ...I.set(g.i8)];
    code.push(...I.block(), ...I.loop(), ...row);
    code.push(...I.get(g.i8), ...I.i32(8), ...I.i32Add(), ...I.set(g.i8));
    code.push(...I.get(g.i), ...I.i32(1), ...I.i32Add(), ...I.tee(g.i), ...I.i32(N), ...I.i32LtS(), ...I.brIf(0), ...I.end(), ...I.end());
    funcs.push({ name: 'coupling', params: fn.params, results: [], locals: fn.locals, body: code });
  };
  /** Byte address of rowPtr[i + at]'s value ×4 (a link index as a byte offset into lnkOff). */
  const rowStart = (g: Gather, at: 0 | 1): Bytes => [...I.get(g.rp), ...I.get(g.i), ...I.i32(4), ...I.i32Mul(), ...I.i32Add(), ...I.i32Load(4 * at)];

  // pre(x_j) already in the ring: a link is a multiply-add
  let coupling = false;
  if (preOk) {
    try {
      emitGather((g) => {
        const { fn, tm, lo, lw } = g;
        const k4 = fn.local(T.i32), k14 = fn.local(T.i32), pb = fn.local(T.i32), qv = fn.local(T.i32);
        const q = Array.from({ length: Math.max(4, prows) }, () => fn.local(T.f64));
        // pb: byte address of pbuf[b]; tm is the step s − 1 whose stored values a zero delay reads
        const prologue: Bytes = [...base('pbuf'), ...I.get(g.b), ...I.i32(PS * 8), ...I.i32Mul(), ...I.i32Add(), ...I.set(pb)];
        const term = (j: number, rowOff: number): Bytes => [
          // lnkW[k+j] * pbuf[pb + 8·((q & ~mask) | ((tm + q) & mask)) + rowOff], q = lnkOff[k+j]
          ...I.get(lw), ...I.get(k4), ...I.i32(2), ...I.i32Mul(), ...I.i32Add(), ...I.f64Load(8 * j),
          ...I.get(pb),
          ...I.get(lo), ...I.get(k4), ...I.i32Add(), ...I.i32Load(4 * j), ...I.tee(qv), ...I.i32(~mask), ...I.i32And(),
          ...I.get(tm), ...I.get(qv), ...I.i32Add(), ...I.i32(mask), ...I.i32And(), ...I.i32Or(),
          ...I.i32(3), ...I.i32Shl(), ...I.i32Add(), ...I.f64Load(rowOff),
          ...I.f64Mul(),
        ];
        const row: Bytes = [];
        for (let r = 0; r < q.length; r++) row.push(...I.f64(0), ...I.set(q[r]));
        row.push(...rowStart(g, 0), ...I.i32(4), ...I.i32Mul(), ...I.set(k4), ...rowStart(g, 1), ...I.i32(4), ...I.i32Mul(), ...I.set(k14));
        if (prows === 1) {
          // four partial sums, as in the JS program
          row.push(...I.block(), ...I.loop());
          row.push(...I.get(k4), ...I.i32(12), ...I.i32Add(), ...I.get(k14), ...I.i32GeS(), ...I.brIf(1));
          for (let j = 0; j < 4; j++) row.push(...I.get(q[j]), ...term(j, 0), ...I.f64Add(), ...I.set(q[j]));
          row.push(...I.get(k4), ...I.i32(16), ...I.i32Add(), ...I.set(k4), ...I.br(0), ...I.end(), ...I.end());
        }
        row.push(...I.block(), ...I.loop());
        row.push(...I.get(k4), ...I.get(k14), ...I.i32GeS(), ...I.brIf(1));
        for (let r = 0; r < prows; r++) row.push(...I.get(q[r]), ...term(0, r * N * R * 8), ...I.f64Add(), ...I.set(q[r]));
        row.push(...I.get(k4), ...I.i32(4), ...I.i32Add(), ...I.set(k4), ...I.br(0), ...I.end(), ...I.end());
        const accs: Bytes[] = prows === 1
          ? [[...I.get(q[0]), ...I.get(q[1]), ...I.f64Add(), ...I.get(q[2]), ...I.get(q[3]), ...I.f64Add(), ...I.f64Add()]]
          : Array.from({ length: prows }, (_, r) => I.get(q[r]));
        const sums = accs.map(() => fn.local(T.v128));
        accs.forEach((a, r) => row.push(...a, ...I.v(V.f64x2Splat), ...I.set(sums[r])));
        return { prologue, row, sums };
      });
      coupling = true;
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      funcs.splice(nStep);
    }
  }
  // Couplings whose per-link term reads x_i (Difference, Kuramoto) read the JS program's float64
  // history (doubled 2H rows, written by the program): two links per instruction, the delayed x_j
  // of each gathered into one lane, x_i broadcast.
  let histGather = false;
  if (!pretransform && cpl.links !== 'tvb-presigmoidal' && !f32) {
    try {
      emitGather((g) => {
        const { fn, vx, tm, lo, lw, i } = g;
        const H2 = 2 * H;
        const HS = ncv * N * H2;
        const k = fn.local(T.i32), k1 = fn.local(T.i32), hb = fn.local(T.i32), a0 = fn.local(T.i32), a1 = fn.local(T.i32);
        // hb: byte address of hist[b] + tm·8
        const prologue: Bytes = [...base('hist'), ...I.get(g.b), ...I.i32(HS * 8), ...I.i32Mul(), ...I.i32Add(), ...I.get(tm), ...I.i32(8), ...I.i32Mul(), ...I.i32Add(), ...I.set(hb)];
        const rows = shared ? [0] : Array.from({ length: ncv }, (_, r) => r);
        const xi = Array.from({ length: ncv }, () => fn.local(T.v128));
        const xj = Array.from({ length: ncv }, () => fn.local(T.v128));
        const acc = rows.map(() => fn.local(T.v128));
        const rowOff = (q: number) => q * N * H2 * 8;
        // byte address of a link's delayed value: hb + 8·lnkOff[k]
        const linkAddr = (kk: Bytes): Bytes => [...I.get(hb), ...I.get(lo), ...kk, ...I.i32(4), ...I.i32Mul(), ...I.i32Add(), ...I.i32Load(0), ...I.i32(3), ...I.i32Shl(), ...I.i32Add()];
        const terms = (pair: boolean): Bytes => {
          const out: Bytes = [];
          for (let q = 0; q < ncv; q++) {
            // v128.load64_lane takes (address, vector): link k+1's value into lane 1 of link k's
            if (pair) out.push(...I.get(a1), ...I.get(a0), ...vmem(V.load64Zero, rowOff(q), 3), ...[0xfd, ...uleb(0x57), 3, ...uleb(rowOff(q)), 1], ...I.set(xj[q]));
            else out.push(...I.get(a0), ...vmem(V.load64Zero, rowOff(q), 3), ...I.set(xj[q]));
          }
          rows.forEach((r, ri) => {
            const sym = (name: string): Bytes => {
              const m = /^x_([ij])_(\d+)$/.exec(name);
              if (m) return I.get((m[1] === 'i' ? xi : xj)[Number(m[2])]);
              if (name === 'x_j') return I.get(xj[r]);
              if (name === 'x_i') return I.get(xi[r]);
              return g.param(name);
            };
            // weights of the two links (or one, the other lane zero), times the per-link term
            const w: Bytes = [...I.get(lw), ...I.get(k), ...I.i32(8), ...I.i32Mul(), ...I.i32Add(), ...(pair ? vmem(V.load, 0) : vmem(V.load64Zero, 0, 3))];
            out.push(...I.get(acc[ri]), ...w, ...vx.emit(cpre, sym), ...I.v(V.f64x2Mul), ...(pair ? [] : [...LANE0_MASK, ...I.v(V.and)]), ...I.v(V.f64x2Add), ...I.set(acc[ri]));
          });
          return out;
        };
        const row: Bytes = [];
        // x_i: the target's own stored value of step s − 1 (slot tm, read from its second copy at tm + H)
        for (let q = 0; q < ncv; q++) row.push(...I.get(hb), ...I.get(i), ...I.i32(H2 * 8), ...I.i32Mul(), ...I.i32Add(), ...I.v(V.load64Splat, 3, ...uleb(rowOff(q) + H * 8)), ...I.set(xi[q]));
        for (const a of acc) row.push(...vconst(0), ...I.set(a));
        row.push(...rowStart(g, 0), ...I.set(k), ...rowStart(g, 1), ...I.set(k1));
        // pairs while k + 1 < k1
        row.push(...I.block(), ...I.loop());
        row.push(...I.get(k), ...I.i32(1), ...I.i32Add(), ...I.get(k1), ...I.i32GeS(), ...I.brIf(1));
        row.push(...linkAddr(I.get(k)), ...I.set(a0), ...linkAddr([...I.get(k), ...I.i32(1), ...I.i32Add()]), ...I.set(a1));
        row.push(...terms(true));
        row.push(...I.get(k), ...I.i32(2), ...I.i32Add(), ...I.set(k), ...I.br(0), ...I.end(), ...I.end());
        // a last single link
        row.push(...I.block(), ...I.get(k), ...I.get(k1), ...I.i32GeS(), ...I.brIf(0));
        row.push(...linkAddr(I.get(k)), ...I.set(a0), ...terms(false), ...I.end());
        const sums = acc.map(() => fn.local(T.v128));
        acc.forEach((a, ri) => row.push(...I.get(a), ...I.v(V.f64x2Extract, 0), ...I.get(a), ...I.v(V.f64x2Extract, 1), ...I.f64Add(), ...I.v(V.f64x2Splat), ...I.set(sums[ri])));
        return { prologue, row, sums };
      });
      histGather = true;
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      funcs.splice(nStep);
    }
  }
  return { bytes: buildModule(funcs, 1), slots, ring: R, step: true, pre: coupling, coupling: coupling || histGather, hist: histGather };
}

const probes = new Map<string, { f: (addr: number) => void; mem: WebAssembly.Memory }>();

/** The elementary functions the vector kernels implement themselves. */
export type WasmMathFunction = 'exp' | 'tanh' | 'log' | 'sin' | 'cos';

/**
 * A kernel's own vector implementation of `fn` applied to `x` (two lanes at a time), for checking
 * its accuracy against Math.
 * @example
 * ```ts
 * import { wasmMath } from './kernel.js';
 * wasmMath('exp', Float64Array.of(0, 1, -745.2, Infinity)); // ≈ [1, e, 0, Infinity]
 * ```
 */
export function wasmMath(fn: WasmMathFunction, x: Float64Array): Float64Array {
  let probe = probes.get(fn);
  if (!probe) {
    const f = new Fn([T.i32]);
    const vx = new VExpr(f);
    const load: Bytes = [...I.get(0), ...vmem(V.load, 0)];
    const val = fn === 'exp' ? vx.exp(load) : fn === 'tanh' ? vx.tanh(load) : fn === 'log' ? vx.log(load) : vx.sincos(load, fn === 'cos');
    const body: Bytes = [...I.get(0), ...val, ...vmem(V.store, 0)];
    const mem = new WebAssembly.Memory({ initial: 1 });
    const bytes = buildModule([{ name: 'f', params: f.params, results: [], locals: f.locals, body }], 1);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem } });
    probe = { f: inst.exports.f as (addr: number) => void, mem };
    probes.set(fn, probe);
  }
  const out = new Float64Array(x.length);
  const buf = new Float64Array(probe.mem.buffer, 0, 2);
  for (let i = 0; i < x.length; i += 2) {
    buf[0] = x[i];
    buf[1] = i + 1 < x.length ? x[i + 1] : 0;
    probe.f(0);
    out[i] = buf[0];
    if (i + 1 < x.length) out[i + 1] = buf[1];
  }
  return out;
}
