/**
 * Batched exploration on the kernel engine. Points that differ only in model or coupling parameters
 * run as one batched `simulate` call (spread over worker threads); points that differ in settings
 * the engine cannot batch (noise level, noise seed, dt, conduction speed) are grouped by those
 * settings, one call per group and chunk. With noise, the j-th point of a settings group (in flat
 * order) runs with seed + j, whatever the batch size, so results do not depend on chunking.
 */
import { simulate } from '../src/simulation/simulate.js';
import { DivergenceError, type MonitorOutput, type SimulationResult } from '../src/simulation/result.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import { monitorSeries, type Series } from '../src/analysis/series.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { ExplorationResult } from './exploration-result.js';
import { makeProgress, type ProgressOption } from './progress.js';
import type { Space } from './space.js';

/** Space names that are simulation settings rather than batchable parameters. */
export const SETTING_NAMES = ['noise.nsig', 'noise.seed', 'dt', 'speed'] as const;

/** One evaluated point, as an observable sees it. */
export interface PointRun {
  /** Flat index of the point in the space. */
  index: number;
  params: Record<string, number>;
  /** This point's monitor output (batch axis of length 1). */
  monitor(which?: string | number): MonitorOutput;
  /** One variable of a monitor as a [T, N] series. */
  series(which?: string | number, opts?: { v?: number; m?: number }): Series;
  /** The batched result the point came from and its batch index there. */
  result: SimulationResult;
  b: number;
}

export type Observable = (run: PointRun) => number;

export interface ExploreOptions {
  name?: string;
  /** The simulation every point starts from (no `batch`). */
  base: SimulationConfig;
  space: Space;
  observables: Record<string, Observable>;
  /** Points per batched simulate call (default 32). */
  batchSize?: number;
  threads?: number;
  progress?: ProgressOption;
}

function sliceMonitor(mon: MonitorOutput, b: number): MonitorOutput {
  const [, T, V, N, M] = mon.shape;
  const S = T * V * N * M;
  return { ...mon, data: mon.data.subarray(b * S, (b + 1) * S), shape: [1, T, V, N, M] };
}

function settingsConfig(base: SimulationConfig, p: Record<string, number>): SimulationConfig {
  const cfg: SimulationConfig = { ...base, integrator: { ...base.integrator } };
  if (p['noise.nsig'] !== undefined || p['noise.seed'] !== undefined) {
    const nz = base.integrator.noise ?? { nsig: 0 };
    cfg.integrator.noise = { ...nz, ...(p['noise.nsig'] !== undefined ? { nsig: p['noise.nsig'] } : {}), ...(p['noise.seed'] !== undefined ? { seed: p['noise.seed'] } : {}) };
  }
  if (p.dt !== undefined) cfg.integrator.dt = p.dt;
  if (p.speed !== undefined) cfg.connectivity = (base.connectivity ?? syntheticConnectome()).withSpeed(p.speed);
  return cfg;
}

/**
 * Evaluate observables over a parameter space.
 *
 * @example
 * ```ts
 * import { explore, grid, product } from 'vbt/algorithms';
 * const res = await explore({
 *   base: { model: 'Generic2dOscillator', integrator: { dt: 0.5 }, duration: 100,
 *           monitors: [{ name: 'TemporalAverage', period: 10 }] },
 *   space: product(grid('coupling.a', 0, 0.1, 3), grid('I', 0, 1, 2)),
 *   observables: { meanV: (r) => r.monitor().data.reduce((a, x) => a + x, 0) / r.monitor().data.length },
 * });
 * res.asGrid('meanV').shape; // [3, 2]
 * ```
 */
export async function explore(opts: ExploreOptions): Promise<ExplorationResult> {
  const { base, space, observables } = opts;
  if (base.batch) throw new Error('explore: base config must not have a batch; put the varied parameters in the space');
  const obsNames = Object.keys(observables);
  if (obsNames.length === 0) throw new Error('explore: no observables');
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`explore: batchSize=${batchSize}; expected a positive integer`);
  const names = space.names;
  const settingNames = names.filter((n) => (SETTING_NAMES as readonly string[]).includes(n));
  const batchNames = names.filter((n) => !settingNames.includes(n));

  const groups = new Map<string, number[]>();
  for (let k = 0; k < space.size; k++) {
    const p = space.point(k);
    const key = JSON.stringify(settingNames.map((n) => p[n]));
    const g = groups.get(key);
    if (g) g.push(k);
    else groups.set(key, [k]);
  }

  const results: Record<string, Float64Array> = Object.fromEntries(obsNames.map((n) => [n, new Float64Array(space.size).fill(NaN)]));
  const progress = makeProgress(opts.progress, space.size, 'exploring');
  let done = 0;
  let diverged = 0;
  const t0 = performance.now();

  const evaluate = (res: SimulationResult, pts: number[]): void => {
    pts.forEach((k, b) => {
      const params = space.point(k);
      const run: PointRun = {
        index: k,
        params,
        result: res,
        b,
        monitor: (which = 0) => sliceMonitor(res.monitor(which), b),
        series: (which = 0, o = {}) => monitorSeries(res.monitor(which), { b, v: o.v, m: o.m }),
      };
      for (const n of obsNames) results[n][k] = observables[n](run);
    });
  };

  // the engine gives batch element b the noise seed (seed + b); starting each chunk at seed + (rank
  // of its first point in the group) makes a point's noise independent of the batch size
  const runChunk = async (pts: number[], rank0: number): Promise<void> => {
    const first = space.point(pts[0]);
    const cfg = settingsConfig(base, first);
    if (cfg.integrator.noise) cfg.integrator = { ...cfg.integrator, noise: { ...cfg.integrator.noise, seed: (cfg.integrator.noise.seed ?? 42) + rank0 } };
    const batch: Record<string, number[]> = {};
    for (const n of batchNames) batch[n] = pts.map((k) => space.point(k)[n]);
    try {
      const res = await simulate({ ...cfg, batch: batchNames.length ? batch : undefined, threads: opts.threads ?? cfg.threads });
      evaluate(res, pts);
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      if (pts.length === 1) { diverged++; return; }
      // one diverging point must not discard its neighbours: rerun them one by one
      for (let q = 0; q < pts.length; q++) await runChunk([pts[q]], rank0 + q);
    }
  };

  for (const pts of groups.values()) {
    for (let i = 0; i < pts.length; i += batchSize) {
      const chunk = pts.slice(i, i + batchSize);
      await runChunk(chunk, i);
      done += chunk.length;
      progress.update(done);
    }
  }
  progress.stop();
  const seconds = (performance.now() - t0) / 1000;
  return new ExplorationResult(opts.name ?? 'exploration', space, results, {
    model: typeof base.model === 'string' ? base.model : base.model.name,
    points: space.size,
    diverged,
    seconds,
    pointsPerSecond: space.size / seconds,
    batchSize,
  });
}
