/**
 * An experiment's `explorations:` with `execution: {queue: redis://…}`: the sweep runs as queue
 * jobs on real `vbt worker` processes and a real redis-server, and the exploration equals the same
 * file run locally, bit for bit (observations evaluated on the worker from the plans carried as
 * data, time series per point included).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { parse, stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExperimentSource, ExperimentError, loadExperiment, runExperiment, EXAMPLE_EXPERIMENT } from '../src/experiment/index.js';
import type { ExplorationResult } from '../src/results/exploration.js';
import { HAS_REDIS, RedisServer, ensureBuilt, startWorkerProcess } from './distributed-helpers.js';
import { HAVE_SHARED, SHARED, SKIP_REASON } from './shared.js';

function source(edit: (d: Record<string, any>) => void, text = EXAMPLE_EXPERIMENT, file = 'queue.yaml'): ExperimentSource {
  const d = parse(text);
  edit(d);
  return ExperimentSource.fromText(stringify(d), file);
}

function expectSameExploration(a: ExplorationResult, b: ExplorationResult): void {
  expect(b.observables).toEqual(a.observables);
  expect(b.shape).toEqual(a.shape);
  for (const o of a.observables) expect(Buffer.from(b.results[o].buffer).equals(Buffer.from(a.results[o].buffer))).toBe(true);
  expect(b.metadata.divergences).toEqual(a.metadata.divergences);
  expect(!!b.timeseries).toBe(!!a.timeseries);
  if (a.timeseries) {
    expect(b.timeseries!.outputNames).toEqual(a.timeseries.outputNames);
    expect(Buffer.from(b.timeseries!.time.buffer).equals(Buffer.from(a.timeseries.time.buffer))).toBe(true);
    expect(Buffer.from(b.timeseries!.data.buffer).equals(Buffer.from(a.timeseries.data.buffer))).toBe(true);
  }
}

describe('execution.queue: bad input', () => {
  it('a URL that is not redis:// is refused on load, with its YAML path and line', () => {
    let e: ExperimentError | undefined;
    try { loadExperiment(source((d) => { d.execution.queue = 'http://localhost:6379'; })); } catch (x) { e = x as ExperimentError; }
    expect(e).toBeInstanceOf(ExperimentError);
    expect(e!.message).toMatch(/queue\.yaml:\d+  execution\.queue: 'http:\/\/localhost:6379' has protocol http:; expected redis:\/\/host:port\/db/);
  });
});

describe.skipIf(!HAS_REDIS)(`experiment explorations on a queue${HAS_REDIS ? '' : ' (skipped: redis-server is not installed; .ci/run installs Debian redis-server)'}`, () => {
  let redis: RedisServer;
  beforeAll(async () => {
    ensureBuilt();
    redis = await RedisServer.start();
  }, 240_000);
  afterAll(async () => {
    await redis?.stop();
  });

  it('the init example (EEG sensors, peak frequency, record: tavg) gives the same exploration through `vbt worker`s', async () => {
    const edit = (d: Record<string, any>) => {
      d.integration.duration = 600; d.integration.transient_time = 100;
      d.explorations.coupling_sweep.batch_size = 2;
      d.explorations.coupling_sweep.record = 'tavg';
    };
    const local = await runExperiment(loadExperiment(source(edit)));
    expect(local.complete).toBe(true);
    const lines: string[] = [];
    const w = startWorkerProcess(redis.url, ['--queue-name', 'exp', '--stall-timeout', '30']);
    const queued = await runExperiment(loadExperiment(source((d) => { edit(d); d.execution.queue = redis.url; d.execution.queue_name = 'exp'; })), { progress: (l) => lines.push(l) });
    w.kill('SIGTERM');
    await w.exited;
    expect(queued.complete).toBe(true);
    expect(lines.some((l) => /coupling_sweep: sweep [0-9a-f]{16} in queue 'exp'/.test(l))).toBe(true);
    const a = local.result.explorations.coupling_sweep, b = queued.result.explorations.coupling_sweep;
    expect(b.metadata.executor).toBe('queue');
    expect(a.values('peak').every((v) => v > 0)).toBe(true);
    expect(a.timeseries!.time.length).toBe(300);
    expectSameExploration(a, b);
  }, 180_000);

  it.skipIf(!HAVE_SHARED)(`g-noise-exploration (fc_corr against dk_average carried as data, noise.nsig groups) through a worker${HAVE_SHARED ? '' : ` (skipped: ${SKIP_REASON})`}`, async () => {
    process.env.VBT_SHARED = SHARED;
    const path = resolve(__dirname, '../examples/experiments/g-noise-exploration.yaml');
    const edit = (d: Record<string, any>) => {
      d.integration.duration = 30000; d.integration.transient_time = 1000;
      d.explorations.g_noise.parameters[0].domain.n = 2; d.explorations.g_noise.parameters[1].domain.n = 2;
    };
    const text = readFileSync(path, 'utf8');
    const local = await runExperiment(loadExperiment(source(edit, text, path)));
    const w = startWorkerProcess(redis.url, ['--queue-name', 'exp-g', '--stall-timeout', '60']);
    const queued = await runExperiment(loadExperiment(source((d) => { edit(d); d.execution = { ...(d.execution ?? {}), queue: redis.url, queue_name: 'exp-g' }; }, text, path)));
    w.kill('SIGTERM');
    await w.exited;
    const a = local.result.explorations.g_noise, b = queued.result.explorations.g_noise;
    expect(a.observables).toEqual(['fc_corr', 'fc_rmse']);
    for (const v of a.values('fc_corr')) expect(Number.isFinite(v)).toBe(true);
    expectSameExploration(a, b);
  }, 300_000);
});
