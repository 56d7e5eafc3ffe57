/**
 * SONATA spike files (`/spikes/<population>/{timestamps,node_ids}`) read and written through h5wasm.
 *
 * Layout facts (SONATA "Spike file"): `timestamps` float64 with a `units` attribute, `node_ids` uint64
 * of the same length, an optional `sorting` attribute on the population group that is an HDF5 enum
 * {none: 0, by_id: 1, by_time: 2} in libsonata's files and a plain string in bmtk's. We read both.
 * h5wasm cannot create enum types, and libsonata reads `sorting` through an enum type, so by default
 * the writer omits `sorting` (readers then make no order assumption, which is always safe); a
 * bmtk-style string can be asked for with `sortingAttribute: 'string'`.
 */
import { h5, writeH5Atomic, type H5File } from '../io/h5.js';
import type { WriteOptions } from '../io/atomic.js';
import { timeOrder, byIdOrder } from './order.js';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SortOrder = 'none' | 'by_id' | 'by_time';
const SORT_ORDERS: SortOrder[] = ['none', 'by_id', 'by_time'];

/** Time units a spike file may declare, with their factor to milliseconds (vbt works in ms). */
export const TIME_UNITS_TO_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, sec: 1000, us: 1e-3, 'µs': 1e-3 };

/** Spikes of one population: parallel arrays, times in ms. */
export interface Spikes {
  timestamps: Float64Array;
  nodeIds: Uint32Array;
}

/** One population as stored in a file, before any reordering. */
export interface RawSpikePopulation extends Spikes {
  name: string;
  /** Units as written in the file (`timestamps` were converted to ms). */
  fileUnits: string;
  /** The order the file declares (`none` when the attribute is absent). */
  sorting: SortOrder;
  /** How `sorting` was stored: 'enum' (integer), 'string', or 'absent'. */
  sortingStorage: 'enum' | 'string' | 'absent';
}

function fail(file: string, where: string, msg: string): never {
  throw new Error(`${file}: ${where}: ${msg}`);
}

/** Population names of a spike file, in file order. */
export async function readSpikePopulationNames(path: string): Promise<string[]> {
  const f = await openSpikeFile(path);
  try {
    return spikesGroup(f, path).keys();
  } finally {
    f.close();
  }
}

async function openSpikeFile(path: string): Promise<H5File> {
  const lib = await h5();
  if (!existsSync(path)) throw new Error(`${path}: no such spike file`);
  let f: H5File;
  try {
    f = new lib.File(path, 'r');
  } catch (e) {
    throw new Error(`${path}: cannot open as HDF5: ${(e as Error).message}`);
  }
  if ((f as unknown as { file_id: bigint }).file_id < 0n) throw new Error(`${path}: not a readable HDF5 file`);
  return f;
}

/** Same as openSpikeFile for callers that already awaited the h5wasm module (lazy synchronous loads). */
export function openSpikeFileSync(lib: Awaited<ReturnType<typeof h5>>, path: string): H5File {
  if (!existsSync(path)) throw new Error(`${path}: no such spike file (was it moved after the report was opened?)`);
  return new lib.File(path, 'r');
}

type Group = ReturnType<H5File['create_group']>;

function spikesGroup(f: H5File, path: string): Group {
  if (!f.keys().includes('spikes')) fail(path, '/spikes', `no 'spikes' group; a SONATA spike file has /spikes/<population>/{timestamps,node_ids} (found: ${f.keys().join(', ') || 'nothing'})`);
  const g = f.get('spikes') as Group;
  if (g.type !== 'Group') fail(path, '/spikes', 'is not a group');
  return g;
}

function parseSorting(value: unknown, file: string, where: string): { sorting: SortOrder; storage: 'enum' | 'string' } {
  const v = typeof value === 'bigint' ? Number(value) : Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 2) fail(file, where, `sorting value ${v} is not one of the SONATA enum values none=0, by_id=1, by_time=2`);
    return { sorting: SORT_ORDERS[v], storage: 'enum' };
  }
  if (typeof v === 'string') {
    if (!(SORT_ORDERS as string[]).includes(v)) fail(file, where, `sorting '${v}' is not one of ${SORT_ORDERS.join(', ')}`);
    return { sorting: v as SortOrder, storage: 'string' };
  }
  return fail(file, where, `sorting attribute has an unreadable value ${String(value)}`);
}

/** Node ids as uint32 without a BigInt per element: the low words of little-endian uint64, high words checked to be zero. */
function nodeIdsToUint32(raw: unknown, file: string, where: string): Uint32Array {
  if (raw instanceof BigUint64Array || raw instanceof BigInt64Array) {
    const words = new Uint32Array(raw.buffer, raw.byteOffset, raw.length * 2);
    const out = new Uint32Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      if (words[2 * i + 1] !== 0) fail(file, where, `node id ${raw[i]} at index ${i} is negative or ≥ 2^32 (not supported)`);
      out[i] = words[2 * i];
    }
    return out;
  }
  if (raw instanceof Uint32Array) return raw;
  if (raw instanceof Int32Array || raw instanceof Uint16Array || raw instanceof Int16Array || raw instanceof Uint8Array || raw instanceof Int8Array) {
    const out = new Uint32Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] < 0) fail(file, where, `node id ${raw[i]} at index ${i} is negative`);
      out[i] = raw[i];
    }
    return out;
  }
  if (raw instanceof Float64Array || raw instanceof Float32Array) {
    const out = new Uint32Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      if (!(Number.isInteger(raw[i]) && raw[i] >= 0 && raw[i] < 2 ** 32)) fail(file, where, `node id ${raw[i]} at index ${i} is not a non-negative integer`);
      out[i] = raw[i];
    }
    return out;
  }
  return fail(file, where, 'node_ids is not an integer array');
}

function readPopulation(f: H5File, path: string, name: string, assumeUnits?: string): RawSpikePopulation {
  const sg = spikesGroup(f, path);
  const names = sg.keys();
  if (!names.includes(name)) fail(path, `/spikes/${name}`, `no population '${name}'; the file has: ${names.join(', ') || 'none'}`);
  const g = sg.get(name) as Group;
  const where = `/spikes/${name}`;
  if (g.type !== 'Group') fail(path, where, 'is not a group');
  const members = g.keys();
  for (const req of ['timestamps', 'node_ids']) if (!members.includes(req)) fail(path, `${where}/${req}`, `missing dataset (required by SONATA; found: ${members.join(', ') || 'nothing'})`);
  const tsDs = g.get('timestamps') as unknown as { type: string; value: unknown; shape: number[]; attrs: Record<string, { value: unknown }> };
  const idDs = g.get('node_ids') as unknown as { type: string; value: unknown; shape: number[] };
  if (tsDs.type !== 'Dataset' || idDs.type !== 'Dataset') fail(path, where, 'timestamps and node_ids must be datasets');
  if (tsDs.shape.length !== 1 || idDs.shape.length !== 1) fail(path, where, `timestamps and node_ids must be 1-D (shapes [${tsDs.shape}] and [${idDs.shape}])`);
  if (tsDs.shape[0] !== idDs.shape[0]) fail(path, where, `timestamps has ${tsDs.shape[0]} entries but node_ids has ${idDs.shape[0]}; they must have the same length`);

  let units: string;
  const ua = tsDs.attrs['units'];
  if (ua) {
    const uv = ua.value;
    units = String(Array.isArray(uv) ? uv[0] : uv).trim();
  } else if (assumeUnits) {
    units = assumeUnits;
  } else {
    return fail(path, `${where}/timestamps`, "missing 'units' attribute (libsonata requires it); pass { assumeUnits: 'ms' } to read the file anyway");
  }
  const factor = TIME_UNITS_TO_MS[units];
  if (factor === undefined) fail(path, `${where}/timestamps@units`, `unknown time unit '${units}'; expected one of ${Object.keys(TIME_UNITS_TO_MS).join(', ')}`);

  const rawT = tsDs.value;
  let timestamps: Float64Array;
  if (rawT instanceof Float64Array) timestamps = rawT;
  else if (rawT instanceof Float32Array) timestamps = Float64Array.from(rawT);
  else return fail(path, `${where}/timestamps`, 'must be a floating-point dataset');
  if (factor !== 1) for (let i = 0; i < timestamps.length; i++) timestamps[i] *= factor;
  for (let i = 0; i < timestamps.length; i++) {
    if (!Number.isFinite(timestamps[i])) fail(path, `${where}/timestamps`, `entry ${i} is ${timestamps[i]}; spike times must be finite numbers`);
  }
  const nodeIds = nodeIdsToUint32(idDs.value, path, `${where}/node_ids`);

  let sorting: SortOrder = 'none';
  let storage: RawSpikePopulation['sortingStorage'] = 'absent';
  const sa = (g as unknown as { attrs: Record<string, { value: unknown }> }).attrs['sorting'];
  if (sa) ({ sorting, storage } = parseSorting(sa.value, path, `${where}@sorting`));
  return { name, timestamps, nodeIds, fileUnits: units, sorting, sortingStorage: storage };
}

export interface ReadSpikesOptions {
  /** Units to assume when `timestamps` has no `units` attribute (otherwise that is an error). */
  assumeUnits?: string;
}

/** Read populations of a spike file as stored (times converted to ms); no reordering, no order checks. */
export async function readSpikeFile(path: string, options: ReadSpikesOptions & { populations?: string[] } = {}): Promise<RawSpikePopulation[]> {
  const f = await openSpikeFile(path);
  try {
    const names = options.populations ?? spikesGroup(f, path).keys();
    return names.map((n) => readPopulation(f, path, n, options.assumeUnits));
  } finally {
    f.close();
  }
}

/** Synchronous read of one population, for lazy loading after the module is ready. */
export function readSpikePopulationSync(lib: Awaited<ReturnType<typeof h5>>, path: string, name: string, options: ReadSpikesOptions = {}): RawSpikePopulation {
  const f = openSpikeFileSync(lib, path);
  try {
    return readPopulation(f, path, name, options.assumeUnits);
  } finally {
    f.close();
  }
}

/** Is `t` non-decreasing? (by_time order) */
export function isSortedByTime(t: ArrayLike<number>): boolean {
  for (let i = 1; i < t.length; i++) if (t[i] < t[i - 1]) return false;
  return true;
}

/** by_id order: ids non-decreasing, and within one id times non-decreasing. */
export function isSortedById(ids: ArrayLike<number>, t: ArrayLike<number>): boolean {
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] < ids[i - 1]) return false;
    if (ids[i] === ids[i - 1] && t[i] < t[i - 1]) return false;
  }
  return true;
}

/** Index permutation putting spikes in the requested order (by_id: by id, then time); ties keep file order (stable). */
export function sortPermutation(s: Spikes, order: 'by_time' | 'by_id'): Uint32Array {
  const byTime = timeOrder(s.timestamps);
  return order === 'by_time' ? byTime : byIdOrder(s.nodeIds, byTime);
}

export function permute(s: Spikes, perm: Uint32Array): Spikes {
  const timestamps = new Float64Array(perm.length);
  const nodeIds = new Uint32Array(perm.length);
  for (let i = 0; i < perm.length; i++) {
    timestamps[i] = s.timestamps[perm[i]];
    nodeIds[i] = s.nodeIds[perm[i]];
  }
  return { timestamps, nodeIds };
}

/**
 * Spikes of a stored population in time order, checking any order the file claims: a file that
 * says `by_time` or `by_id` but is not is an error (libsonata trusts the flag and would answer wrongly).
 */
export function toTimeOrder(p: RawSpikePopulation, file = ''): Spikes {
  const where = `${file}: /spikes/${p.name}`;
  if (p.sorting === 'by_time') {
    if (!isSortedByTime(p.timestamps)) throw new Error(`${where}: sorting says by_time but timestamps decrease at index ${firstDecrease(p.timestamps)}`);
    return p;
  }
  if (p.sorting === 'by_id' && !isSortedById(p.nodeIds, p.timestamps)) {
    throw new Error(`${where}: sorting says by_id but the data are not ordered by node id then time (first violation at index ${firstByIdViolation(p)})`);
  }
  if (isSortedByTime(p.timestamps)) return p;
  return permute(p, sortPermutation(p, 'by_time'));
}

function firstDecrease(t: ArrayLike<number>): number {
  for (let i = 1; i < t.length; i++) if (t[i] < t[i - 1]) return i;
  return -1;
}
function firstByIdViolation(p: Spikes): number {
  for (let i = 1; i < p.nodeIds.length; i++) {
    if (p.nodeIds[i] < p.nodeIds[i - 1] || (p.nodeIds[i] === p.nodeIds[i - 1] && p.timestamps[i] < p.timestamps[i - 1])) return i;
  }
  return -1;
}

export interface WriteSpikesOptions extends WriteOptions {
  /** Order of the written data (default by_time). */
  sortBy?: 'by_time' | 'by_id' | 'none';
  /**
   * How to record the order: 'omit' (default; safe for libsonata and bmtk, which then assume
   * nothing), or 'string' (bmtk's convention; libsonata reads `sorting` as an enum and may reject it).
   */
  sortingAttribute?: 'omit' | 'string';
  /** Units written to `timestamps@units`; times are given in ms and converted (default 'ms'). */
  units?: string;
  /** Write bmtk's root attributes magic = 0x0A7A and version = [0, 1] (default true). */
  rootAttributes?: boolean;
}

/** Input for the writer: population name → spikes (times in ms, ids ≥ 0). */
export type SpikePopulationsInput = Record<string, { timestamps: ArrayLike<number>; nodeIds: ArrayLike<number> }>;

function checkInput(name: string, s: { timestamps: ArrayLike<number>; nodeIds: ArrayLike<number> }): Spikes {
  if (!name || name.includes('/')) throw new Error(`spike population name '${name}' must be non-empty and contain no '/'`);
  if (s.timestamps.length !== s.nodeIds.length) {
    throw new Error(`population '${name}': ${s.timestamps.length} timestamps but ${s.nodeIds.length} node ids; they must have the same length`);
  }
  const t = s.timestamps instanceof Float64Array ? s.timestamps : Float64Array.from(s.timestamps);
  for (let i = 0; i < t.length; i++) if (!Number.isFinite(t[i])) throw new Error(`population '${name}': timestamp ${t[i]} at index ${i} is not finite`);
  let ids: Uint32Array;
  if (s.nodeIds instanceof Uint32Array) ids = s.nodeIds;
  else {
    ids = new Uint32Array(s.nodeIds.length);
    for (let i = 0; i < ids.length; i++) {
      const v = s.nodeIds[i];
      if (!(Number.isInteger(v) && v >= 0 && v < 2 ** 32)) throw new Error(`population '${name}': node id ${v} at index ${i} is not an integer in [0, 2^32)`);
      ids[i] = v;
    }
  }
  return { timestamps: t, nodeIds: ids };
}

/**
 * Write a SONATA spike file with one group per population, atomically (temp file + rename).
 *
 * @example
 * ```ts
 * import { writeSpikeFile } from 'vbt';
 * await writeSpikeFile('out/spikes.h5', { cortex: { timestamps: [0.5, 1.25], nodeIds: [3, 0] } });
 * ```
 */
export async function writeSpikeFile(path: string, populations: SpikePopulationsInput, options: WriteSpikesOptions = {}): Promise<void> {
  const names = Object.keys(populations);
  if (names.length === 0) throw new Error(`${path}: nothing to write: a spike file needs at least one population`);
  const units = options.units ?? 'ms';
  const factor = TIME_UNITS_TO_MS[units];
  if (factor === undefined) throw new Error(`${path}: unknown time unit '${units}'; expected one of ${Object.keys(TIME_UNITS_TO_MS).join(', ')}`);
  const sortBy = options.sortBy ?? 'by_time';
  if (!['by_time', 'by_id', 'none'].includes(sortBy)) throw new Error(`${path}: sortBy '${sortBy}' is not one of by_time, by_id, none`);
  const prepared = names.map((n) => {
    let s = checkInput(n, populations[n]);
    if (sortBy === 'by_time' && !isSortedByTime(s.timestamps)) s = permute(s, sortPermutation(s, 'by_time'));
    if (sortBy === 'by_id' && !isSortedById(s.nodeIds, s.timestamps)) s = permute(s, sortPermutation(s, 'by_id'));
    return [n, s] as const;
  });
  mkdirSync(dirname(path) || '.', { recursive: true });
  await writeH5Atomic(path, (f) => {
    if (options.rootAttributes ?? true) {
      f.create_attribute('magic', 0x0a7a, null, '<I');
      f.create_attribute('version', new Uint32Array([0, 1]), [2], '<I');
    }
    f.create_group('spikes');
    for (const [name, s] of prepared) {
      const g = f.create_group(`spikes/${name}`);
      if (options.sortingAttribute === 'string' && sortBy !== 'none') g.create_attribute('sorting', sortBy);
      let t = s.timestamps;
      if (factor !== 1) t = t.map((x) => x / factor);
      const ts = g.create_dataset({ name: 'timestamps', data: t, shape: [t.length], dtype: '<d' });
      ts.create_attribute('units', units);
      // uint64 from uint32 without BigInt per element: little-endian low word, zero high word.
      const words = new Uint32Array(2 * s.nodeIds.length);
      for (let i = 0; i < s.nodeIds.length; i++) words[2 * i] = s.nodeIds[i];
      g.create_dataset({ name: 'node_ids', data: new BigUint64Array(words.buffer), shape: [s.nodeIds.length], dtype: '<Q' });
    }
  }, options);
}
