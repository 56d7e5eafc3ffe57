/**
 * Activity on the network layout over time: one spec with a `frame` parameter, played by a slider
 * and a play button in a self-contained HTML page, or rendered frame by frame (vega → SVG → resvg
 * pixels) into an animated GIF with gifenc (small, dependency-free, fast quantiser).
 */
import * as vega from 'vega';
import { Resvg } from '@resvg/resvg-js';
import { createRequire } from 'node:module';
import type { PlotSpec } from './render.js';
import { toVega, htmlRuntime, scriptJson, escapeHtml, PAGE_STYLE } from './render.js';
import { type TimeSeriesData, tsShape, variableIndex, withUnit, valueTitle, at } from './data.js';
import { type NetworkData, layout2d } from './network.js';
import { SEQUENTIAL_SCHEME } from './theme.js';

// gifenc is CommonJS; require() gives the same object under Node and under vite's ESM interop
const gifenc = createRequire(import.meta.url)('gifenc') as typeof import('gifenc');

export interface AnimateOptions {
  variable?: string | number;
  /** Number of frames, evenly spaced over the series (default min(T, 60)). */
  frames?: number;
  /** Fraction of strongest connections drawn (default 0.05). */
  edgeFraction?: number;
  title?: string;
  /** Plot side in pixels (default 360). */
  size?: number;
}

/** Time indices of the frames: evenly spaced, first and last included. */
export function frameIndices(T: number, frames: number): number[] {
  if (!(Number.isInteger(frames) && frames >= 1)) throw new Error(`animate: frames=${frames}; expected a positive integer`);
  const F = Math.min(frames, T);
  if (F === 1) return [0];
  return [...Array(F).keys()].map((k) => Math.round((k * (T - 1)) / (F - 1)));
}

/**
 * The animation as one Vega-Lite spec: nodes at their layout positions coloured by activity in
 * frame `frame` (a parameter bound to a slider), strongest edges underneath, the frame's time as
 * a label. Node rows are {frame, t, node, x, y, value}; the colour scale is fixed over all frames.
 */
export function animationSpec(net: NetworkData, ts: TimeSeriesData, opts: AnimateOptions = {}): PlotSpec {
  const { T, N } = tsShape(ts);
  if (N !== net.n) throw new Error(`animate: the series has ${N} nodes but the network ${net.n}; expected the same nodes`);
  const v = variableIndex(ts, opts.variable);
  const idx = frameIndices(T, opts.frames ?? 60);
  const pos = layout2d(net);
  const rows: Record<string, number | string>[] = [];
  let lo = Infinity, hi = -Infinity;
  idx.forEach((t, f) => {
    for (let n = 0; n < N; n++) {
      const value = at(ts, t, v, n);
      if (value < lo) lo = value;
      if (value > hi) hi = value;
      rows.push({ frame: f, t: ts.time[t], node: net.labels[n], x: pos.x[n], y: pos.y[n], value });
    }
  });
  if (!(hi > lo)) { lo -= 1; hi += 1; }
  const edges: Record<string, number>[] = [];
  const all: { i: number; j: number; w: number }[] = [];
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) if (i !== j && net.weights[i * N + j] > 0) all.push({ i, j, w: net.weights[i * N + j] });
  all.sort((a, b) => b.w - a.w);
  for (const e of all.slice(0, Math.round((opts.edgeFraction ?? 0.05) * all.length))) edges.push({ x: pos.x[e.j], y: pos.y[e.j], x2: pos.x[e.i], y2: pos.y[e.i], weight: e.w });
  const name = ts.variables[v];
  const size = opts.size ?? 360;
  const times = idx.map((t) => ts.time[t]);
  const tu = ts.timeUnit ?? 'ms';
  return {
    title: opts.title ?? `Activity on the network — ${name}${ts.title ? ` — ${ts.title}` : ''}`,
    width: size, height: size,
    params: [{ name: 'frame', value: 0, bind: { input: 'range', min: 0, max: idx.length - 1, step: 1, name: 'frame ' } }],
    layer: [
      {
        data: { values: edges },
        mark: { type: 'rule', color: '#888888', opacity: 0.35 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: pos.xTitle, scale: { zero: false } },
          y: { field: 'y', type: 'quantitative', title: pos.yTitle, scale: { zero: false } },
          x2: { field: 'x2' }, y2: { field: 'y2' },
        },
      },
      {
        data: { values: rows },
        transform: [{ filter: 'datum.frame == frame' }],
        mark: { type: 'point', shape: 'circle', filled: true, size: 160, opacity: 1, stroke: '#333333', strokeWidth: 0.4 },
        encoding: {
          x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' },
          color: { field: 'value', type: 'quantitative', title: valueTitle(ts, name), scale: { scheme: SEQUENTIAL_SCHEME, domain: [lo, hi] } },
          tooltip: [{ field: 'node' }, { field: 't', title: withUnit('time', tu) }, { field: 'value', format: '.4g' }],
        },
      },
      {
        data: { values: times.map((t, f) => ({ frame: f, label: `t = ${Number(t.toPrecision(6))} ${tu}` })) },
        transform: [{ filter: 'datum.frame == frame' }],
        mark: { type: 'text', align: 'left', baseline: 'top', x: 4, y: 4, fontSize: 13, fontWeight: 'bold', color: '#222222' },
        encoding: { text: { field: 'label' } },
      },
    ],
  } as unknown as PlotSpec;
}

/**
 * Animated GIF of activity on the network. Each frame is the spec rendered at that frame
 * (same look as the HTML version), quantised to 256 colours.
 *
 * @example
 * ```ts
 * import { simulate, syntheticConnectome } from 'vbt';
 * import { animateGif, timeSeriesFromResult, writeFileAtomic } from 'vbt';
 * const conn = syntheticConnectome({ nodes: 4 });
 * const res = await simulate({ model: 'Generic2dOscillator', connectivity: conn, integrator: { dt: 0.1 }, duration: 50, monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * writeFileAtomic('activity.gif', await animateGif(conn, timeSeriesFromResult(res), { frames: 40 }));
 * ```
 */
export async function animateGif(net: NetworkData, ts: TimeSeriesData, opts: AnimateOptions & GifOptions = {}): Promise<Uint8Array> {
  return gifFromFrames(animationSpec(net, ts, opts), frameIndices(ts.time.length, opts.frames ?? 60).length, opts);
}

export interface GifOptions {
  delayMs?: number;
  scale?: number;
  onFrame?: (done: number, total: number) => void;
}

/** Render a spec with a `frame` parameter at frames 0..F−1 into an animated GIF. */
export async function gifFromFrames(spec: PlotSpec, F: number, opts: GifOptions = {}): Promise<Uint8Array> {
  const view = new vega.View(vega.parse(structuredClone(toVega(spec))), { renderer: 'none' });
  const enc = gifenc.GIFEncoder();
  try {
    for (let f = 0; f < F; f++) {
      view.signal('frame', f);
      await view.runAsync();
      const svg = await view.toSVG();
      const img = new Resvg(svg, { fitTo: { mode: 'zoom', value: opts.scale ?? 1 }, background: 'white', font: { loadSystemFonts: true } }).render();
      const rgba = new Uint8Array(img.pixels);
      const palette = gifenc.quantize(rgba, 256);
      enc.writeFrame(gifenc.applyPalette(rgba, palette), img.width, img.height, { palette, delay: opts.delayMs ?? 100, repeat: 0 });
      opts.onFrame?.(f + 1, F);
    }
  } finally {
    view.finalize();
  }
  enc.finish();
  return enc.bytes();
}

/**
 * Time series drawn up to the frame's time (one line per node, up to `maxNodes`), with a cursor:
 * rows {frame-free t, node, value}; frame f shows t ≤ time of frame f.
 */
export function timeseriesAnimationSpec(ts: TimeSeriesData, opts: AnimateOptions & { maxNodes?: number } = {}): PlotSpec {
  const { T, N } = tsShape(ts);
  const v = variableIndex(ts, opts.variable);
  const idx = frameIndices(T, opts.frames ?? 60);
  const nodes = Math.min(N, opts.maxNodes ?? 8);
  const step = Math.max(1, Math.floor(T / 600));
  const rows: Record<string, number | string>[] = [];
  for (let t = 0; t < T; t += step) for (let n = 0; n < nodes; n++) rows.push({ t: ts.time[t], node: ts.labels[n], value: at(ts, t, v, n) });
  const name = ts.variables[v], tu = ts.timeUnit ?? 'ms';
  const times = idx.map((t) => ts.time[t]);
  return {
    title: opts.title ?? `${name} over time${ts.title ? ` — ${ts.title}` : ''}`,
    width: opts.size ?? 480, height: Math.round((opts.size ?? 480) * 0.55),
    params: [{ name: 'frame', value: 0, bind: { input: 'range', min: 0, max: idx.length - 1, step: 1, name: 'frame ' } }],
    layer: [
      {
        data: { values: rows },
        transform: [{ calculate: `${JSON.stringify(times)}[frame]`, as: 'now' }, { filter: 'datum.t <= datum.now' }],
        mark: { type: 'line', strokeWidth: 1 },
        encoding: {
          x: { field: 't', type: 'quantitative', title: withUnit('time', tu), scale: { domain: [ts.time[0], ts.time[T - 1]] } },
          y: { field: 'value', type: 'quantitative', title: valueTitle(ts, name) },
          color: { field: 'node', type: 'nominal', title: 'node' },
        },
      },
      {
        data: { values: times.map((t, f) => ({ frame: f, t })) },
        transform: [{ filter: 'datum.frame == frame' }],
        mark: { type: 'rule', color: '#d55e00', strokeWidth: 1.5 },
        encoding: { x: { field: 't', type: 'quantitative' } },
      },
    ],
  } as unknown as PlotSpec;
}

/**
 * The trajectory of node `node` in the plane of two variables, drawn up to the frame's time with
 * the current state as a dot.
 */
export function phaseAnimationSpec(ts: TimeSeriesData, opts: AnimateOptions & { x?: string | number; y?: string | number; node?: number } = {}): PlotSpec {
  const { T, V } = tsShape(ts);
  if (V < 2 && opts.y === undefined) throw new Error(`animate phase: needs two variables; the series has ${V} (${ts.variables.join(', ')})`);
  const xi = variableIndex(ts, opts.x ?? 0), yi = variableIndex(ts, opts.y ?? 1);
  const n = opts.node ?? 0;
  const idx = frameIndices(T, opts.frames ?? 60);
  const rows = Array.from({ length: T }, (_, t) => ({ k: t, x: at(ts, t, xi, n), y: at(ts, t, yi, n) }));
  const xn = ts.variables[xi], yn = ts.variables[yi];
  return {
    title: opts.title ?? `Phase trajectory ${xn}–${yn}, node ${ts.labels[n]}`,
    width: opts.size ?? 360, height: opts.size ?? 360,
    params: [{ name: 'frame', value: 0, bind: { input: 'range', min: 0, max: idx.length - 1, step: 1, name: 'frame ' } }],
    layer: [
      {
        data: { values: rows },
        transform: [{ calculate: `${JSON.stringify(idx)}[frame]`, as: 'now' }, { filter: 'datum.k <= datum.now' }],
        mark: { type: 'line', strokeWidth: 1, color: '#0072b2' },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: valueTitle(ts, xn), scale: { zero: false } },
          y: { field: 'y', type: 'quantitative', title: valueTitle(ts, yn), scale: { zero: false } },
          order: { field: 'k', type: 'quantitative' },
        },
      },
      {
        data: { values: rows },
        transform: [{ calculate: `${JSON.stringify(idx)}[frame]`, as: 'now' }, { filter: 'datum.k == datum.now' }],
        mark: { type: 'point', filled: true, size: 80, color: '#d55e00' },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
    ],
  } as unknown as PlotSpec;
}

/**
 * Self-contained HTML page playing the animation: slider plus play/pause button; vega inlined.
 */
export function animateHtml(net: NetworkData, ts: TimeSeriesData, opts: AnimateOptions & { intervalMs?: number } = {}): string {
  const spec = animationSpec(net, ts, opts);
  const F = frameIndices(ts.time.length, opts.frames ?? 60).length;
  const title = (spec as { title?: string }).title ?? 'vbt animation';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
${htmlRuntime()}
</head><body>
<button id="vbt-play" type="button">▶ play</button>
<figure class="vbt-figure" id="vbt-anim"></figure>
<script>
vbtRender('vbt-anim', ${scriptJson(toVega(spec))}).then(function (view) {
  var timer = null, btn = document.getElementById('vbt-play');
  btn.onclick = function () {
    if (timer) { clearInterval(timer); timer = null; btn.textContent = '▶ play'; return; }
    btn.textContent = '❚❚ pause';
    timer = setInterval(function () { view.signal('frame', (view.signal('frame') + 1) % ${F}).runAsync(); }, ${Math.max(16, opts.intervalMs ?? 120)});
  };
});
</script>
</body></html>
`;
}
