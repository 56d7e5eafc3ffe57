/**
 * The dk_average data set (84-region Desikan–Killiany average SC with tract lengths, and the
 * empirical FC with zero diagonal) as vbt objects, read with the project's npy/npz reader.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readNpz, type NpyArray } from '../src/io/npy.js';
import { Connectivity } from '../src/network/connectivity.js';
import type { SquareMatrix } from '../src/analysis/fc.js';
import { fcCorrLossFull } from '../src/analysis/losses.js';

/** A numpy array as read from an `.npz` member (src/io's reader: every dtype, either byte order, C or Fortran order). */
export type NpyLite = NpyArray;

/** Arrays of an `.npz` file by name (without the `.npy` suffix). */
export function readNpzLite(path: string): Record<string, NpyLite> {
  return readNpz(path);
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
 * import { loadDkAverage } from 'vbt/algorithms';
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
 * import { fcCorr } from 'vbt/algorithms';
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
