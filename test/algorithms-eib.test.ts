import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EibNetwork, eib, evaluateNetwork, evaluateSeeds, transfer, EIB_DEFAULTS, AlgorithmResult } from '../algorithms/index.js';
import { vbt } from './cli-helpers.js';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { functionalConnectivity, type SquareMatrix } from '../src/analysis/fc.js';
import { TvbBold } from '../src/observation/bold/reference.js';

function smallNet(n = 6) {
  const c = syntheticConnectome({ nodes: n, seed: 2 });
  let m = 0;
  for (const w of c.weights) m = Math.max(m, w);
  return { n, weights: c.weights.map((w) => w / m) };
}

/** One deterministic Heun step of the uncoupled E/I node, written out from the model equations. */
function heunStep(Se: number, Si: number, dt: number, clamp: (x: number) => number): [number, number] {
  const p = EIB_DEFAULTS;
  const f = (E: number, I: number): [number, number] => {
    const He = transfer(p.a_e * (p.w_p * p.J_N * E - 1 * I + p.W_e * p.I_o) - p.b_e, p.d_e);
    const Hi = transfer(p.a_i * (p.J_N * E - I + p.W_i * p.I_o) - p.b_i, p.d_i);
    return [-E / p.tau_e + (1 - E) * He * p.gamma_e, -I / p.tau_i + Hi * p.gamma_i];
  };
  const [dE, dI] = f(Se, Si);
  const pe = clamp(Se + dt * dE), pi = clamp(Si + dt * dI);
  const [dE2, dI2] = f(pe, pi);
  return [clamp(Se + 0.5 * dt * (dE + dE2)), clamp(Si + 0.5 * dt * (dI + dI2))];
}

describe('EIB protocol pieces', () => {
  it('bounded = false integrates plain Heun (states may leave [0, 1]); bounded clamps both stages', () => {
    // S_e = −0.05 decays toward its low fixed point from below: unbounded it stays negative for a step
    const free = new EibNetwork({ n: 1, weights: [0], nsig: 0, bounded: false, initial: { S_e: -0.05, S_i: 0.02 } });
    free.run(1);
    const [e, i] = heunStep(-0.05, 0.02, 4, (x) => x);
    expect(free.S_e[0]).toBeCloseTo(e, 15);
    expect(free.S_i[0]).toBeCloseTo(i, 15);
    expect(free.S_e[0]).toBeLessThan(0);
    const held = new EibNetwork({ n: 1, weights: [0], nsig: 0, initial: { S_e: -0.05, S_i: 0.02 } });
    held.run(1);
    const [eb, ib] = heunStep(-0.05, 0.02, 4, (x) => Math.min(1, Math.max(0, x)));
    expect(held.S_e[0]).toBeCloseTo(eb, 15);
    expect(held.S_i[0]).toBeCloseTo(ib, 15);
    expect(held.S_e[0]).toBeGreaterThanOrEqual(0);
    // clone carries the flag
    expect(free.clone(3).bounded).toBe(false);
  });

  it('evaluation skip drops that many BOLD samples; evaluateSeeds averages runs and keeps each', () => {
    const { n, weights } = smallNet();
    const net = new EibNetwork({ n, weights, seed: 5 });
    net.run(2000);
    const steps = 180 * 60; // 60 TRs of 720 ms
    const target = { data: new Float64Array(n * n).fill(0.3).map((v, k) => (k % (n + 1) === 0 ? 0 : v)), n };
    const a = evaluateNetwork(net, { steps, warmupSteps: 5000, targetFc: target, seed: 11 });
    const b = evaluateNetwork(net, { steps, warmupSteps: 5000, targetFc: target, seed: 11, skip: 20 });
    expect(a.metrics.boldSamples).toBe(60);
    expect(b.metrics.boldSamples).toBe(40);
    // the same run: the skipped FC is the FC of the last 40 samples, recomputed here from the same stream
    const sim = net.clone(11);
    const bold = new TvbBold({ dt: 4, period: 720, width: n });
    const ys: number[][] = [];
    sim.run(5000 + steps, (s, Se) => { const y = bold.update(s, Se); if (y && s > 5000) ys.push(Array.from(y)); });
    const fc = functionalConnectivity(ys.slice(20));
    for (let k = 0; k < n * n; k++) expect(b.fc![k]).toBeCloseTo(fc.data[k], 12);
    const seeds = [11, 12, 13];
    const m = evaluateSeeds(net, { steps, warmupSteps: 5000, targetFc: target, skip: 20 }, seeds);
    const each = seeds.map((seed) => evaluateNetwork(net, { steps, warmupSteps: 5000, targetFc: target, skip: 20, seed }).metrics.fc_corr);
    const mu = (each[0] + each[1] + each[2]) / 3;
    expect(m.metrics.fc_corr).toBeCloseTo(mu, 14);
    expect(m.metrics['fc_corr@12']).toBe(each[1]);
    expect(m.metrics.fc_corr_sd).toBeCloseTo(Math.sqrt(each.reduce((s, x) => s + (x - mu) ** 2, 0) / 2), 14);
    expect(m.metrics.fc_corr).toBeCloseTo(each.reduce((s, x) => s + x, 0) / 3, 14);
    expect(() => evaluateSeeds(net, { steps }, [])).toThrow(/seeds is empty/);
    expect(() => evaluateNetwork(net, { steps: 720, targetFc: target, skip: 20 })).toThrow(/0 BOLD samples after skip=20; lengthen steps/);
  });

  it('warm-up schedule, keep = best / average / last and their bookkeeping', () => {
    const n = 8;
    const { weights } = smallNet(n);
    const target: SquareMatrix = { data: new Float64Array(n * n).map((_, k) => (Math.floor(k / n) === k % n ? 0 : ((Math.floor(k / n) < 4) === (k % n < 4) ? 0.6 : 0.1))), n };
    const run = (keep: 'last' | 'best' | 'average') => {
      const seen: { corr: number; wLRE: Float64Array; wFFI: Float64Array }[] = [];
      const net = new EibNetwork({ n, weights, seed: 4 });
      const r = eib({
        network: net, targetFc: target, iterations: 60, warmup: 20, eta: 0.05, window: 30, transient: 4000, ficIterations: 40,
        keep, averageOver: 10, evaluation: false, progress: false,
        onIteration: (it) => seen.push({ corr: it.fc_corr, wLRE: Float64Array.from(it.network.wLRE), wFFI: Float64Array.from(it.network.wFFI) }),
      });
      return { r, seen, net };
    };
    const last = run('last');
    // η_k = η·min(1, (k+1)/warmup)
    expect(last.r.history.eta[0]).toBeCloseTo(0.05 / 20, 15);
    expect(last.r.history.eta[9]).toBeCloseTo(0.05 * 10 / 20, 15);
    expect(last.r.history.eta[19]).toBe(0.05);
    expect(last.r.history.eta[59]).toBe(0.05);
    expect(last.seen.map((s) => s.corr)).toEqual(last.r.history.fc_corr);
    expect(last.r.state.wLRE).toEqual(last.r.state.last_wLRE);
    expect(Array.from(last.net.wLRE)).toEqual(last.r.state.wLRE);

    const best = run('best');
    const h = best.r.history.fc_corr;
    // candidates: iterations whose 30-sample window holds EIB-phase samples only (k + 1 ≥ 30)
    const kb = 29 + h.slice(29).indexOf(Math.max(...h.slice(29)));
    expect(best.r.hyperparameters.bestIteration).toBe(kb + 1);
    expect(best.r.hyperparameters.bestWindowFcCorr).toBe(h[kb]);
    // the same noise and updates as the 'last' run: keep only changes what is handed back
    expect(h).toEqual(last.r.history.fc_corr);
    expect(best.r.state.wLRE).toEqual(Array.from(best.seen[kb].wLRE));
    expect(best.r.state.wFFI).toEqual(Array.from(best.seen[kb].wFFI));
    expect(Array.from(best.net.wFFI)).toEqual(best.r.state.wFFI);
    expect(kb).toBeLessThan(59); // otherwise best and last would coincide and the test would show nothing
    expect(best.r.state.wLRE).not.toEqual(best.r.state.last_wLRE);

    const avg = run('average');
    const tail = avg.seen.slice(50);
    const wl = avg.r.state.wLRE as number[];
    for (const q of [0, 9, 17, 63]) expect(wl[q]).toBeCloseTo(tail.reduce((s, x) => s + x.wLRE[q], 0) / 10, 13);
    expect(avg.r.state.average_wFFI).toEqual(avg.r.state.wFFI);
    expect(avg.r.hyperparameters.averageOver).toBe(10);
  }, 30_000);

  it('bad options name the option and the value', () => {
    const { n, weights } = smallNet();
    const target = { data: new Float64Array(n * n), n };
    const net = new EibNetwork({ n, weights });
    expect(() => eib({ network: net, targetFc: target, keep: 'first' as never })).toThrow(/keep="first"; expected one of last, best, average/);
    expect(() => eib({ network: net, targetFc: target, iterations: 10, averageOver: 11 })).toThrow(/averageOver=11; expected an integer in 1…10/);
    expect(() => eib({ network: net, targetFc: target, warmup: 0 })).toThrow(/warmup=0/);
    expect(() => eib({ network: net, targetFc: target, window: 2 })).toThrow(/window=2/);
  });
});

describe.skipIf(!HAVE_SHARED)(`vbt eib on dk_average ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
  it('passes keep / warm-up / evaluation seeds through and reports the mean over the seeds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vbt-eib-'));
    try {
      const out = join(dir, 'eib.json');
      const text = await vbt('eib', '--dk-average', sharedPath('data', 'dk_average'), '-n', '6', '--window', '40', '--warmup', '3', '--keep', 'best',
        '--eval-seeds', '7,8', '--transient', '2000', '--eval', '20000', '-q', '-o', out);
      expect(text).toMatch(/EIB: 6 iterations in [0-9.]+ s \(keep best\)/);
      const r = AlgorithmResult.load(out);
      expect(r.hyperparameters.keep).toBe('best');
      expect(r.hyperparameters.warmup).toBe(3);
      expect(r.hyperparameters.evalSeeds).toEqual([7, 8]);
      expect(r.hyperparameters.evalSkip).toBe(20);
      expect(r.history.eta[2]).toBe(0.005);
      const m = r.postTuning!.metrics;
      expect(m.fc_corr).toBeCloseTo((m['fc_corr@7'] + m['fc_corr@8']) / 2, 14);
      // TRs ending inside the recorded 5000 steps after the 5000-step warm-up, less the 20 skipped
      expect(m.boldSamples).toBe(Math.floor(10000 / 180) - Math.floor(5000 / 180) - 20);
      expect(text).toContain(`mean of seeds 7, 8: ${m['fc_corr@7'].toFixed(4)} / ${m['fc_corr@8'].toFixed(4)}`);
      expect(r.state.wLRE).toEqual(r.state.best_wLRE);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
  it('a bad --eval-seeds entry is named', async () => {
    await expect(vbt('eib', '--dk-average', sharedPath('data', 'dk_average'), '--eval-seeds', '7,x', '-q')).rejects.toThrow(/--eval-seeds: 'x' is not a number/);
    await expect(vbt('eib', '--dk-average', sharedPath('data', 'dk_average'), '--seed', '5', '--eval-seeds', '4,5', '-q')).rejects.toThrow(/contains the tuning --seed 5/);
  });
});
