/**
 * Interactive cortex viewer: one self-contained HTML page (no network access needed) drawing the
 * mesh with WebGL, coloured by a vertex time series, with mouse-drag rotation, wheel zoom, a time
 * slider and play/pause. Plain WebGL 1 instead of a 3-D library: the page needs one lit triangle
 * mesh with a per-vertex colour buffer and a rotation matrix (~150 lines); three.js's module build
 * and its orbit controls cannot be inlined in one page without a bundler.
 *
 * Frames are stored as float32 (base64) and coloured in the page with the theme's colour map
 * (256-entry table computed here), so pages of a few hundred frames stay a few MB at 16k vertices.
 */
import * as vega from 'vega';
import { SEQUENTIAL_SCHEME } from './theme.js';
import { escapeHtml, PAGE_STYLE } from './render.js';
import { vertexNormals } from '../observation/sensors/surface-gain.js';

export interface SurfaceViewerData {
  vertices: ArrayLike<number>;
  triangles: ArrayLike<number>;
  /** Frames × vertices, row-major (values beyond the vertex count in a row are ignored). */
  frames: ArrayLike<number>;
  /** Values per frame row (≥ vertex count). */
  stride: number;
  times: ArrayLike<number>;
}

export interface SurfaceViewerOptions {
  title?: string;
  label?: string;
  /** At most this many frames (evenly decimated); default 300. */
  maxFrames?: number;
}

const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function colourTable(): number[] {
  const f = vega.scheme(SEQUENTIAL_SCHEME) as (t: number) => string;
  const out: number[] = [];
  for (let k = 0; k < 256; k++) {
    const m = /rgb\((\d+), (\d+), (\d+)\)/.exec(f(k / 255));
    out.push(...(m ? [m[1], m[2], m[3]].map((x) => Number(x) / 255) : [0.5, 0.5, 0.5]));
  }
  return out;
}

/** The viewer page. */
export function surfaceViewerHtml(d: SurfaceViewerData, opts: SurfaceViewerOptions = {}): string {
  const V = d.vertices.length / 3;
  if (d.stride < V) throw new Error(`surface viewer: frame rows of ${d.stride} values for ${V} vertices`);
  const nT = d.times.length;
  if (d.frames.length < nT * d.stride) throw new Error(`surface viewer: ${d.frames.length} values for ${nT} frames of ${d.stride}`);
  const maxF = opts.maxFrames ?? 300;
  const pick = nT <= maxF ? Array.from({ length: nT }, (_, k) => k) : Array.from({ length: maxF }, (_, k) => Math.round((k * (nT - 1)) / (maxF - 1)));
  const frames = new Float32Array(pick.length * V);
  let lo = Infinity, hi = -Infinity;
  pick.forEach((t, k) => {
    for (let v = 0; v < V; v++) {
      const x = d.frames[t * d.stride + v];
      frames[k * V + v] = x;
      if (Number.isFinite(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
    }
  });
  if (!(hi > lo)) hi = lo + 1;
  // centred and scaled into the unit sphere
  const c = [0, 1, 2].map((k) => { let s = 0; for (let v = 0; v < V; v++) s += d.vertices[3 * v + k]; return s / V; });
  let r = 0;
  for (let v = 0; v < V; v++) r = Math.max(r, Math.hypot(d.vertices[3 * v] - c[0], d.vertices[3 * v + 1] - c[1], d.vertices[3 * v + 2] - c[2]));
  const pos = Float32Array.from({ length: 3 * V }, (_, q) => (d.vertices[q] - c[q % 3]) / r);
  const nrm = Float32Array.from(vertexNormals(d.vertices, d.triangles));
  const tri = Uint32Array.from(d.triangles);
  const payload = {
    V, nF: pick.length, lo, hi, times: pick.map((t) => d.times[t]), label: opts.label ?? 'value',
    pos: b64(pos), nrm: b64(nrm), tri: b64(tri), frames: b64(frames), cmap: colourTable(),
  };
  const title = escapeHtml(opts.title ?? 'Activity on the cortex');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>${PAGE_STYLE}
#vbt-surface{width:100%;height:560px;background:#111;display:block;cursor:grab;border-radius:4px}
.controls{display:flex;gap:12px;align-items:center;margin:10px 0}.controls input[type=range]{flex:1}
#bar{height:12px;border-radius:2px}
</style></head><body>
<h1>${title}</h1>
<canvas id="vbt-surface" width="1000" height="560"></canvas>
<div class="controls"><button id="play">play</button><input id="frame" type="range" min="0" max="${pick.length - 1}" value="0" step="1"><span id="time"></span></div>
<div class="controls"><span>${escapeHtml(payload.label)}</span><span id="lo"></span><canvas id="bar" width="256" height="12"></canvas><span id="hi"></span><span>drag to rotate, wheel to zoom</span></div>
<script>
const D = ${JSON.stringify(payload)};
(function () {
  const dec = (s, T) => { const b = atob(s), u = new Uint8Array(b.length); for (let i = 0; i < b.length; i++) u[i] = b.charCodeAt(i); return new T(u.buffer); };
  const pos = dec(D.pos, Float32Array), nrm = dec(D.nrm, Float32Array), tri = dec(D.tri, Uint32Array), frames = dec(D.frames, Float32Array);
  const canvas = document.getElementById('vbt-surface');
  const gl = canvas.getContext('webgl', { preserveDrawingBuffer: true, antialias: true });
  const state = { frame: 0, yaw: -1.2, pitch: -1.3, zoom: 1, drawn: 0 };
  window.vbtSurface = state;
  if (!gl) { state.error = 'WebGL unavailable'; return; }
  gl.getExtension('OES_element_index_uint');
  const sh = (type, src) => { const s = gl.createShader(type); gl.shaderSource(s, src); gl.compileShader(s); if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s)); return s; };
  const prog = gl.createProgram();
  gl.attachShader(prog, sh(gl.VERTEX_SHADER, 'attribute vec3 p; attribute vec3 n; attribute vec3 c; uniform mat4 m; uniform float aspect; varying vec3 vc; varying float li;' +
    'void main(){ vec4 q = m * vec4(p, 1.0); vec3 nn = normalize((m * vec4(n, 0.0)).xyz); li = 0.35 + 0.65 * abs(dot(nn, normalize(vec3(0.3, 0.4, 1.0))));' +
    ' vc = c; gl_Position = vec4(q.x / aspect, q.y, -q.z * 0.5, 1.0); }'));
  gl.attachShader(prog, sh(gl.FRAGMENT_SHADER, 'precision mediump float; varying vec3 vc; varying float li; void main(){ gl_FragColor = vec4(vc * li, 1.0); }'));
  gl.linkProgram(prog); gl.useProgram(prog);
  const buf = (data, attr, size) => { const b = gl.createBuffer(); gl.bindBuffer(gl.ARRAY_BUFFER, b); gl.bufferData(gl.ARRAY_BUFFER, data, gl.DYNAMIC_DRAW); const l = gl.getAttribLocation(prog, attr); gl.enableVertexAttribArray(l); gl.vertexAttribPointer(l, size, gl.FLOAT, false, 0, 0); return b; };
  buf(pos, 'p', 3); buf(nrm, 'n', 3);
  const colours = new Float32Array(3 * D.V); const cbuf = buf(colours, 'c', 3);
  const ib = gl.createBuffer(); gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, ib); gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, tri, gl.STATIC_DRAW);
  gl.enable(gl.DEPTH_TEST);
  const bar = document.getElementById('bar').getContext('2d');
  for (let k = 0; k < 256; k++) { bar.fillStyle = 'rgb(' + [0, 1, 2].map((j) => Math.round(255 * D.cmap[3 * k + j])).join(',') + ')'; bar.fillRect(k, 0, 1, 12); }
  document.getElementById('lo').textContent = D.lo.toPrecision(3); document.getElementById('hi').textContent = D.hi.toPrecision(3);
  function setFrame(f) {
    state.frame = f;
    const o = f * D.V, s = 255 / (D.hi - D.lo);
    for (let v = 0; v < D.V; v++) { const k = Math.max(0, Math.min(255, Math.round((frames[o + v] - D.lo) * s))) * 3; colours[3 * v] = D.cmap[k]; colours[3 * v + 1] = D.cmap[k + 1]; colours[3 * v + 2] = D.cmap[k + 2]; }
    gl.bindBuffer(gl.ARRAY_BUFFER, cbuf); gl.bufferSubData(gl.ARRAY_BUFFER, 0, colours);
    document.getElementById('time').textContent = 't = ' + D.times[f].toFixed(2) + ' ms (' + (f + 1) + '/' + D.nF + ')';
    draw();
  }
  function draw() {
    const cy = Math.cos(state.yaw), sy = Math.sin(state.yaw), cp = Math.cos(state.pitch), sp = Math.sin(state.pitch), z = state.zoom;
    // rotation about z (yaw) then about x (pitch), scaled; column-major for WebGL
    const m = [z * cy, z * sy * cp, z * sy * sp, 0, -z * sy, z * cy * cp, z * cy * sp, 0, 0, -z * sp, z * cp, 0, 0, 0, 0, 1];
    gl.uniformMatrix4fv(gl.getUniformLocation(prog, 'm'), false, new Float32Array(m));
    gl.uniform1f(gl.getUniformLocation(prog, 'aspect'), canvas.width / canvas.height);
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(0.07, 0.07, 0.07, 1); gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    gl.drawElements(gl.TRIANGLES, tri.length, gl.UNSIGNED_INT, 0);
    state.drawn++;
  }
  state.setFrame = setFrame; state.draw = draw;
  const slider = document.getElementById('frame');
  slider.addEventListener('input', () => setFrame(Number(slider.value)));
  let drag = null;
  canvas.addEventListener('mousedown', (e) => { drag = [e.clientX, e.clientY]; });
  window.addEventListener('mouseup', () => { drag = null; });
  window.addEventListener('mousemove', (e) => { if (!drag) return; state.yaw += (e.clientX - drag[0]) * 0.01; state.pitch += (e.clientY - drag[1]) * 0.01; drag = [e.clientX, e.clientY]; draw(); });
  canvas.addEventListener('wheel', (e) => { e.preventDefault(); state.zoom *= Math.exp(-e.deltaY * 0.001); draw(); }, { passive: false });
  let timer = null;
  document.getElementById('play').addEventListener('click', (e) => {
    if (timer) { clearInterval(timer); timer = null; e.target.textContent = 'play'; return; }
    e.target.textContent = 'pause';
    timer = setInterval(() => { const f = (state.frame + 1) % D.nF; slider.value = String(f); setFrame(f); }, 60);
  });
  setFrame(0);
  state.ready = true;
})();
</script></body></html>`;
}
