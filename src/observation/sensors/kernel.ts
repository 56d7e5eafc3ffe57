/**
 * Sensor monitors (EEG, MEG, iEEG) for the kernel engine: the observation averaged over each
 * period (as TemporalAverage: sample at (s − istep/2)·dt, steps before the first recorded one
 * count as zeros) and projected through a gain matrix, optionally re-referenced. Only the running
 * sum is kept, so a long run stores sensor samples, never the region trajectory. The projection is
 * linear, so this equals `projectToSensors` applied to a TemporalAverage output.
 */
import { countMultiples, type MonitorContext, type MonitorEmit } from '../kernel.js';
import { sensorSampling } from './sampling.js';
import type { SensorMonitorSpec } from './spec.js';

export function emitSensorMonitor(spec: SensorMonitorSpec, id: string, voi: number[], ctx: MonitorContext): MonitorEmit {
  const { N, M, dt, sFirst, sLast } = ctx;
  const { istep, gain: g } = sensorSampling(spec, N, dt);
  const S = g.sensors, nv = voi.length;
  const Win = nv * N * M, Wout = nv * S * M;
  const nS = countMultiples(istep, sFirst, sLast);
  return {
    name: spec.name, sampleShape: [nv, S, M], nSamples: nS, period: istep * dt, voi,
    decl: `const ${id}_voi = P.${id}_voi, ${id}_G = P.${id}_G;
const ${id}_time = new Float64Array(${nS});
const ${id}_data = new Float64Array(B * ${Math.max(1, nS) * Wout});
const ${id}_cnt = new Int32Array(B);
const ${id}_acc = new Float64Array(B * ${Win});`,
    record: `{
  const ao = b * ${Win}, acc = ${id}_acc;
  let o = ao;
  for (let v = 0; v < ${nv}; v++) for (let n = 0; n < ${N}; n++) for (let m = 0; m < ${M}; m++) acc[o++] += obs[(${id}_voi[v] * ${N} + n) * ${M} + m];
  if (s % ${istep} === 0) {
    const c = ${id}_cnt[b]++;
    if (b === 0) ${id}_time[c] = (s - ${istep / 2}) * ${dt};
    const out = (b * ${nS} + c) * ${Wout}, G = ${id}_G;
    for (let v = 0; v < ${nv}; v++) for (let k = 0; k < ${S}; k++) for (let m = 0; m < ${M}; m++) {
      let y = 0;
      for (let n = 0; n < ${N}; n++) y += G[k * ${N} + n] * acc[ao + (v * ${N} + n) * ${M} + m];
      ${id}_data[out + (v * ${S} + k) * ${M} + m] = y / ${istep};
    }
    for (let q = 0; q < ${Win}; q++) acc[ao + q] = 0;
  }
}`,
    needsObs: 'true',
    data: { [`${id}_voi`]: Int32Array.from(voi), [`${id}_G`]: Float64Array.from(g.data) },
    result: `{ time: ${id}_time, data: ${id}_data }`,
  };
}
