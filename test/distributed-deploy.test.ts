/**
 * The deployment recipes are files users run unchanged, so they are checked here: the Kubernetes
 * manifests parse and fit together (Indexed Job → Service → Redis with AOF), the SLURM scripts pass
 * `bash -n`, and every vbt flag they use is one `vbt worker` accepts. Plus the cost model's sums.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { buildProgram } from '../src/cli/main.js';
import { sweepCost } from '../algorithms/distributed/index.js';
import { ROOT } from './distributed-helpers.js';

const docs = (f: string) => yaml.loadAll(readFileSync(join(ROOT, 'deploy/k8s', f), 'utf8')) as Record<string, any>[];
const workerFlags = buildProgram().commands.find((c) => c.name() === 'worker')!.options.map((o) => o.long);

function checkWorkerArgs(args: string[]): void {
  const i = args.indexOf('worker');
  expect(i).toBeGreaterThanOrEqual(0);
  for (const a of args.slice(i + 1)) if (a.startsWith('--')) expect(workerFlags).toContain(a);
  expect(args).toContain('--queue');
  expect(args).toContain('--exit-when-idle');
}

describe('deploy recipes', () => {
  it('Kubernetes: an Indexed Job of workers pointed at the Redis Service, Redis with AOF on a volume', () => {
    const redis = docs('redis.yaml');
    const svc = redis.find((d) => d.kind === 'Service')!;
    const dep = redis.find((d) => d.kind === 'Deployment')!;
    const pvc = redis.find((d) => d.kind === 'PersistentVolumeClaim')!;
    expect(svc.spec.selector).toEqual(dep.spec.template.metadata.labels);
    const c = dep.spec.template.spec.containers[0];
    expect(c.args.join(' ')).toMatch(/--appendonly yes/);
    expect(c.args.join(' ')).toMatch(/--maxmemory-policy noeviction/);
    expect(dep.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe(pvc.metadata.name);
    expect(c.volumeMounts[0].mountPath).toBe(c.args[c.args.indexOf('--dir') + 1]);

    const [job] = docs('workers.yaml');
    expect(job.kind).toBe('Job');
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.parallelism).toBe(job.spec.completions);
    const w = job.spec.template.spec.containers[0];
    checkWorkerArgs(w.command);
    const url = new URL(w.command[w.command.indexOf('--queue') + 1]);
    expect(url.hostname).toBe(svc.metadata.name);
    expect(Number(url.port)).toBe(svc.spec.ports[0].port);
    expect(w.command[w.command.indexOf('--threads') + 1]).toBe(String(w.resources.requests.cpu));
  });

  it('SLURM: the scripts pass bash -n; the array runs `vbt worker` with flags it accepts', () => {
    for (const f of ['vbt-redis.sh', 'vbt-workers.sh']) {
      const r = spawnSync('bash', ['-n', join(ROOT, 'deploy/slurm', f)], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
    const text = readFileSync(join(ROOT, 'deploy/slurm/vbt-workers.sh'), 'utf8');
    expect(text).toMatch(/^#SBATCH --array=\d+-\d+$/m);
    const line = text.split('\n').find((l) => l.includes('bin/vbt.js" worker'))!;
    checkWorkerArgs(line.split(/\s+/));
    expect(readFileSync(join(ROOT, 'deploy/slurm/vbt-redis.sh'), 'utf8')).toMatch(/--appendonly yes/);
  });
});

describe('sweep cost model', () => {
  it('jobs, CPU, Redis and wall time follow from the per-job inputs', () => {
    const c = sweepCost({ points: 1000, secondsPerPoint: 0.5, chunkSize: 30, overheadPerJob: 0.3, redisCommandsPerJob: 40, redisBytesPerJob: 5000, observables: 2, parameters: 3 }, [1, 7, 100]);
    expect(c.jobs).toBe(34);
    expect(c.jobSeconds).toBeCloseTo(15.3, 12);
    expect(c.cpuHours).toBeCloseTo(500 / 3600, 12);
    expect(c.overheadFraction).toBeCloseTo(0.02, 12);
    expect(c.redisCommands).toBe(1360);
    expect(c.redisMegabytes).toBeCloseTo(0.17, 12);
    expect(c.resultMegabytes).toBeCloseTo(0.1, 12);
    // 34 jobs: 34 rounds on 1 worker, 5 on 7 (the last partly empty), 1 on 100
    expect(c.perWorkers.map((p) => p.wallHours * 3600)).toEqual([34 * 15.3, 5 * 15.3, 15.3].map((x) => expect.closeTo(x, 9)));
    expect(c.perWorkers[1].redisCommandsPerSecond).toBeCloseTo(1360 / (5 * 15.3), 9);
    expect(() => sweepCost({ points: 10, secondsPerPoint: NaN, chunkSize: 1, overheadPerJob: 0, redisCommandsPerJob: 0, redisBytesPerJob: 0, observables: 1, parameters: 1 })).toThrow(/secondsPerPoint = NaN/);
  });
});
