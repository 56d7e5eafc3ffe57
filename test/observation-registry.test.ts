/**
 * The one monitor registry (src/observation/registry.ts): the kernel plan, the tensor engine, the CLI's
 * --monitor, the experiment schema and README all go by it, and TVB's aliases give their target's numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MONITORS, MONITOR_NAMES, TENSOR_MONITOR_NAMES, createTensorMonitor, emitMonitor, type MonitorSpec } from '../src/observation/registry.js';
import { parseMonitor } from '../src/cli/main.js';
import { MONITOR_HELP } from '../src/cli/monitor.js';
import { MonitorObservationSchema } from '../src/experiment/schema.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { monitorSeries } from '../src/analysis/index.js';
import { projectToSensors, rereference, userGain } from '../src/observation/index.js';
import { Connectivity } from '../src/network/index.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'vbt-registry-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 4;
const rows = Array.from({ length: 3 }, (_, k) => Array.from({ length: N }, (_, i) => Math.cos(k * 5 + i) / (1 + k)));
/** A valid spec for every registered name. */
function specFor(name: MonitorSpec['name']): MonitorSpec {
  const e = MONITORS.find((m) => m.name === name)!;
  if (e.gain) return { name: name as 'EEG', period: 2, gain: rows };
  if (name === 'SpatialAverage') return { name, period: 2, mask: [0, 0, 1, 1] };
  return (e.period === 'required' ? { name, period: 2 } : { name }) as MonitorSpec;
}
const ctx = { N, M: 1, dt: 0.5, nvoi: 2, ncv: 1, sFirst: 1, sLast: 8000 };

describe('monitor registry', () => {
  it('every registered name is emitted for the kernel engine under its own name; an unknown one lists them all', () => {
    expect(MONITOR_NAMES).toEqual(expect.arrayContaining(['Raw', 'TemporalAverage', 'Bold', 'BalloonWindkessel', 'EEG', 'MEG', 'iEEG', 'RawVoi', 'BoldRegionROI']));
    for (const name of MONITOR_NAMES) expect(emitMonitor(specFor(name), 0, ctx).name).toBe(name);
    expect(() => emitMonitor({ name: 'Boldd' } as unknown as MonitorSpec, 0, ctx)).toThrow(`unknown monitor 'Boldd'; expected one of: ${MONITOR_NAMES.join(', ')}`);
    expect(() => createTensorMonitor({ name: 'GlobalAverage', period: 1 }, ctx)).toThrow(`monitor 'GlobalAverage' is not supported; expected one of: ${TENSOR_MONITOR_NAMES.join(', ')}`);
  });

  it("an alias records its target's numbers under its own name (kernel and tensor engines)", () => {
    const base = { model: 'Generic2dOscillator', integrator: { name: 'Heun' as const, dt: 0.5, noise: { nsig: 0.01, seed: 5 } }, duration: 3000 };
    const res = simulateSync({ ...base, monitors: [{ name: 'Raw' }, { name: 'RawVoi' }, { name: 'Bold', period: 500 }, { name: 'BoldRegionROI', period: 500 }] });
    expect(Array.from(res.monitor('RawVoi').data)).toEqual(Array.from(res.monitor('Raw').data));
    expect(Array.from(res.monitor('BoldRegionROI').data)).toEqual(Array.from(res.monitor('Bold').data));
    expect(res.monitor('Bold').data.some((x) => x !== 0)).toBe(true);
    const t = createTensorMonitor({ name: 'BoldRegionROI', period: 500 }, ctx);
    expect(t.name).toBe('BoldRegionROI');
    expect(Array.from(t.time)).toEqual(Array.from(createTensorMonitor({ name: 'Bold', period: 500 }, ctx).time));
  });

  it('the CLI takes every registered monitor; EEG from a `vbt gain` file equals gain · TemporalAverage, re-referenced', () => {
    const gainFile = join(dir, 'gain.json');
    writeFileSync(gainFile, JSON.stringify({ modality: 'eeg', labels: ['Fz', 'Cz', 'Pz'], gain: rows }));
    for (const m of MONITORS) {
      const arg = m.gain ? `${m.name}:2:${gainFile}` : m.period === 'none' ? m.name : `${m.name}:2`;
      expect(parseMonitor(arg).name).toBe(m.name);
      expect(MONITOR_HELP).toContain(m.name);
    }
    expect(parseMonitor(`eeg:2:${gainFile}:Cz`)).toMatchObject({ name: 'EEG', period: 2, reference: 1 });
    expect(() => parseMonitor('EEG:2')).toThrow(/--monitor EEG: needs a gain file, as EEG:2:GAIN.json/);
    expect(() => parseMonitor(`EEG:2:${gainFile}:Oz`)).toThrow(/reference 'Oz' is neither 'average' nor a sensor label .*\(Fz, Cz, Pz\)/);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ gain: [[1, 2], [3]] }));
    expect(() => parseMonitor(`MEG:2:${join(dir, 'bad.json')}`)).toThrow(/bad.json has no 'gain' of equal-length rows/);
    expect(() => parseMonitor('Bold:abc')).toThrow(/--monitor Bold: needs a period in ms, e.g. Bold:1; got 'abc'/);

    const connectivity = new Connectivity({ weights: Array.from({ length: N * N }, (_, q) => (q % (N + 1) === 0 ? 0 : 0.3)), tractLengths: new Array(N * N).fill(2), speed: 4 });
    const res = simulateSync({ model: 'Generic2dOscillator', connectivity, integrator: { name: 'Heun', dt: 0.1 }, duration: 40, monitors: [{ name: 'TemporalAverage', period: 2 }, parseMonitor(`EEG:2:${gainFile}:average`)] });
    const want = rereference(projectToSensors(monitorSeries(res.monitor('TemporalAverage')), userGain(rows, N)), 'average');
    const got = monitorSeries(res.monitor('EEG'));
    expect(got.t).toBe(20);
    for (let q = 0; q < want.data.length; q++) expect(got.data[q]).toBeCloseTo(want.data[q], 12);
  });

  it('the experiment schema and README name exactly the registered monitors', () => {
    for (const name of MONITOR_NAMES) expect(MonitorObservationSchema.safeParse({ monitor: name, period: 2 }).success, name).toBe(true);
    expect(MonitorObservationSchema.safeParse({ monitor: 'Boldd' }).success).toBe(false);
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    for (const name of MONITOR_NAMES) expect(readme, `README names monitor ${name}`).toMatch(new RegExp(`\\b${name}\\b`));
  });
});
