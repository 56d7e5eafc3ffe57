/**
 * The dk_average data set (84-region Desikan–Killiany average SC with tract lengths, and the
 * empirical FC with zero diagonal) as vbt objects. A minimal `.npz` reader lives here because the
 * project-wide npy/npz reader was not committed when this module was written; it handles exactly
 * what these files hold: little-endian float64/int64 (C or Fortran order, ≤ 2-D) and `<U` strings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { Connectivity } from '../src/network/connectivity.js';
import type { SquareMatrix } from '../src/analysis/fc.js';
import { fcCorrLossFull } from '../src/analysis/losses.js';

export interface NpyLite {
  shape: number[];
  data: Float64Array | string[];
}

function parseNpyLite(b: Uint8Array, where: string): NpyLite {
  const magic = String.fromCharCode(...b.subarray(1, 6));
  if (b[0] !== 0x93 || magic !== 'NUMPY') throw new Error(`${where}: not a .npy array (bad magic)`);
  const major = b[6];
  const hlen = major === 1 ? b[8] | (b[9] << 8) : b[8] | (b[9] << 8) | (b[10] << 16) | (b[11] << 24);
  const hstart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(b.subarray(hstart, hstart + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeTxt = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeTxt === undefined) throw new Error(`${where}: unreadable .npy header ${header}`);
  if (fortran && shapeTxt.split(',').filter((x) => x.trim()).length > 2) throw new Error(`${where}: Fortran-order arrays of more than 2 dimensions are not supported here`);
  const shape = shapeTxt.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, c) => a * c, 1);
  const off = hstart + hlen;
  const view = new DataView(b.buffer, b.byteOffset + off, b.byteLength - off);
  if (descr === '<f8' || descr === '<i8') {
    const out = new Float64Array(count);
    for (let k = 0; k < count; k++) out[k] = descr === '<f8' ? view.getFloat64(8 * k, true) : Number(view.getBigInt64(8 * k, true));
    if (fortran && shape.length === 2) {
      // column-major on disk: element (i, j) is at j*rows + i
      const [r, c] = shape;
      const t = new Float64Array(count);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[i * c + j] = out[j * r + i];
      return { shape, data: t };
    }
    return { shape, data: out };
  }
  const u = /^<U(\d+)$/.exec(descr);
  if (u) {
    const w = Number(u[1]);
    const out: string[] = [];
    for (let k = 0; k < count; k++) {
      let s = '';
      for (let c = 0; c < w; c++) {
        const cp = view.getUint32(4 * (k * w + c), true);
        if (cp === 0) break;
        s += String.fromCodePoint(cp);
      }
      out.push(s);
    }
    return { shape, data: out };
  }
  throw new Error(`${where}: dtype ${descr} not supported here (expected <f8, <i8 or <U)`);
}

/** Arrays of an `.npz` file by name (without the `.npy` suffix). */
export function readNpzLite(path: string): Record<string, NpyLite> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(new Uint8Array(readFileSync(path)));
  } catch (e) {
    throw new Error(`${path}: cannot read as .npz (${(e as Error).message})`);
  }
  const out: Record<string, NpyLite> = {};
  for (const [name, bytes] of Object.entries(files)) out[name.replace(/\.npy$/, '')] = parseNpyLite(bytes, `${path}:${name}`);
  return out;
}

export interface DkAverage {
  /** SC as a Connectivity (weights as stored; tract lengths in mm). */
  connectivity: Connectivity;
  /** Empirical FC, 84×84, zero diagonal. */
  fc: SquareMatrix;
}

function matrix(a: NpyLite | undefined, field: string, path: string): Float64Array {
  if (!a || !(a.data instanceof Float64Array) || a.shape.length !== 2 || a.shape[0] !== a.shape[1]) {
    throw new Error(`${path}: field '${field}' missing or not a square numeric matrix`);
  }
  return a.data;
}

/**
 * Loads `structural.npz` (weights, lengths, region_labels) and `functional.npz` (fc) from a folder.
 *
 * @example
 * ```ts
 * const dk = loadDkAverage('../shared/data/dk_average');
 * dk.connectivity.n; // 84
 * ```
 */
export function loadDkAverage(dir: string): DkAverage {
  const sp = join(dir, 'structural.npz');
  const fp = join(dir, 'functional.npz');
  const s = readNpzLite(sp);
  const f = readNpzLite(fp);
  const weights = matrix(s.weights, 'weights', sp);
  const lengths = matrix(s.lengths, 'lengths', sp);
  const fc = matrix(f.fc, 'fc', fp);
  const n = s.weights.shape[0];
  if (f.fc.shape[0] !== n) throw new Error(`${fp}: fc is ${f.fc.shape[0]}×${f.fc.shape[0]} but the SC is ${n}×${n}`);
  const labels = Array.isArray(s.region_labels?.data) ? (s.region_labels.data as string[]) : undefined;
  const connectivity = new Connectivity({ n, weights, tractLengths: lengths, labels, name: 'dk_average', source: sp });
  return { connectivity, fc: { data: Float64Array.from(fc), n } };
}

/** SC divided by its maximum (tvboptim's normalisation for dk_average). */
export function maxNormalized(c: Connectivity): Connectivity {
  let m = 0;
  for (const w of c.weights) m = Math.max(m, Math.abs(w));
  if (!(m > 0)) throw new Error(`maxNormalized: connectivity ${c.name} has no non-zero weight`);
  return new Connectivity({ n: c.n, weights: c.weights.map((w) => w / m), tractLengths: c.tractLengths, labels: c.labels, centres: c.centres, speed: c.speed, name: c.name, source: c.source });
}

/**
 * tvboptim's fit metric: Pearson correlation of the two fully flattened N×N matrices (both
 * triangles and the zero diagonals included) — 1 − `fcCorrLossFull`.
 *
 * @example
 * ```ts
 * const a = { data: Float64Array.of(0, .5, .5, 0), n: 2 };
 * fcCorr(a, a); // 1
 * ```
 */
export function fcCorr(sim: SquareMatrix, emp: SquareMatrix): number {
  return 1 - fcCorrLossFull(sim, emp);
}

/**
 * The dk_average folder: `$VBT_SHARED/data/dk_average` or `../shared/data/dk_average` from the
 * working directory; throws naming both places when neither exists.
 */
export function dkAveragePath(): string {
  const cands = [process.env.VBT_SHARED ? join(process.env.VBT_SHARED, 'data', 'dk_average') : '', join(process.cwd(), '..', 'shared', 'data', 'dk_average')].filter(Boolean);
  for (const c of cands) if (existsSync(join(c, 'structural.npz'))) return c;
  throw new Error(`dk_average data not found (looked in ${cands.join(' and ')}); set VBT_SHARED to the shared folder`);
}
