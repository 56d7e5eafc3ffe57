/**
 * Sensor gains of surface runs: one column per node (every vertex a dipole along its normal, the
 * head models of observation/sensors/surface-gain.ts), zero columns for the regions the mapping leaves out,
 * so EEG/MEG/iEEG monitors project vertex activity directly.
 */
import type { GainMatrix } from '../observation/sensors/gain.js';
import type { Sensors } from '../observation/sensors/sensors.js';
import { surfaceRegionGain } from '../observation/sensors/surface-gain.js';
import type { Surface } from '../network/surface.js';

/** Sensors × nodes gain for a surface (nodes ≥ vertices; extra nodes get zero columns). */
export function surfaceNodeGain(sensors: Sensors, surface: Surface, modality: 'eeg' | 'meg' | 'ieeg', nodes = surface.vertices.length / 3, sigma?: number): GainMatrix {
  const V = surface.vertices.length / 3;
  if (nodes < V) throw new Error(`surfaceNodeGain: ${nodes} nodes for a surface of ${V} vertices`);
  // one "region" per vertex: the region gain with the identity mapping is the vertex gain
  const g = surfaceRegionGain(sensors, { surface, regionMapping: Int32Array.from({ length: V }, (_, k) => k), regions: V, modality, sigma });
  if (nodes === V) return g;
  const S = g.sensors;
  const data = new Float64Array(S * nodes);
  for (let s = 0; s < S; s++) data.set(g.data.subarray(s * V, (s + 1) * V), s * nodes);
  return { ...g, data, regions: nodes };
}
