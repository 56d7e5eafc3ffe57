/** Figures of real data from ../shared: TVB's 76-region connectome and the dk_average SC + empirical FC. */
import { describe, it, expect } from 'vitest';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';
import { readTvbConnectivityZip } from '../src/network/tvb-zip.js';
import { plotNetworkOverview, plotConnectivityMatrix, layout2d } from '../src/plot/network.js';
import { plotFcComparison } from '../src/plot/analysis.js';
import { loadDkAverage, maxNormalized } from '../algorithms/data.js';
import { simulate } from '../src/simulation/simulate.js';
import { functionalConnectivity, upperTriangle } from '../src/analysis/fc.js';
import { monitorSeries } from '../src/analysis/series.js';
import { pearson } from '../src/analysis/losses.js';
import { toSvg, type PlotSpec } from '../src/plot/render.js';
import { countMarks, figureTitles } from './plot-helpers.js';


describe.skipIf(!HAVE_SHARED)(`figures of shared TVB data ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
  it('connectivity_76: 76 nodes, hemispheres side by side, log weights drop exactly the zeros', async () => {
    const c = readTvbConnectivityZip(sharedPath('data/tvb/connectivity_76.zip'));
    const svg = await toSvg(plotNetworkOverview(c));
    expect(countMarks(svg, 'symbol')).toBe(76);
    expect(figureTitles(svg)).toContain('Connectivity overview — connectivity_76 (76 regions)');
    const p = layout2d(c);
    const mean = (h: boolean) => { const xs = p.x.filter((_, i) => c.hemispheres[i] === h); return xs.reduce((a, b) => a + b, 0) / xs.length; };
    expect(Math.abs(mean(true) - mean(false))).toBeGreaterThan(40); // mm between hemisphere centroids
    const nonzero = Array.from(c.weights).filter((w) => w > 0).length;
    const log = plotConnectivityMatrix(c, { log: true }) as unknown as { data: { values: unknown[] } };
    expect(log.data.values.length).toBe(nonzero);
  }, 30_000);

  it('connectivity_998: drawn as 200 × 200 block means, light enough to render', async () => {
    const c = readTvbConnectivityZip(sharedPath('data/tvb/connectivity_998.zip'));
    const spec = plotConnectivityMatrix(c) as unknown as { data: { values: { value: number }[] } };
    expect(spec.data.values.length).toBe(200 * 200);
    let s = 0;
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) s += c.weights[i * 998 + j];
    expect(spec.data.values[0].value).toBeCloseTo(s / 25, 12);
  }, 30_000);

  it('dk_average: simulated vs empirical FC, r in the title equals Pearson of the upper triangles', async () => {
    const dk = loadDkAverage(sharedPath('data/dk_average'));
    const res = await simulate({
      model: 'Generic2dOscillator', connectivity: maxNormalized(dk.connectivity), couplingParameters: { a: 0.1 },
      integrator: { name: 'Heun', dt: 0.5, noise: { nsig: 0.01, seed: 7 } }, duration: 2000,
      monitors: [{ name: 'TemporalAverage', period: 5 }], threads: 1,
    });
    const sim = functionalConnectivity(monitorSeries(res.monitor(0)));
    const r = pearson(upperTriangle(sim), upperTriangle(dk.fc));
    const spec = plotFcComparison(sim, dk.fc, { labels: dk.connectivity.labels });
    const svg = await toSvg(spec as PlotSpec);
    expect(figureTitles(svg)).toContain(`Simulated vs empirical FC: r = ${r.toFixed(3)}`);
    expect(countMarks(svg, 'symbol')).toBe((84 * 83) / 2);
    expect(countMarks(svg, 'rect')).toBe(2 * 84 * 84);
  }, 60_000);
});
