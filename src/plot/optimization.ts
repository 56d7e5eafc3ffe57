/**
 * Optimisation figures: the loss over steps, parameter trajectories, and regional (per-node)
 * parameters as a bar plot in brain order.
 */
import type { PlotSpec } from './render.js';
import { concatSpecs } from './render.js';
import { HEMISPHERE_COLOURS, OKABE_ITO } from './theme.js';
import { withUnit } from './data.js';

export interface OptimizationData {
  /** Loss per step. */
  loss: ArrayLike<number>;
  /** Tracked scalar parameters per step (same length as loss, or any length ≥ 1). */
  parameters?: Record<string, ArrayLike<number>>;
  lossName?: string;
  title?: string;
}

/**
 * Loss against step (log axis by default when every value is positive), best step marked.
 * Rows are {step, loss}.
 *
 * @example
 * ```ts
 * import { plotLoss } from 'vbt';
 * plotLoss({ loss: [1, 0.5, 0.2, 0.15] });
 * ```
 */
export function plotLoss(o: OptimizationData, opts: { log?: boolean; title?: string } = {}): PlotSpec {
  if (o.loss.length === 0) throw new Error('plotLoss: the loss history is empty');
  const values = Array.from(o.loss, (loss, step) => ({ step, loss }));
  const positive = values.every((v) => v.loss > 0);
  const log = opts.log ?? positive;
  if (log && !positive) throw new Error('plotLoss: log axis requested but some losses are ≤ 0');
  let best = 0;
  values.forEach((v, k) => { if (v.loss < values[best].loss) best = k; });
  const name = o.lossName ?? 'loss';
  return {
    title: opts.title ?? `${o.title ? `${o.title}: ` : ''}${name[0].toUpperCase()}${name.slice(1)} over ${values.length} steps (best ${Number(values[best].loss.toPrecision(4))} at step ${best})`,
    width: 460, height: 260,
    layer: [
      { data: { values }, mark: { type: 'line', color: OKABE_ITO[0], point: values.length <= 60 ? { color: OKABE_ITO[0] } : false }, encoding: { x: { field: 'step', type: 'quantitative', title: 'step', axis: { tickMinStep: 1, format: 'd' } }, y: { field: 'loss', type: 'quantitative', title: name, scale: log ? { type: 'log' } : { zero: false } }, tooltip: [{ field: 'step' }, { field: 'loss', format: '.4g' }] } },
      { data: { values: [values[best]] }, mark: { type: 'point', shape: 'circle', size: 160, strokeWidth: 2.5, filled: false, color: OKABE_ITO[5] }, encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative' } } },
    ],
  } as unknown as PlotSpec;
}

/** Each tracked parameter against step, one small panel per parameter (own y scale). Rows {step, value, parameter}. */
export function plotParameterTrajectories(o: OptimizationData, opts: { units?: Record<string, string>; title?: string } = {}): PlotSpec {
  const params = Object.entries(o.parameters ?? {});
  if (!params.length) throw new Error('plotParameterTrajectories: no parameter histories; expected parameters: { name: [value per step] }');
  const panels = params.map(([name, h], k) => ({
    title: name,
    width: 220, height: 140,
    data: { values: Array.from(h, (value, step) => ({ step, value, parameter: name })) },
    mark: { type: 'line', color: OKABE_ITO[k % OKABE_ITO.length], point: h.length <= 60 ? { color: OKABE_ITO[k % OKABE_ITO.length] } : false },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: withUnit(name, opts.units?.[name]), scale: { zero: false } },
      tooltip: [{ field: 'step' }, { field: 'value', format: '.4g' }],
    },
  }));
  const rows: PlotSpec[] = [];
  for (let k = 0; k < panels.length; k += 3) rows.push(concatSpecs(panels.slice(k, k + 3) as unknown as PlotSpec[], 'horizontal'));
  const title = opts.title ?? `Parameter trajectories${o.title ? ` — ${o.title}` : ''}`;
  return rows.length === 1 ? { ...(rows[0] as object), title } as unknown as PlotSpec : concatSpecs(rows, 'vertical', title);
}

export interface RegionalData {
  labels: string[];
  values: ArrayLike<number>;
  name: string;
  unit?: string;
  /** true = right; colours bars by hemisphere when given. */
  hemispheres?: readonly boolean[];
  title?: string;
}

/** One bar per region in the given (brain) order, coloured by hemisphere. Rows {region, value, hemisphere, order}. */
export function plotRegionalParameters(r: RegionalData, opts: { title?: string } = {}): PlotSpec {
  if (r.labels.length !== r.values.length) throw new Error(`plotRegionalParameters: ${r.labels.length} labels and ${r.values.length} values; expected one value per region`);
  if (r.hemispheres && r.hemispheres.length && r.hemispheres.length !== r.labels.length) throw new Error(`plotRegionalParameters: ${r.hemispheres.length} hemisphere flags for ${r.labels.length} regions`);
  const hemi = (k: number) => (r.hemispheres && r.hemispheres.length ? (r.hemispheres[k] ? 'right' : 'left') : 'unknown');
  const values = r.labels.map((region, k) => ({ region, value: r.values[k], hemisphere: hemi(k), order: k }));
  const hemis = ['left', 'right', 'unknown'].filter((h) => values.some((v) => v.hemisphere === h));
  return {
    title: opts.title ?? r.title ?? `Regional ${r.name}`,
    width: Math.min(900, Math.max(300, r.labels.length * 10)), height: 220,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'region', type: 'ordinal', title: 'region (connectivity order)', sort: r.labels, axis: r.labels.length > 40 ? { labelFontSize: 6, labelAngle: -90 } : { labelAngle: -90 } },
      y: { field: 'value', type: 'quantitative', title: withUnit(r.name, r.unit) },
      color: { field: 'hemisphere', type: 'nominal', title: 'hemisphere', scale: { domain: hemis, range: hemis.map((h) => HEMISPHERE_COLOURS[h as keyof typeof HEMISPHERE_COLOURS]) } },
      tooltip: [{ field: 'region' }, { field: 'value', title: r.name, format: '.4g' }],
    },
  } as unknown as PlotSpec;
}
