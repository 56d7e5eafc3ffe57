/**
 * A minimal WebAssembly binary writer: enough of the module format (types, one imported memory,
 * functions with locals, exports) and of the instruction set (scalar f64/i32, SIMD f64x2) for the
 * kernel engine's generated hot loops. Code is built as byte arrays in stack-machine (postfix)
 * order, which is what an expression tree walk produces naturally.
 */

export type Bytes = number[];

export const T = { i32: 0x7f, i64: 0x7e, f64: 0x7c, v128: 0x7b } as const;
export type ValType = (typeof T)[keyof typeof T];

export function uleb(n: number): Bytes {
  const out: Bytes = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): Bytes {
  const out: Bytes = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const f64Bytes = (v: number): Bytes => Array.from(new Uint8Array(new Float64Array([v]).buffer));
const str = (s: string): Bytes => [...uleb(s.length), ...Array.from(new TextEncoder().encode(s))];
const vec = (items: Bytes[]): Bytes => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: Bytes): Bytes => [id, ...uleb(body.length), ...body];

/** Instructions. Memory offsets are byte offsets added to the address on the stack. */
export const I = {
  block: (): Bytes => [0x02, 0x40],
  loop: (): Bytes => [0x03, 0x40],
  end: (): Bytes => [0x0b],
  br: (depth: number): Bytes => [0x0c, ...uleb(depth)],
  brIf: (depth: number): Bytes => [0x0d, ...uleb(depth)],
  get: (l: number): Bytes => [0x20, ...uleb(l)],
  set: (l: number): Bytes => [0x21, ...uleb(l)],
  tee: (l: number): Bytes => [0x22, ...uleb(l)],
  i32: (v: number): Bytes => [0x41, ...sleb(v | 0)],
  f64: (v: number): Bytes => [0x44, ...f64Bytes(v)],
  i32Load: (off = 0): Bytes => [0x28, 2, ...uleb(off)],
  f32Load: (off = 0): Bytes => [0x2a, 2, ...uleb(off)],
  f64Load: (off = 0): Bytes => [0x2b, 3, ...uleb(off)],
  f32Store: (off = 0): Bytes => [0x38, 2, ...uleb(off)],
  f64Store: (off = 0): Bytes => [0x39, 3, ...uleb(off)],
  i32LtS: (): Bytes => [0x48],
  i32LtU: (): Bytes => [0x49],
  i32GeS: (): Bytes => [0x4e],
  i32Add: (): Bytes => [0x6a],
  i32Sub: (): Bytes => [0x6b],
  i32Mul: (): Bytes => [0x6c],
  i32DivU: (): Bytes => [0x6e],
  i32RemU: (): Bytes => [0x70],
  i32And: (): Bytes => [0x71],
  i32Or: (): Bytes => [0x72],
  i32Shl: (): Bytes => [0x74],
  f64Add: (): Bytes => [0xa0],
  f64Sub: (): Bytes => [0xa1],
  f64Mul: (): Bytes => [0xa2],
  f64Div: (): Bytes => [0xa3],
  f32Demote: (): Bytes => [0xb6],
  f64Promote: (): Bytes => [0xbb],
  // SIMD (prefix 0xfd, then the sub-opcode as unsigned LEB128)
  v: (op: number, ...imm: number[]): Bytes => [0xfd, ...uleb(op), ...imm],
};

/** SIMD sub-opcodes used by the kernels. */
export const V = {
  load: 0x00, load64Splat: 0x0a, store: 0x0b, const: 0x0c, f64x2Splat: 0x14, i64x2Splat: 0x12,
  f64x2Extract: 0x21, f64x2Replace: 0x22,
  f64x2Eq: 0x47, f64x2Ne: 0x48, f64x2Lt: 0x49, f64x2Gt: 0x4a, f64x2Le: 0x4b, f64x2Ge: 0x4c,
  not: 0x4d, and: 0x4e, andnot: 0x4f, or: 0x50, xor: 0x51, bitselect: 0x52, anyTrue: 0x53,
  store64Lane: 0x5b, load64Zero: 0x5d,
  f64x2Nearest: 0x94, i64x2ExtendLowI32x4S: 0xc7, i64x2Shl: 0xcb, i64x2Add: 0xce,
  f64x2Abs: 0xec, f64x2Neg: 0xed, f64x2Sqrt: 0xef,
  f64x2Add: 0xf0, f64x2Sub: 0xf1, f64x2Mul: 0xf2, f64x2Div: 0xf3, f64x2Min: 0xf4, f64x2Max: 0xf5,
  i32x4TruncSatF64x2SZero: 0xfc,
} as const;

/** v128 memory access with a byte offset (alignment hint 2^align). */
export const vmem = (op: number, off: number, align = 4): Bytes => I.v(op, align, ...uleb(off));
export const vlane = (op: number, off: number, lane: number): Bytes => I.v(op, 3, ...uleb(off), lane);

export interface FuncDef {
  name: string;
  params: ValType[];
  results: ValType[];
  /** Locals after the parameters, in order. */
  locals: ValType[];
  body: Bytes;
}

/** A module that imports its memory as env.mem (sized by the caller) and exports every function. */
export function buildModule(funcs: FuncDef[], memoryPages: number): Uint8Array<ArrayBuffer> {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const imports = vec([[...str('env'), ...str('mem'), 0x02, 0x00, ...uleb(memoryPages)]]);
  const fnSec = vec(funcs.map((_, i) => uleb(i)));
  const exports = vec(funcs.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]));
  const codes = funcs.map((f) => {
    // locals grouped in runs of one type
    const groups: Bytes[] = [];
    for (let k = 0; k < f.locals.length; ) {
      let j = k;
      while (j < f.locals.length && f.locals[j] === f.locals[k]) j++;
      groups.push([...uleb(j - k), f.locals[k]]);
      k = j;
    }
    const body = [...vec(groups), ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, fnSec),
    ...section(7, exports),
    ...section(10, vec(codes)),
  ];
  return Uint8Array.from(bytes);
}
