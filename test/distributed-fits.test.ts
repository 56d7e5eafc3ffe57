/**
 * Multi-start fits through the executors: the same starts run in this process (LocalExecutor) and
 * by real `vbt worker` processes on a real redis-server (QueueExecutor) give the same outcomes bit
 * for bit, each equal to the fit run directly from that start, and the best start is the lowest
 * final loss.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  eibGradientFit, eibGradientSetup, eibStartValues, fitRwwBold, perturbedStarts, MultiStartResult, fit, ParameterSet, globalParameter, regionalParameter, logPositive,
  type StartOutcome, type TensorFitJob,
} from '../algorithms/index.js';
import { tensorFc, tensorFcCorrLossFull } from '../src/analysis/tensor.js';
import { Queue } from 'bullmq';
import { makeMultiStart, rwwBoldJob, tensorFitJob, LocalExecutor, QueueExecutor, startWorker, multiStartId, exactParse, exactStringify, queueKeys } from '../algorithms/distributed/index.js';
import { Connectivity } from '../src/network/connectivity.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import { HAS_REDIS, RedisServer, ensureBuilt, sleep, startWorkerProcess, until } from './distributed-helpers.js';
import { vbt } from './cli-helpers.js';
import { sharedPath, HAVE_SHARED } from './shared.js';

const n = 4;
const weights = Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 0 : 0.5));
const targetFc = Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 1 : 0.3));
const setup = { n, weights, targetFc, duration: 36000, transient: 21600, transientSeed: 9, skip: 3, activitySteps: 200 };
const eibSpec = () => makeMultiStart({
  name: 'eib-ms', fit: { kind: 'eib-gradient', setup, steps: 3, evaluationSeeds: [1001] },
  starts: perturbedStarts(eibStartValues(n), 3, { spread: 0.3, seed: 5 }),
});

const connectivity = new Connectivity({ weights: [0, 0.8, 0.2, 0.1, 0.8, 0, 0.3, 0.2, 0.2, 0.3, 0, 0.9, 0.1, 0.2, 0.9, 0], tractLengths: new Float64Array(16) });
const rwwConfig: SimulationConfig = {
  model: 'ReducedWongWang', parameters: { I_o: 0.32 }, connectivity, coupling: 'Linear',
  integrator: { name: 'Heun', dt: 4, noise: { nsig: 1e-4 } }, duration: 20_000, monitors: [{ name: 'Bold', period: 1000 }],
};
const empFc = [1, 0.6, 0.1, 0, 0.6, 1, 0.2, 0.1, 0.1, 0.2, 1, 0.7, 0, 0.1, 0.7, 1];
const rwwSpec = () => makeMultiStart({
  name: 'rww-ms', fit: rwwBoldJob({ config: rwwConfig, empFc, steps: 3, lanes: 1, skip: 5, fitG: true }),
  starts: perturbedStarts({ w: [0.3, 0.3, 0.3, 0.3], G: 0.3 }, 3, { spread: 0.5, seed: 2 }),
});

// start 1's wLRE (1e308) overflows the E input at the first step: the adjoint's divergence check names step and node
const failingSpec = () => makeMultiStart({
  name: 'eib-fail', fit: { kind: 'eib-gradient', setup, steps: 2, evaluationSeeds: [] },
  starts: [eibStartValues(n), { ...eibStartValues(n), wLRE: Array(n * n).fill(1e308) }],
});

// the tensor engine's fit (optimize.ts) with named losses: coupling a (log-positive) and per-region I
const g2d: SimulationConfig = {
  model: 'Generic2dOscillator', connectivity, coupling: 'Linear', integrator: { name: 'Heun', dt: 0.5 }, duration: 200,
  monitors: [{ name: 'TemporalAverage', period: 5 }], initialConditions: { seed: 4 },
};
const tensorSpec = (loss: TensorFitJob['loss']) => makeMultiStart({
  name: 'tensor-ms',
  fit: tensorFitJob({
    config: g2d, steps: 3, optimizer: 'adam', learningRate: 0.05, loss,
    parameters: [{ name: 'a', target: 'coupling', scope: 'global', transform: logPositive }, { name: 'I', scope: 'regional', n: 4 }],
  }),
  starts: perturbedStarts({ a: 0.1, I: [0.1, 0.2, 0.3, 0.4] }, 3, { spread: 0.5, seed: 8 }),
});
const mse: TensorFitJob['loss'] = { kind: 'mse', target: 0.1 };

/** Every double of two outcomes the same (Object.is: -0 and NaN too); timings may differ. */
function expectSameOutcomes(a: MultiStartResult, b: MultiStartResult): void {
  const strip = (s: StartOutcome) => exactStringify({ ...s, seconds: 0 });
  expect(b.starts.map(strip)).toEqual(a.starts.map(strip));
  expect(b.best).toBe(a.best);
}

function argmin(xs: number[]): number {
  return xs.reduce((b, x, k) => (x < xs[b] ? k : b), 0);
}

describe('multi-start fits, local executor', () => {
  it('each eib-gradient start equals eibGradientFit from that start; the best is the lowest final loss', async () => {
    const spec = eibSpec();
    const r = await new LocalExecutor({ progress: false }).fit(spec);
    expect(r.starts).toHaveLength(3);
    const s = eibGradientSetup({ ...setup, targetFc: { n, data: Float64Array.from(targetFc) } });
    for (const [k, st] of spec.starts.entries()) {
      const ref = eibGradientFit({ setup: s, steps: 3, evaluationSeeds: [1001], start: { J_i: Float64Array.from(st.J_i as number[]), wLRE: Float64Array.from(st.wLRE as number[]), wFFI: Float64Array.from(st.wFFI as number[]) }, progress: false });
      expect(r.starts[k].state).toEqual(ref.state);
      expect(r.starts[k].lossTrajectory).toEqual(ref.lossTrajectory);
      expect(r.starts[k].score).toBe(ref.finalLoss);
      expect(r.starts[k].observations.fc_corr_after).toBe(ref.observations.fc_corr_after);
    }
    // the starts really differ, and the selection is the argmin of the final losses
    expect(new Set(r.starts.map((x) => x.score)).size).toBe(3);
    expect(r.best).toBe(argmin(r.starts.map((x) => x.score)));
    expect(r.bestOutcome.index).toBe(r.best);
    // a round trip through the result file keeps every value
    const back = MultiStartResult.fromJSON(JSON.parse(JSON.stringify(r.toJSON())));
    expectSameOutcomes(r, back);
  }, 60_000);

  it('each rww-bold start equals fitRwwBold from that start', async () => {
    const spec = rwwSpec();
    const r = await new LocalExecutor({ progress: false }).fit(spec);
    for (const [k, st] of spec.starts.entries()) {
      const ref = await fitRwwBold({ config: rwwConfig, empFc, w: st.w as number[], G: st.G as number, steps: 3, lanes: 1, skip: 5, fitG: true });
      expect(r.starts[k].state).toEqual({ w: Array.from(ref.w), G: ref.G });
      expect(r.starts[k].lossTrajectory).toEqual(ref.trajectory);
    }
    expect(r.best).toBe(argmin(r.starts.map((x) => x.score)));
  }, 60_000);

  it('each tensor-engine start (mse and fc_corr losses) equals fit() from that start', async () => {
    for (const loss of [mse, { kind: 'fc_corr' as const, target: empFc, n: 4, skip: 2 }]) {
      const spec = tensorSpec(loss);
      const r = await new LocalExecutor({ progress: false }).fit(spec);
      for (const [k, st] of spec.starts.entries()) {
        const ps = new ParameterSet([globalParameter('a', st.a as number, { target: 'coupling', transform: logPositive }), regionalParameter('I', st.I as number[])]);
        const tgt = loss.kind === 'mse' ? undefined : tf.tensor2d(Float32Array.from(empFc), [4, 4]);
        const ref = await fit({
          config: g2d, parameters: ps, steps: 3, optimizer: 'adam', learningRate: 0.05, backend: 'cpu', progress: false,
          loss: (out) => tf.tidy(() => {
            const d = out.monitor(0).data;
            if (!tgt) return tf.mean(tf.square(tf.sub(d, tf.scalar(0.1))));
            const [, T, , N] = d.shape;
            return tensorFcCorrLossFull(tensorFc(tf.reshape(tf.slice(d, [0, 0, 0, 0, 0], [1, T, 1, N, 1]), [T, N]), { skip: 2 }), tgt);
          }) as tf.Scalar,
        });
        tgt?.dispose();
        expect(r.starts[k].error).toBeUndefined();
        expect(r.starts[k].state).toEqual(ref.state);
        expect(r.starts[k].lossTrajectory).toEqual(ref.lossTrajectory);
        expect(r.starts[k].score).toBe(ref.lossTrajectory[ref.bestStep]);
      }
      expect(r.best).toBe(argmin(r.starts.map((x) => x.score)));
    }
  }, 120_000);

  it('bad starts are refused before any work, naming the start and the parameter', () => {
    expect(() => makeMultiStart({ fit: { kind: 'eib-gradient', setup }, starts: [eibStartValues(n), { ...eibStartValues(n), J_i: [1, 1] }] }))
      .toThrow(/multi-start fit start 1: 'J_i' is "2 values"; expected 4 numbers/);
    expect(() => makeMultiStart({ fit: rwwBoldJob({ config: rwwConfig, empFc }), starts: [{ w: [0.3, 0.3, 0.3, 0.3], G: 0.3, I_o: 1 }] }))
      .toThrow(/start 0: unknown parameter\(s\) I_o; a rww-bold start has w, G/);
    expect(() => makeMultiStart({ fit: rwwBoldJob({ config: rwwConfig, empFc }), starts: [] })).toThrow(/starts is \[\]; expected a non-empty list/);
    expect(() => perturbedStarts({ G: 1 }, 2, { spread: 1.5 })).toThrow(/spread 1.5; expected 0 ≤ spread < 1/);
    expect(() => makeMultiStart({ fit: tensorSpec(mse).fit, starts: [{ a: 0.1, I: [0.1, 0.2] }] })).toThrow(/start 0: 'I' is "2 values"; expected 4 numbers/);
  });

  it('a failing start is an outcome with its reason; the best comes from the others', async () => {
    const r = await new LocalExecutor({ progress: false }).fit(failingSpec());
    expect(r.starts[1].error).toMatch(/the run diverged at step 1 .*variable S_e, node 0: NaN/);
    expect(Number.isNaN(r.starts[1].score)).toBe(true);
    expect(Number.isFinite(r.starts[0].score)).toBe(true);
    expect(r.best).toBe(0);
  }, 60_000);

  it('the exact codec keeps NaN, ±Infinity, -0 and float64 arrays', () => {
    const v = { a: [NaN, Infinity, -Infinity, -0, 0.1 + 0.2], f: Float64Array.of(-0, NaN, 1e-310, Math.PI) };
    const back = exactParse<typeof v>(exactStringify(v));
    expect(back.a.map((x, k) => Object.is(x, v.a[k]))).toEqual([true, true, true, true, true]);
    expect(back.f).toBeInstanceOf(Float64Array);
    expect(Array.from(back.f).map((x, k) => Object.is(x, v.f[k]))).toEqual([true, true, true, true]);
  });
});

describe.skipIf(!HAS_REDIS)(`multi-start fits on redis-server${HAS_REDIS ? '' : ' (skipped: redis-server is not installed; .ci/run installs Debian redis-server)'}`, () => {
  let redis: RedisServer;
  const tmp = mkdtempSync(join(tmpdir(), 'vbt-fits-'));
  beforeAll(async () => {
    ensureBuilt();
    redis = await RedisServer.start();
  }, 240_000);
  afterAll(async () => {
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('eib-gradient starts run by two `vbt worker` processes equal the local run bit for bit', async () => {
    const spec = eibSpec();
    const local = await new LocalExecutor({ progress: false }).fit(spec);
    const ws = [startWorkerProcess(redis.url, ['--queue-name', 'fits', '--stall-timeout', '30']), startWorkerProcess(redis.url, ['--queue-name', 'fits', '--stall-timeout', '30'])];
    let submitted = '';
    const res = await new QueueExecutor({ url: redis.url, name: 'fits', progress: false, pollMs: 50, onSubmitted: (id) => (submitted = id) }).fit(spec);
    for (const w of ws) w.kill('SIGTERM');
    await Promise.all(ws.map((w) => w.exited));
    expect(submitted).toBe(multiStartId(spec));
    expect(res.metadata).toMatchObject({ executor: 'queue', fitId: multiStartId(spec), failedStarts: 0 });
    expectSameOutcomes(local, res);
  }, 120_000);

  it('a worker SIGKILLed mid-start: the start is retried after the stall timeout, nothing lost or doubled', async () => {
    const spec = eibSpec();
    const local = await new LocalExecutor({ progress: false }).fit(spec);
    const name = 'fits-kill';
    const a = startWorkerProcess(redis.url, ['--queue-name', name]);
    const run = new QueueExecutor({ url: redis.url, name, progress: false, pollMs: 50 }).fit(spec);
    const q = new Queue(queueKeys(name).chunkQueue, { connection: { url: redis.url } as never, prefix: 'vbt' });
    await until('a start to be active', async () => (await q.getActiveCount()) > 0);
    await sleep(100);
    a.kill('SIGKILL');
    await a.exited;
    const b = startWorkerProcess(redis.url, ['--queue-name', name]);
    const res = await run;
    b.kill('SIGTERM');
    await b.exited;
    await q.close();
    expectSameOutcomes(local, res);
    const c = redis.client();
    const id = multiStartId(spec);
    expect(await c.hlen(queueKeys(name).chunks(id))).toBe(3);
    expect(await c.hget(queueKeys(name).meta(id), 'done')).toBe('3');
    c.disconnect();
    const st = await vbt('queue', 'status', '--queue', redis.url, '--queue-name', name);
    expect(st).toMatch(new RegExp(`fit ${id} eib-ms: 3/3 starts \\(100.0%\\), 3/3 jobs, [0-9.]+ starts/s, eta done, [0-9]+ failures, 0 failed starts`));
  }, 120_000);

  it('rww-bold starts through an in-process worker equal the local run bit for bit', async () => {
    const spec = rwwSpec();
    const local = await new LocalExecutor({ progress: false }).fit(spec);
    const w = await startWorker({ url: redis.url, name: 'fits-rww', threads: 1, stallTimeout: 30 });
    const res = await new QueueExecutor({ url: redis.url, name: 'fits-rww', progress: false, pollMs: 50 }).fit(spec);
    await w.close();
    expectSameOutcomes(local, res);
  }, 120_000);

  it('tensor-engine starts through an in-process worker equal the local run bit for bit', async () => {
    const spec = tensorSpec(mse);
    const local = await new LocalExecutor({ progress: false }).fit(spec);
    const w = await startWorker({ url: redis.url, name: 'fits-tensor', threads: 1, stallTimeout: 30 });
    const res = await new QueueExecutor({ url: redis.url, name: 'fits-tensor', progress: false, pollMs: 50 }).fit(spec);
    await w.close();
    expectSameOutcomes(local, res);
  }, 120_000);

  it('resumeFit(id) reads a fit back from Redis (its spec, then its stored result); resume(id) of a fit id is refused', async () => {
    const spec = rwwSpec();
    const id = multiStartId(spec);
    const q = new QueueExecutor({ url: redis.url, name: 'fits-rww', progress: false, pollMs: 50 });
    const first = await q.resumeFit(id); // gathered by the previous test in this queue
    expectSameOutcomes(await new LocalExecutor({ progress: false }).fit(spec), first);
    await expect(q.resume(id)).rejects.toThrow(`--resume ${id}: this id is a multi-start fit, not a sweep`);
    await expect(q.resumeFit('0123456789abcdef')).rejects.toThrow(/--resume 0123456789abcdef: nothing with this id in queue 'fits-rww'/);
  }, 60_000);

  it('a failing start is recorded once with its reason, never retried, equal to the local run', async () => {
    const spec = failingSpec();
    const local = await new LocalExecutor({ progress: false }).fit(spec);
    const w = await startWorker({ url: redis.url, name: 'fits-fail', threads: 1, stallTimeout: 30 });
    const res = await new QueueExecutor({ url: redis.url, name: 'fits-fail', progress: false, pollMs: 50 }).fit(spec);
    await w.close();
    expectSameOutcomes(local, res);
    expect(res.starts[1].error).toMatch(/the run diverged at step 1 .*variable S_e, node 0: NaN/);
    const q = new Queue(queueKeys('fits-fail').chunkQueue, { connection: { url: redis.url } as never, prefix: 'vbt' });
    const jobs = await q.getJobs(['completed', 'failed']);
    expect(jobs.map((j) => j.attemptsStarted).sort()).toEqual([1, 1]);
    await q.close();
    const c = redis.client();
    expect(await c.hgetall(queueKeys('fits-fail').meta(multiStartId(spec)))).toMatchObject({ kind: 'fit', total: '2', done: '2', diverged: '1' });
    c.disconnect();
  }, 120_000);

  it.skipIf(!HAVE_SHARED)('`vbt eib-gradient --starts 2 --queue` equals `--starts 2` locally; start 0 is the single-start fit', async () => {
    const common = ['eib-gradient', '--dk-average', sharedPath('data', 'dk_average'), '-n', '1', '--duration', '60000', '--transient', '20000', '--eval-seeds', '', '-q', '--starts', '2', '--spread', '0.1'];
    await vbt(...common, '-o', join(tmp, 'local.json'));
    const w = startWorkerProcess(redis.url, ['--queue-name', 'fits-cli', '--stall-timeout', '60']);
    const text = await vbt(...common, '--queue', redis.url, '--queue-name', 'fits-cli', '-o', join(tmp, 'queue.json'));
    w.kill('SIGTERM');
    await w.exited;
    expect(text).toMatch(/start 0: final loss [0-9.]+/);
    expect(text).toMatch(/best: start [01] \(lowest final loss of the 2\)/);
    const a = MultiStartResult.load(join(tmp, 'local.json')), b = MultiStartResult.load(join(tmp, 'queue.json'));
    expectSameOutcomes(a, b);
    await vbt('eib-gradient', '--dk-average', sharedPath('data', 'dk_average'), '-n', '1', '--duration', '60000', '--transient', '20000', '--eval-seeds', '', '-q', '-o', join(tmp, 'single.json'));
    const single = JSON.parse(readFileSync(join(tmp, 'single.json'), 'utf8'));
    expect(a.starts[0].state).toEqual(single.state);
    expect(a.starts[0].lossTrajectory).toEqual(single.lossTrajectory);
  }, 240_000);
});
