/**
 * Write a Connectivity as a TVB connectivity ZIP (plain-text members that TVB's library reader and
 * the web GUI's ZIP importer both recognise). Numbers are written in JavaScript's shortest
 * round-trip form, so reading the ZIP back (here or with numpy.loadtxt) gives identical float64s.
 * Booleans are written as 1/0: numpy's loadtxt rejects True/False and 1.0/0.0 for bool columns.
 *
 * @example
 * ```ts
 * import { readTvbConnectivityZip, writeTvbConnectivityZip } from 'vbt';
 * const conn = readTvbConnectivityZip('../shared/data/tvb/connectivity_76.zip');
 * writeTvbConnectivityZip('copy.zip', conn);
 * readTvbConnectivityZip('copy.zip').weights; // identical to conn.weights
 * ```
 */
import { zipSync, strToU8 } from 'fflate';
import { writeFileAtomic, type WriteOptions } from '../io/atomic.js';
import type { Connectivity } from './connectivity.js';

function matrixText(a: ArrayLike<number>, rows: number, cols: number): string {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const row: string[] = [];
    for (let j = 0; j < cols; j++) row.push(String(a[i * cols + j]));
    lines.push(row.join(' '));
  }
  return lines.join('\n') + '\n';
}

/** The ZIP's bytes (members weights, tract_lengths, centres and whichever optional fields are known). */
export function tvbConnectivityZipBytes(conn: Connectivity): Uint8Array {
  const n = conn.n;
  const bad = conn.labels.findIndex((l) => /\s/.test(l) || l.length === 0);
  if (bad >= 0) throw new Error(`TVB ZIP export: label ${bad} (${JSON.stringify(conn.labels[bad])}) is empty or contains whitespace; centres.txt cannot hold it`);
  const centres = conn.centres.length ? conn.centres : new Float64Array(3 * n);
  const files: Record<string, Uint8Array> = {
    'weights.txt': strToU8(matrixText(conn.weights, n, n)),
    'tract_lengths.txt': strToU8(matrixText(conn.tractLengths, n, n)),
    'centres.txt': strToU8(conn.labels.map((l, i) => `${l} ${centres[3 * i]} ${centres[3 * i + 1]} ${centres[3 * i + 2]}`).join('\n') + '\n'),
  };
  if (conn.orientations.length) files['average_orientations.txt'] = strToU8(matrixText(conn.orientations, n, 3));
  if (conn.areas.length) files['areas.txt'] = strToU8(matrixText(conn.areas, n, 1));
  if (conn.cortical.length) files['cortical.txt'] = strToU8(conn.cortical.map((b) => (b ? '1' : '0')).join('\n') + '\n');
  if (conn.hemispheres.length) files['hemispheres.txt'] = strToU8(conn.hemispheres.map((b) => (b ? '1' : '0')).join('\n') + '\n');
  files['info.txt'] = strToU8(`written by vbt\nweights_unit = "au"\nlength_unit = "mm"\narea_unit = "mm^2"\nconduction speed (not part of the format) = ${conn.speed} mm/ms\n`);
  return zipSync(files, { level: 6 });
}

/** Write the ZIP atomically. */
export function writeTvbConnectivityZip(path: string, conn: Connectivity, opts: WriteOptions = {}): void {
  writeFileAtomic(path, tvbConnectivityZipBytes(conn), opts);
}
