/** Spikes from firing rates: Poisson statistics, seeding, and a Jansen–Rit run exported as SONATA. */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poissonSpikes, spikesFromSimulation, rateSeries, writeSpikeFile, SpikeReport, isSortedByTime } from '../src/spikes/index.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { syntheticConnectome } from '../src/network/synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'vbt-poisson-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inhomogeneous Poisson spikes', () => {
  const T = 1000;
  const times = Float64Array.from({ length: T }, (_, k) => k); // 1 ms samples, 1000 ms

  it('constant rate: counts and intervals match a Poisson process (mean, variance, exponential ISI)', () => {
    const rates = new Float64Array(T).fill(20); // Hz
    const n = 400;
    const s = poissonSpikes({ times, rates, nNodes: 1, populationSize: n, rateScale: 1e-3, seed: 3 });
    expect(isSortedByTime(s.timestamps)).toBe(true);
    const counts = new Float64Array(n);
    for (const id of s.nodeIds) counts[id]++;
    const mean = counts.reduce((a, b) => a + b) / n;
    const variance = counts.reduce((a, c) => a + (c - mean) ** 2, 0) / (n - 1);
    // expected 20 per neuron; the mean of 400 has sd sqrt(20/400) = 0.22
    expect(Math.abs(mean - 20)).toBeLessThan(1);
    // Fano factor 1 ± a few standard errors (se ≈ sqrt(2/(n-1)) ≈ 0.07)
    expect(Math.abs(variance / mean - 1)).toBeLessThan(0.3);
    // waiting time to each neuron's first spike is exponential with mean 1/20 Hz = 50 ms (sd of the mean 2.5)
    const first = new Map<number, number>();
    for (let i = 0; i < s.timestamps.length; i++) if (!first.has(s.nodeIds[i])) first.set(s.nodeIds[i], s.timestamps[i]);
    const w = [...first.values()];
    const wMean = w.reduce((a, b) => a + b) / w.length;
    const wSd = Math.sqrt(w.reduce((a, x) => a + (x - wMean) ** 2, 0) / (w.length - 1));
    expect(w.length).toBe(n);
    expect(Math.abs(wMean - 50)).toBeLessThan(10);
    expect(Math.abs(wSd / wMean - 1)).toBeLessThan(0.25); // exponential: sd = mean
    expect(s.timestamps[0]).toBeGreaterThanOrEqual(0);
    expect(s.timestamps[s.timestamps.length - 1]).toBeLessThan(1000);
  });

  it('follows a piecewise rate: silent where the rate is 0, proportional elsewhere', () => {
    // node 0: 0 Hz in [0, 500), 40 Hz in [500, 1000); node 1: 10 Hz throughout
    const rates = new Float64Array(2 * T);
    for (let k = 0; k < T; k++) {
      rates[2 * k] = k < 500 ? 0 : 40;
      rates[2 * k + 1] = 10;
    }
    const s = poissonSpikes({ times, rates, nNodes: 2, populationSize: [200, 100], rateScale: 1e-3, seed: 11 });
    expect(Array.from(s.offsets)).toEqual([0, 200, 300]);
    let a = 0;
    let b = 0;
    for (let i = 0; i < s.timestamps.length; i++) {
      if (s.nodeIds[i] < 200) {
        expect(s.timestamps[i]).toBeGreaterThanOrEqual(500);
        a++;
      } else b++;
    }
    // expected 200·40·0.5 = 4000 and 100·10·1 = 1000; 5 sd margins
    expect(Math.abs(a - 4000)).toBeLessThan(5 * Math.sqrt(4000));
    expect(Math.abs(b - 1000)).toBeLessThan(5 * Math.sqrt(1000));
    expect(s.neuronNode[250]).toBe(1);
    expect(s.neuronIndex[250]).toBe(50);
  });

  it('a seed fixes the spikes; another seed changes them', () => {
    const rates = new Float64Array(T).fill(0.01); // per ms = 10 Hz
    const a = poissonSpikes({ times, rates, nNodes: 1, populationSize: 20, seed: 5 });
    const b = poissonSpikes({ times, rates, nNodes: 1, populationSize: 20, seed: 5 });
    const c = poissonSpikes({ times, rates, nNodes: 1, populationSize: 20, seed: 6 });
    expect(Array.from(a.timestamps)).toEqual(Array.from(b.timestamps));
    expect(Array.from(a.nodeIds)).toEqual(Array.from(b.nodeIds));
    expect(Array.from(a.timestamps)).not.toEqual(Array.from(c.timestamps));
  });

  it('bad rates and shapes are refused', () => {
    const ok = { times, nNodes: 1, populationSize: 1, seed: 1 };
    expect(() => poissonSpikes({ ...ok, rates: new Float64Array(T - 1) })).toThrow(/rates has 999 values, expected times \(1000\) × nNodes \(1\) = 1000/);
    expect(() => poissonSpikes({ ...ok, rates: new Float64Array(T).fill(-1) })).toThrow(/rate -1 at time 0 ms, node 0 is negative/);
    expect(() => poissonSpikes({ ...ok, rates: new Float64Array(T), nodes: [3] })).toThrow(/node 3 is not in 0\.\.0/);
    expect(() => poissonSpikes({ ...ok, times: [0, 2, 1], rates: [1, 1, 1] })).toThrow(/sample times must increase/);
  });
});

describe('spikes from a Jansen–Rit simulation', () => {
  const conn = syntheticConnectome({ nodes: 6, seed: 2 });
  const res = simulateSync({
    model: 'JansenRit', connectivity: conn, coupling: 'SigmoidalJansenRit', couplingParameters: { a: 10 },
    integrator: { name: 'Heun', dt: 0.1 }, duration: 1000, transient: 200, monitors: [{ name: 'TemporalAverage', period: 1 }],
    initialConditions: { seed: 1 },
  });

  it('the sigmoid auxiliary equals its expression over the recorded y1, y2', () => {
    const a = rateSeries(res, { rate: 'sigm_y1_y2' });
    const b = rateSeries(res, { rate: '2 * nu_max / (1 + exp(r * (v0 - (y1 - y2))))' });
    expect(Array.from(a.rates)).toEqual(Array.from(b.rates));
    const m = res.monitor('TemporalAverage');
    const [, , V, N] = m.shape;
    const k = 500, v = 3;
    const y1 = m.data[(k * V + 1) * N + v];
    const y2 = m.data[(k * V + 2) * N + v];
    expect(a.rates[k * N + v]).toBeCloseTo((2 * 0.0025) / (1 + Math.exp(0.56 * (5.52 - (y1 - y2)))), 15);
    expect(() => rateSeries(res, { rate: 'y9 * 2' })).toThrow(/unknown symbol\(s\) y9; the monitor 'TemporalAverage' records y0, y1, y2, y3/);
  });

  it('writes a SONATA report whose rates match the simulated firing rate', async () => {
    const s = spikesFromSimulation(res, { rate: 'sigm_y1_y2', populationSize: 200, seed: 42, connectivity: conn, nodes: [0, 2, 4] });
    expect(s.nodeTable.size).toBe(600);
    expect(s.nodeTable.get('region', [0, 200, 599])).toEqual([0, 2, 4]);
    expect(s.nodeTable.get('x', [250])).toEqual([conn.centres[6]]);
    expect(s.nodeTable.get('hemisphere', [0, 599])).toEqual([0, 4].map((v) => (conn.hemispheres[v] ? 'right' : 'left')));
    const p = join(dir, 'jr.h5');
    await writeSpikeFile(p, { JansenRit: s });
    const r = await SpikeReport.open(p, { nodes: { JansenRit: s.nodeTable }, tStart: s.times[0], tStop: s.times[s.times.length - 1] + 1 });
    const pop = r.population('JansenRit');
    expect(Array.from(pop.spikes.timestamps)).toEqual(Array.from(s.timestamps));
    for (const region of [0, 2, 4]) {
      const got = pop.get({ group: { region } }).timestamps.length;
      let expected = 0; // Σ_k rate_k · 1 ms · 200 neurons
      for (let k = 0; k < s.times.length; k++) expected += s.rates[k * conn.n + region] * 200;
      expect(expected).toBeGreaterThan(100);
      expect(Math.abs(got - expected)).toBeLessThan(5 * Math.sqrt(expected));
    }
    const rates = r.filter({ group: { region: 2 } }).populationRates();
    expect(rates[0].nodes).toBe(200);
    expect(rates[0].rate).toBeGreaterThan(0);
    expect(rates[0].rate).toBeLessThan(5.01); // JansenRit's sigmoid is at most 2·nu_max = 5 Hz
  });
});

describe('spikes from a reduced Wong–Wang simulation', () => {
  it("H (kHz) reads S and the coupling input c_0 from two monitors of one period", () => {
    const conn = syntheticConnectome({ nodes: 4, seed: 5 });
    const res = simulateSync({
      model: 'ReducedWongWang', connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.5 },
      integrator: { name: 'Heun', dt: 0.1 }, duration: 500, monitors: [{ name: 'TemporalAverage', period: 1 }, { name: 'AfferentCoupling', period: 1 }],
      initialConditions: { seed: 2 },
    });
    const { rates, times, nNodes } = rateSeries(res, { monitor: ['TemporalAverage', 'AfferentCoupling'], rate: 'H' });
    expect(nNodes).toBe(4);
    const S = res.monitor('TemporalAverage').data;
    const c = res.monitor('AfferentCoupling').data;
    const k = 300, v = 2;
    const x = 0.6 * 0.2609 * S[k * 4 + v] + 0.33 + 0.2609 * c[k * 4 + v];
    const H = (0.27 * x - 0.108) / (1 - Math.exp(-154 * (0.27 * x - 0.108)));
    expect(rates[k * 4 + v]).toBeCloseTo(H, 14);
    expect(times.length).toBe(500);
    expect(() => rateSeries(res, { monitor: 'TemporalAverage', rate: 'H' })).toThrow(/unknown symbol\(s\) c_0/);
    const s = spikesFromSimulation(res, { monitor: ['TemporalAverage', 'AfferentCoupling'], rate: 'H', populationSize: 100, seed: 1 });
    let expected = 0;
    for (let q = 0; q < rates.length; q++) expected += rates[q] * 100; // per ms × 1 ms × 100 neurons
    expect(Math.abs(s.timestamps.length - expected)).toBeLessThan(5 * Math.sqrt(expected));
  });
});
