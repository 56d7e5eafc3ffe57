/**
 * The plain data shapes plot builders take (arrays + labels + units), and adapters from vbt's
 * result objects. Builders never need a simulation object, so any source (files, other tools)
 * can be plotted by filling these in.
 */
import type { SimulationResult, MonitorOutput } from '../results/simulation.js';
import { getModel } from '../models/catalogue.js';
import { monitorDisplayTimeUnit, monitorQuantity, monitorVariableUnit } from '../observation/quantity.js';

/** A multivariate, multi-node time series: data[(t * V + v) * N + n]. */
export interface TimeSeriesData {
  /** Sample times, length T. */
  time: ArrayLike<number>;
  /** Row-major [T, V, N]. */
  data: ArrayLike<number>;
  /** V variable names. */
  variables: string[];
  /** N node (region, channel) labels. */
  labels: string[];
  /** Unit of `time` (default "ms"). */
  timeUnit?: string;
  /** Unit per variable name (missing → "a.u."). */
  units?: Record<string, string>;
  /** What a variable's values are, when not the variable itself (a BOLD monitor reading S records "BOLD"). */
  quantities?: Record<string, string>;
  /** Short description for titles, e.g. "JansenRit · TemporalAverage". */
  title?: string;
}

/** Sizes of a TimeSeriesData, after checking that its arrays agree. */
export function tsShape(ts: TimeSeriesData): { T: number; V: number; N: number } {
  const T = ts.time.length, V = ts.variables.length, N = ts.labels.length;
  if (V < 1) throw new Error('time series: no variables; expected at least one name in `variables`');
  if (N < 1) throw new Error('time series: no node labels; expected one label per node in `labels`');
  if (ts.data.length !== T * V * N) {
    throw new Error(`time series: data has ${ts.data.length} values; expected time × variables × nodes = ${T} × ${V} × ${N} = ${T * V * N}`);
  }
  return { T, V, N };
}

export function unitOf(ts: TimeSeriesData, variable: string): string {
  return ts.units?.[variable] ?? 'a.u.';
}

/**
 * A data key as a Vega-Lite field reference: Vega-Lite reads `.` and `[]` in a field as nested access, so a
 * dotted parameter name such as `coupling.a` would otherwise name a missing field (an empty line, a NaN axis).
 */
export function fieldRef(name: string): string {
  return name.replace(/[\\.\[\]]/g, (c) => `\\${c}`);
}

/** Axis title of a variable's values: its quantity (the variable, or e.g. "BOLD") with its unit. */
export function valueTitle(ts: TimeSeriesData, variable: string): string {
  return withUnit(ts.quantities?.[variable] ?? variable, unitOf(ts, variable));
}

/** "V (mV)" */
export function withUnit(name: string, unit: string | undefined): string {
  return unit ? `${name} (${unit})` : name;
}

/** Index of a variable by name or number, with an error listing the valid names. */
export function variableIndex(ts: TimeSeriesData, v: string | number | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v >= ts.variables.length) throw new Error(`variable #${v} out of range: this series has ${ts.variables.length} (${ts.variables.join(', ')})`);
    return v;
  }
  const k = ts.variables.indexOf(v);
  if (k < 0) throw new Error(`unknown variable '${v}'; this series has: ${ts.variables.join(', ')}`);
  return k;
}

/** Node indices from labels or indices; checks ranges. */
export function nodeIndices(ts: { labels: string[] }, nodes: readonly (number | string)[] | undefined, defaultMax = 8): number[] {
  const N = ts.labels.length;
  if (!nodes) {
    if (N <= defaultMax) return [...Array(N).keys()];
    // evenly spread over the network so both hemispheres show up
    return [...Array(defaultMax).keys()].map((k) => Math.round((k * (N - 1)) / (defaultMax - 1)));
  }
  return nodes.map((x) => {
    if (typeof x === 'string') {
      const k = ts.labels.indexOf(x);
      if (k < 0) throw new Error(`unknown node label '${x}'; labels are ${ts.labels.slice(0, 10).join(', ')}${N > 10 ? ', …' : ''}`);
      return k;
    }
    if (!Number.isInteger(x) || x < 0 || x >= N) throw new Error(`node index ${x} out of range 0..${N - 1}`);
    return x;
  });
}

/** Every `stride`-th time index so that at most maxPoints remain (first and values exact, never averaged). */
export function timeStride(T: number, maxPoints: number | undefined): number {
  if (maxPoints === undefined || T <= maxPoints) return 1;
  if (!(maxPoints >= 2)) throw new Error(`maxPoints=${maxPoints}; expected at least 2`);
  return Math.ceil(T / maxPoints);
}

/** Value at (t, v, n). */
export function at(ts: TimeSeriesData, t: number, v: number, n: number): number {
  const V = ts.variables.length, N = ts.labels.length;
  return ts.data[(t * V + v) * N + n];
}

export interface FromResultOptions {
  /** Monitor name or index (default: the first). */
  monitor?: string | number;
  /** Batch element (default 0). */
  batch?: number;
  /** Mode (default 0). */
  mode?: number;
}

/** Units of a model's state variables, where the catalogue gives them. */
export function modelUnits(model: string): Record<string, string> {
  try {
    const spec = getModel(model);
    const out: Record<string, string> = {};
    for (const [k, sv] of Object.entries(spec.state_variables)) if (sv.unit) out[k] = sv.unit;
    return out;
  } catch {
    return {}; // a model given as a file or object is not in the catalogue; fall back to a.u.
  }
}

/** One batch element and mode of a monitor as TimeSeriesData. */
export function monitorTimeSeries(m: MonitorOutput, labels: string[], opts: { batch?: number; mode?: number; units?: Record<string, string>; title?: string } = {}): TimeSeriesData {
  const [B, T, V, N, M] = m.shape;
  const b = opts.batch ?? 0, mode = opts.mode ?? 0;
  if (!(Number.isInteger(b) && b >= 0 && b < B)) throw new Error(`batch index ${b} out of range 0..${B - 1}`);
  if (!(Number.isInteger(mode) && mode >= 0 && mode < M)) throw new Error(`mode ${mode} out of range 0..${M - 1}`);
  const nodeLabels = labels.length === N ? labels : N === 1 ? ['mean'] : [...Array(N).keys()].map((k) => `area ${k}`);
  const data = new Float64Array(T * V * N);
  for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) for (let n = 0; n < N; n++) {
    data[(t * V + v) * N + n] = m.data[((((b * T + t) * V + v) * N + n) * M) + mode];
  }
  // BOLD samples are a haemodynamic signal in a.u. every TR of seconds, whatever variable drives them
  const timeUnit = monitorDisplayTimeUnit(m.name);
  const time = timeUnit === 's' ? Float64Array.from(m.time, (t) => t / 1000) : m.time;
  const units = Object.fromEntries(m.variables.map((v) => [v, monitorVariableUnit(m.name, opts.units?.[v])]));
  const quantities = Object.fromEntries(m.variables.map((v) => [v, monitorQuantity(m.name, v, m.variables.length)]));
  return { time, data, variables: m.variables, labels: nodeLabels, timeUnit, units, quantities, title: opts.title ?? m.name };
}

/**
 * A SimulationResult's monitor as TimeSeriesData.
 *
 * @example
 * ```ts
 * import { simulate, timeSeriesFromResult } from 'vbt';
 * const ts = timeSeriesFromResult(await simulate({ model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 100 }));
 * ts.variables; // ['V']
 * ```
 */
export function timeSeriesFromResult(res: SimulationResult, opts: FromResultOptions = {}): TimeSeriesData {
  const m = res.monitor(opts.monitor ?? 0);
  return monitorTimeSeries(m, res.info.nodeLabels, {
    batch: opts.batch,
    mode: opts.mode,
    units: modelUnits(res.info.model),
    title: `${res.info.model} · ${m.name}${res.info.batchSize > 1 ? ` · batch ${opts.batch ?? 0}` : ''}`,
  });
}

/** A node's series for one variable, as a plain array. */
export function nodeSeries(ts: TimeSeriesData, v: number, n: number): Float64Array {
  const { T } = tsShape(ts);
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) out[t] = at(ts, t, v, n);
  return out;
}
