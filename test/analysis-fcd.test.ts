import { describe, expect, it } from 'vitest';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';
import {
  fcd, fcdValues, fcdDistribution, kdeDensity, histogramDensity, ksDistance, wassersteinDistance,
  ksDistanceSamples, wassersteinSamples, summarize, functionalConnectivity, upperTriangle, pearson,
} from '../src/analysis/index.js';

describe('FCD', () => {
  it('windows, FC per window and correlation between windows, as defined', () => {
    const T = 90, n = 4;
    const x = Array.from({ length: T }, (_, t) => Array.from({ length: n }, (_, i) => Math.sin(0.3 * t * (i + 1) + i) + (t > 45 ? 0.8 * Math.sin(0.7 * t) : 0)));
    const f = fcd(x, { window: 30, step: 15 });
    expect(f.n).toBe(5);
    expect(Array.from(f.windowStarts)).toEqual([0, 15, 30, 45, 60]);
    const fc = (t0: number) => upperTriangle(functionalConnectivity(x.slice(t0, t0 + 30)));
    expect(f.data[1 * 5 + 3]).toBeCloseTo(pearson(fc(15), fc(45)), 14);
    expect(f.data[3 * 5 + 1]).toBe(f.data[1 * 5 + 3]);
    expect(f.data[2 * 5 + 2]).toBe(1);
    expect(fcdValues(f).length).toBe(10);
    expect(fcdValues(f, 2).length).toBe(6);
    const skipped = fcd(x, { window: 30, step: 15, skip: 15 });
    expect(skipped.data[0 * 4 + 2]).toBeCloseTo(f.data[1 * 5 + 3], 14);
    expect(() => fcd(x, { window: 100 })).toThrow(/fewer than window=100/);
    expect(() => fcd(x.map((r) => r.slice(0, 2)), { window: 10 })).toThrow(/at least 3/);
  });

  it('a stationary pattern gives FCD ≡ 1', () => {
    const x = Array.from({ length: 200 }, (_, t) => [Math.sin(t * 0.9), Math.sin(t * 0.9 + 0.5), 2 * Math.sin(t * 0.9 + 1.7)]);
    const f = fcd(x, { window: 28, step: 7 }); // whole periods are not needed: the phase relation fixes FC
    for (const v of fcdValues(f)) expect(v).toBeGreaterThan(0.99);
  });
});

describe('distributions and distances', () => {
  it('KDE (Scott) matches scipy.stats.gaussian_kde renormalised on the FCD grid', () => {
    const a = Array.from({ length: 40 }, (_, k) => Math.sin(k * 1.7));
    const d = kdeDensity(a);
    expect(d.x.length).toBe(100);
    // scipy 1.17: gaussian_kde(a)(linspace(-0.99, 0.99, 100)), divided by its sum·dx
    const ref: [number, number][] = [[0, 0.4235997861428451], [17, 0.531763625765843], [50, 0.47375977467507957], [99, 0.45630574664058676]];
    for (const [k, v] of ref) expect(Math.abs(d.density[k] - v) / v).toBeLessThan(1e-12);
    expect(d.density.reduce((s, v) => s + v, 0) * (d.x[1] - d.x[0])).toBeCloseTo(1, 14);
  });

  it('sample distances match scipy (wasserstein_distance, ks_2samp) and closed forms', () => {
    const a = Array.from({ length: 40 }, (_, k) => Math.sin(k * 1.7));
    const b = Array.from({ length: 31 }, (_, k) => 0.3 + 0.8 * Math.cos(k * 2.3));
    expect(wassersteinSamples(a, b)).toBeCloseTo(0.30768646498088903, 13);
    expect(ksDistanceSamples(a, b)).toBeCloseTo(0.3, 14);
    expect(wassersteinSamples(a, a.map((v) => v + 0.25))).toBeCloseTo(0.25, 13);
    expect(ksDistanceSamples([1, 2, 3], [4, 5])).toBe(1);
    expect(ksDistanceSamples(a, a)).toBe(0);
  });

  it('grid distances: point masses, shifts, and agreement with the sample forms for histograms', () => {
    const x = Float64Array.from({ length: 11 }, (_, k) => k * 0.1);
    const p = { x, density: new Float64Array(11) }, q = { x, density: new Float64Array(11) };
    p.density[2] = 5; q.density[7] = 1;
    expect(ksDistance(p, q)).toBe(1);
    expect(wassersteinDistance(p, q)).toBeCloseTo(0.5, 14);
    const h1 = histogramDensity([0.05, 0.15, 0.15], { bins: 10, range: [0, 1] });
    const h2 = histogramDensity([0.55, 0.65, 0.65], { bins: 10, range: [0, 1] });
    expect(wassersteinDistance(h1, h2)).toBeCloseTo(wassersteinSamples([0.05, 0.15, 0.15], [0.55, 0.65, 0.65]), 13);
    expect(() => ksDistance(p, { x: x.subarray(1), density: new Float64Array(10) })).toThrow(/same grid/);
  });

  it('FCD distributions of two regimes are far apart; of the same regime close', () => {
    const mk = (switching: boolean, ph: number) => Array.from({ length: 400 }, (_, t) => {
      const on = switching && Math.floor(t / 50) % 2 === 1;
      return [0, 1, 2, 3].map((i) => Math.sin(0.5 * t + i * (on ? 2 : 0.3) + ph) + 0.3 * Math.sin(1.3 * t * (i + 1)));
    });
    const d = (sw: boolean, ph: number) => fcdDistribution(fcd(mk(sw, ph), { window: 25, step: 5 }));
    const still = d(false, 0), still2 = d(false, 0.7), sw = d(true, 0);
    expect(ksDistance(still, sw)).toBeGreaterThan(3 * ksDistance(still, still2));
    expect(wassersteinDistance(still, sw)).toBeGreaterThan(3 * wassersteinDistance(still, still2));
  });
});

describe('summaries for sweeps', () => {
  it('means, variances and global-signal variance by hand', () => {
    const s = summarize([[1, 3], [3, 1], [100, 100]], { skip: 0 });
    expect(s.mean[0]).toBeCloseTo(104 / 3, 12);
    const t = summarize([[9, 9], [1, 3], [3, 1]], { skip: 1 });
    expect(Array.from(t.mean)).toEqual([2, 2]);
    expect(Array.from(t.variance)).toEqual([1, 1]);
    expect(t.meanVariance).toBe(1);
    expect(t.globalSignalVariance).toBe(0);
    expect(t.globalMean).toBe(2);
    expect(t.maxAbs).toBe(3);
    const u = summarize([[1, 1], [3, 3]]);
    expect(u.globalSignalStd).toBe(1);
    expect(() => summarize([[1]], { skip: 1 })).toThrow(/leaves 0/);
  });
});

describe('empirical FCD histograms', () => {
  it('densityFromHistogram: unit area on the midpoints; bad edges named', async () => {
    const { densityFromHistogram } = await import('../src/analysis/index.js');
    const d = densityFromHistogram([0, 1, 2], [1, 3]);
    expect(Array.from(d.x)).toEqual([0.5, 1.5]);
    expect(Array.from(d.density)).toEqual([0.25, 0.75]);
    expect(() => densityFromHistogram([0, 1, 3], [1, 1])).toThrow(/breaks equal spacing/);
    expect(() => densityFromHistogram([0, 1], [1, 1])).toThrow(/2 edges for 2 bins/);
  });

  it.skipIf(!HAVE_SHARED)(`dk_average's FCD histogram sits on the KDE grid and compares with a simulated FCD ${HAVE_SHARED ? '' : SKIP_REASON}`, async () => {
    const { densityFromHistogram } = await import('../src/analysis/index.js');
    const { readNpz } = await import('../src/io/npy.js');
    const f = readNpz(sharedPath('data', 'dk_average', 'functional.npz'));
    const emp = densityFromHistogram(f.fcd_edges.data as Float64Array, f.fcd_hist.data as Float64Array);
    const sim = fcdDistribution(fcd(Array.from({ length: 300 }, (_, t) => [0, 1, 2, 3, 4].map((i) => Math.sin(0.2 * t * (1 + 0.1 * i)) + 0.5 * Math.sin(t * 1.7 + i * i))), { window: 40, step: 5 }));
    for (let k = 0; k < 100; k++) expect(sim.x[k]).toBeCloseTo(emp.x[k], 12);
    expect(ksDistance(emp, emp)).toBe(0);
    const ks = ksDistance(sim, emp), w1 = wassersteinDistance(sim, emp);
    expect(ks).toBeGreaterThan(0);
    expect(ks).toBeLessThanOrEqual(1);
    expect(w1).toBeGreaterThan(0);
    expect(w1).toBeLessThan(2);
  });
});
