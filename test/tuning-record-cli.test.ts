/**
 * `vbt fic` / `vbt eib` with `--record-monitor`: the written ExperimentResult carries the
 * AlgorithmResult with its pre- and post-tuning simulations, equal bit for bit to the API's
 * `fic()` / `eib()` with the same `record`; and the ways to lose them are refused before any work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EibNetwork, eib, fic, loadDkAverage, maxNormalized, AlgorithmResult } from '../algorithms/index.js';
import { ExperimentResult } from '../src/results/experiment.js';
import type { SimulationResult } from '../src/results/simulation.js';
import type { MonitorSpec } from '../src/observation/index.js';
import { vbt } from './cli-helpers.js';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function sameBits(a: SimulationResult, b: SimulationResult, monitors: string[]): void {
  expect(a.monitors.map((m) => m.name)).toEqual(monitors);
  for (const m of monitors) {
    const x = a.monitor(m), y = b.monitor(m);
    expect(x.shape).toEqual(y.shape);
    expect(bits(x.time).equals(bits(y.time))).toBe(true);
    expect(bits(x.data).equals(bits(y.data))).toBe(true);
  }
}

describe.skipIf(!HAVE_SHARED)(`vbt fic / eib --record-monitor ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
  const dkDir = sharedPath('data', 'dk_average');
  const rec = ['--record-monitor', 'TemporalAverage:40', '--record-monitor', 'Raw', '--record-duration', '400', '--record-transient', '100', '--record-seed', '9'];
  const monitors: MonitorSpec[] = [{ name: 'TemporalAverage', period: 40 }, { name: 'Raw' }];
  let dir: string;
  let dk: ReturnType<typeof loadDkAverage>;
  let network: () => EibNetwork;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vbt-tuning-record-cli-'));
    dk = loadDkAverage(dkDir);
    const sc = maxNormalized(dk.connectivity);
    // the CLI's defaults: dt 4, σ 0.01 (nsig σ²/2), seed 42
    network = () => new EibNetwork({ n: sc.n, weights: sc.weights, dt: 4, nsig: 0.5 * 0.01 * 0.01, seed: 42 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('vbt fic: the ExperimentResult file holds pre/post runs equal to fic({ record }) bit for bit', async () => {
    const out = join(dir, 'fic.nc');
    const text = await vbt('fic', '--dk-average', dkDir, '--rule', 'deco2014', '--rate', '3', '-n', '15', '--transient', '4000', '--eval', '4000', '-q', ...rec, '-o', out);
    expect(text).toMatch(/result written to .*fic\.nc \(ExperimentResult: algorithms\.fic with its pre\/post-tuning simulations\)/);
    const cli = (await ExperimentResult.fromFile(out)).algorithms.fic;
    const api = fic({
      network: network(), rule: { kind: 'deco2014', eta: 0.5, rate: 3 }, iterations: 15, transientSteps: 1000, evaluation: { steps: 1000 },
      record: { monitors, duration: 400, transient: 100, seed: 9, labels: dk.connectivity.labels }, progress: false,
    });
    expect(cli.state.J_i).toEqual(api.state.J_i);
    sameBits(cli.preTuningSimulation!, api.preTuningSimulation!, ['TemporalAverage', 'Raw']);
    sameBits(cli.postTuningSimulation!, api.postTuningSimulation!, ['TemporalAverage', 'Raw']);
    const raw = cli.postTuningSimulation!.monitor('Raw');
    expect(raw.shape).toEqual([1, 100, 2, 84, 1]);
    expect(cli.postTuningSimulation!.info.nodeLabels).toEqual([...dk.connectivity.labels]);
    // tuning changed the run: the tuned one is not the untuned one
    expect(bits(raw.data).equals(bits(cli.preTuningSimulation!.monitor('Raw').data))).toBe(false);
  }, 120_000);

  it('vbt eib: the same for the kept J_i, wLRE, wFFI', async () => {
    const out = join(dir, 'eib.nc');
    await vbt('eib', '--dk-average', dkDir, '-n', '6', '--window', '40', '--warmup', '3', '--eval-seeds', '7', '--transient', '2000', '--eval', '20000', '-q', ...rec, '-o', out);
    const cli = (await ExperimentResult.fromFile(out)).algorithms.eib;
    const api = eib({
      network: network(), targetFc: dk.fc, iterations: 6, eta: 0.005, window: 40, warmup: 3, keep: 'last', transient: 2000, evaluation: { seeds: [7], steps: 5000 },
      record: { monitors, duration: 400, transient: 100, seed: 9, labels: dk.connectivity.labels }, progress: false,
    });
    expect(cli.state.wLRE).toEqual(api.state.wLRE);
    sameBits(cli.preTuningSimulation!, api.preTuningSimulation!, ['TemporalAverage', 'Raw']);
    sameBits(cli.postTuningSimulation!, api.postTuningSimulation!, ['TemporalAverage', 'Raw']);
  }, 120_000);

  it('refuses, before any work, what would lose the recorded runs or record nothing', async () => {
    const base = ['fic', '--dk-average', dkDir, '-n', '1', '-q'];
    await expect(vbt(...base, ...rec, '-o', join(dir, 'r.json'))).rejects.toThrow(/--record-monitor: --out .*r\.json is JSON, which has no place for the pre\/post-tuning simulations; give a netCDF file \(\.nc\)/);
    await expect(vbt(...base, ...rec)).rejects.toThrow(/--record-monitor: the recorded runs need a file; give --out FILE\.nc/);
    await expect(vbt(...base, '--record-duration', '400', '--record-seed', '3', '-o', join(dir, 'r.nc'))).rejects.toThrow(/--record-duration, --record-seed: needs --record-monitor/);
    await expect(vbt(...base, '--record-monitor', 'Bolt:720', '-o', join(dir, 'r.nc'))).rejects.toThrow(/--monitor: unknown monitor 'Bolt'/);
    await expect(vbt(...base, '--record-monitor', 'Raw', '--record-duration', '-5', '-o', join(dir, 'r.nc'))).rejects.toThrow(/--record-duration: '-5'; expected a number > 0/);
    expect(existsSync(join(dir, 'r.json')) || existsSync(join(dir, 'r.nc'))).toBe(false);
    // and the API's JSON save refuses a result that carries them instead of dropping them
    const r = (await ExperimentResult.fromFile(join(dir, 'fic.nc'))).algorithms.fic;
    expect(() => r.save(join(dir, 'fic.json'))).toThrow(/AlgorithmResult 'fic-deco2014'\.save\(.*fic\.json\): JSON cannot hold preTuningSimulation and postTuningSimulation; save it in netCDF instead/);
    expect(existsSync(join(dir, 'fic.json'))).toBe(false);
    // without recorded runs the JSON is written as before
    new AlgorithmResult({ name: r.name, state: r.state, history: r.history }).save(join(dir, 'plain.json'));
    expect(AlgorithmResult.load(join(dir, 'plain.json')).state.J_i).toEqual(r.state.J_i);
  });
});
