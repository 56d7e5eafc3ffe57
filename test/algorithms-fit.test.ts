import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { fit, schedules, ParameterSet, globalParameter, regionalParameter, logPositive, OptimizationResult, type OptimizerName } from '../algorithms/index.js';
import { simulateSync } from '../src/simulation/simulate.js';
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

  it('an unknown parameter is named', async () => {
    const ps = new ParameterSet([globalParameter('nope', 1)]);
    await expect(fit({ config: base, parameters: ps, loss: mse, steps: 1, progress: false })).rejects.toThrow(/'nope' is not a parameter of this simulation/);
  });
});
