/**
 * Region averages of a vertex-level monitor output through the region mapping (TVB's SpatialAverage
 * with its default mask, applied after the fact). For Bold this is the region-averaged Bold: TVB's
 * Bold is affine in its input with one kernel for every node, so the mean of vertex Bolds equals
 * the Bold of the region-mean activity.
 */
import type { MonitorOutput } from '../results/simulation.js';

/** Mean over each region's nodes; `regmap` has one region index per node of the output. */
export function regionAverage(out: MonitorOutput, regmap: ArrayLike<number>, labels?: string[]): MonitorOutput & { regionLabels?: string[] } {
  const [B, T, V, N, M] = out.shape;
  if (regmap.length !== N) throw new Error(`regionAverage: ${regmap.length} region indices for a monitor with ${N} nodes`);
  let R = 0;
  for (let n = 0; n < N; n++) {
    const r = regmap[n];
    if (!Number.isInteger(r) || r < 0) throw new Error(`regionAverage: node ${n} maps to ${r}, not a region index`);
    R = Math.max(R, r + 1);
  }
  const count = new Float64Array(R);
  for (let n = 0; n < N; n++) count[regmap[n]]++;
  const data = new Float64Array(B * T * V * R * M);
  for (let row = 0; row < B * T * V; row++) {
    for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) data[(row * R + regmap[n]) * M + m] += out.data[(row * N + n) * M + m];
    for (let r = 0; r < R; r++) for (let m = 0; m < M; m++) data[(row * R + r) * M + m] /= count[r] || 1;
  }
  return { ...out, name: `${out.name} (region average)`, data, shape: [B, T, V, R, M], ...(labels ? { regionLabels: labels } : {}) };
}
