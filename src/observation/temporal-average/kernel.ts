/**
 * Kernel-engine code for TemporalAverage: the mean of the last istep observations at
 * (s − istep/2)·dt when s mod istep = 0 (rows never written count as zeros, as in TVB).
 */
import { countMultiples, linearSetup, type LinearSetup, type MonitorContext, type MonitorEmit } from '../kernel.js';
import type { TemporalAverageMonitorSpec } from './spec.js';

/** A running mean over istep steps (TemporalAverage, and AfferentCoupling with a period). */
export function emitRunningMean(name: string, L: LinearSetup, ctx: MonitorContext): MonitorEmit {
  const { N, M, dt, sFirst, sLast } = ctx;
  const { id, nv, src, srcBase, row, width, loadVoi, direct, data, istep, voi } = L;
  const nS = countMultiples(istep, sFirst, sLast);
  const flush = `if (s % ${istep} === 0) {
    const o = b * ${width};
    const c = ${id}_cnt[b]++;
    if (b === 0) ${id}_time[c] = (s - ${istep / 2}) * ${dt};
    const out = (b * ${nS} + c) * ${width};
    for (let q = 0; q < ${width}; q++) { ${id}_data[out + q] = ${id}_acc[o + q] / ${istep}; ${id}_acc[o + q] = 0; }
  }`;
  return {
    name, sampleShape: [nv, N, M], nSamples: nS, period: istep * dt, voi,
    decl: `${loadVoi}
const ${id}_time = new Float64Array(${nS});
const ${id}_data = new Float64Array(B * ${Math.max(1, nS) * width});
const ${id}_cnt = new Int32Array(B);
${direct ? '' : `const ${id}_acc = new Float64Array(B * ${width});`}`,
    // A running sum equals TVB's stock mean exactly: the stock's rows are summed in time order and
    // rows not yet written are zeros, so adding each observation as it comes gives the same sum.
    record: `{
  const o = b * ${width};
  ${voi.map((vi, v) => `for (let q = 0; q < ${N * M}; q++) ${id}_acc[o + ${v * N * M} + q] += ${src}[${srcBase} + ${row(vi) * N * M} + q];`).join('\n  ')}
  ${flush}
}`,
    needsObs: src === 'cpl' || direct ? null : 'true',
    data,
    result: `{ time: ${id}_time, data: ${id}_data }`,
    rewind: `${id}_cnt.fill(0);`,
    stateSum: direct ? { rows: voi.map(row), acc: `${id}_acc`, flush } : undefined,
  };
}

export function emitTemporalAverage(spec: TemporalAverageMonitorSpec, id: string, ctx: MonitorContext): MonitorEmit {
  return emitRunningMean('TemporalAverage', linearSetup(spec, id, ctx, { readsState: true }), ctx);
}
