/**
 * Tuning-algorithm figures (FIC, EIB, ...): convergence of the tuned quantities per iteration and
 * per-region before/after comparisons against the target.
 */
import type { PlotSpec } from './render.js';
import { concatSpecs } from './render.js';
import { OKABE_ITO } from './theme.js';
import { withUnit } from './data.js';

export interface ConvergenceData {
  /** Per-iteration values of each tracked quantity. */
  history: Record<string, ArrayLike<number>>;
  /** Target value per quantity (drawn as a dashed line). */
  targets?: Record<string, number>;
  units?: Record<string, string>;
  title?: string;
}

/**
 * One panel per tracked quantity against iteration, with its target as a dashed rule.
 * Rows {iteration, value}.
 *
 * @example
 * ```ts
 * import { plotConvergence } from 'vbt';
 * plotConvergence({ history: { mean_rate: [8, 5, 3.4, 3.1] }, targets: { mean_rate: 3 }, units: { mean_rate: 'Hz' } });
 * ```
 */
export function plotConvergence(c: ConvergenceData, opts: { title?: string } = {}): PlotSpec {
  const entries = Object.entries(c.history).filter(([, h]) => h.length > 0);
  if (!entries.length) throw new Error('plotConvergence: no history; expected history: { quantity: [value per iteration] }');
  const panels = entries.map(([name, h], k) => {
    const layer: unknown[] = [{
      data: { values: Array.from(h, (value, iteration) => ({ iteration, value })) },
      mark: { type: 'line', color: OKABE_ITO[k % OKABE_ITO.length], point: h.length <= 60 ? { color: OKABE_ITO[k % OKABE_ITO.length] } : false },
      encoding: {
        x: { field: 'iteration', type: 'quantitative', title: 'iteration', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: withUnit(name, c.units?.[name]), scale: { zero: false } },
        tooltip: [{ field: 'iteration' }, { field: 'value', format: '.4g' }],
      },
    }];
    const target = c.targets?.[name];
    if (target !== undefined) layer.push({ data: { values: [{ target }] }, mark: { type: 'rule', strokeDash: [5, 4], color: '#444444' }, encoding: { y: { field: 'target', type: 'quantitative' } } });
    return { title: target !== undefined ? `${name} (target ${target})` : name, width: 260, height: 170, layer };
  });
  const rows: PlotSpec[] = [];
  for (let k = 0; k < panels.length; k += 3) rows.push(concatSpecs(panels.slice(k, k + 3) as unknown as PlotSpec[], 'horizontal'));
  const title = opts.title ?? c.title ?? 'Convergence';
  return rows.length === 1 ? { ...(rows[0] as object), title } as unknown as PlotSpec : concatSpecs(rows, 'vertical', title);
}

export interface BeforeAfterData {
  labels: string[];
  before: ArrayLike<number>;
  after: ArrayLike<number>;
  quantity: string;
  unit?: string;
  target?: number;
  title?: string;
}

/**
 * Per-region values before and after tuning: a dumbbell per region (grey rule from before to
 * after, one coloured dot each) and the target as a dashed line. Rows {region, stage, value}.
 */
export function plotBeforeAfter(d: BeforeAfterData, opts: { title?: string } = {}): PlotSpec {
  const n = d.labels.length;
  if (d.before.length !== n || d.after.length !== n) throw new Error(`plotBeforeAfter: ${n} labels, ${d.before.length} before and ${d.after.length} after values; expected one of each per region`);
  const points = d.labels.flatMap((region, k) => [{ region, stage: 'before', value: d.before[k] }, { region, stage: 'after', value: d.after[k] }]);
  const spans = d.labels.map((region, k) => ({ region, before: d.before[k], after: d.after[k] }));
  const x = { field: 'region', type: 'ordinal', title: 'region (connectivity order)', sort: d.labels, axis: n > 40 ? { labelFontSize: 6, labelAngle: -90 } : { labelAngle: -90 } };
  const yTitle = withUnit(d.quantity, d.unit);
  const layer: unknown[] = [
    { data: { values: spans }, mark: { type: 'rule', color: '#aaaaaa' }, encoding: { x, y: { field: 'before', type: 'quantitative', title: yTitle }, y2: { field: 'after' } } },
    {
      data: { values: points },
      mark: { type: 'point', filled: true, size: 40 },
      encoding: {
        x, y: { field: 'value', type: 'quantitative', title: yTitle },
        color: { field: 'stage', type: 'nominal', title: 'stage', sort: ['before', 'after'], scale: { domain: ['before', 'after'], range: [OKABE_ITO[1], OKABE_ITO[0]] } },
        tooltip: [{ field: 'region' }, { field: 'stage' }, { field: 'value', format: '.4g' }],
      },
    },
  ];
  if (d.target !== undefined) layer.push({ data: { values: [{ target: d.target }] }, mark: { type: 'rule', strokeDash: [5, 4], color: '#444444' }, encoding: { y: { field: 'target', type: 'quantitative' } } });
  return {
    title: opts.title ?? d.title ?? `${d.quantity} before and after tuning${d.target !== undefined ? ` (target ${d.target})` : ''}`,
    width: Math.min(900, Math.max(300, n * 12)), height: 240,
    layer,
  } as unknown as PlotSpec;
}
