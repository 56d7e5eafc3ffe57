/**
 * Queue mode, the coordinator's side: a sweep becomes one BullMQ flow — a `gather` parent whose
 * children are the chunk jobs — with deterministic job ids, so submitting the same sweep again
 * (or `resume`) adds nothing twice. Workers store each chunk's result atomically under its key;
 * the parent, run by a worker once every child is done, gathers them into one ExplorationResult
 * kept in Redis, which the coordinator writes out.
 */
import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ExplorationResult } from '../exploration-result.js';
import { makeProgress, type ProgressOption } from '../progress.js';
import { Space } from '../../src/space/space.js';
import { chunkKey, sweepChunks } from './chunks.js';
import type { Executor } from './executor.js';
import { guardVersion, keys, openRedis, PREFIX, type QueueTarget } from './redis.js';
import { checkSweep, sweepId, type SweepSpec } from './sweep.js';
import { VBT_VERSION } from './version.js';

export interface QueueExecutorOptions extends QueueTarget {
  progress?: ProgressOption;
  /** Attempts per chunk before its points are recorded as failed (NaN with the reason); default 3. */
  attempts?: number;
  /** Called once the sweep is in the queue (its id), e.g. to print it for --resume. */
  onSubmitted?: (id: string) => void;
  /** Poll interval of the progress loop (ms, default 250). */
  pollMs?: number;
}

/** Job data of a chunk: which sweep and chunk, and the vbt that wrote it. */
export interface ChunkJobData { vbt: string; sweep: string; index: number; key: string }
export interface GatherJobData { vbt: string; sweep: string }

/** BullMQ on a Redis URL. */
export class QueueExecutor implements Executor {
  readonly kind = 'queue' as const;
  /** Progress polls of the last run (each: GET result + HGETALL meta; every 8th also the gather job's state). */
  polls = 0;
  constructor(private readonly opts: QueueExecutorOptions) {}

  /** Submit (or rejoin) the sweep and wait for its gathered result. */
  async run(sweep: SweepSpec): Promise<ExplorationResult> {
    return this.withQueues(async (redis, chunkQ, gatherQ) => {
      const id = sweepId(sweep);
      await submit(redis, this.opts, sweep, id, chunkQ);
      this.opts.onSubmitted?.(id);
      return this.wait(redis, sweep, id, gatherQ);
    });
  }

  /** Finish a sweep whose coordinator died: its spec is read back from Redis. */
  async resume(id: string): Promise<ExplorationResult> {
    return this.withQueues(async (redis, chunkQ, gatherQ) => {
      const k = keys(this.opts.name ?? 'explore');
      const raw = await redis.get(k.spec(id));
      if (raw === null) throw new Error(`--resume ${id}: no sweep with this id in queue '${this.opts.name ?? 'explore'}' at ${this.opts.url} (vbt queue status lists them)`);
      const sweep = checkSweep(JSON.parse(raw), `sweep ${id}`);
      await submit(redis, this.opts, sweep, id, chunkQ);
      this.opts.onSubmitted?.(id);
      return this.wait(redis, sweep, id, gatherQ);
    });
  }

  private async withQueues<T>(f: (redis: Redis, chunkQ: Queue, gatherQ: Queue) => Promise<T>): Promise<T> {
    const name = this.opts.name ?? 'explore';
    const redis = await openRedis(this.opts.url);
    const k = keys(name);
    const chunkQ = new Queue(k.chunkQueue, { connection: redis, prefix: PREFIX });
    const gatherQ = new Queue(k.gatherQueue, { connection: redis, prefix: PREFIX });
    try {
      await guardVersion(redis, name, this.opts.url, [chunkQ, gatherQ]);
      return await f(redis, chunkQ, gatherQ);
    } finally {
      await chunkQ.close();
      await gatherQ.close();
      redis.disconnect();
    }
  }

  private async wait(redis: Redis, sweep: SweepSpec, id: string, gatherQ: Queue): Promise<ExplorationResult> {
    const k = keys(this.opts.name ?? 'explore');
    const total = Space.fromJSON(sweep.space).size;
    const progress = makeProgress(this.opts.progress, total, `sweep ${id}`);
    const t0 = performance.now();
    let done0 = -1;
    this.polls = 0;
    try {
      for (;;) {
        this.polls++;
        const raw = await redis.get(k.result(id));
        if (raw !== null) {
          progress.update(total);
          return ExplorationResult.fromJSON(JSON.parse(raw), `sweep ${id}`);
        }
        const m = await redis.hgetall(k.meta(id));
        const done = Number(m.done ?? 0);
        if (done0 < 0) done0 = done;
        const rate = (done - done0) / ((performance.now() - t0) / 1000);
        progress.update(done, `| ${rate > 0 ? rate.toFixed(2) : '-'} points/s | ${m.failures ?? 0} failures | ${m.diverged ?? 0} diverged`);
        const g = this.polls % 8 === 0 ? await gatherQ.getJob(`${id}.gather`) : undefined;
        if (g && (await g.getState()) === 'failed') throw new Error(`sweep ${id}: gathering failed: ${g.failedReason}`);
        await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 250));
      }
    } finally {
      progress.stop();
    }
  }
}

/** Put the sweep in Redis and its flow in the queue, unless they are there already (idempotent). */
async function submit(redis: Redis, o: QueueExecutorOptions, sweep: SweepSpec, id: string, chunkQ: Queue): Promise<void> {
  const name = o.name ?? 'explore';
  const k = keys(name);
  if ((await redis.exists(k.result(id))) === 1) return;
  const space = Space.fromJSON(sweep.space);
  const chunks = sweepChunks(sweep);
  await redis.set(k.spec(id), JSON.stringify(sweep), 'NX');
  await redis.hsetnx(k.meta(id), 'startedAt', String(Date.now()));
  await redis.hset(k.meta(id), { name: sweep.name, total: space.size, chunks: chunks.length });
  await redis.sadd(k.sweeps, id);
  const gatherQ = new Queue(k.gatherQueue, { connection: redis, prefix: PREFIX });
  try {
    const existing = await gatherQ.getJob(`${id}.gather`);
    if (existing) return;
  } finally {
    await gatherQ.close();
  }
  const flow = new FlowProducer({ connection: redis, prefix: PREFIX });
  try {
    await flow.add({
      name: 'gather', queueName: k.gatherQueue, data: { vbt: VBT_VERSION, sweep: id } satisfies GatherJobData,
      opts: { jobId: `${id}.gather`, attempts: o.attempts ?? 3, backoff: { type: 'fixed', delay: 500 } },
      children: chunks.map((c) => ({
        name: 'chunk', queueName: chunkQ.name,
        data: { vbt: VBT_VERSION, sweep: id, index: c.index, key: chunkKey(id, space, c) } satisfies ChunkJobData,
        // a chunk that keeps failing is recorded as failed (its points NaN with the reason) rather
        // than blocking or failing the whole sweep
        opts: { jobId: chunkKey(id, space, c), attempts: o.attempts ?? 3, backoff: { type: 'fixed', delay: 500 }, ignoreDependencyOnFailure: true },
      })),
    });
  } finally {
    await flow.close();
  }
}
