import { describe, it, expect } from 'vitest';
import { plotExploration, plotTimeSeriesGrid, optimumIndex } from '../src/plot/exploration.js';
import { plotLoss, plotParameterTrajectories, plotRegionalParameters } from '../src/plot/optimization.js';
import { plotConvergence, plotBeforeAfter } from '../src/plot/algorithm.js';
import { beforeAfterFromAlgorithm, fromExplorationResult, fromExplorationGrid, fromOptimizationResult, fromAlgorithmResult, regionalFromState, fromTimeSeries } from '../src/plot/results.js';
import { ExplorationResult, OptimizationResult, AlgorithmResult } from '../src/results/experiment.js';
import { TimeSeries } from '../src/results/timeseries.js';
import { SimulationResult } from '../src/results/simulation.js';
import { ExplorationResult as SweepResult } from '../src/results/exploration.js';
import { grid, product } from '../src/space/space.js';
import { plotTimeSeries } from '../src/plot/timeseries.js';
import { toSvg, type PlotSpec } from '../src/plot/render.js';
import { countMarks, axisTitles, figureTitles } from './plot-helpers.js';

/** Texts of the axis tick labels vega drew. */
const textsOfAxisLabels = (svg: string) => [...svg.matchAll(/<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/g)]
  .flatMap((m) => [...m[1].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]));

type Rows = Record<string, number | string>[];
const layers = (s: PlotSpec) => (s as unknown as { layer: { data: { values: Rows } }[] }).layer;

describe('exploration figures', () => {
  it('1-D: line through every point, optimum ringed and labelled', async () => {
    const G = [0.1, 0.2, 0.3, 0.4, 0.5];
    const spec = plotExploration({ observable: 'loss', axes: [{ name: 'G', values: G }], results: G.map((g) => (g - 0.32) ** 2) });
    const [line, ring, label] = layers(spec);
    expect(line.data.values.map((r) => r.value)).toEqual(G.map((g) => (g - 0.32) ** 2));
    expect(ring.data.values).toEqual([expect.objectContaining({ G: 0.3 })]);
    expect(label.data.values[0].label).toBe('min 0.0004 at G = 0.3');
    const svg = await toSvg(spec);
    expect(countMarks(svg, 'line')).toBe(1);
    expect(countMarks(svg, 'symbol')).toBe(5 + 1); // line points + ring
    expect(svg).toContain('min 0.0004 at G = 0.3');
  });

  it('2-D heatmap from an ExplorationResult, optimum marked where its .optimal() says', async () => {
    const a = [1, 2, 3], b = [10, 20, 30, 40];
    const results = a.flatMap((x) => b.map((y) => Math.abs(x - 2) + Math.abs(y - 30) / 10));
    const r = new ExplorationResult({ name: 'sweep', axes: [{ name: 'a', values: a }, { name: 'b', values: b }], results, observable: 'loss' });
    const spec = plotExploration(fromExplorationResult(r));
    const [cells, ring] = layers(spec);
    expect(cells.data.values.length).toBe(12);
    expect(cells.data.values[5]).toEqual({ a: 2, b: 20, value: results[5] });
    expect(ring.data.values[0]).toMatchObject(r.optimal().parameters);
    const svg = await toSvg(spec);
    expect(countMarks(svg, 'rect')).toBe(12);
    expect(countMarks(svg, 'symbol')).toBe(1);
    expect(axisTitles(svg).sort()).toEqual(['a', 'b']);
    expect(optimumIndex([3, NaN, 1, 2], 'max')).toBe(0);
    expect(() => plotExploration({ observable: 'x', axes: [{ name: 'a', values: [1] }, { name: 'b', values: [1] }, { name: 'c', values: [1, 2] }], results: [1, 2] })).toThrow(/3 axes.*slice/);
    expect(() => plotExploration({ observable: 'x', axes: [{ name: 'a', values: [1, 2] }], results: [1] })).toThrow(/1 results for a grid of shape \[2\]/);
  });

  it("the algorithms' exploration result plots through its grid view, optimum as its .optimal('max')", async () => {
    const space = product(grid('G', 0, 1, 3), grid('speed', 1, 4, 4));
    const vals = Float64Array.from({ length: 12 }, (_, k) => Math.sin(k) + k / 10);
    const r = new SweepResult('sweep', space, { fc_corr: vals });
    const spec = plotExploration(fromExplorationGrid(r.asGrid('fc_corr'), 'fc_corr', { optimum: 'max' }));
    const [cells, ring] = layers(spec);
    expect(cells.data.values.map((c) => c.value)).toEqual(Array.from(vals));
    expect(ring.data.values[0]).toMatchObject(r.optimal('fc_corr', 'max').parameters);
    expect(countMarks(await toSvg(spec), 'rect')).toBe(12);
  });

  it('dotted parameter names (coupling.a): every point drawn, numeric ticks, no NaN', async () => {
    const a = [0.1, 0.2, 0.3, 0.4, 0.5];
    const one = await toSvg(plotExploration({ observable: 'loss', axes: [{ name: 'coupling.a', values: a }], results: a.map((g) => (g - 0.32) ** 2) }));
    expect(countMarks(one, 'line')).toBe(1);
    expect(countMarks(one, 'symbol')).toBe(5 + 1); // five points on the line + the optimum ring (empty before: field read as nested)
    expect(axisTitles(one)).toContain('coupling.a');
    expect(one).toContain('min 0.0004 at coupling.a = 0.3');
    expect(one).not.toMatch(/NaN/);
    // the line passes through the five points: its path has five vertices
    const line = /<g class="mark-line role-mark[^"]*"[^>]*><path[^>]* d="([^"]+)"/.exec(one)![1];
    expect(line.match(/[ML]/g)!.length).toBe(5);

    const nsig = [0.001, 0.01];
    const two = await toSvg(plotExploration({ observable: 'fc_corr', axes: [{ name: 'coupling.a', values: a }, { name: 'integrator.noise.nsig', values: nsig }], results: a.flatMap((x) => nsig.map((n) => x + n)), optimum: 'max' }));
    expect(countMarks(two, 'rect')).toBe(10);
    expect(countMarks(two, 'symbol')).toBe(1);
    expect(two).not.toMatch(/NaN/);
    const ticks = textsOfAxisLabels(two);
    expect(ticks).toEqual(expect.arrayContaining(['0.1', '0.2', '0.3', '0.4', '0.5', '0.001', '0.01']));
    expect(axisTitles(two).sort()).toEqual(['coupling.a', 'integrator.noise.nsig']);
  });

  it('time-series grid: one panel per point', async () => {
    const svg = await toSvg(plotTimeSeriesGrid([1, 2, 3].map((g) => ({ label: `G = ${g}`, time: [0, 1, 2], values: [0, g, 0] })), { columns: 2 }));
    expect(countMarks(svg, 'line')).toBe(3);
    for (const g of [1, 2, 3]) expect(svg).toContain(`G = ${g}`);
  });
});

describe('optimisation and algorithm figures', () => {
  const opt = new OptimizationResult({ name: 'fit', state: { G: 0.4, J: [1, 2, 3] }, history: { loss: [1, 0.5, 0.2, 0.25], G: [0.1, 0.2, 0.35, 0.4] } });

  it('loss on a log axis with the best step marked; parameter trajectories', async () => {
    const o = fromOptimizationResult(opt);
    const spec = plotLoss(o);
    expect(layers(spec)[0].data.values).toEqual([0, 1, 2, 3].map((step) => ({ step, loss: opt.history.loss[step] })));
    expect(layers(spec)[1].data.values).toEqual([{ step: 2, loss: 0.2 }]);
    const svg = await toSvg(spec);
    expect(figureTitles(svg)[0]).toContain('best 0.2 at step 2');
    expect(countMarks(svg, 'line')).toBe(1);
    const tsvg = await toSvg(plotParameterTrajectories(o));
    expect(countMarks(tsvg, 'line')).toBe(1);
    expect(figureTitles(tsvg)).toEqual(expect.arrayContaining(["Parameter trajectories — Optimisation 'fit'", 'G']));
    expect(() => plotLoss({ loss: [1, -1] }, { log: true })).toThrow(/≤ 0/);
  });

  it('regional parameters: one bar per region coloured by hemisphere', async () => {
    const r = regionalFromState(opt, 'J', ['lA', 'lB', 'rA'], [false, false, true]);
    const spec = plotRegionalParameters({ ...r, unit: 'nA' });
    const svg = await toSvg(spec);
    expect(countMarks(svg, 'rect')).toBe(3);
    expect(axisTitles(svg)).toContain('J (nA)');
    expect(() => regionalFromState(opt, 'G', ['a'])).toThrow(/single value/);
  });

  it('convergence panels with targets, and before/after dumbbells', async () => {
    const alg = new AlgorithmResult({ name: 'fic', state: {}, history: { rate: [8, 5, 3.4, 3.1], J: [1, 1.2, 1.3, 1.31] } });
    const spec = plotConvergence(fromAlgorithmResult(alg, { rate: 3 }));
    const svg = await toSvg(spec);
    expect(countMarks(svg, 'line')).toBe(2);
    expect(countMarks(svg, 'rule')).toBe(1);
    expect(figureTitles(svg)).toEqual(expect.arrayContaining(['rate (target 3)', 'J']));
    const ba = plotBeforeAfter({ labels: ['a', 'b'], before: [5, 1], after: [3, 3.1], quantity: 'rate', unit: 'Hz', target: 3 });
    const bsvg = await toSvg(ba);
    expect(countMarks(bsvg, 'symbol')).toBe(4);
    expect(countMarks(bsvg, 'rule')).toBe(3); // 2 spans + target
    expect(layers(ba)[1].data.values).toEqual([{ region: 'a', stage: 'before', value: 5 }, { region: 'a', stage: 'after', value: 3 }, { region: 'b', stage: 'before', value: 1 }, { region: 'b', stage: 'after', value: 3.1 }]);
  });

  it('before/after from the pre/post runs of an AlgorithmResult: per-node time means', async () => {
    const mk = (scale: number) => new SimulationResult([{ name: 'TemporalAverage', period: 1, time: Float64Array.of(1, 2), variables: ['r'], shape: [1, 2, 1, 3, 1], data: Float64Array.from([1, 2, 3, 3, 4, 5], (x) => x * scale) }],
      { model: 'X', coupling: 'Linear', integrator: 'Heun', dt: 0.1, nSteps: 20, transientSteps: 0, horizon: 1, batchSize: 1, nodeLabels: ['a', 'b', 'c'], connectivity: 'c', wallSeconds: 0, finalState: new Float64Array(0), stateVariables: ['r'], parameters: {} });
    const alg = new AlgorithmResult({ name: 'fic', state: {}, history: {}, preTuningSimulation: mk(2), postTuningSimulation: mk(1) });
    const d = beforeAfterFromAlgorithm(alg, { variable: 'r', target: 3 });
    expect(Array.from(d.after)).toEqual([2, 3, 4]);
    expect(Array.from(d.before)).toEqual([4, 6, 8]);
    expect(d.labels).toEqual(['a', 'b', 'c']);
    expect(countMarks(await toSvg(plotBeforeAfter(d)), 'symbol')).toBe(6);
    expect(() => beforeAfterFromAlgorithm(alg, { variable: 'q' })).toThrow(/no variable 'q'.*\(r\)/);
    expect(() => beforeAfterFromAlgorithm(new AlgorithmResult({ name: 'x', state: {}, history: {} }))).toThrow(/needs both/);
  });

  it('a results TimeSeries plots through fromTimeSeries (mode selected, units kept)', async () => {
    const T = 4, V = 1, N = 2, M = 2;
    const data = Float64Array.from({ length: T * V * N * M }, (_, k) => k);
    const ts = new TimeSeries({ data, shape: [T, V, N, M], samplePeriod: 0.5, variables: ['x'], regions: ['p', 'q'], units: { data: 'mV' } });
    const d = fromTimeSeries(ts, 1);
    expect(Array.from(d.data)).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
    const svg = await toSvg(plotTimeSeries(d));
    expect(axisTitles(svg)).toEqual(expect.arrayContaining(['x (mV)', 'time (ms)']));
    expect(() => fromTimeSeries(ts, 2)).toThrow(/mode 2 out of range 0..1/);
  });
});
