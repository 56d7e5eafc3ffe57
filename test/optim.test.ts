/**
 * src/optim: each float64 optimiser against steps worked out by hand (closed forms for constant gradients, explicit
 * two-step arithmetic) and against tfjs's optimiser of the same rule over 20 steps of one gradient sequence
 * (float32 tolerance); the schedules' closed forms; purity and input errors.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { adam, adamW, adamax, adamaxW, sgd, rmsprop, applyUpdates, schedules, type Optimizer, type OptimizerState } from '../src/optim/index.js';
import { loadBackend } from '../src/backend/index.js';

/** Runs `steps` updates with the gradient g(k, x); returns the parameter trajectory (after each update). */
function run<S extends OptimizerState>(opt: Optimizer<S>, x0: number[], steps: number, g: (k: number, x: Float64Array) => number[]): Float64Array[] {
  let x = Float64Array.from(x0), st = opt.init(x);
  const out: Float64Array[] = [];
  for (let k = 0; k < steps; k++) {
    const r = opt.update(Float64Array.from(g(k, x)), st, x);
    x = applyUpdates(x, r.updates); st = r.state;
    out.push(x);
  }
  return out;
}

describe('float64 optimisers: steps by hand', () => {
  it('Adam and AdaMax move by lr·sign(g) per step under a constant gradient (bias correction is exact; ε = 0)', () => {
    for (const opt of [adam({ learningRate: 0.1, epsilon: 0 }), adamax({ learningRate: 0.1, epsilon: 0 })]) {
      const xs = run(opt, [1, -2], 7, () => [3, -0.25]);
      for (let t = 0; t < 7; t++) {
        expect(xs[t][0], opt.name).toBeCloseTo(1 - 0.1 * (t + 1), 14);
        expect(xs[t][1], opt.name).toBeCloseTo(-2 + 0.1 * (t + 1), 14);
      }
    }
  });

  it('Adam, two different gradients: second step by hand', () => {
    // g = 2 then 1: m2 = 0.9·0.2 + 0.1 = 0.28, v2 = 0.999·0.004 + 0.001 = 0.004996; corrections 0.19 and 0.001999
    const xs = run(adam({ learningRate: 0.05 }), [0], 2, (k) => [k === 0 ? 2 : 1]);
    const mhat = 0.28 / 0.19, vhat = 0.004996 / 0.001999;
    expect(xs[1][0]).toBeCloseTo(-0.05 * (2 / (2 + 1e-8)) - 0.05 * mhat / (Math.sqrt(vhat) + 1e-8), 14);
  });

  it('AdaMax keeps the decayed infinity norm when the gradient drops: g = 4 then 0', () => {
    const xs = run(adamax({ learningRate: 0.1, epsilon: 0 }), [0], 2, (k) => [k === 0 ? 4 : 0]);
    // step 2: μ = 0.36, ν = max(0.999·4, 0) = 3.996, m̂ = 0.36/0.19
    expect(xs[1][0]).toBeCloseTo(-0.1 - 0.1 * (0.36 / 0.19) / 3.996, 14);
  });

  it('AdamW and AdaMaxW with a zero gradient shrink x geometrically by (1 − lr·wd)', () => {
    for (const opt of [adamW({ learningRate: 0.1, weightDecay: 0.5 }), adamaxW({ learningRate: 0.1, weightDecay: 0.5 })]) {
      const xs = run(opt, [2, -1], 10, () => [0, 0]);
      expect(xs[9][0], opt.name).toBeCloseTo(2 * 0.95 ** 10, 14);
      expect(xs[9][1], opt.name).toBeCloseTo(-(0.95 ** 10), 14);
    }
    // the decay adds to the AdaMax step: one step from x = 1 with g = 0.5
    const x1 = run(adamaxW({ learningRate: 0.1, weightDecay: 0.01 }), [1], 1, () => [0.5]);
    expect(x1[0][0]).toBeCloseTo(1 - 0.1 * (0.5 / (0.5 + 1e-8) + 0.01), 14);
  });

  it('SGD on x²/2 contracts by (1 − lr); heavy-ball momentum under a constant gradient sums a geometric series', () => {
    const xs = run(sgd({ learningRate: 0.3 }), [5], 12, (_k, x) => [x[0]]);
    expect(xs[11][0]).toBeCloseTo(5 * 0.7 ** 12, 13);
    const mu = 0.9, T = 15;
    const hb = run(sgd({ learningRate: 0.01, momentum: mu }), [0], T, () => [2]);
    // x_T = −lr·g·Σ_{t=1..T} (1 − μ^t)/(1 − μ)
    expect(hb[T - 1][0]).toBeCloseTo((-0.01 * 2 / (1 - mu)) * (T - (mu * (1 - mu ** T)) / (1 - mu)), 13);
    // Nesterov, first step: −lr·(g + μ·g)
    expect(run(sgd({ learningRate: 0.01, momentum: mu, nesterov: true }), [0], 1, () => [2])[0][0]).toBeCloseTo(-0.01 * 2 * 1.9, 15);
  });

  it('RMSProp (plain and centered) under a constant gradient, ε = 0', () => {
    const rho = 0.9, T = 6;
    const plain = run(rmsprop({ learningRate: 0.01, epsilon: 0 }), [0], T, () => [-3]);
    const centered = run(rmsprop({ learningRate: 0.01, epsilon: 0, centered: true }), [0], T, () => [-3]);
    let p = 0, c = 0;
    for (let t = 1; t <= T; t++) {
      p += 0.01 / Math.sqrt(1 - rho ** t); // s_t = g²(1 − ρ^t)
      c += 0.01 / Math.sqrt((1 - rho ** t) * rho ** t); // s_t − ḡ_t² = g²(1 − ρ^t)ρ^t
      expect(plain[t - 1][0]).toBeCloseTo(p, 13);
      expect(centered[t - 1][0]).toBeCloseTo(c, 12);
    }
  });

  it('a schedule scales each update by its rate at the update count', () => {
    const T = 8, sch = schedules.cosine(T, 0.001);
    const opt = adam({ learningRate: 0.1, epsilon: 0, schedule: sch });
    const xs = run(opt, [0], T, () => [-1]);
    let want = 0;
    for (let k = 0; k < T; k++) { want += sch(k, 0.1); expect(xs[k][0]).toBeCloseTo(want, 14); }
    expect(opt.rate(3)).toBe(sch(3, 0.1));
  });

  it('update is pure: grads, params and state are left unchanged', () => {
    for (const opt of [adam({ learningRate: 0.1 }), adamaxW({ learningRate: 0.1 }), sgd({ learningRate: 0.1, momentum: 0.5 }), rmsprop({ learningRate: 0.1, centered: true, momentum: 0.5 })]) {
      const x = Float64Array.of(1, 2), g = Float64Array.of(0.5, -0.5);
      const s1 = opt.update(g, opt.init(x), x).state;
      const snap = JSON.stringify(s1, (_k, v) => (v instanceof Float64Array ? Array.from(v) : v));
      const r = opt.update(g, s1, x);
      expect(Array.from(x)).toEqual([1, 2]);
      expect(Array.from(g)).toEqual([0.5, -0.5]);
      expect(JSON.stringify(s1, (_k, v) => (v instanceof Float64Array ? Array.from(v) : v)), opt.name).toBe(snap);
      expect(r.state.count).toBe(2);
      // the same call gives the same answer
      expect(Array.from(opt.update(g, s1, x).updates)).toEqual(Array.from(r.updates));
    }
  });

  it('bad input is named before any work', () => {
    expect(() => adam({ learningRate: 0 })).toThrow(/adam: learningRate=0; expected a finite number > 0/);
    expect(() => adam({ learningRate: 0.1, beta1: 1 })).toThrow(/adam: beta1=1; expected a number in \[0, 1\)/);
    expect(() => adamaxW({ learningRate: 0.1, weightDecay: -1 })).toThrow(/adamaxw: weightDecay=-1/);
    expect(() => sgd({ learningRate: 0.1, momentum: 1.5 })).toThrow(/momentum: momentum=1.5/);
    expect(() => rmsprop({ learningRate: 0.1, decay: -0.1 })).toThrow(/rmsprop: decay=-0.1/);
    const opt = adam({ learningRate: 0.1 });
    expect(() => opt.update([1, 2, 3], opt.init(2))).toThrow(/adam.update: grads has 3 entries, the state 2/);
    const w = adamW({ learningRate: 0.1 });
    expect(() => w.update([1, 2], w.init(2))).toThrow(/adamw.update: params are required/);
    expect(() => applyUpdates([1], [1, 2])).toThrow(/applyUpdates: params has 1 entries, updates 2/);
  });
});

describe('float64 optimisers against tfjs (20 steps of one gradient sequence, float32 tolerance)', () => {
  beforeAll(async () => { await loadBackend('cpu'); });

  // a fixed, sign-changing gradient sequence for 3 parameters with different scales
  const grad = (k: number): number[] => [Math.sin(0.7 * k + 1) * 2, Math.cos(1.3 * k) * 0.05, 0.3 + 0.2 * Math.sin(k)];

  function tfjsRun(opt: tf.Optimizer, x0: number[], steps: number): number[][] {
    const v = tf.variable(tf.tensor1d(x0, 'float32'), true, `optim_test_${Math.random().toString(36).slice(2)}`);
    const out: number[][] = [];
    try {
      for (let k = 0; k < steps; k++) {
        tf.tidy(() => opt.applyGradients({ [v.name]: tf.tensor1d(grad(k), 'float32') }));
        out.push(Array.from(v.dataSync()));
      }
    } finally {
      // (tfjs 4.22's MomentumOptimizer.dispose leaves SGD's learning-rate scalar behind; not ours to count)
      opt.dispose();
      v.dispose();
    }
    return out;
  }

  const cases: [string, () => Optimizer, () => tf.Optimizer][] = [
    ['adam', () => adam({ learningRate: 0.05, epsilon: 1e-6 }), () => tf.train.adam(0.05, 0.9, 0.999, 1e-6)],
    ['adam β', () => adam({ learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }), () => tf.train.adam(0.02, 0.8, 0.99, 1e-6)],
    // tfjs adds ε after the max, optax (and this module) before: the same to float32 precision at ε = 1e-8
    ['adamax', () => adamax({ learningRate: 0.05 }), () => tf.train.adamax(0.05, 0.9, 0.999, 1e-8)],
    ['sgd', () => sgd({ learningRate: 0.1 }), () => tf.train.sgd(0.1)],
    ['momentum', () => sgd({ learningRate: 0.1, momentum: 0.8 }), () => tf.train.momentum(0.1, 0.8)],
    ['nesterov', () => sgd({ learningRate: 0.1, momentum: 0.8, nesterov: true }), () => tf.train.momentum(0.1, 0.8, true)],
    ['rmsprop', () => rmsprop({ learningRate: 0.01, epsilon: 1e-6 }), () => tf.train.rmsprop(0.01, 0.9, 0, 1e-6)],
    ['rmsprop momentum', () => rmsprop({ learningRate: 0.01, decay: 0.95, momentum: 0.5, epsilon: 1e-6 }), () => tf.train.rmsprop(0.01, 0.95, 0.5, 1e-6)],
    // tfjs 4.22 subtracts ε inside the centered square root (TensorFlow adds it); ε = 0 compares the rule itself
    ['rmsprop centered', () => rmsprop({ learningRate: 0.01, centered: true, epsilon: 0 }), () => tf.train.rmsprop(0.01, 0.9, 0, 0, true)],
  ];

  it.each(cases)('%s', (_name, ours, theirs) => {
    const x0 = [0.5, -1.25, 3];
    const steps = 20;
    const want = tfjsRun(theirs(), x0, steps);
    const got = run(ours(), x0, steps, grad);
    let worst = 0;
    for (let k = 0; k < steps; k++) {
      for (let i = 0; i < 3; i++) {
        const moved = Math.abs(got[k][i] - x0[i]);
        expect(moved, `step ${k} entry ${i} has not moved`).toBeGreaterThan(1e-4);
        worst = Math.max(worst, Math.abs(got[k][i] - want[k][i]) / Math.max(1, Math.abs(x0[i])));
      }
    }
    // float32 state and arithmetic over 20 steps: a few float32 ulps of the parameters' scale
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('schedules', () => {
  it('warmupCosine: linear warm-up, then cosine from lr to minLr', () => {
    const s = schedules.warmupCosine(4, 14, 0.01);
    expect(s(0, 0.1)).toBeCloseTo(0.025, 15);
    expect(s(3, 0.1)).toBeCloseTo(0.1, 15);
    expect(s(4, 0.1)).toBeCloseTo(0.1, 15);
    expect(s(9, 0.1)).toBeCloseTo(0.055, 15);
    expect(s(14, 0.1)).toBeCloseTo(0.01, 15);
    expect(s(40, 0.1)).toBeCloseTo(0.01, 15);
  });

  it('bad arguments are named', () => {
    expect(() => schedules.cosine(0)).toThrow(/schedules.cosine: total=0; expected a positive integer/);
    expect(() => schedules.linearWarmup(2.5)).toThrow(/schedules.linearWarmup: steps=2.5/);
    expect(() => schedules.exponentialDecay(-1)).toThrow(/schedules.exponentialDecay: rate=-1; expected > 0/);
    expect(() => schedules.warmupCosine(5, 5)).toThrow(/total=5; expected an integer above warmup=5/);
  });
});
