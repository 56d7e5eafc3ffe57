/**
 * Queue mode, the coordinator's side: a sweep (or a multi-start fit) becomes one BullMQ flow — a
 * `gather` parent whose children are the unit jobs (chunks of points, or starts) — with
 * deterministic job ids, so submitting the same work again (or `resume`) adds nothing twice.
 * Workers store each unit's result atomically under its key; the parent, run by a worker once
 * every child is done, gathers them into one result (ExplorationResult or MultiStartResult) kept in
 * Redis, which the coordinator writes out.
 */
import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ExplorationResult } from '../exploration-result.js';
import type { MultiStartResult } from '../multistart.js';
import { makeProgress, type ProgressOption } from '../progress.js';
import type { Executor } from './executor.js';
import type { MultiStartSpec } from './fits.js';
import { guardVersion, keys, openRedis, PREFIX, type QueueTarget } from './redis.js';
import type { SweepSpec } from './sweep.js';
import { decodeExploration, decodeMultiStart, fitWorkload, sweepWorkload, workloadOf, type Workload } from './workload.js';
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

/** Job data of a unit (a chunk or a start): which sweep or fit (`sweep` holds its id), which unit, and the vbt that wrote it. */
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
    const w = sweepWorkload(sweep);
    return decodeExploration(await this.submitAndWait(sweep, w), `sweep ${w.id}`);
  }

  /** Submit (or rejoin) a multi-start fit: one job per start; resolves with every start's outcome and the best. */
  async fit(spec: MultiStartSpec): Promise<MultiStartResult> {
    const w = fitWorkload(spec);
    return decodeMultiStart(await this.submitAndWait(spec, w), `fit ${w.id}`);
  }

  /** Finish a sweep whose coordinator died: its spec is read back from Redis. */
  async resume(id: string): Promise<ExplorationResult> {
    const r = await this.resumeAny(id);
    if (r.kind !== 'sweep') throw new Error(`--resume ${id}: this id is a multi-start fit, not a sweep (resume it with the fit's command)`);
    return r.result;
  }

  /** Finish a multi-start fit whose coordinator died. */
  async resumeFit(id: string): Promise<MultiStartResult> {
    const r = await this.resumeAny(id);
    if (r.kind !== 'fit') throw new Error(`--resume ${id}: this id is a sweep, not a multi-start fit (resume it with vbt explore --resume)`);
    return r.result;
  }

  private async resumeAny(id: string): Promise<{ kind: 'sweep'; result: ExplorationResult } | { kind: 'fit'; result: MultiStartResult }> {
    const k = keys(this.opts.name ?? 'explore');
    const raw = await this.withQueues(async (redis) => redis.get(k.spec(id)));
    if (raw === null) throw new Error(`--resume ${id}: nothing with this id in queue '${this.opts.name ?? 'explore'}' at ${this.opts.url} (vbt queue status lists them)`);
    const spec = JSON.parse(raw) as SweepSpec | MultiStartSpec;
    const w = workloadOf(spec, `${id}`);
    const out = await this.submitAndWait(spec, w);
    return w.kind === 'sweep' ? { kind: 'sweep', result: decodeExploration(out, `sweep ${id}`) } : { kind: 'fit', result: decodeMultiStart(out, `fit ${id}`) };
  }

  private async submitAndWait(spec: SweepSpec | MultiStartSpec, w: Workload): Promise<string> {
    return this.withQueues(async (redis, chunkQ, gatherQ) => {
      await submit(redis, this.opts, spec, w, chunkQ);
      this.opts.onSubmitted?.(w.id);
      return this.wait(redis, w, gatherQ);
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

  private async wait(redis: Redis, w: Workload, gatherQ: Queue): Promise<string> {
    const k = keys(this.opts.name ?? 'explore');
    const { id, total } = w;
    const unit = w.kind === 'sweep' ? 'points' : 'starts';
    const progress = makeProgress(this.opts.progress, total, `${w.kind} ${id}`);
    const t0 = performance.now();
    let done0 = -1;
    this.polls = 0;
    try {
      for (;;) {
        this.polls++;
        const raw = await redis.get(k.result(id));
        if (raw !== null) {
          progress.update(total);
          return raw;
        }
        const m = await redis.hgetall(k.meta(id));
        const done = Number(m.done ?? 0);
        if (done0 < 0) done0 = done;
        const rate = (done - done0) / ((performance.now() - t0) / 1000);
        progress.update(done, `| ${rate > 0 ? rate.toFixed(2) : '-'} ${unit}/s | ${m.failures ?? 0} failures | ${m.diverged ?? 0} ${w.kind === 'sweep' ? 'diverged' : 'failed starts'}`);
        const g = this.polls % 8 === 0 ? await gatherQ.getJob(`${id}.gather`) : undefined;
        if (g && (await g.getState()) === 'failed') throw new Error(`${w.kind} ${id}: gathering failed: ${g.failedReason}`);
        await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 250));
      }
    } finally {
      progress.stop();
    }
  }
}

/** Put the work in Redis and its flow in the queue, unless they are there already (idempotent). */
async function submit(redis: Redis, o: QueueExecutorOptions, spec: SweepSpec | MultiStartSpec, w: Workload, chunkQ: Queue): Promise<void> {
  const name = o.name ?? 'explore';
  const k = keys(name);
  const { id } = w;
  if ((await redis.exists(k.result(id))) === 1) return;
  await redis.set(k.spec(id), JSON.stringify(spec), 'NX');
  await redis.hsetnx(k.meta(id), 'startedAt', String(Date.now()));
  await redis.hset(k.meta(id), { name: w.name, kind: w.kind, total: w.total, chunks: w.units.length });
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
      children: w.units.map((u) => ({
        name: w.kind === 'sweep' ? 'chunk' : 'start', queueName: chunkQ.name,
        data: { vbt: VBT_VERSION, sweep: id, index: u.index, key: u.key } satisfies ChunkJobData,
        // a unit that keeps failing is recorded as failed (its points NaN, or its start failed,
        // with the reason) rather than blocking or failing the whole sweep
        opts: { jobId: u.key, attempts: o.attempts ?? 3, backoff: { type: 'fixed', delay: 500 }, ignoreDependencyOnFailure: true },
      })),
    });
  } finally {
    await flow.close();
  }
}
