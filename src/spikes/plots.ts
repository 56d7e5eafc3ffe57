/**
 * Spike figures as Vega-Lite specs (render with src/plot: toSvg, toPng, toHtml, savePlot): raster,
 * firing-rate histogram (PSTH), inter-spike-interval histogram, per-population mean rates.
 */
import type { PlotSpec } from '../plot/render.js';
import type { FilteredSpikeReport } from './report.js';
import { firingRateHistogram, isiHistogram, type FiringRateOptions, type IsiOptions, type PopulationRate } from './analysis.js';

export interface RasterData {
  /** Spike times, ms. */
  t: Float64Array;
  /** y value of each spike: node id + population offset, or the node property. */
  y: (number | string)[];
  /** Population of each spike. */
  population: string[];
  /** y positions between populations (node-id axis only). */
  separators: number[];
  /** y axis title. */
  yTitle: string;
  categorical: boolean;
}

/**
 * Raster coordinates (every `stride`-th spike). With no `yAxis` each population's ids are offset by the sizes of the
 * populations before it (node-table size, or largest spiking id + 1); with a property, y is that
 * property of each spiking node (populations lacking it are left out), as bluepysnap does.
 */
export function rasterData(f: FilteredSpikeReport, yAxis?: string, stride = 1): RasterData {
  if (!(Number.isInteger(stride) && stride >= 1)) throw new Error(`raster: stride must be a positive integer, got ${stride}`);
  const table = f.report;
  const r = f.spikeReport;
  const t: number[] = [];
  const y: (number | string)[] = [];
  const population: string[] = [];
  const separators: number[] = [];
  let offset = 0;
  let categorical = false;
  const offsets = new Map<string, number>();
  for (const name of r.populationNames) {
    const p = r.population(name);
    offsets.set(name, offset);
    if (!yAxis) {
      const ids = p.nodeIds;
      offset += p.nodes ? p.nodes.size : ids.length ? ids[ids.length - 1] + 1 : 0;
      separators.push(offset);
    }
  }
  if (yAxis) {
    const tables = r.populationNames.map((n) => r.population(n).nodes);
    if (tables.every((x) => !x?.has(yAxis))) throw new Error(`raster: no population has the node property '${yAxis}'${tables.every((x) => !x) ? ' (no node properties are known; open the report with { nodes })' : ''}`);
    categorical = tables.some((x) => x?.has(yAxis) && ['string', 'bool'].includes(x.column(yAxis).kind));
  }
  for (let i = 0; i < table.timestamps.length; i += stride) {
    const name = table.populations[table.population[i]];
    const id = table.nodeIds[i];
    if (!yAxis) {
      y.push(id + offsets.get(name)!);
    } else {
      const nodes = r.population(name).nodes;
      if (!nodes || !nodes.has(yAxis)) continue;
      if (id >= nodes.size) throw new Error(`raster: population '${name}' has a spike of node ${id}, but its node table has ${nodes.size} nodes`);
      const v = (nodes.column(yAxis).values as ArrayLike<number | string | boolean>)[id];
      y.push(typeof v === 'boolean' ? String(v) : v);
    }
    t.push(table.timestamps[i]);
    population.push(name);
  }
  return { t: Float64Array.from(t), y, population, separators: separators.length > 1 ? separators : [], yTitle: yAxis ?? 'node id', categorical };
}

export interface RasterOptions {
  /** Node property on the y axis (default node id). */
  yAxis?: string;
  /** Draw at most this many spikes (every k-th one beyond it, noted in the title). Default 200 000. */
  maxPoints?: number;
  title?: string;
  width?: number;
  height?: number;
}

const TIME_TITLE = 'time (ms)';

/**
 * Spike raster: one tick per spike, coloured by population when there are several.
 *
 * @example
 * ```ts
 * import { SpikeReport, NodeTable } from 'vbt';
 * import { rasterSpec, savePlot } from 'vbt';
 * const report = SpikeReport.fromSpikes({ cortex: { timestamps: [0.5, 1, 2.5, 3, 7.25, 120], nodeIds: [0, 2, 1, 0, 5, 3] } },
 *   { nodes: { cortex: new NodeTable({ layer: [2, 3, 5, 5, 6, 6] }) } });
 * await savePlot(rasterSpec(report.filter({ tStart: 0, tStop: 500 })), 'out/raster.png');
 * ```
 */
export function rasterSpec(f: FilteredSpikeReport, o: RasterOptions = {}): PlotSpec {
  const max = o.maxPoints ?? 200_000;
  if (!(max >= 1)) throw new Error(`raster: maxPoints must be ≥ 1, got ${max}`);
  const total = f.length;
  const stride = Math.max(1, Math.ceil(total / max));
  const d = rasterData(f, o.yAxis, stride); // thinned before any per-spike object is made
  const values = Array.from(d.t, (t, i) => ({ t, y: d.y[i], population: d.population[i] }));
  const several = f.spikeReport.populationNames.length > 1;
  const r = f.spikeReport;
  const xDomain = [f.tStart ?? r.timeStart, f.tStop ?? r.timeStop];
  const title = (o.title ?? 'Spike raster') + (stride > 1 ? ` (1 in ${stride} of ${total} spikes shown)` : '');
  const points = {
    data: { values },
    mark: { type: 'point', shape: 'M0,-1V1', filled: false, strokeWidth: 1, size: 12 },
    encoding: {
      x: { field: 't', type: 'quantitative', title: TIME_TITLE, scale: { domain: xDomain } },
      y: { field: 'y', type: d.categorical ? 'nominal' : 'quantitative', title: d.yTitle, ...(d.categorical ? { sort: 'ascending' } : { scale: { zero: false } }) },
      ...(several ? { color: { field: 'population', type: 'nominal', title: 'population' } } : { color: { value: '#000000' } }),
      tooltip: [{ field: 't', type: 'quantitative', title: 'time (ms)' }, { field: 'y', title: d.yTitle }, { field: 'population' }],
    },
  };
  const layers: unknown[] = [points];
  if (d.separators.length) {
    layers.push({ data: { values: d.separators.slice(0, -1).map((s) => ({ s })) }, mark: { type: 'rule', color: '#444444', strokeWidth: 1.5 }, encoding: { y: { field: 's', type: 'quantitative' } } });
  }
  return { title, width: o.width ?? 600, height: o.height ?? 300, layer: layers } as unknown as PlotSpec;
}

/** Population firing-rate histogram (PSTH, Hz per node) as a step-like bar chart. */
export function firingRateSpec(f: FilteredSpikeReport, o: FiringRateOptions & { title?: string } = {}): PlotSpec {
  const h = firingRateHistogram(f.report, o);
  const values = Array.from(h.rates, (rate, k) => ({ start: h.edges[k], end: h.edges[k + 1], rate, count: h.counts[k] }));
  return {
    title: o.title ?? `Firing rate (${h.nodeCount} nodes, ${fmt(h.binSize)} ms bins)`,
    width: 600,
    height: 260,
    data: { values },
    mark: { type: 'rect', color: '#0072B2', opacity: 0.85 },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: TIME_TITLE, scale: { domain: [h.edges[0], h.edges[h.edges.length - 1]] } },
      x2: { field: 'end' },
      y: { field: 'rate', type: 'quantitative', title: 'PSTH (Hz)' },
      tooltip: [{ field: 'start', title: 'from (ms)' }, { field: 'end', title: 'to (ms)' }, { field: 'count', title: 'spikes' }, { field: 'rate', title: 'rate (Hz)', format: '.3g' }],
    },
  } as unknown as PlotSpec;
}

/** Inter-spike-interval histogram (density by default), in ms or, with `frequency`, in Hz. */
export function isiSpec(f: FilteredSpikeReport, o: IsiOptions & { title?: string } = {}): PlotSpec {
  const h = isiHistogram(f.report, o);
  const values = Array.from(h.heights, (height, k) => ({ start: h.edges[k], end: h.edges[k + 1], height, count: h.counts[k] }));
  return {
    title: o.title ?? `Inter-spike intervals (${h.values.length} intervals)`,
    width: 500,
    height: 260,
    data: { values },
    mark: { type: 'rect', color: '#009E73', stroke: '#000000', strokeWidth: 0.5 },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: o.frequency ? 'frequency (Hz)' : 'inter-spike interval (ms)' },
      x2: { field: 'end' },
      y: { field: 'height', type: 'quantitative', title: o.density === false ? 'count' : 'density' },
      tooltip: [{ field: 'start' }, { field: 'end' }, { field: 'count' }],
    },
  } as unknown as PlotSpec;
}

/** Mean rate per population as bars. */
export function populationRatesSpec(rates: PopulationRate[], title = 'Mean firing rate per population'): PlotSpec {
  return {
    title,
    width: Math.max(200, 60 * rates.length),
    height: 240,
    data: { values: rates },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'population', type: 'nominal', title: 'population', sort: null },
      y: { field: 'rate', type: 'quantitative', title: 'rate (Hz)' },
      color: { field: 'population', type: 'nominal', legend: null },
      tooltip: [{ field: 'population' }, { field: 'spikes' }, { field: 'nodes' }, { field: 'rate', format: '.3g' }],
    },
  } as unknown as PlotSpec;
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}
