/**
 * Kernel-engine code for the Balloon–Windkessel BOLD monitor: the haemodynamic ODE driven by the
 * observation (meant in Hz), Euler at dtBw (s inside), instantaneous BOLD at s·dt when
 * s mod istep = 0. Same arithmetic as `BalloonBold` (./reference.ts). Streaming: 4 numbers per
 * channel. `warm` feeds the ODE during a transient (see ../bold/kernel.ts).
 */
import type { MonitorContext, MonitorEmit } from '../kernel.js';
import { balloonSetup } from './reference.js';
import type { BalloonMonitorSpec } from './spec.js';

function lit(x: number): string {
  return Object.is(x, -0) ? '-0' : x < 0 ? `(${x})` : String(x);
}

export function emitBalloon(spec: BalloonMonitorSpec, id: string, voi: number[], ctx: MonitorContext): MonitorEmit {
  const { N, M, dt } = ctx;
  const { istep, p, every, substeps, h, nS } = balloonSetup(spec, ctx);
  const nv = voi.length;
  const W = nv * N * M;
  const ia = 1 / p.alpha;
  const base = 1 - p.E0;
  const feed = `  const sb = b * ${4 * W};
  if (s % ${every} === 0) {
    let c = 0;
    for (let v = 0; v < ${nv}; v++) for (let n = 0; n < ${N}; n++) for (let m = 0; m < ${M}; m++, c++) {
      const x = obs[(${id}_voi[v] * ${N} + n) * ${M} + m];
      const o = sb + 4 * c;
      let zs = ${id}_st[o], zf = ${id}_st[o + 1], zv = ${id}_st[o + 2], zq = ${id}_st[o + 3];
      for (let k = 0; k < ${substeps}; k++) {
        const va = Math.pow(zv, ${ia});
        const ds = x - zs / ${lit(p.tau_s)} - (zf - 1) / ${lit(p.tau_f)};
        const dv = (zf - va) / ${lit(p.tau_o)};
        const dq = ((zf * (1 - Math.pow(${lit(base)}, 1 / zf))) / ${lit(p.E0)} - (va * zq) / zv) / ${lit(p.tau_o)};
        zf += ${h} * zs; zs += ${h} * ds; zv += ${h} * dv; zq += ${h} * dq;
      }
      ${id}_st[o] = zs; ${id}_st[o + 1] = zf; ${id}_st[o + 2] = zv; ${id}_st[o + 3] = zq;
    }
  }
`;
  const emit = `  if (s % ${istep} === 0) {
    const c = ${id}_cnt[b]++;
    if (b === 0) ${id}_time[c] = s * ${dt};
    const out = (b * ${nS} + c) * ${W};
    for (let q = 0; q < ${W}; q++) {
      const zv = ${id}_st[sb + 4 * q + 2], zq = ${id}_st[sb + 4 * q + 3];
      ${id}_data[out + q] = ${lit(p.V0)} * (${lit(p.k1)} * (1 - zq) + ${lit(p.k2)} * (1 - zq / zv) + ${lit(p.k3)} * (1 - zv));
    }
  }
`;
  return {
    name: 'BalloonWindkessel', sampleShape: [nv, N, M], nSamples: nS, period: istep * dt, voi,
    decl: `const ${id}_voi = P.${id}_voi;
const ${id}_time = new Float64Array(${nS});
const ${id}_data = new Float64Array(B * ${Math.max(1, nS) * W});
const ${id}_cnt = new Int32Array(B);
const ${id}_st = new Float64Array(B * ${4 * W});
for (let q = 0; q < B * ${W}; q++) { ${id}_st[4 * q + 1] = 1; ${id}_st[4 * q + 2] = 1; ${id}_st[4 * q + 3] = 1; }`,
    // warm (the transient) feeds the accumulators; record also emits the finished samples
    record: `{
${feed}${emit}}`,
    warm: `{
${feed}}`,
    needsObs: `s % ${every} === 0 || s % ${istep} === 0`,
    data: { [`${id}_voi`]: Int32Array.from(voi) },
    result: `{ time: ${id}_time, data: ${id}_data }`,
  };
}
