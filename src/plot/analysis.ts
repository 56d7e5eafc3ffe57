/**
 * Functional-connectivity figures: FC matrix, simulated vs empirical FC (side by side with their
 * scatter and Pearson r), and the FC-dynamics matrix (from the analysis module's `fcd`) with its
 * histogram.
 */
import type { PlotSpec } from './render.js';
import { concatSpecs } from './render.js';
import { blockCells } from './blocks.js';
import { DIVERGING_SCHEME, OKABE_ITO, SEQUENTIAL_SCHEME, seamlessCells } from './theme.js';
import { functionalConnectivity, upperTriangle, upperTriangleIndices, type SquareMatrix } from '../analysis/fc.js';
import { pearson } from '../analysis/losses.js';

function labelsFor(n: number, labels?: string[]): string[] {
  if (labels && labels.length !== n) throw new Error(`FC plot: ${labels.length} labels for a ${n}×${n} matrix; expected ${n}`);
  return labels ?? [...Array(n).keys()].map((k) => String(k));
}

function checkSquare(m: SquareMatrix, what: string): void {
  if (m.data.length !== m.n * m.n) throw new Error(`${what}: ${m.data.length} values; expected n*n = ${m.n * m.n}`);
}

export interface FcPlotOptions {
  labels?: string[];
  title?: string;
  size?: number;
  /** Colour domain (default [-1, 1]). */
  domain?: [number, number];
  /** Larger matrices are drawn as block means with at most this many rows (default 200). */
  maxSide?: number;
}

/**
 * A correlation matrix on the diverging scale fixed to [-1, 1] so that figures compare.
 * Rows are {i, j, value} with i, j the labels.
 *
 * @example
 * ```ts
 * import { functionalConnectivity, plotFc, savePlot } from 'vbt';
 * const series = Array.from({ length: 100 }, (_, t) => [Math.sin(t / 4), Math.sin(t / 9 + 1), Math.cos(t / 6)]); // [T, N]
 * const labels = ['A', 'B', 'C'];
 * await savePlot(plotFc(functionalConnectivity(series), { labels }), 'fc.png');
 * ```
 */
export function plotFc(fc: SquareMatrix, opts: FcPlotOptions = {}): PlotSpec {
  checkSquare(fc, 'plotFc');
  const n = fc.n, labels = labelsFor(n, opts.labels);
  const bc = blockCells(fc.data, n, labels, opts.maxSide ?? 200);
  const values = bc.cells.map((c) => ({ i: c.row, j: c.col, value: c.value }));
  const axis = bc.order.length > 40 ? { labels: false, ticks: false, grid: false } : { labelFontSize: 8, grid: false };
  const size = opts.size ?? 340;
  return seamlessCells({
    title: `${opts.title ?? 'Functional connectivity'}${bc.block > 1 ? ` (means of ${bc.block}×${bc.block} blocks)` : ''}`,
    width: size, height: size,
    data: { values },
    mark: 'rect',
    encoding: {
      x: { field: 'j', type: 'ordinal', title: 'region', sort: bc.order, scale: { domain: bc.order, paddingInner: 0 }, axis },
      y: { field: 'i', type: 'ordinal', title: 'region', sort: bc.order, scale: { domain: bc.order, paddingInner: 0 }, axis },
      color: { field: 'value', type: 'quantitative', title: 'Pearson r', scale: { scheme: DIVERGING_SCHEME, domain: opts.domain ?? [-1, 1], domainMid: 0 } },
      tooltip: [{ field: 'i' }, { field: 'j' }, { field: 'value', title: 'r', format: '.3f' }],
    },
  }) as unknown as PlotSpec;
}

/** Pearson r between the strict upper triangles of two FC matrices (each pair once). */
export function fcFit(sim: SquareMatrix, emp: SquareMatrix): number {
  if (sim.n !== emp.n) throw new Error(`FC comparison: simulated is ${sim.n}×${sim.n} and empirical ${emp.n}×${emp.n}; expected the same size`);
  return pearson(upperTriangle(sim), upperTriangle(emp));
}

/**
 * Simulated and empirical FC side by side, then the scatter of their upper triangles with the
 * identity line; the title gives Pearson r. Scatter rows are {empirical, simulated, pair}.
 */
export function plotFcComparison(sim: SquareMatrix, emp: SquareMatrix, opts: { labels?: string[]; title?: string } = {}): PlotSpec {
  checkSquare(sim, 'plotFcComparison (simulated)');
  checkSquare(emp, 'plotFcComparison (empirical)');
  const r = fcFit(sim, emp);
  const n = sim.n, labels = labelsFor(n, opts.labels);
  const idx = upperTriangleIndices(n);
  const su = upperTriangle(sim), eu = upperTriangle(emp);
  // r uses every pair; the scatter shows at most ~20 000 of them (evenly strided) to stay light
  const stride = Math.max(1, Math.ceil(su.length / 20000));
  const points: { empirical: number; simulated: number; pair: string }[] = [];
  for (let k = 0; k < su.length; k += stride) points.push({ empirical: eu[k], simulated: su[k], pair: `${labels[Math.floor(idx[k] / n)]} – ${labels[idx[k] % n]}` });
  let lo = Infinity, hi = -Infinity;
  for (const p of points) { lo = Math.min(lo, p.empirical, p.simulated); hi = Math.max(hi, p.empirical, p.simulated); }
  const scatter = {
    title: `Upper triangle, r = ${r.toFixed(3)}${stride > 1 ? ` (every ${stride}th pair shown)` : ''}`,
    width: 300, height: 300,
    layer: [
      { data: { values: [{ a: lo, b: hi }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#888888' }, encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'a', type: 'quantitative' }, x2: { field: 'b' }, y2: { field: 'b' } } },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 12, opacity: 0.5, color: OKABE_ITO[0] },
        encoding: {
          x: { field: 'empirical', type: 'quantitative', title: 'empirical FC (Pearson r)', scale: { zero: false } },
          y: { field: 'simulated', type: 'quantitative', title: 'simulated FC (Pearson r)', scale: { zero: false } },
          tooltip: [{ field: 'pair' }, { field: 'empirical', format: '.3f' }, { field: 'simulated', format: '.3f' }],
        },
      },
    ],
  } as unknown as PlotSpec;
  return concatSpecs([
    plotFc(sim, { labels, title: 'Simulated FC', size: 280 }),
    plotFc(emp, { labels, title: 'Empirical FC', size: 280 }),
    scatter,
  ], 'horizontal', opts.title ?? `Simulated vs empirical FC: r = ${r.toFixed(3)}`);
}

/**
 * The FCD matrix (window × window, axes in time) and the histogram of its off-diagonal values.
 * `times` (the series' sample times) turns window starts into times (default: sample index).
 */
export function plotFcd(f: SquareMatrix & { windowStarts?: ArrayLike<number> }, opts: { times?: ArrayLike<number>; timeUnit?: string; title?: string } = {}): PlotSpec {
  checkSquare(f, 'plotFcd');
  const W = f.n;
  const starts = f.windowStarts ? Array.from(f.windowStarts) : [...Array(W).keys()];
  if (starts.length !== W) throw new Error(`plotFcd: ${starts.length} window starts for a ${W}×${W} FCD matrix`);
  const t = opts.times ? starts.map((a) => opts.times![a]) : starts;
  const tTitle = opts.times ? `window start (${opts.timeUnit ?? 'ms'})` : 'window start (sample)';
  const cells: { t1: number; t2: number; value: number }[] = [];
  for (let i = 0; i < W; i++) for (let j = 0; j < W; j++) cells.push({ t1: t[i], t2: t[j], value: f.data[i * W + j] });
  const off = Array.from(upperTriangle(f), (value) => ({ value }));
  const tl = t.map(String);
  const axis = W > 30 ? { labelOverlap: true, grid: false } : { grid: false };
  const matrix = seamlessCells({
    title: 'FCD matrix',
    width: 300, height: 300,
    data: { values: cells.map((c) => ({ ...c, t1: String(c.t1), t2: String(c.t2) })) },
    mark: 'rect',
    encoding: {
      x: { field: 't1', type: 'ordinal', title: tTitle, sort: tl, scale: { domain: tl, paddingInner: 0 }, axis },
      y: { field: 't2', type: 'ordinal', title: tTitle, sort: tl, scale: { domain: tl, paddingInner: 0 }, axis },
      color: { field: 'value', type: 'quantitative', title: 'r between windows', scale: { scheme: SEQUENTIAL_SCHEME, domain: [-1, 1] } },
      tooltip: [{ field: 't1' }, { field: 't2' }, { field: 'value', format: '.3f' }],
    },
  });
  const hist = {
    title: 'FCD values (off-diagonal)',
    width: 260, height: 300,
    data: { values: off },
    mark: { type: 'bar', color: OKABE_ITO[0] },
    encoding: {
      x: { field: 'value', type: 'quantitative', bin: { maxbins: 30, extent: [-1, 1] }, title: 'r between windows' },
      y: { aggregate: 'count', type: 'quantitative', title: 'number of window pairs' },
    },
  };
  return concatSpecs([matrix as unknown as PlotSpec, hist as unknown as PlotSpec], 'horizontal', opts.title ?? `FC dynamics (${W} windows)`);
}
