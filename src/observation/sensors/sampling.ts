/**
 * The sensor monitors' period and gain, shared by the kernel emitter and the tensor form: the period in
 * steps (each sample is the mean over it), and the gain (rows or a GainMatrix) checked against the
 * network and re-referenced once, so the monitors project with the final matrix.
 */
import { userGain, type GainMatrix } from './gain.js';
import { rereference } from './projection.js';
import type { SensorMonitorSpec } from './spec.js';

export function sensorSampling(spec: Pick<SensorMonitorSpec, 'name' | 'period' | 'gain' | 'reference'>, N: number, dt: number): { istep: number; gain: GainMatrix } {
  if (!(spec.period > 0)) throw new Error(`monitor ${spec.name}: period must be > 0 ms, got ${spec.period}`);
  const istep = Math.round(spec.period / dt);
  if (istep < 1) throw new Error(`monitor ${spec.name}: period ${spec.period} ms is shorter than dt ${dt} ms`);
  if (!spec.gain) throw new Error(`monitor ${spec.name}: needs a gain matrix (sensors × ${N} regions)`);
  let g = Array.isArray(spec.gain) ? userGain(spec.gain, N) : spec.gain;
  if (g.regions !== N) throw new Error(`monitor ${spec.name}: gain has ${g.regions} columns; the network has ${N} regions`);
  if (spec.reference !== undefined) g = rereference(g, spec.reference);
  return { istep, gain: g };
}
