/**
 * Phase plane of a model: the vector field of two state variables on a grid, with their
 * nullclines (where one derivative vanishes), evaluated from the model's own equations via the
 * reference interpreter, so every catalogue model (or a user's YAML) works unchanged.
 */
import type { PlotSpec } from './render.js';
import type { ModelSpec } from '../models/spec.js';
import { getModel } from '../models/catalogue.js';
import { interpretDfun } from '../models/interpret.js';
import { OKABE_ITO, SEQUENTIAL_SCHEME } from './theme.js';
import { withUnit } from './data.js';

export interface PhasePlaneOptions {
  /** State variable on x (default: the first) and y (default: the second). */
  x?: string;
  y?: string;
  /** Axis ranges (default: the state variables' ranges from the model). */
  xRange?: [number, number];
  yRange?: [number, number];
  /** Grid points per axis for the arrows (default 21) and for the nullclines (default 201). */
  grid?: number;
  nullclineGrid?: number;
  /** Parameter overrides (scalars). */
  parameters?: Record<string, number>;
  /** Values of the other state variables (default: the middle of their ranges). */
  fixed?: Record<string, number>;
  /** Coupling input c_k held constant (default 0 for every row). */
  coupling?: number[];
}

export interface Segment { x1: number; y1: number; x2: number; y2: number }

export interface PhasePlane {
  model: string;
  x: string;
  y: string;
  xUnit?: string;
  yUnit?: string;
  xRange: [number, number];
  yRange: [number, number];
  /** Arrow grid: position and derivative. */
  vectors: { x: number; y: number; dx: number; dy: number }[];
  /** Zero-level segments of dx/dt (the x-nullcline) and dy/dt (the y-nullcline). */
  nullclines: { x: Segment[]; y: Segment[] };
}

/**
 * Zero level set of f sampled on a grid (f[j * nx + i] at (xs[i], ys[j])) as line segments, by
 * marching squares with linear interpolation along cell edges; saddle cells are split using the
 * cell-centre value.
 *
 * @example
 * ```ts
 * import { zeroContour } from 'vbt';
 * const xs = [-1, 0, 1], ys = [-1, 0, 1];
 * const f = ys.flatMap((y) => xs.map((x) => x - y)); // zero on the diagonal
 * zeroContour(f, xs, ys).length; // 4 segments along y = x
 * ```
 */
export function zeroContour(f: ArrayLike<number>, xs: ArrayLike<number>, ys: ArrayLike<number>): Segment[] {
  const nx = xs.length, ny = ys.length;
  if (f.length !== nx * ny) throw new Error(`zeroContour: ${f.length} values for a ${nx}×${ny} grid`);
  const out: Segment[] = [];
  const cross = (xa: number, ya: number, fa: number, xb: number, yb: number, fb: number): [number, number] => {
    const s = fa / (fa - fb);
    return [xa + s * (xb - xa), ya + s * (yb - ya)];
  };
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      // corners counter-clockwise: (i,j) (i+1,j) (i+1,j+1) (i,j+1)
      const cx = [xs[i], xs[i + 1], xs[i + 1], xs[i]];
      const cy = [ys[j], ys[j], ys[j + 1], ys[j + 1]];
      const cf = [f[j * nx + i], f[j * nx + i + 1], f[(j + 1) * nx + i + 1], f[(j + 1) * nx + i]];
      if (cf.some((v) => !Number.isFinite(v))) continue;
      const pts: [number, number][] = [];
      for (let e = 0; e < 4; e++) {
        const a = e, b = (e + 1) % 4;
        const fa = cf[a], fb = cf[b];
        // half-open rule (≥ 0 vs < 0) so a zero at a corner is counted once
        if ((fa >= 0) !== (fb >= 0)) pts.push(cross(cx[a], cy[a], fa, cx[b], cy[b], fb));
      }
      if (pts.length === 2) out.push({ x1: pts[0][0], y1: pts[0][1], x2: pts[1][0], y2: pts[1][1] });
      else if (pts.length === 4) {
        const centre = (cf[0] + cf[1] + cf[2] + cf[3]) / 4;
        // edges 0..3; pair so that the segments separate the corners whose sign differs from the centre
        const pair = (centre >= 0) === (cf[0] >= 0) ? [[0, 1], [2, 3]] : [[3, 0], [1, 2]];
        for (const [p, q] of pair) out.push({ x1: pts[p][0], y1: pts[p][1], x2: pts[q][0], y2: pts[q][1] });
      }
    }
  }
  return out;
}

function linspace(a: number, b: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, k) => (n === 1 ? a : a + ((b - a) * k) / (n - 1)));
}

/**
 * Evaluate a model's vector field and nullclines in the plane of two state variables.
 *
 * @example
 * ```ts
 * import { phasePlane } from 'vbt';
 * const pp = phasePlane('Generic2dOscillator', { grid: 15 });
 * pp.vectors.length; // 225
 * ```
 */
export function phasePlane(model: string | ModelSpec, opts: PhasePlaneOptions = {}): PhasePlane {
  const spec = getModel(model);
  if ((spec.modes ?? 1) > 1) throw new Error(`phasePlane: model ${spec.name} has ${spec.modes} modes; phase planes are drawn for single-mode models only`);
  const svs = Object.keys(spec.state_variables);
  if (svs.length < 2) throw new Error(`phasePlane: model ${spec.name} has one state variable (${svs[0]}); a phase plane needs two`);
  const xName = opts.x ?? svs[0], yName = opts.y ?? svs[1];
  for (const [what, n] of [['x', xName], ['y', yName]] as const) {
    if (!svs.includes(n)) throw new Error(`phasePlane: ${what}='${n}' is not a state variable of ${spec.name}; expected one of ${svs.join(', ')}`);
  }
  if (xName === yName) throw new Error(`phasePlane: x and y are both '${xName}'; expected two different state variables`);
  for (const p of Object.keys(opts.parameters ?? {})) if (!(p in spec.parameters)) throw new Error(`phasePlane: unknown parameter '${p}' for ${spec.name}; expected one of ${Object.keys(spec.parameters).join(', ')}`);
  for (const p of Object.keys(opts.fixed ?? {})) if (!svs.includes(p)) throw new Error(`phasePlane: fixed '${p}' is not a state variable of ${spec.name}`);
  const xr = opts.xRange ?? spec.state_variables[xName].range;
  const yr = opts.yRange ?? spec.state_variables[yName].range;
  for (const [n, r] of [['xRange', xr], ['yRange', yr]] as const) if (!(r[1] > r[0])) throw new Error(`phasePlane: ${n} [${r.join(', ')}] is empty; expected [lo, hi] with lo < hi`);
  const ix = svs.indexOf(xName), iy = svs.indexOf(yName);
  const ncv = spec.cvar.length;
  const coupling = opts.coupling ?? Array(ncv).fill(0);
  if (coupling.length !== ncv) throw new Error(`phasePlane: coupling has ${coupling.length} values; ${spec.name} has ${ncv} coupling variables (${spec.cvar.join(', ')})`);

  const evalGrid = (xs: Float64Array, ys: Float64Array) => {
    const N = xs.length * ys.length;
    const state = new Float64Array(svs.length * N);
    svs.forEach((sv, k) => {
      const r = spec.state_variables[sv].range;
      const v = opts.fixed?.[sv] ?? (r[0] + r[1]) / 2;
      state.fill(v, k * N, (k + 1) * N);
    });
    for (let j = 0; j < ys.length; j++) for (let i = 0; i < xs.length; i++) {
      const node = j * xs.length + i;
      state[ix * N + node] = xs[i];
      state[iy * N + node] = ys[j];
    }
    const c = new Float64Array(ncv * N);
    for (let k = 0; k < ncv; k++) c.fill(coupling[k], k * N, (k + 1) * N);
    const d = interpretDfun(spec, { nodes: N, parameters: opts.parameters, state, coupling: c });
    return { dx: d.subarray(ix * N, (ix + 1) * N), dy: d.subarray(iy * N, (iy + 1) * N) };
  };

  const g = opts.grid ?? 21;
  const gx = linspace(xr[0], xr[1], g), gy = linspace(yr[0], yr[1], g);
  const field = evalGrid(gx, gy);
  const vectors = [];
  for (let j = 0; j < g; j++) for (let i = 0; i < g; i++) vectors.push({ x: gx[i], y: gy[j], dx: field.dx[j * g + i], dy: field.dy[j * g + i] });

  const h = opts.nullclineGrid ?? 201;
  const hx = linspace(xr[0], xr[1], h), hy = linspace(yr[0], yr[1], h);
  const fine = evalGrid(hx, hy);
  return {
    model: spec.name, x: xName, y: yName,
    xUnit: spec.state_variables[xName].unit, yUnit: spec.state_variables[yName].unit,
    xRange: [xr[0], xr[1]], yRange: [yr[0], yr[1]],
    vectors,
    nullclines: { x: zeroContour(fine.dx, hx, hy), y: zeroContour(fine.dy, hx, hy) },
  };
}

export interface PhasePlanePlotOptions {
  /** A trajectory to draw on top: points in the plane in time order. */
  trajectory?: { x: ArrayLike<number>; y: ArrayLike<number> };
  title?: string;
  width?: number;
  height?: number;
}

/**
 * Vector field (arrows of equal length along the flow, coloured by log speed) with both nullclines
 * and an optional trajectory. Directions are taken on screen, so arrows follow the flow whatever
 * the axes' aspect.
 */
export function plotPhasePlane(pp: PhasePlane, opts: PhasePlanePlotOptions = {}): PlotSpec {
  const W = opts.width ?? 420, H = opts.height ?? 380;
  const sx = W / (pp.xRange[1] - pp.xRange[0]), sy = H / (pp.yRange[1] - pp.yRange[0]);
  // arrows of a fixed on-screen length (70 % of a grid cell) along the flow; colour carries speed
  const g = Math.max(2, Math.round(Math.sqrt(pp.vectors.length)));
  const cellPx = Math.min(W, H) / (g - 1);
  const arrows = pp.vectors.filter((v) => Number.isFinite(v.dx) && Number.isFinite(v.dy)).map((v) => {
    const speed = Math.hypot(v.dx, v.dy);
    const px = v.dx * sx, py = v.dy * sy;
    const norm = Math.hypot(px, py) || 1;
    const len = 0.7 * cellPx;
    // screen angle, degrees clockwise from "up" (vega's symbol rotation)
    const angle = (Math.atan2(px, py) * 180) / Math.PI;
    return { ...v, tipX: v.x + (len * px) / norm / sx, tipY: v.y + (len * py) / norm / sy, speed, logSpeed: Math.log10(speed || Number.MIN_VALUE), angle };
  });
  const ncl = [
    ...pp.nullclines.x.map((s) => ({ ...s, which: `d${pp.x}/dt = 0` })),
    ...pp.nullclines.y.map((s) => ({ ...s, which: `d${pp.y}/dt = 0` })),
  ];
  const xEnc = { field: 'x', type: 'quantitative', title: withUnit(pp.x, pp.xUnit), scale: { domain: pp.xRange, nice: false } };
  const yEnc = { field: 'y', type: 'quantitative', title: withUnit(pp.y, pp.yUnit), scale: { domain: pp.yRange, nice: false } };
  const speedColour = { field: 'logSpeed', type: 'quantitative', title: 'log₁₀ speed', scale: { scheme: SEQUENTIAL_SCHEME } };
  const layer: unknown[] = [
    {
      data: { values: arrows },
      mark: { type: 'rule', strokeWidth: 1.2, clip: true },
      encoding: {
        x: xEnc, y: yEnc, x2: { field: 'tipX' }, y2: { field: 'tipY' },
        color: speedColour,
        tooltip: [{ field: 'x' }, { field: 'y' }, { field: 'dx', title: `d${pp.x}/dt` }, { field: 'dy', title: `d${pp.y}/dt` }],
      },
    },
    {
      data: { values: arrows },
      mark: { type: 'point', shape: 'triangle-up', filled: true, size: 28, opacity: 1, clip: true },
      encoding: {
        x: { field: 'tipX', type: 'quantitative' }, y: { field: 'tipY', type: 'quantitative' },
        angle: { field: 'angle', type: 'quantitative', scale: { domain: [-360, 360], range: [-360, 360] } },
        color: { ...speedColour, legend: null },
      },
    },
    {
      data: { values: ncl },
      mark: { type: 'rule', strokeWidth: 2, clip: true },
      encoding: {
        x: { field: 'x1', type: 'quantitative' }, y: { field: 'y1', type: 'quantitative' },
        x2: { field: 'x2' }, y2: { field: 'y2' },
        stroke: { field: 'which', type: 'nominal', title: 'nullcline', scale: { range: [OKABE_ITO[5], OKABE_ITO[0]] } },
      },
    },
  ];
  if (opts.trajectory) {
    const { x, y } = opts.trajectory;
    if (x.length !== y.length) throw new Error(`plotPhasePlane: trajectory x has ${x.length} points and y ${y.length}; expected equal lengths`);
    layer.push({
      data: { values: Array.from({ length: x.length }, (_, k) => ({ order: k, x: x[k], y: y[k] })) },
      mark: { type: 'line', color: '#000000', strokeWidth: 1.5, clip: true },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, order: { field: 'order', type: 'quantitative' } },
    });
  }
  return {
    title: opts.title ?? `Phase plane of ${pp.model}: ${pp.y} vs ${pp.x}`,
    width: W, height: H,
    layer,
    resolve: { scale: { color: 'independent' } },
  } as unknown as PlotSpec;
}
