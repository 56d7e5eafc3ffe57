/**
 * The reduced Wong–Wang transfer function H = y / (1 − exp(−d y)), y = a x − b, is 0/0 at y = 0.
 * In float32, y computed as a·x − b is exactly 0 for some x near b/a, so a gradient fit of RWW through
 * the tensor engine met a NaN after a few steps (the regional fit of issue #6). These tests put x on
 * every float32 value around b/a and compare H and dH/dx with float64 closed forms, and check the
 * engine's run and gradient for regions driven at the threshold against the float64 kernel.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend } from '../src/backend/index.js';
import { ensureTfGradients } from '../src/analysis/tf-gradients.js';
import { parseExpr } from '../src/expr/index.js';
import { compileTensorExpr, ScalarPool } from '../src/tensor/expr.js';
import { TensorSimulator } from '../src/tensor/index.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { Connectivity } from '../src/network/connectivity.js';

const a = 0.27, b = 0.108, d = 154;
/** H(y) and dH/dy in float64, with the removable singularity's limits. */
function h64(y: number): [number, number] {
  const t = d * y;
  if (Math.abs(t) < 1e-6) return [1 / d + y / 2, 0.5];
  const e = Math.exp(-t), den = 1 - e;
  return [y / den, (den - t * e) / (den * den)];
}

/** 2001 consecutive float32 values centred on fround(b/a). */
function float32Around(x0: number, half: number): Float32Array {
  const f = new Float32Array(1), u = new Uint32Array(f.buffer);
  f[0] = x0;
  const base = u[0];
  const out = new Float32Array(2 * half + 1);
  for (let k = -half; k <= half; k++) { u[0] = base + k; out[k + half] = f[0]; }
  return out;
}

describe.each(['cpu', 'wasm'])('RWW transfer function at threshold on %s', { timeout: 30000 }, (backend) => {
  beforeAll(async () => { await loadBackend(backend); await ensureTfGradients(); });

  it('H and dH/dx are finite and equal the float64 values on every float32 x around b/a (a·x − b = 0 for one of them)', () => {
    const xs = float32Around(b / a, 1000);
    // the hazard is real: the naive float32 quotient gives a NaN here
    const naive = tf.tidy(() => { const y = tf.sub(tf.mul(a, tf.tensor1d(xs)), b); return tf.div(y, tf.sub(1, tf.exp(tf.mul(-d, y)))).dataSync(); });
    expect(Array.from(naive).some((v) => Number.isNaN(v))).toBe(true);

    const pool = new ScalarPool();
    const c = compileTensorExpr(parseExpr('(a * x - b) / (1 - exp(-d * (a * x - b)))'), (n) => (n === 'x' ? { slot: 0 } : ({ a, b, d } as Record<string, number>)[n]), pool);
    const x = tf.tensor1d(xs);
    const { value, grads } = tf.valueAndGrads((xx: tf.Tensor) => tf.sum(c.eval!([xx])))([x]);
    const h = tf.tidy(() => c.eval!([x]).dataSync());
    const g = grads[0].dataSync();
    let eh = 0, eg = 0;
    for (let k = 0; k < xs.length; k++) {
      const y = Math.fround(Math.fround(Math.fround(a) * xs[k]) - Math.fround(b)); // the float32 y the engine computes
      const [hv, dh] = h64(y);
      eh = Math.max(eh, Math.abs(h[k] - hv) / Math.abs(hv));
      eg = Math.max(eg, Math.abs(g[k] - a * dh) / (a * 0.5));
    }
    expect(eh).toBeLessThan(1e-5);
    expect(eg).toBeLessThan(1e-3);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    // far from threshold too (t = ±30, no overflow for t ≪ 0 either)
    const far = tf.tensor1d([(b - 30 / d) / a, (b + 30 / d) / a, (b - 2) / a]);
    const hf = tf.tidy(() => c.eval!([far]).dataSync());
    const fx = far.dataSync();
    for (let k = 0; k < 3; k++) {
      const [hv] = h64(Math.fround(Math.fround(Math.fround(a) * fx[k]) - Math.fround(b)));
      expect(Math.abs(hf[k] - hv)).toBeLessThan(1e-6 * Math.max(Math.abs(hv), 1e-3));
    }
    for (const t of [x, value, ...grads, far]) t.dispose();
    pool.dispose();
  });

  it('regions driven at the threshold: the engine run and its gradient d/dI_o equal the float64 kernel', () => {
    // x starts at I_o (S = 0, w = 0, no coupling), I_o a float32 value with float32 a·I_o − b = 0.
    // (A forward NaN of H would be swallowed by S's clamp to [0, 1]; its gradient would not, and Adam
    // then moves every parameter to NaN.)
    const xs = float32Around(b / a, 1000);
    const ys = tf.tidy(() => tf.sub(tf.mul(a, tf.tensor1d(xs)), b).dataSync());
    const I0 = xs[ys.findIndex((v) => v === 0)];
    expect(I0).toBeDefined();
    const n = 2;
    const conn = new Connectivity({ n, weights: new Float64Array(n * n), tractLengths: new Float64Array(n * n) });
    const cfg = (I_o: number) => ({
      model: 'ReducedWongWang', parameters: { I_o, w: 0 }, connectivity: conn, coupling: 'Linear',
      integrator: { name: 'Heun' as const, dt: 1 }, initialConditions: { history: new Float64Array(n) }, duration: 20,
      monitors: [{ name: 'Raw' as const }],
    });
    const sim = new TensorSimulator(cfg(I0));
    const io = tf.tensor1d([I0, I0]);
    const { value, grads } = sim.valueAndGrad((out) => tf.sum(out.monitors[0].data) as tf.Scalar, { I_o: io });
    const g = grads.I_o.dataSync();
    const sum64 = (I_o: number) => simulateSync(cfg(I_o)).monitors[0].data.reduce((p, q) => p + q, 0);
    const h = 1e-7, fd = (sum64(I0 + h) - sum64(I0 - h)) / (2 * h) / n;
    expect(Math.abs(value - sum64(I0)) / sum64(I0)).toBeLessThan(1e-5);
    for (const gk of g) {
      expect(Number.isFinite(gk)).toBe(true);
      expect(Math.abs(gk - fd) / Math.abs(fd)).toBeLessThan(1e-3);
    }
    io.dispose();
    for (const t of Object.values(grads)) t.dispose();
    sim.dispose();
  });
});
