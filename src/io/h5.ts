/**
 * h5wasm access with the two things every caller needs: a one-time ready, and errors that name the
 * file. Writes go to a temporary file that is renamed into place only when complete.
 */
import h5wasm from 'h5wasm/node';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

export type H5File = InstanceType<typeof h5wasm.File>;

let ready: Promise<unknown> | undefined;
export async function h5(): Promise<typeof h5wasm> {
  ready ??= h5wasm.ready;
  await ready;
  return h5wasm;
}

/** Open an HDF5 file for reading; a missing or corrupt file is a clear error. */
export async function openH5(path: string): Promise<H5File> {
  const lib = await h5();
  if (!existsSync(path)) throw new Error(`${path}: no such HDF5 file`);
  let f: H5File;
  try {
    f = new lib.File(path, 'r');
  } catch (e) {
    throw new Error(`${path}: cannot open as HDF5: ${(e as Error).message}`);
  }
  if (!f || (f as unknown as { file_id: bigint }).file_id < 0n) throw new Error(`${path}: not a readable HDF5 file`);
  return f;
}

/** Write an HDF5 file atomically: `fill` writes into a temp file, which is renamed to `path` on success. */
export async function writeH5Atomic(path: string, fill: (f: H5File) => void | Promise<void>): Promise<void> {
  const lib = await h5();
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
  const f = new lib.File(tmp, 'w');
  try {
    await fill(f);
    f.close();
    renameSync(tmp, path);
  } catch (e) {
    try { f.close(); } catch { /* already closed */ }
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Attribute value as a plain JS value (BigInt → number, JSON strings left as strings). */
export function attr(obj: { attrs: Record<string, { value: unknown }> }, name: string, file = ''): unknown {
  const a = obj.attrs[name];
  if (!a) throw new Error(`${file}: missing attribute '${name}'`);
  const v = a.value;
  return typeof v === 'bigint' ? Number(v) : v;
}
