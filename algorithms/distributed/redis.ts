/**
 * Connections and key names for queue mode. ioredis (BullMQ's own client) reconnects on its own;
 * before any work we check once, with a short timeout, that the server answers, so a wrong URL
 * is a clear error within seconds instead of a silent wait.
 */
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { VBT_VERSION } from './version.js';
import { checkRedisUrl } from './url.js';

export { checkRedisUrl };

/** Key prefix of every vbt key and BullMQ queue. */
export const PREFIX = 'vbt';

export interface QueueTarget {
  /** redis://host:port/db (or rediss://). */
  url: string;
  /** Queue name: several independent queues can share one Redis (default 'explore'). */
  name?: string;
}

/**
 * A connection for BullMQ (retries forever across Redis restarts), opened only after the server
 * answered a PING within `timeoutMs`.
 */
export async function openRedis(url: string, timeoutMs = 3000): Promise<Redis> {
  checkRedisUrl(url);
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  let cause: Error | undefined; // ioredis reports the socket's error here and only 'Connection is closed' to the caller
  probe.on('error', (e: Error) => (cause ??= e));
  const t0 = performance.now();
  try {
    await Promise.race([
      probe.connect().then(() => probe.ping()),
      new Promise((_, rej) => setTimeout(() => rej(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs).unref()),
    ]);
  } catch (e) {
    throw new Error(`cannot reach Redis at ${url} (${(cause ?? (e as Error)).message}, after ${((performance.now() - t0) / 1000).toFixed(1)} s); start redis-server or fix --queue`);
  } finally {
    probe.disconnect();
  }
  const r = new Redis(url, { maxRetriesPerRequest: null });
  // while Redis restarts, ioredis reports each failed reconnect; it keeps trying, and so do we
  r.on('error', () => {});
  return r;
}

/** Key names of one queue. */
export function keys(queueName: string) {
  const q = `${PREFIX}:${queueName}`;
  return {
    chunkQueue: `${queueName}-chunks`,
    gatherQueue: `${queueName}-gather`,
    version: `${q}:version`,
    sweeps: `${q}:sweeps`,
    spec: (id: string) => `${q}:sweep:${id}:spec`,
    meta: (id: string) => `${q}:sweep:${id}:meta`,
    chunks: (id: string) => `${q}:sweep:${id}:chunks`,
    result: (id: string) => `${q}:sweep:${id}:result`,
  };
}

const LIVE_STATES = ['active', 'waiting', 'delayed', 'waiting-children', 'prioritized', 'paused'] as const;

/** Jobs not yet finished in a BullMQ queue. */
export async function liveJobs(q: Queue): Promise<number> {
  const c = await q.getJobCounts(...LIVE_STATES);
  return Object.values(c).reduce((a, b) => a + b, 0);
}

/**
 * Refuse a queue that still holds jobs written by another vbt version (their chunks would mix
 * numbers from two engines); claim it for this version otherwise.
 */
export async function guardVersion(redis: Redis, queueName: string, url: string, queues: Queue[]): Promise<void> {
  const k = keys(queueName);
  const v = await redis.get(k.version);
  if (v !== null && v !== VBT_VERSION) {
    let live = 0;
    for (const q of queues) live += await liveJobs(q);
    if (live > 0) {
      throw new Error(`queue '${queueName}' at ${url} holds ${live} jobs of vbt ${v}; this is vbt ${VBT_VERSION}. Finish them with vbt ${v}, or use another --queue-name`);
    }
  }
  await redis.set(k.version, VBT_VERSION);
}

/** Store a chunk result once; the first completion wins and later ones change nothing (Lua runs atomically). */
export const STORE_CHUNK_LUA = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[2], 'done', ARGV[3])
  redis.call('HINCRBY', KEYS[2], 'diverged', ARGV[4])
  redis.call('HSET', KEYS[2], 'updatedAt', ARGV[5])
  return 1
end
return 0`;
