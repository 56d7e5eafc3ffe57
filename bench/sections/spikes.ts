/**
 * Spike reports (issue #8): filtering a 10-million-spike SONATA report by a time window and a node
 * group must take well under a second. Time windows are binary searches over the time-sorted
 * timestamps returning views (no copy); a group is one pass over the window with a membership table.
 * A naive full scan (test every spike, no binary search) is timed beside it for the ratio.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpikeReport, writeSpikeFile, NodeTable, timeOrder } from '../../src/spikes/index.js';
import { RandomState } from '../../src/random/index.js';

function best<T>(f: () => T, reps = 5): { ms: number; out: T } {
  let ms = Infinity;
  let out!: T;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    out = f();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, out };
}

export default async function (): Promise<void> {
  const N = 10_000_000;
  const nodes = 100_000;
  const T = 10_000; // ms
  console.log(`Spike reports: ${N / 1e6} M spikes, ${nodes} nodes, ${T / 1000} s, one population (SONATA file written and read by vbt)`);
  const rng = new RandomState(1);
  const timestamps = new Float64Array(N);
  const ids = new Uint32Array(N);
  for (let i = 0; i < N; i++) {
    timestamps[i] = (i / N) * T;
    ids[i] = Math.floor(rng.randomSample() * nodes);
  }
  const dir = mkdtempSync(join(tmpdir(), 'vbt-bench-spikes-'));
  try {
    const path = join(dir, 'spikes.h5');
    let t0 = performance.now();
    await writeSpikeFile(path, { cortex: { timestamps, nodeIds: ids } });
    console.log(`  write (atomic, uint64 ids):              ${(performance.now() - t0).toFixed(0)} ms`);
    const layer = Int32Array.from({ length: nodes }, (_, i) => 1 + (i % 6));
    const report = await SpikeReport.open(path, { nodes: { cortex: new NodeTable({ layer }) } });
    const pop = report.population('cortex');
    t0 = performance.now();
    void pop.spikes;
    console.log(`  read + order check (first access):      ${(performance.now() - t0).toFixed(0)} ms`);

    const group = Uint32Array.from({ length: 1000 }, (_, k) => k * 100); // 1% of the nodes
    const w = best(() => pop.get({ tStart: 4000, tStop: 4100 }));
    console.log(`  window 100 ms, no group (views):        ${(w.ms * 1000).toFixed(1)} µs  (${w.out.timestamps.length} spikes)`);
    const wg = best(() => pop.get({ tStart: 4000, tStop: 5000, group }));
    console.log(`  window 1 s + group of 1000 ids:         ${wg.ms.toFixed(2)} ms  (${wg.out.timestamps.length} spikes)`);
    const fg = best(() => pop.get({ group }));
    console.log(`  whole report + group of 1000 ids:       ${fg.ms.toFixed(1)} ms  (${fg.out.timestamps.length} spikes)`);
    const q = best(() => pop.get({ tStart: 2000, tStop: 3000, group: { layer: 5 } }));
    console.log(`  window 1 s + query {layer: 5}:          ${q.ms.toFixed(1)} ms  (${q.out.timestamps.length} spikes)`);
    const f = best(() => report.filter({ tStart: 4000, tStop: 5000, group }).report, 3);
    console.log(`  FilteredSpikeReport (window + group):   ${f.ms.toFixed(2)} ms`);

    const all = report.filter();
    const psth = best(() => all.firingRates({ binSize: 10 }), 2);
    console.log(`  PSTH of all ${N / 1e6} M spikes (10 ms bins):  ${psth.ms.toFixed(0)} ms`);
    const isi = best(() => all.isiHistogram({ binSize: 5 }), 2);
    console.log(`  ISI histogram of all spikes:            ${isi.ms.toFixed(0)} ms  (${isi.out.values.length} intervals)`);
    const raster = best(() => all.raster({ maxPoints: 200_000 }), 2);
    console.log(`  raster spec (200 k of ${N / 1e6} M spikes):     ${raster.ms.toFixed(0)} ms`);

    // Naive reference: test every spike (no binary search), as a filter over the whole arrays would.
    const member = new Uint8Array(nodes);
    for (const g of group) member[g] = 1;
    const naive = best(() => {
      const s = pop.spikes;
      const outT: number[] = [];
      for (let i = 0; i < s.timestamps.length; i++) {
        const t = s.timestamps[i];
        if (t >= 4000 && t <= 5000 && member[s.nodeIds[i]]) outT.push(t);
      }
      return outT.length;
    }, 3);
    if (naive.out !== wg.out.timestamps.length) throw new Error(`bench: naive scan found ${naive.out} spikes, the filter ${wg.out.timestamps.length}`);
    console.log(`  naive full scan (same result):          ${naive.ms.toFixed(1)} ms  → ratio naive / vbt = ${(naive.ms / wg.ms).toFixed(1)}x`);
    // Files that make no order claim (sorting 'none') are put in time order once, on first access.
    const shuffled = Float64Array.from({ length: N }, () => rng.randomSample() * T);
    t0 = performance.now();
    timeOrder(shuffled);
    const radixMs = performance.now() - t0;
    t0 = performance.now();
    shuffled.slice().sort();
    const nativeMs = performance.now() - t0;
    console.log(`  time order of ${N / 1e6} M unsorted spikes (stable radix permutation): ${radixMs.toFixed(0)} ms; native Float64Array sort of the values alone: ${nativeMs.toFixed(0)} ms (ratio ${(radixMs / nativeMs).toFixed(2)})`);
    console.log(`  target: window + group well under 1 s → ${wg.ms < 1000 ? 'met' : 'NOT met'} (${(wg.ms / 1000).toFixed(4)} s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
