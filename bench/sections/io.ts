/**
 * File interop speed (issue #5): writing and reading a 76-region result of 20 000 samples × 4
 * variables (48.6 MB of float64) as netCDF-4, as TVB H5 and as BIDS TSV, and a 16k-vertex surface
 * network round trip. Prints seconds and MB/s measured in this run.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SimulationResult, type MonitorOutput } from '../../src/results/simulation.js';
import { syntheticConnectome } from '../../src/network/synthetic.js';
import { readTvbConnectivityZip } from '../../src/network/tvb-zip.js';
import { readRegionMapping, readTvbSurfaceZip } from '../../src/network/surface.js';
import { Network } from '../../src/network/network.js';
import { readTvbH5, writeTvbExport } from '../../src/io/tvb-h5.js';

const SHARED = process.env.VBT_SHARED ?? resolve(process.cwd(), '../shared');

async function time<T>(f: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
}

export default async function (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vbt-bench-io-'));
  try {
    const zip = join(SHARED, 'data/tvb/connectivity_76.zip');
    const conn = existsSync(zip) ? readTvbConnectivityZip(zip) : syntheticConnectome({ nodes: 76 });
    const T = 20000, V = 4, N = conn.n;
    const data = Float64Array.from({ length: T * V * N }, (_, k) => Math.sin(k * 1e-3) + (k % 97) * 1e-2);
    const mon: MonitorOutput = { name: 'TemporalAverage', period: 1, time: Float64Array.from({ length: T }, (_, k) => k + 0.5), data, shape: [1, T, V, N, 1], variables: ['y0', 'y1', 'y2', 'y3'] };
    const res = new SimulationResult([mon], {
      model: 'JansenRit', coupling: 'SigmoidalJansenRit', integrator: 'HeunDeterministic', dt: 0.1, nSteps: T * 10, transientSteps: 0, horizon: 1, batchSize: 1,
      nodeLabels: conn.labels, connectivity: conn.name, wallSeconds: 0, finalState: new Float64Array(6 * N), stateVariables: ['y0', 'y1', 'y2', 'y3', 'y4', 'y5'], parameters: {},
    }).withNetwork(conn);
    const mb = (data.length * 8) / 2 ** 20;
    console.log(`io: result ${T} samples × ${V} variables × ${N} regions = ${mb.toFixed(1)} MiB float64`);

    const nc = join(dir, 'r.nc');
    const [, tw] = await time(() => res.save(nc));
    const [, tr] = await time(() => SimulationResult.fromFile(nc));
    console.log(`  netCDF-4 write ${tw.toFixed(2)} s (${(mb / tw).toFixed(0)} MiB/s, file ${(statSync(nc).size / 2 ** 20).toFixed(1)} MiB, no gzip), read ${tr.toFixed(2)} s (${(mb / tr).toFixed(0)} MiB/s)`);

    const [paths, tt] = await time(() => writeTvbExport(join(dir, 'tvb'), res.toTimeSeries(), conn));
    const [, ttr] = await time(() => readTvbH5(paths.timeSeriesPath));
    console.log(`  TVB H5 (Connectivity + TimeSeriesRegion) write ${tt.toFixed(2)} s (${(mb / tt).toFixed(0)} MiB/s), read ${ttr.toFixed(2)} s`);

    const [, tb] = await time(() => res.toTimeSeries().toBids(join(dir, 'bids'), { subject: '01' }));
    console.log(`  BIDS TSV export ${tb.toFixed(2)} s (${(mb / tb).toFixed(0)} MiB/s of float64 as text)`);

    const cortex = join(SHARED, 'data/tvb/cortex_16384.zip');
    if (existsSync(cortex)) {
      const [surf, ts] = await time(() => readTvbSurfaceZip(cortex));
      const map = readRegionMapping(join(SHARED, 'data/tvb/regionMapping_16k_76.txt'), surf.vertices.length / 3, conn.n);
      const { region, surface } = Network.fromTvbSurface(conn, surf, map);
      const [, tsave] = await time(async () => {
        await region.save(join(dir, 'region.yaml'));
        await surface.save(join(dir, 'cortex.yaml'));
      });
      const [, tload] = await time(() => Network.fromFile(join(dir, 'cortex.yaml')));
      console.log(`  16k cortex: read TVB zip ${ts.toFixed(2)} s, save linked pair ${tsave.toFixed(2)} s, load ${tload.toFixed(2)} s`);
    } else {
      console.log(`  (no ${cortex}: surface network timing skipped)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
