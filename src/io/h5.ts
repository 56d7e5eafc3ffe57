/**
 * h5wasm access with the two things every caller needs: a one-time ready, and errors that name the
 * file. Writes go to a temporary file that is renamed into place only when complete.
 *
 * @example
 * ```ts
 * import { writeH5Atomic, openH5, readNumeric } from 'vbt/internals';
 * await writeH5Atomic('x.h5', (f) => { f.create_dataset({ name: 'x', data: new Float64Array([1, 2]) }); });
 * const f = await openH5('x.h5');
 * console.log(readNumeric(f, 'x', 'x.h5').data); // Float64Array [1, 2]
 * f.close();
 * ```
 */
import h5wasm from 'h5wasm/node';
import fs, { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { abandonTemp, checkOutputPath, commitTemp, noteInput, syncFile, tempPathFor, type WriteOptions } from './atomic.js';

export type H5File = InstanceType<typeof h5wasm.File>;
export type H5Group = InstanceType<typeof h5wasm.Group>;
export type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

let ready: Promise<unknown> | undefined;
export async function h5(): Promise<typeof h5wasm> {
  ready ??= h5wasm.ready;
  await ready;
  return h5wasm;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function readU(buf: Buffer, off: number, size: number): number {
  let v = 0;
  for (let k = size - 1; k >= 0; k--) v = v * 256 + buf[off + k];
  return v;
}

/**
 * Check the HDF5 superblock before handing the file to the library: HDF5 itself only prints a
 * diagnostic dump to stderr for a foreign or truncated file, so we look for the signature (at 0,
 * 512, 1024, ...) and compare the end-of-file address it records with the real file size.
 */
export function checkHdf5File(path: string): void {
  if (!existsSync(path)) throw new Error(`${path}: no such HDF5 file`);
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    for (let base = 0; base === 0 || base + 8 <= size; base = base === 0 ? 512 : base * 2) {
      const head = Buffer.alloc(96);
      const got = readSync(fd, head, 0, 96, base);
      if (got < 8) break;
      if (!SIGNATURE.every((b, k) => head[k] === b)) continue;
      const version = head[8];
      let eof: number;
      if (version === 0 || version === 1) {
        const so = head[13];
        const off = 24 + (version === 1 ? 4 : 0);
        eof = readU(head, off + 2 * so, so);
      } else if (version === 2 || version === 3) {
        const so = head[9];
        eof = readU(head, 12 + 2 * so, so);
      } else {
        throw new Error(`${path}: HDF5 superblock version ${version} is not supported`);
      }
      if (eof !== 0xffffffffffffffff && base + eof > size) {
        throw new Error(`${path}: truncated HDF5 file: ${size} bytes on disk but the superblock records ${base + eof}`);
      }
      return;
    }
  } finally {
    closeSync(fd);
  }
  throw new Error(`${path}: not an HDF5 file (no HDF5 signature found; ${size} bytes)`);
}

/** Size on disk of each open file, by file id: the cap on what a dataset read may allocate. */
const fileSizes = new Map<string, number>();

/**
 * The most bytes a dataset of a file this size can honestly hold: its own length uncompressed, or
 * ~1032:1 for gzip (deflate's limit). A header claiming more is corrupt and is not allocated.
 */
export function datasetByteCap(fileSize: number): number {
  return 1032 * fileSize + (1 << 20);
}

/** Open an HDF5 file for reading; a missing, foreign or truncated file is a clear error. */
export async function openH5(path: string): Promise<H5File> {
  const lib = await h5();
  checkHdf5File(path);
  noteInput(path);
  let f: H5File;
  try {
    f = new lib.File(path, 'r');
  } catch (e) {
    throw new Error(`${path}: cannot open as HDF5: ${(e as Error).message}`);
  }
  if (!f || (f as unknown as { file_id: bigint }).file_id < 0n) throw new Error(`${path}: not a readable HDF5 file`);
  fileSizes.set(String((f as unknown as { file_id: bigint }).file_id), statSync(path).size);
  return f;
}

/** Open, run `use`, always close. */
export async function withH5<T>(path: string, use: (f: H5File) => T | Promise<T>): Promise<T> {
  // a corrupt file makes HDF5 print a dump and return garbage: any diagnostic fails the read
  const cap = startHdf5Capture();
  let f: H5File;
  try {
    f = await openH5(path);
  } catch (e) {
    cap.stop();
    throw e;
  }
  try {
    const out = await use(f);
    cap.check(path, 'read');
    return out;
  } catch (e) {
    const msg = (e as Error).message;
    throw msg.startsWith(path) ? e : new Error(`${path}: ${msg}`);
  } finally {
    fileSizes.delete(String((f as unknown as { file_id: bigint }).file_id));
    f.close();
    cap.stop();
  }
}

/**
 * HDF5 reports failed writes (a full disk, a size limit) only as a diagnostic dump on stderr, and
 * h5wasm passes no status back: calls return as if all went well. While `run` runs, stderr writes
 * from HDF5 are captured instead of printed; any diagnostic turns into an Error naming the file and
 * the system error.
 */
export function captureHdf5Errors<T>(file: string, run: () => T): T {
  const cap = startHdf5Capture();
  let out: T;
  try {
    out = run();
  } finally {
    cap.stop();
  }
  cap.check(file);
  return out;
}

/** The same capture held open across awaits (async fills); `check` throws if HDF5 complained. */
export function startHdf5Capture(): { stop(): void; check(file: string, what?: string): void } {
  const orig = fs.writeSync;
  let diag = '';
  let sys: string | undefined;
  (fs as { writeSync: unknown }).writeSync = function (fd: number, buf: unknown, ...rest: unknown[]) {
    if (fd === 2) {
      // emscripten writes (buffer, offset, length, position) views of its heap
      let text: string;
      let n: number;
      if (typeof buf === 'string') {
        text = buf;
        n = Buffer.byteLength(buf);
      } else {
        const b = buf as Uint8Array;
        const off = typeof rest[0] === 'number' ? rest[0] : 0;
        n = typeof rest[1] === 'number' ? rest[1] : b.length - off;
        text = Buffer.from(b.buffer, b.byteOffset + off, n).toString('utf8');
      }
      if (diag || text.includes('HDF5-DIAG')) {
        // HDF5 may repeat its dump for every failed block: keep the start and the system error
        if (diag.length < 16384) diag += text;
        sys ??= /error message = '([^']+)'/.exec(text)?.[1];
        return n;
      }
    }
    return (orig as (...a: unknown[]) => number).call(fs, fd, buf, ...rest);
  } as typeof fs.writeSync;
  let stopped = false;
  return {
    stop() {
      if (!stopped) fs.writeSync = orig;
      stopped = true;
    },
    check(file: string, what = 'write') {
      if (diag) {
        const d = sys ? `error message = '${sys}'\n${diag}` : diag;
        diag = '';
        sys = undefined;
        throw new Error(`${file}: HDF5 ${what} failed: ${summarizeDiag(d)}`);
      }
    },
  };
}

function summarizeDiag(text: string): string {
  const sys = /error message = '([^']+)'/.exec(text)?.[1];
  const minors = [...text.matchAll(/#\d+: .*? in ([A-Za-z0-9_]+)\(\): ([^\n]+)/g)].map((m) => m[2].trim());
  return sys ? sys : minors.slice(-1)[0] ?? text.split('\n').find((l) => l.trim()) ?? 'unknown HDF5 error';
}

/** Dataset paths and shapes of an open file, to compare the file as written with the file as reread. */
function shapesOf(g: H5Group, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const k of g.keys()) {
    const o = g.get(k);
    const p = `${prefix}/${k}`;
    if (o instanceof h5wasm.Group) shapesOf(o, p, out);
    else if (o instanceof h5wasm.Dataset) out.set(p, JSON.stringify(o.shape));
  }
  return out;
}

/**
 * Close a temp HDF5 file that was just filled, then prove it holds what was written: fsync (a full
 * disk shows now), the superblock's end-of-file against the size on disk, and a reopen whose
 * dataset shapes must equal the ones written.
 */
export function verifyClosedH5(lib: typeof h5wasm, tmp: string, path: string, written: Map<string, string>): void {
  try {
    syncFile(tmp);
  } catch (e) {
    throw new Error(`${path}: cannot sync the written file: ${(e as Error).message}`);
  }
  try {
    checkHdf5File(tmp);
  } catch (e) {
    throw new Error(`${path}: written file failed its check: ${(e as Error).message.replace(tmp, 'temp file')}`);
  }
  const back = captureHdf5Errors(path, () => {
    const g = new lib.File(tmp, 'r');
    try {
      return shapesOf(g);
    } finally {
      g.close();
    }
  });
  for (const [k, shape] of written) {
    if (back.get(k) !== shape) throw new Error(`${path}: dataset ${k} reads back as ${back.get(k) ?? 'missing'}, written as ${shape}`);
  }
}

export interface H5WriteOptions extends WriteOptions {
  /**
   * Runs on the closed temp file before its checks (`tmp`: its path): for edits h5wasm cannot make
   * through the library (boolean enumerations, see h5-enum.ts). It must throw on any failure.
   */
  afterClose?: (tmp: string) => void;
}

/**
 * Write an HDF5 file atomically: `fill` writes into a temp file; every HDF5 diagnostic is an error;
 * the file is closed, synced, reopened and its shapes checked, and only then renamed to `path`. On
 * any error (a full disk included) the temp file is removed and nothing appears at `path`. An
 * existing `path` is replaced only with `{ overwrite: true }`; inputs, links and devices never.
 */
export async function writeH5Atomic(path: string, fill: (f: H5File) => void | Promise<void>, opts: H5WriteOptions = {}): Promise<void> {
  const lib = await h5();
  checkOutputPath(path, opts);
  const tmp = tempPathFor(path);
  let f: H5File | undefined;
  let open = false;
  try {
    f = captureHdf5Errors(path, () => new lib.File(tmp, 'w'));
    open = true;
    const file = f;
    const cap = startHdf5Capture();
    try {
      await fill(file);
    } finally {
      cap.stop();
    }
    cap.check(path);
    const written = captureHdf5Errors(path, () => {
      const shapes = shapesOf(file);
      file.flush();
      const rc = file.close();
      open = false;
      if (typeof rc === 'number' && rc < 0) throw new Error(`${path}: closing the HDF5 file failed (status ${rc})`);
      return shapes;
    });
    opts.afterClose?.(tmp);
    verifyClosedH5(lib, tmp, path, written);
    commitTemp(tmp, path, opts);
  } catch (e) {
    if (open) try { captureHdf5Errors(path, () => f!.close()); } catch { /* already failing */ }
    abandonTemp(tmp);
    throw e;
  }
}

/** Attribute value as a plain JS value (BigInt → number, JSON strings left as strings). */
export function attr(obj: { attrs: Record<string, { value: unknown }> }, name: string, file = ''): unknown {
  const a = obj.attrs[name];
  if (!a) throw new Error(`${file}: missing attribute '${name}'`);
  return plain(a.value);
}

/** Optional attribute; undefined when absent. */
export function attrOpt(obj: { attrs: Record<string, { value: unknown }> }, name: string): unknown {
  const a = obj.attrs[name];
  return a ? plain(a.value) : undefined;
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Array.from(v, Number);
  return v;
}

/** Scalar attribute writers with explicit HDF5 types (h5wasm would store integral numbers as int32). */
export const putAttr = {
  str(obj: H5Group | H5Dataset, name: string, v: string): void {
    obj.create_attribute(name, v);
  },
  f64(obj: H5Group | H5Dataset, name: string, v: number): void {
    obj.create_attribute(name, v, null, '<d');
  },
  i64(obj: H5Group | H5Dataset, name: string, v: number): void {
    obj.create_attribute(name, BigInt(v) as unknown as number, null, '<q');
  },
  i32(obj: H5Group | H5Dataset, name: string, v: number): void {
    obj.create_attribute(name, v, null, '<i');
  },
  i64List(obj: H5Group | H5Dataset, name: string, v: readonly number[]): void {
    obj.create_attribute(name, BigInt64Array.from(v.map((x) => BigInt(x))), [v.length], '<q');
  },
  strList(obj: H5Group | H5Dataset, name: string, v: readonly string[]): void {
    obj.create_attribute(name, [...v], [v.length]);
  },
};

export interface NumericArray {
  data: Float64Array;
  shape: number[];
}

/** Get a dataset or fail naming file and path. */
export function getDataset(f: H5Group, path: string, file = ''): H5Dataset {
  const d = f.get(path);
  if (!d || !(d instanceof h5wasm.Dataset)) throw new Error(`${file}: missing dataset '${path}'`);
  return d;
}

/** A numeric dataset as float64 with its shape (int64 and bool/enum data are converted). */
export function readNumeric(f: H5Group, path: string, file = ''): NumericArray {
  const d = getDataset(f, path, file);
  const shape = d.shape ?? [];
  const size = fileSizes.get(String((f as unknown as { file_id: bigint }).file_id));
  const bytes = shape.reduce((a, b) => a * b, 1) * 8;
  if (size !== undefined && bytes > datasetByteCap(size)) throw new Error(`${file}: dataset '${path}' claims shape [${shape.join(', ')}] (${bytes} bytes as float64) in a file of ${size} bytes; the file is corrupt`);
  const v = d.value;
  let data: Float64Array;
  if (v instanceof Float64Array) data = v;
  else if (v instanceof BigInt64Array || v instanceof BigUint64Array) data = Float64Array.from(v, Number);
  else if (ArrayBuffer.isView(v)) data = Float64Array.from(v as unknown as ArrayLike<number>);
  else if (typeof v === 'number' || typeof v === 'bigint') data = Float64Array.of(Number(v));
  else if (Array.isArray(v) && v.every((x) => typeof x === 'number' || typeof x === 'boolean')) data = Float64Array.from(v as number[], Number);
  else throw new Error(`${file}: dataset '${path}' is not numeric (${JSON.stringify(d.dtype)})`);
  const want = shape.reduce((a, b) => a * b, 1);
  if (data.length !== want) throw new Error(`${file}: dataset '${path}' has ${data.length} values for shape [${shape.join(', ')}]`);
  return { data, shape };
}

/** A 1-D string dataset. */
export function readStrings(f: H5Group, path: string, file = ''): string[] {
  const d = getDataset(f, path, file);
  const v = d.value;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new Error(`${file}: dataset '${path}' is not a list of strings`);
}

/** True when a group/dataset exists at `path`. */
export function has(f: H5Group, path: string): boolean {
  try {
    return f.get(path) !== null;
  } catch {
    return false;
  }
}

export function isGroup(x: unknown): x is H5Group {
  return x instanceof h5wasm.Group;
}

export function isDataset(x: unknown): x is H5Dataset {
  return x instanceof h5wasm.Dataset;
}
