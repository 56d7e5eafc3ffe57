/**
 * Writes that cannot lie: every file goes to a temp file beside its destination, is synced and
 * checked, and only then renamed into place. A destination that is an input of the run, a symlink,
 * a FIFO, a device or a folder is refused; an existing regular file is replaced only when asked
 * (`{ overwrite: true }` in the API, `--force` on the command line). Temp files are removed on
 * error and on SIGINT/SIGTERM.
 */
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** What a writer may do at its destination. */
export interface WriteOptions {
  /** Replace an existing regular file (never a symlink, FIFO, device or folder). Default false. */
  overwrite?: boolean;
  /** Files this run read: the destination must not be one of them. */
  inputs?: readonly string[];
}

// ---------- process defaults (the CLI's --force) ----------

let defaultOverwrite = false;

/** Set what writers do when a call does not say (`vbt --force` sets overwrite for the whole run). */
export function setWriteDefaults(d: { overwrite?: boolean }): void {
  defaultOverwrite = d.overwrite ?? false;
}

// ---------- inputs of this run ----------

let tracking = false;
const inputsSeen = new Set<string>();

/**
 * Remember every file the readers open from now on, so that no writer of this process replaces
 * one (the CLI turns this on: one process is one run).
 */
export function trackInputs(on = true): void {
  tracking = on;
  if (!on) inputsSeen.clear();
}

/** Readers call this with each file they read. */
export function noteInput(path: string): void {
  if (!tracking) return;
  try {
    inputsSeen.add(realpathSync(path));
  } catch {
    /* unreadable paths are reported by the reader itself */
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    const sa = statSync(a), sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return resolve(a) === resolve(b);
  }
}

/**
 * Throw unless `path` may be written: it must not be an input, nor anything but a regular file,
 * nor an existing file unless `overwrite`.
 */
export function checkOutputPath(path: string, opts: WriteOptions = {}): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return; // nothing there: fine
  }
  const inputs = [...(opts.inputs ?? []), ...inputsSeen];
  if (inputs.some((i) => sameFile(i, path))) throw new Error(`${path}: is an input of this run; refusing to write over it (choose another output path)`);
  if (st.isSymbolicLink()) throw new Error(`${path}: is a symbolic link; vbt writes only regular files and will not replace a link (remove it or choose another path)`);
  if (st.isDirectory()) throw new Error(`${path}: is a folder; expected a file path`);
  if (!st.isFile()) throw new Error(`${path}: is not a regular file (a FIFO, socket or device); refusing to replace it`);
  if (!(opts.overwrite ?? defaultOverwrite)) throw new Error(`${path}: already exists; pass --force (command line) or { overwrite: true } (API) to replace it`);
}

// ---------- temp files and signals ----------

const temps = new Set<string>();
let handlersOn = false;

function removeTemps(): void {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
  temps.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  removeTemps();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  handlersOn = false;
  // re-raise so the exit status says which signal ended us (130/143 in shells)
  process.kill(process.pid, sig);
}

/**
 * Temp files of earlier writes to `path` whose process is gone (SIGKILL, power loss) are removed:
 * a killed process cannot clean up after itself, the next writer can.
 */
function removeStaleTemps(path: string): void {
  const dir = dirname(path) || '.';
  const prefix = `.${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  for (const n of names) {
    const pid = Number(n.slice(prefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(dir, n), { recursive: true, force: true });
    }
  }
}

/** A fresh temp path beside `path`, removed on SIGINT/SIGTERM/exit until `releaseTemp`. */
export function tempPathFor(path: string): string {
  mkdirSync(dirname(path) || '.', { recursive: true });
  removeStaleTemps(path);
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  temps.add(tmp);
  if (!handlersOn) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('exit', removeTemps);
    handlersOn = true;
  }
  return tmp;
}

/** The temp file was renamed into place or removed: stop tracking it. */
export function releaseTemp(tmp: string): void {
  temps.delete(tmp);
  if (!temps.size && handlersOn) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', removeTemps);
    handlersOn = false;
  }
}

/** Temp files now pending (for tests). */
export function pendingTemps(): string[] {
  return [...temps];
}

/** fsync a written file so that a full disk shows up now, not after the rename. */
export function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Move a checked temp file into place (re-checking the destination just before). */
export function commitTemp(tmp: string, path: string, opts: WriteOptions = {}): void {
  checkOutputPath(path, opts);
  renameSync(tmp, path);
  releaseTemp(tmp);
}

/** Drop a temp file after a failure. */
export function abandonTemp(tmp: string): void {
  rmSync(tmp, { recursive: true, force: true });
  releaseTemp(tmp);
}

/**
 * Write bytes or text atomically: temp file, full write, fsync, size check, rename.
 * A full disk (ENOSPC), a size limit (EFBIG) or any other failure throws and leaves nothing.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteOptions = {}): void {
  checkOutputPath(path, opts);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const size = statSync(tmp).size;
    if (size !== bytes.length) throw new Error(`${path}: wrote ${size} of ${bytes.length} bytes`);
    commitTemp(tmp, path, opts);
  } catch (e) {
    abandonTemp(tmp);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOSPC') throw new Error(`${path}: no space left on the device; nothing was written`);
    if (err.code === 'EFBIG') throw new Error(`${path}: file size limit reached; nothing was written`);
    throw e;
  }
}
