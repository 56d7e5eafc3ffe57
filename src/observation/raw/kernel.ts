/** Kernel-engine code for Raw: every recorded step is a sample, at s·dt. */
import { linearSetup, type LinearSetup, type MonitorContext, type MonitorEmit } from '../kernel.js';
import type { RawMonitorSpec } from './spec.js';

/** Every recorded step as a sample (Raw, and AfferentCoupling without averaging). */
export function emitEveryStep(name: string, L: LinearSetup, ctx: MonitorContext): MonitorEmit {
  const { N, M, dt, sFirst, sLast } = ctx;
  const { id, nv, src, at, width, loadVoi, direct, data, istep } = L;
  const nS = sLast - sFirst + 1;
  return {
    name, sampleShape: [nv, N, M], nSamples: nS, period: istep * dt, voi: L.voi,
    decl: `${loadVoi}
const ${id}_time = new Float64Array(${nS});
const ${id}_data = new Float64Array(B * ${nS * width});
const ${id}_cnt = new Int32Array(B);`,
    record: `{
  const c = ${id}_cnt[b]++;
  if (b === 0) ${id}_time[c] = s * ${dt};
  let o = (b * ${nS} + c) * ${width};
  for (let v = 0; v < ${nv}; v++) for (let n = 0; n < ${N}; n++) for (let m = 0; m < ${M}; m++) ${id}_data[o++] = ${src}[${at('v', 'n', 'm')}];
}`,
    needsObs: src === 'cpl' || direct ? null : 'true',
    data,
    result: `{ time: ${id}_time, data: ${id}_data }`,
    rewind: `${id}_cnt.fill(0);`,
  };
}

export function emitRaw(spec: RawMonitorSpec, id: string, ctx: MonitorContext): MonitorEmit {
  return emitEveryStep('Raw', linearSetup(spec, id, ctx, { readsState: true }), ctx);
}
