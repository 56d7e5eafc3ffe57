/**
 * Surface figures of a simulation result that carries its cortex (`res.surface`): the static
 * four-view figure at one sample time and the interactive viewer over all samples of a vertex-level
 * monitor (Raw, TemporalAverage, SubSample, Bold...).
 */
import type { SimulationResult } from '../results/simulation.js';
import { plotSurface } from './surface.js';
import { surfaceViewerHtml } from './surface-viewer.js';
import type { PlotSpec } from './render.js';

export interface SurfaceFigureOptions {
  /** Monitor name or index (default: the first with one value per vertex). */
  monitor?: string | number;
  variable?: string;
  batch?: number;
  /** Static figure: sample time (ms, nearest sample); default the last. */
  time?: number;
  /** Which regions are left (labels starting with 'l' when the result has its network). */
  leftRegions?: ArrayLike<boolean>;
  maxFrames?: number;
}

/** Frames of one variable of a vertex-level monitor. */
export function surfaceSeries(res: SimulationResult, o: SurfaceFigureOptions = {}) {
  const g = res.surface;
  if (!g) throw new Error('surface figure: the result carries no cortical surface (not a surface run, or saved without its geometry)');
  const V = g.vertices.length / 3;
  const mons = res.monitors;
  const idx = o.monitor === undefined ? mons.findIndex((m) => m.shape[3] >= V)
    : typeof o.monitor === 'number' ? o.monitor : mons.findIndex((m) => m.name === o.monitor);
  const m = mons[idx];
  if (!m) throw new Error(`surface figure: no monitor ${o.monitor === undefined ? 'with one value per vertex' : `'${o.monitor}'`}; monitors: ${mons.map((x) => `${x.name} (${x.shape[3]} nodes)`).join(', ')}`);
  const [B, T, nV, N, M] = m.shape;
  if (N < V) throw new Error(`surface figure: monitor ${m.name} has ${N} nodes, fewer than the ${V} vertices (a region-level monitor); pick a vertex-level one`);
  const vi = o.variable === undefined ? 0 : m.variables.indexOf(o.variable);
  if (vi < 0) throw new Error(`surface figure: variable '${o.variable}' not in monitor ${m.name} (${m.variables.join(', ')})`);
  const b = o.batch ?? 0;
  if (!(b >= 0 && b < B)) throw new Error(`surface figure: batch element ${b} outside 0..${B - 1}`);
  const frames = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) frames[t * N + n] = m.data[(((b * T + t) * nV + vi) * N + n) * M];
  return { frames, stride: N, times: m.time, variable: m.variables[vi], monitor: m.name, geometry: g };
}

function leftFromLabels(res: SimulationResult): boolean[] | undefined {
  const labels = res.surface?.regionLabels ?? res.network?.labels;
  if (!labels?.length) return undefined;
  return labels.every((l) => /^[lr]/i.test(l)) ? labels.map((l) => /^l/i.test(l)) : undefined;
}

/** Four views at one sample time. */
export function plotSurfaceResult(res: SimulationResult, o: SurfaceFigureOptions = {}): PlotSpec {
  const s = surfaceSeries(res, o);
  const T = s.times.length;
  let t = T - 1;
  if (o.time !== undefined) {
    let best = Infinity;
    for (let k = 0; k < T; k++) if (Math.abs(s.times[k] - o.time) < best) { best = Math.abs(s.times[k] - o.time); t = k; }
  }
  const g = s.geometry;
  return plotSurface(g, s.frames.subarray(t * s.stride, (t + 1) * s.stride), {
    leftRegions: o.leftRegions ?? leftFromLabels(res), label: `${s.variable} (${s.monitor})`,
    title: `${res.info.model} on the cortex, ${s.variable} at t = ${s.times[t].toFixed(2)} ms`,
  });
}

/** The interactive viewer page over the monitor's samples. */
export function surfaceViewerFromResult(res: SimulationResult, o: SurfaceFigureOptions = {}): string {
  const s = surfaceSeries(res, o);
  return surfaceViewerHtml({ vertices: s.geometry.vertices, triangles: s.geometry.triangles, frames: s.frames, stride: s.stride, times: s.times }, {
    title: `${res.info.model} on the cortex: ${s.variable} (${s.monitor})`, label: s.variable, maxFrames: o.maxFrames,
  });
}
