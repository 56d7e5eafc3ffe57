/**
 * Surface stimuli as TVB's StimuliSurface: a spatial equation of the distance along the surface from
 * each focal vertex, summed over the focal points, gives one weight per vertex; the simulator then
 * adds weight × temporal(t) to the stimulated variables (config.stimulus with these weights).
 */
import { compileEquation, getEquation } from '../equations/index.js';
import type { Surface } from '../network/surface.js';
import { SurfaceDistances, SPATIAL_EQUATIONS, type DistanceMethod } from './local-connectivity.js';

export interface SurfaceStimulusPattern {
  /** Vertex indices of the focal points (TVB takes the first vertex of each focal triangle). */
  focalVertices: number[];
  /** Spatial equation of the distance (mm): Gaussian, DoubleGaussian, Sigmoid, GeneralizedSigmoid. */
  spatial: { equation: (typeof SPATIAL_EQUATIONS)[number]; parameters?: Record<string, number> };
  /** Distance along the surface: fast marching (default) or shortest edge paths. */
  distance?: DistanceMethod;
}

/** One weight per vertex: Σ_focal spatial(distance along the surface to that focal vertex). */
export function surfaceStimulusWeights(surface: Surface, p: SurfaceStimulusPattern): Float64Array {
  if (!p.focalVertices.length) throw new Error('surface stimulus: no focal vertices');
  if (!SPATIAL_EQUATIONS.includes(p.spatial.equation)) throw new Error(`surface stimulus: spatial equation '${p.spatial.equation}'; expected one of ${SPATIAL_EQUATIONS.join(', ')}`);
  const f = compileEquation(getEquation(p.spatial.equation), p.spatial.parameters ?? {});
  const geo = new SurfaceDistances(surface, p.distance ?? 'fmm', 'surface stimulus: surface');
  const out = new Float64Array(geo.graph.rows);
  for (const v of p.focalVertices) {
    const d = geo.from([v]);
    for (let k = 0; k < out.length; k++) out[k] += f(d[k]);
  }
  return out;
}
