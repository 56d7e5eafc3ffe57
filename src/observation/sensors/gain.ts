/**
 * Lead fields (gain matrices, sensors × regions) for region-level sources: each region is a
 * current dipole at its centre. Simple analytic head models, as TVB's `analytic` projections:
 *
 * - EEG: dipole in an infinite homogeneous conductor, V = Q·(r − r₀) / (4πσ|r − r₀|³), with the
 *   sensors moved onto a sphere around the sources (TVB: centre = mean source position, radius =
 *   1.05125 × the largest source distance from it, each sensor along its direction from the origin).
 * - MEG: Sarvas (1987) field of a dipole in a spherically symmetric conductor centred at the
 *   origin of the coordinates, B = μ₀/(4πF²)·(F Q×r₀ − (Q×r₀·r) ∇F), read along the coil orientation
 *   (or its magnitude when the sensors have none). A radial dipole produces no field.
 * - iEEG/sEEG: the EEG dipole formula at the contacts' own positions (no sphere).
 *
 * Dipole orientations: given per region (TVB's average cortical normals from the connectivity),
 * 'radial' (from the source centroid), or 'free' — the root-sum-square of the three unit dipoles'
 * gains (orientation-free, non-negative).
 * Units: positions in mm are converted to m; σ in S/m; EEG in V and MEG in T per A·m.
 */
import type { Sensors } from './sensors.js';

export type DipoleOrientation = 'radial' | 'free' | ArrayLike<number>;

export interface GainOptions {
  /** n × 3 region centres (mm). */
  centres: ArrayLike<number>;
  /** Dipole orientations; default 'radial' for EEG/iEEG, 'free' for MEG (radial dipoles are MEG-silent). */
  orientation?: DipoleOrientation;
  /** Conductivity (S/m), EEG/iEEG; default 1 (TVB's default). */
  sigma?: number;
}

/** A sensors × regions matrix, row-major. */
export interface GainMatrix {
  data: Float64Array;
  sensors: number;
  regions: number;
  labels?: string[];
}

const MU0 = 4e-7 * Math.PI;

function centresOf(c: ArrayLike<number>): { n: number; r: Float64Array } {
  if (c.length % 3 !== 0 || c.length === 0) throw new Error(`gain: centres has ${c.length} values; expected n × 3 (x, y, z per region, mm)`);
  return { n: c.length / 3, r: Float64Array.from(c, (v) => v / 1000) };
}

function orientations(o: DipoleOrientation, r: Float64Array, n: number): Float64Array[] {
  if (o === 'free') return [0, 1, 2].map((k) => { const q = new Float64Array(3 * n); for (let i = 0; i < n; i++) q[3 * i + k] = 1; return q; });
  const q = new Float64Array(3 * n);
  if (o === 'radial') {
    const c = [0, 0, 0];
    for (let i = 0; i < n; i++) for (let d = 0; d < 3; d++) c[d] += r[3 * i + d] / n;
    for (let i = 0; i < n; i++) for (let d = 0; d < 3; d++) q[3 * i + d] = r[3 * i + d] - c[d];
  } else {
    if (o.length !== 3 * n) throw new Error(`gain: orientation has ${o.length} values; expected n × 3 = ${3 * n} (one vector per region)`);
    for (let k = 0; k < 3 * n; k++) q[k] = o[k];
  }
  for (let i = 0; i < n; i++) {
    const len = Math.hypot(q[3 * i], q[3 * i + 1], q[3 * i + 2]);
    if (!(len > 0)) throw new Error(`gain: region ${i} has a zero dipole orientation (a source at the centroid cannot be radial; pass orientations)`);
    for (let d = 0; d < 3; d++) q[3 * i + d] /= len;
  }
  return [q];
}

/** Combine per-orientation gains: one → as is; three → root-sum-square. */
function combine(parts: Float64Array[]): Float64Array {
  if (parts.length === 1) return parts[0];
  return Float64Array.from(parts[0], (_, k) => Math.sqrt(parts.reduce((a, p) => a + p[k] * p[k], 0)));
}

/**
 * Potential of unit dipoles q (n×3) at r (n×3, m) at sensor positions (m), homogeneous medium σ.
 *
 * @example
 * ```ts
 * import { dipolePotential } from 'vbt';
 * dipolePotential(Float64Array.of(0, 0, 0.01), Float64Array.of(0, 0, 0), Float64Array.of(0, 0, 1), 1); // [1/(4π·1e-4)]
 * ```
 */
export function dipolePotential(sensorsM: Float64Array, r: Float64Array, q: Float64Array, sigma: number): Float64Array {
  const ns = sensorsM.length / 3, n = r.length / 3;
  const out = new Float64Array(ns * n);
  for (let s = 0; s < ns; s++) {
    for (let i = 0; i < n; i++) {
      const ax = sensorsM[3 * s] - r[3 * i], ay = sensorsM[3 * s + 1] - r[3 * i + 1], az = sensorsM[3 * s + 2] - r[3 * i + 2];
      const na = Math.hypot(ax, ay, az);
      if (!(na > 0)) throw new Error(`gain: sensor ${s} sits exactly on region ${i}'s centre; the dipole potential is singular there`);
      out[s * n + i] = (q[3 * i] * ax + q[3 * i + 1] * ay + q[3 * i + 2] * az) / (4 * Math.PI * sigma * na ** 3);
    }
  }
  return out;
}

function checkSigma(sigma: number): void {
  if (!(sigma > 0)) throw new Error(`gain: sigma=${sigma}; expected a positive conductivity in S/m`);
}

/**
 * TVB's EEG sensor placement: each sensor moved, along its direction from the origin, onto the
 * sphere around the sources (centre = mean source position, radius = 1.05125 × the largest
 * source distance from it). Sources and result in m.
 *
 * @example
 * ```ts
 * import { readSensors, readTvbConnectivityZip } from 'vbt';
 * import { eegSensorSphere } from 'vbt';
 * const sensors = readSensors('../shared/data/tvb/eeg_brainstorm_65.txt');
 * const conn = readTvbConnectivityZip('../shared/data/tvb/connectivity_76.zip');
 * eegSensorSphere(sensors, Float64Array.from(conn.centres, (v) => v / 1000)); // sensor positions (m) on the sphere
 * ```
 */
export function eegSensorSphere(sensors: Sensors, sourcesM: Float64Array): Float64Array {
  const n = sourcesM.length / 3;
  const c = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let d = 0; d < 3; d++) c[d] += sourcesM[3 * i + d] / n;
  let radius = 0;
  for (let i = 0; i < n; i++) radius = Math.max(radius, Math.hypot(sourcesM[3 * i] - c[0], sourcesM[3 * i + 1] - c[1], sourcesM[3 * i + 2] - c[2]));
  radius *= 1.05125;
  const ns = sensors.labels.length;
  const loc = new Float64Array(3 * ns);
  for (let s = 0; s < ns; s++) {
    const p = sensors.positions.subarray(3 * s, 3 * s + 3);
    const len = Math.hypot(p[0], p[1], p[2]);
    for (let d = 0; d < 3; d++) loc[3 * s + d] = (p[d] / len) * radius + c[d];
  }
  return loc;
}

/**
 * EEG lead field, dipoles in a homogeneous conductor with the sensors placed on a sphere around
 * the sources (TVB's analytic EEG). Returns V per A·m.
 *
 * @example
 * ```ts
 * import { readSensors, readTvbConnectivityZip } from 'vbt';
 * import { eegGainSphere } from 'vbt';
 * const sensors = readSensors('../shared/data/tvb/eeg_brainstorm_65.txt');
 * const conn = readTvbConnectivityZip('../shared/data/tvb/connectivity_76.zip');
 * const g = eegGainSphere(sensors, { centres: conn.centres });
 * g.sensors; // 65 for eeg_brainstorm_65.txt
 * ```
 */
export function eegGainSphere(sensors: Sensors, opts: GainOptions): GainMatrix {
  const { n, r } = centresOf(opts.centres);
  const sigma = opts.sigma ?? 1;
  checkSigma(sigma);
  const ns = sensors.labels.length;
  const loc = eegSensorSphere(sensors, r);
  const parts = orientations(opts.orientation ?? 'radial', r, n).map((q) => dipolePotential(loc, r, q, sigma));
  return { data: combine(parts), sensors: ns, regions: n, labels: sensors.labels };
}

/**
 * iEEG/sEEG lead field: dipoles in a homogeneous conductor, contacts at their own positions.
 *
 * @example
 * ```ts
 * import { parseSensors, readTvbConnectivityZip } from 'vbt';
 * import { ieegGain } from 'vbt';
 * const conn = readTvbConnectivityZip('../shared/data/tvb/connectivity_76.zip');
 * ieegGain(parseSensors('A1 10 -20 15\nA2 14 -20 15\nA3 18 -20 15', 'seeg.txt'), { centres: conn.centres, orientation: 'free' });
 * ```
 */
export function ieegGain(sensors: Sensors, opts: GainOptions): GainMatrix {
  const { n, r } = centresOf(opts.centres);
  const sigma = opts.sigma ?? 1;
  checkSigma(sigma);
  const loc = Float64Array.from(sensors.positions, (v) => v / 1000);
  const parts = orientations(opts.orientation ?? 'radial', r, n).map((q) => dipolePotential(loc, r, q, sigma));
  return { data: combine(parts), sensors: sensors.labels.length, regions: n, labels: sensors.labels };
}

/**
 * Magnetic field of dipole Q at r0 measured at r, for a spherically symmetric conductor centred at
 * the origin (Sarvas 1987, eq. 25). Positions in m; returns [Bx, By, Bz] in T per A·m.
 *
 * @example
 * ```ts
 * import { sarvasField } from 'vbt';
 * sarvasField([0, 0, 0.1], [0, 0.01, 0.07], [1, 0, 0]); // [Bx, By, Bz] in T
 * ```
 */
export function sarvasField(r: ArrayLike<number>, r0: ArrayLike<number>, Q: ArrayLike<number>): [number, number, number] {
  const a = [r[0] - r0[0], r[1] - r0[1], r[2] - r0[2]];
  const na = Math.hypot(a[0], a[1], a[2]), nr = Math.hypot(r[0], r[1], r[2]);
  const adr = a[0] * r[0] + a[1] * r[1] + a[2] * r[2];
  const r0dr = r0[0] * r[0] + r0[1] * r[1] + r0[2] * r[2];
  const F = na * (nr * na + nr * nr - r0dr);
  const c1 = (na * na) / nr + adr / na + 2 * na + 2 * nr;
  const c2 = na + 2 * nr + adr / na;
  const gradF = [c1 * r[0] - c2 * r0[0], c1 * r[1] - c2 * r0[1], c1 * r[2] - c2 * r0[2]];
  const qx = [Q[1] * r0[2] - Q[2] * r0[1], Q[2] * r0[0] - Q[0] * r0[2], Q[0] * r0[1] - Q[1] * r0[0]];
  const qxr = qx[0] * r[0] + qx[1] * r[1] + qx[2] * r[2];
  const k = MU0 / (4 * Math.PI * F * F);
  return [k * (F * qx[0] - qxr * gradF[0]), k * (F * qx[1] - qxr * gradF[1]), k * (F * qx[2] - qxr * gradF[2])];
}

/**
 * MEG lead field with Sarvas' spherical conductor (centred at the coordinate origin): the field
 * along each coil's orientation, or its magnitude when the sensors carry none. Default dipole
 * orientation 'free' (root-sum-square of three orthogonal dipoles), since radial dipoles are silent.
 *
 * @example
 * ```ts
 * import { readTvbConnectivityZip } from 'vbt';
 * import { megGainSphere, readSensors } from 'vbt';
 * const conn = readTvbConnectivityZip('../shared/data/tvb/connectivity_76.zip');
 * megGainSphere(readSensors('../shared/data/tvb/meg_brainstorm_276.txt'), { centres: conn.centres }); // 271 × n
 * ```
 */
export function megGainSphere(sensors: Sensors, opts: GainOptions): GainMatrix {
  const { n, r } = centresOf(opts.centres);
  const ns = sensors.labels.length;
  const loc = Float64Array.from(sensors.positions, (v) => v / 1000);
  const parts = orientations(opts.orientation ?? 'free', r, n).map((q) => {
    const out = new Float64Array(ns * n);
    for (let s = 0; s < ns; s++) {
      const rs = loc.subarray(3 * s, 3 * s + 3);
      for (let i = 0; i < n; i++) {
        const B = sarvasField(rs, r.subarray(3 * i, 3 * i + 3), q.subarray(3 * i, 3 * i + 3));
        const o = sensors.orientations;
        out[s * n + i] = o ? B[0] * o[3 * s] + B[1] * o[3 * s + 1] + B[2] * o[3 * s + 2] : Math.hypot(B[0], B[1], B[2]);
      }
    }
    return out;
  });
  return { data: combine(parts), sensors: ns, regions: n, labels: sensors.labels };
}

/**
 * Wraps and checks a user-supplied gain matrix (sensors × regions, row-major or array of rows).
 *
 * @example
 * ```ts
 * import { userGain } from 'vbt';
 * userGain([[1, 0, 0], [0, 0.5, 0.5]], 3).sensors; // 2
 * ```
 */
export function userGain(g: ArrayLike<number>[] | { data: ArrayLike<number>; sensors: number; regions: number }, regions: number, labels?: string[]): GainMatrix {
  let data: Float64Array, ns: number;
  if (Array.isArray(g)) {
    ns = g.length;
    data = new Float64Array(ns * regions);
    g.forEach((row, s) => {
      if (row.length !== regions) throw new Error(`gain matrix row ${s} has ${row.length} values; expected ${regions} (one per region)`);
      for (let i = 0; i < regions; i++) data[s * regions + i] = row[i];
    });
  } else {
    const gm = g as { data: ArrayLike<number>; sensors: number; regions: number };
    if (gm.regions !== regions) throw new Error(`gain matrix has ${gm.regions} columns; expected ${regions} (one per region)`);
    if (gm.data.length !== gm.sensors * regions) throw new Error(`gain matrix data has ${gm.data.length} values; expected sensors × regions = ${gm.sensors * regions}`);
    ns = gm.sensors;
    data = Float64Array.from(gm.data);
  }
  for (let k = 0; k < data.length; k++) if (!Number.isFinite(data[k])) throw new Error(`gain matrix entry (${Math.floor(k / regions)}, ${k % regions}) is ${data[k]}; expected a finite number`);
  if (labels && labels.length !== ns) throw new Error(`gain matrix: ${labels.length} labels for ${ns} sensors`);
  return { data, sensors: ns, regions, labels };
}
