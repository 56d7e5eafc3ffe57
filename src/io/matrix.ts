/**
 * A square matrix (e.g. an empirical FC) read from .npz or .json: the CLI and the experiment runner both read one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { readNpz } from './npy.js';
import type { SquareMatrix } from '../analysis/index.js';

/** An N×N matrix from .npy/.npz (array `fc`, or the only 2-D array) or .json ([[...]] or {fc: [[...]]}). */
export function readMatrix(path: string, key = 'fc'): SquareMatrix {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  const ext = extname(path).toLowerCase();
  let rows: number[][] | undefined, flat: Float64Array | undefined, shape: number[] | undefined;
  if (ext === '.npz') {
    const z = readNpz(path);
    const a = z[key] ?? Object.values(z).find((v) => v.shape.length === 2);
    if (!a) throw new Error(`${path}: no '${key}' array and no 2-D array (arrays: ${Object.keys(z).join(', ')})`);
    flat = Float64Array.from(a.data as ArrayLike<number>); shape = a.shape;
  } else if (ext === '.json') {
    const o = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    const m = Array.isArray(o) ? o : (o as Record<string, unknown>)[key];
    if (!Array.isArray(m)) throw new Error(`${path}: expected an array of rows or an object with '${key}'`);
    rows = m as number[][];
  } else throw new Error(`${path}: unsupported matrix file (extension '${ext}'); expected .npz or .json`);
  if (rows) { shape = [rows.length, rows[0]?.length ?? 0]; flat = Float64Array.from(rows.flat()); }
  if (!shape || shape.length !== 2 || shape[0] !== shape[1] || flat!.length !== shape[0] * shape[1]) throw new Error(`${path}: matrix has shape [${shape?.join(', ')}]; expected square`);
  return { data: flat!, n: shape[0] };
}
