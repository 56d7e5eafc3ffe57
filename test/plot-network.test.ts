import { describe, it, expect } from 'vitest';
import { Connectivity } from '../src/network/connectivity.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { plotConnectivityMatrix, plotNetworkGraph, plotNetworkOverview, plotDegreeDistribution, degrees, strengths, layout2d } from '../src/plot/network.js';
import { toSvg, type PlotSpec } from '../src/plot/render.js';
import { blockCells } from '../src/plot/blocks.js';
import { HEMISPHERE_COLOURS } from '../src/plot/theme.js';
import { countMarks, axisTitles, figureTitles } from './plot-helpers.js';

type Rows = Record<string, number | string>[];
const rowsOf = (s: PlotSpec): Rows => (s as unknown as { data: { values: Rows } }).data.values;

/** 4 nodes: left pair at x = -30, right pair at x = +30 (hemispheres split on x), hand-made weights. */
function net4(): Connectivity {
  return new Connectivity({
    weights: [0, 2, 0, 1, 2, 0, 3, 0, 0, 3, 0, 4, 1, 0, 4, 0],
    tractLengths: [0, 10, 20, 30, 10, 0, 40, 50, 20, 40, 0, 60, 30, 50, 60, 0],
    centres: [-30, 10, 0, -30, -10, 0, 30, 10, 0, 30, -10, 0],
    labels: ['lA', 'lB', 'rA', 'rB'],
    name: 'four',
  });
}

describe('network figures', () => {
  it('weights matrix: one cell per entry with the weight, rows = target, columns = source', async () => {
    const c = net4();
    const spec = plotConnectivityMatrix(c);
    const rows = rowsOf(spec);
    expect(rows.length).toBe(16);
    expect(rows.find((r) => r.to === 'lB' && r.from === 'rA')!.value).toBe(c.weights[1 * 4 + 2]);
    const svg = await toSvg(spec);
    expect(countMarks(svg, 'rect')).toBe(16);
    expect(axisTitles(svg)).toEqual(expect.arrayContaining(['source region (from)', 'target region (to)']));
    expect(svg).toContain('weight (a.u.)');
  });

  it('log colour drops zeros; tract lengths carry mm', async () => {
    const c = net4();
    const log = plotConnectivityMatrix(c, { log: true });
    expect(rowsOf(log).length).toBe(8); // non-zero weights
    expect((log as unknown as { encoding: { color: { scale: { type: string } } } }).encoding.color.scale.type).toBe('log');
    const svg = await toSvg(plotConnectivityMatrix(c, { which: 'tractLengths' }));
    expect(svg).toContain('tract length (mm)');
    expect(countMarks(svg, 'rect')).toBe(16);
    expect(() => plotConnectivityMatrix(c, { which: 'delays' as 'weights' })).toThrow(/expected 'weights' or 'tractLengths'/);
  });

  it('degree and strength are row non-zeros and row sums', () => {
    const c = net4();
    expect(Array.from(degrees(c))).toEqual([2, 2, 2, 2]);
    expect(Array.from(strengths(c))).toEqual([3, 5, 7, 5]);
  });

  it('layout puts the hemispheres side by side on the axis that separates them', () => {
    const c = net4();
    const p = layout2d(c);
    expect(p.x).toEqual([-30, -30, 30, 30]);
    expect(p.y).toEqual([10, -10, 10, -10]);
    // rotate the atlas: hemispheres now split on the second coordinate
    const r = new Connectivity({ weights: c.weights, tractLengths: c.tractLengths, centres: [10, -30, 0, -10, -30, 0, 10, 30, 0, -10, 30, 0], labels: c.labels });
    expect(layout2d(r).x).toEqual([-30, -30, 30, 30]);
    expect(layout2d(r).xTitle).toBe('centre y (mm)');
  });

  it('graph: strongest edges drawn at the centres, nodes coloured by hemisphere', async () => {
    const c = net4();
    const spec = plotNetworkGraph(c, { edgeFraction: 0.25 });
    const layers = (spec as unknown as { layer: { data: { values: Rows } }[] }).layer;
    const edges = layers[0].data.values;
    expect(edges.length).toBe(2); // 25 % of 8 directed edges: the two weight-4 entries
    expect(edges.every((e) => e.weight === 4)).toBe(true);
    expect(layers[1].data.values.map((n) => n.hemisphere)).toEqual(['left', 'left', 'right', 'right']);
    const svg = await toSvg(spec);
    expect(countMarks(svg, 'rule')).toBe(2);
    expect(countMarks(svg, 'symbol')).toBe(4);
    expect(svg.toLowerCase()).toContain(HEMISPHERE_COLOURS.right.toLowerCase());
  });

  it('overview renders three panels; degree distribution two histograms', async () => {
    const c = syntheticConnectome({ nodes: 12 });
    const svg = await toSvg(plotNetworkOverview(c));
    expect(figureTitles(svg).length).toBe(4);
    expect(countMarks(svg, 'symbol')).toBe(12);
    const d = plotDegreeDistribution(c);
    expect(rowsOf(d).map((r) => r.strength)).toEqual(Array.from(strengths(c)));
    const dsvg = await toSvg(d);
    expect(axisTitles(dsvg)).toEqual(expect.arrayContaining(['degree (number of inputs)', 'strength (total input weight, a.u.)']));
    expect(countMarks(dsvg, 'rect')).toBeGreaterThan(2);
  });

  it('large matrices are drawn as block means', async () => {
    // 7×7 with entry i*7+j = 10 i + j, blocks of 3 (maxSide 3): block (0,1) = rows 0..2, cols 3..5
    const n = 7, m = Array.from({ length: n * n }, (_, k) => 10 * Math.floor(k / n) + (k % n));
    const labels = [...Array(n).keys()].map((k) => `r${k}`);
    const b = blockCells(m, n, labels, 3);
    expect(b.block).toBe(3);
    expect(b.order).toEqual(['r0…r2', 'r3…r5', 'r6…r6']);
    expect(b.cells.length).toBe(9);
    expect(b.cells[1]).toEqual({ row: 'r0…r2', col: 'r3…r5', value: 10 * 1 + 4 });
    expect(b.cells[8].value).toBe(66);
    expect(blockCells(m, n, labels, 3, (v) => v > 60).cells.map((c) => c.value)).toEqual([(61 + 62) / 2, 64, 66]); // row 6 only, 60 dropped
    const c = new Connectivity({ weights: m, tractLengths: m, labels });
    const spec = plotConnectivityMatrix(c, { maxSide: 3 });
    expect(rowsOf(spec).length).toBe(9);
    const svg = await toSvg(spec);
    expect(figureTitles(svg)[0]).toContain('(means of 3×3 blocks)');
    expect(countMarks(svg, 'rect')).toBe(9);
  });
});
