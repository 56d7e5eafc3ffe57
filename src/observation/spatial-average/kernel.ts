/**
 * Kernel-engine code for GlobalAverage and SpatialAverage: a linear map from nodes to areas,
 * applied when s mod istep = 0, sampled at s·dt.
 */
import { countMultiples, linearSetup, type MonitorContext, type MonitorEmit } from '../kernel.js';
import type { GlobalAverageMonitorSpec, SpatialAverageMonitorSpec } from './spec.js';

/** Area index per node: all zeros for GlobalAverage; the mask, or the connectivity's split, for SpatialAverage. */
function areaMask(spec: GlobalAverageMonitorSpec | SpatialAverageMonitorSpec, ctx: MonitorContext): Int32Array {
  const { N } = ctx;
  if (spec.name === 'GlobalAverage') return new Int32Array(N);
  let mask: Int32Array;
  if (spec.mask) {
    mask = Int32Array.from(spec.mask);
  } else {
    const which = spec.defaultMask ?? 'cortical';
    const src = which === 'cortical' ? ctx.cortical : ctx.hemispheres;
    if (!src) throw new Error(`monitor SpatialAverage: no mask given and the connectivity has no '${which}' information`);
    mask = Int32Array.from(src, (x) => (x ? 1 : 0));
    if (mask.every((x) => x === 1)) mask.fill(0); // TVB: an all-true boolean mask means one area
  }
  if (mask.length !== N) throw new Error(`monitor SpatialAverage: mask has ${mask.length} entries; expected one per node (${N})`);
  const areas = [...new Set(mask)].sort((a, b) => a - b);
  if (areas.some((a, i) => a !== i)) throw new Error(`monitor SpatialAverage: mask areas must be contiguous indices from 0, got ${areas.join(',')}`);
  return mask;
}

export function emitSpatialAverage(spec: GlobalAverageMonitorSpec | SpatialAverageMonitorSpec, id: string, ctx: MonitorContext): MonitorEmit {
  const { N, M, dt, sFirst, sLast } = ctx;
  const { nv, at, loadVoi, data, istep, voi } = linearSetup(spec, id, ctx);
  const nS = countMultiples(istep, sFirst, sLast);
  const mask = areaMask(spec, ctx);
  const nA = Math.max(...mask) + 1;
  const counts = new Float64Array(nA);
  for (const a of mask) counts[a]++;
  data[`${id}_mask`] = mask;
  data[`${id}_counts`] = counts;
  const w2 = nv * nA * M;
  return {
    name: spec.name, sampleShape: [nv, nA, M], nSamples: nS, period: istep * dt, voi,
    decl: `${loadVoi}
const ${id}_mask = P.${id}_mask, ${id}_counts = P.${id}_counts;
const ${id}_time = new Float64Array(${nS});
const ${id}_data = new Float64Array(B * ${Math.max(1, nS) * w2});
const ${id}_cnt = new Int32Array(B);`,
    record: `if (s % ${istep} === 0) {
  const c = ${id}_cnt[b]++;
  if (b === 0) ${id}_time[c] = s * ${dt};
  const o = (b * ${nS} + c) * ${w2};
  for (let v = 0; v < ${nv}; v++) for (let m = 0; m < ${M}; m++) {
    for (let a = 0; a < ${nA}; a++) ${id}_data[o + (v * ${nA} + a) * ${M} + m] = 0;
    for (let n = 0; n < ${N}; n++) ${id}_data[o + (v * ${nA} + ${id}_mask[n]) * ${M} + m] += obs[${at('v', 'n', 'm')}];
    for (let a = 0; a < ${nA}; a++) ${id}_data[o + (v * ${nA} + a) * ${M} + m] /= ${id}_counts[a];
  }
}`,
    needsObs: `s % ${istep} === 0`,
    data,
    result: `{ time: ${id}_time, data: ${id}_data }`,
    rewind: `${id}_cnt.fill(0);`,
  };
}
