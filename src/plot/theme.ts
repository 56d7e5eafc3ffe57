/**
 * One look for every vbt figure. Palettes are colour-blind safe: Okabe–Ito for categories (the
 * set designed to stay distinct under the common colour-vision deficiencies), viridis for
 * sequential scales (perceptually uniform, readable in grey), blue–orange for diverging ones.
 */
import type { Config } from 'vega-lite';

/** Okabe & Ito (2008) qualitative palette, black moved last so that series 1 is not black. */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'] as const;

/** Sequential scheme for magnitudes (weights, power, activity). */
export const SEQUENTIAL_SCHEME = 'viridis';
/** Diverging scheme for signed quantities centred on 0 (correlations, z-scores). */
export const DIVERGING_SCHEME = 'blueorange';

/** Hemisphere colours (left, right) taken from the palette so they match every other figure. */
export const HEMISPHERE_COLOURS = { left: OKABE_ITO[0], right: OKABE_ITO[1], unknown: '#999999' } as const;

export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

export const THEME: Config = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#bbbbbb', continuousWidth: 420, continuousHeight: 260 },
  title: { fontSize: 14, fontWeight: 'bold', anchor: 'start', offset: 8 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', grid: true, gridColor: '#e8e8e8', tickColor: '#888888', domainColor: '#888888' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' },
  header: { labelFontSize: 12, titleFontSize: 12 },
  range: {
    category: [...OKABE_ITO],
    ordinal: { scheme: SEQUENTIAL_SCHEME },
    heatmap: { scheme: SEQUENTIAL_SCHEME },
    ramp: { scheme: SEQUENTIAL_SCHEME },
    diverging: { scheme: DIVERGING_SCHEME },
  },
  line: { strokeWidth: 1.2 },
  point: { filled: true, size: 30 },
  rect: { tooltip: true },
};

/**
 * Heatmap cells drawn with a thin outline in their own colour: rasterisers anti-alias each cell
 * edge separately, which leaves light seams between cells at fractional pixel positions.
 *
 * The outline reads a copy of the colour field: Vega-Lite merges the legends of channels on one
 * field, and the merge with a legend-less stroke dropped the colour bar (or made it a symbol list).
 */
export function seamlessCells<T extends { mark?: unknown; encoding?: Record<string, unknown>; transform?: unknown[] }>(part: T): T {
  const color = part.encoding?.color as Record<string, unknown> | undefined;
  if (!color || typeof color.field !== 'string') return part;
  const copy = '__cell_stroke';
  return {
    ...part,
    transform: [...(part.transform ?? []), { calculate: `datum[${JSON.stringify(color.field.replace(/\\(.)/g, '$1'))}]`, as: copy }],
    mark: { type: 'rect', strokeWidth: 0.6 },
    encoding: { ...part.encoding, color: { legend: { type: 'gradient' }, ...color }, stroke: { ...color, field: copy, title: null, legend: null } },
  };
}
