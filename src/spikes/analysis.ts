/**
 * Spike-train statistics as pure functions of time-sorted spikes (ms): histograms with numpy's
 * edge conventions, population firing-rate histograms (PSTH), inter-spike intervals, mean rates.
 */
import type { SpikeTable } from './select.js';

export interface Histogram {
  /** Bin edges, length = counts.length + 1; bins are [e_k, e_k+1) except the last, which is closed. */
  edges: Float64Array;
  counts: Float64Array;
}

/**
 * Counts of `values` in bins with the given edges (numpy.histogram's convention: half-open bins, the
 * last one closed; values outside [edges[0], edges[last]] are not counted).
 *
 * @example
 * ```ts
 * import { histogram } from './analysis.js';
 * histogram([0, 0.5, 1, 2], [0, 1, 2]).counts; // Float64Array [2, 2]
 * ```
 */
export function histogram(values: ArrayLike<number>, edges: ArrayLike<number>): Histogram {
  const e = Float64Array.from(edges);
  if (e.length < 2) throw new Error(`histogram: need at least 2 bin edges, got ${e.length}`);
  for (let k = 1; k < e.length; k++) if (!(e[k] > e[k - 1])) throw new Error(`histogram: bin edges must increase (edge ${k} = ${e[k]} ≤ ${e[k - 1]})`);
  const nb = e.length - 1;
  const counts = new Float64Array(nb);
  const lo = e[0];
  const hi = e[nb];
  const w0 = e[1] - e[0];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo && v <= hi)) continue;
    if (v === hi) {
      counts[nb - 1]++;
      continue;
    }
    // Edges are usually equal steps: guess the bin arithmetically, check it, else binary search.
    const g = Math.min(nb - 1, Math.floor((v - lo) / w0));
    if (e[g] <= v && v < e[g + 1]) {
      counts[g]++;
      continue;
    }
    let a = 0;
    let b = nb; // find k with e[k] <= v < e[k+1]
    while (b - a > 1) {
      const m = (a + b) >>> 1;
      if (e[m] <= v) a = m;
      else b = m;
    }
    counts[a]++;
  }
  return { edges: e, counts };
}

/** `histogram` for non-decreasing values: two binary searches per bin instead of work per value. */
export function histogramOfSorted(sorted: Float64Array, edges: ArrayLike<number>): Histogram {
  const e = Float64Array.from(edges);
  if (e.length < 2) throw new Error(`histogram: need at least 2 bin edges, got ${e.length}`);
  for (let k = 1; k < e.length; k++) if (!(e[k] > e[k - 1])) throw new Error(`histogram: bin edges must increase (edge ${k} = ${e[k]} ≤ ${e[k - 1]})`);
  const nb = e.length - 1;
  const counts = new Float64Array(nb);
  let from = lowerBound(sorted, e[0]);
  for (let k = 0; k < nb; k++) {
    const to = k === nb - 1 ? upperBound(sorted, e[nb], from) : lowerBound(sorted, e[k + 1], from);
    counts[k] = to - from;
    from = to;
  }
  return { edges: e, counts };
}

function lowerBound(t: ArrayLike<number>, x: number, lo = 0): number {
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(t: ArrayLike<number>, x: number, lo = 0): number {
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function percentile(sorted: Float64Array, q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i] + (sorted[i + 1] - sorted[i]) * f : sorted[i];
}

/**
 * numpy's `bins='auto'` edges: the smaller of the Freedman–Diaconis and Sturges bin widths
 * (Sturges alone when the interquartile range is 0), equal bins from min to max.
 */
export function autoBinEdges(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  if (n === 0) return Float64Array.of(0, 1);
  const s = Float64Array.from(values).sort();
  let first = s[0];
  let last = s[n - 1];
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const ptp = s[n - 1] - s[0];
  const sturges = ptp / (Math.log2(n) + 1);
  const fd = 2 * (percentile(s, 75) - percentile(s, 25)) * Math.pow(n, -1 / 3);
  const width = fd > 0 ? Math.min(fd, sturges) : sturges;
  const nb = width > 0 ? Math.max(1, Math.ceil(ptp / width)) : 1;
  const e = new Float64Array(nb + 1);
  for (let k = 0; k <= nb; k++) e[k] = first + ((last - first) * k) / nb;
  return e;
}

/** Edges start, start+b, ... (all < stop), then stop: numpy `append(arange(start, stop, b), stop)`. */
export function arangeEdges(start: number, stop: number, binSize: number): Float64Array {
  if (!(binSize > 0)) throw new Error(`bin size must be > 0, got ${binSize}`);
  if (!(stop > start)) return Float64Array.of(start, start + binSize);
  const n = Math.ceil((stop - start) / binSize);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const e = start + k * binSize;
    if (e < stop) out.push(e);
  }
  out.push(stop);
  return Float64Array.from(out);
}

/** Number of distinct (population, node id) pairs in a table: the "nodes that fired". */
export function countSpikingNodes(table: SpikeTable): number {
  const seen = perPopulationState(table, () => 0);
  let total = 0;
  for (let i = 0; i < table.nodeIds.length; i++) {
    const f = seen[table.population[i]];
    const id = table.nodeIds[i];
    if (!f.get(id)) {
      f.set(id, 1);
      total++;
    }
  }
  return total;
}

interface NodeState {
  get(id: number): number;
  set(id: number, v: number): void;
}

/**
 * Per-population state indexed by node id: a typed array sized by the largest id present, or a Map
 * when ids are too large for that (ids are normally dense population indices).
 */
function perPopulationState(table: SpikeTable, init: () => number): NodeState[] {
  const max = new Float64Array(table.populations.length).fill(-1);
  for (let i = 0; i < table.nodeIds.length; i++) if (table.nodeIds[i] > max[table.population[i]]) max[table.population[i]] = table.nodeIds[i];
  return Array.from(max, (m): NodeState => {
    if (m < 1 << 26) {
      const a = new Float64Array(m + 1).fill(init());
      return { get: (id) => a[id], set: (id, v) => void (a[id] = v) };
    }
    const map = new Map<number, number>();
    const d = init();
    return { get: (id) => map.get(id) ?? d, set: (id, v) => void map.set(id, v) };
  });
}

export interface FiringRateOptions {
  /** Bin width in ms; default bluepysnap's heuristic of ~100 spikes per bin: min(50, span / (n/100 + 1)). */
  binSize?: number;
  /** Time range [start, stop] (ms) of the histogram; default first to last spike. */
  range?: [number, number];
  /** Nodes to average over; default the number of distinct nodes that fired (bluepysnap's choice). */
  nodeCount?: number;
}

export interface FiringRateHistogram extends Histogram {
  binSize: number;
  nodeCount: number;
  /** Mean rate per node in each bin (Hz): counts / nodeCount / (bin width in s). */
  rates: Float64Array;
  centers: Float64Array;
}

/**
 * Population firing-rate histogram (PSTH) of time-sorted spikes, in Hz per node. Each bin is
 * divided by its own width (the last bin may be shorter than binSize).
 *
 * @example
 * ```ts
 * import { SpikeReport, NodeTable } from 'vbt';
 * import { firingRateHistogram } from 'vbt';
 * const report = SpikeReport.fromSpikes({ cortex: { timestamps: [0.5, 1, 2.5, 3, 7.25, 120], nodeIds: [0, 2, 1, 0, 5, 3] } },
 *   { nodes: { cortex: new NodeTable({ layer: [2, 3, 5, 5, 6, 6] }) } });
 * const h = firingRateHistogram(report.filter({ tStart: 0, tStop: 1000 }).report, { binSize: 10 });
 * h.rates; // Hz
 * ```
 */
export function firingRateHistogram(table: SpikeTable, options: FiringRateOptions = {}): FiringRateHistogram {
  const t = table.timestamps;
  if (t.length === 0) throw new Error('firing-rate histogram: no spikes to count (check the group and time window)');
  const [start, stop] = options.range ?? [t[0], t[t.length - 1]];
  if (!(stop >= start)) throw new Error(`firing-rate histogram: range [${start}, ${stop}] is empty`);
  if (options.binSize !== undefined && !(options.binSize > 0)) throw new Error(`firing-rate histogram: binSize must be > 0 ms, got ${options.binSize}`);
  const binSize = options.binSize ?? (stop > start ? Math.min(50, (stop - start) / (t.length / 100 + 1)) : 1);
  const nodeCount = options.nodeCount ?? countSpikingNodes(table);
  if (!(nodeCount > 0)) throw new Error(`firing-rate histogram: nodeCount must be > 0, got ${nodeCount}`);
  const h = histogramOfSorted(t, arangeEdges(start, stop, binSize));
  const nb = h.counts.length;
  const rates = new Float64Array(nb);
  const centers = new Float64Array(nb);
  for (let k = 0; k < nb; k++) {
    const w = h.edges[k + 1] - h.edges[k];
    rates[k] = h.counts[k] / nodeCount / (w / 1000);
    centers[k] = 0.5 * (h.edges[k] + h.edges[k + 1]);
  }
  return { ...h, binSize, nodeCount, rates, centers };
}

/** Inter-spike intervals (ms) of each node (per population), or their inverses in Hz. */
export function interSpikeIntervals(table: SpikeTable, options: { frequency?: boolean } = {}): Float64Array {
  const last = perPopulationState(table, () => NaN);
  const out = new Float64Array(table.timestamps.length);
  let k = 0;
  for (let i = 0; i < table.timestamps.length; i++) {
    const l = last[table.population[i]];
    const id = table.nodeIds[i];
    const t = table.timestamps[i];
    const d = t - l.get(id); // NaN for a node's first spike
    if (d === d) {
      if (!options.frequency) out[k++] = d;
      else if (d > 0) out[k++] = 1000 / d;
    }
    l.set(id, t);
  }
  return out.slice(0, k);
}

export interface IsiOptions {
  /** Inverse intervals in Hz instead of intervals in ms (zero intervals dropped). */
  frequency?: boolean;
  /** Bin width (ms or Hz); bins from 0 covering the largest value. Default numpy's 'auto' rule. */
  binSize?: number;
  /** Normalise to a probability density (default true, as bluepysnap); false gives counts. */
  density?: boolean;
}

export interface IsiHistogram extends Histogram {
  values: Float64Array;
  /** counts, or the density counts / (n · width) */
  heights: Float64Array;
  frequency: boolean;
}

/** Inter-spike-interval histogram. */
export function isiHistogram(table: SpikeTable, options: IsiOptions = {}): IsiHistogram {
  if (options.binSize !== undefined && !(options.binSize > 0)) throw new Error(`ISI histogram: binSize must be > 0, got ${options.binSize}`);
  const values = interSpikeIntervals(table, options);
  if (values.length === 0) throw new Error('ISI histogram: no node fired twice in the selection (check the group and time window)');
  let edges: Float64Array;
  if (options.binSize !== undefined) {
    let max = 0;
    for (const v of values) max = Math.max(max, v);
    let nb = Math.max(1, Math.ceil(max / options.binSize));
    if (nb * options.binSize < max) nb++;
    edges = Float64Array.from({ length: nb + 1 }, (_, k) => k * options.binSize!);
  } else edges = autoBinEdges(values);
  const h = histogram(values, edges);
  const density = options.density ?? true;
  const total = h.counts.reduce((a, b) => a + b, 0);
  const heights = density ? h.counts.map((c, k) => c / total / (h.edges[k + 1] - h.edges[k])) : h.counts.slice();
  return { ...h, values, heights, frequency: !!options.frequency };
}

export interface PopulationRate {
  population: string;
  spikes: number;
  nodes: number;
  /** ms */
  duration: number;
  /** mean rate per node, Hz */
  rate: number;
}

/** Mean firing rate of each population over a window of `duration` ms, given each population's node count. */
export function populationRates(table: SpikeTable, duration: number, nodeCounts: Record<string, number>): PopulationRate[] {
  if (!(duration > 0)) throw new Error(`population rates: the time window must be longer than 0 ms, got ${duration}`);
  const counts = new Float64Array(table.populations.length);
  for (let i = 0; i < table.population.length; i++) counts[table.population[i]]++;
  return table.populations.map((population, p) => {
    const nodes = nodeCounts[population];
    if (!(nodes >= 0)) throw new Error(`population rates: no node count for population '${population}'`);
    return { population, spikes: counts[p], nodes, duration, rate: nodes > 0 ? counts[p] / nodes / (duration / 1000) : 0 };
  });
}
