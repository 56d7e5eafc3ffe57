/**
 * Region lead fields built from a cortical surface: every vertex is a dipole along its normal
 * (the cortical column orientation), and a region's gain is the sum of its vertices' gains via
 * the region mapping — what region-level activity looks like to the sensors when each region's
 * current is spread over its own patch of cortex. Same head models as `gain.ts` (TVB's EEG sphere,
 * Sarvas MEG, iEEG dipoles).
 */
import type { Surface } from '../../network/surface.js';
import type { Sensors } from './sensors.js';
import { dipolePotential, eegSensorSphere, sarvasField, type GainMatrix } from './gain.js';

export interface SurfaceGainOptions {
  surface: Surface;
  /** Region index per vertex. */
  regionMapping: ArrayLike<number>;
  /** Number of regions (default: max index + 1). */
  regions?: number;
  modality: 'eeg' | 'meg' | 'ieeg';
  /** Conductivity (S/m) for EEG/iEEG; default 1. */
  sigma?: number;
}

/**
 * Area-weighted vertex normals (sum of the incident triangles' cross products, normalised), for
 * surfaces stored without normals. Triangles are taken counter-clockwise seen from outside.
 *
 * @example
 * ```ts
 * import { vertexNormals } from 'vbt';
 * vertexNormals([0, 0, 0, 1, 0, 0, 0, 1, 0], [0, 1, 2]); // three times [0, 0, 1]
 * ```
 */
export function vertexNormals(vertices: ArrayLike<number>, triangles: ArrayLike<number>): Float64Array {
  const out = new Float64Array(vertices.length);
  for (let t = 0; t < triangles.length; t += 3) {
    const [a, b, c] = [triangles[t], triangles[t + 1], triangles[t + 2]];
    const u = [0, 1, 2].map((d) => vertices[3 * b + d] - vertices[3 * a + d]);
    const v = [0, 1, 2].map((d) => vertices[3 * c + d] - vertices[3 * a + d]);
    const nrm = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
    for (const k of [a, b, c]) for (let d = 0; d < 3; d++) out[3 * k + d] += nrm[d];
  }
  for (let k = 0; k < out.length; k += 3) {
    const len = Math.hypot(out[k], out[k + 1], out[k + 2]);
    if (len > 0) for (let d = 0; d < 3; d++) out[k + d] /= len;
  }
  return out;
}

/**
 * Sensors × regions lead field from a surface and its region mapping.
 *
 * @example
 * ```ts
 * import { readRegionMapping, readSensors, readTvbSurfaceZip, surfaceRegionGain } from 'vbt';
 * const g = surfaceRegionGain(readSensors('../shared/data/tvb/eeg_brainstorm_65.txt'), {
 *   surface: readTvbSurfaceZip('../shared/data/tvb/cortex_16384.zip'), regionMapping: readRegionMapping('../shared/data/tvb/regionMapping_16k_76.txt'),
 *   modality: 'eeg',
 * }); // 65 × 76
 * ```
 */
export function surfaceRegionGain(sensors: Sensors, opts: SurfaceGainOptions): GainMatrix {
  const { surface, regionMapping, modality } = opts;
  const V = surface.vertices.length / 3;
  if (regionMapping.length !== V) throw new Error(`surfaceRegionGain: region mapping has ${regionMapping.length} entries for ${V} vertices`);
  let R = opts.regions ?? 0;
  if (opts.regions === undefined) for (let k = 0; k < V; k++) R = Math.max(R, regionMapping[k] + 1);
  for (let k = 0; k < V; k++) {
    const r = regionMapping[k];
    if (!Number.isInteger(r) || r < 0 || r >= R) throw new Error(`surfaceRegionGain: vertex ${k} maps to region ${r}; expected 0..${R - 1}`);
  }
  const sigma = opts.sigma ?? 1;
  if (!(sigma > 0)) throw new Error(`surfaceRegionGain: sigma=${sigma}; expected a positive conductivity in S/m`);
  const pos = Float64Array.from(surface.vertices, (v) => v / 1000);
  const nrm = surface.normals.length === surface.vertices.length ? Float64Array.from(surface.normals) : vertexNormals(surface.vertices, surface.triangles);
  for (let k = 0; k < V; k++) {
    const len = Math.hypot(nrm[3 * k], nrm[3 * k + 1], nrm[3 * k + 2]);
    if (!(len > 0)) throw new Error(`surfaceRegionGain: vertex ${k} has no normal (isolated vertex?)`);
    for (let d = 0; d < 3; d++) nrm[3 * k + d] /= len;
  }
  const S = sensors.labels.length;
  const out = new Float64Array(S * R);
  if (modality === 'meg') {
    const loc = Float64Array.from(sensors.positions, (v) => v / 1000);
    for (let s = 0; s < S; s++) {
      const rs = loc.subarray(3 * s, 3 * s + 3);
      const o = sensors.orientations;
      for (let k = 0; k < V; k++) {
        const B = sarvasField(rs, pos.subarray(3 * k, 3 * k + 3), nrm.subarray(3 * k, 3 * k + 3));
        // a surface dipole's field has a sign: without coil orientations take the radial component
        const along = o ? B[0] * o[3 * s] + B[1] * o[3 * s + 1] + B[2] * o[3 * s + 2] : (B[0] * rs[0] + B[1] * rs[1] + B[2] * rs[2]) / Math.hypot(rs[0], rs[1], rs[2]);
        out[s * R + regionMapping[k]] += along;
      }
    }
  } else {
    const loc = modality === 'eeg' ? eegSensorSphere(sensors, pos) : Float64Array.from(sensors.positions, (v) => v / 1000);
    const g = dipolePotential(loc, pos, nrm, sigma); // S × V
    for (let s = 0; s < S; s++) for (let k = 0; k < V; k++) out[s * R + regionMapping[k]] += g[s * V + k];
  }
  return { data: out, sensors: S, regions: R, labels: sensors.labels };
}
