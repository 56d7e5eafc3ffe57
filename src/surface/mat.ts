/**
 * Reader for MATLAB level-5 MAT files, limited to what TVB's local-connectivity files hold: numeric
 * (double, single, integer) and sparse matrices, optionally zlib-compressed (miCOMPRESSED).
 * Format facts from MathWorks' "MAT-File Format" document (level 5).
 */
import { readFileSync } from 'node:fs';
import { unzlibSync } from 'fflate';
import { csrFromCsc, type CsrMatrix } from './sparse.js';

const MI = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16 } as const;
const MX_SPARSE = 5;

export type MatVariable =
  | { kind: 'sparse'; name: string; matrix: CsrMatrix }
  | { kind: 'dense'; name: string; dims: number[]; data: Float64Array };

interface Element { type: number; data: Uint8Array; next: number }

function element(buf: Uint8Array, at: number, where: string): Element {
  if (at + 8 > buf.length) throw new Error(`${where}: truncated data element at byte ${at}`);
  const dv = new DataView(buf.buffer, buf.byteOffset + at, 8);
  const first = dv.getUint32(0, true);
  if (first >>> 16) {
    // small data element: type and size share one word, the data the next four bytes
    const n = first >>> 16;
    return { type: first & 0xffff, data: buf.subarray(at + 4, at + 4 + n), next: at + 8 };
  }
  const n = dv.getUint32(4, true);
  if (at + 8 + n > buf.length) throw new Error(`${where}: data element at byte ${at} claims ${n} bytes, beyond the end`);
  const type = first;
  // compressed elements are not padded; all others are padded to 8 bytes
  return { type, data: buf.subarray(at + 8, at + 8 + n), next: at + 8 + (type === MI.COMPRESSED ? n : Math.ceil(n / 8) * 8) };
}

function numbers(e: Element, where: string): Float64Array {
  const d = e.data;
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const size: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8 };
  const s = size[e.type];
  if (!s) throw new Error(`${where}: unsupported numeric element type ${e.type}`);
  const n = d.byteLength / s;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const o = k * s;
    switch (e.type) {
      case MI.INT8: out[k] = dv.getInt8(o); break;
      case MI.UINT8: out[k] = dv.getUint8(o); break;
      case MI.INT16: out[k] = dv.getInt16(o, true); break;
      case MI.UINT16: out[k] = dv.getUint16(o, true); break;
      case MI.INT32: out[k] = dv.getInt32(o, true); break;
      case MI.UINT32: out[k] = dv.getUint32(o, true); break;
      case MI.SINGLE: out[k] = dv.getFloat32(o, true); break;
      case MI.DOUBLE: out[k] = dv.getFloat64(o, true); break;
      case MI.INT64: out[k] = Number(dv.getBigInt64(o, true)); break;
      case MI.UINT64: out[k] = Number(dv.getBigUint64(o, true)); break;
    }
  }
  return out;
}

function matrix(e: Element, where: string): MatVariable {
  const parts: Element[] = [];
  for (let at = 0; at < e.data.length;) {
    const p = element(e.data, at, where);
    parts.push(p);
    at = p.next;
  }
  if (parts.length < 3) throw new Error(`${where}: matrix element with ${parts.length} sub-elements`);
  const flags = numbers(parts[0], where);
  const cls = flags[0] & 0xff;
  if (flags[0] & 0x800) throw new Error(`${where}: complex matrices are not supported`);
  const dims = Array.from(numbers(parts[1], where));
  const name = new TextDecoder().decode(parts[2].data);
  const at = `${where}:${name}`;
  if (cls === MX_SPARSE) {
    if (dims.length !== 2) throw new Error(`${at}: sparse matrix with ${dims.length} dimensions`);
    const [rows, cols] = dims;
    const ir = numbers(parts[3], at), jc = numbers(parts[4], at), pr = numbers(parts[5], at);
    if (jc.length !== cols + 1) throw new Error(`${at}: ${jc.length} column pointers for ${cols} columns`);
    const nnz = jc[cols];
    if (ir.length < nnz || pr.length < nnz) throw new Error(`${at}: ${nnz} non-zeros but ${ir.length} row indices and ${pr.length} values`);
    for (let k = 0; k < nnz; k++) if (ir[k] < 0 || ir[k] >= rows) throw new Error(`${at}: row index ${ir[k]} outside 0..${rows - 1}`);
    return { kind: 'sparse', name, matrix: csrFromCsc(rows, cols, jc, ir, pr) };
  }
  if (cls >= 6 && cls <= 15) {
    const re = numbers(parts[3], at);
    return { kind: 'dense', name, dims, data: re };
  }
  throw new Error(`${at}: MATLAB class ${cls} is not supported (numeric and sparse matrices only)`);
}

/** Every supported variable of a MAT file. */
export function readMat(path: string): MatVariable[] {
  let buf: Uint8Array;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  if (buf.length < 128 || !new TextDecoder().decode(buf.subarray(0, 10)).startsWith('MATLAB 5.0')) {
    throw new Error(`${path}: not a MATLAB level-5 MAT file (v7.3 files are HDF5: read them with the HDF5 reader)`);
  }
  if (buf[126] !== 0x49 || buf[127] !== 0x4d) throw new Error(`${path}: big-endian MAT files are not supported`);
  const out: MatVariable[] = [];
  for (let at = 128; at < buf.length;) {
    let e = element(buf, at, path);
    at = e.next;
    if (e.type === MI.COMPRESSED) {
      const raw = unzlibSync(e.data);
      e = element(raw, 0, path);
    }
    if (e.type === MI.MATRIX && e.data.length) out.push(matrix(e, path));
  }
  return out;
}

/** The sparse matrix named `name` (TVB: 'LocalCoupling'), or the only sparse matrix in the file. */
export function readSparseMat(path: string, name?: string): CsrMatrix {
  const vars = readMat(path).filter((v): v is Extract<MatVariable, { kind: 'sparse' }> => v.kind === 'sparse');
  const hit = name ? vars.find((v) => v.name === name) : vars.length === 1 ? vars[0] : vars.find((v) => v.name === 'LocalCoupling');
  if (!hit) throw new Error(`${path}: no sparse matrix${name ? ` named '${name}'` : ''}; found: ${vars.map((v) => v.name).join(', ') || 'none'}`);
  return hit.matrix;
}
