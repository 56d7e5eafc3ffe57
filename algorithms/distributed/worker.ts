/**
 * Queue mode, the worker's side: BullMQ workers for the unit and gather queues. A unit (a chunk of
 * sweep points on the kernel engine, all local cores unless bounded; or one start of a multi-start
 * fit) runs and its result is stored under its key in one atomic step, so a worker killed
 * mid-unit leaves nothing behind (the job returns to the queue after the stall timeout) and a
 * second completion of the same unit changes nothing.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { guardVersion, keys, liveJobs, openRedis, PREFIX, STORE_CHUNK_LUA, type QueueTarget } from './redis.js';
import type { ChunkJobData, GatherJobData } from './queue.js';
import { workloadOf, type UnitOutput, type Workload } from './workload.js';
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
  const cache = new Map<string, Workload>();
  const load = async (id: string): Promise<Workload> => {
    const hit = cache.get(id);
    if (hit) return hit;
    const raw = await redis.get(k.spec(id));
    if (raw === null) throw new UnrecoverableError(`${id}: its spec is missing from Redis`);
    const w = workloadOf(JSON.parse(raw), `${id}`);
    cache.set(id, w);
    return w;
  };
  const refuseOtherVersion = (j: Job<{ vbt: string }>) => {
    if (j.data.vbt !== VBT_VERSION) throw new UnrecoverableError(`job ${j.id} was written by vbt ${j.data.vbt}; this worker is vbt ${VBT_VERSION}`);
  };

  const lockDuration = (o.stallTimeout ?? 60) * 1000;
  const common = { connection: redis, prefix: PREFIX, concurrency: 1, lockDuration, stalledInterval: Math.max(500, lockDuration / 2), maxStalledCount: 2 };
  const chunkWorker = new Worker<ChunkJobData>(k.chunkQueue, async (job) => {
    refuseOtherVersion(job);
    const w = await load(job.data.sweep);
    const u = w.units[job.data.index];
    if (!u || u.key !== job.data.key) throw new UnrecoverableError(`job ${job.id}: unit ${job.data.index} of ${w.kind} ${job.data.sweep} does not match its key ${job.data.key}`);
    let out: UnitOutput;
    const t0 = performance.now();
    try {
      out = await w.evaluate(u.index, o.threads);
    } catch (e) {
      await redis.hincrby(k.meta(job.data.sweep), 'failures', 1);
      throw e;
    }
    const stored = await (redis as Redis & { vbtStoreChunk: (...a: (string | number)[]) => Promise<number> })
      .vbtStoreChunk(k.chunks(job.data.sweep), k.meta(job.data.sweep), job.data.key, out.encoded, u.size, out.failed, Date.now());
    o.log?.(`${w.kind === 'sweep' ? 'chunk' : 'start'} ${job.data.key}: ${u.size} ${w.kind === 'sweep' ? 'points' : 'start'} in ${((performance.now() - t0) / 1000).toFixed(2)} s${stored ? '' : ' (already stored by another worker)'}`);
    return job.data.key;
  }, common);
  const gatherWorker = new Worker<GatherJobData>(k.gatherQueue, async (job) => {
    refuseOtherVersion(job);
    const id = job.data.sweep;
    const w = await load(id);
    const stored = await redis.hgetall(k.chunks(id));
    const failures = await job.getIgnoredChildrenFailures();
    const failedByKey = new Map(Object.entries(failures).map(([jobKey, reason]) => [jobKey.split(':').pop()!, reason]));
    const meta = await redis.hgetall(k.meta(id));
    const seconds = (Date.now() - Number(meta.startedAt)) / 1000;
    const failedUnits = w.units.length - Object.keys(stored).length;
    const res = w.gather(stored, failedByKey, seconds, { executor: 'queue', ...(w.kind === 'sweep' ? { failedChunks: failedUnits } : { failedStarts: failedUnits }) });
    await redis.set(k.result(id), res);
    o.log?.(`${w.kind} ${id}: gathered ${w.units.length} ${w.kind === 'sweep' ? 'chunks' : 'starts'}`);
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
