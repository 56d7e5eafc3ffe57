/**
 * BOLD monitors for the kernel engine, emitted as code like the other monitors. Both are
 * streaming: they keep only TVB's two Bold buffers (or 4 haemodynamic states per channel), never
 * the neural trajectory.
 *
 * - `Bold`: TVB's monitor (4 ms interim averages → ring of hrfLength/4 ms averages → dot product
 *   with the reversed, rotated HRF kernel; k₁V₀(x − 1) for FirstOrderVolterra), sampled at s·dt
 *   when s mod istep = 0. Arithmetic identical to `TvbBold` in src/observation/bold.ts.
 * - `BalloonWindkessel`: the haemodynamic ODE driven by the observation (meant in Hz), Euler at
 *   dtBw (s inside), instantaneous BOLD at s·dt when s mod istep = 0. Same as `BalloonBold`.
 *
 * Both also provide `warm`: the feeding part alone, for an engine to run during a transient so
 * that BOLD starts from the haemodynamics of the discarded steps. An engine that does not call it
 * starts them cold (zero averages / rest), as TVB's monitors start at the beginning of a run.
 */
import { boldHrf, boldInterimSteps, roundHalfEven, type HrfKernelName } from '../observation/hrf.js';
import { balloonParameters, balloonStepping, type BalloonParameters } from '../observation/balloon.js';
import type { MonitorContext, MonitorEmit } from './index.js';
import { boldFeedModule, boldWasmOffsets, type BoldLayout } from './bold-wasm.js';

export interface BoldMonitorSpec {
  name: 'Bold';
  /** Sampling period (TR) in ms; TVB's default 2000. */
  period?: number;
  voi?: number[];
  /** HRF kernel; default FirstOrderVolterra. */
  hrfKernel?: HrfKernelName;
  /** Kernel parameters overriding TVB's defaults. */
  hrfParameters?: Record<string, number>;
  /** Kernel support in ms; default 20000. */
  hrfLength?: number;
}

export interface BalloonMonitorSpec {
  name: 'BalloonWindkessel';
  /** Sampling period (TR) in ms; default 2000. */
  period?: number;
  voi?: number[];
  /** Balloon Euler step in ms (default 1); a whole multiple or divisor of dt. */
  dtBw?: number;
  parameters?: Partial<BalloonParameters>;
}

function countMultiples(istep: number, a: number, b: number): number {
  return Math.max(0, Math.floor(b / istep) - Math.floor((a - 1) / istep));
}

function lit(x: number): string {
  return Object.is(x, -0) ? '-0' : x < 0 ? `(${x})` : String(x);
}

/**
 * How many BOLD outputs one 4 ms average can reach: the most outputs (at steps s1 + k·istep,
 * k < nS) whose newest block floor(step/I) lies within one window of S blocks. The kernel Bold
 * monitor keeps that many accumulators per batch element.
 */
export function boldPendingOutputs(istep: number, I: number, S: number, s1: number, nS: number): number {
  const newest = (k: number) => Math.floor((s1 + k * istep) / I);
  let K = 1;
  for (let a = 0, b = 0; a < nS; a++) {
    while (newest(b) < newest(a) - S + 1) b++;
    K = Math.max(K, a - b + 1);
  }
  return K;
}

/**
 * Kernel-engine code for TVB's Bold monitor. `voi` is already checked.
 *
 * Same numbers as TVB's ring of 4 ms averages, without the ring: BOLD is linear in the averages and
 * an average only reaches outputs emitted within hrfLength after it, so each finished 4 ms block
 * adds its average, weighted by the kernel value for its lag, into one accumulator per pending
 * output (K ≈ hrfLength/TR + 1 of them, cycled by output number). Memory per batch element is
 * (K + 1)·W instead of 5000·W, which matters for batched sweeps; the sums are the same terms in
 * another order (TvbBold in src/observation/bold.ts keeps TVB's ring and the tests compare both).
 */
/**
 * The Bold monitor's sampling and kernel, shared by every engine that streams it: TR in steps
 * (istep), interim period I, ring length S, sample count and first sample step, pending outputs K,
 * and the kernel weight by lag (lagW[0] for the newest average: TVB's offset puts G(t_{S−1}) there).
 */
export function boldSetup(spec: BoldMonitorSpec, ctx: { dt: number; sFirst: number; sLast: number }) {
  const { dt, sFirst, sLast } = ctx;
  const period = spec.period ?? 2000;
  if (!(period > 0)) throw new Error(`monitor Bold: period must be > 0 ms, got ${period}`);
  const istep = roundHalfEven(period / dt);
  if (istep < 1) throw new Error(`monitor Bold: period ${period} ms is shorter than dt ${dt} ms`);
  const hrf = boldHrf({ kernel: spec.hrfKernel, parameters: spec.hrfParameters, hrfLength: spec.hrfLength });
  const I = boldInterimSteps(dt);
  const S = hrf.stockSteps;
  const nS = countMultiples(istep, sFirst, sLast);
  const s1 = Math.ceil(sFirst / istep) * istep; // first output step
  const K = boldPendingOutputs(istep, I, S, s1, nS);
  const lagW = new Float64Array(S);
  lagW[0] = hrf.values[S - 1];
  for (let p = 1; p < S; p++) lagW[p] = hrf.values[p - 1];
  return { istep, hrf, I, S, nS, s1, K, lagW };
}

export function emitBold(spec: BoldMonitorSpec, id: string, voi: number[], ctx: MonitorContext): MonitorEmit {
  const { N, M, dt } = ctx;
  const { istep, hrf, I, S, nS, s1, K, lagW } = boldSetup(spec, ctx);
  const nv = voi.length;
  const W = nv * N * M;
  const finish = hrf.k1V0 === null ? 'acc[ao + q]' : `${hrf.k1V0} * (acc[ao + q] - 1)`;
  // the block update in WebAssembly SIMD (bold-wasm.ts, bit-identical); VBT_BATCH_LANES=0 keeps the JavaScript loop
  const simd = process.env.VBT_BATCH_LANES !== '0';
  const update = simd
    ? `    ${id}_fx.feed(b, j, head, ${id}_off.blk, ${id}_off.acc);`
    : `    for (let k = head; k < ${nS}; k++) {
      const p = Math.floor((${s1} + k * ${istep}) / ${I}) - j;
      if (p >= ${S}) break;
      const w = lagW[p] / ${I}, ao = b * ${K * W} + (k % ${K}) * ${W};
      for (let q = 0; q < ${W}; q++) acc[ao + q] += w * blk[bo + q];
    }
    for (let q = 0; q < ${W}; q++) blk[bo + q] = 0;`;
  const feed = `  const bo = b * ${W}, acc = ${id}_acc, blk = ${id}_blk, lagW = ${id}_lagW;
  let o = bo;
  for (let v = 0; v < ${nv}; v++) for (let n = 0; n < ${N}; n++) for (let m = 0; m < ${M}; m++) blk[o++] += obs[(${id}_voi[v] * ${N} + n) * ${M} + m];
  if (s % ${I} === 0) {
    const j = s / ${I};
    // outputs already emitted before step s; the pending ones start there
    const head = Math.max(0, Math.floor((s - 1 - ${s1 - istep}) / ${istep}));
${update}
  }
`;
  const emit = `  if (s % ${istep} === 0) {
    const c = ${id}_cnt[b]++;
    if (b === 0) ${id}_time[c] = s * ${dt};
    const out = (b * ${nS} + c) * ${W}, ao = b * ${K * W} + (c % ${K}) * ${W};
    for (let q = 0; q < ${W}; q++) { ${id}_data[out + q] = ${finish}; acc[ao + q] = 0; }
  }
`;
  const layout: BoldLayout = { W, S, K, nS, s1, istep, I };
  const buffers = simd
    ? `const ${id}_off = { blk: ${boldWasmOffsets(layout, 0).blk}, acc: ${boldWasmOffsets(layout, 0).blk} + Math.ceil(B * ${W * 8} / 16) * 16 };
${id}_off.end = ${id}_off.acc + B * ${K * W * 8};
const ${id}_mem = new WebAssembly.Memory({ initial: Math.ceil(${id}_off.end / 65536) });
const ${id}_fx = new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.from(atob('${Buffer.from(boldFeedModule(layout)).toString('base64')}'), (c) => c.charCodeAt(0))), { env: { mem: ${id}_mem } }).exports;
new Float64Array(${id}_mem.buffer, 0, ${S}).set(P.${id}_lagW.map((x) => x / ${I}));
const ${id}_blk = new Float64Array(${id}_mem.buffer, ${id}_off.blk, B * ${W});
const ${id}_acc = new Float64Array(${id}_mem.buffer, ${id}_off.acc, B * ${K * W});`
    : `const ${id}_blk = new Float64Array(B * ${W});
const ${id}_acc = new Float64Array(B * ${K * W});`;
  return {
    name: 'Bold', sampleShape: [nv, N, M], nSamples: nS, period: istep * dt, voi,
    decl: `const ${id}_voi = P.${id}_voi, ${id}_lagW = P.${id}_lagW;
const ${id}_time = new Float64Array(${nS});
const ${id}_data = new Float64Array(B * ${Math.max(1, nS) * W});
const ${id}_cnt = new Int32Array(B);
${buffers}`,
    // warm (the transient) feeds the accumulators; record also emits the finished samples
    record: `{
${feed}${emit}}`,
    warm: `{
${feed}}`,
    needsObs: 'true',
    data: { [`${id}_voi`]: Int32Array.from(voi), [`${id}_lagW`]: lagW },
    result: `{ time: ${id}_time, data: ${id}_data }`,
  };
}

/** Kernel-engine code for the Balloon–Windkessel BOLD monitor. */
/** The Balloon–Windkessel monitor's sampling: TR in steps, parameters, input stride/substeps, Euler step (s), sample count. */
export function balloonSetup(spec: BalloonMonitorSpec, ctx: { dt: number; sFirst: number; sLast: number }) {
  const { dt, sFirst, sLast } = ctx;
  const period = spec.period ?? 2000;
  if (!(period > 0)) throw new Error(`monitor BalloonWindkessel: period must be > 0 ms, got ${period}`);
  const istep = Math.round(period / dt);
  if (istep < 1) throw new Error(`monitor BalloonWindkessel: period ${period} ms is shorter than dt ${dt} ms`);
  const p = balloonParameters(spec.parameters);
  const { every, substeps } = balloonStepping(dt, spec.dtBw ?? 1);
  return { istep, p, every, substeps, h: (spec.dtBw ?? 1) / 1000, nS: countMultiples(istep, sFirst, sLast) };
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
