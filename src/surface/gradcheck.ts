/**
 * Gradient check of a surface run: the float64 surface adjoint's derivative of a scalar loss
 * against Richardson-extrapolated central differences of the same loss run by the surface engine
 * (src/surface/run.ts). The loss is the mean of one variable of interest of the first monitor over
 * the second half of its samples (all nodes), as `vbt gradcheck` on region runs.
 *
 * @example
 * ```ts
 * import { surfaceGradcheck, Connectivity } from 'vbt';
 * const surface = { vertices: Float64Array.of(1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1), triangles: Int32Array.of(0, 1, 2, 0, 3, 1, 0, 2, 3, 1, 3, 2), normals: new Float64Array(0) };
 * const connectivity = new Connectivity({ weights: [0, 1, 1, 0], tractLengths: [0, 2, 2, 0], speed: 1 });
 * const r = surfaceGradcheck({ model: 'Generic2dOscillator', connectivity, surface, regionMapping: [0, 0, 1, 1],
 *   localConnectivity: { kind: 'neighbours' }, localCoupling: 0.5, integrator: { name: 'Heun', dt: 0.1 }, duration: 5,
 *   monitors: [{ name: 'TemporalAverage', period: 1 }] }, { param: 'localCoupling' });
 * console.log(r.adjoint, r.finiteDifference, r.relErr);   // relErr ~1e-10
 * ```
 */
import type { SimulationConfig } from '../simulation/config.js';
import { richardsonDerivative } from '../engine/adjoint/fd.js';
import type { AdjointOutput } from '../engine/adjoint/run.js';
import { simulateSurface } from './run.js';
import { SurfaceAdjoint } from './adjoint.js';

export interface SurfaceGradcheckOptions {
  /** A model parameter, `coupling.NAME` or `localCoupling`. */
  param: string;
  /** One region (model and coupling parameters) or one vertex (localCoupling); omitted: the whole parameter. */
  index?: number;
  /** Variable of interest the loss averages (default 0). */
  voi?: number;
  /** Largest finite-difference step relative to the value (default 1e-2). */
  step?: number;
}

export interface SurfaceGradcheckResult {
  param: string;
  index?: number;
  value: number;
  loss: number;
  adjoint: number;
  finiteDifference: number;
  fdError: number;
  relErr: number;
  /** The FD does not resolve this gradient to 1 %. */
  belowResolution: boolean;
  h: number;
  seconds: { adjoint: number; finiteDifference: number };
}

/** Mean of voi over the second half of the first monitor's samples, and its cotangent. */
function halfMean(o: { data: ArrayLike<number>; shape: number[] }, voi: number): { value: number; bar: Float64Array } {
  const [B, T, V, N, M] = o.shape;
  if (voi < 0 || voi >= V) throw new Error(`gradcheck: voi ${voi} out of range; the monitor records ${V} variable(s)`);
  const t0 = Math.floor(T / 2), cnt = B * (T - t0) * N * M;
  const bar = new Float64Array(o.data.length);
  let acc = 0;
  for (let b = 0; b < B; b++) for (let t = t0; t < T; t++) for (let q = 0; q < N * M; q++) {
    const i = ((b * T + t) * V + voi) * N * M + q;
    acc += o.data[i];
    bar[i] = 1 / cnt;
  }
  return { value: acc / cnt, bar };
}

export function surfaceGradcheck(cfg: SimulationConfig, opts: SurfaceGradcheckOptions): SurfaceGradcheckResult {
  const { param, index } = opts;
  const voi = opts.voi ?? 0;
  const isLc = param === 'localCoupling', isC = param.startsWith('coupling.');
  const layout = index === undefined ? 'scalar' : isLc ? 'node' : 'region';
  const t0 = performance.now();
  const adj = new SurfaceAdjoint(cfg, { wrt: [param], layouts: { [param]: layout } });
  const fw = adj.forward();
  const { value: loss, bar } = halfMean(fw.outputs[0], voi);
  const g = fw.backward([bar, ...fw.outputs.slice(1).map((o: AdjointOutput) => new Float64Array(o.data.length))])[param];
  const t1 = performance.now();
  if (index !== undefined && !(Number.isInteger(index) && index >= 0 && index < g.length)) {
    throw new Error(`gradcheck --index: ${index} is not a ${isLc ? 'vertex' : 'region'} index (0..${g.length - 1})`);
  }
  const adjoint = g[index ?? 0];
  // the configured value(s) and a copy with element `index` (or all of them) moved by x
  const { plan } = adj.prep;
  const R = plan.R, V = adj.prep.geometry.regionMapping.length;
  const src: ArrayLike<number> | number | undefined = isLc ? cfg.localCoupling ?? 1
    : isC ? cfg.couplingParameters?.[param.slice(9)] as number | ArrayLike<number> | undefined ?? plan.couplingParams[param.slice(9)].data[0]
      : cfg.parameters?.[param] as number | ArrayLike<number> | undefined ?? plan.modelParams[param].data[0];
  const n = index === undefined ? 1 : isLc ? V : R;
  if (typeof src !== 'number' && src.length > 1 && !isLc && src.length !== R) throw new Error(`gradcheck: ${param} has ${src.length} values; a surface gradient check takes one value or one per region (${R})`);
  const at = (k: number) => (typeof src === 'number' ? src : src.length === 1 ? src[0] : src[k]);
  const moved = (x: number): number | Float64Array => (index === undefined
    ? (typeof src === 'number' || src.length === 1 ? at(0) + x : Float64Array.from(src, (v) => v + x))
    : Float64Array.from({ length: n }, (_, k) => at(k) + (k === index ? x : 0)));
  const value = index === undefined ? at(0) : at(index);
  const run = (x: number) => {
    const v = moved(x);
    const c: SimulationConfig = isLc ? { ...cfg, localCoupling: v }
      : isC ? { ...cfg, couplingParameters: { ...cfg.couplingParameters, [param.slice(9)]: v } }
        : { ...cfg, parameters: { ...cfg.parameters, [param]: v } };
    const out = simulateSurface({ ...c, onProgress: undefined }).monitors[0];
    return halfMean({ data: out.data, shape: out.shape }, voi).value;
  };
  const scale = (opts.step ?? 1e-2) * 100 * Math.max(Math.abs(value), 0.1);
  const fd = richardsonDerivative(run, 0, scale);
  const t2 = performance.now();
  return {
    param, index, value, loss, adjoint, finiteDifference: fd.value, fdError: fd.error,
    relErr: Math.abs(adjoint - fd.value) / Math.max(Math.abs(fd.value), 1e-12),
    belowResolution: fd.error > 0.01 * Math.abs(fd.value), h: fd.h,
    seconds: { adjoint: (t1 - t0) / 1000, finiteDifference: (t2 - t1) / 1000 },
  };
}
