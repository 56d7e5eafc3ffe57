/**
 * Boolean datasets the way numpy/h5py (and so TVB) store them: an HDF5 enumeration
 * {FALSE: 0, TRUE: 1} over a signed 8-bit integer. h5wasm 0.10.3 cannot create enumeration types
 * (its create_dataset answers "data type not supported" and no H5T constructor is exported), so the
 * dataset is written by h5wasm as int8 — the same bytes — and, once the file is closed, the
 * datatype message in the dataset's object header is rewritten as the enumeration. Only the layout
 * h5wasm produces is accepted: a version-2 object header whose checksum verifies, one datatype
 * message that is exactly little-endian signed int8, and a null message in the same chunk with room
 * for the longer enumeration message; anything else is an error naming the file and dataset, and
 * the checksum is recomputed and checked again after the rewrite.
 *
 * Format facts (HDF5 File Format Specification 3.0): object header v2 prefix `OHDR`, datatype
 * message 0x0003 (class 8 = enumeration: base type, names padded to 8 bytes in version 1, values),
 * null message 0x0000, Jenkins lookup3 checksums.
 *
 * @example
 * ```ts
 * import { withH5, objectAddress, convertToBoolEnums, writeH5Atomic } from 'vbt/internals';
 * const at: { name: string; address: number }[] = [];
 * await writeH5Atomic('flags.h5', (f) => {
 *   const d = f.create_dataset({ name: 'cortical', data: Int8Array.of(1, 0, 1), shape: [3], dtype: '|b1' });
 *   at.push({ name: 'cortical', address: objectAddress(d) });
 * }, { afterClose: (tmp) => convertToBoolEnums(tmp, at, 'flags.h5') });
 * await withH5('flags.h5', (f) => f.get('cortical').metadata.enum_type.members); // { FALSE: 0, TRUE: 1 }
 * ```
 */
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';

const NIL = 0x0000;
const DATATYPE = 0x0003;
/** little-endian signed 8-bit integer, datatype message version 1 (h5wasm's `|b1` / `<b`). */
const INT8 = Uint8Array.of(0x10, 0x08, 0x00, 0x00, 1, 0, 0, 0, 0, 0, 8, 0);

/** The enumeration {FALSE: 0, TRUE: 1} over int8 as h5py writes numpy bool (datatype message version 1). */
export function boolEnumDatatype(): Uint8Array {
  const pad8 = (s: string) => { const b = new Uint8Array(Math.ceil((s.length + 1) / 8) * 8); b.set(Buffer.from(s, 'ascii')); return b; };
  const parts = [Uint8Array.of(0x18, 2, 0, 0, 1, 0, 0, 0), INT8, pad8('FALSE'), pad8('TRUE'), Uint8Array.of(0, 1)];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const rot = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** Bob Jenkins' lookup3 `hashlittle`, the checksum of HDF5's version-2 metadata. */
export function lookup3(data: Uint8Array, initval = 0): number {
  let a = (0xdeadbeef + data.length + initval) >>> 0, b = a, c = a;
  let k = 0, len = data.length;
  const w = (i: number) => (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)) >>> 0;
  while (len > 12) {
    a = (a + w(k)) >>> 0; b = (b + w(k + 4)) >>> 0; c = (c + w(k + 8)) >>> 0;
    a = ((a - c) >>> 0) ^ rot(c, 4); c = (c + b) >>> 0;
    b = ((b - a) >>> 0) ^ rot(a, 6); a = (a + c) >>> 0;
    c = ((c - b) >>> 0) ^ rot(b, 8); b = (b + a) >>> 0;
    a = ((a - c) >>> 0) ^ rot(c, 16); c = (c + b) >>> 0;
    b = ((b - a) >>> 0) ^ rot(a, 19); a = (a + c) >>> 0;
    c = ((c - b) >>> 0) ^ rot(b, 4); b = (b + a) >>> 0;
    a >>>= 0; b >>>= 0; c >>>= 0;
    len -= 12; k += 12;
  }
  if (len === 0) return c;
  // the last 1..12 bytes, zero-padded
  const t = new Uint8Array(12);
  t.set(data.subarray(k, k + len));
  const tw = (i: number) => (t[i] | (t[i + 1] << 8) | (t[i + 2] << 16) | (t[i + 3] << 24)) >>> 0;
  a = (a + tw(0)) >>> 0; b = (b + tw(4)) >>> 0; c = (c + tw(8)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 24)) >>> 0;
  return c;
}

interface HeaderLayout {
  /** Offset of the first message and of the checksum, relative to the header start. */
  start: number;
  end: number;
  /** Bytes of a message header (4, or 6 with creation order). */
  mh: number;
}

/** The prefix of a version-2 object header (`head` holds at least its first 40 bytes). */
function layout(head: Uint8Array, what: string): HeaderLayout {
  if (head[0] !== 0x4f || head[1] !== 0x48 || head[2] !== 0x44 || head[3] !== 0x52) {
    throw new Error(`${what}: no version-2 object header (OHDR) at the dataset's address; cannot store it as a boolean enumeration`);
  }
  if (head[4] !== 2) throw new Error(`${what}: object header version ${head[4]}; expected 2`);
  const flags = head[5];
  let o = 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
  const sizeBytes = 1 << (flags & 3);
  let size = 0;
  for (let k = sizeBytes - 1; k >= 0; k--) size = size * 256 + head[o + k];
  o += sizeBytes;
  return { start: o, end: o + size, mh: flags & 0x04 ? 6 : 4 };
}

interface Message { type: number; size: number; at: number }

function messages(h: Uint8Array, l: HeaderLayout): Message[] {
  const out: Message[] = [];
  // a tail shorter than a message header is a gap
  for (let o = l.start; o + l.mh <= l.end;) {
    const size = h[o + 1] | (h[o + 2] << 8);
    if (o + l.mh + size > l.end) throw new Error(`message at ${o} runs past its chunk`);
    out.push({ type: h[o], size, at: o });
    o += l.mh + size;
  }
  return out;
}

const u32 = (h: Uint8Array, o: number) => (h[o] | (h[o + 1] << 8) | (h[o + 2] << 16) | (h[o + 3] << 24)) >>> 0;

/**
 * Rewrite, in memory, the first chunk of a dataset's object header (`h`: from its signature through
 * the chunk's checksum) so that its int8 datatype becomes the boolean enumeration.
 */
export function rewriteAsBoolEnum(h: Uint8Array, what: string): void {
  const l = layout(h, what);
  if (h.length < l.end + 4) throw new Error(`${what}: object header is cut short (${h.length} bytes, chunk ends at ${l.end + 4})`);
  if (lookup3(h.subarray(0, l.end)) !== u32(h, l.end)) throw new Error(`${what}: object header checksum does not verify; not rewriting it`);
  const msgs = messages(h, l);
  const dts = msgs.filter((m) => m.type === DATATYPE);
  if (dts.length !== 1) throw new Error(`${what}: ${dts.length} datatype messages in the first header chunk; expected 1`);
  const dt = dts[0];
  const body = h.subarray(dt.at + l.mh, dt.at + l.mh + dt.size);
  if (body.length !== INT8.length || !INT8.every((b, k) => body[k] === b)) {
    throw new Error(`${what}: datatype is not little-endian signed int8 (${Buffer.from(body).toString('hex')}); only int8 datasets become booleans`);
  }
  const enumBody = boolEnumDatatype();
  const grow = enumBody.length - dt.size;
  const nil = msgs.filter((m) => m.type === NIL && m.size >= grow).sort((a, b) => b.size - a.size)[0];
  if (!nil) throw new Error(`${what}: no free space (null message of ≥ ${grow} bytes) in the first header chunk for the enumeration datatype`);
  // lay the messages out again in their order: the datatype grows, the null message shrinks by as much
  const out = new Uint8Array(l.end - l.start);
  let o = 0;
  for (const m of msgs) {
    const hdr = h.slice(m.at, m.at + l.mh);
    const size = m === dt ? enumBody.length : m === nil ? m.size - grow : m.size;
    hdr[1] = size & 0xff;
    hdr[2] = size >> 8;
    out.set(hdr, o);
    if (m === dt) out.set(enumBody, o + l.mh);
    else if (m !== nil) out.set(h.subarray(m.at + l.mh, m.at + l.mh + m.size), o + l.mh);
    o += l.mh + size;
  }
  h.set(out, l.start);
  const sum = lookup3(h.subarray(0, l.end));
  h[l.end] = sum & 0xff; h[l.end + 1] = (sum >>> 8) & 0xff; h[l.end + 2] = (sum >>> 16) & 0xff; h[l.end + 3] = sum >>> 24;
  const again = messages(h, l).filter((m) => m.type === DATATYPE);
  if (again.length !== 1 || again[0].size !== enumBody.length) throw new Error(`${what}: rewritten header does not parse back`);
}

/** The object header address of a dataset just written (its HDF5 object reference). */
export function objectAddress(d: { create_reference(): { ref_data: Uint8Array | ArrayLike<number> } }): number {
  const r = d.create_reference().ref_data;
  let a = 0;
  for (let k = 7; k >= 0; k--) a = a * 256 + Number(r[k]);
  if (!Number.isSafeInteger(a) || a <= 0) throw new Error(`object reference ${Array.from(r).join(',')} is not a file address`);
  return a;
}

/**
 * Turn int8 datasets of a closed HDF5 file (at the given object header addresses) into boolean
 * enumerations, in place, and fsync. `file` names the file in errors (the caller's final path).
 */
export function convertToBoolEnums(path: string, datasets: { name: string; address: number }[], file = path): void {
  const fd = openSync(path, 'r+');
  try {
    for (const { name, address } of datasets) {
      const what = `${file}: dataset '${name}'`;
      const head = new Uint8Array(40);
      if (readSync(fd, head, 0, head.length, address) < head.length) throw new Error(`${what}: address ${address} is past the end of the file`);
      const l = layout(head, what);
      const h = new Uint8Array(l.end + 4);
      if (readSync(fd, h, 0, h.length, address) !== h.length) throw new Error(`${what}: object header is cut short`);
      rewriteAsBoolEnum(h, what);
      if (writeSync(fd, h, 0, h.length, address) !== h.length) throw new Error(`${what}: short write while rewriting its header`);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
