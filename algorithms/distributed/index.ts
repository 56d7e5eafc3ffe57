/**
 * Explorations beyond one process: a sweep as data, executors that run it (`LocalExecutor`: this
 * process's threads; `QueueExecutor`: BullMQ workers on Redis), the worker, queue status, and a
 * cost model for planning large sweeps.
 */
export * from './sweep.js';
export * from './chunks.js';
export * from './executor.js';
export * from './queue.js';
export * from './worker.js';
export * from './status.js';
export * from './calibrate.js';
export { openRedis, checkRedisUrl, keys as queueKeys, type QueueTarget } from './redis.js';
export { VBT_VERSION } from './version.js';
export * from './cost.js';
export * from './fits.js';
export * from './workload.js';
export { exactStringify, exactParse } from './exact.js';
