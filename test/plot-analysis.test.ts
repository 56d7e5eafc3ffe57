import { describe, it, expect } from 'vitest';
import { plotFc, plotFcComparison, fcFit, plotFcd } from '../src/plot/analysis.js';
import { fcd } from '../src/analysis/fcd.js';
import { upperTriangle, type SquareMatrix } from '../src/analysis/fc.js';
import { phasePlane, plotPhasePlane, zeroContour } from '../src/plot/phaseplane.js';
import { toSvg, type PlotSpec } from '../src/plot/render.js';
import { countMarks, figureTitles, colourBars } from './plot-helpers.js';

type Rows = Record<string, number | string>[];

function sym(n: number, f: (i: number, j: number) => number): SquareMatrix {
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] = i === j ? 0 : f(Math.min(i, j), Math.max(i, j));
  return { data, n };
}

describe('FC figures', () => {
  it('plotFc: n² cells with the matrix values on a fixed [-1, 1] diverging scale', async () => {
    const m = sym(5, (i, j) => Math.cos(i + 2 * j) * 0.9);
    const spec = plotFc(m, { labels: ['a', 'b', 'c', 'd', 'e'] });
    const rows = (spec as unknown as { data: { values: Rows } }).data.values;
    expect(rows.length).toBe(25);
    expect(rows[1 * 5 + 3]).toEqual({ i: 'b', j: 'd', value: m.data[8] });
    expect((spec as unknown as { encoding: { color: { scale: { domain: number[] } } } }).encoding.color.scale.domain).toEqual([-1, 1]);
    expect(countMarks(await toSvg(spec), 'rect')).toBe(25);
    expect(() => plotFc(m, { labels: ['a'] })).toThrow(/1 labels for a 5×5 matrix/);
  });

  it('comparison: r of the upper triangles, one scatter point per pair, r in the titles', async () => {
    const emp = sym(6, (i, j) => Math.sin(i * 1.3 + j));
    const sim = sym(6, (i, j) => 0.5 * Math.sin(i * 1.3 + j) + 0.1); // affine → r = 1
    expect(fcFit(sim, emp)).toBeCloseTo(1, 12);
    const anti = sym(6, (i, j) => -Math.sin(i * 1.3 + j));
    expect(fcFit(anti, emp)).toBeCloseTo(-1, 12);
    const spec = plotFcComparison(anti, emp);
    const svg = await toSvg(spec);
    expect(figureTitles(svg)).toEqual(expect.arrayContaining(['Simulated vs empirical FC: r = -1.000', 'Upper triangle, r = -1.000', 'Simulated FC', 'Empirical FC']));
    expect(countMarks(svg, 'symbol')).toBe(15);
    expect(countMarks(svg, 'rect')).toBe(72);
    const scatter = (spec as unknown as { hconcat: { layer: { data: { values: Rows } }[] }[] }).hconcat[2].layer[1].data.values;
    expect(scatter.map((p) => p.empirical)).toEqual(Array.from(upperTriangle(emp)));
    expect(scatter[0].pair).toBe('0 – 1');
  });

  it('FCD: W² cells and a histogram of the off-diagonal values', async () => {
    const T = 200, N = 4;
    const x = Array.from({ length: T }, (_, t) => Array.from({ length: N }, (_, i) => Math.sin(0.1 * t * (i + 1)) + (t > 100 ? Math.sin(0.05 * t) : 0)));
    const f = fcd(x, { window: 40, step: 20 });
    const time = Float64Array.from({ length: T }, (_, t) => 2 * t);
    const spec = plotFcd(f, { times: time });
    const svg = await toSvg(spec);
    expect(countMarks(svg, 'rect')).toBeGreaterThan(f.n * f.n); // matrix cells + histogram bars
    const cells = (spec as unknown as { hconcat: { data: { values: Rows } }[] }).hconcat[0].data.values;
    expect(cells.length).toBe(f.n * f.n);
    expect(cells[1]).toEqual({ t1: '0', t2: '40', value: f.data[1] });
    const off = (spec as unknown as { hconcat: { data: { values: Rows } }[] }).hconcat[1].data.values;
    expect(off.length).toBe((f.n * (f.n - 1)) / 2);
    expect(svg).toContain('window start (ms)');
    const [bar] = colourBars(svg);
    expect(bar.title).toBe('r between windows');
    expect([bar.labels[0], bar.labels[bar.labels.length - 1]]).toEqual([-1, 1]);
    expect(bar.stops).toBeGreaterThan(2);
  });

  it('FC and FCD heatmaps carry a colour bar: label, min and max of the scale, ticks between', async () => {
    const m = sym(5, (i, j) => Math.cos(i + 2 * j) * 0.9);
    const bars = colourBars(await toSvg(plotFc(m)));
    expect(bars).toHaveLength(1);
    expect(bars[0].title).toBe('Pearson r');
    expect(bars[0].labels).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(bars[0].stops).toBeGreaterThan(2);
    const narrow = colourBars(await toSvg(plotFc(m, { domain: [0, 0.6] })));
    expect(narrow[0].labels[0]).toBe(0);
    expect(narrow[0].labels[narrow[0].labels.length - 1]).toBeCloseTo(0.6, 12);
    // the comparison figure: its two FC panels share the [-1, 1] scale, so one bar serves both
    const both = colourBars(await toSvg(plotFcComparison(m, sym(5, (i, j) => Math.sin(i + j)))));
    expect(both.map((b) => [b.title, b.labels[0], b.labels[b.labels.length - 1]])).toEqual([['Pearson r', -1, 1]]);
  });
});

describe('phase plane', () => {
  it('zeroContour traces the unit circle of x² + y² − 1', () => {
    const xs = Array.from({ length: 81 }, (_, k) => -2 + k * 0.05), ys = xs;
    const f = ys.flatMap((y) => xs.map((x) => x * x + y * y - 1));
    const segs = zeroContour(f, xs, ys);
    expect(segs.length).toBeGreaterThan(60);
    for (const s of segs) {
      expect(Math.abs(Math.hypot(s.x1, s.y1) - 1)).toBeLessThan(2e-3);
      expect(Math.abs(Math.hypot(s.x2, s.y2) - 1)).toBeLessThan(2e-3);
    }
  });

  it('Generic2dOscillator: nullclines match the closed forms and arrows match dfun', async () => {
    const p = { a: -1.5, b: -8, c: 0.5, I: 0.2 };
    const pp = phasePlane('Generic2dOscillator', { parameters: p, grid: 9, nullclineGrid: 121 });
    // defaults: d .02, tau 1, e 3, f 1, g 0, alpha 1, beta 1, gamma 1
    for (const s of pp.nullclines.y) { // dW/dt = 0  ⇔  W = (a + bV + cV²) / beta
      for (const [V, W] of [[s.x1, s.y1], [s.x2, s.y2]]) expect(Math.abs(W - (p.a + p.b * V + p.c * V * V))).toBeLessThan(0.02);
    }
    for (const s of pp.nullclines.x) { // dV/dt = 0  ⇔  W = f V³ − e V² − g V − gamma I
      for (const [V, W] of [[s.x1, s.y1], [s.x2, s.y2]]) expect(Math.abs(W - (V ** 3 - 3 * V * V - p.I))).toBeLessThan(0.03);
    }
    expect(pp.nullclines.x.length).toBeGreaterThan(50);
    expect(pp.vectors.length).toBe(81);
    const v = pp.vectors[10];
    expect(v.dy).toBeCloseTo(0.02 * (p.a + p.b * v.x + p.c * v.x * v.x - v.y), 12);
    expect(v.dx).toBeCloseTo(0.02 * (v.y - v.x ** 3 + 3 * v.x ** 2 + p.I), 12);
    const svg = await toSvg(plotPhasePlane(pp, { trajectory: { x: [0, 1], y: [0, 1] } }));
    expect(countMarks(svg, 'symbol')).toBe(81); // arrow heads
    expect(countMarks(svg, 'rule')).toBe(81 + pp.nullclines.x.length + pp.nullclines.y.length); // arrow shafts + nullcline segments
    expect(countMarks(svg, 'line')).toBe(1);
    expect(svg).toContain('dV/dt = 0');
  });

  it('bad requests name the model and the valid choices', () => {
    expect(() => phasePlane('Kuramoto')).toThrow(/Kuramoto has one state variable/);
    expect(() => phasePlane('Generic2dOscillator', { x: 'Q' })).toThrow(/x='Q' is not a state variable.*V, W/);
    expect(() => phasePlane('Generic2dOscillator', { parameters: { zz: 1 } })).toThrow(/unknown parameter 'zz'/);
    expect(() => phasePlane('ReducedSetHindmarshRose')).toThrow(/modes/);
  });
});
