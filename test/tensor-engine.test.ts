/**
 * Tensor engine (float32 tfjs) against the float64 kernel engine on small delayed networks: every
 * integrator, seeded white/coloured/multiplicative noise, batches with per-batch / per-node
 * parameters, decimating monitors with a transient, boundaries, a multi-mode model, on cpu and wasm;
 * plus tf.memory() staying flat over a 10^5-step run and a 100-step optimisation loop.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend } from '../src/backend/index.js';
import { TensorSimulator } from '../src/tensor/index.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import type { SimulationConfig } from '../src/simulation/config.js';

const conn = syntheticConnectome({ nodes: 5, seed: 3 }); // delays up to 594 steps at dt 0.1

/** max |tensor − kernel| / max |kernel| for every monitor; also checks shapes and times. */
function compare(cfg: SimulationConfig, params?: Record<string, tf.Tensor | number>): number[] {
  const k = simulateSync(cfg);
  const sim = new TensorSimulator(cfg);
  const out = sim.run(params);
  const errs = k.monitors.map((km, i) => {
    const tm = out.monitors[i];
    expect(tm.data.shape).toEqual(km.shape);
    expect(Array.from(tm.time)).toEqual(Array.from(km.time));
    const a = km.data, b = tm.data.dataSync();
    let d = 0, m = 0;
    for (let q = 0; q < a.length; q++) { d = Math.max(d, Math.abs(a[q] - b[q])); m = Math.max(m, Math.abs(a[q])); }
    return d / m;
  });
  const fs = out.finalState.dataSync();
  const kf = k.info.finalState;
  expect(fs.length).toBe(kf.length);
  out.dispose();
  sim.dispose();
  return errs;
}

const g2d = (over: Partial<SimulationConfig> = {}): SimulationConfig => ({
  model: 'Generic2dOscillator', connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.05 },
  integrator: { name: 'Heun', dt: 0.1 }, duration: 60, monitors: [{ name: 'Raw' }], ...over,
});

describe.each(['cpu', 'wasm'])('tensor engine vs kernel engine on %s', { timeout: 60000 }, (backend) => {
  beforeAll(async () => { await loadBackend(backend); });

  it('Euler, Heun, RK4 with delays (600-step history)', () => {
    for (const name of backend === 'cpu' ? (['Euler', 'Heun', 'RK4'] as const) : (['RK4'] as const)) {
      const [e] = compare(g2d({ integrator: { name, dt: 0.1 } }));
      expect(e, name).toBeLessThan(2e-5);
      expect(e, name).toBeGreaterThan(0); // float32 is not float64: the comparison is real
    }
  });

  it('seeded noise: white additive, coloured, multiplicative — the same draws as the kernel engine', () => {
    const e1 = compare(g2d({ integrator: { name: 'Heun', dt: 0.1, noise: { nsig: [0.01, 0.002], seed: 7 } } }))[0];
    const e2 = compare(g2d({ integrator: { name: 'Euler', dt: 0.1, noise: { nsig: 0.01, ntau: 1.5, seed: 3 } } }))[0];
    const e3 = compare(g2d({ integrator: { name: 'Heun', dt: 0.1, noise: { nsig: 0.001, kind: 'multiplicative', a: 0.5, b: 0.1 } } }))[0];
    for (const e of [e1, e2, e3]) expect(e).toBeLessThan(5e-5);
    // and the noise matters: without it the run is far from the noisy kernel run
    const quiet = new TensorSimulator(g2d()).run();
    const noisy = simulateSync(g2d({ integrator: { name: 'Heun', dt: 0.1, noise: { nsig: [0.01, 0.002], seed: 7 } } }));
    const q = quiet.monitors[0].data.dataSync();
    let d = 0;
    for (let i = 0; i < q.length; i++) d = Math.max(d, Math.abs(q[i] - noisy.monitors[0].data[i]));
    expect(d).toBeGreaterThan(1e-3);
    quiet.dispose();
  });

  it('a batch with per-batch, per-node and per-batch-and-node parameters (coupling and model)', () => {
    const cfg = g2d({
      parameters: { tau: [1, 1.1, 0.9, 1.2, 1] },
      batch: { 'coupling.a': [0.02, 0.05, 0.08], I: [0, [0.1, 0.2, 0.3, 0.4, 0.5], 0.2] },
      duration: 50,
    });
    const [e] = compare(cfg);
    expect(e).toBeLessThan(2e-5);
    // the same batch through tensors given to run(): [B,1] per batch, [N] per node, [B,N]
    const sim = new TensorSimulator(cfg);
    const ref = sim.run();
    const out = sim.run({
      'coupling.a': tf.tensor2d([[0.02], [0.05], [0.08]]),
      tau: tf.tensor1d([1, 1.1, 0.9, 1.2, 1]),
      I: tf.tensor2d([[0, 0, 0, 0, 0], [0.1, 0.2, 0.3, 0.4, 0.5], [0.2, 0.2, 0.2, 0.2, 0.2]]),
    });
    expect(Array.from(out.monitors[0].data.dataSync())).toEqual(Array.from(ref.monitors[0].data.dataSync()));
    expect(() => sim.run({ tau: tf.zeros([2, 3]) })).toThrow(/parameter 'tau' has shape \[2, 3\]; expected \[\] \(scalar\), \[5\] \(per node\), \[3, 1\]/);
    expect(() => sim.run({ nope: 1 })).toThrow(/unknown parameter 'nope'; expected one of: .*coupling\.a.*weights/);
    ref.dispose(); out.dispose(); sim.dispose();
  });

  // the remaining paths are backend-independent code; cpu covers them, wasm the arithmetic above
  it.runIf(backend === 'cpu')('TemporalAverage and SubSample after a transient; a coupling with x_i (Difference)', () => {
    const errs = compare(g2d({
      coupling: 'Difference', couplingParameters: { a: 0.1 }, transient: 10, duration: 40,
      variablesOfInterest: ['V', 'W', 'V - W'],
      monitors: [{ name: 'TemporalAverage', period: 1.5 }, { name: 'SubSample', period: 0.7, voi: [2, 0] }],
    }));
    for (const e of errs) expect(e).toBeLessThan(2e-5);
  });

  it.runIf(backend === 'cpu')('PreSigmoidal with a static threshold (Hopfield dynamic = 0) and a region stimulus (PulseTrain)', () => {
    const [e1] = compare({ model: 'Hopfield', parameters: { dynamic: 0 }, connectivity: conn, coupling: 'PreSigmoidal', couplingParameters: { dynamic: 0, theta: 0.3 },
      integrator: { name: 'Heun', dt: 0.1 }, duration: 60, monitors: [{ name: 'Raw' }] });
    expect(e1).toBeLessThan(2e-5);
    const [e2] = compare(g2d({ duration: 30, stimulus: { weights: [1, 0, 0.5, 0, 0], temporal: { equation: 'PulseTrain', parameters: { T: 5, tau: 1, amp: 2, onset: 3 } } } }));
    expect(e2).toBeLessThan(2e-5);
  });

  it.runIf(backend === 'cpu')('boundaries (ReducedWongWang S in [0, 1], clamped) and a 3-mode model (ReducedSetFitzHughNagumo)', () => {
    const [e1] = compare({ model: 'ReducedWongWang', connectivity: conn, coupling: 'Linear', couplingParameters: { a: 2 }, parameters: { I_o: 0.9 },
      integrator: { name: 'Heun', dt: 0.5 }, duration: 60, monitors: [{ name: 'Raw' }] });
    expect(e1).toBeLessThan(1e-4);
    const [e2] = compare({ model: 'ReducedSetFitzHughNagumo', connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.0001 },
      integrator: { name: 'Heun', dt: 0.02 }, duration: 3, monitors: [{ name: 'Raw' }] });
    expect(e2).toBeLessThan(1e-4);
  });
});

describe('memory stays flat (cpu)', () => {
  beforeAll(async () => { await loadBackend('cpu'); });

  it('a 10^5-step run keeps tf.memory().numTensors flat and leaves nothing behind', () => {
    const cfg: SimulationConfig = {
      model: 'Linear', connectivity: syntheticConnectome({ nodes: 2, seed: 1 }), coupling: 'Linear', couplingParameters: { a: 0.5 },
      integrator: { name: 'Euler', dt: 0.01 }, duration: 1000, monitors: [{ name: 'SubSample', period: 100 }],
    };
    const counts: number[] = [];
    const sim = new TensorSimulator({ ...cfg, onProgress: () => counts.push(tf.memory().numTensors) });
    const before = tf.memory().numTensors;
    const out = sim.run();
    expect(sim.prep.nSteps).toBe(100000);
    expect(out.monitors[0].data.shape).toEqual([1, 10, 1, 2, 1]);
    expect(counts.length).toBe(50);
    // the live tensors at each 2000-step boundary: the carry plus the samples kept so far (≤ 10)
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(10);
    out.dispose();
    sim.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  }, 60000);

  it('a diverging run stops with the kernel engine\'s DivergenceError', () => {
    // x grows by (1 + dt·γ) = 2 per step: float32 overflows after ~130 steps
    const sim = new TensorSimulator({ model: 'Linear', parameters: { gamma: 10 }, connectivity: conn, integrator: { name: 'Euler', dt: 0.1 }, duration: 30 });
    expect(() => sim.run()).toThrow(/simulation diverged at step \d+ .*: x = (-?Infinity|NaN) at node \d+ \(syn-/);
    sim.dispose();
  });

  it('runs and gradients leave no tensors behind, with and without checkpointing', () => {
    const before = tf.memory().numTensors;
    for (const checkpoint of [0, 7]) {
      const sim = new TensorSimulator(g2d({ duration: 3, monitors: [{ name: 'TemporalAverage', period: 0.5 }] }), { checkpoint });
      sim.run({ 'coupling.a': 0.2 }).dispose();
      sim.run().dispose();
      const a = tf.scalar(0.1);
      const { grads } = sim.valueAndGrad((o) => tf.mean(o.monitors[0].data) as tf.Scalar, { 'coupling.a': a });
      grads['coupling.a'].dispose();
      a.dispose();
      sim.dispose();
      expect(tf.memory().numTensors, `checkpoint ${checkpoint}`).toBe(before);
    }
  });

  it('a 100-step gradient-descent loop keeps tf.memory().numTensors flat', () => {
    const sim = new TensorSimulator(g2d({ duration: 1, connectivity: syntheticConnectome({ nodes: 3, seed: 2 }) }), { checkpoint: 4 });
    const target = -0.2;
    let a = tf.scalar(0.05);
    const counts: number[] = [];
    let first = NaN, last = NaN;
    for (let it = 0; it < 100; it++) {
      const { value, grads } = sim.valueAndGrad((o) => tf.square(tf.sub(tf.mean(o.monitors[0].data), target)) as tf.Scalar, { 'coupling.a': a });
      if (it === 0) first = value;
      last = value;
      const next = tf.tidy(() => tf.sub(a, tf.mul(grads['coupling.a'], 50)));
      a.dispose();
      grads['coupling.a'].dispose();
      a = next;
      counts.push(tf.memory().numTensors);
    }
    a.dispose();
    sim.dispose();
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(last).toBeLessThan(first); // the loop optimises something
  }, 60000);
});
