import { describe, it, expect } from 'vitest';
import {
  eibGradientSetup, eibGradientSetupFrom, eibLoss, eibStartParams, type EibGradientParams, type EibGradientSetup,
} from '../algorithms/eib-loss.js';
import { eibGradientFit } from '../algorithms/eib-gradient-fit.js';
import { readFileSync } from 'node:fs';
import { EibNetwork } from '../algorithms/eib-model.js';
import { TvbBold } from '../src/observation/bold/reference.js';
import { functionalConnectivity } from '../src/analysis/fc.js';
import { rmse } from '../src/analysis/losses.js';
import { fcCorr } from '../algorithms/data.js';
import { OptimizationResult } from '../src/results/tuning.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vbt } from './cli-helpers.js';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';

// deterministic pseudo-random numbers in [0, 1)
const rs = (k: number) => { const x = Math.sin(k * 12.9898 + 0.5) * 43758.5453; return x - Math.floor(x); };

function network(n: number) {
  const weights = new Float64Array(n * n).map((_, k) => (Math.floor(k / n) === k % n ? 0 : rs(k + 1)));
  const emp = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) emp[i * n + j] = emp[j * n + i] = 0.1 + 0.5 * rs(100 + Math.min(i, j) * n + Math.max(i, j));
  return { weights, targetFc: { data: emp, n } };
}

function params(n: number): EibGradientParams {
  return {
    J_i: new Float64Array(n).map((_, i) => 0.9 + 0.2 * rs(200 + i)),
    wLRE: new Float64Array(n * n).map((_, k) => 0.7 + 0.6 * rs(300 + k)),
    wFFI: new Float64Array(n * n).map((_, k) => 0.7 + 0.6 * rs(500 + k)),
  };
}

describe('E/I gradient: forward', () => {
  const n = 5;
  const net = network(n);
  // transient of 30 TRs so the streaming Bold's sample steps line up with the loss run's
  const setup = eibGradientSetup({ n, ...net, duration: 36000, transient: 21600, transientSeed: 9, skip: 3, activitySteps: 200 });
  const p = params(n);

  it('equals EibNetwork step by step (two distinct channels, clamps active with σ = 0.1)', () => {
    for (const sigma of [0.01, 0.1]) {
      const s: EibGradientSetup = { ...setup, nsig: 0.5 * sigma * sigma };
      const v = eibLoss(s, p, 17, { trajectory: true });
      const ref = new EibNetwork({ n, weights: net.weights, J_i: p.J_i, wLRE: p.wLRE, wFFI: p.wFFI, nsig: s.nsig, seed: 17, initial: setup.initial });
      let maxE = 0, maxI = 0, clamped = 0;
      ref.run(s.steps, (k, E, I) => {
        for (let i = 0; i < n; i++) {
          maxE = Math.max(maxE, Math.abs(E[i] - v.trajectory!.S_e[k * n + i]));
          maxI = Math.max(maxI, Math.abs(I[i] - v.trajectory!.S_i[k * n + i]));
          if (E[i] === 0 || E[i] === 1) clamped++;
        }
      });
      expect(maxE).toBeLessThanOrEqual(1e-12);
      expect(maxI).toBeLessThanOrEqual(1e-12);
      if (sigma === 0.1) expect(clamped).toBeGreaterThan(0);
    }
  });

  it('Bold equals TvbBold streamed over the transient and the run; FC, RMSE, fc_corr equal the analysis functions', () => {
    const v = eibLoss(setup, p, 17, { trajectory: true });
    const tSteps = Math.round(21600 / 4);
    const bold = new TvbBold({ dt: 4, period: 720, width: n });
    const tr = new EibNetwork({ n, weights: net.weights, nsig: setup.nsig, seed: 9 });
    tr.run(tSteps, (s, E) => bold.update(s, E));
    expect(Array.from(tr.S_e)).toEqual(Array.from(setup.initial.S_e));
    const samples: number[] = [];
    let count = 0;
    for (let k = 1; k <= setup.steps; k++) {
      const y = bold.update(tSteps + k, v.trajectory!.S_e.subarray(k * n, (k + 1) * n));
      if (y && ++count > setup.skip) samples.push(...y);
    }
    expect(samples.length).toBe(v.bold.length);
    let d = 0;
    for (let k = 0; k < samples.length; k++) d = Math.max(d, Math.abs(samples[k] - v.bold[k]));
    expect(d).toBeLessThan(1e-12);
    const fc = functionalConnectivity({ data: Float64Array.from(samples), t: samples.length / n, n });
    for (let k = 0; k < n * n; k++) expect(v.fc.data[k]).toBeCloseTo(fc.data[k], 12);
    expect(v.rmse).toBeCloseTo(rmse(fc, net.targetFc), 12);
    expect(v.fcCorr).toBeCloseTo(fcCorr(fc, net.targetFc), 12);
    // activity term from the trajectory's last 200 states
    let act = 0;
    for (let i = 0; i < n; i++) {
      let m = 0;
      for (let k = setup.steps - 199; k <= setup.steps; k++) m += v.trajectory!.S_e[k * n + i];
      act += (m / 200 - 0.25) ** 2;
    }
    expect(v.activity).toBeCloseTo(act / n, 14);
    expect(v.loss).toBeCloseTo(v.rmse + v.activity, 14);
  });
});

describe('E/I gradient: start state', () => {
  it('a new transient at other parameters gives the same loss once the skipped Bold covers the 20 s HRF (the network forgets its start)', () => {
    const n = 4;
    const net = network(n);
    const a = eibGradientSetup({ n, ...net, duration: 40000, transient: 20000, transientSeed: 1, skip: 30, activitySteps: 100 });
    const p = params(n);
    const b = eibGradientSetupFrom(a, p, 2, 16000);
    expect(Math.abs(b.initial.S_e[0] - a.initial.S_e[0])).toBeGreaterThan(1e-4);
    const va = eibLoss(a, p, 5), vb = eibLoss(b, p, 5);
    expect(Math.abs(va.fcCorr - vb.fcCorr)).toBeLessThan(1e-10);
    expect(Math.abs(va.loss - vb.loss)).toBeLessThan(1e-10);
    // with a short skip the Bold still sees the history, and the two differ
    const a3 = { ...a, skip: 3 }, b3 = { ...b, skip: 3 };
    expect(Math.abs(eibLoss(a3, p, 5).loss - eibLoss(b3, p, 5).loss)).toBeGreaterThan(1e-8);
  });
});

describe('E/I gradient: adjoint against central finite differences', () => {
  const n = 6;
  const net = network(n);
  const setup = eibGradientSetup({ n, ...net, duration: 30000, transient: 20000, skip: 2, activitySteps: 100 });
  const check = (s: EibGradientSetup, p: EibGradientParams, seed: number, entries: [keyof EibGradientParams, number][]) => {
    const g = eibLoss(s, p, seed, { gradient: true }).gradient!;
    const h = 1e-6;
    for (const [name, k] of entries) {
      const a = structuredClone(p), b = structuredClone(p);
      a[name][k] += h;
      b[name][k] -= h;
      const fd = (eibLoss(s, a, seed).loss - eibLoss(s, b, seed).loss) / (2 * h);
      expect(Math.abs(fd), `${name}[${k}] finite difference is 0`).toBeGreaterThan(1e-5);
      expect(Math.abs(g[name][k] - fd) / Math.abs(fd), `${name}[${k}]: adjoint ${g[name][k]} vs FD ${fd}`).toBeLessThanOrEqual(1e-4);
    }
  };

  it('J_i (all nodes) and wLRE / wFFI entries, σ = 0.01', () => {
    const entries: [keyof EibGradientParams, number][] = [];
    for (let i = 0; i < n; i++) entries.push(['J_i', i]);
    for (const k of [1, 8, 23, 34]) entries.push(['wLRE', k], ['wFFI', k]);
    check(setup, params(n), 3, entries);
  });

  it('with clamping active (σ = 0.1) and a clipped channel weight', () => {
    const s: EibGradientSetup = { ...setup, nsig: 0.5 * 0.1 * 0.1 };
    const p = params(n);
    p.wLRE[2] = -0.3; // read as 0: no gradient
    const g = eibLoss(s, p, 5, { gradient: true }).gradient!;
    expect(g.wLRE[2]).toBe(0);
    expect(Math.abs(g.wLRE[0])).toBe(0); // zero structural weight on the diagonal
    check(s, p, 5, [['J_i', 0], ['J_i', 4], ['wLRE', 13], ['wFFI', 29]]);
  });
});

describe('E/I gradient: the hand-written adjoint it replaced', () => {
  // test/fixtures/eib-gradient-pin.json: eibLoss and its gradient by the 686-line hand-written
  // adjoint (algorithms/eib-gradient.ts at 8d0253d), pinned before it was deleted
  const pin = JSON.parse(readFileSync(new URL('./fixtures/eib-gradient-pin.json', import.meta.url), 'utf8'));
  const n = 6;
  const setup = eibGradientSetup({ n, ...network(n), duration: 30000, transient: 20000, skip: 2, activitySteps: 100 });
  it.each([0.01, 0.1])('σ = %s: loss and every gradient entry (J_i, wLRE, wFFI) reproduced to 1e-10', (sigma) => {
    const p = params(n);
    if (sigma === 0.1) p.wLRE[2] = -0.3; // clipped: no gradient
    const v = eibLoss({ ...setup, nsig: 0.5 * sigma * sigma }, p, 3, { gradient: true });
    const ref = pin[`sigma${sigma}`];
    expect(Math.abs(v.loss - ref.loss)).toBeLessThanOrEqual(1e-12 * ref.loss);
    expect(Math.abs(v.fcCorr - ref.fcCorr)).toBeLessThanOrEqual(1e-12);
    let scale = 0;
    for (const k of ['J_i', 'wLRE', 'wFFI'] as const) for (const x of ref[k]) scale = Math.max(scale, Math.abs(x));
    for (const k of ['J_i', 'wLRE', 'wFFI'] as const) {
      expect(v.gradient![k].length).toBe(ref[k].length);
      ref[k].forEach((x: number, q: number) => expect(Math.abs(v.gradient![k][q] - x), `${k}[${q}]: ${v.gradient![k][q]} vs ${x}`).toBeLessThanOrEqual(1e-10 * scale));
    }
    if (sigma === 0.1) expect(v.gradient!.wLRE[2]).toBe(0);
  });
});

describe('E/I gradient: building blocks', () => {
  it('rejects a step other than 4 ms, too short runs and wrong sizes', () => {
    const net = network(3);
    expect(() => eibGradientSetup({ n: 3, ...net, dt: 1, transient: 0 })).toThrow(/dt=1 ms; expected 4 ms/);
    expect(() => eibGradientSetup({ n: 3, ...net, duration: 5000, transient: 0 })).toThrow(/need at least 3/);
    const s = eibGradientSetup({ n: 3, ...net, duration: 20000, transient: 0, skip: 2 });
    expect(() => eibLoss(s, eibStartParams(4), 1)).toThrow(/parameter sizes/);
  });

  it('AdaMax on the adjoint lowers the loss of the fixed-noise run and records the trajectory', () => {
    const n = 6;
    const net = network(n);
    const setup = eibGradientSetup({ n, ...net, duration: 30000, transient: 20000, skip: 2, activitySteps: 100 });
    const r = eibGradientFit({ setup, steps: 8, lr: 0.05, noise: 'fixed', evaluationSeeds: [77], progress: false });
    expect(r.lossTrajectory.length).toBe(9);
    expect(r.finalLoss).toBeLessThan(0.8 * r.initialLoss);
    expect(r.stateTrajectory[8].meanJ_i).not.toBe(1);
    expect(r.observations.fc_corr_before).toBeTypeOf('number');
    expect((r.state.wLRE as number[]).every((w) => w >= 0)).toBe(true);
    // per-step noise: step k's run uses seed + k (the final state's loss is the seed + 8 run's)
    const q = eibGradientFit({ setup, steps: 8, lr: 0.05, seed: 10, evaluationSeeds: [], progress: false });
    expect(q.lossTrajectory[0]).toBe(eibLoss(setup, eibStartParams(n), 10).loss);
    const fin = { J_i: Float64Array.from(q.state.J_i as number[]), wLRE: Float64Array.from(q.state.wLRE as number[]), wFFI: Float64Array.from(q.state.wFFI as number[]) };
    expect(q.lossTrajectory[8]).toBe(eibLoss(setup, fin, 18).loss);
    expect(q.finalLoss).toBeLessThan(q.initialLoss);
  });
});

describe.skipIf(!HAVE_SHARED)(`E/I gradient on dk_average (short run, through the CLI) ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
  it('vbt eib-gradient: finite gradients, two AdaMax steps lower the loss of the same-noise 60 s run, OptimizationResult written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vbt-eibg-'));
    try {
      const out = join(dir, 'eibg.json');
      const text = await vbt('eib-gradient', '--dk-average', sharedPath('data', 'dk_average'), '--noise', 'fixed', '-n', '2', '--duration', '60000', '--transient', '20000', '--eval-seeds', '', '-o', out);
      expect(text).toMatch(/E\/I gradient: 2 steps/);
      const r = OptimizationResult.load(out);
      expect(r.lossTrajectory.length).toBe(3);
      expect(r.lossTrajectory.every(Number.isFinite)).toBe(true);
      expect(r.lossTrajectory[2]).toBeLessThan(r.lossTrajectory[0]);
      expect((r.state.J_i as number[]).length).toBe(84);
      expect((r.state.wLRE as number[]).length).toBe(84 * 84);
      await expect(vbt('eib-gradient', '--dk-average', sharedPath('data', 'dk_average'), '--skip', '-1')).rejects.toThrow(/--skip: '-1'; expected an integer ≥ 0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
