/** CLI: vbt fc / spectrum / gain, run in-process on a small simulated result. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';
import { readSimulationResult } from '../src/io/files.js';
import { functionalConnectivity, fcCorrLossUpper, monitorSeries, welch, dominantFrequency } from '../src/analysis/index.js';
import { eegGainSphere, readSensors, rereference } from '../src/observation/index.js';
import { readTvbConnectivityZip } from '../src/network/index.js';
import { vbt } from './cli-helpers.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'vbt-cli-obs-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe('vbt fc / spectrum', () => {
  it('computes FC (+ metrics, FCD) and spectra of a saved run as the library does', async () => {
    const run = join(dir, 'run.json');
    await vbt('simulate', '-m', 'Generic2dOscillator', '--dt', '0.5', '--duration', '2000', '--noise', '0.01', '--seed', '3', '--monitor', 'TemporalAverage:2', '--monitor', 'Bold:100', '-q', '--out', run);
    const res = await readSimulationResult(run);
    expect(res.monitor('Bold').shape[1]).toBe(20);
    const x = monitorSeries(res.monitor('TemporalAverage'));
    const fc = functionalConnectivity(x, { skip: 50 });
    const emp = Array.from({ length: x.n }, (_, i) => Array.from({ length: x.n }, (_, j) => (i === j ? 0 : Math.cos(i - j))));
    writeFileSync(join(dir, 'emp.json'), JSON.stringify({ fc: emp }));
    const outFc = join(dir, 'fc.json');
    const log = await vbt('fc', run, '--monitor', 'TemporalAverage', '--skip', '50', '--empirical', join(dir, 'emp.json'), '--fcd', '200', '--fcd-step', '100', '--out', outFc);
    expect(log).toMatch(/FC of TemporalAverage \(1000 samples, 20 nodes, skip 50\)/);
    const saved = JSON.parse(readFileSync(outFc, 'utf8'));
    expect(saved.fc[3][7]).toBeCloseTo(fc.data[3 * 20 + 7], 12);
    expect(saved.metrics.corrUpper).toBeCloseTo(1 - fcCorrLossUpper(fc, { data: Float64Array.from(emp.flat()), n: 20 }), 12);
    expect(saved.fcd.length).toBe(8); // (950 − 200)/100 + 1 windows
    const outSp = join(dir, 'sp.json');
    const slog = await vbt('spectrum', run, '--monitor', 'TemporalAverage', '--nperseg', '256', '--out', outSp);
    expect(slog).toMatch(/fs 500 Hz, 129 bins/);
    const sp = JSON.parse(readFileSync(outSp, 'utf8'));
    expect(sp.dominant).toEqual(Array.from(dominantFrequency(welch(x, 500, { nperseg: 256 }))));
    await expect(vbt('fc', run, '--monitor', 'Nope')).rejects.toThrow(/no monitor 'Nope'/);
    await expect(vbt('fc', run, '--empirical', join(dir, 'missing.npz'))).rejects.toThrow(/no such file/);
    await expect(vbt('fc', run, '--skip', 'x')).rejects.toThrow(/--skip: 'x'; expected an integer ≥ 0/);
  }, 30_000);
});

describe('vbt gain', () => {
  it.skipIf(!HAVE_SHARED)(`writes the EEG lead field of TVB's 76 regions, average-referenced ${HAVE_SHARED ? '' : SKIP_REASON}`, async () => {
    const out = join(dir, 'gain.json');
    const log = await vbt('gain', '--sensors', sharedPath('data', 'tvb', 'eeg_brainstorm_65.txt'), '-c', sharedPath('data', 'tvb', 'connectivity_76.zip'), '--reference', 'average', '--out', out);
    expect(log).toMatch(/eeg gain 65 sensors × 76 regions/);
    const g = JSON.parse(readFileSync(out, 'utf8'));
    const conn = readTvbConnectivityZip(sharedPath('data', 'tvb', 'connectivity_76.zip'));
    const ref = rereference(eegGainSphere(readSensors(sharedPath('data', 'tvb', 'eeg_brainstorm_65.txt')), { centres: conn.centres }), 'average');
    expect(g.gain[10][20]).toBeCloseTo(ref.data[10 * 76 + 20], 6);
    let colSum = 0;
    for (let s = 0; s < 65; s++) colSum += g.gain[s][5];
    expect(Math.abs(colSum)).toBeLessThan(1e-9 * Math.abs(g.gain[0][5]) * 65 + 1e-6);
    const outS = join(dir, 'gain-surface.json');
    const slog = await vbt('gain', '--sensors', sharedPath('data', 'tvb', 'eeg_brainstorm_65.txt'), '-c', sharedPath('data', 'tvb', 'connectivity_76.zip'),
      '--surface', sharedPath('data', 'tvb', 'cortex_16384.zip'), '--region-mapping', sharedPath('data', 'tvb', 'regionMapping_16k_76.txt'), '--out', outS);
    expect(slog).toMatch(/eeg gain \(surface, 16384 vertices\) 65 sensors × 76 regions/);
    expect(JSON.parse(readFileSync(outS, 'utf8')).gain.length).toBe(65);
    await expect(vbt('gain', '--sensors', sharedPath('data', 'tvb', 'eeg_brainstorm_65.txt'), '-c', sharedPath('data', 'tvb', 'connectivity_76.zip'), '--surface', 'x.zip', '--out', outS)).rejects.toThrow(/go together/);
    await expect(vbt('gain', '--sensors', '/nonexistent.txt', '-c', sharedPath('data', 'tvb', 'connectivity_76.zip'), '--out', out)).rejects.toThrow(/cannot read sensor file/);
  }, 30_000);
});
