/** Kernel-engine code for SubSample: the observation at s·dt when s mod istep = 0. */
import { countMultiples, linearSetup, type MonitorContext, type MonitorEmit } from '../kernel.js';
import type { SubSampleMonitorSpec } from './spec.js';

export function emitSubSample(spec: SubSampleMonitorSpec, id: string, ctx: MonitorContext): MonitorEmit {
  const { N, M, dt, sFirst, sLast } = ctx;
  const { nv, src, at, width, loadVoi, direct, data, istep, voi } = linearSetup(spec, id, ctx, { readsState: true });
  const nS = countMultiples(istep, sFirst, sLast);
  return {
    name: spec.name, sampleShape: [nv, N, M], nSamples: nS, period: istep * dt, voi,
    decl: `${loadVoi}
const ${id}_time = new Float64Array(${nS});
const ${id}_data = new Float64Array(B * ${Math.max(1, nS) * width});
const ${id}_cnt = new Int32Array(B);`,
    record: `if (s % ${istep} === 0) {
  const c = ${id}_cnt[b]++;
  if (b === 0) ${id}_time[c] = s * ${dt};
  let o = (b * ${nS} + c) * ${width};
  for (let v = 0; v < ${nv}; v++) for (let n = 0; n < ${N}; n++) for (let m = 0; m < ${M}; m++) ${id}_data[o++] = ${src}[${at('v', 'n', 'm')}];
}`,
    needsObs: direct ? null : `s % ${istep} === 0`,
    data,
    result: `{ time: ${id}_time, data: ${id}_data }`,
    rewind: `${id}_cnt.fill(0);`,
  };
}
