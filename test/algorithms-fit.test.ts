import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { fit, schedules, ParameterSet, globalParameter, regionalParameter, logPositive, OptimizationResult, type OptimizerName } from '../algorithms/index.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { adam, adamaxW } from '../src/optim/index.js';
import { Connectivity } from '../src/network/connectivity.js';
import { loadBackend } from '../src/backend/index.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const n = 2;
const base: SimulationConfig = {
  model: 'ReducedWongWang',
  connectivity: new Connectivity({ n, weights: [0, 1, 0.6, 0], tractLengths: new Float64Array(4), labels: ['A', 'B'] }),
  coupling: 'Linear', integrator: { name: 'Heun', dt: 4 }, duration: 160,
  monitors: [{ name: 'TemporalAverage', period: 8 }],
  initialConditions: { history: Float64Array.from([0.8, 0.1]) },
};
const G_TRUE = 0.8;
let target: tf.Tensor;
const mse = (out: { monitors: { data: tf.Tensor }[] }) => tf.mean(tf.square(tf.sub(out.monitors[0].data, target))) as tf.Scalar;

beforeAll(async () => {
  await loadBackend();
  const ref = simulateSync({ ...base, couplingParameters: { a: G_TRUE } }).monitor();
  target = tf.tensor(Float32Array.from(ref.data), ref.shape);
});

describe('learning-rate schedules', () => {
  it('closed forms', () => {
    expect(schedules.constant()(7, 0.1)).toBe(0.1);
    expect(schedules.exponentialDecay(0.5, 10)(20, 0.1)).toBeCloseTo(0.025, 15);
    expect(schedules.linearWarmup(4)(0, 0.1)).toBeCloseTo(0.025, 15);
    expect(schedules.linearWarmup(4)(9, 0.1)).toBe(0.1);
    expect(schedules.cosine(10, 0.01)(0, 0.1)).toBeCloseTo(0.1, 15);
    expect(schedules.cosine(10, 0.01)(5, 0.1)).toBeCloseTo(0.055, 15);
    expect(schedules.cosine(10, 0.01)(10, 0.1)).toBeCloseTo(0.01, 15);
  });
});

describe('fit on the tensor engine', () => {
  it('recovers the global coupling within 5 % from a distant start; loss falls; tensor count stays flat', async () => {
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const ps = new ParameterSet([globalParameter('a', 0.2, { target: 'coupling', transform: logPositive })]);
    const res = await fit({
      config: base, parameters: ps, loss: mse, steps: 30, optimizer: 'adam', learningRate: 0.2, schedule: schedules.cosine(30, 0.005), progress: false,
      onStep: () => { seen.push(tf.memory().numTensors); },
    });
    const a = res.state.a as number;
    expect(Math.abs(a / G_TRUE - 1)).toBeLessThan(0.05);
    expect(res.finalLoss).toBeLessThan(res.initialLoss / 100);
    expect(res.lossTrajectory[res.bestStep]).toBe(Math.min(...res.lossTrajectory));
    expect(res.stateTrajectory[0].a).toBeCloseTo(0.2, 6);
    // no tensor leaks per step, none left after
    const later = seen.slice(1); // step 0 creates the optimiser's slot variables
    expect(Math.max(...later) - Math.min(...later)).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('every optimiser lowers the loss; early stop by threshold and by callback; masks freeze entries; save/load', async () => {
    const steps = 4;
    for (const optimizer of ['sgd', 'rmsprop', 'adamax'] as OptimizerName[]) {
      const ps = new ParameterSet([globalParameter('a', 0.4, { target: 'coupling', transform: logPositive })]);
      const r = await fit({ config: base, parameters: ps, loss: mse, steps, optimizer, learningRate: optimizer === 'sgd' ? 1 : 0.05, progress: false, keepBest: false });
      expect(r.finalLoss, optimizer).toBeLessThan(r.initialLoss);
      expect(r.nSteps).toBe(steps);
    }
    const ps = new ParameterSet([globalParameter('a', 0.4, { target: 'coupling', transform: logPositive })]);
    const stop = await fit({ config: base, parameters: ps, loss: mse, steps: 50, learningRate: 0.2, earlyStop: { lossBelow: 1e-3 }, progress: false });
    expect(stop.stoppedEarly).toMatch(/below 0.001/);
    expect(stop.nSteps).toBeLessThan(50);
    const cb = await fit({ config: base, parameters: ps, loss: mse, steps: 50, onStep: (i) => i.step === 1, progress: false });
    expect(cb.nSteps).toBe(2);
    expect(cb.stoppedEarly).toBe('callback at step 1');
    // per-region w with node B frozen
    const masked = new ParameterSet([regionalParameter('w', [0.5, 0.5], { mask: [1, 0] })]);
    const mr = await fit({ config: { ...base, couplingParameters: { a: G_TRUE } }, parameters: masked, loss: mse, steps: 3, learningRate: 0.05, progress: false });
    expect((mr.state.w as number[])[1]).toBe(0.5);
    expect((mr.state.w as number[])[0]).not.toBe(0.5);
    const dir = mkdtempSync(join(tmpdir(), 'vbt-fit-'));
    try {
      mr.save(join(dir, 'fit.json'));
      const back = OptimizationResult.load(join(dir, 'fit.json'));
      expect(back.state).toEqual(mr.state);
      expect(back.lossTrajectory).toEqual(mr.lossTrajectory);
      expect(back.lossImprovement).toBeCloseTo(mr.lossImprovement, 15);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a finite loss with a non-finite gradient stops the fit before the optimiser spreads NaN', async () => {
    // sqrt(|x − x|) is 0 with derivative ∞·0 = NaN: the loss stays finite, its gradient does not
    const nanGrad = (out: { monitors: { data: tf.Tensor }[] }) => {
      const d = out.monitors[0].data;
      return tf.add(mse(out), tf.mul(0, tf.sum(tf.sqrt(tf.abs(tf.sub(d, d)))))) as tf.Scalar;
    };
    const ps = new ParameterSet([globalParameter('a', 0.4, { target: 'coupling', transform: logPositive })]);
    const r = await fit({ config: base, parameters: ps, loss: nanGrad, steps: 5, progress: false });
    expect(r.stoppedEarly).toMatch(/non-finite gradient at step 0/);
    expect(r.state.a).toBeCloseTo(0.4, 6);
    expect(Number.isFinite(r.lossTrajectory[0])).toBe(true);
  }, 60_000);

  it('a float64 optimiser of src/optim follows the tfjs Adam path to float32 precision and keeps u in float64', async () => {
    const ps = () => new ParameterSet([globalParameter('a', 0.3, { target: 'coupling', transform: logPositive })]);
    const steps = 6, sch = schedules.cosine(steps, 0.01);
    const viaTf = await fit({ config: base, parameters: ps(), loss: mse, steps, optimizer: 'adam', learningRate: 0.1, schedule: sch, progress: false, keepBest: false });
    // tfjs's Adam uses ε = 1e-7 (its float32 backend epsilon)
    const rates: number[] = [];
    const via64 = await fit({ config: base, parameters: ps(), loss: mse, steps, optimizer: adam({ learningRate: 0.1, epsilon: 1e-7, schedule: sch }), progress: false, keepBest: false,
      onStep: (i) => { rates.push(i.learningRate); } });
    expect(rates).toEqual(Array.from({ length: steps }, (_, k) => sch(k, 0.1)));
    expect(via64.hyperparameters.optimizer).toBe('adam');
    for (let k = 0; k < steps; k++) {
      const a = viaTf.stateTrajectory[k].a as number, b = via64.stateTrajectory[k].a as number;
      expect(Math.abs(b - a) / a, `step ${k}`).toBeLessThan(1e-5);
    }
    expect(via64.stateTrajectory[steps - 1].a).not.toBe(0.3);
    // float64 state: u is not rounded to float32 between steps (the tfjs path's values are)
    const off32 = (a: number) => Math.abs(Math.fround(Math.log(a)) - Math.log(a)); // u = log a
    expect(off32(viaTf.stateTrajectory[3].a as number)).toBeLessThan(1e-12);
    expect(off32(via64.stateTrajectory[3].a as number)).toBeGreaterThan(1e-12);
    // learning rate and schedule belong to the float64 optimiser
    await expect(fit({ config: base, parameters: ps(), loss: mse, steps: 2, optimizer: adamaxW({ learningRate: 0.1 }), learningRate: 0.1, progress: false }))
      .rejects.toThrow(/learningRate=0.1 with a float64 optimiser; give it to the optimiser \(adamaxw\(\{ learningRate \}\)\)/);
    await expect(fit({ config: base, parameters: ps(), loss: mse, steps: 2, optimizer: 'lbfgs' as never, progress: false }))
      .rejects.toThrow(/optimizer 'lbfgs' unknown; expected adam, adamax, sgd or rmsprop/);
  }, 60_000);

  it('a tfjs optimiser the caller made is used and left to the caller; a schedule reaches SGD', async () => {
    const ps = () => new ParameterSet([globalParameter('a', 0.3, { target: 'coupling', transform: logPositive })]);
    const mine = tf.train.momentum(0.5, 0.9);
    const r = await fit({ config: base, parameters: ps(), loss: mse, steps: 4, optimizer: mine, progress: false, keepBest: false });
    expect(r.finalLoss).toBeLessThan(r.initialLoss);
    expect(r.hyperparameters.optimizer).toBe('Momentum');
    expect(r.hyperparameters.learningRate).toBe(0.5);
    expect(mine.iterations).toBe(3); // 4 evaluations, 3 updates; not disposed: its slots are still there
    expect(() => mine.getWeights()).not.toThrow();
    mine.dispose();
    // a rate of 0 from step 1 on freezes SGD after its first move (tfjs SGD reads the rate only via setLearningRate)
    const frozen = await fit({ config: base, parameters: ps(), loss: mse, steps: 4, optimizer: 'sgd', learningRate: 1, schedule: (k, lr) => (k === 0 ? lr : 0), progress: false, keepBest: false });
    const a = frozen.stateTrajectory.map((s) => s.a as number);
    expect(a[1]).not.toBe(a[0]);
    expect(a[2]).toBe(a[1]);
    expect(a[3]).toBe(a[1]);
  }, 60_000);

  it('an unknown parameter is named', async () => {
    const ps = new ParameterSet([globalParameter('nope', 1)]);
    await expect(fit({ config: base, parameters: ps, loss: mse, steps: 1, progress: false })).rejects.toThrow(/'nope' is not a parameter of this simulation/);
  });
});
