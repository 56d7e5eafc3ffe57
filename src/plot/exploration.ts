/**
 * Parameter-exploration figures: an observable along one parameter (line) or over two (heatmap),
 * with the optimum marked, and grids of time series (one small panel per grid point).
 */
import type { PlotSpec } from './render.js';
import { OKABE_ITO, SEQUENTIAL_SCHEME, seamlessCells } from './theme.js';
import { withUnit, fieldRef } from './data.js';

export interface ExplorationAxisData {
  name: string;
  values: ArrayLike<number>;
  unit?: string;
}

/** An observable on a parameter grid; results flat in C order over the axes (last axis fastest). */
export interface ExplorationData {
  observable: string;
  unit?: string;
  axes: ExplorationAxisData[];
  results: ArrayLike<number>;
  /** Which end is best (default 'min', as for losses). */
  optimum?: 'min' | 'max';
  title?: string;
}

function checkExploration(e: ExplorationData): number[] {
  const shape = e.axes.map((a) => a.values.length);
  const total = shape.reduce((a, b) => a * b, 1);
  if (e.results.length !== total) throw new Error(`exploration '${e.observable}': ${e.results.length} results for a grid of shape [${shape.join(', ')}] (${total} points)`);
  return shape;
}

/** Flat index of the best finite result, or -1. */
export function optimumIndex(results: ArrayLike<number>, which: 'min' | 'max' = 'min'): number {
  let best = -1;
  for (let k = 0; k < results.length; k++) {
    const v = results[k];
    if (!Number.isFinite(v)) continue;
    if (best < 0 || (which === 'min' ? v < results[best] : v > results[best])) best = k;
  }
  return best;
}

/**
 * One axis: the observable as a line with points; two axes: a heatmap (first axis on x, second on
 * y). The optimum is marked (a red-orange ring and a label with its coordinates). More axes: slice
 * first (ExplorationResult.slice), the error says so.
 *
 * @example
 * ```ts
 * import { plotExploration } from 'vbt';
 * plotExploration({ observable: 'fc_fit', axes: [{ name: 'G', values: [0.1, 0.2, 0.3] }], results: [0.2, 0.5, 0.4], optimum: 'max' });
 * ```
 */
export function plotExploration(e: ExplorationData, opts: { title?: string } = {}): PlotSpec {
  const shape = checkExploration(e);
  const which = e.optimum ?? 'min';
  const best = optimumIndex(e.results, which);
  const yTitle = withUnit(e.observable, e.unit);
  const title = opts.title ?? e.title ?? `Exploration of ${e.observable} over ${e.axes.map((a) => a.name).join(' × ')}`;
  if (shape.length === 1) {
    const a = e.axes[0];
    const values = Array.from(a.values, (x, k) => ({ [a.name]: x, value: e.results[k] }));
    const opt = best >= 0 ? [{ [a.name]: a.values[best], value: e.results[best], label: `${which} ${fmt(e.results[best])} at ${a.name} = ${fmt(a.values[best])}` }] : [];
    const f = fieldRef(a.name);
    const x = { field: f, type: 'quantitative', title: withUnit(a.name, a.unit), scale: { zero: false } };
    return {
      title, width: 460, height: 260,
      layer: [
        { data: { values }, mark: { type: 'line', point: { color: OKABE_ITO[0] }, color: OKABE_ITO[0] }, encoding: { x, y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } }, tooltip: [{ field: f, title: a.name }, { field: 'value', title: e.observable }] } },
        { data: { values: opt }, mark: { type: 'point', shape: 'circle', size: 220, strokeWidth: 2.5, color: OKABE_ITO[5], filled: false }, encoding: { x: { field: f, type: 'quantitative' }, y: { field: 'value', type: 'quantitative' } } },
        { data: { values: opt }, mark: { type: 'text', dy: -16, color: OKABE_ITO[5], fontWeight: 'bold' }, encoding: { x: { field: f, type: 'quantitative' }, y: { field: 'value', type: 'quantitative' }, text: { field: 'label' } } },
      ],
    } as unknown as PlotSpec;
  }
  if (shape.length === 2) {
    const [ax, ay] = e.axes;
    const ny = shape[1];
    const values: Record<string, number>[] = [];
    for (let i = 0; i < shape[0]; i++) for (let j = 0; j < ny; j++) values.push({ [ax.name]: ax.values[i], [ay.name]: ay.values[j], value: e.results[i * ny + j] });
    const opt = best >= 0 ? [{ [ax.name]: ax.values[Math.floor(best / ny)], [ay.name]: ay.values[best % ny], value: e.results[best], label: `${which} ${fmt(e.results[best])}` }] : [];
    const xs = Array.from(ax.values);
    const fx = fieldRef(ax.name);
    const fy = fieldRef(ay.name);
    const xEnc = { field: fx, type: 'ordinal', title: withUnit(ax.name, ax.unit), sort: xs, axis: { labelOverlap: true, grid: false, format: '.3~g' } };
    const yEnc = { field: fy, type: 'ordinal', title: withUnit(ay.name, ay.unit), sort: { field: fy, order: 'descending' }, axis: { labelOverlap: true, grid: false, format: '.3~g' } };
    return {
      title, width: Math.min(520, Math.max(200, shape[0] * 22)), height: Math.min(420, Math.max(160, shape[1] * 22)),
      layer: [
        seamlessCells({ data: { values }, mark: 'rect', encoding: { x: xEnc, y: yEnc, color: { field: 'value', type: 'quantitative', title: yTitle, scale: { scheme: SEQUENTIAL_SCHEME } }, tooltip: [{ field: fx, title: ax.name }, { field: fy, title: ay.name }, { field: 'value', title: e.observable, format: '.4g' }] } }),
        { data: { values: opt }, mark: { type: 'point', shape: 'circle', size: 260, strokeWidth: 3, color: OKABE_ITO[5], filled: false }, encoding: { x: { field: fx, type: 'ordinal', sort: xs }, y: { field: fy, type: 'ordinal', sort: { field: fy, order: 'descending' } }, tooltip: [{ field: 'label' }] } },
      ],
    } as unknown as PlotSpec;
  }
  throw new Error(`plotExploration: ${shape.length} axes (${e.axes.map((a) => a.name).join(', ')}); a figure shows 1 or 2 — fix the others first, e.g. result.slice({ ${e.axes[2].name}: ${e.axes[2].values[0]} })`);
}

function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

export interface SeriesPanel {
  /** Panel label, e.g. "G = 0.3". */
  label: string;
  time: ArrayLike<number>;
  values: ArrayLike<number>;
}

/**
 * Small multiples: one time series per exploration point, in a grid of `columns` panels sharing
 * axes. Rows are {panel, t, value}.
 */
export function plotTimeSeriesGrid(panels: SeriesPanel[], opts: { columns?: number; timeUnit?: string; variable?: string; unit?: string; title?: string; maxPoints?: number } = {}): PlotSpec {
  if (!panels.length) throw new Error('plotTimeSeriesGrid: no panels; expected at least one {label, time, values}');
  const values: { panel: string; t: number; value: number }[] = [];
  for (const p of panels) {
    if (p.time.length !== p.values.length) throw new Error(`plotTimeSeriesGrid: panel '${p.label}' has ${p.time.length} times and ${p.values.length} values`);
    const stride = Math.max(1, Math.ceil(p.time.length / (opts.maxPoints ?? 1000)));
    for (let k = 0; k < p.time.length; k += stride) values.push({ panel: p.label, t: p.time[k], value: p.values[k] });
  }
  return {
    title: opts.title ?? 'Time series per exploration point',
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels.map((p) => p.label) },
    columns: opts.columns ?? Math.min(4, panels.length),
    spec: {
      width: 180, height: 100,
      mark: { type: 'line', strokeWidth: 1, color: OKABE_ITO[0] },
      encoding: {
        x: { field: 't', type: 'quantitative', title: withUnit('time', opts.timeUnit ?? 'ms'), scale: { nice: false, zero: false } },
        y: { field: 'value', type: 'quantitative', title: withUnit(opts.variable ?? 'value', opts.unit), scale: { zero: false } },
      },
    },
  } as unknown as PlotSpec;
}
