/** `vbt queue status`: what a queue holds and how each sweep is doing, read from Redis. */
import { Queue } from 'bullmq';
import { keys, openRedis, PREFIX, type QueueTarget } from './redis.js';

export interface SweepStatus {
  id: string;
  /** A sweep (units = chunks of points) or a multi-start fit (units = starts). */
  kind: 'sweep' | 'fit';
  name: string;
  total: number;
  done: number;
  chunks: number;
  chunksDone: number;
  failures: number;
  diverged: number;
  /** Points per second since the sweep started (until its last stored chunk). */
  throughput: number;
  /** Seconds left at that throughput (NaN when unknown, 0 when finished). */
  eta: number;
  finished: boolean;
}

export interface QueueStatus {
  version: string | null;
  jobs: Record<string, Record<string, number>>;
  sweeps: SweepStatus[];
}

export async function queueStatus(t: QueueTarget): Promise<QueueStatus> {
  const name = t.name ?? 'explore';
  const k = keys(name);
  const redis = await openRedis(t.url);
  const queues = [new Queue(k.chunkQueue, { connection: redis, prefix: PREFIX }), new Queue(k.gatherQueue, { connection: redis, prefix: PREFIX })];
  try {
    const jobs: QueueStatus['jobs'] = {};
    for (const q of queues) jobs[q.name] = await q.getJobCounts('active', 'waiting', 'delayed', 'waiting-children', 'completed', 'failed');
    const sweeps: SweepStatus[] = [];
    for (const id of (await redis.smembers(k.sweeps)).sort()) {
      const m = await redis.hgetall(k.meta(id));
      const total = Number(m.total ?? 0), done = Number(m.done ?? 0);
      const finished = (await redis.exists(k.result(id))) === 1;
      const last = Number(m.updatedAt ?? m.startedAt);
      const seconds = (last - Number(m.startedAt)) / 1000;
      const throughput = seconds > 0 ? done / seconds : NaN;
      sweeps.push({
        id, kind: m.kind === 'fit' ? 'fit' : 'sweep', name: m.name ?? '', total, done, chunks: Number(m.chunks ?? 0), chunksDone: await redis.hlen(k.chunks(id)),
        failures: Number(m.failures ?? 0), diverged: Number(m.diverged ?? 0), throughput,
        eta: finished ? 0 : throughput > 0 ? (total - done) / throughput : NaN, finished,
      });
    }
    return { version: await redis.get(k.version), jobs, sweeps };
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    redis.disconnect();
  }
}

export function formatStatus(s: QueueStatus, url: string, name = 'explore'): string {
  const lines = [`queue '${name}' at ${url} (vbt ${s.version ?? '-'})`];
  for (const [q, c] of Object.entries(s.jobs)) lines.push(`  ${q}: ${Object.entries(c).map(([st, n]) => `${st} ${n}`).join(', ')}`);
  if (!s.sweeps.length) lines.push('  no sweeps');
  for (const w of s.sweeps) {
    const pct = w.total ? ((100 * w.done) / w.total).toFixed(1) : '0';
    const unit = w.kind === 'fit' ? 'starts' : 'points';
    lines.push(`  ${w.kind} ${w.id} ${w.name}: ${w.done}/${w.total} ${unit} (${pct}%), ${w.chunksDone}/${w.chunks} ${w.kind === 'fit' ? 'jobs' : 'chunks'}, ` +
      `${Number.isFinite(w.throughput) ? w.throughput.toFixed(2) : '-'} ${unit}/s, eta ${w.finished ? 'done' : Number.isFinite(w.eta) ? `${w.eta.toFixed(0)} s` : '-'}, ` +
      `${w.failures} failures, ${w.diverged} ${w.kind === 'fit' ? 'failed starts' : 'diverged'}`);
  }
  return lines.join('\n');
}
