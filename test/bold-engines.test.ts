/**
 * BOLD in both engines: the tensor engine with the tensor Bold monitor (extraMonitors) gives the
 * kernel engine's Bold output to float32 rounding, and the gradient of an FC loss on that BOLD with
 * respect to the coupling equals central differences of the float64 kernel engine.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureTfGradients, functionalConnectivity, fcCorrLossUpper, monitorSeries, tensorFc, tensorFcCorrLossUpper } from '../src/analysis/index.js';
import { createTensorBoldMonitor, createTensorBalloonMonitor, tensorObservationMonitor } from '../src/observation/index.js';
import { simulateSync, prepare } from '../src/simulation/simulate.js';
import { TensorSimulator } from '../src/tensor/index.js';
import { syntheticConnectome } from '../src/network/index.js';
import type { SimulationConfig } from '../src/simulation/config.js';

beforeAll(async () => { await tf.setBackend('cpu'); await ensureTfGradients(); });

const N = 6;
const bold = { name: 'Bold' as const, period: 20, hrfLength: 200 };
const balloon = { name: 'BalloonWindkessel' as const, period: 20, dtBw: 1 };
const eeg = { name: 'EEG' as const, period: 10, reference: 'average' as const, gain: Array.from({ length: 3 }, (_, k) => Array.from({ length: N }, (_, i) => Math.cos(k + 2 * i))) };
const cfg = (a: number): SimulationConfig => ({
  model: 'ReducedWongWang', connectivity: syntheticConnectome({ nodes: N }), coupling: 'Linear', couplingParameters: { a },
  integrator: { name: 'Heun', dt: 1 }, duration: 300, monitors: [bold, balloon, eeg],
});

function ctxOf(c: SimulationConfig) {
  const p = prepare(c);
  const sFirst = p.s0 + p.transientSteps;
  return { dt: p.plan.dt, sFirst, sLast: sFirst + p.nSteps - 1, nvoi: p.plan.parsed.vois.length, N: p.plan.N, M: p.plan.M };
}

/** Largest |tensor − kernel| and largest |kernel| of one monitor, after checking names, times and shapes. */
function compareMonitor(km: { time: ArrayLike<number>; data: ArrayLike<number>; shape: number[] }, tm: { name: string; time: ArrayLike<number>; data: tf.Tensor }, name: string) {
  expect(tm.name).toBe(name);
  expect(Array.from(tm.time)).toEqual(Array.from(km.time));
  expect(tm.data.shape).toEqual(km.shape);
  const d = tm.data.dataSync();
  let mx = 0, err = 0;
  for (let q = 0; q < d.length; q++) { mx = Math.max(mx, Math.abs(km.data[q])); err = Math.max(err, Math.abs(d[q] - km.data[q])); }
  return { mx, err };
}

describe('BOLD: kernel engine and tensor engine', () => {
  it('same samples (float32 rounding) and the FC-loss gradient matches kernel finite differences', () => {
    const a0 = 0.3;
    const kernel = simulateSync(cfg(a0));
    const ctx = ctxOf(cfg(a0));
    const sim = new TensorSimulator({ ...cfg(a0), monitors: [] }, { extraMonitors: [createTensorBoldMonitor(bold, ctx), createTensorBalloonMonitor(balloon, ctx), tensorObservationMonitor(eeg, ctx)!] });
    const out = sim.run();
    for (const [k, name] of [[0, 'Bold'], [1, 'BalloonWindkessel'], [2, 'EEG']] as const) {
      const km = kernel.monitor(name);
      const { mx, err } = compareMonitor(km, out.monitors[k], name);
      expect(km.shape[1]).toBe(name === 'EEG' ? 30 : 15);
      // Balloon: BOLD ∝ 1 − q with q ≈ 1 held in float32 (spacing 6e-8) through 300 Euler steps, so
      // its error is absolute (≈ V0·k·1e-6), not relative to the tiny 300 ms response
      expect(err, name).toBeLessThan(name === 'BalloonWindkessel' ? 1e-6 : 2e-5 * mx);
      expect(mx, name).toBeGreaterThan(name === 'BalloonWindkessel' ? 1e-5 : 0.01);
    }
    out.dispose();

    // loss: 1 − corr_upper(FC(BOLD), target)
    const target = functionalConnectivity(Array.from({ length: 15 }, (_, t) => Array.from({ length: N }, (_, i) => Math.sin(0.4 * t * (1 + 0.3 * i)) + 0.2 * i * Math.cos(t))));
    const targetT = tf.tensor2d(Float32Array.from(target.data), [N, N]);
    const { value, grads } = sim.valueAndGrad((o) => {
      const d = o.monitors[0].data; // [1, T, 1, N, 1]
      const x = tf.reshape(d, [d.shape[1]!, N]);
      return tensorFcCorrLossUpper(tensorFc(x), targetT);
    }, { 'coupling.a': tf.scalar(a0) });
    const loss64 = (a: number) => fcCorrLossUpper(functionalConnectivity(monitorSeries(simulateSync(cfg(a)).monitor('Bold'))), target);
    expect(Math.abs(value - loss64(a0))).toBeLessThan(1e-4);
    const h = 1e-4;
    const fd = (loss64(a0 + h) - loss64(a0 - h)) / (2 * h);
    const g = grads['coupling.a'].dataSync()[0];
    expect(Math.abs(fd)).toBeGreaterThan(1e-3);
    expect(Math.abs(g - fd) / Math.abs(fd)).toBeLessThan(2e-2);
    tf.dispose([targetT, grads['coupling.a']]);
    sim.dispose();
  }, 60_000);
});

describe('observation monitors named in the config run in the tensor engine', () => {
  it('Bold and EEG given as monitors, after a transient they warm up on: equal to the kernel engine', () => {
    const c: SimulationConfig = { ...cfg(0.3), transient: 100, monitors: [{ name: 'Raw' }, bold, eeg] };
    const kernel = simulateSync(c);
    const sim = new TensorSimulator(c);
    const out = sim.run();
    for (const [k, name] of [[0, 'Raw'], [1, 'Bold'], [2, 'EEG']] as const) {
      const km = kernel.monitor(name);
      const { mx, err } = compareMonitor(km, out.monitors[k], name);
      expect(mx, name).toBeGreaterThan(1e-3);
      expect(err, name).toBeLessThan(2e-5 * mx);
    }
    out.dispose();
    sim.dispose();
  }, 60_000);
});
