/** EEG/MEG/iEEG: TVB sensor files, analytic lead fields (closed forms), projection, re-referencing. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';
import { ensureTfGradients } from '../src/analysis/index.js';
import {
  parseSensors, readSensors, eegGainSphere, ieegGain, megGainSphere, sarvasField, userGain, projectToSensors, rereference,
  tensorProjectToSensors,
} from '../src/observation/index.js';
import { readTvbConnectivityZip } from '../src/network/index.js';

beforeAll(async () => { await tf.setBackend('cpu'); await ensureTfGradients(); });

describe('sensor files', () => {
  it.skipIf(!HAVE_SHARED)(`read TVB's EEG (65) and MEG (276 lines, 5 placeholders) files ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
    const eeg = readSensors(sharedPath('data', 'tvb', 'eeg_brainstorm_65.txt'));
    expect(eeg.labels.length).toBe(65);
    expect(eeg.labels[0]).toBe('Fp1');
    expect(eeg.positions[0]).toBeCloseTo(102.51922, 6);
    expect(eeg.orientations).toBeUndefined();
    const meg = readSensors(sharedPath('data', 'tvb', 'meg_brainstorm_276.txt'));
    expect(meg.dropped).toEqual(['TRIGGER', 'RESPONSE', 'UACurrent', 'EOG', 'ECG']); // all-zero placeholder lines
    expect(meg.labels.length).toBe(271);
    for (let s = 0; s < 271; s++) expect(Math.hypot(meg.orientations![3 * s], meg.orientations![3 * s + 1], meg.orientations![3 * s + 2])).toBeCloseTo(1, 12);
  });

  it('bad lines are named with line and field', () => {
    expect(() => parseSensors('A 1 2\n', 'x.txt')).toThrow(/x\.txt:1: 3 fields; expected 'label x y z'/);
    expect(() => parseSensors('A 1 2 3\nB 1 2 q\n', 'x.txt')).toThrow(/x\.txt:2: field 4 'q' is not a number/);
    expect(() => parseSensors('A 1 2 3\nB 1 2 3 0 0 1\n', 'x.txt')).toThrow(/x\.txt:2: 7 fields, but earlier lines have 4/);
    expect(() => readSensors('/nonexistent/s.txt')).toThrow(/cannot read sensor file/);
  });
});

describe('lead fields', () => {
  it('iEEG dipole potential: Q·a/(4πσ|a|³) in closed form (mm → m)', () => {
    const s = parseSensors('c1 0 0 10\nc2 10 0 0\nc3 0 0 -20\n');
    const g = ieegGain(s, { centres: [0, 0, 0], orientation: [0, 0, 1], sigma: 0.3 });
    expect(g.data[0]).toBeCloseTo(1 / (4 * Math.PI * 0.3 * 0.01 ** 2), 8);
    expect(g.data[1]).toBeCloseTo(0, 12); // perpendicular to the dipole
    expect(g.data[2]).toBeCloseTo(-1 / (4 * Math.PI * 0.3 * 0.02 ** 2), 8);
    // 'free': root-sum-square over three dipoles = 1/(4πσ|a|²) whatever the direction
    const f = ieegGain(s, { centres: [0, 0, 0], orientation: 'free', sigma: 0.3 });
    expect(f.data[1]).toBeCloseTo(1 / (4 * Math.PI * 0.3 * 0.01 ** 2), 8);
  });

  it('EEG: sensors moved onto the 1.05125·r_max sphere around the sources', () => {
    // two sources on the x axis at ±10 mm: centre 0, sphere radius 10.5125 mm; a radial dipole at
    // +10 mm seen by a sensor along +x (distance 0.5125 mm) and one along −x (20.5125 mm)
    const s = parseSensors('px 80 0 0\nmx -3 0 0\n');
    const g = eegGainSphere(s, { centres: [10, 0, 0, -10, 0, 0] });
    const R = 10.5125e-3;
    expect(g.data[0]).toBeCloseTo(1 / (4 * Math.PI * (R - 0.01) ** 2), 4);
    expect(g.data[2]).toBeCloseTo(-1 / (4 * Math.PI * (R + 0.01) ** 2), 6);
    expect(g.data[1]).toBeCloseTo(g.data[2], 6); // symmetry
    expect(() => eegGainSphere(s, { centres: [0, 0, 0] })).toThrow(/zero dipole orientation/);
    expect(() => eegGainSphere(s, { centres: [1, 2] })).toThrow(/expected n × 3/);
  });

  it('Sarvas field equals (μ0/4π)∇((Q×r0·r)/F) by finite differences; radial dipoles are silent', () => {
    const r0 = [0.01, 0.02, 0.05], Q = [0.3, -1, 0.4];
    const v = [Q[1] * r0[2] - Q[2] * r0[1], Q[2] * r0[0] - Q[0] * r0[2], Q[0] * r0[1] - Q[1] * r0[0]];
    const phi = (r: number[]) => {
      const a = [r[0] - r0[0], r[1] - r0[1], r[2] - r0[2]];
      const na = Math.hypot(...a), nr = Math.hypot(...r);
      const F = na * (nr * na + nr * nr - (r0[0] * r[0] + r0[1] * r[1] + r0[2] * r[2]));
      return (1e-7 * (v[0] * r[0] + v[1] * r[1] + v[2] * r[2])) / F;
    };
    const r = [0.03, 0.06, 0.1];
    const B = sarvasField(r, r0, Q);
    for (let d = 0; d < 3; d++) {
      const h = 1e-7, rp = r.slice(), rm = r.slice();
      rp[d] += h; rm[d] -= h;
      const fd = (phi(rp) - phi(rm)) / (2 * h);
      expect(Math.abs(B[d] - fd)).toBeLessThan(1e-6 * Math.hypot(...B));
    }
    const radial = sarvasField(r, r0, r0.map((x) => x * 7));
    expect(Math.hypot(...radial)).toBeLessThan(1e-30);
  });

  it.skipIf(!HAVE_SHARED)(`TVB 76 regions with its EEG and MEG sensors: finite, sized, MEG 'free' non-negative ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
    const conn = readTvbConnectivityZip(sharedPath('data', 'tvb', 'connectivity_76.zip'));
    const eeg = eegGainSphere(readSensors(sharedPath('data', 'tvb', 'eeg_brainstorm_65.txt')), { centres: conn.centres });
    expect([eeg.sensors, eeg.regions]).toEqual([65, 76]);
    expect(eeg.data.every(Number.isFinite)).toBe(true);
    const meg = megGainSphere(readSensors(sharedPath('data', 'tvb', 'meg_brainstorm_276.txt')), { centres: conn.centres });
    expect([meg.sensors, meg.regions]).toEqual([271, 76]);
    expect(meg.data.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
    expect(Math.max(...meg.data)).toBeGreaterThan(0);
    if (conn.orientations && conn.orientations.length === 3 * 76) {
      const o = eegGainSphere(readSensors(sharedPath('data', 'tvb', 'eeg_brainstorm_65.txt')), { centres: conn.centres, orientation: conn.orientations });
      expect(o.data.every(Number.isFinite)).toBe(true);
    }
  });
});

describe('projection and re-referencing', () => {
  const G = userGain([[1, 2, 0], [0, 1, -1], [3, 0, 1]], 3, ['a', 'b', 'c']);
  const x = [[1, 0, 2], [0.5, -1, 1]];
  it('projects every time point; average reference zeroes the channel mean; a channel reference zeroes it', () => {
    const y = projectToSensors(x, G);
    expect(Array.from(y.data)).toEqual([1, -2, 5, -1.5, -2, 2.5]);
    const avg = rereference(y, 'average');
    for (let t = 0; t < 2; t++) expect(Math.abs(avg.data[3 * t] + avg.data[3 * t + 1] + avg.data[3 * t + 2])).toBeLessThan(1e-15);
    const rb = rereference(y, 'b', G.labels);
    expect(rb.data[1]).toBe(0);
    expect(rb.data[0]).toBe(3);
    // re-referencing the gain first gives the same signals (linearity)
    const y2 = projectToSensors(x, rereference(G, 'average'));
    for (let q = 0; q < 6; q++) expect(y2.data[q]).toBeCloseTo(avg.data[q], 14);
    expect(() => rereference(y, 'zz', G.labels)).toThrow(/no channel labelled 'zz'/);
    expect(() => projectToSensors([[1, 2]], G)).toThrow(/2 regions; the gain matrix expects 3/);
    expect(() => userGain([[1, 2]], 3)).toThrow(/row 0 has 2 values; expected 3/);
  });
  it('tensor projection equals the float64 one and its gradient is Gᵀ·dy', () => {
    const xt = tf.tensor2d(x);
    const yt = tensorProjectToSensors(xt, G);
    expect(Array.from(yt.dataSync())).toEqual([1, -2, 5, -1.5, -2, 2.5]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tensorProjectToSensors(a, G)))(xt);
    // d/dx_i Σ_k G_ki = column sums of G
    expect(Array.from(g.dataSync())).toEqual([4, 3, 0, 4, 3, 0]);
    tf.dispose([xt, yt, g]);
  });
});

describe('surface-based region lead fields', () => {
  it('sum of vertex dipoles (along the normals) per region, in closed form; vertex normals from triangles', async () => {
    const { surfaceRegionGain, vertexNormals, ieegGain: point } = await import('../src/observation/index.js');
    // a flat triangle in z = 0 (counter-clockwise from +z) → normals +z
    const vertices = Float64Array.of(0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 5);
    const n = vertexNormals(vertices, [0, 1, 2]);
    expect(Array.from(n.subarray(0, 9))).toEqual([0, 0, 1, 0, 0, 1, 0, 0, 1]);
    const surface = { vertices, triangles: Int32Array.of(0, 1, 2), normals: Float64Array.of(0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0) };
    const sensors = parseSensors('e1 3 4 20\ne2 -5 2 -7\n');
    const g = surfaceRegionGain(sensors, { surface, regionMapping: [0, 0, 0, 1], modality: 'ieeg', sigma: 0.5 });
    expect([g.sensors, g.regions]).toEqual([2, 2]);
    for (let s = 0; s < 2; s++) {
      const one = parseSensors(`x ${sensors.positions.slice(3 * s, 3 * s + 3).join(' ')}\n`);
      let want0 = 0;
      for (let v = 0; v < 3; v++) want0 += point(one, { centres: vertices.slice(3 * v, 3 * v + 3), orientation: [0, 0, 1], sigma: 0.5 }).data[0];
      const want1 = point(one, { centres: vertices.slice(9, 12), orientation: [1, 0, 0], sigma: 0.5 }).data[0];
      expect(g.data[s * 2]).toBeCloseTo(want0, 8);
      expect(g.data[s * 2 + 1]).toBeCloseTo(want1, 8);
    }
    // opposite normals at one place cancel, in every modality
    const pair = { vertices: Float64Array.of(0, 0, 30, 0, 0, 30, 1, 0, 30), triangles: new Int32Array(0), normals: Float64Array.of(1, 0, 0, -1, 0, 0, 0, 1, 0) };
    for (const modality of ['eeg', 'meg', 'ieeg'] as const) {
      const z = surfaceRegionGain(parseSensors('m 0 50 90 0 0 1\n'), { surface: pair, regionMapping: [0, 0, 1], modality });
      expect(Math.abs(z.data[0])).toBeLessThan(1e-12 * Math.abs(z.data[1]) + 1e-300);
      expect(z.data[1]).not.toBe(0);
    }
    expect(() => surfaceRegionGain(sensors, { surface, regionMapping: [0, 0], modality: 'eeg' })).toThrow(/2 entries for 4 vertices/);
  });

  it.skipIf(!HAVE_SHARED)(`TVB cortex (16384 vertices) + region mapping → 65 × 76 EEG and (34 of 271 coils) × 76 MEG gains ${HAVE_SHARED ? '' : SKIP_REASON}`, async () => {
    const { surfaceRegionGain } = await import('../src/observation/index.js');
    const { readTvbSurfaceZip, readRegionMapping } = await import('../src/network/index.js');
    const surface = readTvbSurfaceZip(sharedPath('data', 'tvb', 'cortex_16384.zip'));
    const regionMapping = readRegionMapping(sharedPath('data', 'tvb', 'regionMapping_16k_76.txt'), 16384);
    const eeg = surfaceRegionGain(readSensors(sharedPath('data', 'tvb', 'eeg_brainstorm_65.txt')), { surface, regionMapping, regions: 76, modality: 'eeg' });
    expect([eeg.sensors, eeg.regions]).toEqual([65, 76]);
    expect(eeg.data.every(Number.isFinite)).toBe(true);
    const all = readSensors(sharedPath('data', 'tvb', 'meg_brainstorm_276.txt'));
    // every 8th coil keeps the test short (the work is sensors × 16384 Sarvas evaluations)
    const pick = all.labels.map((_, k) => k).filter((k) => k % 8 === 0);
    const some = { labels: pick.map((k) => all.labels[k]), positions: Float64Array.from(pick.flatMap((k) => [...all.positions.subarray(3 * k, 3 * k + 3)])), orientations: Float64Array.from(pick.flatMap((k) => [...all.orientations!.subarray(3 * k, 3 * k + 3)])), dropped: [] };
    const meg = surfaceRegionGain(some, { surface, regionMapping, regions: 76, modality: 'meg' });
    expect([meg.sensors, meg.regions]).toEqual([34, 76]);
    expect(meg.data.every(Number.isFinite)).toBe(true);
    expect(Math.max(...meg.data.map(Math.abs))).toBeGreaterThan(0);
  }, 30_000);
});

describe('kernel-engine sensor monitors', () => {
  it('EEG monitor = gain · TemporalAverage (re-referenced), sample times as TemporalAverage; bad gains named', async () => {
    const { simulateSync } = await import('../src/simulation/simulate.js');
    const { monitorSeries } = await import('../src/analysis/index.js');
    const N = 20;
    const rows = Array.from({ length: 4 }, (_, k) => Array.from({ length: N }, (_, i) => Math.sin(k * 7 + i) / (1 + k)));
    const base = { model: 'Generic2dOscillator', integrator: { name: 'Heun' as const, dt: 0.1 }, duration: 50 };
    const res = simulateSync({
      ...base,
      monitors: [{ name: 'TemporalAverage', period: 2 }, { name: 'EEG', period: 2, gain: rows, reference: 'average' }, { name: 'MEG', period: 2, gain: userGain(rows, N), voi: [0] }],
    });
    const ta = res.monitor('TemporalAverage'), eeg = res.monitor('EEG'), meg = res.monitor('MEG');
    expect(Array.from(eeg.time)).toEqual(Array.from(ta.time));
    expect(eeg.shape).toEqual([1, 25, 1, 4, 1]);
    const want = rereference(projectToSensors(monitorSeries(ta), userGain(rows, N)), 'average');
    const got = monitorSeries(eeg);
    for (let q = 0; q < want.data.length; q++) expect(got.data[q]).toBeCloseTo(want.data[q], 12);
    const raw = projectToSensors(monitorSeries(ta), userGain(rows, N));
    for (let q = 0; q < raw.data.length; q++) expect(meg.data[q]).toBeCloseTo(raw.data[q], 12);
    expect(() => simulateSync({ ...base, monitors: [{ name: 'EEG', period: 2, gain: [[1, 2]] }] })).toThrow(/row 0 has 2 values; expected 20/);
  });
});
