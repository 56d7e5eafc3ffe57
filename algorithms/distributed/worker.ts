/**
 * Queue mode, the worker's side: BullMQ workers for the chunk and gather queues. A chunk runs on
 * the kernel engine (all local cores unless bounded) and its result is stored under its key in
 * one atomic step, so a worker killed mid-chunk leaves nothing behind (the job returns to the
 * queue after the stall timeout) and a second completion of the same chunk changes nothing.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { evaluateChunk, explorationFromChunks, type Chunk, type ChunkOutput, type Observable } from '../explore.js';
import { Space } from '../../src/space/space.js';
import type { SimulationConfig } from '../../src/simulation/config.js';
import { chunkKey, decodeChunk, encodeChunk, sweepChunks } from './chunks.js';
import { guardVersion, keys, liveJobs, openRedis, PREFIX, STORE_CHUNK_LUA, type QueueTarget } from './redis.js';
import { buildObservables, checkSweep, configFromJson, type SweepSpec } from './sweep.js';
import type { ChunkJobData, GatherJobData } from './queue.js';
import { VBT_VERSION } from './version.js';

export interface WorkerOptions extends QueueTarget {
  /** Kernel worker threads per chunk (default: all cores). */
  threads?: number;
  /**
   * Seconds without a lock renewal after which a job counts as stalled and is handed to another
   * worker (BullMQ's lockDuration; default 60). Keep it above the longest chunk: with one thread
   * the chunk runs on the event loop that renews the lock.
   */
  stallTimeout?: number;
  /** Exit once both queues have had no unfinished job for this many seconds (batch systems). */
  exitWhenIdle?: number;
  /** One line per finished job (default: none). */
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** Resolves when the worker has stopped (closed, or idle for exitWhenIdle). */
  done: Promise<void>;
  /** Finish the active job, then stop. */
  close(): Promise<void>;
}

interface SweepCache { spec: SweepSpec; base: SimulationConfig; space: Space; observables: Record<string, Observable>; chunks: Chunk[] }

/** Start workers on both queues of `name` at `url`; refuses a queue holding another version's jobs. */
export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const name = o.name ?? 'explore';
  const k = keys(name);
  const redis = await openRedis(o.url);
  const probes = [new Queue(k.chunkQueue, { connection: redis, prefix: PREFIX }), new Queue(k.gatherQueue, { connection: redis, prefix: PREFIX })];
  try {
    await guardVersion(redis, name, o.url, probes);
  } catch (e) {
    await Promise.all(probes.map((q) => q.close()));
    redis.disconnect();
    throw e;
  }
  redis.defineCommand('vbtStoreChunk', { numberOfKeys: 2, lua: STORE_CHUNK_LUA });
  const cache = new Map<string, SweepCache>();
  const load = async (id: string): Promise<SweepCache> => {
    const hit = cache.get(id);
    if (hit) return hit;
    const raw = await redis.get(k.spec(id));
    if (raw === null) throw new UnrecoverableError(`sweep ${id}: its spec is missing from Redis`);
    const spec = checkSweep(JSON.parse(raw), `sweep ${id}`);
    const c = { spec, base: configFromJson(spec.base), space: Space.fromJSON(spec.space), observables: buildObservables(spec.observables), chunks: sweepChunks(spec) };
    cache.set(id, c);
    return c;
  };
  const refuseOtherVersion = (j: Job<{ vbt: string }>) => {
    if (j.data.vbt !== VBT_VERSION) throw new UnrecoverableError(`job ${j.id} was written by vbt ${j.data.vbt}; this worker is vbt ${VBT_VERSION}`);
  };

  const lockDuration = (o.stallTimeout ?? 60) * 1000;
  const common = { connection: redis, prefix: PREFIX, concurrency: 1, lockDuration, stalledInterval: Math.max(500, lockDuration / 2), maxStalledCount: 2 };
  const chunkWorker = new Worker<ChunkJobData>(k.chunkQueue, async (job) => {
    refuseOtherVersion(job);
    const s = await load(job.data.sweep);
    const c = s.chunks[job.data.index];
    if (!c || chunkKey(job.data.sweep, s.space, c) !== job.data.key) throw new UnrecoverableError(`job ${job.id}: chunk ${job.data.index} of sweep ${job.data.sweep} does not match its key ${job.data.key}`);
    let out: ChunkOutput;
    const t0 = performance.now();
    try {
      out = await evaluateChunk(s.base, s.space, s.observables, c, o.threads);
    } catch (e) {
      await redis.hincrby(k.meta(job.data.sweep), 'failures', 1);
      throw e;
    }
    const stored = await (redis as Redis & { vbtStoreChunk: (...a: (string | number)[]) => Promise<number> })
      .vbtStoreChunk(k.chunks(job.data.sweep), k.meta(job.data.sweep), job.data.key, encodeChunk(out), c.points.length, out.divergences.length, Date.now());
    o.log?.(`chunk ${job.data.key}: ${c.points.length} points in ${((performance.now() - t0) / 1000).toFixed(2)} s${stored ? '' : ' (already stored by another worker)'}`);
    return job.data.key;
  }, common);
  const gatherWorker = new Worker<GatherJobData>(k.gatherQueue, async (job) => {
    refuseOtherVersion(job);
    const id = job.data.sweep;
    const s = await load(id);
    const stored = await redis.hgetall(k.chunks(id));
    const failures = await job.getIgnoredChildrenFailures();
    const failedByKey = new Map(Object.entries(failures).map(([jobKey, reason]) => [jobKey.split(':').pop()!, reason]));
    const obsNames = Object.keys(s.observables);
    const outputs = s.chunks.map((c): ChunkOutput => {
      const key = chunkKey(id, s.space, c);
      if (stored[key] !== undefined) return decodeChunk(stored[key], `sweep ${id} chunk ${key}`);
      const reason = `chunk ${c.index} failed: ${failedByKey.get(key) ?? 'its result is missing'}`;
      return { values: Object.fromEntries(obsNames.map((n) => [n, new Float64Array(c.points.length).fill(NaN)])), divergences: c.points.map((index) => ({ index, reason })) };
    });
    const meta = await redis.hgetall(k.meta(id));
    const seconds = (Date.now() - Number(meta.startedAt)) / 1000;
    const res = explorationFromChunks({
      name: s.spec.name, base: s.base, space: s.space, observables: obsNames, chunks: s.chunks, outputs, batchSize: s.spec.chunkSize, seconds,
      metadata: { sweepId: id, executor: 'queue', failedChunks: s.chunks.length - Object.keys(stored).length },
    });
    await redis.set(k.result(id), JSON.stringify(res.toJSON()));
    o.log?.(`sweep ${id}: gathered ${s.chunks.length} chunks`);
    return id;
  }, common);

  let idleTimer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (idleTimer) clearInterval(idleTimer);
      await Promise.all([chunkWorker.close(), gatherWorker.close(), ...probes.map((q) => q.close())]);
      redis.disconnect();
      finish();
    })();
    return closing;
  };
  if (o.exitWhenIdle !== undefined) {
    let idleSince = Date.now();
    idleTimer = setInterval(() => {
      void (async () => {
        const live = (await liveJobs(probes[0])) + (await liveJobs(probes[1]));
        if (live > 0) idleSince = Date.now();
        else if (Date.now() - idleSince >= o.exitWhenIdle! * 1000) await close();
      })().catch(() => {});
    }, 500);
  }
  return { done, close };
}
