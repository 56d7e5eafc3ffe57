/**
 * How commands talk to scripts: `--json` makes the commands that print numbers print one JSON
 * document on stdout instead of prose, and exit codes follow one rule: 2 for usage and input
 * errors (nothing was done), 1 for failures while working (a diverged run, a full disk).
 */
import { DivergenceError } from '../results/simulation.js';

let json = false;

/** Turned on by the global `--json` option. */
export function setJsonOutput(on: boolean): void {
  json = on;
}

export function jsonOutput(): boolean {
  return json;
}

/** Print `value` as JSON under --json, else `text` (a string or a thunk, built only when needed). */
export function emit(value: unknown, text: string | (() => string)): void {
  if (json) console.log(JSON.stringify(value, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
  else console.log(typeof text === 'string' ? text : text());
}

/** A failure while working, after the input was accepted: exit code 1. */
export class RuntimeFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeFailure';
  }
}

/** 1 for failures during the work, 2 for everything refused at the door. */
export function exitCodeFor(e: unknown): 1 | 2 {
  if (e instanceof RuntimeFailure || e instanceof DivergenceError) return 1;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && ['ENOSPC', 'EFBIG', 'EIO', 'EDQUOT', 'EPIPE'].includes(code)) return 1;
  const msg = String((e as Error)?.message ?? '');
  if (/HDF5 write failed|no space left|file size limit|cannot sync|failed its check|kernel worker failed/i.test(msg)) return 1;
  return 2;
}
