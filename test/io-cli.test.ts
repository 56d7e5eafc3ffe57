/** CLI: simulate --out/--format, convert between connectivity formats, info — run in-process. */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';
import { readTvbH5 } from '../src/io/tvb-h5.js';
import { SimulationResult } from '../src/results/simulation.js';
import { readTvbConnectivityZip } from '../src/network/tvb-zip.js';
import { Network } from '../src/network/network.js';
import { readSimulationResult } from '../src/io/files.js';
import { vbt } from './cli-helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vbt-cli-io-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));


const sim = ['simulate', '-m', 'Generic2dOscillator', '--dt', '0.1', '--duration', '5', '-q'];

describe('vbt simulate --out', () => {
  it('infers hdf5/netcdf/json from the extension and refuses an unknown one before running', async () => {
    for (const name of ['run.h5', 'run.nc', 'run.json']) {
      const out = await vbt(...sim, '--out', join(dir, name));
      expect(out).toContain(`result written to ${join(dir, name)}`);
      const r = await readSimulationResult(join(dir, name));
      expect(r.info.model).toBe('Generic2dOscillator');
      expect(r.monitor(0).shape).toEqual([1, 5, 1, 20, 1]);
    }
    const a = await SimulationResult.fromFile(join(dir, 'run.h5'));
    const b = await readSimulationResult(join(dir, 'run.json'));
    expect(Array.from(a.monitor(0).data)).toEqual(Array.from(b.monitor(0).data));
    await expect(vbt(...sim, '--out', join(dir, 'run.csv'))).rejects.toThrow(/cannot tell the output format from '.*run\.csv' \(extension '\.csv'\)/);
    expect(existsSync(join(dir, 'run.csv'))).toBe(false);
  });

  it('--format tvb with the synthetic connectome writes both TVB files', async () => {
    const out = join(dir, 'tvb-syn');
    await vbt(...sim, '--format', 'tvb', '--out', out);
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^Connectivity_[0-9a-f]{32}\.h5$/);
    expect(files[1]).toMatch(/^TimeSeriesRegion_[0-9a-f]{32}\.h5$/);
    const c = await readTvbH5(join(out, files[0]));
    const t = await readTvbH5(join(out, files[1]));
    expect(c.kind).toBe('Connectivity');
    expect(t.kind === 'TimeSeriesRegion' && t.connectivityGid).toBe(c.gid);
    // every per-region monitor becomes its own TimeSeriesRegion linked to the one Connectivity
    const multi = join(dir, 'tvb-multi');
    await vbt(...sim, '--monitor', 'Raw', '--monitor', 'GlobalAverage:1', '--monitor', 'SubSample:0.5', '--format', 'tvb', '--out', multi);
    const mf = readdirSync(multi).sort();
    expect(mf.filter((f) => f.startsWith('Connectivity_'))).toHaveLength(1);
    expect(mf.filter((f) => f.startsWith('TimeSeriesRegion_'))).toHaveLength(2);
    const cg = (await readTvbH5(join(multi, mf[0]))).gid;
    const titles: string[] = [];
    for (const f of mf.slice(1)) {
      const x = await readTvbH5(join(multi, f));
      if (x.kind !== 'TimeSeriesRegion') throw new Error('expected a region time series');
      expect(x.connectivityGid).toBe(cg);
      titles.push(x.timeSeries.title);
    }
    expect(titles.sort()).toEqual(['Simulation: Raw', 'Simulation: SubSample']);
    await expect(vbt(...sim, '--monitor', 'GlobalAverage:1', '--format', 'tvb', '--out', join(dir, 'tvb-none'))).rejects.toThrow(/no monitor records the 20 regions/);
    expect(existsSync(join(dir, 'tvb-none'))).toBe(false);
  });

  it.skipIf(!HAVE_SHARED)(`--format tvb/bids with a TVB connectivity ${HAVE_SHARED ? '' : SKIP_REASON}`, async () => {
    const zip = sharedPath('data/tvb/connectivity_76.zip');
    const out = join(dir, 'tvb76');
    await vbt(...sim, '-c', zip, '--format', 'tvb', '--out', out);
    const files = readdirSync(out).sort();
    const c = await readTvbH5(join(out, files[0]));
    if (c.kind !== 'Connectivity') throw new Error('expected a connectivity');
    expect(Array.from(c.connectivity.weights)).toEqual(Array.from(readTvbConnectivityZip(zip).weights));
    const t = await readTvbH5(join(out, files[1]));
    if (t.kind !== 'TimeSeriesRegion') throw new Error('expected a region time series');
    expect(t.timeSeries.shape).toEqual([5, 1, 76, 1]);
    await vbt(...sim, '-c', zip, '--format', 'bids', '--out', join(dir, 'bids'));
    expect(existsSync(join(dir, 'bids/sub-01/net/sub-01_desc-tvbsim_net-weights_SC.tsv'))).toBe(true);
  });
});

describe.skipIf(!HAVE_SHARED)(`vbt convert / info ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
  it('converts TVB ZIP → Network YAML → TVB H5 → TVB ZIP losslessly and summarises each file', async () => {
    const zip = sharedPath('data/tvb/connectivity_76.zip');
    const ref = readTvbConnectivityZip(zip);
    expect(await vbt('convert', zip, join(dir, 'net.yaml'))).toBe(`wrote ${join(dir, 'net.yaml')}\nwrote ${join(dir, 'net.h5')}`);
    await vbt('convert', join(dir, 'net.yaml'), join(dir, 'conn.h5'));
    await vbt('convert', join(dir, 'conn.h5'), join(dir, 'back.zip'));
    await vbt('convert', join(dir, 'back.zip'), join(dir, 'again.yaml'));
    const back = readTvbConnectivityZip(join(dir, 'back.zip'));
    expect(Array.from(back.weights)).toEqual(Array.from(ref.weights));
    expect(Array.from(back.tractLengths)).toEqual(Array.from(ref.tractLengths));
    expect(Array.from(back.centres)).toEqual(Array.from(ref.centres));
    expect(back.labels).toEqual(ref.labels);
    expect((await Network.fromFile(join(dir, 'again.yaml'))).numberOfNodes).toBe(76);
    await expect(vbt('convert', zip, join(dir, 'x.csv'))).rejects.toThrow(/cannot tell the target format of/);

    const info = await vbt('info', zip, join(dir, 'net.yaml'), join(dir, 'conn.h5'), sharedPath('data/dk_average/structural.npz'), sharedPath('data/tvb/regionMapping_16k_76.txt'));
    expect(info).toContain('TVB connectivity ZIP');
    expect(info).toContain('regions: 76; connections (non-zero weights): 1560; undirected: false');
    expect(info).toContain('tvbo Network sidecar (tvb-datamodel/0.7.0), companion net.h5');
    expect(info).toContain('TVB Connectivity H5 (data version 5)');
    expect(info).toContain('weights: <f8 [84, 84]');
    expect(info).toContain('looks like a region mapping: indices 0..75');
    await vbt(...sim, '--out', join(dir, 'i.nc'));
    expect(await vbt('info', join(dir, 'i.nc'))).toContain('monitor TemporalAverage (period 1 ms): shape [1, 5, 1, 20, 1]');
    await expect(vbt('info', join(dir, 'nothing.h5'))).rejects.toThrow(/nothing\.h5: no such file or folder/);
  });
});
