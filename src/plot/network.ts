/**
 * Structural-network figures: weight / tract-length matrices, the overview (matrices plus the
 * graph drawn at the region centres, hemispheres coloured) and degree/strength distributions.
 * Builders take any object with a Connectivity's fields, so data from other tools plot too.
 */
import type { PlotSpec } from './render.js';
import { concatSpecs } from './render.js';
import { blockCells } from './blocks.js';
import { HEMISPHERE_COLOURS, SEQUENTIAL_SCHEME, seamlessCells } from './theme.js';

/** The fields of a Connectivity the figures read (weights[i*n+j] = to i from j). */
export interface NetworkData {
  n: number;
  weights: ArrayLike<number>;
  tractLengths: ArrayLike<number>;
  labels: string[];
  /** n*3 mm, or empty. */
  centres?: ArrayLike<number>;
  /** true = right, or empty. */
  hemispheres?: readonly boolean[];
  name?: string;
}

function check(net: NetworkData): void {
  const nn = net.n * net.n;
  if (!(Number.isInteger(net.n) && net.n >= 1)) throw new Error(`network: n=${net.n}; expected a positive integer`);
  if (net.weights.length !== nn) throw new Error(`network: weights has ${net.weights.length} values; expected n*n = ${nn}`);
  if (net.tractLengths.length !== nn) throw new Error(`network: tractLengths has ${net.tractLengths.length} values; expected n*n = ${nn}`);
  if (net.labels.length !== net.n) throw new Error(`network: ${net.labels.length} labels; expected n = ${net.n}`);
}

function hemisphereOf(net: NetworkData, i: number): 'left' | 'right' | 'unknown' {
  const h = net.hemispheres;
  if (!h || h.length !== net.n) return 'unknown';
  return h[i] ? 'right' : 'left';
}

export interface MatrixPlotOptions {
  /** Which matrix (default 'weights'). */
  which?: 'weights' | 'tractLengths';
  /** Log colour scale; zero entries are left blank (default false). */
  log?: boolean;
  title?: string;
  /** Side length in pixels (default 360). */
  size?: number;
  /** Larger matrices are drawn as block means with at most this many rows (default 200). */
  maxSide?: number;
}

/**
 * A connectivity matrix as a heatmap: rows = target (to), columns = source (from), in node order.
 * Rows are {to, from, value}; with `log`, zeros are dropped (log 0 is undefined) and show as blank.
 * Past `maxSide` regions cells are block means (see blockCells).
 *
 * @example
 * ```ts
 * import { plotConnectivityMatrix, savePlot, syntheticConnectome } from 'vbt';
 * await savePlot(plotConnectivityMatrix(syntheticConnectome(), { log: true }), 'w.png');
 * ```
 */
export function plotConnectivityMatrix(net: NetworkData, opts: MatrixPlotOptions = {}): PlotSpec {
  check(net);
  const which = opts.which ?? 'weights';
  if (which !== 'weights' && which !== 'tractLengths') throw new Error(`plotConnectivityMatrix: which='${which as string}'; expected 'weights' or 'tractLengths'`);
  const n = net.n;
  const bc = blockCells(net[which], n, net.labels, opts.maxSide ?? 200, opts.log ? (v) => v > 0 : undefined);
  const values = bc.cells.map((c) => ({ to: c.row, from: c.col, value: c.value }));
  const unit = which === 'weights' ? 'a.u.' : 'mm';
  const name = which === 'weights' ? 'weight' : 'tract length';
  const size = opts.size ?? 360;
  const axis = bc.order.length > 40 ? { labels: false, ticks: false, grid: false } : { labelFontSize: 8, grid: false };
  return seamlessCells({
    title: opts.title ?? `${which === 'weights' ? 'Weights' : 'Tract lengths'}${net.name ? ` — ${net.name}` : ''}${opts.log ? ' (log colour)' : ''}${bc.block > 1 ? ` (means of ${bc.block}×${bc.block} blocks)` : ''}`,
    width: size, height: size,
    data: { values },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'from', type: 'ordinal', title: 'source region (from)', sort: bc.order, scale: { domain: bc.order, paddingInner: 0 }, axis },
      y: { field: 'to', type: 'ordinal', title: 'target region (to)', sort: bc.order, scale: { domain: bc.order, paddingInner: 0 }, axis },
      color: { field: 'value', type: 'quantitative', title: `${name} (${unit})`, scale: opts.log ? { type: 'log', scheme: SEQUENTIAL_SCHEME } : { scheme: SEQUENTIAL_SCHEME } },
      tooltip: [{ field: 'to' }, { field: 'from' }, { field: 'value', title: `${name} (${unit})`, format: '.4g' }],
    },
  }) as unknown as PlotSpec;
}

export interface GraphPlotOptions {
  /** Fraction of the strongest connections drawn as edges (default 0.05). */
  edgeFraction?: number;
  title?: string;
  size?: number;
}

/**
 * Node positions in 2-D: a projection of the centres onto two of their axes, else a circle.
 * Atlases disagree on axis conventions, so the horizontal axis is the one that best separates the
 * hemispheres (when known; else the first) and the vertical one the remaining axis with the
 * largest spread; the result is a top-down view with the hemispheres side by side.
 */
export function layout2d(net: NetworkData): { x: number[]; y: number[]; xTitle: string; yTitle: string } {
  const c = net.centres, n = net.n;
  const idx = [...Array(n).keys()];
  if (c && c.length === 3 * n) {
    const col = (k: number) => idx.map((i) => c[3 * i + k]);
    const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / (a.length || 1);
    const spread = (a: number[]) => { const m = mean(a); return mean(a.map((v) => (v - m) ** 2)); };
    let hx = 0;
    const h = net.hemispheres;
    if (h && h.length === n && h.some((v) => v) && h.some((v) => !v)) {
      let best = -1;
      for (let k = 0; k < 3; k++) {
        const a = col(k);
        const gap = Math.abs(mean(a.filter((_, i) => h[i])) - mean(a.filter((_, i) => !h[i])));
        if (gap > best) { best = gap; hx = k; }
      }
    }
    const rest = [0, 1, 2].filter((k) => k !== hx);
    const vy = spread(col(rest[0])) >= spread(col(rest[1])) ? rest[0] : rest[1];
    const name = ['x', 'y', 'z'];
    return { x: col(hx), y: col(vy), xTitle: `centre ${name[hx]} (mm)`, yTitle: `centre ${name[vy]} (mm)` };
  }
  const a = (i: number) => (2 * Math.PI * i) / n;
  return { x: idx.map((i) => Math.cos(a(i))), y: idx.map((i) => Math.sin(a(i))), xTitle: 'circular layout (no centres)', yTitle: '' };
}

/** Total input weight of each node (row sums). */
export function strengths(net: NetworkData): Float64Array {
  const n = net.n, s = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i] += net.weights[i * n + j];
  return s;
}

/** Number of non-zero inputs of each node (row non-zeros), self-connections excluded. */
export function degrees(net: NetworkData): Int32Array {
  const n = net.n, d = new Int32Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && net.weights[i * n + j] !== 0) d[i]++;
  return d;
}

/**
 * The graph drawn at the region centres (axial view): nodes coloured by hemisphere and sized by
 * strength, the strongest `edgeFraction` of connections drawn with opacity by weight.
 * Layers' rows: edges {from, to, x, y, x2, y2, weight}, nodes {node, x, y, strength, hemisphere}.
 */
export function plotNetworkGraph(net: NetworkData, opts: GraphPlotOptions = {}): PlotSpec {
  check(net);
  const n = net.n;
  const pos = layout2d(net);
  const frac = opts.edgeFraction ?? 0.05;
  if (!(frac >= 0 && frac <= 1)) throw new Error(`plotNetworkGraph: edgeFraction=${frac}; expected a number in [0, 1]`);
  const all: { i: number; j: number; w: number }[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && net.weights[i * n + j] > 0) all.push({ i, j, w: net.weights[i * n + j] });
  all.sort((a, b) => b.w - a.w);
  const keep = all.slice(0, Math.round(frac * all.length));
  const edges = keep.map((e) => ({ to: net.labels[e.i], from: net.labels[e.j], x: pos.x[e.j], y: pos.y[e.j], x2: pos.x[e.i], y2: pos.y[e.i], weight: e.w }));
  const s = strengths(net);
  const nodes = [...Array(n).keys()].map((i) => ({ node: net.labels[i], x: pos.x[i], y: pos.y[i], strength: s[i], hemisphere: hemisphereOf(net, i) }));
  const size = opts.size ?? 380;
  const hemis = ['left', 'right', 'unknown'].filter((h) => nodes.some((x) => x.hemisphere === h));
  return {
    title: opts.title ?? `Network${net.name ? ` — ${net.name}` : ''} (strongest ${Math.round(frac * 100)} % of connections)`,
    width: size, height: size,
    layer: [
      {
        data: { values: edges },
        mark: { type: 'rule', color: '#555555' },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: pos.xTitle, scale: { zero: false } },
          y: { field: 'y', type: 'quantitative', title: pos.yTitle, scale: { zero: false } },
          x2: { field: 'x2' }, y2: { field: 'y2' },
          opacity: { field: 'weight', type: 'quantitative', scale: { range: [0.1, 0.7] }, legend: null },
        },
      },
      {
        data: { values: nodes },
        mark: { type: 'point', shape: 'circle', filled: true, stroke: 'white', strokeWidth: 0.5, opacity: 1 },
        encoding: {
          x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' },
          color: { field: 'hemisphere', type: 'nominal', title: 'hemisphere', scale: { domain: hemis, range: hemis.map((h) => HEMISPHERE_COLOURS[h as keyof typeof HEMISPHERE_COLOURS]) } },
          size: { field: 'strength', type: 'quantitative', title: 'strength (a.u.)', scale: { range: [20, 220] } },
          tooltip: [{ field: 'node' }, { field: 'hemisphere' }, { field: 'strength', format: '.3g' }],
        },
      },
    ],
  } as unknown as PlotSpec;
}

/**
 * Overview of a connectivity: weights (log colour), tract lengths and the graph, side by side.
 *
 * @example
 * ```ts
 * import { plotNetworkOverview, readTvbConnectivityZip, savePlot } from 'vbt';
 * await savePlot(plotNetworkOverview(readTvbConnectivityZip('../shared/data/tvb/connectivity_76.zip')), 'net.html');
 * ```
 */
export function plotNetworkOverview(net: NetworkData, opts: { edgeFraction?: number; title?: string } = {}): PlotSpec {
  return concatSpecs([
    plotConnectivityMatrix(net, { which: 'weights', log: true, size: 300 }),
    plotConnectivityMatrix(net, { which: 'tractLengths', size: 300 }),
    plotNetworkGraph(net, { edgeFraction: opts.edgeFraction, size: 300 }),
  ], 'horizontal', opts.title ?? `Connectivity overview${net.name ? ` — ${net.name}` : ''} (${net.n} regions)`);
}

/**
 * Histograms of node degree (non-zero inputs) and strength (total input weight), stacked by
 * hemisphere. Rows are {node, degree, strength, hemisphere}.
 */
export function plotDegreeDistribution(net: NetworkData, opts: { bins?: number; title?: string } = {}): PlotSpec {
  check(net);
  const d = degrees(net), s = strengths(net);
  const values = [...Array(net.n).keys()].map((i) => ({ node: net.labels[i], degree: d[i], strength: s[i], hemisphere: hemisphereOf(net, i) }));
  const hemis = ['left', 'right', 'unknown'].filter((h) => values.some((x) => x.hemisphere === h));
  const colour = { field: 'hemisphere', type: 'nominal', title: 'hemisphere', scale: { domain: hemis, range: hemis.map((h) => HEMISPHERE_COLOURS[h as keyof typeof HEMISPHERE_COLOURS]) } };
  const hist = (field: string, title: string) => ({
    width: 280, height: 200,
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field, type: 'quantitative', bin: { maxbins: opts.bins ?? 20 }, title },
      y: { aggregate: 'count', type: 'quantitative', title: 'number of regions' },
      color: colour,
    },
  });
  return {
    title: opts.title ?? `Degree and strength distributions${net.name ? ` — ${net.name}` : ''}`,
    data: { values },
    hconcat: [hist('degree', 'degree (number of inputs)'), hist('strength', 'strength (total input weight, a.u.)')],
  } as unknown as PlotSpec;
}
