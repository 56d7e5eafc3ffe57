/**
 * Thin adapters from vbt's result classes (src/results) to the plain shapes the builders take,
 * plus `plot…` shortcuts mirroring TVBO's one-liners (`result.plot()` → `plotResult(result)`).
 */
import type { TimeSeries } from '../results/timeseries.js';
import type { ExplorationResult } from '../results/exploration.js';
import type { OptimizationResult, AlgorithmResult } from '../results/tuning.js';
import type { TimeSeriesData } from './data.js';
import type { ExplorationData } from './exploration.js';
import type { OptimizationData, RegionalData } from './optimization.js';
import type { ConvergenceData, BeforeAfterData } from './algorithm.js';
import type { SimulationResult } from '../results/simulation.js';

/**
 * A results TimeSeries (time, variable, region, mode) as TimeSeriesData for one mode.
 *
 * @example
 * ```ts
 * import { simulate } from 'vbt';
 * import { fromTimeSeries, plotTimeSeries } from 'vbt';
 * const res = await simulate({ model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 50, monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * plotTimeSeries(fromTimeSeries(res.toTimeSeries()));
 * ```
 */
export function fromTimeSeries(ts: TimeSeries, mode = 0): TimeSeriesData {
  const [T, V, N, M] = ts.shape;
  if (!(Number.isInteger(mode) && mode >= 0 && mode < M)) throw new Error(`fromTimeSeries: mode ${mode} out of range 0..${M - 1}`);
  const data = new Float64Array(T * V * N);
  for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) for (let n = 0; n < N; n++) data[(t * V + v) * N + n] = ts.data[((t * V + v) * N + n) * M + mode];
  const units: Record<string, string> = {};
  for (const v of ts.variables) units[v] = typeof ts.units.data === 'string' ? ts.units.data : ts.units.data[v] ?? 'a.u.';
  return { time: ts.time, data, variables: ts.variables, labels: ts.regions, timeUnit: ts.units.time, units, title: ts.title || undefined };
}

/** One observable (default the first) of an ExplorationResult as ExplorationData. */
export function fromExplorationResult(r: ExplorationResult, opts: { observable?: string; optimum?: 'min' | 'max'; unit?: string } = {}): ExplorationData {
  return {
    observable: opts.observable ?? r.observable,
    unit: opts.unit,
    axes: r.axes.map((a) => ({ name: a.names.join('/'), values: a.values })),
    results: r.values(opts.observable),
    optimum: opts.optimum ?? 'min',
    title: `Exploration '${r.name}': ${r.observable}`,
  };
}

/** The scalar histories of an OptimizationResult: `loss` and every other entry as a parameter trajectory. */
export function fromOptimizationResult(r: OptimizationResult): OptimizationData {
  const parameters: Record<string, number[]> = {};
  for (const [k, h] of Object.entries(r.history)) if (k !== 'loss') parameters[k] = h;
  return { loss: r.lossTrajectory, parameters, title: `Optimisation '${r.name}'` };
}

/** Per-region fitted parameters (array-valued state entries) of an OptimizationResult or AlgorithmResult. */
export function regionalFromState(r: OptimizationResult | AlgorithmResult, name: string, labels: string[], hemispheres?: readonly boolean[]): RegionalData {
  const v = r.state[name];
  if (v === undefined) throw new Error(`'${r.name}' has no parameter '${name}'; it has ${Object.keys(r.state).join(', ')}`);
  if (typeof v === 'number') throw new Error(`'${r.name}': parameter '${name}' is a single value (${v}), not one per region`);
  if (v.length !== labels.length) throw new Error(`'${r.name}': parameter '${name}' has ${v.length} values for ${labels.length} region labels`);
  return { labels, values: v, name, hemispheres, title: `Regional ${name} — '${r.name}'` };
}

/** An AlgorithmResult's per-iteration history as ConvergenceData. */
export function fromAlgorithmResult(r: AlgorithmResult, targets?: Record<string, number>): ConvergenceData {
  return { history: r.history, targets, title: `Convergence of '${r.name}' (${r.nIterations} iterations)` };
}

/** The grid view of the algorithms' exploration (`result.asGrid(observable)`), structurally. */
export interface ExplorationGridLike {
  shape: number[];
  axes: { names: string[]; values: Record<string, number[]> }[];
  data: ArrayLike<number>;
}

/**
 * ExplorationData from a grid view such as algorithms' `ExplorationResult.asGrid(observable)`. A
 * zipped dimension (several parameters moving together) is labelled with its first parameter's
 * values and all names joined by "/".
 *
 * @example
 * ```ts
 * import { syntheticConnectome } from 'vbt';
 * import { explore, grid, values, product } from 'vbt/algorithms';
 * import { fromExplorationGrid, plotExploration } from 'vbt';
 * const base = { model: 'Generic2dOscillator', connectivity: syntheticConnectome({ nodes: 4 }), integrator: { name: 'Heun', dt: 0.5, noise: { nsig: 1e-4, seed: 3 } },
 *   duration: 50, monitors: [{ name: 'TemporalAverage', period: 5 }] };
 * const result = await explore({ base, space: product(grid('coupling.a', 0, 0.02, 3), values('noise.nsig', [1e-5, 1e-3])),
 *   observables: { meanV: (r) => r.monitor().data.reduce((s, v) => s + v, 0) / r.monitor().data.length } });
 * plotExploration(fromExplorationGrid(result.asGrid('meanV'), 'meanV', { optimum: 'max' }));
 * ```
 */
export function fromExplorationGrid(g: ExplorationGridLike, observable: string, opts: { optimum?: 'min' | 'max'; unit?: string; title?: string } = {}): ExplorationData {
  if (g.axes.length !== g.shape.length) throw new Error(`fromExplorationGrid: ${g.axes.length} axes for a grid of shape [${g.shape.join(', ')}]`);
  return {
    observable,
    unit: opts.unit,
    axes: g.axes.map((a, k) => {
      const values = a.values[a.names[0]];
      if (!values || values.length !== g.shape[k]) throw new Error(`fromExplorationGrid: axis ${k} (${a.names.join('/')}) has ${values?.length ?? 0} values; the grid has ${g.shape[k]}`);
      return { name: a.names.join('/'), values };
    }),
    results: g.data,
    optimum: opts.optimum ?? 'min',
    title: opts.title,
  };
}

/**
 * Per-node time means of one recorded variable before and after tuning, from the pre/post runs an
 * AlgorithmResult (src/results) carries.
 *
 * @example
 * ```ts
 * import { AlgorithmResult, beforeAfterFromAlgorithm, plotBeforeAfter, simulate } from 'vbt';
 * const run = (J_i: number) => simulate({ model: 'ReducedWongWangExcInh', parameters: { J_i }, integrator: { dt: 0.1 },
 *   duration: 100, monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * const result = new AlgorithmResult({ name: 'fic', state: {}, history: {}, preTuningSimulation: await run(1), postTuningSimulation: await run(1.5) });
 * plotBeforeAfter(beforeAfterFromAlgorithm(result, { variable: 'S_e', target: 0.25 }));
 * ```
 */
export function beforeAfterFromAlgorithm(r: AlgorithmResult, opts: { variable?: string; monitor?: string | number; target?: number; unit?: string } = {}): BeforeAfterData {
  const preSim = r.preTuningSimulation, postSim = r.postTuningSimulation;
  if (!preSim || !postSim) throw new Error(`algorithm '${r.name}': needs both preTuningSimulation and postTuningSimulation runs for a before/after comparison`);
  const means = (res: SimulationResult, stage: string): { labels: string[]; values: Float64Array; name: string } => {
    const m = res.monitor(opts.monitor ?? 0);
    const [, T, V, N, M] = m.shape;
    const v = opts.variable === undefined ? 0 : m.variables.indexOf(opts.variable);
    if (v < 0) throw new Error(`algorithm '${r.name}' ${stage}: no variable '${opts.variable}' in monitor ${m.name} (${m.variables.join(', ')})`);
    const out = new Float64Array(N);
    for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) out[n] += m.data[((t * V + v) * N + n) * M] / T; // batch 0, mode 0
    return { labels: res.info.nodeLabels.length === N ? res.info.nodeLabels : [...Array(N).keys()].map(String), values: out, name: m.variables[v] };
  };
  const pre = means(preSim, 'preTuning'), post = means(postSim, 'postTuning');
  if (pre.values.length !== post.values.length) throw new Error(`algorithm '${r.name}': pre-tuning run has ${pre.values.length} nodes, post-tuning ${post.values.length}`);
  return { labels: post.labels, before: pre.values, after: post.values, quantity: `mean ${post.name}`, unit: opts.unit, target: opts.target, title: `'${r.name}': mean ${post.name} per region before and after tuning` };
}
