/** Provenance in every result file, rerun bit-identical from the file alone, inputs checked at the door, memory refused up front. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { simulate } from '../src/simulation/simulate.js';
import { simulateToFile } from '../src/simulation/stream.js';
import { SimulationResult } from '../src/results/simulation.js';
import { writeSimulationResult, readSimulationResult } from '../src/io/files.js';
import { compareResults, rerunConfig } from '../src/provenance/rerun.js';
import { configFromProvenance, describeProvenance, hashConnectivity } from '../src/provenance/index.js';
import { readTvbH5, writeTvbConnectivityH5 } from '../src/io/tvb-h5.js';
import { readBidsProvenance } from '../src/io/bids.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { Connectivity } from '../src/network/connectivity.js';
import { parseNumbers } from '../src/cli/parse.js';
import { vbt } from './cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vbt-prov-'));
const noisy = {
  model: 'JansenRit',
  parameters: { mu: 0.15 },
  coupling: 'SigmoidalJansenRit',
  couplingParameters: { a: 10 },
  integrator: { name: 'Heun' as const, dt: 0.0625, noise: { nsig: [0, 0, 0, 1e-4, 0, 0], ntau: 0, seed: 7 } },
  duration: 150,
  transient: 20,
  monitors: [{ name: 'Raw' as const }, { name: 'TemporalAverage' as const, period: 1 }],
  initialConditions: { seed: 11 },
};

describe('provenance and rerun', () => {
  it('every format carries the full configuration; rerun from .nc and .json is bit-identical (kernel engine, noise)', async () => {
    const conn = syntheticConnectome({ nodes: 12, seed: 3 }).withSpeed(4.5);
    const connFile = join(dir, 'conn.h5');
    await writeTvbConnectivityH5(connFile, conn);
    const fromFile = (await import('../src/io/files.js')).readAnyConnectivity;
    const c = (await fromFile(connFile)).withSpeed(4.5);
    const res = await simulate({ ...noisy, connectivity: c });
    const p = res.info.provenance!;
    expect(p.noise).toEqual({ kind: 'additive', nsig: [0, 0, 0, 1e-4, 0, 0], ntau: 0, seed: 7, a: 1, b: 0 });
    expect(p.initialConditions).toEqual({ seed: 11 });
    expect(p.connectivity.speed).toBe(4.5);
    expect(p.connectivity.source).toBe(connFile);
    expect(p.connectivity.hash).toBe(hashConnectivity(c));
    expect(p.model.spec.name).toBe('JansenRit');
    expect(p.model.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(p.coupling).toEqual({ name: 'SigmoidalJansenRit', parameters: { a: 10 } });
    expect(p.vbtVersion).toBe(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version);
    expect(p.monitors).toEqual([{ name: 'Raw' }, { name: 'TemporalAverage', period: 1 }]);
    for (const ext of ['nc', 'json']) {
      const out = join(dir, `run.${ext}`);
      await writeSimulationResult(res, out);
      const back = await readSimulationResult(out);
      expect(back.info.provenance).toEqual(JSON.parse(JSON.stringify(p)));
      const { config, original } = await rerunConfig(out);
      const again = await simulate(config);
      const cmp = compareResults(original, again);
      expect(cmp.differences).toEqual([]);
      expect(cmp.identical).toBe(true);
    }
    expect(describeProvenance(p).join('\n')).toMatch(/noise: additive, nsig \[0, 0, 0, 0\.0001, 0, 0\], ntau 0 ms, seed 7/);
  }, 60_000);

  it('TVB H5 and BIDS exports carry the full provenance; it reads back and reruns bit-identical', async () => {
    const conn = syntheticConnectome({ nodes: 8, seed: 4 }).withSpeed(3);
    const res = (await simulate({ ...noisy, duration: 60, connectivity: conn })).withNetwork(conn);
    const p = JSON.parse(JSON.stringify(res.info.provenance));
    // TVB: a vbt_provenance attribute on each TimeSeriesRegion, with the monitor it is
    const tvbDir = join(dir, 'tvb');
    const files = await writeSimulationResult(res, tvbDir, { format: 'tvb' });
    const series = files.filter((f) => /TimeSeriesRegion_/.test(f));
    expect(series).toHaveLength(2); // Raw and TemporalAverage record every region
    for (const [k, f] of series.entries()) {
      const c = await readTvbH5(f);
      if (c.kind === 'Connectivity') throw new Error('expected a time series');
      expect(c.vbt!.provenance).toEqual(p);
      expect(c.vbt!.monitor).toEqual({ name: res.monitors[k].name, index: k });
      const { config, original } = await rerunConfig(f);
      expect(config.monitors).toEqual([p.monitors[k]]);
      const again = await simulate(config);
      const cmp = compareResults(original, again);
      expect(cmp.differences).toEqual([]);
      expect(cmp.compared).toEqual([res.monitors[k].name]);
      // and the comparison can fail: another noise seed gives other samples
      const other = await simulate({ ...config, integrator: { ...config.integrator, noise: { ...config.integrator.noise!, seed: 8 } } });
      expect(compareResults(original, other).differences).toEqual([`monitor ${res.monitors[k].name}: data differ`]);
    }
    // BIDS: Provenance.vbt in every time-series sidecar and in the subject's experiment sidecar
    const bidsDir = join(dir, 'bids');
    const written = await writeSimulationResult(res, bidsDir, { format: 'bids' });
    const sidecars = written.filter((f) => /\/ts\/.*\.json$/.test(f) || /_experiment\.json$/.test(f));
    expect(sidecars.length).toBeGreaterThanOrEqual(3);
    for (const f of sidecars) expect(readBidsProvenance(f)).toEqual(p);
    const back = readBidsProvenance(sidecars[0]);
    const again = await simulate(configFromProvenance(back, conn));
    const cmp = compareResults(res, again);
    expect(cmp.differences).toEqual([]);
    expect(cmp.compared).toEqual(['Raw', 'TemporalAverage', 'final state']);
    expect(() => readBidsProvenance(join(bidsDir, 'dataset_description.json'))).toThrow(/no vbt provenance \(Provenance\.vbt\)/);
  }, 60_000);

  it('vbt rerun of a TVB export: the command line is stored, the series comes out bit-identical', async () => {
    const out = join(dir, 'tvb-cli');
    // the real program (bin/vbt.js → dist/), so that main() records its argv as a user's shell would pass it
    const args = ['simulate', '--model', 'Generic2dOscillator', '--noise', '0.001', '--seed', '5', '--dt', '0.1', '--duration', '50', '--monitor', 'TemporalAverage:1', '--format', 'tvb', '--out', out];
    execFileSync(process.execPath, [join(__dirname, '..', 'bin', 'vbt.js'), ...args], { stdio: 'pipe' });
    const f = readdirSync(out).filter((x) => x.startsWith('TimeSeriesRegion_')).map((x) => join(out, x));
    expect(f).toHaveLength(1);
    const c = await readTvbH5(f[0]);
    if (c.kind === 'Connectivity') throw new Error('expected a time series');
    expect(c.vbt!.provenance.commandLine!.slice(2)).toEqual(args);
    expect(c.vbt!.provenance.noise).toMatchObject({ nsig: 0.001, seed: 5 });
    const msg = await vbt('rerun', f[0], '--out', join(dir, 'tvb-again.nc'));
    expect(msg).toMatch(/bit-identical \(TemporalAverage\)/);
    const conn = readdirSync(out).find((x) => x.startsWith('Connectivity_'))!;
    await expect(rerunConfig(join(out, conn))).rejects.toThrow(/a TVB Connectivity, not a time series/);
  }, 60_000);

  it('a changed connectivity file is refused by hash, and a result without provenance says so', async () => {
    const connFile = join(dir, 'conn2.h5');
    await writeTvbConnectivityH5(connFile, syntheticConnectome({ nodes: 6, seed: 2 }));
    const res = await simulate({ ...noisy, duration: 10, connectivity: await (await import('../src/io/files.js')).readAnyConnectivity(connFile) });
    const out = join(dir, 'r2.json');
    await writeSimulationResult(res, out);
    await writeTvbConnectivityH5(connFile, syntheticConnectome({ nodes: 6, seed: 5 }), { overwrite: true });
    const err = await rerunConfig(out).catch((e) => e as Error);
    expect(err.message).toMatch(/cannot find the connectivity .*hash differs: the file changed since the run/);
    const bare = new SimulationResult(res.monitors, { ...res.info, provenance: undefined });
    const out2 = join(dir, 'bare.nc');
    await bare.save(out2);
    await expect(rerunConfig(out2)).rejects.toThrow(/has no provenance/);
  });

  it('vbt rerun reproduces a streamed noisy run bit for bit and vbt report lists the provenance', async () => {
    const a = join(dir, 'stream.nc');
    await simulateToFile(noisy, a, { chunkBytes: 50_000 });
    const out = await vbt('rerun', a, '--out', join(dir, 'again.nc'));
    expect(out).toMatch(/bit-identical/);
    const html = join(dir, 'report.html');
    await vbt('report', a, '--out', html);
    const text = readFileSync(html, 'utf8');
    expect(text).toMatch(/seed 7/);
    expect(text).toMatch(/command line/);
  }, 60_000);
});

describe('inputs checked at the door', () => {
  it('names the field, the value and what was expected', async () => {
    expect(() => parseNumbers('0.22,,0.22', '--param a')).toThrow(/--param a: '0.22,,0.22' has an empty entry at position 2/);
    await expect(simulate({ ...noisy, integrator: { dt: 0.1, noise: { nsig: 0.1, ntau: -1 } } })).rejects.toThrow(/integrator\.noise\.ntau: expected a correlation time ≥ 0 ms .* got -1/);
    await expect(simulate({ ...noisy, integrator: { dt: 0.1, noise: { nsig: 0.1, seed: 1.5 } } })).rejects.toThrow(/integrator\.noise\.seed: expected an integer ≥ 0, got 1.5/);
    expect(() => new Connectivity({ weights: new Float64Array(4), tractLengths: new Float64Array(4), labels: ['A', 'A'] })).toThrow(/region label 'A' appears twice \(nodes 0 and 1\)/);
    await expect(vbt('simulate', '--speed', '0')).rejects.toThrow(/--speed: '0'; expected a number > 0/);
    await expect(vbt('simulate', '--dt', 'abc')).rejects.toThrow(/--dt: 'abc' is not a number/);
  });

  it('values past 1e12 without NaN raise a warning stored in the result', async () => {
    const res = await simulate({ model: 'Linear', parameters: { gamma: 0.5 }, integrator: { dt: 0.1 }, duration: 300, monitors: [{ name: 'TemporalAverage', period: 1 }] });
    expect(res.info.warnings?.[0]).toMatch(/values reach .*past 1e\+12/);
    expect(res.info.provenance?.flags?.largeValues).toEqual(res.info.warnings);
    const out = join(dir, 'lin.nc');
    await res.save(out);
    expect((await readSimulationResult(out)).info.warnings).toEqual(res.info.warnings);
  });

  it('a run that cannot fit is refused before it starts, with the estimate and the ways out', async () => {
    await expect(simulate({ model: 'JansenRit', integrator: { dt: 0.1 }, duration: 1e12, monitors: [{ name: 'Raw' }] })).rejects.toThrow(/memory: this run needs about .* GiB .*ways out: a larger monitor period .* --stream/);
    await expect(simulate({ model: 'JansenRit', integrator: { dt: 0.1 }, duration: 10_000, monitors: [{ name: 'Raw' }], memoryBudget: 2 ** 20 })).rejects.toThrow(/budget is 1\.0 MiB/);
  });
});

describe('vbt plot checks --variable and --nodes', () => {
  it('an unknown variable or node is an error naming what exists, not the default figure', async () => {
    const res = join(dir, 'plotme.nc');
    await (await simulate({ model: 'Generic2dOscillator', integrator: { dt: 0.5 }, duration: 20, monitors: [{ name: 'TemporalAverage', period: 1 }] })).save(res);
    await expect(vbt('plot', res, '--variable', 'zz', '--out', join(dir, 'p1.svg'))).rejects.toThrow(/unknown variable 'zz'; this series has: V/);
    await expect(vbt('plot', res, '--nodes', 'foo', '--out', join(dir, 'p2.svg'))).rejects.toThrow(/foo/);
  }, 60_000);
});

describe('units agree between file and figure', () => {
  it('a monitor of variables with different units stores each unit, not a blanket a.u.', async () => {
    const res = await simulate({ model: 'JansenRit', integrator: { dt: 0.1 }, duration: 10, monitors: [{ name: 'TemporalAverage', period: 1 }] });
    const v = res.toDataset().variables.find((x) => x.name === 'TemporalAverage')!;
    expect(v.attrs?.variable_units).toEqual(['mV', 'mV', 'mV', 'mV/ms']);
    expect(v.attrs?.units).toBe('mixed: y0 mV, y1 mV, y2 mV, y3 mV/ms');
    expect(res.toTimeSeries().units.data).toMatchObject({ y0: 'mV' });
  });
});
