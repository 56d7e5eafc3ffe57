/** Tensor (tfjs) BOLD: same numbers as the float64 streaming forms, exact gradients, no leaked tensors. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureTfGradients } from '../src/analysis/index.js';
import {
  TvbBold, BalloonBold, boldFromTrajectory, tensorBold, createTensorBoldMonitor, createTensorBalloonMonitor,
  type TensorBoldMonitor,
} from '../src/observation/index.js';

beforeAll(async () => { await tf.setBackend('cpu'); await ensureTfGradients(); });

/** Neural input: W channels, row k = step firstStep + k, float32-representable. */
function input(T: number, W: number): Float64Array {
  const x = new Float64Array(T * W);
  for (let k = 0; k < T; k++) for (let c = 0; c < W; c++) x[k * W + c] = Math.fround(0.4 + 0.3 * Math.sin(0.013 * k * (c + 1)) + 0.1 * Math.cos(0.2 * k + c));
  return x;
}

/** Drives a tensor monitor the way the tensor engine does (fresh carry per step, old one disposed). */
function drive(mon: TensorBoldMonitor, x: Float64Array, W: number, s0: number, B = 1): { samples: Float32Array[]; carryEnd: number } {
  let carry = mon.initial(B);
  const samples: Float32Array[] = [];
  const T = x.length / W;
  for (let k = 0; k < T; k++) {
    const r = tf.tidy(() => {
      const obs = () => tf.tile(tf.tensor(Float32Array.from(x.subarray(k * W, (k + 1) * W)), [1, 1, W, 1]), [B, 1, 1, 1]);
      const out = mon.record(s0 + k, obs, carry);
      return { c: out.carry.map((t) => tf.keep(t)), s: out.sample ? tf.keep(out.sample) : undefined };
    });
    tf.dispose(carry);
    carry = r.c;
    if (r.s) { samples.push(r.s.dataSync() as Float32Array); r.s.dispose(); }
  }
  tf.dispose(carry);
  return { samples, carryEnd: carry.length };
}

/** Drives a monitor through recordBlock in stretches of irregular lengths, as the segmented engine does. */
function driveBlocks(mon: TensorBoldMonitor, x: Float64Array, W: number, s0: number, B = 1): Float32Array[] {
  let carry = mon.initial(B);
  const samples: Float32Array[] = [];
  const T = x.length / W;
  const lens = [1, 7, 64, 333, 2, 1000];
  for (let k = 0, i = 0; k < T; i++) {
    const L = Math.min(lens[i % lens.length], T - k);
    const r = tf.tidy(() => {
      const obs = tf.tile(tf.tensor(Float32Array.from(x.subarray(k * W, (k + L) * W)), [L, 1, 1, W, 1]), [1, B, 1, 1, 1]);
      const out = mon.recordBlock!(s0 + k, obs, carry)!;
      return { c: out.carry.map((t) => tf.keep(t)), s: out.samples ? tf.keep(out.samples) : undefined };
    });
    tf.dispose(carry);
    carry = r.c;
    if (r.s) {
      const [, E] = r.s.shape;
      const d = r.s.dataSync() as Float32Array;
      // [B, E, V, N, M] → one sample per emitted step, batch elements side by side as in drive()
      for (let e = 0; e < E!; e++) {
        const one = new Float32Array(B * W);
        for (let b = 0; b < B; b++) one.set(d.subarray((b * E! + e) * W, (b * E! + e + 1) * W), b * W);
        samples.push(one);
      }
      r.s.dispose();
    }
    k += L;
  }
  tf.dispose(carry);
  return samples;
}

describe('tensor TVB Bold', () => {
  const cases = [
    { dt: 0.5, period: 250, hrfLength: 400, s0: 103, T: 2400 }, // period a multiple of the 4 ms block
    { dt: 1, period: 6, hrfLength: 40, s0: 5, T: 120 }, // period not a multiple of the block, several outputs per ring
    { dt: 1, period: 2000, hrfLength: 20000, s0: 1, T: 6000, kernel: 'Gamma' as const },
  ];
  it('streaming monitor and pure function equal the float64 TvbBold', () => {
    for (const c of cases) {
      const W = 3;
      const x = input(c.T, W);
      const ref = boldFromTrajectory(x, { dt: c.dt, period: c.period, width: W, hrfLength: c.hrfLength, firstStep: c.s0, kernel: c.kernel });
      expect(ref.time.length).toBeGreaterThan(2);
      let mx = 0;
      for (const v of ref.data) mx = Math.max(mx, Math.abs(v));
      const mon = createTensorBoldMonitor({ name: 'Bold', period: c.period, hrfLength: c.hrfLength, hrfKernel: c.kernel }, { dt: c.dt, sFirst: c.s0, sLast: c.s0 + c.T - 1, nvoi: 1, N: W, M: 1 });
      expect(Array.from(mon.time)).toEqual(Array.from(ref.time));
      const { samples } = drive(mon, x, W, c.s0, 2);
      expect(samples.length).toBe(ref.time.length);
      samples.forEach((s, k) => {
        for (let q = 0; q < W; q++) {
          expect(Math.abs(s[q] - ref.data[k * W + q])).toBeLessThan(1e-5 * mx + 1e-7);
          expect(s[W + q]).toBe(s[q]); // second batch element, same input
        }
      });
      const xt = tf.tensor2d(Float32Array.from(x), [c.T, W]);
      const pure = tensorBold(xt, { dt: c.dt, period: c.period, hrfLength: c.hrfLength, firstStep: c.s0, kernel: c.kernel });
      expect(Array.from(pure.time)).toEqual(Array.from(ref.time));
      const d = pure.bold.dataSync();
      for (let q = 0; q < d.length; q++) expect(Math.abs(d[q] - ref.data[q])).toBeLessThan(1e-5 * mx + 1e-7);
      tf.dispose([xt, pure.bold]);
    }
  });

  it('gradient of Σ w·BOLD w.r.t. the neural input equals float64 finite differences (BOLD is linear: exact)', () => {
    const dt = 1, W = 2, T = 300, opts = { dt, period: 100, hrfLength: 200, firstStep: 1 };
    const x = input(T, W);
    const wts = Float64Array.from({ length: 3 * W }, (_, q) => Math.cos(q));
    const f64 = (xx: Float64Array) => {
      const b = boldFromTrajectory(xx, { ...opts, width: W });
      return b.data.reduce((a, v, q) => a + v * wts[q], 0);
    };
    const g = tf.grad((xt: tf.Tensor) => {
      const { bold } = tensorBold(xt, opts);
      return tf.sum(tf.mul(bold, tf.tensor2d(Float32Array.from(wts), [3, W])));
    })(tf.tensor2d(Float32Array.from(x), [T, W]));
    const gd = g.dataSync();
    g.dispose();
    for (const q of [0, 5, 17, 200, 401, 599]) {
      const xp = x.slice(), xm = x.slice();
      xp[q] += 1e-3; xm[q] -= 1e-3;
      const fd = (f64(xp) - f64(xm)) / 2e-3;
      expect(Math.abs(gd[q] - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
    }
  });

  it('fed during a transient (steps before sFirst) it warms up and emits only from sFirst', () => {
    const W = 2, T = 900, s0 = 1, sFirst = 301, dt = 1;
    const x = input(T, W);
    const ref = boldFromTrajectory(x, { dt, period: 50, width: W, hrfLength: 400, firstStep: s0 });
    const keep = Array.from(ref.time).map((t, k) => [t, k] as const).filter(([t]) => t / dt >= sFirst);
    const mon = createTensorBoldMonitor({ name: 'Bold', period: 50, hrfLength: 400 }, { dt, sFirst, sLast: T, nvoi: 1, N: W, M: 1 });
    expect(Array.from(mon.time)).toEqual(keep.map(([t]) => t));
    const { samples } = drive(mon, x, W, s0);
    expect(samples.length).toBe(keep.length);
    let mx = 0;
    for (const v of ref.data) mx = Math.max(mx, Math.abs(v));
    keep.forEach(([, k], i) => { for (let q = 0; q < W; q++) expect(Math.abs(samples[i][q] - ref.data[k * W + q])).toBeLessThan(1e-5 * mx); });
  });

  it('recordBlock over stretches of any length equals step-by-step recording, transient included', () => {
    const all = [...cases.map((c) => ({ ...c, sFirst: c.s0 })), { dt: 1, period: 50, hrfLength: 400, s0: 1, T: 900, sFirst: 301 }];
    for (const c of all) {
      const W = 3;
      const x = input(c.T, W);
      const mk = () => createTensorBoldMonitor({ name: 'Bold', period: c.period, hrfLength: c.hrfLength, hrfKernel: (c as { kernel?: 'Gamma' }).kernel }, { dt: c.dt, sFirst: c.sFirst, sLast: c.s0 + c.T - 1, nvoi: 1, N: W, M: 1 });
      const step = drive(mk(), x, W, c.s0, 2).samples;
      const before = tf.memory().numTensors;
      const block = driveBlocks(mk(), x, W, c.s0, 2);
      expect(tf.memory().numTensors).toBe(before);
      expect(block.length).toBe(step.length);
      let mx = 0;
      for (const v of step) for (const q of v) mx = Math.max(mx, Math.abs(q));
      block.forEach((b, k) => { for (let q = 0; q < b.length; q++) expect(Math.abs(b[q] - step[k][q])).toBeLessThan(2e-6 * mx); });
    }
  });

  it('streaming keeps tf.memory().numTensors flat (carry only)', () => {
    const W = 4, T = 400;
    const x = input(T, W);
    const mon = createTensorBoldMonitor({ name: 'Bold', period: 40, hrfLength: 100 }, { dt: 0.5, sFirst: 1, sLast: T, nvoi: 1, N: W, M: 1 });
    drive(mon, x, W, 1);
    const before = tf.memory().numTensors;
    drive(mon, x, W, 1);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('tensor Balloon–Windkessel', () => {
  it('monitor equals the float64 BalloonBold; gradient w.r.t. an input gain matches finite differences', () => {
    const dt = 1, W = 2, T = 3000, period = 500;
    const x = input(T, W);
    const ref = new BalloonBold({ dt, period, width: W });
    const want: number[] = [];
    for (let k = 0; k < T; k++) { const y = ref.update(k + 1, x, k * W); if (y) want.push(...y); }
    const mon = createTensorBalloonMonitor({ name: 'BalloonWindkessel', period }, { dt, sFirst: 1, sLast: T, nvoi: 1, N: W, M: 1 });
    const { samples } = drive(mon, x, W, 1);
    const got = samples.flatMap((s) => Array.from(s));
    expect(got.length).toBe(want.length);
    let mx = 0;
    for (const v of want) mx = Math.max(mx, Math.abs(v));
    for (let q = 0; q < got.length; q++) expect(Math.abs(got[q] - want[q])).toBeLessThan(2e-4 * mx);

    // d/dg of the last BOLD sample of channel 0 for input g·x (a short run keeps the tape small)
    const Ts = 400, g0 = 1.3;
    const mon2 = createTensorBalloonMonitor({ name: 'BalloonWindkessel', period: Ts, dtBw: 2 }, { dt, sFirst: 1, sLast: Ts, nvoi: 1, N: 1, M: 1 });
    const lastBold = (gain: tf.Tensor) => {
      let carry = mon2.initial(1);
      let out: tf.Tensor | undefined;
      for (let k = 0; k < Ts; k++) {
        const r = mon2.record(k + 1, () => tf.mul(gain, tf.tensor(x[k * W] * 10, [1, 1, 1, 1])), carry);
        carry = r.carry;
        if (r.sample) out = r.sample;
      }
      return tf.sum(out!);
    };
    const grad = tf.tidy(() => tf.grad(lastBold)(tf.scalar(g0)).dataSync()[0]);
    const f64 = (gain: number) => {
      const bw = new BalloonBold({ dt, period: Ts, dtBw: 2, width: 1 });
      let y = 0;
      for (let k = 0; k < Ts; k++) { const o = bw.update(k + 1, [gain * x[k * W] * 10]); if (o) y = o[0]; }
      return y;
    };
    const fd = (f64(g0 + 1e-4) - f64(g0 - 1e-4)) / 2e-4;
    expect(Math.abs(fd)).toBeGreaterThan(1e-4);
    expect(Math.abs(grad - fd) / Math.abs(fd)).toBeLessThan(2e-3);
  });
});
