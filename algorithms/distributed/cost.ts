/**
 * What a large sweep will cost, from measured per-chunk numbers: jobs, Redis load and memory,
 * result size, and wall time for a given number of workers. The model is deliberately plain —
 * work divides evenly over cores, each job pays a fixed queue overhead, the last round of jobs is
 * paid in full — so its inputs are exactly what `bench` measures.
 */

export interface CostInputs {
  points: number;
  /** CPU seconds per point on one core (measured, batched). */
  secondsPerPoint: number;
  /** Points per job. */
  chunkSize: number;
  /** Queue overhead per job, seconds (measured: worker wall time not spent in chunks). */
  overheadPerJob: number;
  /** Redis commands per job (measured from INFO stats). */
  redisCommandsPerJob: number;
  /** Redis memory per job while the sweep lives (job hash + stored result), bytes (measured). */
  redisBytesPerJob: number;
  /** Observables per point (the result file stores one float64 per observable and point). */
  observables: number;
  /** Parameters per point (the result file stores the space's columns). */
  parameters: number;
}

export interface CostEstimate {
  jobs: number;
  cpuHours: number;
  /** Seconds one job takes on one core. */
  jobSeconds: number;
  /** Queue overhead as a fraction of a job. */
  overheadFraction: number;
  redisCommands: number;
  redisMegabytes: number;
  /** ExplorationResult JSON, megabytes (about 20 characters per number). */
  resultMegabytes: number;
  /** Per worker count (one core each): wall hours and Redis commands per second. */
  perWorkers: { workers: number; wallHours: number; redisCommandsPerSecond: number }[];
}

/**
 * @example
 * ```ts
 * import { sweepCost } from './cost.js';
 * const c = sweepCost({ points: 1e6, secondsPerPoint: 0.03, chunkSize: 300, overheadPerJob: 0.01,
 *   redisCommandsPerJob: 20, redisBytesPerJob: 3000, observables: 1, parameters: 2 }, [1, 100]);
 * c.jobs; // 3334
 * ```
 */
export function sweepCost(i: CostInputs, workerCounts: number[] = [1, 10, 100, 1000]): CostEstimate {
  for (const [k, v] of Object.entries(i)) if (!(Number.isFinite(v) && v >= 0)) throw new Error(`sweepCost: ${k} = ${v}; expected a finite number ≥ 0`);
  if (!(i.chunkSize >= 1 && i.points >= 1)) throw new Error('sweepCost: points and chunkSize must be ≥ 1');
  const jobs = Math.ceil(i.points / i.chunkSize);
  const jobSeconds = i.chunkSize * i.secondsPerPoint + i.overheadPerJob;
  const redisCommands = jobs * i.redisCommandsPerJob;
  return {
    jobs,
    cpuHours: (i.points * i.secondsPerPoint) / 3600,
    jobSeconds,
    overheadFraction: i.overheadPerJob / (i.chunkSize * i.secondsPerPoint),
    redisCommands,
    redisMegabytes: (jobs * i.redisBytesPerJob) / 1e6,
    resultMegabytes: (i.points * (i.observables + i.parameters) * 20) / 1e6,
    perWorkers: workerCounts.map((w) => {
      // rounds of w jobs; the last round is paid in full even when it is partly empty
      const wall = Math.ceil(jobs / w) * jobSeconds;
      return { workers: w, wallHours: wall / 3600, redisCommandsPerSecond: redisCommands / wall };
    }),
  };
}

export function formatSweepCost(i: CostInputs, c: CostEstimate): string {
  const lines = [
    `${i.points.toExponential(0)} points, ${i.chunkSize} per job → ${c.jobs} jobs of ${c.jobSeconds.toFixed(2)} s (queue overhead ${(100 * c.overheadFraction).toFixed(2)} % of a job)`,
    `CPU ${c.cpuHours.toFixed(1)} core-hours; Redis ${(c.redisCommands / 1e6).toFixed(2)} M commands, ${c.redisMegabytes.toFixed(0)} MB while the sweep lives; result file ${c.resultMegabytes.toFixed(0)} MB`,
  ];
  for (const p of c.perWorkers) lines.push(`  ${String(p.workers).padStart(5)} workers (one core each): ${p.wallHours < 1 ? `${(p.wallHours * 60).toFixed(1)} min` : `${p.wallHours.toFixed(2)} h`}, Redis ${p.redisCommandsPerSecond.toFixed(1)} commands/s`);
  return lines.join('\n');
}
