/**
 * Result types: labelled selection, TimeSeries (closed-form spectra, unit conversion, selection),
 * SimulationResult dims/coords/sel/isel/observations and its netCDF file (xarray opens it; values
 * identical after fromFile), the experiment containers and their persistence.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAVE_PY, PY_SKIP, py } from '../tools/python-clients.js';
import { LabeledArray } from '../src/results/labeled.js';
import { TimeSeries } from '../src/results/timeseries.js';
import { AlgorithmResult, ExperimentResult, ExplorationResult, ObservationResult, OptimizationResult } from '../src/results/experiment.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { SimulationResult } from '../src/results/simulation.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { writeNetcdf } from '../src/io/netcdf.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vbt-results-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(): SimulationResult {
  const conn = syntheticConnectome({ nodes: 6 });
  return simulateSync({
    model: 'Generic2dOscillator',
    connectivity: conn,
    integrator: { name: 'Heun', dt: 0.1 },
    duration: 20,
    transient: 2,
    monitors: [{ name: 'TemporalAverage', period: 1 }, { name: 'GlobalAverage', period: 2 }],
    variablesOfInterest: ['V', 'W'],
    batch: { a: [-0.5, 0.5] },
  }).withNetwork(conn);
}

describe('LabeledArray', () => {
  const a = new LabeledArray(Float64Array.from({ length: 24 }, (_, k) => k), ['time', 'var', 'node'], { time: [0, 1, 2], var: ['V', 'W'], node: ['a', 'b', 'c', 'd'] });
  it('selects by position and by label like xarray', () => {
    expect(Array.from(a.isel({ time: 1, var: 0 }).data)).toEqual([8, 9, 10, 11]);
    expect(a.isel({ time: 1, var: 0 }).dims).toEqual(['node']);
    expect(Array.from(a.sel({ node: 'c', var: 'W' }).data)).toEqual([6, 14, 22]);
    expect(a.sel({ time: { from: 1 }, node: ['d', 'a'] }).shape).toEqual([2, 2, 2]);
    expect(Array.from(a.sel({ time: { from: 1 }, node: ['d', 'a'] }).data)).toEqual([11, 8, 15, 12, 19, 16, 23, 20]);
    expect(a.isel({ time: -1, var: 1, node: 3 }).item()).toBe(23);
    expect(() => a.sel({ node: 'z' })).toThrow(/"z" is not a coordinate of 'node'/);
    expect(() => a.isel({ time: 3 })).toThrow(/index 3 out of range for dimension 'time' of size 3/);
    expect(() => a.sel({ mode: 0 })).toThrow(/dimension 'mode' has no coordinate/);
    const one = a.isel({ time: [2], node: [1] });
    expect(one.shape).toEqual([1, 2, 1]);
    expect(one.squeeze().dims).toEqual(['var']);
    expect(Array.from(one.squeeze().data)).toEqual([17, 21]);
    expect(() => a.squeeze(['var'])).toThrow(/dimension 'var' has size 2, not 1/);
  });
});

describe('TimeSeries', () => {
  const fs = 1000, T = 1000, f0 = 10, f1 = 37;
  const data = new Float64Array(T * 2 * 3);
  for (let t = 0; t < T; t++)
    for (let n = 0; n < 3; n++) {
      data[(t * 2 + 0) * 3 + n] = Math.sin((2 * Math.PI * f0 * t) / fs + n) + 5;
      data[(t * 2 + 1) * 3 + n] = Math.cos((2 * Math.PI * f1 * t) / fs) * (n + 1);
    }
  const ts = new TimeSeries({ data, shape: [T, 2, 3, 1], samplePeriod: 1, startTime: 0, variables: ['x', 'y'], regions: ['r0', 'r1', 'r2'], title: 'Simulation: Raw' });

  it('finds the closed-form dominant frequency and a unit-sum normalised power', () => {
    const dom = ts.dominantFrequency();
    expect(dom.dims).toEqual(['variable', 'region', 'mode']);
    expect(Array.from(dom.data)).toEqual([10, 10, 10, 37, 37, 37]);
    const nap = ts.normalisedAveragePower();
    const x = nap.sel({ variable: 'x', mode: 0 });
    expect(x.data.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    const k10 = (x.coords.frequency as number[]).indexOf(10);
    expect(x.data[k10]).toBeCloseTo(1, 10); // a pure tone puts all power in its bin (DC removed)
  });

  it('converts units, selects, copies and summarises', () => {
    expect(ts.sampleRate).toBe(1000);
    const s = ts.convertUnits({ time: 's' });
    expect(s.samplePeriod).toBe(0.001);
    expect(s.time[500]).toBe(0.5);
    expect(s.sampleRate).toBe(1000);
    expect(() => ts.convertUnits({ time: 'hours' })).toThrow(/time unit 'hours' not recognised/);
    const sub = ts.subset({ variables: ['y'], regions: [2, 'r0'], time: { from: 10, to: 19 } });
    expect(sub.shape).toEqual([10, 1, 2, 1]);
    expect(sub.regions).toEqual(['r2', 'r0']);
    expect(sub.data[0]).toBe(data[(10 * 2 + 1) * 3 + 2]);
    expect(sub.startTime).toBe(10);
    const c = ts.copy();
    c.data[0] = -1;
    expect(ts.data[0]).not.toBe(-1);
    const info = ts.summaryInfo();
    expect(info.Dimensions).toBe('(1000, 2, 3, 1)');
    expect(info['Sample rate (Hz)']).toBe(1000);
    expect(info.Length).toBe(1000);
    expect(Array.from(ts.getStateVariable('x').isel({ time: 0, mode: 0 }).data)).toEqual([data[0], data[1], data[2]]);
    expect(() => new TimeSeries({ data: new Float64Array(5), shape: [2, 1, 3, 1], samplePeriod: 1 })).toThrow(/data has 5 values but shape \[2, 1, 3, 1\] needs 6/);
  });
});

describe('SimulationResult', () => {
  it('has named dims, coordinates, sel/isel and observations that match the raw layout', () => {
    const res = run();
    expect(res.dims()).toEqual(['trial', 'time', 'variable', 'node', 'mode']);
    expect(res.stateNames).toEqual(['V', 'W']);
    expect(res.transientTime).toBeCloseTo(2, 12);
    expect(res.transient).toBeUndefined(); // the warm-up itself is kept only by simulateKeepingTransient
    expect(res.units.time).toBe('ms');
    const m = res.monitor('TemporalAverage');
    const [B, T, V, N, M] = m.shape;
    expect([B, V, N, M]).toEqual([2, 2, 6, 1]);
    const c = res.coords('TemporalAverage');
    expect(c.node).toEqual(res.info.nodeLabels);
    expect(c.variable).toEqual(['V', 'W']);
    const at = (b: number, t: number, v: number, n: number) => m.data[(((b * T + t) * V + v) * N + n) * M];
    const sel = res.sel({ trial: 1, variable: 'W', node: c.node[4] as string }, 'TemporalAverage');
    expect(sel.dims).toEqual(['time', 'mode']);
    expect(sel.data[7]).toBe(at(1, 7, 1, 4));
    const win = res.sel({ time: { from: m.time[3], to: m.time[5] } }, 'TemporalAverage');
    expect(win.shape).toEqual([2, 3, 2, 6, 1]);
    expect(res.isel({ trial: 0, time: 2, variable: 0, node: 1, mode: 0 }, 'TemporalAverage').item()).toBe(at(0, 2, 0, 1));
    const ts = res.toTimeSeries('TemporalAverage', 1);
    expect(ts.shape).toEqual([T, 2, 6, 1]);
    expect(ts.data[0]).toBe(at(1, 0, 0, 0));
    expect(ts.network).toBe(res.network);
    const obs = res.observations;
    expect(Object.keys(obs)).toEqual(['TemporalAverage', 'GlobalAverage']);
    expect(obs.GlobalAverage.regions).toEqual(['average']);
    expect(res.batch(1, 'TemporalAverage')[0]).toBe(at(1, 0, 0, 0)); // old API still works
  });

  it('saves a netCDF file that fromFile reads back exactly, with its network', async () => {
    const res = run();
    const p = join(dir, 'run.nc');
    await res.save(p);
    const back = await SimulationResult.fromFile(p);
    expect(back.monitors.map((x) => x.name)).toEqual(['TemporalAverage', 'GlobalAverage']);
    for (let k = 0; k < 2; k++) {
      expect(back.monitors[k].shape).toEqual(res.monitors[k].shape);
      expect(Array.from(back.monitors[k].data)).toEqual(Array.from(res.monitors[k].data));
      expect(Array.from(back.monitors[k].time)).toEqual(Array.from(res.monitors[k].time));
      expect(back.monitors[k].period).toBe(res.monitors[k].period);
    }
    expect(Array.from(back.info.finalState)).toEqual(Array.from(res.info.finalState));
    expect(back.info.parameters).toEqual(res.info.parameters);
    expect(Array.from(back.network!.weights)).toEqual(Array.from(res.network!.weights));
    expect(Array.from(back.network!.centres)).toEqual(Array.from(res.network!.centres));
  });

  it.skipIf(!HAVE_PY)(`opens in xarray with named dims and coordinates ${HAVE_PY ? '' : PY_SKIP}`, async () => {
    const res = run();
    const p = join(dir, 'xr.nc');
    await res.save(p);
    const r = py(`
import sys, json, xarray as xr
d = xr.open_dataset(sys.argv[1])
ta = d['TemporalAverage']
print(json.dumps({'dims': list(ta.dims), 'shape': list(ta.shape), 'node': [str(x) for x in d['node'].values],
  'var': [str(x) for x in d['TemporalAverage_variable'].values], 'time': d['TemporalAverage_time'].values.tolist(),
  'pick': float(ta.sel(trial=1, TemporalAverage_variable='W', node=str(d['node'].values[4]), mode=0).values[7]),
  'ga_dims': list(d['GlobalAverage'].dims), 'w': d['weights'].values.ravel().tolist(), 'model': d.attrs['model'], 'dt': float(d.attrs['dt'])}))
`, p);
    const m = res.monitor('TemporalAverage');
    const [, T, V, N] = m.shape;
    expect(r.dims).toEqual(['trial', 'TemporalAverage_time', 'TemporalAverage_variable', 'node', 'mode']);
    expect(r.shape).toEqual(m.shape);
    expect(r.node).toEqual(res.info.nodeLabels);
    expect(r.var).toEqual(['V', 'W']);
    expect(r.time).toEqual(Array.from(m.time));
    expect(r.pick).toBe(m.data[((1 * T + 7) * V + 1) * N + 4]);
    expect(r.ga_dims).toEqual(['trial', 'GlobalAverage_time', 'GlobalAverage_variable', 'GlobalAverage_node', 'mode']);
    expect(r.w).toEqual(Array.from(res.network!.weights));
    expect(r.model).toBe('Generic2dOscillator');
    expect(r.dt).toBe(0.1);
  });

  it('refuses files of another kind or an unknown schema version', async () => {
    const p = join(dir, 'future.nc');
    await writeNetcdf(p, { attrs: { vbt_class: 'SimulationResult', vbt_schema_version: 'vbt-result/9.0' }, dims: [], variables: [] });
    await expect(SimulationResult.fromFile(p)).rejects.toThrow(/future\.nc: unknown schema version 'vbt-result\/9\.0'; this vbt reads vbt-result\/1\.0/);
    const q = join(dir, 'other.nc');
    await writeNetcdf(q, { attrs: { title: 'x' }, dims: [], variables: [] });
    await expect(SimulationResult.fromFile(q)).rejects.toThrow(/other\.nc: not a vbt result file \(attribute vbt_schema_version is missing\)/);
    writeFileSync(join(dir, 'junk.nc'), 'CDF\x01 classic netCDF-3 is not HDF5');
    await expect(SimulationResult.fromFile(join(dir, 'junk.nc'))).rejects.toThrow(/junk\.nc: not an HDF5 file/);
  });
});

describe('experiment result containers', () => {
  const ex = new ExplorationResult({ name: 'sweep', observable: 'fc_corr', axes: [{ name: 'coupling.a', values: [0.1, 0.2, 0.3] }, { name: 'mu', values: [1, 2] }], results: [0.5, 0.2, 0.4, -0.1, 0.3, 0.6] });

  it('compute what the seed API promises', () => {
    expect(ex.shape).toEqual([3, 2]);
    expect(ex.optimal()).toEqual({ flatIndex: 3, value: -0.1, index: [1, 1], parameters: { 'coupling.a': 0.2, mu: 2 } });
    expect(Array.from(ex.slice({ mu: 1 }).values())).toEqual([0.5, 0.4, 0.3]);
    expect(ex.asGrid().sel({ 'coupling.a': 0.3, mu: 2 }).item()).toBe(0.6);
    expect(() => new ExplorationResult({ name: 'bad', axes: [{ name: 'a', values: [1, 2] }], results: [1] })).toThrow(/1 results for a grid of shape \[2\] \(2 points\)/);
    const opt = new OptimizationResult({ name: 'fit', state: { a: 0.3 }, history: { loss: [4, 2.5, 1], a: [0.1, 0.2, 0.3] } });
    expect([opt.initialLoss, opt.finalLoss, opt.lossImprovement, opt.nSteps]).toEqual([4, 1, 3, 3]);
    expect(opt.relativeLossImprovement).toBe(0.75);
    expect(opt.parameterTrajectory('a')).toEqual([0.1, 0.2, 0.3]);
    expect(opt.fittedParams).toBe(opt.state);
    const alg = new AlgorithmResult({ name: 'fic', state: { J_i: [1, 2] }, history: { rate: [1, 2, 2.5] } });
    expect(alg.convergence).toEqual({ rate_final: 2.5, rate_delta: 0.5 });
    expect(alg.nIterations).toBe(3);
    expect(alg.get('J_i')).toEqual([1, 2]);
    expect(alg.get('rate_final')).toBe(2.5);
    expect(() => alg.get('nope')).toThrow(/no 'nope' in state \(J_i\)/);
  });

  it('persist as one netCDF file and come back equal', async () => {
    const res = run();
    const obs = new ObservationResult('bold', { data: new LabeledArray(Float64Array.from({ length: 6 }, (_, k) => k * 1.5), ['time', 'node'], { time: [0, 720, 1440], node: ['a', 'b'] }) });
    const e = new ExperimentResult({
      id: 'demo', integration: res, observations: { bold: obs }, explorations: { sweep: ex },
      optimizations: { fit: new OptimizationResult({ name: 'fit', state: { a: 0.3, w: [1, 2] }, history: { loss: [3, 2, 1] }, simulation: res, hyperparameters: { lr: 0.01 } }) },
      algorithms: { fic: new AlgorithmResult({ name: 'fic', state: { J_i: [1, 2] }, history: { rate: [1, 2, 2.5] }, preTuningSimulation: res, postTuningSimulation: res }) },
      continuations: { more: res }, dataSources: { fc: 'functional.npz' }, sourceExperiment: 'id: demo\nmodel: Generic2dOscillator\n',
    });
    const p = join(dir, 'exp.nc');
    await e.save(p);
    const b = await ExperimentResult.fromFile(p);
    expect(b.tree()).toBe(e.tree());
    expect(b.explorations.sweep.optimal()).toEqual(ex.optimal());
    expect(b.explorations.sweep.axes).toEqual(ex.axes);
    expect(b.optimizations.fit.lossTrajectory).toEqual([3, 2, 1]);
    expect(b.optimizations.fit.state).toEqual({ a: 0.3, w: [1, 2] });
    expect(b.optimizations.fit.hyperparameters).toEqual({ lr: 0.01 });
    expect(Array.from(b.optimizations.fit.simulation!.monitors[0].data)).toEqual(Array.from(res.monitors[0].data));
    expect(b.algorithms.fic.convergence).toEqual({ rate_final: 2.5, rate_delta: 0.5 });
    expect(Array.from(b.algorithms.fic.postTuningSimulation!.monitors[1].data)).toEqual(Array.from(res.monitors[1].data));
    expect(b.observations.bold.time).toEqual([0, 720, 1440]);
    expect(Array.from(b.observations.bold.data.data)).toEqual([0, 1.5, 3, 4.5, 6, 7.5]);
    expect(Array.from(b.continuations.more.info.finalState)).toEqual(Array.from(res.info.finalState));
    expect(b.dataSources).toEqual({ fc: 'functional.npz' });
    expect(b.sourceExperiment).toBe('id: demo\nmodel: Generic2dOscillator\n');
    await expect(SimulationResult.fromFile(p)).rejects.toThrow(/holds a ExperimentResult, not a SimulationResult|not a SimulationResult/);
    if (HAVE_PY) {
      const r = py(`
import sys, json, xarray as xr
d = xr.open_dataset(sys.argv[1])
print(json.dumps({'sweep_dims': list(d['exploration__sweep__results'].dims), 'sweep': d['exploration__sweep__results'].values.tolist(),
  'loss': d['optimization__fit__history_loss'].values.tolist(), 'has_int': 'integration__TemporalAverage' in d}))
`, p);
      expect(r.sweep_dims).toEqual(['exploration__sweep__results__coupling_a', 'exploration__sweep__results__mu']);
      expect(r.sweep).toEqual([[0.5, 0.2], [0.4, -0.1], [0.3, 0.6]]);
      expect(r.loss).toEqual([3, 2, 1]);
      expect(r.has_int).toBe(true);
    }
  });
});
