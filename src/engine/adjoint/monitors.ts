/**
 * Monitors for the adjoint: each records exactly what the kernel engine's monitor records (same
 * sampling rule and arithmetic as src/observation), and gives the cotangent of the observation at
 * step s from the cotangents of its samples. Raw, SubSample, TemporalAverage and TVB's Bold are
 * affine in the observation, so their adjoint is a fixed linear map (no stored state); the
 * Balloon–Windkessel ODE is not, so it keeps its state at every input step of a segment and
 * differentiates its Euler substeps as a straight-line program.
 */
import { parseExpr, substitute } from '../../expr/index.js';
import { istepOf } from '../../observation/kernel.js';
import type { MonitorSpec } from '../../observation/registry.js';
import { boldSetup } from '../../observation/bold/sampling.js';
import { balloonSetup } from '../../observation/balloon/reference.js';
import type { balloonParameters } from '../../observation/balloon/reference.js';
import { type Assign, forwardJs, reverseJs } from './slp.js';

export interface MonitorGeometry {
  B: number; N: number; M: number; dt: number; nvoi: number;
  /** First step of the run (transient included), first and last recorded step. */
  s0: number; sFirst: number; sLast: number;
}

export interface AdjointMonitor {
  name: string;
  /** Variables of interest it records (indices into the model's). */
  voi: number[];
  sampleShape: [number, number, number];
  nSamples: number;
  period: number;
  time: Float64Array;
  /** B × nSamples × width, filled by the forward run. */
  data: Float64Array;
  /** Cotangents of `data` (same layout), set before the reverse sweep. */
  bars: Float64Array;
  /** Start a fresh forward run. */
  reset(): void;
  /** After step s with observation O (lane b at b·nvoi·N·M). */
  feed(s: number, b: number, O: Float64Array): void;
  /** Start a reverse sweep (after `bars` are set). */
  beginReverse(): void;
  /** Add the cotangent of lane b's observation at step s into OB (reverse sweep, s decreasing). */
  obsBar(s: number, b: number, O: Float64Array, OB: Float64Array): void;
  /** Memory per stored step and per checkpoint (bytes), for the budget. */
  bytesPerStep: number;
  bytesPerCheckpoint: number;
  /** Checkpoints: the state the forward needs to resume at a segment start. */
  checkpoint(): Float64Array | null;
  restore(ck: Float64Array | null, segStart: number, segLen: number): void;
}

const countMultiples = (istep: number, a: number, b: number) => Math.max(0, Math.floor(b / istep) - Math.floor((a - 1) / istep));

function voiOf(spec: { voi?: number[] }, nvoi: number, name: string): number[] {
  const v = spec.voi ?? Array.from({ length: nvoi }, (_, k) => k);
  for (const k of v) if (!Number.isInteger(k) || k < 0 || k >= nvoi) throw new Error(`monitor ${name}: voi index ${k} out of range; expected 0..${nvoi - 1} (variables of interest)`);
  if (!v.length) throw new Error(`monitor ${name}: empty voi`);
  return v;
}

/** Sample index and weight of each recorded step for the linear monitors. */
interface LinearRule { nS: number; period: number; time: Float64Array; at: (s: number) => [number, number] | null }

export const ADJOINT_MONITORS = ['Raw', 'SubSample', 'TemporalAverage', 'Bold', 'BalloonWindkessel'];

export function adjointMonitor(spec: MonitorSpec, g: MonitorGeometry): AdjointMonitor {
  const { B, N, M, dt, nvoi, sFirst, sLast } = g;
  if (!ADJOINT_MONITORS.includes(spec.name)) throw new Error(`adjoint: monitor '${spec.name}' is not differentiated; expected one of: ${ADJOINT_MONITORS.join(', ')}`);
  const voi = voiOf(spec as { voi?: number[] }, nvoi, spec.name);
  const nv = voi.length, W = nv * N * M, NM = N * M, NV = nvoi * NM;
  if (spec.name === 'Bold') return boldMonitor(spec, g, voi);
  if (spec.name === 'BalloonWindkessel') return balloonMonitor(spec, g, voi);
  let rule: LinearRule;
  if (spec.name === 'Raw') {
    const nS = sLast - sFirst + 1;
    rule = { nS, period: dt, time: Float64Array.from({ length: nS }, (_, c) => (sFirst + c) * dt), at: (s) => (s >= sFirst && s <= sLast ? [s - sFirst, 1] : null) };
  } else {
    const period = (spec as { period: number }).period;
    if (!(period > 0)) throw new Error(`monitor ${spec.name}: period must be > 0 ms, got ${period}`);
    const istep = istepOf(period, dt);
    if (istep < 1) throw new Error(`monitor ${spec.name}: period ${period} ms is shorter than dt ${dt} ms`);
    const nS = countMultiples(istep, sFirst, sLast);
    const c0 = Math.ceil(sFirst / istep);
    if (spec.name === 'SubSample') {
      rule = { nS, period: istep * dt, time: Float64Array.from({ length: nS }, (_, c) => (c0 + c) * istep * dt), at: (s) => (s >= sFirst && s <= sLast && s % istep === 0 ? [s / istep - c0, 1] : null) };
    } else {
      rule = {
        nS, period: istep * dt, time: Float64Array.from({ length: nS }, (_, c) => ((c0 + c) * istep - istep / 2) * dt),
        at: (s) => {
          if (s < sFirst || s > sLast) return null;
          const c = Math.ceil(s / istep) - c0;
          return c < nS ? [c, 1 / istep] : null;
        },
      };
    }
  }
  const averaging = spec.name === 'TemporalAverage';
  const data = new Float64Array(B * Math.max(1, rule.nS) * W);
  const acc = new Float64Array(B * W);
  const istep = averaging ? Math.round(1 / rule.at(sFirst)![1]) : 1;
  const m: AdjointMonitor = {
    name: spec.name, voi, sampleShape: [nv, N, M], nSamples: rule.nS, period: rule.period, time: rule.time, data,
    bars: new Float64Array(data.length),
    reset() { acc.fill(0); },
    feed(s, b, O) {
      if (s < sFirst || s > sLast) return;
      if (averaging) {
        // a running sum, divided at the flush, as the kernel monitor does
        const o = b * W;
        for (let v = 0; v < nv; v++) for (let q = 0; q < NM; q++) acc[o + v * NM + q] += O[b * NV + voi[v] * NM + q];
        if (s % istep === 0) {
          const c = rule.at(s)![0];
          const out = (b * rule.nS + c) * W;
          for (let q = 0; q < W; q++) { data[out + q] = acc[o + q] / istep; acc[o + q] = 0; }
        }
        return;
      }
      const r = rule.at(s);
      if (!r) return;
      const out = (b * rule.nS + r[0]) * W;
      for (let v = 0; v < nv; v++) for (let q = 0; q < NM; q++) data[out + v * NM + q] = O[b * NV + voi[v] * NM + q];
    },
    obsBar(s, b, _O, OB) {
      const r = rule.at(s);
      if (!r) return;
      const src = (b * rule.nS + r[0]) * W;
      for (let v = 0; v < nv; v++) for (let q = 0; q < NM; q++) OB[b * NV + voi[v] * NM + q] += r[1] * m.bars[src + v * NM + q];
    },
    bytesPerStep: 0, bytesPerCheckpoint: 0,
    checkpoint: () => null,
    restore() { /* stateless in reverse */ },
    beginReverse() { /* a fixed linear map */ },
  };
  return m;
}

function boldMonitor(spec: MonitorSpec & { name: 'Bold' }, g: MonitorGeometry, voi: number[]): AdjointMonitor {
  const { B, N, M, dt, nvoi, sFirst, sLast } = g;
  const { istep, hrf, I, S, nS, s1, K, lagW } = boldSetup(spec, g);
  const nv = voi.length, NM = N * M, W = nv * NM, NV = nvoi * NM;
  const k1V0 = hrf.k1V0;
  const data = new Float64Array(B * Math.max(1, nS) * W);
  const blk = new Float64Array(B * W), acc = new Float64Array(B * K * W), cnt = new Int32Array(B);
  // reverse: the cotangent of the block average that ends at step j·I, per lane
  const blkBar = new Float64Array(B * W), blkOf = new Int32Array(B).fill(-1);
  const m: AdjointMonitor = {
    name: 'Bold', voi, sampleShape: [nv, N, M], nSamples: nS, period: istep * dt,
    time: Float64Array.from({ length: nS }, (_, c) => (s1 + c * istep) * dt), data, bars: new Float64Array(data.length),
    reset() { blk.fill(0); acc.fill(0); cnt.fill(0); blkOf.fill(-1); },
    feed(s, b, O) {
      // the same operations in the same order as the kernel monitor (src/observation/bold/kernel.ts)
      const bo = b * W;
      let o = bo;
      for (let v = 0; v < nv; v++) for (let q = 0; q < NM; q++) blk[o++] += O[b * NV + voi[v] * NM + q];
      if (s % I === 0) {
        const j = s / I;
        const head = Math.max(0, Math.floor((s - 1 - (s1 - istep)) / istep));
        for (let k = head; k < nS; k++) {
          const p = Math.floor((s1 + k * istep) / I) - j;
          if (p >= S) break;
          const w = lagW[p] / I, ao = b * K * W + (k % K) * W;
          for (let q = 0; q < W; q++) acc[ao + q] += w * blk[bo + q];
        }
        for (let q = 0; q < W; q++) blk[bo + q] = 0;
      }
      if (s >= sFirst && s % istep === 0) {
        const c = cnt[b]++;
        const out = (b * nS + c) * W, ao = b * K * W + (c % K) * W;
        for (let q = 0; q < W; q++) { data[out + q] = k1V0 === null ? acc[ao + q] : k1V0 * (acc[ao + q] - 1); acc[ao + q] = 0; }
      }
    },
    obsBar(s, b, _O, OB) {
      const j = Math.ceil(s / I);
      if (j * I > sLast) return; // its block never finishes
      const bo = b * W;
      if (blkOf[b] !== j) {
        blkOf[b] = j;
        blkBar.fill(0, bo, bo + W);
        const sj = j * I;
        const k0 = Math.max(0, Math.ceil((sj - s1) / istep));
        for (let k = k0; k < nS; k++) {
          const p = Math.floor((s1 + k * istep) / I) - j;
          if (p >= S) break;
          const w = (lagW[p] / I) * (k1V0 ?? 1), src = (b * nS + k) * W;
          for (let q = 0; q < W; q++) blkBar[bo + q] += w * m.bars[src + q];
        }
      }
      for (let v = 0; v < nv; v++) for (let q = 0; q < NM; q++) OB[b * NV + voi[v] * NM + q] += blkBar[bo + v * NM + q];
    },
    bytesPerStep: 0, bytesPerCheckpoint: 0,
    checkpoint: () => null,
    restore() { /* the reverse needs no forward state */ },
    beginReverse() { blkOf.fill(-1); },
  };
  return m;
}

/** One Euler substep of the Balloon–Windkessel ODE (per channel), as a straight-line program. */
function balloonProgram(p: ReturnType<typeof balloonParameters>, h: number): Assign[] {
  const lit: Record<string, number> = { ia: 1 / p.alpha, base: 1 - p.E0, E0: p.E0, ts: p.tau_s, tf: p.tau_f, to: p.tau_o, h };
  const e = (text: string) => substitute(parseExpr(text), (n) => (n in lit ? { kind: 'num', value: lit[n], pos: { line: 0, col: 0 } } : undefined));
  return [
    { name: 'va', expr: e('pow(zv, ia)') },
    { name: 'ds', expr: e('x - zs / ts - (zf - 1) / tf') },
    { name: 'dv', expr: e('(zf - va) / to') },
    { name: 'dq', expr: e('((zf * (1 - pow(base, 1 / zf))) / E0 - (va * zq) / zv) / to') },
    { name: 'nf', expr: e('zf + h * zs') },
    { name: 'ns', expr: e('zs + h * ds') },
    { name: 'nv', expr: e('zv + h * dv') },
    { name: 'nq', expr: e('zq + h * dq') },
  ];
}

function balloonMonitor(spec: MonitorSpec & { name: 'BalloonWindkessel' }, g: MonitorGeometry, voi: number[]): AdjointMonitor {
  const { B, N, M, dt, nvoi, sFirst, sLast } = g;
  const { istep, p, every, substeps, h, nS } = balloonSetup(spec, g);
  const nv = voi.length, NM = N * M, W = nv * NM, NV = nvoi * NM;
  const c0 = Math.ceil(sFirst / istep);
  const data = new Float64Array(B * Math.max(1, nS) * W);
  const st = new Float64Array(B * 4 * W);
  const prog = balloonProgram(p, h);
  const read = (n: string) => n;
  const fwd = forwardJs(prog, read).join(' ');
  const rev = reverseJs(prog, {
    seeds: new Map([['ns', 'sb[0]'], ['nf', 'sb[1]'], ['nv', 'sb[2]'], ['nq', 'sb[3]']]),
    read,
    inputBar: (n) => ({ zs: 'bs', zf: 'bf', zv: 'bv', zq: 'bq', x: 'bx' } as Record<string, string>)[n],
  }).join(' ');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const substep = new Function('zs', 'zf', 'zv', 'zq', 'x', 'out', `${fwd} out[0] = ns; out[1] = nf; out[2] = nv; out[3] = nq;`) as (zs: number, zf: number, zv: number, zq: number, x: number, out: Float64Array) => void;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const substepRev = new Function('zs', 'zf', 'zv', 'zq', 'x', 'sb', `${fwd} let bs = 0, bf = 0, bv = 0, bq = 0, bx = 0; ${rev} sb[0] = bs; sb[1] = bf; sb[2] = bv; sb[3] = bq; return bx;`) as (zs: number, zf: number, zv: number, zq: number, x: number, sb: Float64Array) => number;
  const tmp = new Float64Array(4);
  // reverse: stored pre-input states of the segment (slot per step), the state cotangent per lane
  let seg = new Float64Array(0), segStart = 0, segLen = 0;
  const stBar = new Float64Array(B * 4 * W);
  const subStates = new Float64Array(4 * substeps);
  const rest = () => { for (let q = 0; q < B * W; q++) { st[4 * q] = 0; st[4 * q + 1] = 1; st[4 * q + 2] = 1; st[4 * q + 3] = 1; } };
  rest();
  const m: AdjointMonitor = {
    name: 'BalloonWindkessel', voi, sampleShape: [nv, N, M], nSamples: nS, period: istep * dt,
    time: Float64Array.from({ length: nS }, (_, c) => (c0 + c) * istep * dt), data, bars: new Float64Array(data.length),
    reset() { rest(); stBar.fill(0); },
    feed(s, b, O) {
      const sb = b * 4 * W;
      if (seg.length && s >= segStart && s < segStart + segLen) seg.set(st.subarray(sb, sb + 4 * W), ((s - segStart) * B + b) * 4 * W);
      if (s % every === 0) {
        let c = 0;
        for (let v = 0; v < nv; v++) for (let q = 0; q < NM; q++, c++) {
          const x = O[b * NV + voi[v] * NM + q];
          const o = sb + 4 * c;
          for (let k = 0; k < substeps; k++) {
            substep(st[o], st[o + 1], st[o + 2], st[o + 3], x, tmp);
            st[o] = tmp[0]; st[o + 1] = tmp[1]; st[o + 2] = tmp[2]; st[o + 3] = tmp[3];
          }
        }
      }
      if (s >= sFirst && s <= sLast && s % istep === 0) {
        const out = (b * nS + s / istep - c0) * W;
        for (let q = 0; q < W; q++) {
          const zv = st[sb + 4 * q + 2], zq = st[sb + 4 * q + 3];
          data[out + q] = p.V0 * (p.k1 * (1 - zq) + p.k2 * (1 - zq / zv) + p.k3 * (1 - zv));
        }
      }
    },
    obsBar(s, b, O, OB) {
      const sb = b * 4 * W, pre = ((s - segStart) * B + b) * 4 * W;
      if (s >= sFirst && s <= sLast && s % istep === 0) {
        // the state after this step's input: replay it from the stored pre-input state
        const src = (b * nS + s / istep - c0) * W;
        for (let q = 0; q < W; q++) {
          let zs = seg[pre + 4 * q], zf = seg[pre + 4 * q + 1], zv = seg[pre + 4 * q + 2], zq = seg[pre + 4 * q + 3];
          if (s % every === 0) {
            const x = O[b * NV + voi[Math.floor(q / NM)] * NM + (q % NM)];
            for (let k = 0; k < substeps; k++) { substep(zs, zf, zv, zq, x, tmp); zs = tmp[0]; zf = tmp[1]; zv = tmp[2]; zq = tmp[3]; }
          }
          const yb = m.bars[src + q] * p.V0;
          stBar[sb + 4 * q + 2] += yb * (p.k2 * zq / (zv * zv) - p.k3);
          stBar[sb + 4 * q + 3] += yb * (-p.k1 - p.k2 / zv);
        }
      }
      if (s % every !== 0) return;
      const sbar = new Float64Array(4);
      for (let q = 0; q < W; q++) {
        const x = O[b * NV + voi[Math.floor(q / NM)] * NM + (q % NM)];
        let zs = seg[pre + 4 * q], zf = seg[pre + 4 * q + 1], zv = seg[pre + 4 * q + 2], zq = seg[pre + 4 * q + 3];
        for (let k = 0; k < substeps; k++) {
          subStates[4 * k] = zs; subStates[4 * k + 1] = zf; subStates[4 * k + 2] = zv; subStates[4 * k + 3] = zq;
          if (k + 1 < substeps) { substep(zs, zf, zv, zq, x, tmp); zs = tmp[0]; zf = tmp[1]; zv = tmp[2]; zq = tmp[3]; }
        }
        const o = sb + 4 * q;
        let bx = 0;
        for (let k = substeps - 1; k >= 0; k--) {
          sbar[0] = stBar[o]; sbar[1] = stBar[o + 1]; sbar[2] = stBar[o + 2]; sbar[3] = stBar[o + 3];
          bx += substepRev(subStates[4 * k], subStates[4 * k + 1], subStates[4 * k + 2], subStates[4 * k + 3], x, sbar);
          stBar[o] = sbar[0]; stBar[o + 1] = sbar[1]; stBar[o + 2] = sbar[2]; stBar[o + 3] = sbar[3];
        }
        OB[b * NV + voi[Math.floor(q / NM)] * NM + (q % NM)] += bx;
      }
    },
    bytesPerStep: B * 4 * W * 8, bytesPerCheckpoint: B * 4 * W * 8,
    checkpoint: () => st.slice(),
    beginReverse() { stBar.fill(0); },
    restore(ck, start, len) {
      if (ck) st.set(ck);
      segStart = start; segLen = len;
      if (seg.length < len * B * 4 * W) seg = new Float64Array(len * B * 4 * W);
    },
  };
  return m;
}
