/**
 * Whole segments as one op (segment.ts) against the op-by-op engine (`fused: false`, one tfjs op per
 * expression node, float32 throughout): the same runs and the same gradients for the coupling
 * forms the segment op takes — a pre transform of the source (SigmoidalJansenRit, two coupling
 * variables, noise), a term that reads the target (Difference, Kuramoto) — with checkpoint
 * segments that do not divide the run or the monitor periods, a transient, a batch with
 * per-batch parameters, and truncated backpropagation. And the pieces: takeRows, and the block
 * form of the TemporalAverage/SubSample/Raw monitors against their step-by-step form.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend } from '../src/backend/index.js';
import { TensorSimulator } from '../src/tensor/index.js';
import { createTensorMonitor } from '../src/observation/index.js';
import { takeRows, DelayRing } from '../src/tensor/ops.js';
import { compileFusedStep, runSegment } from '../src/tensor/index.js';
import { parseExpr } from '../src/expr/parse.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import type { TensorRunResult, TensorEngineOptions } from '../src/tensor/index.js';

const conn = syntheticConnectome({ nodes: 4, seed: 3 });

/** Monitor data and gradients of both engines for one configuration. */
function both(config: SimulationConfig, opts: TensorEngineOptions, wrt: () => Record<string, tf.Tensor>) {
  const loss = (o: TensorRunResult) => tf.tidy(() => tf.addN(o.monitors.map((m, k) => tf.mul(tf.mean(tf.square(m.data)), k + 1))) as tf.Scalar);
  return [true, false].map((fused) => {
    const sim = new TensorSimulator(config, { ...opts, fused });
    const r = sim.run();
    const data = r.monitors.map((m) => Float64Array.from(m.data.dataSync()));
    r.dispose();
    const ps = wrt();
    const { value, grads } = sim.valueAndGrad(loss, ps);
    const g = Object.fromEntries(Object.entries(grads).map(([k, t]) => [k, Float64Array.from(t.dataSync())]));
    for (const t of [...Object.values(grads), ...Object.values(ps)]) t.dispose();
    sim.dispose();
    return { data, value, g };
  });
}

function expectSame(name: string, [seg, ops]: ReturnType<typeof both>, tol = 1e-4) {
  seg.data.forEach((d, k) => {
    let e = 0, m = 0;
    for (let i = 0; i < d.length; i++) { e = Math.max(e, Math.abs(d[i] - ops.data[k][i])); m = Math.max(m, Math.abs(ops.data[k][i])); }
    expect(d.length, `${name} monitor ${k}`).toBe(ops.data[k].length);
    expect(e / m, `${name} monitor ${k}`).toBeLessThan(1e-4);
  });
  expect(Math.abs(seg.value - ops.value), `${name} loss`).toBeLessThan(1e-5 * Math.abs(ops.value));
  for (const k of Object.keys(ops.g)) {
    const a = seg.g[k], b = ops.g[k];
    const scale = Math.max(...Array.from(b, Math.abs));
    expect(scale, `${name} d/d${k}`).toBeGreaterThan(0);
    let e = 0;
    for (let i = 0; i < b.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
    console.log(`${name}: d/d${k} max |segment − op-by-op| / max |op-by-op| = ${(e / scale).toExponential(2)}`);
    expect(e / scale, `${name} d/d${k}`).toBeLessThan(tol);
  }
}

describe('segment ops vs the op-by-op engine (cpu)', () => {
  beforeAll(async () => { await loadBackend('cpu'); });

  it('Difference (a term with x_i): transient, TemporalAverage + SubSample, checkpoints that divide neither', () => {
    const config: SimulationConfig = {
      model: 'Generic2dOscillator', connectivity: conn, coupling: 'Difference', couplingParameters: { a: 0.1 },
      integrator: { name: 'Heun', dt: 0.1 }, transient: 2, duration: 15,
      monitors: [{ name: 'TemporalAverage', period: 1.3 }, { name: 'SubSample', period: 0.7 }], initialConditions: { seed: 5 },
    };
    const wrt = () => ({ 'coupling.a': tf.scalar(0.1), I: tf.fill([4], 0.2) });
    expectSame('Difference, checkpoint 37', both(config, { checkpoint: 37 }, wrt));
    expectSame('Difference, one tape', both(config, {}, wrt));
  }, 60000);

  it('Kuramoto: a batch of 2 with per-batch coupling, Raw, checkpoint 50', () => {
    const config: SimulationConfig = {
      model: 'Kuramoto', connectivity: conn, coupling: 'Kuramoto', couplingParameters: { a: 0.05 },
      integrator: { name: 'Heun', dt: 0.1 }, duration: 25, monitors: [{ name: 'Raw' }], initialConditions: { seed: 7 },
      batch: { 'coupling.a': [0.05, 0.3] },
    };
    expectSame('Kuramoto B=2', both(config, { checkpoint: 50 }, () => ({ 'coupling.a': tf.tensor2d([[0.05], [0.3]]) })));
  }, 60000);

  it('SigmoidalJansenRit (pre of two coupling variables) with noise; truncated backpropagation', () => {
    const config: SimulationConfig = {
      model: 'JansenRit', connectivity: conn, coupling: 'SigmoidalJansenRit', couplingParameters: { a: 1 },
      integrator: { name: 'Heun', dt: 0.1, noise: { nsig: [0, 0, 0, 0.01, 0, 0], seed: 2 } }, duration: 12,
      monitors: [{ name: 'TemporalAverage', period: 1 }], initialConditions: { seed: 5 },
    };
    const wrt = () => ({ mu: tf.fill([4], 0.22), 'coupling.a': tf.scalar(1) });
    expectSame('SigmoidalJansenRit, checkpoint 64', both(config, { checkpoint: 64 }, wrt));
    expectSame('SigmoidalJansenRit, truncate 70', both(config, { truncate: 70 }, wrt));
  }, 60000);
});

describe('segment pieces', () => {
  beforeAll(async () => { await loadBackend('cpu'); });

  it('the doc example: two nodes exchanging x one step back conserve x_0 + x_1; first steps by hand', () => {
    const step = compileFusedStep([], [parseExpr('-x + c')], (n) => ({ input: n === 'x' ? 0 : 1 }), [0], 'euler', 0.1, [undefined]);
    const ring = new DelayRing(1, 2, 2, Float64Array.of(1, 0, 1, 0));
    const x0 = tf.tensor2d([[1, 0]]);
    const { states, token } = runSegment({
      B: 1, N: 2, elem: step.elem, feed: step.inputs.map((k) => (k === 0 ? { state: 0 } : { coupling: 0 })),
      sums: [{ delay: Int32Array.of(0, 0, 0, 0), off: Int32Array.of(0, 1, 0, 1) }], weights: Float64Array.of(0, 1, 1, 0),
      writes: [{ reads: [0], f: (v) => v[0], df: (_v, g) => { g[0] = 1; }, identity: true }],
    }, ring, ring.token(), [x0], [], 0, 10);
    expect(states.shape).toEqual([10, 1, 2]);
    const d = states.dataSync();
    expect(d[0]).toBeCloseTo(0.9, 6); expect(d[1]).toBeCloseTo(0.1, 6);
    expect(d[2]).toBeCloseTo(0.82, 6); expect(d[3]).toBeCloseTo(0.18, 6);
    for (let t = 0; t < 10; t++) expect(d[2 * t] + d[2 * t + 1]).toBeCloseTo(1, 6);
    for (const t of [x0, states, token]) t.dispose();
  });

  it('takeRows: the rows, and a gradient that is dy in those rows and zero elsewhere', () => {
    const x = tf.tensor3d(Float32Array.from({ length: 24 }, (_, i) => i), [4, 3, 2]);
    const y = takeRows(x, 1, 2);
    expect(y.shape).toEqual([2, 3, 2]);
    expect(Array.from(y.dataSync())).toEqual(Array.from({ length: 12 }, (_, i) => i + 6));
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(takeRows(t, 1, 2), 2)))(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from({ length: 24 }, (_, i) => (i >= 6 && i < 18 ? 2 : 0)));
    expect(() => takeRows(x, 3, 2)).toThrow(/rows \[3, 5\) are outside \[0, 4\)/);
    for (const t of [x, y, g]) t.dispose();
  });

  it('recordBlock equals record step by step (TemporalAverage, SubSample, Raw), in blocks that cut windows anywhere', () => {
    const ctx = { dt: 0.5, sFirst: 3, sLast: 60, nvoi: 2, N: 3, M: 1 };
    const K = ctx.sLast - ctx.sFirst + 1;
    const obs = tf.randomNormal([K, 2, 2, 3, 1], 0, 1, 'float32', 4); // [K, B, nvoi, N, M]
    const steps = tf.unstack(obs, 0);
    for (const spec of [{ name: 'TemporalAverage' as const, period: 3.5, voi: [1] }, { name: 'SubSample' as const, period: 2 }, { name: 'Raw' as const }]) {
      const m = createTensorMonitor(spec, ctx);
      let carry = m.initial(2);
      const one: tf.Tensor[] = [];
      steps.forEach((o, k) => { const r = m.record(ctx.sFirst + k, () => o, carry); carry = r.carry; if (r.sample) one.push(r.sample); });
      const ref = tf.stack(one, 1);
      let bc = m.initial(2);
      const got: tf.Tensor[] = [];
      for (const [a, b] of [[0, 5], [5, 6], [6, 20], [20, 41], [41, K]]) {
        const r = m.recordBlock!(ctx.sFirst + a, tf.slice(obs, [a], [b - a]), bc);
        expect(r).not.toBeNull();
        bc = r!.carry;
        if (r!.samples) got.push(r!.samples);
      }
      const blk = tf.concat(got, 1);
      expect(blk.shape, spec.name).toEqual(ref.shape);
      const d = tf.max(tf.abs(tf.sub(blk, ref))).dataSync()[0];
      expect(d, spec.name).toBeLessThan(1e-5);
      if (carry.length) expect(tf.max(tf.abs(tf.sub(bc[0], carry[0]))).dataSync()[0], `${spec.name} carry`).toBeLessThan(1e-5);
    }
  });
});
