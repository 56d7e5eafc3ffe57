/**
 * Time-domain figures: lines per variable, stacked EEG-style channels, state-space trajectories
 * and the node × time raster.
 */
import type { PlotSpec } from './render.js';
import { type TimeSeriesData, tsShape, unitOf, withUnit, valueTitle, variableIndex, nodeIndices, timeStride, at } from './data.js';
import { SEQUENTIAL_SCHEME, DIVERGING_SCHEME, seamlessCells } from './theme.js';

type Row = Record<string, number | string>;

export interface TimeSeriesPlotOptions {
  /** Variables to show, by name or index (default: all). One panel per variable. */
  variables?: (string | number)[];
  /** Nodes by index or label (default: all up to 8, else 8 spread over the network). */
  nodes?: (number | string)[];
  /** At most this many samples per line; longer series are strided, values kept exact (default 2000). */
  maxPoints?: number;
  title?: string;
  width?: number;
  height?: number;
}

function timeTitle(ts: TimeSeriesData): string {
  return withUnit('time', ts.timeUnit ?? 'ms');
}

/**
 * Lines over time, one panel per variable, one colour per selected node.
 * Data rows are {t, value, node, variable}, the values exactly as in `ts`.
 *
 * @example
 * ```ts
 * import { simulate } from 'vbt';
 * import { plotTimeSeries, savePlot, timeSeriesFromResult } from 'vbt';
 * const res = await simulate({ model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 50, monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * await savePlot(plotTimeSeries(timeSeriesFromResult(res), { nodes: [0, 1] }), 'ts.svg');
 * ```
 */
export function plotTimeSeries(ts: TimeSeriesData, opts: TimeSeriesPlotOptions = {}): PlotSpec {
  const { T } = tsShape(ts);
  const vs = (opts.variables ?? ts.variables.map((_, k) => k)).map((v) => variableIndex(ts, v));
  const ns = nodeIndices(ts, opts.nodes);
  const stride = timeStride(T, opts.maxPoints ?? 2000);
  const panels = vs.map((v) => {
    const values: Row[] = [];
    for (const n of ns) for (let t = 0; t < T; t += stride) values.push({ t: ts.time[t], value: at(ts, t, v, n), node: ts.labels[n], variable: ts.variables[v] });
    const name = ts.variables[v];
    return {
      width: opts.width ?? 560,
      height: opts.height ?? (vs.length > 1 ? 160 : 260),
      data: { values },
      mark: { type: 'line', clip: true },
      params: [{ name: `zoom_${v}`, select: 'interval', bind: 'scales' }],
      encoding: {
        x: { field: 't', type: 'quantitative', title: timeTitle(ts), scale: { nice: false, zero: false } },
        y: { field: 'value', type: 'quantitative', title: valueTitle(ts, name), scale: { zero: false } },
        color: { field: 'node', type: 'nominal', title: 'node', sort: ns.map((n) => ts.labels[n]) },
        tooltip: [{ field: 'node' }, { field: 't', title: timeTitle(ts) }, { field: 'value', title: name }],
      },
    };
  });
  const title = opts.title ?? `Time series${ts.title ? ` — ${ts.title}` : ''}`;
  if (panels.length === 1) return { title, ...panels[0] } as unknown as PlotSpec;
  return { title, vconcat: panels, resolve: { scale: { color: 'shared' } } } as unknown as PlotSpec;
}

export interface ChannelsPlotOptions {
  variable?: string | number;
  nodes?: (number | string)[];
  /** Scale each channel to zero mean, unit SD before stacking (default false). */
  zscore?: boolean;
  maxPoints?: number;
  title?: string;
  width?: number;
  /** Pixels per channel (default 28). */
  rowHeight?: number;
}

/**
 * Stacked channels as on an EEG viewer: one trace per node, offset vertically, labelled on the y
 * axis, first channel on top. All channels share one amplitude scale (so sizes compare) chosen so
 * that the largest peak-to-peak fills 90 % of a row. Rows are {t, value, y, channel}: `value` is
 * the (optionally z-scored) sample, `y` the drawn position = channel slot + value × scale.
 */
export function plotChannels(ts: TimeSeriesData, opts: ChannelsPlotOptions = {}): PlotSpec {
  const { T } = tsShape(ts);
  const v = variableIndex(ts, opts.variable);
  const ns = nodeIndices(ts, opts.nodes, 64);
  const stride = timeStride(T, opts.maxPoints ?? 2000);
  const traces = ns.map((n) => {
    const x = new Float64Array(T);
    for (let t = 0; t < T; t++) x[t] = at(ts, t, v, n);
    let mean = 0;
    for (const a of x) mean += a;
    mean /= T || 1;
    let sd = 0;
    for (const a of x) sd += (a - mean) ** 2;
    sd = Math.sqrt(sd / Math.max(1, T - 1));
    // z-score, or centre only: stacking needs each trace around its own baseline
    for (let t = 0; t < T; t++) x[t] = opts.zscore ? (sd > 0 ? (x[t] - mean) / sd : 0) : x[t] - mean;
    return x;
  });
  let ptp = 0;
  for (const x of traces) { let lo = Infinity, hi = -Infinity; for (const a of x) { lo = Math.min(lo, a); hi = Math.max(hi, a); } ptp = Math.max(ptp, hi - lo); }
  const scale = ptp > 0 ? 0.9 / ptp : 1;
  const K = ns.length;
  const values: Row[] = [];
  ns.forEach((n, k) => {
    const slot = K - 1 - k;
    for (let t = 0; t < T; t += stride) values.push({ t: ts.time[t], value: traces[k][t], y: slot + traces[k][t] * scale, channel: ts.labels[n] });
  });
  const slotLabels = ns.map((n) => ts.labels[n]).reverse();
  const name = ts.variables[v];
  const what = opts.zscore ? `${name} (z-scored)` : valueTitle(ts, name);
  return {
    title: opts.title ?? `Channels — ${what}${ts.title ? ` — ${ts.title}` : ''}`,
    width: opts.width ?? 640,
    height: Math.max(120, K * (opts.rowHeight ?? 28)),
    data: { values },
    mark: { type: 'line', strokeWidth: 0.9, clip: true },
    params: [{ name: 'zoom', select: { type: 'interval', encodings: ['x'] }, bind: 'scales' }],
    encoding: {
      x: { field: 't', type: 'quantitative', title: timeTitle(ts), scale: { nice: false, zero: false } },
      y: {
        field: 'y', type: 'quantitative', title: `channel (${opts.zscore ? 'z-scored' : `centred, 1 row = ${fmt(1 / scale)} ${unitOf(ts, name)}`})`,
        scale: { domain: [-0.6, K - 0.4], nice: false, zero: false },
        axis: { values: [...Array(K).keys()], labelExpr: `${JSON.stringify(slotLabels)}[datum.value]`, grid: false },
      },
      detail: { field: 'channel', type: 'nominal' },
      color: { value: '#0072B2' },
      tooltip: [{ field: 'channel' }, { field: 't', title: timeTitle(ts) }, { field: 'value', title: what }],
    },
  } as unknown as PlotSpec;
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

export interface PhasePlotOptions {
  /** Variable on x (default: first) and y (default: second). */
  x?: string | number;
  y?: string | number;
  nodes?: (number | string)[];
  maxPoints?: number;
  title?: string;
}

/**
 * State-space trajectory: y-variable against x-variable, drawn in time order, one line per node,
 * with the start of each trajectory marked.
 */
export function plotPhaseTrajectory(ts: TimeSeriesData, opts: PhasePlotOptions = {}): PlotSpec {
  const { T } = tsShape(ts);
  if (ts.variables.length < 2 && (opts.x === undefined || opts.y === undefined)) {
    throw new Error(`phase trajectory: needs two variables; this series has only ${ts.variables.join(', ')} (record more variables of interest, e.g. the Raw monitor of all state variables)`);
  }
  const vx = variableIndex(ts, opts.x ?? 0), vy = variableIndex(ts, opts.y ?? 1);
  const ns = nodeIndices(ts, opts.nodes, 4);
  const stride = timeStride(T, opts.maxPoints ?? 2000);
  const values: Row[] = [];
  for (const n of ns) for (let t = 0, k = 0; t < T; t += stride, k++) values.push({ order: k, t: ts.time[t], x: at(ts, t, vx, n), y: at(ts, t, vy, n), node: ts.labels[n] });
  const xn = ts.variables[vx], yn = ts.variables[vy];
  const xT = valueTitle(ts, xn), yT = valueTitle(ts, yn);
  return {
    title: opts.title ?? `Phase trajectory ${yn} vs ${xn}${ts.title ? ` — ${ts.title}` : ''}`,
    width: 380, height: 340,
    data: { values },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: xT, scale: { zero: false } },
          y: { field: 'y', type: 'quantitative', title: yT, scale: { zero: false } },
          order: { field: 'order', type: 'quantitative' },
          color: { field: 'node', type: 'nominal', title: 'node' },
        },
      },
      {
        transform: [{ filter: 'datum.order === 0' }],
        mark: { type: 'point', shape: 'circle', size: 50, filled: true },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, color: { field: 'node', type: 'nominal' }, tooltip: [{ field: 'node' }, { field: 't', title: 'start' }] },
      },
    ],
  } as unknown as PlotSpec;
}

export interface HeatmapPlotOptions {
  variable?: string | number;
  /** At most this many time columns (strided; default 400, fewer for big networks so cells stay ≤ ~80 000). */
  maxTimes?: number;
  /** Diverging colours centred on 0 (for signed, centred data); default: sequential. */
  diverging?: boolean;
  title?: string;
  width?: number;
}

/**
 * All nodes over time as a raster: one row per node (in connectivity order), colour = value.
 * Rows are {t, t2, value, node} with [t, t2) the time cell.
 */
export function plotHeatmap(ts: TimeSeriesData, opts: HeatmapPlotOptions = {}): PlotSpec {
  const { T, N } = tsShape(ts);
  const v = variableIndex(ts, opts.variable);
  const stride = timeStride(T, opts.maxTimes ?? Math.max(20, Math.min(400, Math.floor(80000 / N))));
  const dt = T > 1 ? ts.time[1] - ts.time[0] : 1;
  const values: Row[] = [];
  for (let t = 0; t < T; t += stride) {
    const t2 = t + stride < T ? ts.time[t + stride] : ts.time[T - 1] + dt;
    for (let n = 0; n < N; n++) values.push({ t: ts.time[t], t2, value: at(ts, t, v, n), node: ts.labels[n] });
  }
  const name = ts.variables[v];
  return seamlessCells({
    title: opts.title ?? `Activity of all nodes — ${name}${ts.title ? ` — ${ts.title}` : ''}`,
    width: opts.width ?? 600,
    height: Math.min(600, Math.max(120, N * (N > 40 ? 5 : 13))),
    data: { values },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 't', type: 'quantitative', title: timeTitle(ts), scale: { nice: false, zero: false }, axis: { grid: false } },
      x2: { field: 't2' },
      y: { field: 'node', type: 'ordinal', title: 'node', sort: ts.labels, scale: { paddingInner: 0 }, axis: N > 40 ? { labels: false, ticks: false, grid: false } : { grid: false } },
      color: {
        field: 'value', type: 'quantitative', title: valueTitle(ts, name),
        scale: opts.diverging ? { scheme: DIVERGING_SCHEME, domainMid: 0 } : { scheme: SEQUENTIAL_SCHEME },
      },
      tooltip: [{ field: 'node' }, { field: 't', title: timeTitle(ts) }, { field: 'value', title: name }],
    },
  }) as unknown as PlotSpec;
}
