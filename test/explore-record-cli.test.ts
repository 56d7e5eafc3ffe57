/**
 * `vbt explore --record`: the result file holds every point's time series of the recorded monitor,
 * equal bit for bit to `explore(..., { record })` of the same sweep — run here and through a BullMQ
 * queue (a real redis-server and a worker).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explore, grid, product, values } from '../algorithms/index.js';
import { ExplorationResult } from '../src/results/exploration.js';
import { readTvbConnectivityZip } from '../src/network/tvb-zip.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import { vbt } from './cli-helpers.js';
import { HAS_REDIS, RedisServer } from './distributed-helpers.js';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe.skipIf(!HAVE_SHARED)(`vbt explore --record ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
  const zip = sharedPath('data', 'tvb', 'connectivity_76.zip');
  // the observable reads the first monitor, the record keeps the second
  const cli = ['explore', '-c', zip, '-m', 'Generic2dOscillator', '--grid', 'coupling.a=0:0.01:2', '--values', 'I=0,0.5', '--dt', '0.5', '--noise', '1e-4', '--seed', '3',
    '--transient', '10', '--duration', '20', '--monitor', 'TemporalAverage:5', '--monitor', 'Raw', '--observable', 'mean', '-q'];
  let api: ExplorationResult;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vbt-explore-record-'));
    const base: SimulationConfig = {
      model: 'Generic2dOscillator', parameters: {}, connectivity: readTvbConnectivityZip(zip), coupling: 'Linear',
      integrator: { name: 'Heun', dt: 0.5, noise: { nsig: 1e-4, seed: 3 } }, transient: 10, duration: 20,
      monitors: [{ name: 'TemporalAverage', period: 5 }, { name: 'Raw' }],
    };
    const mean = (d: ArrayLike<number>) => { let s = 0; for (let k = 0; k < d.length; k++) s += d[k]; return s / d.length; };
    api = await explore({ base, space: product(grid('coupling.a', 0, 0.01, 2), values('I', [0, 0.5])), observables: { mean: (r) => mean(r.monitor(0).data) }, batchSize: 2, threads: 1, record: 'Raw', progress: false });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sameAsApi = (r: ExplorationResult) => {
    expect(r.shape).toEqual([2, 2]);
    const a = api.timeseries!, b = r.timeseries!;
    expect(b.outputNames).toEqual(['V']);
    expect([b.dt, b.nodes, b.time.length]).toEqual([a.dt, 76, 40]);
    expect(bits(b.time).equals(bits(a.time))).toBe(true);
    expect(b.data.length).toBe(4 * 40 * 1 * 76);
    expect(bits(b.data).equals(bits(a.data))).toBe(true);
    expect(Array.from(r.results.mean)).toEqual(Array.from(api.results.mean));
    // the points differ (the record is per point, not one series repeated)
    expect(bits(r.pointSeries(0).data).equals(bits(r.pointSeries(3).data))).toBe(false);
  };

  it('locally, into JSON and netCDF, equals explore() with record bit for bit', async () => {
    const text = await vbt(...cli, '--batch-size', '2', '--threads', '1', '--record', 'raw', '-o', join(dir, 'local.json'));
    expect(text).toMatch(/recorded Raw per point: 40 samples × V × 76 nodes/);
    sameAsApi(ExplorationResult.load(join(dir, 'local.json')));
    // by index, into netCDF
    await vbt(...cli, '--batch-size', '2', '--threads', '1', '--record', '1', '-o', join(dir, 'local.nc'));
    sameAsApi(await ExplorationResult.fromFile(join(dir, 'local.nc')));
    // without --record, no series
    await vbt(...cli, '--batch-size', '2', '--threads', '1', '-o', join(dir, 'plain.json'));
    expect(ExplorationResult.load(join(dir, 'plain.json')).isTimeseries).toBe(false);
  }, 120_000);

  it('a --record that names no monitor of the run is refused before any work', async () => {
    await expect(vbt(...cli, '--record', 'Bold', '-o', join(dir, 'x.json'))).rejects.toThrow(/--record: 'Bold' is not one of this run's monitors \(0: TemporalAverage, 1: Raw\)/);
    await expect(vbt(...cli, '--record', '2', '-o', join(dir, 'x.json'))).rejects.toThrow(/--record: '2' is not one of this run's monitors/);
  });

  it.skipIf(!HAS_REDIS)(`through a BullMQ queue (--queue) equals explore() bit for bit${HAS_REDIS ? '' : ' (skipped: no redis-server on PATH)'}`, async () => {
    const { startWorker } = await import('../algorithms/distributed/index.js');
    const redis = await RedisServer.start();
    const w = await startWorker({ url: redis.url, name: 'cli-record', threads: 1 });
    try {
      await vbt(...cli, '--queue', redis.url, '--queue-name', 'cli-record', '--chunk-size', '2', '--record', '-o', join(dir, 'queue-first.json'));
      // bare --record: the first monitor
      expect(ExplorationResult.load(join(dir, 'queue-first.json')).timeseries!.time.length).toBe(4);
      await vbt(...cli, '--queue', redis.url, '--queue-name', 'cli-record', '--chunk-size', '2', '--record', 'Raw', '-o', join(dir, 'queue.nc'));
      sameAsApi(await ExplorationResult.fromFile(join(dir, 'queue.nc')));
    } finally {
      await w.close();
      await redis.stop();
    }
  }, 120_000);
});
