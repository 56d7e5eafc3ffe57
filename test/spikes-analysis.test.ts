/** Spike filters and statistics against hand-computed values and brute force. */
import { describe, it, expect } from 'vitest';
import {
  SpikeReport, NodeTable, histogram, histogramOfSorted, autoBinEdges, arangeEdges, firingRateHistogram, interSpikeIntervals, isiHistogram,
  selectSpikes, lowerBound, upperBound, rasterData, nodeTableFromConnectivity, mergeByTime, timeOrder, byIdOrder,
} from '../src/spikes/index.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { RandomState } from '../src/random/index.js';
import { smallReport } from './spikes-fixture.js';

const arr = (x: ArrayLike<number>) => Array.from(x);

const report = smallReport;

describe('histogram (numpy conventions)', () => {
  it('half-open bins, last bin closed, outside values dropped', () => {
    expect(arr(histogram([0, 0.5, 1, 2, 2.5, -1], [0, 1, 2]).counts)).toEqual([2, 2]);
    expect(() => histogram([1], [0, 0])).toThrow(/bin edges must increase/);
  });
  it('sorted fast path and arithmetic bin guess agree with binary search on random data', () => {
    const rng = new RandomState(9);
    const v = Float64Array.from({ length: 4000 }, () => Math.round(rng.uniform(-1, 11) * 16) / 16).sort();
    for (const edges of [arangeEdges(0, 10, 0.25), arangeEdges(0, 10, 3), Float64Array.of(0, 0.1, 5, 9.9, 10)]) {
      const want = new Float64Array(edges.length - 1);
      for (const x of v) {
        if (x < edges[0] || x > edges[edges.length - 1]) continue;
        let k = edges.length - 2;
        while (k > 0 && x < edges[k]) k--;
        want[k]++;
      }
      expect(arr(histogram(v, edges).counts)).toEqual(arr(want));
      expect(arr(histogramOfSorted(v, edges).counts)).toEqual(arr(want));
    }
  });
  it("'auto' edges: min(Freedman–Diaconis, Sturges) width", () => {
    // n=10, ptp=9: Sturges 9/(log2 10 + 1) = 2.082 < FD 2·4.5·10^(-1/3) = 4.177 → ceil(9/2.082) = 5 bins
    const e = autoBinEdges([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(e.length).toBe(6);
    [1, 2.8, 4.6, 6.4, 8.2, 10].forEach((v, k) => expect(e[k]).toBeCloseTo(v, 12));
    expect(arr(autoBinEdges([3, 3]))).toEqual([2.5, 3.5]);
  });
  it('arange edges with the stop appended', () => {
    expect(arr(arangeEdges(1, 8, 2))).toEqual([1, 3, 5, 7, 8]);
    expect(arr(arangeEdges(0, 6, 2))).toEqual([0, 2, 4, 6]);
  });
});

describe('stable linear-time orderings', () => {
  it('radix time order equals a stable comparator sort (ties, negatives, ±0, huge and tiny values)', () => {
    const rng = new RandomState(3);
    const special = [0, -0, -1e300, 1e300, 5e-324, -5e-324, 1, -1, 2.5, 2.5];
    const t = Float64Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? special[i % special.length] : Math.round(rng.uniform(-50, 50) * 8) / 8));
    const want = Array.from({ length: t.length }, (_, i) => i).sort((a, b) => t[a] - t[b] || a - b);
    expect(Array.from(timeOrder(t))).toEqual(want);
    const ids = Uint32Array.from({ length: t.length }, () => Math.floor(rng.uniform(0, 70000)) * (rng.randomSample() < 0.1 ? 60000 : 1));
    const wantId = Array.from({ length: t.length }, (_, i) => i).sort((a, b) => ids[a] - ids[b] || t[a] - t[b] || a - b);
    expect(Array.from(byIdOrder(ids, timeOrder(t)))).toEqual(wantId);
    expect(Array.from(timeOrder(new Float64Array([3, -1, 3, 0])))).toEqual([1, 3, 0, 2]);
  });
});

describe('filters', () => {
  it('binary search bounds', () => {
    const t = [1, 2, 2, 2, 5];
    expect([lowerBound(t, 2), upperBound(t, 2), lowerBound(t, 0), upperBound(t, 9), lowerBound(t, 3)]).toEqual([1, 4, 0, 5, 4]);
  });

  it('time window without a group is a view of the stored arrays (no copy)', () => {
    const p = report().population('cortex');
    const w = p.get({ tStart: 1, tStop: 3 });
    expect(w.timestamps.buffer).toBe(p.spikes.timestamps.buffer);
    expect(arr(w.timestamps)).toEqual([1, 1, 2.5, 3]);
  });

  it('agrees with brute force on random windows and groups', () => {
    const rng = new RandomState(7);
    const n = 5000;
    const t = Float64Array.from({ length: n }, () => Math.round(rng.uniform(0, 1000) * 4) / 4).sort();
    const ids = Uint32Array.from({ length: n }, () => Math.floor(rng.uniform(0, 200)));
    for (let trial = 0; trial < 30; trial++) {
      const a = Math.round(rng.uniform(-50, 1000) * 4) / 4;
      const b = a + Math.round(rng.uniform(0, 400) * 4) / 4;
      const group = Uint32Array.from(new Set(Array.from({ length: 1 + (trial % 40) }, () => Math.floor(rng.uniform(0, 220))))).sort();
      const got = selectSpikes({ timestamps: t, nodeIds: ids }, a, b, trial % 5 === 0 ? undefined : group);
      const want: number[] = [];
      for (let i = 0; i < n; i++) if (t[i] >= a && t[i] <= b && (trial % 5 === 0 || group.includes(ids[i]))) want.push(i);
      expect(arr(got.timestamps)).toEqual(want.map((i) => t[i]));
      expect(arr(got.nodeIds)).toEqual(want.map((i) => ids[i]));
    }
  });

  it('very large node ids take the sparse paths with the same answers', () => {
    const big = 3_000_000_000;
    const r = SpikeReport.fromSpikes({ p: { timestamps: [1, 2, 3, 4, 6], nodeIds: [big, 5, big, big + 1, big] } });
    const p = r.population('p');
    expect(arr(p.nodeIds)).toEqual([5, big, big + 1]);
    expect(arr(p.get({ group: [big, 7] }).timestamps)).toEqual([1, 3, 6]);
    const f = r.filter();
    expect(arr(f.isiHistogram({ binSize: 1, density: false }).values)).toEqual([2, 3]);
    expect(f.firingRates({ binSize: 5 }).nodeCount).toBe(3);
  });

  it('FilteredSpikeReport merges populations in time order, lazily and once', () => {
    const f = report().filter({ tStart: 1, tStop: 8 });
    const table = f.report;
    expect(f.report).toBe(table); // cached
    expect(arr(table.timestamps)).toEqual([1, 1, 1.5, 2, 2.5, 3, 4, 6, 7.25, 8]);
    expect(arr(table.nodeIds)).toEqual([2, 1, 0, 1, 0, 5, 0, 1, 2, 2]);
    expect(Array.from(table.population, (p) => table.populations[p])).toEqual(['cortex', 'cortex', 'thalamus', 'thalamus', 'cortex', 'cortex', 'thalamus', 'thalamus', 'cortex', 'thalamus']);
    expect(() => report().filter({ tStart: 3, tStop: 2 })).toThrow(/tStart \(3 ms\) is after tStop \(2 ms\)/);
    const merged = mergeByTime([{ name: 'a', spikes: { timestamps: Float64Array.of(1, 3), nodeIds: Uint32Array.of(0, 0) } }, { name: 'b', spikes: { timestamps: Float64Array.of(1, 2), nodeIds: Uint32Array.of(9, 9) } }]);
    expect(arr(merged.timestamps)).toEqual([1, 1, 2, 3]);
    expect(arr(merged.population)).toEqual([0, 1, 1, 0]); // ties keep population order
  });

  it('id groups apply to every population; queries only where the property exists', () => {
    const r = report();
    expect(r.filter({ group: [0] }).rows()).toEqual([
      { time: 0.5, id: 0, population: 'cortex' }, { time: 1.5, id: 0, population: 'thalamus' }, { time: 2.5, id: 0, population: 'cortex' },
      { time: 4, id: 0, population: 'thalamus' }, { time: 9, id: 0, population: 'cortex' },
    ]);
    expect(arr(r.filter({ group: { layer: 6 } }).report.timestamps)).toEqual([3]);
  });
});

describe('statistics', () => {
  it('firing-rate histogram with a bin size: Hz per spiking node, own width per bin', () => {
    const h = report().filter({ tStart: 1, tStop: 8 }).firingRates({ binSize: 2 });
    // range [1, 8], edges 1 3 5 7 8; spikes per bin 5, 2, 1, 2; 7 distinct (population, node) pairs fired
    expect(arr(h.edges)).toEqual([1, 3, 5, 7, 8]);
    expect(arr(h.counts)).toEqual([5, 2, 1, 2]);
    expect(h.nodeCount).toBe(7);
    [5 / 7 / 0.002, 2 / 7 / 0.002, 1 / 7 / 0.002, 2 / 7 / 0.001].forEach((v, k) => expect(h.rates[k]).toBeCloseTo(v, 9));
    expect(arr(h.centers)).toEqual([2, 4, 6, 7.5]);
  });

  it('firing-rate histogram heuristic: ~100 spikes per bin, at most 50 ms', () => {
    const f = report().filter({ tStart: 1, tStop: 8 });
    const h = f.firingRates();
    expect(h.binSize).toBeCloseTo(7 / (10 / 100 + 1), 12); // span 7 ms, 10 spikes
    expect(arr(h.counts)).toEqual([9, 1]);
    const many = SpikeReport.fromSpikes({ p: { timestamps: Float64Array.from({ length: 1000 }, (_, i) => i * 10), nodeIds: new Uint32Array(1000) } });
    expect(many.filter().firingRates().binSize).toBe(50);
    expect(firingRateHistogram(f.report, { nodeCount: 14, binSize: 7 }).rates[0]).toBeCloseTo(10 / 14 / 0.007, 9);
    expect(() => report().filter({ tStart: 100 }).firingRates()).toThrow(/no spikes to count/);
    expect(() => f.firingRates({ binSize: 0 })).toThrow(/binSize must be > 0/);
  });

  it('inter-spike intervals per node and population, in ms and Hz', () => {
    const f = report().filter({ tStart: 1, tStop: 8 });
    // thalamus 0: 1.5→4 (2.5), thalamus 1: 2→6 (4), cortex 2: 1→7.25 (6.25)
    expect(arr(interSpikeIntervals(f.report))).toEqual([2.5, 4, 6.25]);
    expect(arr(interSpikeIntervals(f.report, { frequency: true }))).toEqual([400, 250, 160]);
    const h = f.isiHistogram({ binSize: 1, density: false });
    expect(arr(h.counts)).toEqual([0, 0, 1, 0, 1, 0, 1]);
    const d = f.isiHistogram({ binSize: 1 });
    expect(arr(d.heights)).toEqual([0, 0, 1 / 3, 0, 1 / 3, 0, 1 / 3]);
    expect(() => report().filter({ group: 5 }).isiHistogram()).toThrow(/no node fired twice/);
  });

  it('per-population mean rates', () => {
    const rates = report().filter({ tStart: 0, tStop: 10 }).populationRates();
    // cortex: 7 spikes in [0,10] over 6 nodes; thalamus: 5 over 3 nodes; 10 ms = 0.01 s
    expect(rates.map((r) => [r.population, r.spikes, r.nodes])).toEqual([['cortex', 7, 6], ['thalamus', 5, 3]]);
    expect(rates[0].rate).toBeCloseTo(7 / 6 / 0.01, 9);
    expect(rates[1].rate).toBeCloseTo(5 / 3 / 0.01, 9);
    const g = report().filter({ group: [0, 1], tStart: 0, tStop: 10 }).populationRates();
    expect(g.map((r) => [r.spikes, r.nodes])).toEqual([[4, 2], [4, 2]]);
  });

  it('rates divide by the population size, silent neurons included (closed form)', () => {
    // 100 neurons, only neurons 0 and 7 fire, at 40 Hz each over 2 s: the population's mean rate is 2·80/100/2 s = 0.8 Hz;
    // dividing by the 2 neurons that spiked would give 40 Hz
    const t = Float64Array.from({ length: 80 }, (_, k) => 12.5 + 25 * k);
    const spikes = { timestamps: Float64Array.from([...t, ...t]), nodeIds: Uint32Array.from([...t.map(() => 0), ...t.map(() => 7)]) };
    const sized = SpikeReport.fromSpikes({ v1: spikes }, { tStart: 0, tStop: 2000, populationSizes: { v1: 100 } });
    const [r] = sized.filter().populationRates();
    expect([r.spikes, r.nodes, r.duration]).toEqual([160, 100, 2000]);
    expect(r.rate).toBeCloseTo(160 / 100 / 2, 12);
    expect(SpikeReport.fromSpikes({ v1: spikes }, { tStart: 0, tStop: 2000, populationSizes: 100 }).filter().populationRates()[0].rate).toBeCloseTo(0.8, 12);
    expect(SpikeReport.fromSpikes({ v1: spikes }, { tStart: 0, tStop: 2000, nodes: new NodeTable({ layer: new Array(100).fill(4) }) }).filter().populationRates()[0].rate).toBeCloseTo(0.8, 12);
    // a group still divides by the group's size
    expect(sized.filter({ group: [0, 1, 2, 3] }).populationRates()[0].rate).toBeCloseTo(80 / 4 / 2, 12);
  });

  it('an unknown or inconsistent population size is an error, not the count of neurons that spiked', () => {
    const spikes = { timestamps: [1, 2, 3], nodeIds: [0, 5, 0] };
    expect(() => SpikeReport.fromSpikes({ v1: spikes }).filter().populationRates()).toThrow(/size of population 'v1' is unknown.*populationSizes/);
    expect(SpikeReport.fromSpikes({ v1: spikes }).filter().nodeCounts()).toEqual({ v1: undefined });
    expect(() => SpikeReport.fromSpikes({ v1: spikes }, { populationSizes: { v1: 5 } }).filter().populationRates()).toThrow(/node id 5 spiked, but the population has 5 nodes/);
    expect(() => SpikeReport.fromSpikes({ v1: spikes }, { populationSizes: { v1: 2.5 } })).toThrow(/populationSizes.v1: expected a positive whole number of neurons, got 2.5/);
    expect(() => SpikeReport.fromSpikes({ v1: spikes }, { populationSizes: { v2: 9 } })).toThrow(/no population 'v2'; populations: v1/);
    expect(() => SpikeReport.fromSpikes({ v1: spikes }, { populationSizes: { v1: 9 }, nodes: new NodeTable({ a: [1, 2, 3, 4, 5, 6] }) })).toThrow(/populationSizes.v1 = 9, but its node table has 6 nodes/);
  });

  it('raster coordinates: ids offset by population size, or a node property', () => {
    const d = rasterData(report().filter({ tStop: 2 }));
    // cortex has 6 nodes, so thalamus ids start at 6
    expect(arr(d.t)).toEqual([0.5, 1, 1, 1.5, 2]);
    expect(d.y).toEqual([0, 2, 1, 6, 7]);
    expect(d.separators).toEqual([6, 9]);
    const l = rasterData(report().filter({ tStop: 3 }), 'layer');
    expect(l.y).toEqual([2, 5, 3, 2, 6]); // thalamus has no 'layer' and is left out
    expect(() => rasterData(report().filter(), 'colour')).toThrow(/no population has the node property 'colour'/);
  });
});

describe('node sets', () => {
  const sets = { Deep: { layer: [5, 6] }, Shallow: { layer: 2 }, Both: ['Deep', 'Shallow'], DeepFar: { $node_set: 'Deep', x: [35, 100] }, Loop: ['Loop'] };
  const r = () => SpikeReport.fromSpikes({ cortex: { timestamps: [1, 2, 3, 4, 5, 6], nodeIds: [0, 1, 2, 3, 4, 5] } }, {
    nodes: { cortex: new NodeTable({ layer: [2, 3, 5, 5, 6, 6], x: new Float64Array([0, 10, 30, 20, 40, 50]) }) }, nodeSets: sets,
  });
  it('names, compound sets and $node_set references resolve like queries', () => {
    const p = r().population('cortex');
    expect(arr(p.resolveNodes('Deep')!)).toEqual([2, 3, 4, 5]);
    expect(arr(p.resolveNodes('Both')!)).toEqual([0, 2, 3, 4, 5]);
    expect(arr(p.resolveNodes('DeepFar')!)).toEqual([4, 5]);
    expect(arr(p.resolveNodes({ $node_set: 'Deep', layer: 6 })!)).toEqual([4, 5]);
    expect(arr(r().filter({ group: 'Shallow' }).report.timestamps)).toEqual([1]);
  });
  it('unknown names, missing sets and cycles are errors', () => {
    expect(() => r().population('cortex').get({ group: 'Superficial' })).toThrow(/unknown node set 'Superficial'; known: Deep, Shallow, Both, DeepFar, Loop/);
    expect(() => r().filter({ group: 'Loop' })).toThrow(/cycle/);
    expect(() => report().filter({ group: 'Deep' })).toThrow(/no node sets are known/);
  });
});

describe('node tables', () => {
  it('from a vbt Connectivity: labels, centres, hemispheres', () => {
    const c = syntheticConnectome({ nodes: 10 });
    const t = nodeTableFromConnectivity(c);
    expect(t.size).toBe(10);
    expect(t.get('label', [3])).toEqual([c.labels[3]]);
    expect(t.get('x', [4])).toEqual([c.centres[12]]);
    const right = t.ids({ hemisphere: 'right' });
    expect(arr(right)).toEqual(c.hemispheres.flatMap((h, i) => (h ? [i] : [])));
  });
  it('withColumns adds properties and keeps the others', () => {
    const t = new NodeTable({ layer: [2, 3], x: new Float64Array([0.5, 1]) }).withColumns({ mtype: ['PC', 'BC'] });
    expect(t.propertyNames).toEqual(['layer', 'x', 'mtype']);
    expect(t.column('layer').kind).toBe('int');
    expect(arr(t.ids({ mtype: 'BC', layer: 3 }))).toEqual([1]);
  });
  it('bad tables and groups are refused clearly', () => {
    expect(() => new NodeTable({ a: [1, 2], b: [1] })).toThrow(/node property 'b' has 1 values, expected 2/);
    expect(() => new NodeTable({ a: [1, 'x'] as never })).toThrow(/all numbers, all strings or all booleans/);
    const t = new NodeTable({ a: [1, 2, 3] });
    expect(() => t.ids([1.5])).toThrow(/node id 1.5 .* is not a non-negative integer/);
    expect(() => t.ids({ a: { $gt: 1 } as never })).toThrow(/unknown query modifier\(s\) \$gt/);
  });
});
