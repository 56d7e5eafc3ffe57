/**
 * Monitors: what a run records. Each monitor follows TVB's sampling rule exactly (see the reference
 * README): Raw every step at s·dt; SubSample/GlobalAverage/SpatialAverage when s mod istep = 0 at
 * s·dt; TemporalAverage the mean of the last istep observations (rows never written count as zeros,
 * as in TVB) at (s − istep/2)·dt; AfferentCoupling records the coupling computed after step s (the
 * one step s+1 will use), every step or averaged over `period`.
 *
 * Monitors are emitted as code into the kernel program, so they run inside the fused step loop and
 * inside worker threads without a second module system.
 */

import { emitBold, emitBalloon, type BoldMonitorSpec, type BalloonMonitorSpec } from './bold.js';
export type { BoldMonitorSpec, BalloonMonitorSpec } from './bold.js';
import { emitSensorMonitor, type SensorMonitorSpec } from './projection.js';
export type { SensorMonitorSpec } from './projection.js';

export type MonitorSpec =
  | { name: 'Raw'; voi?: number[] }
  | { name: 'SubSample'; period: number; voi?: number[] }
  | { name: 'TemporalAverage'; period: number; voi?: number[] }
  | { name: 'GlobalAverage'; period: number; voi?: number[] }
  | { name: 'SpatialAverage'; period: number; voi?: number[]; mask?: ArrayLike<number>; defaultMask?: 'cortical' | 'hemispheres' }
  | { name: 'AfferentCoupling'; period?: number; voi?: number[] }
  | BoldMonitorSpec
  | BalloonMonitorSpec
  | SensorMonitorSpec
  /** TVB's RawVoi: every step, the variables of interest (what vbt's Raw records). */
  | { name: 'RawVoi'; voi?: number[] }
  /** TVB's BoldRegionROI: BOLD of region-averaged activity; for region simulations the Bold monitor itself. */
  | (Omit<BoldMonitorSpec, 'name'> & { name: 'BoldRegionROI' });

export const MONITOR_NAMES = ['Raw', 'SubSample', 'TemporalAverage', 'GlobalAverage', 'SpatialAverage', 'AfferentCoupling', 'Bold', 'BalloonWindkessel', 'EEG', 'MEG', 'iEEG'] as const;

/** TVB's rounding of period/dt to whole steps. */
export function istepOf(period: number, dt: number): number {
  return Math.round(period / dt);
}

export interface MonitorContext {
  N: number;
  M: number;
  dt: number;
  /** Number of model variables of interest (rows of the observation array). */
  nvoi: number;
  /** Number of coupling rows. */
  ncv: number;
  /** First and last recorded step (inclusive). */
  sFirst: number;
  sLast: number;
  cortical?: boolean[];
  hemispheres?: boolean[];
  /**
   * When every variable of interest is a state variable itself: its row in the state array. Raw,
   * TemporalAverage and SubSample then read the state directly instead of a copied observation.
   */
  voiState?: number[];
}

/** Code and sizes for one monitor inside a kernel program. Variables in scope: s, b, B, obs, cpl, cb, state, sb. */
export interface MonitorEmit {
  name: string;
  /** Per-sample shape: [variables, nodes (or areas), modes]. */
  sampleShape: [number, number, number];
  nSamples: number;
  period: number;
  voi: number[];
  /** Declarations at program scope. `P` holds the monitor's constant arrays from `data`. */
  decl: string;
  /** Statement run for batch element b after step s. */
  record: string;
  /**
   * Optional statement for batch element b after a transient step (nothing recorded): lets a
   * monitor with memory (BOLD) warm up on the discarded steps. Needs the observation array.
   */
  warm?: string;
  /** Condition (JS, in s) under which `record` needs the observation array. */
  needsObs: string | null;
  /** Constant arrays the code reads (go to workers with the program). */
  data: Record<string, Float64Array | Int32Array>;
  /** Expression for the output object {time, data}. */
  result: string;
  /**
   * Statement that starts the output buffers over (sample count 0) while the monitor's running
   * state (averaging sums) carries on: streaming runs drain the buffers chunk by chunk. Absent for
   * monitors that cannot stream (BOLD, sensors).
   */
  rewind?: string;
  /**
   * Present when the monitor sums state rows every recorded step (TemporalAverage of plain state
   * variables): the program declares `acc` (B × rows × N × M) itself and either adds the rows
   * there in its own code (then runs `flush` instead of `record`) or runs `record` as usual.
   */
  stateSum?: { rows: number[]; acc: string; flush: string };
}

function countMultiples(istep: number, a: number, b: number): number {
  return Math.max(0, Math.floor(b / istep) - Math.floor((a - 1) / istep));
}

function checkVoi(voi: number[] | undefined, n: number, what: string, mon: string): number[] {
  const v = voi ?? Array.from({ length: n }, (_, k) => k);
  for (const k of v) {
    if (!Number.isInteger(k) || k < 0 || k >= n) throw new Error(`monitor ${mon}: voi index ${k} out of range; expected 0..${n - 1} (${what})`);
  }
  if (v.length === 0) throw new Error(`monitor ${mon}: empty voi`);
  return v;
}

export function emitMonitor(spec: MonitorSpec, k: number, ctx: MonitorContext): MonitorEmit {
  const { N, M, dt, sFirst, sLast } = ctx;
  const id = `mon${k}`;
  // TVB's aliases: vbt's Raw already records the variables of interest, and a region simulation's
  // activity is already per region, so these are Raw and Bold under TVB's names
  if (spec.name === 'RawVoi') return { ...emitMonitor({ ...spec, name: 'Raw' }, k, ctx), name: 'RawVoi' };
  if (spec.name === 'BoldRegionROI') return { ...emitMonitor({ ...spec, name: 'Bold' } as BoldMonitorSpec, k, ctx), name: 'BoldRegionROI' };
  // BOLD monitors: own defaults (TR 2000 ms) and buffers, in ./bold.ts
  if (spec.name === 'Bold') return emitBold(spec, id, checkVoi(spec.voi, ctx.nvoi, 'variables of interest', spec.name), ctx);
  if (spec.name === 'BalloonWindkessel') return emitBalloon(spec, id, checkVoi(spec.voi, ctx.nvoi, 'variables of interest', spec.name), ctx);
  if (spec.name === 'EEG' || spec.name === 'MEG' || spec.name === 'iEEG') return emitSensorMonitor(spec, id, checkVoi(spec.voi, ctx.nvoi, 'variables of interest', spec.name), ctx);
  const period = 'period' in spec && spec.period !== undefined ? spec.period : dt;
  if (!(period > 0)) throw new Error(`monitor ${spec.name}: period must be > 0 ms, got ${period}`);
  const istep = istepOf(period, dt);
  if (istep < 1) throw new Error(`monitor ${spec.name}: period ${period} ms is shorter than dt ${dt} ms`);
  const isCoupling = spec.name === 'AfferentCoupling';
  const voi = checkVoi(spec.voi, isCoupling ? ctx.ncv : ctx.nvoi, isCoupling ? 'coupling rows' : 'variables of interest', spec.name);
  const nv = voi.length;
  const direct = !isCoupling && ctx.voiState && ['Raw', 'TemporalAverage', 'SubSample'].includes(spec.name) ? ctx.voiState : null;
  const src = isCoupling ? 'cpl' : direct ? 'state' : 'obs';
  const srcBase = isCoupling ? 'cb' : direct ? 'sb' : '0';
  // row of the source array holding voi index vi
  const row = (vi: number) => (direct ? direct[vi] : vi);
  // index of voi v, node n, mode m in the source array
  const at = (v: string, n: string, m: string) => `${srcBase} + ((${id}_voi[${v}] * ${N} + ${n}) * ${M} + ${m})`;
  const data: Record<string, Float64Array | Int32Array> = { [`${id}_voi`]: Int32Array.from(voi, row) };
  const width = nv * N * M;
  const loadVoi = `const ${id}_voi = P.${id}_voi;`;
  const everyStep = spec.name === 'Raw' || (isCoupling && istep === 1);
  const averaging = spec.name === 'TemporalAverage' || (isCoupling && istep > 1);

  if (everyStep) {
    const nS = sLast - sFirst + 1;
    return {
      name: spec.name, sampleShape: [nv, N, M], nSamples: nS, period: istep * dt, voi,
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
      needsObs: isCoupling || direct ? null : 'true',
      data,
      result: `{ time: ${id}_time, data: ${id}_data }`,
      rewind: `${id}_cnt.fill(0);`,
    };
  }
  const nS = countMultiples(istep, sFirst, sLast);
  if (averaging) {
    const flush = `if (s % ${istep} === 0) {
    const o = b * ${width};
    const c = ${id}_cnt[b]++;
    if (b === 0) ${id}_time[c] = (s - ${istep / 2}) * ${dt};
    const out = (b * ${nS} + c) * ${width};
    for (let q = 0; q < ${width}; q++) { ${id}_data[out + q] = ${id}_acc[o + q] / ${istep}; ${id}_acc[o + q] = 0; }
  }`;
    return {
      name: spec.name, sampleShape: [nv, N, M], nSamples: nS, period: istep * dt, voi,
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
      needsObs: isCoupling || direct ? null : 'true',
      data,
      result: `{ time: ${id}_time, data: ${id}_data }`,
      rewind: `${id}_cnt.fill(0);`,
      stateSum: direct ? { rows: voi.map(row), acc: `${id}_acc`, flush } : undefined,
    };
  }
  if (spec.name === 'SubSample') {
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
  // GlobalAverage and SpatialAverage: a linear map from nodes to areas, applied when s mod istep = 0
  let mask: Int32Array;
  if (spec.name === 'GlobalAverage') mask = new Int32Array(N);
  else if (spec.name === 'SpatialAverage') {
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
  } else {
    throw new Error(`unknown monitor '${(spec as { name: string }).name}'; expected one of: ${MONITOR_NAMES.join(', ')}`);
  }
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
