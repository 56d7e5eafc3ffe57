/**
 * Selections on time-sorted spikes: a time window is two binary searches and views of the stored
 * arrays (no copy); a node group is one pass over the window with a membership table; populations
 * are merged by time.
 */
import type { Spikes } from './sonata.js';

/** First index with t[i] >= x in a non-decreasing array. */
export function lowerBound(t: ArrayLike<number>, x: number, lo = 0, hi = t.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with t[i] > x in a non-decreasing array. */
export function upperBound(t: ArrayLike<number>, x: number, lo = 0, hi = t.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function checkWindow(tStart: number | undefined, tStop: number | undefined): void {
  for (const [k, v] of [['tStart', tStart], ['tStop', tStop]] as const) {
    if (v !== undefined && !(typeof v === 'number' && !Number.isNaN(v))) throw new Error(`${k} must be a number (ms), got ${String(v)}`);
  }
  if (tStart !== undefined && tStop !== undefined && tStart > tStop) throw new Error(`tStart (${tStart} ms) is after tStop (${tStop} ms)`);
}

/**
 * Spikes of time-sorted arrays in [tStart, tStop] whose ids are in `ids` (sorted unique; undefined = all).
 * Without a group the result is a view of the input (no copy).
 */
export function selectSpikes(s: Spikes, tStart?: number, tStop?: number, ids?: Uint32Array): Spikes {
  checkWindow(tStart, tStop);
  const lo = tStart === undefined ? 0 : lowerBound(s.timestamps, tStart);
  const hi = tStop === undefined ? s.timestamps.length : upperBound(s.timestamps, tStop, lo);
  const t = s.timestamps.subarray(lo, hi);
  const id = s.nodeIds.subarray(lo, hi);
  if (!ids) return { timestamps: t, nodeIds: id };
  if (ids.length === 0) return { timestamps: new Float64Array(0), nodeIds: new Uint32Array(0) };
  const maxId = ids[ids.length - 1];
  if (maxId > DENSE_ID_LIMIT) return selectSparse(t, id, ids);
  const member = new Uint8Array(maxId + 1);
  for (let i = 0; i < ids.length; i++) member[ids[i]] = 1;
  let count = 0;
  for (let i = 0; i < id.length; i++) {
    const v = id[i];
    if (v <= maxId && member[v]) count++;
  }
  const ot = new Float64Array(count);
  const oid = new Uint32Array(count);
  for (let i = 0, k = 0; i < id.length; i++) {
    const v = id[i];
    if (v <= maxId && member[v]) {
      ot[k] = t[i];
      oid[k++] = v;
    }
  }
  return { timestamps: ot, nodeIds: oid };
}

/** Above this node id a membership table would be too large; sorted ids are binary-searched instead. */
export const DENSE_ID_LIMIT = 1 << 26;

function selectSparse(t: Float64Array, id: Uint32Array, ids: Uint32Array): Spikes {
  const keep: number[] = [];
  for (let i = 0; i < id.length; i++) {
    const k = lowerBound(ids, id[i]);
    if (k < ids.length && ids[k] === id[i]) keep.push(i);
  }
  return { timestamps: Float64Array.from(keep, (i) => t[i]), nodeIds: Uint32Array.from(keep, (i) => id[i]) };
}

/** Spikes of several populations merged in time order. */
export interface SpikeTable {
  timestamps: Float64Array;
  nodeIds: Uint32Array;
  /** Index into `populations` for each spike. */
  population: Uint16Array;
  populations: string[];
}

/** k-way merge by time; ties keep population order, so the result is deterministic. */
export function mergeByTime(parts: { name: string; spikes: Spikes }[]): SpikeTable {
  if (parts.length === 1) {
    const s = parts[0].spikes;
    return { timestamps: s.timestamps, nodeIds: s.nodeIds, population: new Uint16Array(s.timestamps.length), populations: [parts[0].name] };
  }
  const total = parts.reduce((a, p) => a + p.spikes.timestamps.length, 0);
  const timestamps = new Float64Array(total);
  const nodeIds = new Uint32Array(total);
  const population = new Uint16Array(total);
  const pos = parts.map(() => 0);
  for (let k = 0; k < total; k++) {
    let best = -1;
    let bt = Infinity;
    for (let p = 0; p < parts.length; p++) {
      const t = parts[p].spikes.timestamps;
      if (pos[p] < t.length && (best < 0 || t[pos[p]] < bt)) {
        best = p;
        bt = t[pos[p]];
      }
    }
    timestamps[k] = bt;
    nodeIds[k] = parts[best].spikes.nodeIds[pos[best]];
    population[k] = best;
    pos[best]++;
  }
  return { timestamps, nodeIds, population, populations: parts.map((p) => p.name) };
}
