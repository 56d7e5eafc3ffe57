/**
 * The tvbo result API on vbt's classes: sel/isel giving a SimulationResult, the warm-up as its own
 * result, plot/animate methods, ExplorationResult with time series per point, TimeSeries unit
 * conversion and frequency/power arguments, ExperimentResult.fromTvb / fromTimeseries.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../src/simulation/simulate.js';
import { simulateKeepingTransient } from '../src/simulation/transient.js';
import { SimulationResult } from '../src/results/simulation.js';
import { TimeSeries } from '../src/results/timeseries.js';
import { ExperimentResult } from '../src/results/experiment.js';
import { ExplorationResult } from '../src/results/exploration.js';
import { explore, grid, product } from '../algorithms/index.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { writeTvbExport } from '../src/io/tvb-h5.js';
import { toSvg } from '../src/plot/render.js';
import type { SimulationConfig } from '../src/simulation/config.js';

const tmp = mkdtempSync(join(tmpdir(), 'vbt-api-'));
const conn = syntheticConnectome({ nodes: 6 });
const base: SimulationConfig = {
  model: 'Generic2dOscillator', connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.01 },
  integrator: { name: 'Heun', dt: 0.5 }, duration: 100, monitors: [{ name: 'TemporalAverage', period: 2 }, { name: 'Raw' }], initialConditions: { seed: 3 }, variablesOfInterest: ['V', 'W'],
};
/** Frames in a GIF: one graphic control extension (0x21 0xF9 0x04) per frame. */
const gifFrames = (b: Uint8Array) => { let n = 0; for (let k = 0; k + 2 < b.length; k++) if (b[k] === 0x21 && b[k + 1] === 0xf9 && b[k + 2] === 0x04) n++; return n; };

describe('SimulationResult: sel/isel, transient, plot, animate', () => {
  it('sel/isel without a monitor give a SimulationResult of the selection, final state included', async () => {
    const res = (await simulate({ ...base, batch: { 'coupling.a': [0.01, 0.02] } })).withNetwork(conn);
    const s = res.sel({ variable: 'V', node: [conn.labels[4], conn.labels[1]], trial: 1 });
    expect(s).toBeInstanceOf(SimulationResult);
    expect(s.monitor('TemporalAverage').shape).toEqual([1, 50, 1, 2, 1]);
    expect(Array.from(s.monitor('TemporalAverage').data)).toEqual(Array.from(res.sel({ variable: 'V', node: [conn.labels[4], conn.labels[1]], trial: [1] }, 'TemporalAverage').data));
    expect(s.info.nodeLabels).toEqual([conn.labels[4], conn.labels[1]]);
    // final state (B, nsv, N, M): trial 1, both state variables, nodes 4 and 1
    const fs = res.info.finalState, N = 6;
    expect(Array.from(s.info.finalState)).toEqual([fs[(1 * 2 + 0) * N + 4], fs[(1 * 2 + 0) * N + 1], fs[(1 * 2 + 1) * N + 4], fs[(1 * 2 + 1) * N + 1]]);
    const t = res.isel({ time: [0, 1, 2], trial: 0 });
    expect(t.monitor('Raw').shape).toEqual([1, 3, 2, 6, 1]);
    expect(Array.from(t.monitor('Raw').time)).toEqual(Array.from(res.monitor('Raw').time.subarray(0, 3)));
    await s.save(join(tmp, 'sel.nc'));
    expect(Array.from((await SimulationResult.fromFile(join(tmp, 'sel.nc'))).monitor(0).data)).toEqual(Array.from(s.monitor(0).data));
    expect(() => res.sel({ region: 'x' } as never)).toThrow(/unknown dimension 'region'/);
  });

  it('transient is the warm-up as a SimulationResult; warm-up + result = one run of the whole length', async () => {
    const kept = await simulateKeepingTransient({ ...base, transient: 40, duration: 60 });
    const whole = await simulate({ ...base, duration: 100 });
    for (const name of ['TemporalAverage', 'Raw']) {
      const a = kept.transient!.monitor(name), b = kept.monitor(name), w = whole.monitor(name);
      expect(a.shape[1] + b.shape[1]).toBe(w.shape[1]);
      expect([...a.data, ...b.data]).toEqual(Array.from(w.data));
    }
    // the part after the warm-up is what a run with transient 40 records (Raw: the states themselves)
    const usual = await simulate({ ...base, transient: 40, duration: 60 });
    expect(Array.from(kept.monitor('Raw').time)).toEqual(Array.from(usual.monitor('Raw').time));
    expect(Array.from(kept.monitor('Raw').data)).toEqual(Array.from(usual.monitor('Raw').data));
    expect(Array.from(kept.monitor('TemporalAverage').time)).toEqual(Array.from(usual.monitor('TemporalAverage').time));
    expect(kept.transient!.monitor('TemporalAverage').shape[1]).toBe(20);
    expect(kept.transientTime).toBe(40);
  });

  it('plot({type}) and animate({type}) are methods: network, timeseries, phase and a variable name', async () => {
    const res = (await simulate(base)).withNetwork(conn);
    const svg = await toSvg(await res.plot({ type: 'timeseries' }));
    expect(svg).toContain('<svg');
    expect((await toSvg(await res.plot({ type: 'spectrum' })))).toContain('<svg');
    for (const type of ['network', 'timeseries', 'phase', 'W']) {
      const gif = (await res.animate({ type, frames: 4 })) as Uint8Array;
      expect(new TextDecoder().decode(gif.subarray(0, 6))).toBe('GIF89a');
      expect(gifFrames(gif)).toBe(4);
    }
    expect(typeof (await res.animate({ type: 'network', frames: 3, format: 'html' }))).toBe('string');
    await expect(res.animate({ type: 'nope' })).rejects.toThrow(/neither network, timeseries, phase nor a recorded variable \(V, W\)/);
  }, 60_000);
});

describe('ExplorationResult with a time series per point', () => {
  it('explore({record}) keeps every point’s series; netCDF round trip; plot is a grid of panels', async () => {
    const space = product(grid('coupling.a', 0, 0.02, 2), grid('I', 0, 1, 2));
    const r = await explore({ base: { ...base, monitors: [{ name: 'TemporalAverage', period: 2 }] }, space, observables: { meanV: (p) => p.monitor().data[0] }, record: 0, progress: false });
    expect(r.isTimeseries).toBe(true);
    expect(r.dt).toBe(2);
    expect(r.outputNames).toEqual(['V', 'W']);
    // point 3 (a = 0.02, I = 1) equals that run alone
    const one = await simulate({ ...base, monitors: [{ name: 'TemporalAverage', period: 2 }], couplingParameters: { a: 0.02 }, parameters: { I: 1 } });
    const p3 = r.pointSeries(3);
    expect(p3.shape).toEqual([50, 2, 6]);
    expect(Array.from(p3.data)).toEqual(Array.from(one.monitor().data));
    const f = join(tmp, 'ex.nc');
    await r.save(f);
    const back = await ExplorationResult.fromFile(f);
    expect(back.outputNames).toEqual(['V', 'W']);
    expect(Array.from(back.pointSeries(3).data)).toEqual(Array.from(p3.data));
    expect(Array.from(back.slice({ I: 1 }).pointSeries(1).data)).toEqual(Array.from(p3.data));
    expect(await toSvg(await r.plot({ timeseries: true }))).toContain('<svg');
    expect(await toSvg(await r.plot())).toContain('<svg');
  }, 60_000);
});

describe('TimeSeries: units, frequency and power arguments', () => {
  const T = 1000, fs = 1000;
  const data = new Float64Array(T * 2 * 3);
  for (let t = 0; t < T; t++) for (let v = 0; v < 2; v++) for (let n = 0; n < 3; n++) data[(t * 2 + v) * 3 + n] = Math.sin(2 * Math.PI * (5 + 10 * v + n) * t / fs);
  const ts = new TimeSeries({ data, shape: [T, 2, 3, 1], samplePeriod: 1, samplePeriodUnit: 'ms', variables: ['y1', 'y2'], regions: ['a', 'b', 'c'], units: { time: 'ms', data: { y1: 'mV', y2: 'nA' } } });

  it('convertUnits converts state variables through the unit table; time as before', () => {
    const u = ts.convertUnits({ state: { y1: 'uV', y2: 'pA' }, time: 's' });
    expect(u.data[0 + 1]).toBe(ts.data[1] * 1000);
    expect(u.data[3 + 2]).toBeCloseTo(ts.data[5] * 1000, 12);
    expect(u.units.data).toEqual({ y1: 'uV', y2: 'pA' });
    expect(u.samplePeriod).toBe(0.001);
    expect(u.samplePeriodMs).toBe(1);
    expect(() => ts.convertUnits({ state: 'uV' })).toThrow(/cannot convert nA \(current\) to uV \(voltage\)/);
    expect(() => ts.convertUnits({ state: { y1: 'furlong' } })).toThrow(/unit 'furlong' is not in the unit table/);
  });

  it('calculateFrequency(stateVariable, region, mode) and computeNormalisedAveragePower(voi) honour their arguments', () => {
    expect(ts.calculateFrequency('y2', 'c')).toBe(17);
    expect(ts.calculateFrequency('y1', 1)).toBe(6);
    expect(Array.from(ts.calculateFrequency(1) as Float64Array)).toEqual([15, 16, 17]);
    expect(() => ts.calculateFrequency('y3')).toThrow(/state variable 'y3' not found/);
    const p = ts.computeNormalisedAveragePower(['y2']);
    expect(p.coords.variable).toEqual(['y2']);
    const all = ts.computeNormalisedAveragePower();
    expect(Array.from(p.data)).toEqual(Array.from(all.sel({ variable: ['y2'] }).data));
  });
});

describe('ExperimentResult.fromTvb and fromTimeseries', () => {
  it('reads TVB TimeSeriesRegion + Connectivity H5 into an integration, and plots it', async () => {
    const res = (await simulate(base)).withNetwork(conn);
    const ts = res.toTimeSeries('TemporalAverage');
    const dir = join(tmp, 'tvb');
    const { connectivityPath, timeSeriesPath } = await writeTvbExport(dir, ts, conn);
    const exp = await ExperimentResult.fromTvb(timeSeriesPath, { connectivity: connectivityPath });
    const m = exp.integration!.monitor(0);
    expect(m.shape).toEqual([1, 50, 2, 6, 1]);
    expect(Array.from(m.data)).toEqual(Array.from(res.monitor('TemporalAverage').data));
    expect(Array.from(m.time)).toEqual(Array.from(res.monitor('TemporalAverage').time));
    expect(exp.integration!.info.nodeLabels).toEqual(conn.labels);
    expect(exp.integration!.network!.n).toBe(6);
    expect(await toSvg(await exp.plot({ type: 'timeseries' }))).toContain('<svg');
    const two = ExperimentResult.fromTimeseries({ tavg: ts, raw: res.toTimeSeries('Raw') });
    expect(two.integration!.monitors.map((x) => x.name)).toEqual(['tavg', 'raw']);
    const f = join(tmp, 'fromts.nc');
    await two.save(f);
    expect(Array.from((await ExperimentResult.fromFile(f)).integration!.monitor('raw').data)).toEqual(Array.from(res.monitor('Raw').data));
  }, 30_000);
});
