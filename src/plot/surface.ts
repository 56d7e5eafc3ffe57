/**
 * Activity on the cortex as a static figure: lateral and medial views of both hemispheres, each a
 * flat projection of one hemisphere's triangles drawn far to near (painter's order) as Vega-Lite
 * geoshapes in identity projection, filled with the colour of the mean vertex value darkened by a
 * Lambert term so the folds read (the colour bar comes from an invisible layer on the same scale).
 * Renders to SVG/PNG through the usual headless Vega path (render.ts).
 */
import * as vega from 'vega';
import type { PlotSpec } from './render.js';
import { SEQUENTIAL_SCHEME } from './theme.js';

/** The theme's sequential colour map at t ∈ [0, 1], darkened by `shade`, as a hex colour. */
export function shadedColour(t: number, shade: number): string {
  const f = vega.scheme(SEQUENTIAL_SCHEME) as (t: number) => string;
  const m = /rgb\((\d+), (\d+), (\d+)\)/.exec(f(Math.min(1, Math.max(0, t))));
  const [r, g, b] = m ? [m[1], m[2], m[3]].map(Number) : [128, 128, 128];
  const h = (x: number) => Math.round(x * shade).toString(16).padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}

export interface SurfacePlotGeometry {
  vertices: ArrayLike<number>;
  triangles: ArrayLike<number>;
  /** Region index per vertex, with `leftRegions`, decides which vertices form the left hemisphere. */
  regionMapping?: ArrayLike<number>;
  /** Outward vertex normals (V×3), used to orient triangles; computed from the mesh when absent. */
  normals?: ArrayLike<number>;
}

export interface SurfacePlotOptions {
  title?: string;
  /** Colour-bar title. */
  label?: string;
  /** Which regions are in the left hemisphere (e.g. labels starting with 'l'); else the sign of the left-right axis. */
  leftRegions?: ArrayLike<boolean>;
  /** Colour domain; default the data's range. */
  domain?: [number, number];
  /** Width of one view (px). */
  width?: number;
}

type Vec = [number, number, number];
const sub = (a: Vec, b: Vec): Vec => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: Vec, b: Vec): Vec => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dot = (a: Vec, b: Vec) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/**
 * The left-right axis and the sign of the left side: from the mapping and `leftRegions` when given
 * (TVB's 16k cortex has left-right along y), else the x axis with left at negative x (RAS).
 */
export function hemisphereAxis(g: SurfacePlotGeometry, leftRegions?: ArrayLike<boolean>): { axis: 0 | 1; leftSign: number; mid: number } {
  const V = g.vertices.length / 3;
  if (g.regionMapping && leftRegions && g.regionMapping.length >= V) {
    const sum = [[0, 0, 0], [0, 0, 0]], cnt = [0, 0];
    for (let v = 0; v < V; v++) {
      const h = leftRegions[g.regionMapping[v]] ? 0 : 1;
      cnt[h]++;
      for (let d = 0; d < 3; d++) sum[h][d] += g.vertices[3 * v + d];
    }
    if (cnt[0] && cnt[1]) {
      const diff = [0, 1].map((d) => sum[0][d] / cnt[0] - sum[1][d] / cnt[1]);
      const axis = Math.abs(diff[0]) >= Math.abs(diff[1]) ? 0 : 1;
      const mid = (sum[0][axis] / cnt[0] + sum[1][axis] / cnt[1]) / 2;
      return { axis, leftSign: Math.sign(diff[axis]) || -1, mid };
    }
  }
  return { axis: 0, leftSign: -1, mid: 0 };
}

interface Face { d: number; coords: number[][]; fill: string }

/** The four views (left/right × lateral/medial) as one Vega-Lite spec. */
export function plotSurface(g: SurfacePlotGeometry, values: ArrayLike<number>, opts: SurfacePlotOptions = {}): PlotSpec {
  const V = g.vertices.length / 3, T = g.triangles.length / 3;
  if (values.length < V) throw new Error(`plotSurface: ${values.length} values for ${V} vertices`);
  const P = (v: number): Vec => [g.vertices[3 * v], g.vertices[3 * v + 1], g.vertices[3 * v + 2]];
  const { axis, leftSign, mid } = hemisphereAxis(g, opts.leftRegions);
  // hemisphere of a vertex: from the mapping when the left regions are known, else its side
  const byMap = !!(g.regionMapping && opts.leftRegions && g.regionMapping.length >= V);
  const isLeft = (v: number) => (byMap ? (opts.leftRegions![g.regionMapping![v]] ? 1 : 0) : (g.vertices[3 * v + axis] - mid) * leftSign > 0 ? 1 : 0);
  const up: Vec = [0, 0, 1];
  let lo = Infinity, hi = -Infinity;
  for (let v = 0; v < V; v++) { lo = Math.min(lo, values[v]); hi = Math.max(hi, values[v]); }
  const domain = opts.domain ?? [lo, hi === lo ? lo + 1 : hi];
  const views: { name: string; left: boolean; camSide: number }[] = [
    { name: 'left lateral', left: true, camSide: leftSign },
    { name: 'left medial', left: true, camSide: -leftSign },
    { name: 'right lateral', left: false, camSide: -leftSign },
    { name: 'right medial', left: false, camSide: leftSign },
  ];
  const width = opts.width ?? 320;
  const panels = views.map((view) => {
    const dir: Vec = [0, 0, 0];
    dir[axis] = -view.camSide; // from the camera into the scene
    const right = cross(dir, up);
    const light: Vec = [-dir[0] + 0.3 * right[0], -dir[1] + 0.3 * right[1], 0.5];
    const ll = Math.hypot(...light);
    const faces: Face[] = [];
    for (let t = 0; t < T; t++) {
      const a = g.triangles[3 * t], b = g.triangles[3 * t + 1], c = g.triangles[3 * t + 2];
      const pa = P(a), pb = P(b), pc = P(c);
      if (isLeft(a) + isLeft(b) + isLeft(c) >= 2 !== view.left) continue;
      let n = cross(sub(pb, pa), sub(pc, pa));
      if (g.normals && g.normals.length === g.vertices.length) {
        const vn: Vec = [0, 1, 2].map((d) => g.normals![3 * a + d] + g.normals![3 * b + d] + g.normals![3 * c + d]) as Vec;
        if (dot(n, vn) < 0) n = [-n[0], -n[1], -n[2]];
      }
      const nl = Math.hypot(...n) || 1;
      const shade = 0.3 + 0.7 * Math.abs(dot(n, light)) / (nl * ll);
      const value = (values[a] + values[b] + values[c]) / 3;
      const coords = [pa, pb, pc, pa].map((p) => [dot(p, right), p[2]]);
      const centre: Vec = [(pa[0] + pb[0] + pc[0]) / 3, (pa[1] + pb[1] + pc[1]) / 3, (pa[2] + pb[2] + pc[2]) / 3];
      faces.push({ d: dot(centre, dir), coords, fill: shadedColour((value - domain[0]) / (domain[1] - domain[0]), shade) });
    }
    faces.sort((x, y) => y.d - x.d); // far (large depth along dir) first
    const features = faces.map((f) => ({ type: 'Feature', properties: { fill: f.fill }, geometry: { type: 'Polygon', coordinates: [f.coords] } }));
    return {
      title: view.name,
      width, height: Math.round(width * 0.75),
      view: { stroke: null },
      layer: [
        {
          data: { values: features, format: { type: 'json' } },
          projection: { type: 'identity', reflectY: true, fit: { type: 'FeatureCollection', features } },
          mark: { type: 'geoshape', strokeWidth: 0.4 },
          encoding: { fill: { field: 'properties.fill', type: 'nominal', scale: null }, stroke: { field: 'properties.fill', type: 'nominal', scale: null } },
        },
        {
          // invisible: carries the colour scale and its legend
          data: { values: [{ v: domain[0] }, { v: domain[1] }] },
          mark: { type: 'point', opacity: 0 },
          encoding: { color: { field: 'v', type: 'quantitative', title: opts.label ?? 'value', scale: { scheme: SEQUENTIAL_SCHEME, domain } } },
        },
      ],
    };
  });
  return {
    title: opts.title ?? 'Activity on the cortex',
    vconcat: [{ hconcat: [panels[0], panels[2]] }, { hconcat: [panels[1], panels[3]] }],
    resolve: { scale: { color: 'shared' } },
  } as unknown as PlotSpec;
}
