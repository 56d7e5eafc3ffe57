import { describe, it, expect } from 'vitest';
import { simulate } from '../src/simulation/simulate.js';
import { timeSeriesFromResult, type TimeSeriesData } from '../src/plot/data.js';
import { plotTimeSeries, plotChannels, plotPhaseTrajectory, plotHeatmap } from '../src/plot/timeseries.js';
import { plotPowerSpectrum, defaultSegment } from '../src/plot/spectrum.js';
import { toSvg, type PlotSpec } from '../src/plot/render.js';
import { countMarks, axisTitles, figureTitles } from './plot-helpers.js';

type Rows = Record<string, number | string>[];
const rowsOf = (s: PlotSpec): Rows => (s as unknown as { data: { values: Rows } }).data.values;

/** 3 nodes, 2 variables, 50 samples at 1 ms: x = sin, y = cos at node-specific frequencies. */
function synthetic(): TimeSeriesData {
  const T = 50, V = 2, N = 3;
  const time = Float64Array.from({ length: T }, (_, t) => t);
  const data = new Float64Array(T * V * N);
  for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) {
    data[(t * V + 0) * N + n] = Math.sin(0.2 * (n + 1) * t) * (n + 1);
    data[(t * V + 1) * N + n] = Math.cos(0.2 * (n + 1) * t);
  }
  return { time, data, variables: ['x', 'y'], labels: ['lA', 'lB', 'rC'], units: { x: 'mV' }, title: 'syn' };
}

describe('time-series figures', () => {
  it('plotTimeSeries: one panel per variable, one line per node, values equal the result, units on axes', async () => {
    const res = await simulate({ model: 'Generic2dOscillator', duration: 40, integrator: { name: 'Heun', dt: 0.1 }, monitors: [{ name: 'TemporalAverage', period: 1 }], threads: 1 });
    const ts = timeSeriesFromResult(res);
    const spec = plotTimeSeries(ts, { nodes: [0, 3] });
    const rows = rowsOf(spec);
    const mon = res.monitor(0);
    const [, T, , N] = mon.shape;
    expect(rows.length).toBe(2 * T);
    for (const [k, n] of [0, 3].entries()) for (let t = 0; t < T; t += 7) {
      const r = rows[k * T + t];
      expect(r.node).toBe(res.info.nodeLabels[n]);
      expect(r.t).toBe(mon.time[t]);
      expect(r.value).toBe(mon.data[t * N + n]);
    }
    const svg = await toSvg(spec);
    expect(countMarks(svg, 'line')).toBe(2);
    expect(axisTitles(svg)).toContain('time (ms)');
    expect(figureTitles(svg)[0]).toContain('Generic2dOscillator');
  });

  it('plotTimeSeries with two variables draws two panels; maxPoints strides without altering values', async () => {
    const ts = synthetic();
    const spec = plotTimeSeries(ts, { maxPoints: 10 });
    const svg = await toSvg(spec);
    expect(countMarks(svg, 'line')).toBe(6);
    expect(axisTitles(svg)).toEqual(expect.arrayContaining(['x (mV)', 'y (a.u.)']));
    const rows = (spec as unknown as { vconcat: { data: { values: Rows } }[] }).vconcat[0].data.values;
    expect(rows.length).toBe(3 * 10); // stride 5 over 50
    expect(rows[1]).toEqual({ t: 5, value: Math.sin(0.2 * 5), node: 'lA', variable: 'x' });
    expect(() => plotTimeSeries(ts, { variables: ['z'] })).toThrow(/unknown variable 'z'.*x, y/);
    expect(() => plotTimeSeries(ts, { nodes: [7] })).toThrow(/node index 7 out of range 0..2/);
  });

  it('plotChannels stacks z-scored channels, first on top, labelled', async () => {
    const ts = synthetic();
    const spec = plotChannels(ts, { variable: 'x', zscore: true });
    const rows = rowsOf(spec);
    for (const label of ts.labels) {
      const v = rows.filter((r) => r.channel === label).map((r) => r.value as number);
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
      expect(m).toBeCloseTo(0, 12);
      expect(sd).toBeCloseTo(1, 12);
    }
    // slots: first channel highest
    const meanY = (l: string) => { const y = rows.filter((r) => r.channel === l).map((r) => r.y as number); return y.reduce((a, b) => a + b, 0) / y.length; };
    expect(meanY('lA')).toBeCloseTo(2, 10);
    expect(meanY('rC')).toBeCloseTo(0, 10);
    const svg = await toSvg(spec);
    expect(countMarks(svg, 'line')).toBe(3);
    for (const l of ts.labels) expect(svg).toContain(`>${l}</text>`);
  });

  it('plotPhaseTrajectory draws y against x in time order with the start marked', async () => {
    const ts = synthetic();
    const spec = plotPhaseTrajectory(ts, { nodes: [1] });
    const rows = rowsOf(spec);
    expect(rows[3]).toMatchObject({ order: 3, x: Math.sin(0.4 * 3) * 2, y: Math.cos(0.4 * 3) });
    const svg = await toSvg(spec);
    expect(countMarks(svg, 'line')).toBe(1);
    expect(countMarks(svg, 'symbol')).toBe(1);
    expect(axisTitles(svg).sort()).toEqual(['x (mV)', 'y (a.u.)']);
    const one: TimeSeriesData = { ...ts, variables: ['x'], data: ts.data.slice(0, 50 * 3) };
    expect(() => plotPhaseTrajectory(one)).toThrow(/needs two variables/);
  });

  it('plotHeatmap has one cell per node and time', async () => {
    const ts = synthetic();
    const spec = plotHeatmap(ts, { variable: 'y' });
    expect(rowsOf(spec).length).toBe(50 * 3);
    expect(rowsOf(spec)[4]).toEqual({ t: 1, t2: 2, value: Math.cos(0.4), node: 'lB' });
    const svg = await toSvg(spec);
    expect(countMarks(svg, 'rect')).toBe(150);
  });
});

describe('power spectrum', () => {
  it('defaultSegment: a power of two with at least two half-overlapping segments, capped at 1024', () => {
    for (const T of [16, 100, 1000, 2000, 100000]) {
      const L = defaultSegment(T);
      expect(Math.log2(L) % 1).toBe(0);
      expect(L).toBeLessThanOrEqual(Math.min(1024, T));
      expect(Math.floor((T - L) / (L / 2)) + 1).toBeGreaterThanOrEqual(2);
    }
  });

  it('plotPowerSpectrum: one line per node, bands shaded and labelled, log axis', async () => {
    const T = 2000;
    const time = Float64Array.from({ length: T }, (_, t) => t * 0.5); // 2 kHz
    const data = Float64Array.from({ length: T * 2 }, (_, k) => { const t = Math.floor(k / 2), n = k % 2; return Math.sin(2 * Math.PI * (n ? 20 : 6) * t * 0.5e-3); });
    const ts: TimeSeriesData = { time, data, variables: ['V'], labels: ['a', 'b'], units: { V: 'mV' } };
    const spec = plotPowerSpectrum(ts);
    const svg = await toSvg(spec);
    expect(countMarks(svg, 'line')).toBe(2);
    expect(countMarks(svg, 'rect')).toBe(5);
    for (const b of ['δ', 'θ', 'α', 'β', 'γ']) expect(svg).toContain(`>${b}</text>`);
    expect(axisTitles(svg)).toEqual(expect.arrayContaining(['frequency (Hz)', 'power spectral density (mV²/Hz)']));
    const layers = (spec as unknown as { layer: { data: { values: Rows } }[] }).layer;
    const rows = layers[2].data.values;
    const peak = (node: string) => { const r = rows.filter((x) => x.node === node); return r.reduce((a, b) => ((b.power as number) > (a.power as number) ? b : a)).freq as number; };
    const df = 2000 / defaultSegment(T); // bin width in Hz
    expect(Math.abs(peak('a') - 6)).toBeLessThanOrEqual(df / 2);
    expect(Math.abs(peak('b') - 20)).toBeLessThanOrEqual(df / 2);
    // Parseval: Σ PSD·Δf = variance of a unit sine = 1/2 (Hann leakage stays inside the band shown)
    const total = rows.filter((x) => x.node === 'b').reduce((a, r) => a + (r.power as number) * df, 0);
    expect(total).toBeCloseTo(0.5, 2);
  });
});

describe('BOLD: a signal in a.u. over seconds, the same in the figure and the netCDF file', () => {
  it('JansenRit with a Raw and a Bold monitor: figure titles, time in s, file units', async () => {
    const { syntheticConnectome } = await import('../src/network/synthetic.js');
    const { readNetcdf } = await import('../src/io/netcdf.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const res = await simulate({
      model: 'JansenRit', connectivity: syntheticConnectome({ nodes: 3, seed: 1 }), integrator: { name: 'Heun', dt: 0.5 }, duration: 4000,
      monitors: [{ name: 'Raw' }, { name: 'Bold', period: 500, voi: [0] }, { name: 'BalloonWindkessel', period: 500 }],
    });
    const bold = timeSeriesFromResult(res, { monitor: 'Bold' });
    const m = res.monitor('Bold');
    expect(bold.timeUnit).toBe('s');
    expect(Array.from(bold.time)).toEqual(Array.from(m.time, (t) => t / 1000));
    expect(bold.time[1] - bold.time[0]).toBeCloseTo(0.5, 12); // TR 500 ms
    expect(bold.units).toEqual({ y0: 'a.u.' }); // not the driving variable's mV
    const svg = await toSvg(plotTimeSeries(bold));
    expect(axisTitles(svg).sort()).toEqual(['BOLD (a.u.)', 'time (s)']);
    // the Raw monitor keeps the model's variable, unit and ms
    const raw = timeSeriesFromResult(res, { monitor: 'Raw' });
    expect([raw.timeUnit, raw.units!.y0]).toEqual(['ms', 'mV']);
    const rawTitles = axisTitles(await toSvg(plotTimeSeries(raw, { variable: 'y0' })));
    expect(rawTitles).toContain('time (ms)');
    expect(rawTitles).toContain('y0 (mV)');
    expect(rawTitles.some((t) => t.startsWith('BOLD'))).toBe(false);
    // a BOLD monitor of several variables names which one each series is
    const bw = timeSeriesFromResult(res, { monitor: 'BalloonWindkessel' });
    if (bw.variables.length > 1) expect(axisTitles(await toSvg(plotTimeSeries(bw, { variable: bw.variables[1] })))).toContain(`BOLD of ${bw.variables[1]} (a.u.)`);

    const dir = mkdtempSync(join(tmpdir(), 'vbt-bold-units-'));
    try {
      await res.save(join(dir, 'r.nc'));
      const ds = await readNetcdf(join(dir, 'r.nc'));
      const v = (name: string) => ds.variables.find((x) => x.name === name)!;
      expect(v('Bold').attrs).toMatchObject({ monitor: 'Bold', units: 'a.u.', long_name: 'BOLD signal of y0' });
      expect(v('Raw').attrs!.variable_units).toEqual(['mV', 'mV', 'mV', 'mV/ms']);
      expect(v('BalloonWindkessel').attrs).toMatchObject({ units: 'a.u.', long_name: `BOLD signal of ${res.monitor('BalloonWindkessel').variables.join(', ')}` });
      expect(res.toTimeSeries('Bold').unitOf('y0')).toBe('a.u.');
      // the file's time is ms and says so; the figure's seconds are the same instants
      const t = ds.dims.find((d) => d.name === 'Bold_time')!;
      expect(t.attrs!.units).toBe('ms');
      expect(Array.from(t.values as Float64Array, (x) => x / 1000)).toEqual(Array.from(bold.time));
      // every variable: the figure's unit is the file's
      for (const mon of res.monitors) {
        const fig = timeSeriesFromResult(res, { monitor: mon.name });
        const attrs = v(mon.name).attrs!;
        const fileUnits = (attrs.variable_units as string[] | undefined) ?? mon.variables.map(() => attrs.units as string);
        expect(mon.variables.map((x) => fig.units![x])).toEqual(fileUnits);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
