/**
 * Thin adapters from vbt's result classes (src/results) to the plain shapes the builders take,
 * plus `plot…` shortcuts mirroring TVBO's one-liners (`result.plot()` → `plotResult(result)`).
 */
import type { TimeSeries } from '../results/timeseries.js';
import type { ExplorationResult, OptimizationResult, AlgorithmResult } from '../results/experiment.js';
import type { TimeSeriesData } from './data.js';
import type { ExplorationData } from './exploration.js';
import type { OptimizationData, RegionalData } from './optimization.js';
import type { ConvergenceData } from './algorithm.js';

/**
 * A results TimeSeries (time, variable, region, mode) as TimeSeriesData for one mode.
 *
 * @example
 * ```ts
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

/** An ExplorationResult (minimised observable, as its `optimal` assumes) as ExplorationData. */
export function fromExplorationResult(r: ExplorationResult, opts: { optimum?: 'min' | 'max'; unit?: string } = {}): ExplorationData {
  return {
    observable: r.observable,
    unit: opts.unit,
    axes: r.axes.map((a) => ({ name: a.name, values: a.values })),
    results: r.results,
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
