/**
 * Observation models in the adjoint (reverse mode): each records exactly what the kernel engine's
 * monitor records (same sampling rule and arithmetic), and gives the cotangent of the observation at
 * step s from the cotangents of its samples. Raw, SubSample and TemporalAverage (here) and TVB's Bold
 * (bold/adjoint.ts) are affine in the observation, so their adjoint is a fixed linear map (no stored
 * state); the Balloon–Windkessel ODE (balloon/adjoint.ts) is not, so it keeps its state at every input
 * step of a segment and differentiates its Euler substeps as a straight-line program.
 */
import { istepOf } from './kernel.js';
import type { RawMonitorSpec } from './raw/spec.js';
import type { SubSampleMonitorSpec } from './subsample/spec.js';
import type { TemporalAverageMonitorSpec } from './temporal-average/spec.js';

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

export function voiOf(spec: { voi?: number[] }, nvoi: number, name: string): number[] {
  const v = spec.voi ?? Array.from({ length: nvoi }, (_, k) => k);
  for (const k of v) if (!Number.isInteger(k) || k < 0 || k >= nvoi) throw new Error(`monitor ${name}: voi index ${k} out of range; expected 0..${nvoi - 1} (variables of interest)`);
  if (!v.length) throw new Error(`monitor ${name}: empty voi`);
  return v;
}

/** Sample index and weight of each recorded step for the linear monitors. */
interface LinearRule { nS: number; period: number; time: Float64Array; at: (s: number) => [number, number] | null }

/** Raw, SubSample and TemporalAverage: a fixed linear map from the observation to the samples. */
export function linearAdjointMonitor(spec: RawMonitorSpec | SubSampleMonitorSpec | TemporalAverageMonitorSpec, g: MonitorGeometry, voi: number[]): AdjointMonitor {
  const { B, N, M, dt, nvoi, sFirst, sLast } = g;
  const nv = voi.length, W = nv * N * M, NM = N * M, NV = nvoi * NM;
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

