/**
 * Chunk size from a target number of seconds per job, measured: two points of the sweep run on
 * one thread over a shortened window, and the time per point is scaled to the full run by steps.
 */
import { simulate } from '../../src/simulation/simulate.js';
import { SETTING_NAMES } from '../explore.js';
import { Space } from '../../src/space/space.js';
import { configFromJson, type SweepSpec } from './sweep.js';

export interface Calibration {
  /** Measured CPU-seconds of one point of the full run (one core). */
  secondsPerPoint: number;
  chunkSize: number;
}

const CALIBRATION_STEPS = 4000;

/** Seconds per point of `sweep` (its chunkSize is ignored), and the chunk size for `targetSeconds` per job. */
export async function calibrateChunkSize(sweep: Omit<SweepSpec, 'chunkSize'>, targetSeconds: number, maxChunk = 4096): Promise<Calibration> {
  if (!(targetSeconds > 0)) throw new Error(`--target-seconds: ${targetSeconds}; expected a positive number of seconds per job`);
  const base = configFromJson(sweep.base);
  const space = Space.fromJSON(sweep.space);
  const n = Math.min(2, space.size);
  const batchNames = space.names.filter((x) => !(SETTING_NAMES as readonly string[]).includes(x));
  const batch = Object.fromEntries(batchNames.map((x) => [x, Array.from({ length: n }, (_, k) => space.point(k)[x])]));
  const dt = base.integrator.dt;
  const totalSteps = Math.ceil(((base.transient ?? 0) + base.duration) / dt);
  const periods = (base.monitors ?? []).map((m) => ('period' in m && typeof m.period === 'number' ? m.period : 0));
  const duration = Math.min((base.transient ?? 0) + base.duration, Math.max(CALIBRATION_STEPS * dt, 2 * Math.max(0, ...periods)));
  const cfg = { ...base, transient: 0, duration, batch: batchNames.length ? batch : undefined, threads: 1 };
  await simulate({ ...cfg, duration: Math.min(duration, 50 * dt) }); // code generation and JIT warm-up
  const c0 = process.cpuUsage();
  await simulate(cfg);
  const c = process.cpuUsage(c0);
  const secondsPerPoint = ((c.user + c.system) / 1e6 / n) * (totalSteps / Math.ceil(duration / dt));
  return { secondsPerPoint, chunkSize: Math.max(1, Math.min(maxChunk, space.size, Math.round(targetSeconds / secondsPerPoint))) };
}
