/**
 * Gradients of the tensor engine against central finite differences of the float64 kernel engine
 * (relative error ≤ 1%), over 1000 steps with conduction delays: the four named models and one
 * coupling of every kind, scalar / per-node / weights parameters, fixed-noise stochastic
 * integration; checkpointed gradients equal plain ones; truncated backpropagation matches its
 * closed form.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend } from '../src/backend/index.js';
import { TensorSimulator, gradcheck, tensorLoss, finiteDifference } from '../src/tensor/index.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import { Connectivity } from '../src/network/connectivity.js';
import { simulateSync } from '../src/simulation/simulate.js';

const conn = syntheticConnectome({ nodes: 4, seed: 3 });

const cfg = (model: string, coupling: string, couplingParameters: Record<string, number>, dt: number, extra: Partial<SimulationConfig> = {}): SimulationConfig => ({
  model, connectivity: conn, coupling, couplingParameters, integrator: { name: 'Heun', dt }, duration: 1000 * dt,
  monitors: [{ name: 'Raw' }], initialConditions: { seed: 5 }, ...extra,
});

const CASES: { name: string; config: SimulationConfig; param: string }[] = ([
  ['JansenRit + SigmoidalJansenRit', cfg('JansenRit', 'SigmoidalJansenRit', { a: 1 }, 0.1), 'mu'],
  ['ReducedWongWang + Linear', cfg('ReducedWongWang', 'Linear', { a: 0.5 }, 0.1), 'coupling.a'],
  ['Generic2dOscillator + Difference', cfg('Generic2dOscillator', 'Difference', { a: 0.1 }, 0.1), 'coupling.a'],
  ['MontbrioPazoRoxin + Scaling', cfg('MontbrioPazoRoxin', 'Scaling', { a: 0.2 }, 0.05), 'eta'],
  ['Generic2dOscillator + Sigmoidal', cfg('Generic2dOscillator', 'Sigmoidal', { sigma: 1, a: 1 }, 0.1), 'coupling.midpoint'],
  ['Generic2dOscillator + HyperbolicTangent', cfg('Generic2dOscillator', 'HyperbolicTangent', { a: 0.05 }, 0.1), 'coupling.b'],
  ['Kuramoto + Kuramoto', cfg('Kuramoto', 'Kuramoto', { a: 0.05 }, 0.1), 'coupling.a'],
  ['Hopfield + PreSigmoidal', cfg('Hopfield', 'PreSigmoidal', { dynamic: 1 }, 0.1, { parameters: { dynamic: 1 } }), 'coupling.H'],
] as [string, SimulationConfig, string][]).map(([name, config, param]) => ({ name, config, param }));

describe('gradients vs float64 finite differences (cpu, 1000 steps, delays)', () => {
  beforeAll(async () => { await loadBackend('cpu'); });

  it.each(CASES)('$name: d loss / d $param', ({ name, config, param }) => {
    expect(Math.max(...conn.delays(config.integrator.dt).idelays)).toBeGreaterThan(100);
    const r = gradcheck({ config, param });
    expect(Math.abs(r.finiteDifference)).toBeGreaterThan(1e-6); // the loss does depend on it
    expect(r.relErr).toBeLessThan(0.01);
    console.log(`${name}: d/d${param} autodiff ${r.autodiff.toPrecision(6)} fd ${r.finiteDifference.toPrecision(6)} rel_err ${r.relErr.toExponential(2)} (${r.seconds.autodiff.toFixed(1)} s)`);
  }, 60000);

  it('per-node parameter, a weight and a scalar in one backward pass, stochastic Heun with fixed seeded noise', () => {
    const noisy = cfg('Generic2dOscillator', 'Linear', { a: 0.1 }, 0.1, { integrator: { name: 'Heun', dt: 0.1, noise: { nsig: [0.002, 0.001], seed: 11 } } });
    const sim = new TensorSimulator(noisy);
    const I = tf.fill([4], sim.prep.plan.modelParams.I.data[0]);
    const w = sim.parameter('weights');
    const a = tf.scalar(0.1);
    const { grads } = sim.valueAndGrad((o) => tensorLoss(o), { I, weights: w, 'coupling.a': a });
    const ad = { I: grads.I.dataSync()[2], weights: grads.weights.dataSync()[1 * 4 + 3], 'coupling.a': grads['coupling.a'].dataSync()[0] };
    for (const t of [I, w, a, ...Object.values(grads)]) t.dispose();
    sim.dispose();
    // the float64 finite differences (the autodiff part of gradcheck is skipped by giving its result)
    for (const [param, index] of [['I', 2], ['weights', 1 * 4 + 3], ['coupling.a', undefined]] as const) {
      const fd = finiteDifference({ config: noisy, param, index });
      const g = ad[param];
      expect(Math.abs(fd)).toBeGreaterThan(1e-6);
      expect(Math.abs(g - fd) / Math.abs(fd), param).toBeLessThan(0.01);
    }
  }, 60000);
});

describe('RK4 and batched gradients (cpu)', () => {
  beforeAll(async () => { await loadBackend('cpu'); });

  it('RK4 with delays: d loss / d coupling.a vs float64 finite difference', () => {
    const r = gradcheck({ config: cfg('Generic2dOscillator', 'Linear', { a: 0.1 }, 0.1, { integrator: { name: 'RK4', dt: 0.1 }, duration: 40 }), param: 'coupling.a' });
    expect(r.relErr).toBeLessThan(0.01);
  }, 60000);

  it('a batch of B = 2 gives each element the gradient of its own run', () => {
    const base = cfg('Generic2dOscillator', 'Linear', { a: 0.1 }, 0.1, { duration: 30 });
    const perRun = (a: number) => {
      const sim = new TensorSimulator(base);
      const { grads } = sim.valueAndGrad((o) => tensorLoss(o), { 'coupling.a': tf.scalar(a), I: tf.fill([4], 0.3) });
      const out = [grads['coupling.a'].dataSync()[0], ...grads.I.dataSync()];
      sim.dispose();
      return out;
    };
    const sim = new TensorSimulator({ ...base, batch: { 'coupling.a': [0.05, 0.2] } });
    // the loss sums the per-element losses, so each element's gradient is that of its own run
    const loss = (o: { monitors: { data: tf.Tensor }[] }) => {
      const d = o.monitors[0].data; // [B, T, V, N, M]
      const T = d.shape[1];
      return tf.sum(tf.mean(tf.slice(d, [0, Math.floor(T / 2), 0, 0, 0], [2, T - Math.floor(T / 2), 1, 4, 1]), [1, 2, 3, 4])) as tf.Scalar;
    };
    const { grads } = sim.valueAndGrad(loss, { 'coupling.a': tf.tensor2d([[0.05], [0.2]]), I: tf.fill([2, 4], 0.3) });
    const ga = grads['coupling.a'].dataSync(), gI = grads.I.dataSync();
    sim.dispose();
    for (const [b, a] of [[0, 0.05], [1, 0.2]]) {
      const single = perRun(a);
      expect(Math.abs(ga[b] - single[0])).toBeLessThan(1e-5 * Math.abs(single[0]) + 1e-9);
      for (let n = 0; n < 4; n++) expect(Math.abs(gI[b * 4 + n] - single[1 + n])).toBeLessThan(1e-5 * Math.abs(single[1 + n]) + 1e-9);
    }
  }, 60000);
});

describe('gradients on the wasm backend', () => {
  beforeAll(async () => { await loadBackend('wasm'); });
  it('Generic2dOscillator + Linear, d loss / d coupling.a over 1000 steps', () => {
    const r = gradcheck({ config: cfg('Generic2dOscillator', 'Linear', { a: 0.1 }, 0.1), param: 'coupling.a', engine: { checkpoint: 250 } });
    expect(Math.abs(r.finiteDifference)).toBeGreaterThan(1e-6);
    expect(r.relErr).toBeLessThan(0.01);
  }, 60000);
});

describe('checkpointing and truncation (cpu)', () => {
  beforeAll(async () => { await loadBackend('cpu'); });

  it('checkpointed gradients equal the single-tape ones (scalar, per node, weights)', () => {
    const config = cfg('Generic2dOscillator', 'Linear', { a: 0.1 }, 0.1, { duration: 30, integrator: { name: 'Heun', dt: 0.1, noise: { nsig: 0.001 } } });
    const grads = (checkpoint: number) => {
      const sim = new TensorSimulator(config, { checkpoint });
      const w = sim.parameter('weights');
      const I = tf.fill([4], 0.1);
      const a = tf.scalar(0.1);
      const { value, grads } = sim.valueAndGrad((o) => tensorLoss(o), { 'coupling.a': a, I, weights: w });
      const out = { value, a: grads['coupling.a'].dataSync()[0], I: Array.from(grads.I.dataSync()), w: Array.from(grads.weights.dataSync()) };
      for (const g of Object.values(grads)) g.dispose();
      for (const t of [w, I, a]) t.dispose();
      sim.dispose();
      return out;
    };
    // checkpointed runs are one op over the float64 adjoint: the same gradients as the float32
    // single tape to float32 accuracy, and bitwise those of the adjoint's unsegmented run
    const plain = grads(0), ck = grads(64), whole = grads(100000); // 300 steps: 4 full segments and a partial one
    expect(Math.abs(ck.value - plain.value)).toBeLessThanOrEqual(1e-6 * Math.abs(plain.value));
    expect(Math.abs(ck.a - plain.a)).toBeLessThanOrEqual(1e-5 * Math.abs(plain.a));
    for (let i = 0; i < 4; i++) expect(Math.abs(ck.I[i] - plain.I[i])).toBeLessThanOrEqual(1e-5 * Math.max(...plain.I.map(Math.abs)));
    for (let i = 0; i < 16; i++) expect(Math.abs(ck.w[i] - plain.w[i])).toBeLessThanOrEqual(1e-5 * Math.max(...plain.w.map(Math.abs)));
    expect(plain.w.some((x) => x !== 0)).toBe(true);
    expect(ck.value).toBe(whole.value);
    expect([ck.a, ...ck.I, ...ck.w]).toEqual([whole.a, ...whole.I, ...whole.w]);
  }, 60000);

  it('truncated backpropagation: d x_T / d gamma of the Linear model matches the closed form of the last window', () => {
    // uncoupled (a = 0) Euler: x_{s+1} = (1 + dt·γ)·x_s, so x_T = (1 + dt·γ)^T x_0 and, with the
    // gradient cut W steps before the end, d x_T/dγ = W·dt·(1 + dt·γ)^(T−1) x_0
    const T = 400, dt = 0.01, gamma = -2;
    const config: SimulationConfig = { model: 'Linear', connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0 }, integrator: { name: 'Euler', dt }, duration: T * dt, monitors: [{ name: 'Raw' }] };
    for (const [W, ck] of [[0, 0], [100, 0], [100, 30], [T, 0]]) {
      const sim = new TensorSimulator(config, { truncate: W, checkpoint: ck });
      const x0 = sim.prep.history[(sim.prep.H - 1) * 4]; // node 0 of the current state
      const { grads } = sim.valueAndGrad((o) => tf.sum(tf.slice(o.finalState, [0, 0, 0, 0], [1, 1, 1, 1])) as tf.Scalar, { gamma: tf.scalar(gamma) });
      const g = grads.gamma.dataSync()[0];
      const steps = W || T;
      const expected = steps * dt * Math.pow(1 + dt * gamma, T - 1) * x0;
      expect(Math.abs(g - expected), `W=${W} checkpoint=${ck}`).toBeLessThan(1e-4 * Math.abs(expected) + 1e-7);
      grads.gamma.dispose();
      sim.dispose();
    }
  }, 60000);
});

describe('conduction speed with interpolated delays (cpu)', () => {
  beforeAll(async () => { await loadBackend('cpu'); });
  const speed = 3, dt = 0.1;
  const steps = [[0, 40, 90, 130], [40, 0, 60, 100], [90, 60, 0, 70], [130, 100, 70, 0]].flat();
  const config = (frac: number): SimulationConfig => ({
    model: 'Generic2dOscillator', coupling: 'Difference', couplingParameters: { a: 0.5 }, integrator: { name: 'Heun', dt }, duration: 100,
    connectivity: new Connectivity({ weights: [0, 0.5, 0.2, 0.1, 0.5, 0, 0.3, 0.2, 0.2, 0.3, 0, 0.6, 0.1, 0.2, 0.6, 0], tractLengths: steps.map((k) => (k ? (k + frac) * speed * dt : 0)), speed }),
    monitors: [{ name: 'Raw' }],
  });

  it("delays 'linear' equals the kernel engine when every delay is a whole number of steps", () => {
    const cfg = config(0);
    const k = simulateSync(cfg);
    const sim = new TensorSimulator(cfg, { delays: 'linear' });
    const out = sim.run();
    const a = k.monitors[0].data, b = out.monitors[0].data.dataSync();
    let d = 0, m = 0;
    for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(a[i])); }
    expect(d / m).toBeLessThan(2e-5);
    out.dispose();
    sim.dispose();
    expect(() => new TensorSimulator(cfg).run({ speed: 3 })).toThrow(/unknown parameter 'speed'.*delays: 'linear'/);
  });

  it('d loss / d speed matches a central difference of the same interpolated run (delays half-way between steps)', () => {
    const sim = new TensorSimulator(config(0.5), { delays: 'linear' });
    const sp = tf.scalar(speed);
    const { grads } = sim.valueAndGrad((o) => tensorLoss(o), { speed: sp });
    const g = grads.speed.dataSync()[0];
    // ±0.2 % of the speed moves every delay by < 0.3 steps: the loss stays on one linear piece
    const h = 2e-3 * speed;
    const f = (v: number) => { const o = sim.run({ speed: v }); const l = tensorLoss(o); const x = l.dataSync()[0]; l.dispose(); o.dispose(); return x; };
    const fd = (f(speed + h) - f(speed - h)) / (2 * h);
    expect(Math.abs(fd)).toBeGreaterThan(1e-4);
    expect(Math.abs(g - fd) / Math.abs(fd)).toBeLessThan(0.01);
    expect(() => sim.run({ speed: 1 })).toThrow(/speed 1 mm\/ms gives delays of up to \d+ steps, beyond the \d+ prepared for speed 3/);
    for (const t of [sp, grads.speed]) t.dispose();
    sim.dispose();
  }, 60000);
});
