/**
 * Batched exploration on the kernel engine. Points that differ only in model or coupling parameters
 * run as one batched `simulate` call (spread over worker threads); points that differ in settings
 * the engine cannot batch (noise level, noise seed, dt, conduction speed) are grouped by those
 * settings, one call per group and chunk. With noise, the j-th point of a settings group (in flat
 * order) runs with seed + j, whatever the batch size, so results do not depend on chunking.
 */
import { simulate } from '../src/simulation/simulate.js';
import { DivergenceError, type MonitorOutput, type SimulationResult } from '../src/results/simulation.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import { monitorSeries, type Series } from '../src/analysis/series.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { ExplorationResult } from '../src/results/exploration.js';
import { makeProgress, type ProgressOption } from './progress.js';
import type { Space } from '../src/space/space.js';

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
  /** Keep every point's time series of this monitor (all its variables) in the result (tvbo's is_timeseries). */
  record?: string | number;
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
  if (Object.keys(observables).length === 0) throw new Error('explore: no observables');
  const batchSize = opts.batchSize ?? 32;
  const chunks = planChunks(space, batchSize);
  const progress = makeProgress(opts.progress, space.size, 'exploring');
  const outputs: ChunkOutput[] = [];
  let done = 0;
  const t0 = performance.now();
  for (const chunk of chunks) {
    outputs.push(await evaluateChunk(base, space, observables, chunk, opts.threads, opts.record));
    done += chunk.points.length;
    progress.update(done);
  }
  progress.stop();
  return explorationFromChunks({ name: opts.name ?? 'exploration', base, space, observables: Object.keys(observables), chunks, outputs, batchSize, seconds: (performance.now() - t0) / 1000 });
}

/**
 * A unit of work of an exploration: points of one settings group (flat indices, in order) run as
 * one batched simulate call. `rank0` is the rank of the first point within its group, which fixes
 * its noise seed; `index` numbers the chunks of a space in a fixed order.
 */
export interface Chunk {
  index: number;
  points: number[];
  rank0: number;
}

/**
 * Split a space into chunks of at most `batchSize` points, group by group (points that share the
 * unbatchable settings). The split depends only on the space and the batch size, so every executor
 * (this process, a queue of workers) works on the same chunks and gets the same numbers.
 */
export function planChunks(space: Space, batchSize: number): Chunk[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`explore: batchSize=${batchSize}; expected a positive integer`);
  const settingNames = space.names.filter((n) => (SETTING_NAMES as readonly string[]).includes(n));
  const groups = new Map<string, number[]>();
  for (let k = 0; k < space.size; k++) {
    const p = space.point(k);
    const key = JSON.stringify(settingNames.map((n) => p[n]));
    const g = groups.get(key);
    if (g) g.push(k);
    else groups.set(key, [k]);
  }
  const chunks: Chunk[] = [];
  for (const pts of groups.values()) {
    for (let i = 0; i < pts.length; i += batchSize) chunks.push({ index: chunks.length, points: pts.slice(i, i + batchSize), rank0: i });
  }
  return chunks;
}

/** What one chunk yields: per observable one value per point of the chunk, and the points that diverged. */
export interface ChunkOutput {
  values: Record<string, Float64Array>;
  /** Flat point index and the engine's message; these points' values are NaN. */
  divergences: { index: number; reason: string }[];
  /** With `record`: mode 0 of every variable of that monitor, [point of the chunk, time, variable, node] (NaN where a point diverged). */
  recorded?: RecordedSeries;
}

/** The recorded monitor's layout, and its samples. */
export interface RecordedSeries {
  outputNames: string[];
  dt: number;
  time: Float64Array;
  nodes: number;
  data: Float64Array;
}

/**
 * Run one chunk on the kernel engine and evaluate the observables. A diverging point is recorded
 * (NaN with the reason) and its neighbours rerun one by one, so it never fails the chunk.
 */
export async function evaluateChunk(base: SimulationConfig, space: Space, observables: Record<string, Observable>, chunk: Chunk, threads?: number, record?: string | number): Promise<ChunkOutput> {
  const obsNames = Object.keys(observables);
  const batchNames = space.names.filter((n) => !(SETTING_NAMES as readonly string[]).includes(n));
  const values: Record<string, Float64Array> = Object.fromEntries(obsNames.map((n) => [n, new Float64Array(chunk.points.length).fill(NaN)]));
  const divergences: ChunkOutput['divergences'] = [];
  let recorded: RecordedSeries | undefined;
  // the engine gives batch element b the noise seed (seed + b); starting each chunk at seed + (rank
  // of its first point in the group) makes a point's noise independent of the batch size
  const run = async (q0: number, q1: number): Promise<void> => {
    const pts = chunk.points.slice(q0, q1);
    const cfg = settingsConfig(base, space.point(pts[0]));
    if (cfg.integrator.noise) cfg.integrator = { ...cfg.integrator, noise: { ...cfg.integrator.noise, seed: (cfg.integrator.noise.seed ?? 42) + chunk.rank0 + q0 } };
    const batch: Record<string, number[]> = {};
    for (const n of batchNames) batch[n] = pts.map((k) => space.point(k)[n]);
    let res: SimulationResult;
    try {
      res = await simulate({ ...cfg, batch: batchNames.length ? batch : undefined, threads: threads ?? cfg.threads });
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      if (pts.length === 1) { divergences.push({ index: pts[0], reason: e.message }); return; }
      // one diverging point must not discard its neighbours: rerun them one by one
      for (let q = q0; q < q1; q++) await run(q, q + 1);
      return;
    }
    pts.forEach((k, b) => {
      const run: PointRun = {
        index: k,
        params: space.point(k),
        result: res,
        b,
        monitor: (which = 0) => sliceMonitor(res.monitor(which), b),
        series: (which = 0, o = {}) => monitorSeries(res.monitor(which), { b, v: o.v, m: o.m }),
      };
      for (const n of obsNames) values[n][q0 + b] = observables[n](run);
      if (record !== undefined) {
        const m = run.monitor(record);
        const [, T, V, N, M] = m.shape;
        recorded ??= { outputNames: [...m.variables], dt: m.period, time: Float64Array.from(m.time), nodes: N, data: new Float64Array(chunk.points.length * T * V * N).fill(NaN) };
        if (recorded.time.length !== T) throw new Error(`explore: point ${k} recorded ${T} samples of monitor ${m.name}; earlier points had ${recorded.time.length} (record needs the same dt and duration at every point)`);
        const q = q0 + b;
        for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) for (let i = 0; i < N; i++) recorded.data[((q * T + t) * V + v) * N + i] = m.data[((t * V + v) * N + i) * M];
      }
    });
  };
  await run(0, chunk.points.length);
  return { values, divergences, ...(recorded ? { recorded } : {}) };
}

/** Gather chunk outputs (any order of arrival; `outputs[i]` belongs to `chunks[i]`) into one result. */
export function explorationFromChunks(o: {
  name: string; base: SimulationConfig; space: Space; observables: string[]; chunks: Chunk[]; outputs: ChunkOutput[];
  batchSize: number; seconds: number; metadata?: Record<string, unknown>;
}): ExplorationResult {
  const { space } = o;
  const results: Record<string, Float64Array> = Object.fromEntries(o.observables.map((n) => [n, new Float64Array(space.size).fill(NaN)]));
  const divergences: ChunkOutput['divergences'] = [];
  const layout = o.outputs.find((out) => out.recorded)?.recorded;
  // samples per point: time × variable × node
  const S = layout ? layout.time.length * layout.outputNames.length * layout.nodes : 0;
  const recorded = layout && { ...layout, data: new Float64Array(space.size * S).fill(NaN) };
  o.chunks.forEach((c, i) => {
    const out = o.outputs[i];
    for (const n of o.observables) c.points.forEach((k, q) => (results[n][k] = out.values[n][q]));
    divergences.push(...out.divergences);
    if (recorded && out.recorded) {
      c.points.forEach((k, q) => recorded.data.set(out.recorded!.data.subarray(q * S, (q + 1) * S), k * S));
    }
  });
  divergences.sort((a, b) => a.index - b.index);
  return new ExplorationResult(o.name, space, results, {
    model: typeof o.base.model === 'string' ? o.base.model : o.base.model.name,
    points: space.size,
    diverged: divergences.length,
    divergences,
    seconds: o.seconds,
    pointsPerSecond: space.size / o.seconds,
    batchSize: o.batchSize,
    ...o.metadata,
  }, recorded);
}
