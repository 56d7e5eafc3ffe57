import { ExperimentResult } from '../src/results/experiment.js';
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EibNetwork, fic, eib, eibUpdate, currentForRate, transfer, loadDkAverage, maxNormalized, fcCorr } from '../algorithms/index.js';
import { AlgorithmResult } from '../src/results/tuning.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { Connectivity } from '../src/network/connectivity.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { functionalConnectivity } from '../src/analysis/fc.js';
import { TvbBold } from '../src/observation/bold/reference.js';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';

function smallNet(n = 6) {
  const c = syntheticConnectome({ nodes: n, seed: 2 });
  let m = 0;
  for (const w of c.weights) m = Math.max(m, w);
  return { n, weights: c.weights.map((w) => w / m), labels: c.labels };
}

describe('E/I two-channel network', () => {
  it('with wLRE = wFFI = 1 it equals the kernel engine running ReducedWongWangExcInh (no noise, no delays)', () => {
    const { n, weights, labels } = smallNet(8);
    const Se0 = Array.from({ length: n }, (_, i) => 0.1 + 0.05 * i), Si0 = Array.from({ length: n }, (_, i) => 0.05 + 0.01 * i);
    const Ji = Array.from({ length: n }, (_, i) => 0.8 + 0.05 * i);
    const net = new EibNetwork({ n, weights, nsig: 0, J_i: Ji, initial: { S_e: Se0, S_i: Si0 }, parameters: { G: 1.7, lamda: 0.6 } });
    net.run(300);
    const conn = new Connectivity({ n, weights, tractLengths: new Float64Array(n * n), labels });
    const r = simulateSync({
      model: 'ReducedWongWangExcInh', parameters: { G: 1.7, lamda: 0.6, J_i: Ji }, connectivity: conn,
      coupling: 'Linear', couplingParameters: { a: 1, b: 0 }, integrator: { name: 'Heun', dt: 4 }, duration: 1200,
      monitors: [{ name: 'Raw' }], initialConditions: { history: [...Se0, ...Si0] },
    });
    const fs = r.info.finalState;
    for (let i = 0; i < n; i++) {
      expect(Math.abs(fs[i] - net.S_e[i])).toBeLessThan(1e-13);
      expect(Math.abs(fs[n + i] - net.S_i[i])).toBeLessThan(1e-13);
    }
    expect(net.step).toBe(300);
  });
  it('transfer function: closed form and its x → 0 limit 1/d', () => {
    expect(transfer(10, 0.16)).toBeCloseTo(10 / (1 - Math.exp(-1.6)), 12);
    expect(transfer(0, 0.16)).toBeCloseTo(1 / 0.16, 12);
    expect(transfer(1e-12, 0.16)).toBeCloseTo(1 / 0.16, 9);
    // Deco 2014: −0.026 nA relative to threshold ≈ 3 Hz
    expect(transfer(-0.026 * 310, 0.16)).toBeCloseTo(3.06, 2);
    expect(transfer(currentForRate(3, 310, 0.16) * 310, 0.16)).toBeCloseTo(3, 10);
  });
  it('bad input names the field', () => {
    expect(() => new EibNetwork({ n: 2, weights: [0, 1, 1] })).toThrow(/weights has 3 values; expected n\*n = 4/);
    expect(() => new EibNetwork({ n: 2, weights: [0, 1, 1, 0], J_i: [1] })).toThrow(/J_i has 1 values; expected 2/);
  });
});

describe('FIC', () => {
  it('gating rule (Schirner/tvboptim) brings every node to ⟨S_e⟩ = 0.25', () => {
    const { n, weights } = smallNet();
    const net = new EibNetwork({ n, weights, nsig: 0 });
    const r = fic({ network: net, rule: { kind: 'gating', target: 0.25, eta: 3 }, iterations: 150, transientSteps: 500, progress: false });
    const m = net.run(180);
    for (let i = 0; i < n; i++) expect(Math.abs(m.S_e[i] - 0.25)).toBeLessThan(0.005);
    // started far from the target (≈ 0.4) and the error shrinks
    expect(r.history.meanS_e[0]).toBeGreaterThan(0.29);
    expect(r.history.maxAbsError[149]).toBeLessThan(r.history.maxAbsError[0] / 20);
    expect(r.convergence.maxAbsError_final).toBe(r.history.maxAbsError[149]);
    expect((r.state.J_i as number[]).length).toBe(n);
  });
  it('Deco 2014 rule reaches −0.026 nA, or 3 Hz', () => {
    const { n, weights } = smallNet();
    const a = new EibNetwork({ n, weights, nsig: 0 });
    fic({ network: a, rule: { kind: 'deco2014', current: -0.026 }, iterations: 40, progress: false });
    const ma = a.run(180);
    for (let i = 0; i < n; i++) expect(Math.abs(ma.current[i] + 0.026)).toBeLessThan(2e-4);
    const b = new EibNetwork({ n, weights, nsig: 0 });
    fic({ network: b, rule: { kind: 'deco2014', rate: 3 }, iterations: 40, progress: false });
    const mb = b.run(180);
    for (let i = 0; i < n; i++) expect(Math.abs(mb.rate[i] - 3)).toBeLessThan(0.03);
  });
  it('with noise, pre/post evaluation records the shift and the result round-trips through a file', async () => {
    const { n, weights } = smallNet();
    const net = new EibNetwork({ n, weights, seed: 1 });
    const r = fic({ network: net, iterations: 150, rule: { kind: 'gating', eta: 3 }, evaluation: { steps: 2500, warmupSteps: 100 }, progress: false });
    expect(r.preTuning!.metrics.meanS_e).toBeGreaterThan(0.29);
    expect(Math.abs(r.postTuning!.metrics.meanS_e - 0.25)).toBeLessThan(0.02);
    const dir = mkdtempSync(join(tmpdir(), 'vbt-fic-'));
    try {
      r.save(join(dir, 'fic.json'));
      const back = AlgorithmResult.load(join(dir, 'fic.json'));
      expect(back.state).toEqual(r.state);
      expect(back.history).toEqual(r.history);
      expect(back.postTuning).toEqual(r.postTuning);
      expect(back.convergence).toEqual(r.convergence);
      // the same class goes into an ExperimentResult netCDF file, snapshots included
      const exp = new ExperimentResult({ algorithms: { fic: r } });
      await exp.save(join(dir, 'exp.nc'));
      const nc = (await ExperimentResult.fromFile(join(dir, 'exp.nc'))).algorithms.fic;
      expect(nc.state).toEqual(r.state);
      expect(nc.history).toEqual(r.history);
      expect(nc.postTuning).toEqual(r.postTuning);
      expect(nc.snapshots).toEqual(r.snapshots);
      expect(nc.get('meanS_e_final')).toBe(r.convergence.meanS_e_final);
      expect(nc.postTuningObservations.meanS_e).toBe(r.postTuning!.metrics.meanS_e);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('EIB', () => {
  it('edge update: closed form with row-wise RMSE and clipping at 0', () => {
    const t = { data: Float64Array.of(0, 0.8, 0.8, 0), n: 2 };
    const s = { data: Float64Array.of(0, 0.2, 0.2, 0), n: 2 };
    const lre = Float64Array.of(1, 1, 1, 1), ffi = Float64Array.of(1, 0.01, 1, 1);
    eibUpdate(lre, ffi, t, s, 0.5);
    const rr = Math.sqrt(0.36 / 2);
    expect(lre[1]).toBeCloseTo(1 + 0.5 * 0.6 * rr, 14);
    expect(ffi[1]).toBe(0); // 0.01 − 0.127 clipped
    expect(ffi[2]).toBeCloseTo(1 - 0.5 * 0.6 * rr, 14);
    expect(lre[0]).toBe(1);
  });
  it('on a small network EIB raises the fc_corr and lowers the RMSE of a fresh evaluation run', () => {
    const n = 12;
    const { weights } = smallNet(n);
    // target: the BOLD FC of the same SC with one block of connections strengthened (a reachable pattern)
    const shaped = weights.map((w, k) => (Math.floor(k / n) < n / 2 && k % n < n / 2 ? 3 * w : 0.3 * w));
    const src = new EibNetwork({ n, weights: shaped, seed: 9 });
    const bold: number[][] = [];
    const b = new TvbBold({ dt: 4, period: 720, width: n });
    src.run(50000, (s, Se) => { const y = b.update(s, Se); if (y && s > 5000) bold.push(Array.from(y)); });
    const target = functionalConnectivity(bold);
    const net = new EibNetwork({ n, weights, seed: 3 });
    const r = eib({ network: net, targetFc: target, iterations: 400, eta: 0.03, window: 60, transient: 20000, ficIterations: 60, evaluation: { steps: 50000 }, progress: false });
    const pre = r.preTuning!.metrics, post = r.postTuning!.metrics;
    expect(post.fc_corr).toBeGreaterThan(pre.fc_corr + 0.05); // measured 0.637 → 0.707 (pre: the untuned network; evaluation skips 20 TRs, unbounded)
    expect(post.rmse).toBeLessThan(pre.rmse - 0.005); // measured 0.145 → 0.123
    expect((r.state.wLRE as number[]).every((w) => w >= 0)).toBe(true);
    expect((r.state.wFFI as number[]).every((w) => w >= 0)).toBe(true);
    expect(r.history.eta[399]).toBeCloseTo(0.03, 14);
    expect(r.history.eta[0]).toBeCloseTo(0.03 / 400, 14);
    expect(Math.abs(post.meanS_e - 0.25)).toBeLessThan(0.03);
  }, 60_000);
});

describe.skipIf(!HAVE_SHARED)(`dk_average ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
  it('loads 84 regions, symmetric SC, FC with zero diagonal (tvboptim: off-diagonal range −0.048…0.878, mean 0.234)', () => {
    const dk = loadDkAverage(sharedPath('data', 'dk_average'));
    expect(dk.connectivity.n).toBe(84);
    expect(dk.connectivity.labels[0]).toBe('L.BSTS');
    const fc = dk.fc.data;
    let lo = Infinity, hi = -Infinity, s = 0;
    for (let i = 0; i < 84; i++) for (let j = 0; j < 84; j++) {
      if (i === j) { expect(fc[i * 84 + j]).toBe(0); continue; }
      lo = Math.min(lo, fc[i * 84 + j]); hi = Math.max(hi, fc[i * 84 + j]); s += fc[i * 84 + j];
    }
    expect(lo).toBeCloseTo(-0.048, 3);
    expect(hi).toBeCloseTo(0.878, 3);
    expect(s / (84 * 83)).toBeCloseTo(0.234, 3);
    const sc = maxNormalized(dk.connectivity);
    expect(Math.max(...sc.weights)).toBe(1);
    expect(fcCorr(dk.fc, dk.fc)).toBeCloseTo(1, 14);
  });
});
