/**
 * Post-hoc sensor projection: region activity [T, N] through a gain matrix to sensor signals
 * [T, S], and re-referencing. Applied after a run (or to a monitor's output), because a linear
 * projection commutes with the monitors' averaging: projecting a TemporalAverage equals averaging
 * the projected signal, so no separate kernel monitor is needed for EEG/MEG/iEEG.
 */
import { asSeries, type Series } from '../../analysis/series.js';
import type { GainMatrix } from './gain.js';

/**
 * Sensor signals y_t = G x_t for every time point of a [T, N] series.
 *
 * @example
 * ```ts
 * import { projectToSensors } from 'vbt';
 * const y = projectToSensors([[1, 2], [3, 4]], { data: Float64Array.of(1, 1, 1, -1), sensors: 2, regions: 2 });
 * Array.from(y.data); // [3, -1, 7, -1]
 * ```
 */
export function projectToSensors(x: Series | ArrayLike<number>[], gain: GainMatrix): Series {
  const s = asSeries(x, 'projectToSensors');
  if (s.n !== gain.regions) throw new Error(`projectToSensors: series has ${s.n} regions; the gain matrix expects ${gain.regions}`);
  const S = gain.sensors, N = s.n;
  const out = new Float64Array(s.t * S);
  for (let t = 0; t < s.t; t++) {
    for (let k = 0; k < S; k++) {
      let acc = 0;
      for (let i = 0; i < N; i++) acc += gain.data[k * N + i] * s.data[t * N + i];
      out[t * S + k] = acc;
    }
  }
  return { data: out, t: s.t, n: S };
}

/** Reference: 'average' (common average), a channel index, or a channel label. */
export type Reference = 'average' | number | string;

function referenceWeights(ref: Reference, S: number, labels?: string[]): Float64Array {
  const w = new Float64Array(S);
  if (ref === 'average') { w.fill(1 / S); return w; }
  let k = typeof ref === 'number' ? ref : labels ? labels.indexOf(ref) : -1;
  if (typeof ref === 'string' && k < 0) throw new Error(`rereference: no channel labelled '${ref}'${labels ? `; channels: ${labels.slice(0, 10).join(', ')}${labels.length > 10 ? ', ...' : ''}` : ' (no labels given)'}`);
  if (!Number.isInteger(k) || k < 0 || k >= S) throw new Error(`rereference: channel index ${ref} out of range 0..${S - 1}`);
  w[k] = 1;
  return w;
}

/**
 * Re-references sensor signals: subtracts the common average, or one channel, from every channel.
 * Also works on a gain matrix (rows = sensors), which is equivalent and cheaper for long series.
 *
 * @example
 * ```ts
 * import { projectToSensors, rereference } from 'vbt';
 * const x = Array.from({ length: 10 }, (_, t) => [Math.sin(t), Math.cos(t), 1]); // [T, N] sources
 * const gain = { sensors: 2, regions: 3, data: Float64Array.of(1, 0, 0.5, 0, 1, 0.5) }; // 2 × 3, row-major
 * rereference(projectToSensors(x, gain), 'average'); // channels sum to 0 at every time
 * ```
 */
export function rereference<T extends Series | GainMatrix>(x: T, ref: Reference, labels?: string[]): T {
  if ('sensors' in x) {
    const g = x as GainMatrix;
    const w = referenceWeights(ref, g.sensors, labels ?? g.labels);
    const out = Float64Array.from(g.data);
    for (let i = 0; i < g.regions; i++) {
      let r = 0;
      for (let k = 0; k < g.sensors; k++) r += w[k] * g.data[k * g.regions + i];
      for (let k = 0; k < g.sensors; k++) out[k * g.regions + i] -= r;
    }
    return { ...g, data: out } as T;
  }
  const s = x as Series;
  const w = referenceWeights(ref, s.n, labels);
  const out = Float64Array.from(s.data);
  for (let t = 0; t < s.t; t++) {
    let r = 0;
    for (let k = 0; k < s.n; k++) r += w[k] * s.data[t * s.n + k];
    for (let k = 0; k < s.n; k++) out[t * s.n + k] -= r;
  }
  return { ...s, data: out } as T;
}
