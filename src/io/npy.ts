/**
 * numpy `.npy` and `.npz` reading (format versions 1–3): numeric, bool and fixed-width string
 * (`<U`, `|S`) arrays in C or Fortran order, any byte order. Pickled object arrays are refused
 * (loading them would execute code in Python and is meaningless here). Fortran-order arrays are
 * returned in C order so `data[i*cols + j]` is always element (i, j).
 *
 * @example
 * ```ts
 * import { readNpz } from 'vbt';
 * const sc = readNpz('../shared/data/dk_average/structural.npz');
 * sc.weights.shape;             // [84, 84]
 * sc.region_labels.data;        // ['L.BSTS', ...]
 * ```
 */
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { noteInput } from './atomic.js';

export interface NpyArray {
  /** numpy dtype string as stored, e.g. '<f8', '<U6'. */
  dtype: string;
  shape: number[];
  /** C-order values: numbers (float64 for every numeric dtype, 0/1 for bool) or strings. */
  data: Float64Array | string[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

function parseHeader(text: string, where: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`${where}: malformed .npy header: ${text.trim()}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`${where}: bad shape (${shapeText}) in .npy header`);
  return { descr, fortran: fortran === 'True', shape };
}

/** C-order index permutation for a Fortran-order buffer. */
function fortranToC<T>(vals: T[] | Float64Array, shape: number[]): T[] | Float64Array {
  if (shape.length < 2) return vals;
  const n = vals.length;
  const out: (T[] | Float64Array) = vals instanceof Float64Array ? new Float64Array(n) : new Array<T>(n);
  const idx = new Array(shape.length).fill(0);
  const fstride = shape.map((_, a) => shape.slice(0, a).reduce((x, y) => x * y, 1));
  for (let c = 0; c < n; c++) {
    let f = 0;
    for (let a = 0; a < shape.length; a++) f += idx[a] * fstride[a];
    (out as unknown as T[])[c] = (vals as unknown as T[])[f];
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** Parse the bytes of one .npy file. */
export function parseNpy(bytes: Uint8Array, where = '<npy>'): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((b, k) => bytes[k] === b)) throw new Error(`${where}: not a .npy file (bad magic)`);
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hlen: number, off: number;
  if (major === 1) [hlen, off] = [dv.getUint16(8, true), 10];
  else if (major === 2 || major === 3) [hlen, off] = [dv.getUint32(8, true), 12];
  else throw new Error(`${where}: .npy format version ${major} is not supported (1–3 are)`);
  if (off + hlen > bytes.length) throw new Error(`${where}: truncated .npy header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(off, off + hlen));
  const { descr, fortran, shape } = parseHeader(header, where);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = off + hlen;
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) throw new Error(`${where}: dtype '${descr}' is not supported (structured/object arrays are not read)`);
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  const little = order !== '>';
  const itemBytes = kind === 'U' ? 4 * size : size;
  // the data must fill the rest of the file exactly: a header whose shape lies about the data is
  // refused, and nothing larger than the file itself is ever allocated
  if (start + count * itemBytes > bytes.length) {
    throw new Error(`${where}: truncated .npy data: ${bytes.length - start} bytes for ${count} items of ${descr} (need ${count * itemBytes})`);
  }
  if (start + count * itemBytes < bytes.length) {
    throw new Error(`${where}: .npy header says shape (${shape.join(', ')}) of ${descr} = ${count * itemBytes} bytes, but ${bytes.length - start} bytes of data follow`);
  }
  let values: Float64Array | string[];
  if (kind === 'U' || kind === 'S') {
    const out: string[] = [];
    for (let k = 0; k < count; k++) {
      let s = '';
      for (let c = 0; c < size; c++) {
        const code = kind === 'U' ? dv.getUint32(start + k * itemBytes + 4 * c, little) : bytes[start + k * itemBytes + c];
        if (code === 0) break;
        s += String.fromCodePoint(code);
      }
      out.push(s);
    }
    values = out;
  } else {
    const read: Record<string, (p: number) => number> = {
      f8: (p) => dv.getFloat64(p, little),
      f4: (p) => dv.getFloat32(p, little),
      i8: (p) => Number(dv.getBigInt64(p, little)),
      i4: (p) => dv.getInt32(p, little),
      i2: (p) => dv.getInt16(p, little),
      i1: (p) => dv.getInt8(p),
      u8: (p) => Number(dv.getBigUint64(p, little)),
      u4: (p) => dv.getUint32(p, little),
      u2: (p) => dv.getUint16(p, little),
      u1: (p) => dv.getUint8(p),
      b1: (p) => (dv.getUint8(p) ? 1 : 0),
    };
    const r = read[`${kind}${size}`];
    if (!r) throw new Error(`${where}: dtype '${descr}' is not supported`);
    values = new Float64Array(count);
    for (let k = 0; k < count; k++) values[k] = r(start + k * size);
  }
  return { dtype: descr, shape, data: fortran ? (fortranToC(values, shape) as Float64Array | string[]) : values };
}

/** Read a .npy file. */
export function readNpy(path: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  noteInput(path);
  return parseNpy(bytes, path);
}

/** Read every array of a .npz archive, keyed by name (without `.npy`). */
export function readNpz(path: string): Record<string, NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  noteInput(path);
  let entries: Record<string, Uint8Array>;
  try {
    // deflate cannot expand more than ~1032:1, so a member claiming more is a lie (or a bomb)
    entries = unzipSync(bytes, { filter: (f) => {
      if (f.originalSize > 1032 * Math.max(f.size, 1) + 1024) throw new Error(`member ${f.name} claims ${f.originalSize} bytes from ${f.size} compressed`);
      return true;
    } });
  } catch (e) {
    throw new Error(`${path}: not a readable .npz (zip) archive: ${(e as Error).message}`);
  }
  const out: Record<string, NpyArray> = {};
  for (const [name, b] of Object.entries(entries)) {
    if (!name.endsWith('.npy')) continue;
    out[name.slice(0, -4)] = parseNpy(b, `${path}:${name}`);
  }
  if (!Object.keys(out).length) throw new Error(`${path}: no .npy members in the archive`);
  return out;
}

/** A scalar (0-d or 1-element) entry as a number or string. */
export function npyScalar(a: NpyArray): number | string {
  if (a.data.length !== 1) throw new Error(`expected a scalar, got shape [${a.shape.join(', ')}]`);
  return a.data[0];
}
