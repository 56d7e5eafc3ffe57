/**
 * Firing animation (bluepysnap's `firing_animation`): spiking nodes drawn at their x/y coordinates,
 * one frame per `dt` ms. Written as an animated GIF (gifenc: small, pure JS, indexed frames, so no
 * colour quantisation is needed for a fixed palette) or as a self-contained HTML page with a canvas
 * player (play/pause, frame slider) that works offline.
 */
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import type { FilteredSpikeReport } from './report.js';

interface GifEncoder {
  writeFrame(index: Uint8Array, width: number, height: number, opts?: { palette?: number[][]; delay?: number; repeat?: number }): void;
  finish(): void;
  bytes(): Uint8Array;
}
// gifenc ships CommonJS without type declarations; this is the part of its API used here.
const gifenc = createRequire(import.meta.url)('gifenc') as { GIFEncoder: () => GifEncoder };

export interface AnimationOptions {
  /** Node property for the horizontal axis (default 'x'). */
  xAxis?: string;
  /** Node property for the vertical axis (default 'y'). */
  yAxis?: string;
  /** Frame length in ms (default 20, as bluepysnap). */
  dt?: number;
}

export interface AnimationFrames {
  dt: number;
  /** Node positions: one entry per (population, node) that spikes in the selection. */
  x: Float64Array;
  y: Float64Array;
  /** Population index of each position, into `populations`. */
  population: Uint16Array;
  populations: string[];
  /** Frame k covers [start[k], start[k] + dt); `points[k]` lists the positions that spiked in it. */
  start: Float64Array;
  points: Uint32Array[];
  xAxis: string;
  yAxis: string;
}

/** Group the selected spikes into frames on the grid k·dt (k from the first spike's frame to the last's). */
export function animationFrames(f: FilteredSpikeReport, o: AnimationOptions = {}): AnimationFrames {
  const dt = o.dt ?? 20;
  if (!(dt > 0 && Number.isFinite(dt))) throw new Error(`firing animation: dt must be a positive number of ms, got ${dt}`);
  const xAxis = o.xAxis ?? 'x';
  const yAxis = o.yAxis ?? 'y';
  const table = f.report;
  const r = f.spikeReport;
  const cols = table.populations.map((name) => {
    const nodes = r.population(name).nodes;
    if (!nodes || !nodes.has(xAxis) || !nodes.has(yAxis)) return undefined;
    for (const a of [xAxis, yAxis]) {
      const k = nodes.column(a).kind;
      if (k !== 'float' && k !== 'int') throw new Error(`firing animation: node property '${a}' of population '${name}' is ${k}, not numeric`);
    }
    return { nodes, x: nodes.column(xAxis).values as Float64Array, y: nodes.column(yAxis).values as Float64Array };
  });
  if (cols.every((c) => !c)) throw new Error(`firing animation: no population in the selection has numeric node properties '${xAxis}' and '${yAxis}' (open the report with { nodes } that carry coordinates)`);
  const t = table.timestamps;
  if (t.length === 0) throw new Error('firing animation: no spikes in the selection (check the group and time window)');
  const posIndex = new Map<number, number>();
  const xs: number[] = [];
  const ys: number[] = [];
  const ps: number[] = [];
  const k0 = Math.floor(t[0] / dt);
  const k1 = Math.floor(t[t.length - 1] / dt);
  const frames: number[][] = Array.from({ length: k1 - k0 + 1 }, () => []);
  const seen: Set<number>[] = frames.map(() => new Set());
  for (let i = 0; i < t.length; i++) {
    const p = table.population[i];
    const c = cols[p];
    if (!c) continue;
    const id = table.nodeIds[i];
    if (id >= c.nodes.size) throw new Error(`firing animation: population '${table.populations[p]}' has a spike of node ${id} beyond its ${c.nodes.size} nodes`);
    const key = p * 2 ** 32 + id;
    let q = posIndex.get(key);
    if (q === undefined) {
      q = xs.length;
      posIndex.set(key, q);
      xs.push(c.x[id]);
      ys.push(c.y[id]);
      ps.push(p);
    }
    const k = Math.floor(t[i] / dt) - k0;
    if (!seen[k].has(q)) {
      seen[k].add(q);
      frames[k].push(q);
    }
  }
  return {
    dt,
    x: Float64Array.from(xs),
    y: Float64Array.from(ys),
    population: Uint16Array.from(ps),
    populations: table.populations,
    start: Float64Array.from(frames, (_, k) => (k0 + k) * dt),
    points: frames.map((fr) => Uint32Array.from(fr)),
    xAxis,
    yAxis,
  };
}

// 3×5 digits for the frame-time label (bit 2 = left column).
const DIGITS = ['75557', '26222', '71747', '71717', '55711', '74717', '74757', '71111', '75757', '75717'];
const PALETTE = [
  [255, 255, 255], // background
  [215, 215, 215], // nodes that spike somewhere in the selection
  [0, 0, 0], // label, frame progress
  [0, 114, 178], [230, 159, 0], [0, 158, 115], [204, 121, 167], [86, 180, 233], [213, 94, 0], [240, 228, 66], [0, 0, 0],
];

export interface GifOptions extends AnimationOptions {
  /** Image size in pixels (default 400 × 400). */
  width?: number;
  height?: number;
  /** Display time per frame in ms (default 100). */
  delay?: number;
  /** Dot radius in pixels (default 2). */
  radius?: number;
}

/**
 * The firing animation as GIF bytes: grey = every node that spikes in the selection, colour =
 * nodes spiking in this frame (per population), frame start time (ms) top left, progress bar below.
 *
 * @example
 * ```ts
 * import { SpikeReport, NodeTable } from 'vbt';
 * import { writeFileSync } from 'node:fs';
 * import { firingAnimationGif } from 'vbt';
 * const report = SpikeReport.fromSpikes({ cortex: { timestamps: [0.5, 1, 2.5, 3, 7.25, 120], nodeIds: [0, 2, 1, 0, 5, 3] } },
 *   { nodes: { cortex: new NodeTable({ x: new Float64Array([0, 1, 2, 0, 1, 2]), y: new Float64Array([0, 0, 0, 1, 1, 1]) }) } });
 * writeFileSync('out/firing.gif', firingAnimationGif(report.filter({ tStop: 500 }), { dt: 10 }));
 * ```
 */
export function firingAnimationGif(f: FilteredSpikeReport, o: GifOptions = {}): Uint8Array {
  const a = animationFrames(f, o);
  const W = o.width ?? 400;
  const H = o.height ?? 400;
  const rad = o.radius ?? 2;
  if (!(Number.isInteger(W) && Number.isInteger(H) && W >= 32 && H >= 32 && W <= 4096 && H <= 4096)) throw new Error(`firing animation: width/height must be integers in [32, 4096], got ${W}×${H}`);
  const m = 12 + rad;
  const [x0, x1] = extent(a.x);
  const [y0, y1] = extent(a.y);
  const px = Array.from(a.x, (v) => Math.round(m + ((v - x0) / (x1 - x0 || 1)) * (W - 2 * m)));
  const py = Array.from(a.y, (v) => Math.round(H - m - ((v - y0) / (y1 - y0 || 1)) * (H - 2 * m)));
  const base = new Uint8Array(W * H);
  for (let q = 0; q < px.length; q++) dot(base, W, H, px[q], py[q], rad, 1);
  const gif = gifenc.GIFEncoder();
  const nF = a.points.length;
  for (let k = 0; k < nF; k++) {
    const img = base.slice();
    for (const q of a.points[k]) dot(img, W, H, px[q], py[q], rad, 3 + (a.population[q] % 8));
    label(img, W, String(Math.round(a.start[k])), 3, 3);
    const bar = Math.round(((k + 1) / nF) * (W - 6));
    for (let x = 3; x < 3 + bar; x++) for (let y = H - 4; y < H - 2; y++) img[y * W + x] = 2;
    gif.writeFrame(img, W, H, { palette: k === 0 ? PALETTE : undefined, delay: o.delay ?? 100 });
  }
  gif.finish();
  return gif.bytes();
}

function extent(v: Float64Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

function dot(img: Uint8Array, W: number, H: number, cx: number, cy: number, r: number, c: number): void {
  for (let y = Math.max(0, cy - r); y <= Math.min(H - 1, cy + r); y++) {
    for (let x = Math.max(0, cx - r); x <= Math.min(W - 1, cx + r); x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r + r) img[y * W + x] = c;
  }
}

function label(img: Uint8Array, W: number, text: string, x0: number, y0: number): void {
  const s = 2;
  let x = x0;
  for (const ch of text) {
    const g = DIGITS[ch.charCodeAt(0) - 48];
    if (g) for (let row = 0; row < 5; row++) for (let col = 0; col < 3; col++) {
      if ((Number(g[row]) >> (2 - col)) & 1) for (let dy = 0; dy < s; dy++) for (let dx = 0; dx < s; dx++) img[(y0 + row * s + dy) * W + x + col * s + dx] = 2;
    }
    x += 4 * s;
  }
}

/** The firing animation as a self-contained HTML page (canvas player, no external scripts). */
export function firingAnimationHtml(f: FilteredSpikeReport, o: AnimationOptions & { title?: string; delay?: number } = {}): string {
  const a = animationFrames(f, o);
  const data = {
    dt: a.dt,
    x: Array.from(a.x),
    y: Array.from(a.y),
    p: Array.from(a.population),
    pops: a.populations,
    start: Array.from(a.start),
    frames: a.points.map((q) => Array.from(q)),
    xAxis: a.xAxis,
    yAxis: a.yAxis,
    delay: o.delay ?? 100,
    colours: PALETTE.slice(3).map(([r, g, b]) => `rgb(${r},${g},${b})`),
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const title = (o.title ?? 'Firing animation').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:20px}canvas{border:1px solid #bbb}#c{display:flex;gap:8px;align-items:center;margin-top:6px}</style>
</head><body>
<h3>${title}</h3>
<canvas id="cv" width="520" height="520"></canvas>
<div id="c"><button id="pb">pause</button><input id="sl" type="range" min="0" value="0" style="width:360px"><span id="lb"></span></div>
<script id="spike-data" type="application/json">${json}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById('spike-data').textContent);
  var cv = document.getElementById('cv'), g = cv.getContext('2d'), sl = document.getElementById('sl');
  var lb = document.getElementById('lb'), pb = document.getElementById('pb');
  var m = 24, W = cv.width, H = cv.height;
  function ext(v) { var lo = Infinity, hi = -Infinity; v.forEach(function (a) { lo = Math.min(lo, a); hi = Math.max(hi, a); }); return [lo, hi]; }
  var ex = ext(d.x), ey = ext(d.y);
  function X(v) { return m + (v - ex[0]) / ((ex[1] - ex[0]) || 1) * (W - 2 * m); }
  function Y(v) { return H - m - (v - ey[0]) / ((ey[1] - ey[0]) || 1) * (H - 2 * m); }
  sl.max = d.frames.length - 1;
  var k = 0, playing = true;
  function draw() {
    g.fillStyle = '#fff'; g.fillRect(0, 0, W, H);
    g.fillStyle = '#d7d7d7';
    for (var q = 0; q < d.x.length; q++) { g.beginPath(); g.arc(X(d.x[q]), Y(d.y[q]), 2, 0, 7); g.fill(); }
    d.frames[k].forEach(function (q) { g.fillStyle = d.colours[d.p[q] % 8]; g.beginPath(); g.arc(X(d.x[q]), Y(d.y[q]), 3, 0, 7); g.fill(); });
    g.fillStyle = '#000'; g.fillText(d.xAxis + ' →', W - 60, H - 6); g.fillText('↑ ' + d.yAxis, 4, 12);
    lb.textContent = 't = ' + d.start[k] + '–' + (d.start[k] + d.dt) + ' ms (' + d.frames[k].length + ' spiking)';
    sl.value = k;
  }
  sl.oninput = function () { k = +sl.value; draw(); };
  pb.onclick = function () { playing = !playing; pb.textContent = playing ? 'pause' : 'play'; };
  setInterval(function () { if (playing) { k = (k + 1) % d.frames.length; draw(); } }, d.delay);
  draw();
  document.body.setAttribute('data-frames', String(d.frames.length));
})();
</script>
</body></html>
`;
}

/** Write the firing animation, as GIF or HTML by the file extension, atomically. */
export function saveFiringAnimation(f: FilteredSpikeReport, path: string, o: GifOptions & { title?: string } = {}): void {
  const ext = extname(path).toLowerCase();
  if (ext === '.gif') writeFileAtomic(path, firingAnimationGif(f, o));
  else if (ext === '.html' || ext === '.htm') writeFileAtomic(path, firingAnimationHtml(f, o));
  else throw new Error(`firing animation: cannot tell the format of '${path}'; use a .gif or .html file name`);
}
