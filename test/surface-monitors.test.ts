/**
 * Monitors of surface runs, checked against each other in closed form on a small sphere mesh whose
 * mapping leaves some regions out (TVB adds them as extra nodes): TemporalAverage/SubSample from Raw,
 * SpatialAverage (default: the region mapping) from Raw, EEG = vertex gain · TemporalAverage, Bold on
 * vertices against the streaming TVB Bold fed with Raw; the result file reopens with its geometry.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { icosphere } from './surface-helpers';
import { simulateSurface } from '../src/surface/run';
import { surfaceNodeGain } from '../src/surface/gain';
import { SimulationResult } from '../src/results/simulation';
import { simulationResultFromJSON } from '../src/io/files';
import { syntheticConnectome } from '../src/network/synthetic';
import { TvbBold } from '../src/observation/bold/reference';
import type { Sensors } from '../src/observation/sensors/sensors';
import { localConnectivity } from '../src/surface/local-connectivity';
import { regionAverage } from '../src/surface/regions';

const S = icosphere(2, 60); // 162 vertices
const V = S.vertices.length / 3;
const conn = syntheticConnectome({ nodes: 12 });
const mapping = Int32Array.from({ length: V }, (_, v) => v % 10); // regions 10, 11 unmapped → extra nodes
const N = V + 2;
const sensors: Sensors = {
  labels: ['a', 'b', 'c'],
  positions: Float64Array.of(0, 0, 90, 90, 0, 0, 0, -90, 10),
} as Sensors;

describe('surface monitors', () => {
  const gain = surfaceNodeGain(sensors, S, 'ieeg', N);
  const res = simulateSurface({
    model: 'Generic2dOscillator', connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.05 },
    integrator: { name: 'Heun', dt: 0.1 }, duration: 40,
    surface: S, regionMapping: mapping,
    localConnectivity: localConnectivity(S, { cutoff: 20, parameters: { sigma: 8 } }), localCoupling: 0.1,
    monitors: [
      { name: 'Raw' }, { name: 'TemporalAverage', period: 1 }, { name: 'SubSample', period: 1 },
      { name: 'SpatialAverage', period: 1 }, { name: 'iEEG', period: 1, gain },
      { name: 'Bold', period: 8, voi: [0] },
    ],
    initialConditions: { seed: 3 },
    variablesOfInterest: ['V', 'W'],
  });
  const [raw, tavg, sub, spat, eeg, bold] = res.monitors;
  const nv = 2;
  const rawAt = (s: number, v: number, n: number) => raw.data[(s * nv + v) * N + n];
  const s0 = Math.round(raw.time[0] / 0.1); // first recorded step

  it('has every node: vertices and the unmapped regions', () => {
    expect(raw.shape).toEqual([1, 400, 2, N, 1]);
    expect(res.info.nodeLabels.slice(V)).toEqual([conn.labels[10], conn.labels[11]]);
  });

  it('TemporalAverage and SubSample follow from Raw', () => {
    const istep = 10;
    for (let k = 1; k < tavg.shape[1]; k++) {
      const end = Math.round(tavg.time[k] / 0.1 + istep / 2) - s0; // last step of window k, as a Raw index
      for (const n of [0, 77, V + 1]) {
        let acc = 0;
        for (let j = end - istep + 1; j <= end; j++) acc += rawAt(j, 0, n);
        expect(tavg.data[(k * nv) * N + n]).toBeCloseTo(acc / istep, 12);
        expect(sub.data[(k * nv) * N + n]).toBe(rawAt(Math.round(sub.time[k] / 0.1) - s0, 0, n));
      }
    }
  });

  it('SpatialAverage defaults to the region mapping (unmapped regions are their own node)', () => {
    expect(spat.shape).toEqual([1, 40, 2, 12, 1]);
    const k = 7, j = Math.round(spat.time[k] / 0.1) - s0;
    const regmap = [...mapping, 10, 11];
    for (const r of [0, 3, 10]) {
      let acc = 0, c = 0;
      regmap.forEach((q, n) => { if (q === r) { acc += rawAt(j, 1, n); c++; } });
      expect(spat.data[(k * nv + 1) * 12 + r]).toBeCloseTo(acc / c, 12);
    }
  });

  it('iEEG is the vertex gain applied to the temporal average', () => {
    expect(eeg.shape).toEqual([1, 40, 2, 3, 1]);
    for (const k of [0, 20, 39]) {
      for (let s = 0; s < 3; s++) {
        let acc = 0;
        for (let n = 0; n < N; n++) acc += gain.data[s * N + n] * tavg.data[(k * nv) * N + n];
        expect(eeg.data[(k * nv) * 3 + s]).toBeCloseTo(acc, 9);
      }
    }
    // the unmapped nodes have zero columns
    expect(gain.data[N - 1]).toBe(0);
    expect(Math.abs(gain.data[0])).toBeGreaterThan(0);
  });

  it('Bold on vertices equals the streaming TVB Bold fed with Raw', () => {
    const ref = new TvbBold({ dt: 0.1, period: 8, width: N });
    const outs: Float64Array[] = [];
    // steps before the first recorded one were never observed (zero transient)
    for (let j = 0; j < raw.shape[1]; j++) {
      const o = ref.update(s0 + j, raw.data.subarray(j * nv * N, j * nv * N + N));
      if (o) outs.push(o);
    }
    expect(bold.shape[1]).toBe(outs.length);
    // the monitor regroups the 5000-term kernel sum (streaming accumulators): equal to summation rounding
    for (let k = 0; k < outs.length; k++) for (const n of [0, 50, V]) expect(Math.abs(bold.data[k * N + n] - outs[k][n])).toBeLessThan(1e-8 * Math.abs(outs[k][n]) + 1e-12);
  });

  it('region-averaged Bold (mean of vertex Bolds) equals the Bold of the region-mean activity', () => {
    const regmap = [...mapping, 10, 11];
    const rb = regionAverage(bold, regmap);
    expect(rb.shape).toEqual([1, bold.shape[1], 1, 12, 1]);
    const ref = new TvbBold({ dt: 0.1, period: 8, width: 12 });
    const outs: Float64Array[] = [];
    for (let j = 0; j < raw.shape[1]; j++) {
      const means = new Float64Array(12), cnt = new Float64Array(12);
      regmap.forEach((r, n) => { means[r] += rawAt(j, 0, n); cnt[r]++; });
      for (let r = 0; r < 12; r++) means[r] /= cnt[r];
      const o = ref.update(s0 + j, means);
      if (o) outs.push(o);
    }
    for (let k = 0; k < outs.length; k++) for (let r = 0; r < 12; r++) expect(Math.abs(rb.data[k * 12 + r] - outs[k][r])).toBeLessThan(1e-8 * Math.abs(outs[k][r]) + 1e-12);
    expect(() => regionAverage(bold, [1, 2])).toThrow(/2 region indices for a monitor with 164 nodes/);
  });

  it('the result file reopens with vertices, triangles and the region mapping', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vbt-surf-'));
    try {
      const f = join(dir, 'run.nc');
      await res.save(f);
      const back = await SimulationResult.fromFile(f);
      expect(Array.from(back.surface!.triangles)).toEqual(Array.from(S.triangles));
      expect(Array.from(back.surface!.vertices)).toEqual(Array.from(S.vertices));
      expect(Array.from(back.surface!.regionMapping)).toEqual(Array.from(mapping));
      expect(Array.from(back.monitors[3].data)).toEqual(Array.from(spat.data));
      // and through JSON
      const fromJson = simulationResultFromJSON(JSON.parse(JSON.stringify(res.toJSON())));
      expect(Array.from(fromJson.surface!.triangles)).toEqual(Array.from(S.triangles));
      expect(fromJson.surface!.regionLabels).toEqual(conn.labels);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
