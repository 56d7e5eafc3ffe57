/**
 * Distributed sweeps (issue #17): the same 256-point sweep of G2D and of RWW + Bold on 84 regions
 * run locally (all cores), on a BullMQ queue with one worker process, and with two (each worker
 * bounded to one thread so the machine's two cores are not oversubscribed). Prints points/s, the
 * queue overhead per job (worker wall time outside chunks, plus the coordinator's pickup), scaling
 * efficiency, Redis load per job, TVB's time per point when TVB_ROOT is set, and the cost model
 * of 10^6 RWW + Bold points built from these measurements.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { grid } from '../../algorithms/index.js';
import { network84, SHARED } from '../network84.js';
import { LocalExecutor, QueueExecutor, makeSweep, sweepCost, formatSweepCost, type SweepSpec } from '../../algorithms/distributed/index.js';
import type { SimulationConfig } from '../../src/simulation/config.js';
import { HAS_REDIS, RedisServer, ensureBuilt, vbtProcess } from '../../test/distributed-helpers.js';

const POINTS = 256;
const CHUNK = 16;


async function startWorkers(url: string, name: string, n: number) {
  const ws = Array.from({ length: n }, () => vbtProcess(['worker', '--queue', url, '--queue-name', name, '--threads', '1', '--stall-timeout', '120']));
  const t0 = Date.now();
  while (!ws.every((w) => w.err().includes('worker on queue'))) {
    if (Date.now() - t0 > 30000) throw new Error(`bench: workers did not start: ${ws.map((w) => w.err()).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return ws;
}

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
function procCpu(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

/** Seconds the workers spent inside chunks, from their log lines. */
function chunkSeconds(logs: string[]): number {
  let s = 0;
  for (const l of logs) for (const m of l.matchAll(/points in ([0-9.]+) s/g)) s += Number(m[1]);
  return s;
}

async function redisInfo(r: RedisServer): Promise<{ commands: number; memory: number }> {
  const c = r.client();
  const info = await c.info();
  c.disconnect();
  return { commands: Number(/total_commands_processed:(\d+)/.exec(info)![1]), memory: Number(/used_memory:(\d+)/.exec(info)![1]) };
}

interface Measured { pps: number; wall: number; chunkCpu: number; workerCpu: number; commandsPerJob: number; bytesPerJob: number }

async function queueRun(r: RedisServer, sweep: SweepSpec, workers: number, tag: string): Promise<Measured> {
  const name = `bench-${tag}-${workers}`;
  const ws = await startWorkers(r.url, name, workers);
  // warm-up sweep on the same workers (code generation, JIT): a few chunks each
  const warm = { ...sweep, name: `${sweep.name}-warm`, space: grid('coupling.a', 0.01, 0.02, workers * 2).toJSON(), chunkSize: 1 };
  await new QueueExecutor({ url: r.url, name, progress: false, pollMs: 20 }).run(warm);
  const logLen = ws.map((w) => w.err().length);
  const i0 = await redisInfo(r);
  const cpu0 = ws.map((w) => procCpu(w.pid!));
  const t0 = performance.now();
  const coordinator = new QueueExecutor({ url: r.url, name, progress: false, pollMs: 20 });
  await coordinator.run(sweep);
  const wall = (performance.now() - t0) / 1000;
  const workerCpu = ws.reduce((a, w, k) => a + procCpu(w.pid!) - cpu0[k], 0);
  const i1 = await redisInfo(r);
  // the coordinator's polling (2 commands a poll, ~4 more every 8th) is not a per-job cost
  const pollCommands = coordinator.polls * (2 + 4 / 8);
  for (const w of ws) w.kill('SIGTERM');
  await Promise.all(ws.map((w) => w.exited));
  const jobs = Math.ceil(POINTS / sweep.chunkSize);
  return {
    pps: POINTS / wall, wall, workerCpu, chunkCpu: chunkSeconds(ws.map((w, k) => w.err().slice(logLen[k]))),
    commandsPerJob: (i1.commands - i0.commands - pollCommands) / jobs, bytesPerJob: (i1.memory - i0.memory) / jobs,
  };
}

function tvbSecondsPerPoint(kind: 'g2d' | 'rww'): number | undefined {
  const root = process.env.TVB_ROOT;
  if (!root) return undefined;
  const model = kind === 'g2d'
    ? "models.Generic2dOscillator(), coupling=coupling.Linear(a=np.array([0.01])), integrator=integrators.HeunDeterministic(dt=0.5), monitors=(monitors.TemporalAverage(period=10.0),), simulation_length=2000.0"
    : "models.ReducedWongWang(), coupling=coupling.Linear(a=np.array([0.3])), integrator=integrators.HeunDeterministic(dt=4.0), monitors=(monitors.Bold(period=1000.0),), simulation_length=20000.0";
  const py = `
import sys, time, warnings, numpy as np
warnings.filterwarnings('ignore'); sys.path.insert(0, '${root}/tvb_library')
import logging; logging.disable(logging.WARNING)
from tvb.simulator import simulator, models, coupling, integrators, monitors
from tvb.datatypes import connectivity
s = np.load('${join(SHARED, 'data/dk_average/structural.npz')}')
w = np.asarray(s['weights'], float); w = w / np.abs(w).max(); n = w.shape[0]
conn = connectivity.Connectivity(weights=w, tract_lengths=np.zeros((n, n)), centres=np.zeros((n, 3)), region_labels=np.array(['r%d' % k for k in range(n)]), speed=np.array([3.0]))
best = 1e9
for rep in range(3):
    sim = simulator.Simulator(model=${model}, connectivity=conn).configure()
    t0 = time.process_time(); sim.run(); best = min(best, time.process_time() - t0)
print(best)`;
  const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const r = spawnSync(python, ['-c', py], { encoding: 'utf8' });
  const t = Number(r.stdout.trim().split('\n').pop());
  if (!Number.isFinite(t)) console.log(`  TVB_ROOT set but TVB did not run: ${r.stderr.split('\n').slice(-3).join(' ')}`);
  return Number.isFinite(t) ? t : undefined;
}

async function section(r: RedisServer, label: string, tag: 'g2d' | 'rww', base: SimulationConfig, lo: number, hi: number): Promise<Measured & { spp: number }> {
  const sweep = makeSweep({ name: tag, base, space: grid('coupling.a', lo, hi, POINTS), observables: { kind: 'mean' }, chunkSize: CHUNK });
  const warm = { ...sweep, space: grid('coupling.a', lo, hi, 4).toJSON() };
  await new LocalExecutor({ progress: false }).run(warm);
  await new LocalExecutor({ progress: false, threads: 1 }).run(warm);
  const t0 = performance.now();
  const local = await new LocalExecutor({ progress: false }).run(sweep);
  const localWall = (performance.now() - t0) / 1000;
  const c0 = process.cpuUsage();
  const one = await new LocalExecutor({ progress: false, threads: 1 }).run(sweep);
  const c1 = process.cpuUsage(c0);
  const spp = (c1.user + c1.system) / 1e6 / POINTS;
  const q1 = await queueRun(r, sweep, 1, tag);
  const q2 = await queueRun(r, sweep, 2, tag);
  const jobs = POINTS / CHUNK;
  const overhead = (q1.wall - q1.chunkCpu) / jobs;
  const jobSeconds = q1.chunkCpu / jobs;
  const same = Array.from(local.results.mean).every((v, k) => Object.is(v, one.results.mean[k]));
  console.log(`${label}: ${POINTS} points, ${jobs} jobs of ${CHUNK} points (results of local all-cores and one-thread runs bit-identical: ${same})`);
  console.log(`  local (${local.metadata.executor}, all cores): ${(POINTS / localWall).toFixed(1)} points/s; one thread ${(1 / spp).toFixed(1)} points per CPU-second`);
  console.log(`  queue, 1 worker process (1 thread): ${q1.pps.toFixed(1)} points/s; 2 worker processes: ${q2.pps.toFixed(1)} points/s → scaling efficiency ${(q2.pps / (2 * q1.pps)).toFixed(2)} (target ≥ 0.9)`);
  console.log(`  workers' CPU time: 1 worker ${(POINTS / q1.workerCpu).toFixed(1)}, 2 workers ${(POINTS / q2.workerCpu).toFixed(1)} points per CPU-second → CPU efficiency ${(q1.workerCpu / q2.workerCpu).toFixed(2)} (what the wall-clock efficiency would be on idle cores)`);
  console.log(`  queue overhead per job: ${(overhead * 1000).toFixed(1)} ms = ${((100 * overhead) / jobSeconds).toFixed(2)} % of this ${jobSeconds.toFixed(2)} s job, ${((100 * overhead) / 10).toFixed(3)} % of a default 10 s job (target < 2 %); Redis ${q1.commandsPerJob.toFixed(1)} commands and ${(q1.bytesPerJob / 1024).toFixed(1)} kB per job`);
  const tvb = tvbSecondsPerPoint(tag);
  if (tvb !== undefined) console.log(`  TVB (numpy, one point, CPU time, best of 3): ${(tvb * 1000).toFixed(0)} ms per point vs vbt ${(spp * 1000).toFixed(2)} ms per point → ${(tvb / spp).toFixed(0)}× (target ≥ 100×)`);
  return { ...q1, spp };
}

export default async function (): Promise<void> {
  console.log('## distributed');
  console.log(`(load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} cores: wall-clock rates and scaling reflect the neighbours)`);
  if (!HAS_REDIS) {
    console.log('(skipped: redis-server is not installed; .ci/run installs Debian redis-server)');
    return;
  }
  ensureBuilt();
  const conn = network84();
  const r = await RedisServer.start();
  try {
    await section(r, 'G2D, 84 regions, 2 s at dt 0.5 ms, TemporalAverage 10 ms', 'g2d', {
      model: 'Generic2dOscillator', connectivity: conn, coupling: 'Linear', integrator: { name: 'Heun', dt: 0.5 }, duration: 2000,
      monitors: [{ name: 'TemporalAverage', period: 10 }], initialConditions: { seed: 1 },
    }, 0, 0.02);
    const rww = await section(r, 'RWW + Bold, 84 regions, 20 s at dt 4 ms, Bold TR 1 s', 'rww', {
      model: 'ReducedWongWang', connectivity: conn, coupling: 'Linear', integrator: { name: 'Heun', dt: 4 }, duration: 20000,
      monitors: [{ name: 'Bold', period: 1000 }], initialConditions: { history: new Float64Array(conn.n).fill(0.3) },
    }, 0.01, 0.7);
    const jobs = POINTS / CHUNK;
    const chunk = Math.round(10 / rww.spp); // the default 10 s per job
    const inputs = {
      points: 1e6, secondsPerPoint: rww.spp, chunkSize: chunk, overheadPerJob: (rww.wall - rww.chunkCpu) / jobs,
      redisCommandsPerJob: rww.commandsPerJob, redisBytesPerJob: rww.bytesPerJob, observables: 1, parameters: 1,
    };
    console.log('cost model, 10^6 points of RWW + Bold (84 regions, 20 s): one-thread CPU per point and the 1-worker queue overhead and Redis load above, default 10 s jobs:');
    console.log(formatSweepCost(inputs, sweepCost(inputs, [1, 10, 100, 1000])).replace(/^/gm, '  '));
  } finally {
    await r.stop();
  }
}
