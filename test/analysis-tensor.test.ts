/** tfjs versions of the analysis functions: same numbers as the float64 ones, exact gradients, no leaks. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  functionalConnectivity, fcCorrLossUpper, fcCorrLossFull, rmse, rowRmse, welch, periodogram, softPeakFrequency, spectralPeakLoss,
  tensorFc, tensorFcCorrLossUpper, tensorFcCorrLossFull, tensorRmse, tensorRowRmse, tensorWelch, tensorSoftPeakFrequency, tensorSpectralPeakLoss,
  type Series, ensureTfGradients,
} from '../src/analysis/index.js';

beforeAll(async () => { await tf.setBackend('cpu'); await ensureTfGradients(); });

function series(T: number, N: number, seed: number): Series {
  const data = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) {
    data[t * N + i] = Math.sin(0.31 * t * (1 + 0.17 * i) + seed * i) + 0.5 * Math.sin(0.05 * t + i) + 0.3 * Math.cos(1.7 * t * (i + seed) ** 0.5);
  }
  return { data, t: T, n: N };
}
const toT = (s: Series) => tf.tensor2d(Float32Array.from(s.data), [s.t, s.n]);
/** The float32 numbers the tensor sees, as a float64 series (so FD and tensor see the same input). */
const f32 = (s: Series): Series => ({ ...s, data: Float64Array.from(Float32Array.from(s.data)) });

describe('tensor FC and losses', () => {
  it('equal the float64 functions to float32 rounding', () => {
    const a = f32(series(120, 6, 1)), b = f32(series(120, 6, 2));
    const A = functionalConnectivity(a, { skip: 10 }), Bm = functionalConnectivity(b, { skip: 10 });
    const ta = tensorFc(toT(a), { skip: 10 }), tb = tensorFc(toT(b), { skip: 10 });
    const da = ta.dataSync();
    for (let q = 0; q < 36; q++) expect(Math.abs(da[q] - A.data[q])).toBeLessThan(2e-6);
    expect(Math.abs(tensorFcCorrLossUpper(ta, tb).dataSync()[0] - fcCorrLossUpper(A, Bm))).toBeLessThan(1e-5);
    expect(Math.abs(tensorFcCorrLossFull(ta, tb).dataSync()[0] - fcCorrLossFull(A, Bm))).toBeLessThan(1e-5);
    expect(Math.abs(tensorRmse(ta, tb).dataSync()[0] - rmse(A, Bm))).toBeLessThan(1e-6);
    const rr = tensorRowRmse(ta, tb).dataSync(), r64 = rowRmse(A, Bm);
    for (let i = 0; i < 6; i++) expect(Math.abs(rr[i] - r64[i])).toBeLessThan(1e-6);
    tf.dispose([ta, tb]);
  });

  it('gradient of 1 − corr_upper(FC(x), FC_emp) and of RMSE(FC(x), FC_emp) match float64 central differences', () => {
    const x = f32(series(80, 5, 3)), emp = functionalConnectivity(series(80, 5, 4));
    const empT = tf.tensor2d(Float32Array.from(emp.data), [5, 5]);
    for (const [name, lossT, loss64] of [
      ['corr', (fc: tf.Tensor) => tensorFcCorrLossUpper(fc, empT), (s: Series) => fcCorrLossUpper(functionalConnectivity(s), emp)],
      ['rmse', (fc: tf.Tensor) => tensorRmse(fc, empT), (s: Series) => rmse(functionalConnectivity(s), emp)],
    ] as const) {
      const g = tf.grad((xt: tf.Tensor) => lossT(tensorFc(xt)))(toT(x));
      const gd = g.dataSync();
      g.dispose();
      let worst = 0, scale = 0;
      for (const q of [0, 7, 33, 101, 250, 399]) {
        const h = 1e-6;
        const xp = { ...x, data: x.data.slice() }, xm = { ...x, data: x.data.slice() };
        xp.data[q] += h; xm.data[q] -= h;
        const fd = (loss64(xp) - loss64(xm)) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - gd[q]));
        scale = Math.max(scale, Math.abs(fd));
      }
      expect(scale, name).toBeGreaterThan(1e-4);
      expect(worst / scale, name).toBeLessThan(2e-3);
    }
    empT.dispose();
  });
});

describe('tensor spectra', () => {
  it('Welch and periodogram equal the float64 ones; soft peak too', () => {
    const x = f32(series(400, 3, 5));
    const sp = welch(x, 100, { nperseg: 64 });
    const tsp = tensorWelch(toT(x), 100, { nperseg: 64 });
    const p = tsp.power.dataSync();
    let mx = 0;
    for (const v of sp.power) mx = Math.max(mx, v);
    for (let q = 0; q < p.length; q++) expect(Math.abs(p[q] - sp.power[q])).toBeLessThan(3e-6 * mx);
    expect(Array.from(tsp.freqs)).toEqual(Array.from(sp.freqs));
    const pk = tensorSoftPeakFrequency(tsp, { beta: 20 }).dataSync(), pk64 = softPeakFrequency(sp, { beta: 20 });
    for (let i = 0; i < 3; i++) expect(Math.abs(pk[i] - pk64[i])).toBeLessThan(1e-3);
    const pg = periodogram(x, 100);
    const tpg = tensorWelch(toT(x), 100, { nperseg: 400, noverlap: 0, window: 'boxcar' });
    let m2 = 0;
    for (const v of pg.power) m2 = Math.max(m2, v);
    const d = tpg.power.dataSync();
    for (let q = 0; q < d.length; q++) expect(Math.abs(d[q] - pg.power[q])).toBeLessThan(3e-6 * m2);
    tf.dispose([tsp.power, tpg.power]);
  });

  it('gradient of the soft-argmax peak loss matches float64 central differences', () => {
    const x = f32(series(256, 2, 7));
    const fs = 50, target = [4, 6], opts = { beta: 10 };
    const g = tf.grad((xt: tf.Tensor) => {
      const sp = tensorWelch(xt, fs, { nperseg: 64 });
      const l = tensorSpectralPeakLoss(sp, target, opts);
      sp.power.dispose();
      return l;
    })(toT(x));
    const gd = g.dataSync();
    g.dispose();
    let worst = 0, scale = 0;
    for (const q of [3, 64, 200, 311, 500]) {
      const h = 1e-6;
      const xp = { ...x, data: x.data.slice() }, xm = { ...x, data: x.data.slice() };
      xp.data[q] += h; xm.data[q] -= h;
      const fd = (spectralPeakLoss(welch(xp, fs, { nperseg: 64 }), target, opts) - spectralPeakLoss(welch(xm, fs, { nperseg: 64 }), target, opts)) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - gd[q]));
      scale = Math.max(scale, Math.abs(fd));
    }
    expect(scale).toBeGreaterThan(1e-3);
    expect(worst / scale).toBeLessThan(5e-3);
  });

  it('repeated loss + gradient evaluations keep tf.memory().numTensors flat', () => {
    const x = toT(series(128, 4, 9));
    const emp = tensorFc(toT(series(128, 4, 10)));
    const step = () => {
      const g = tf.grad((xt: tf.Tensor) => {
        const sp = tensorWelch(xt, 100, { nperseg: 32 });
        const l = tf.add(tensorFcCorrLossUpper(tensorFc(xt), emp), tensorSpectralPeakLoss(sp, 10));
        sp.power.dispose();
        return l;
      })(x);
      g.dispose();
    };
    step();
    const before = tf.memory().numTensors;
    for (let k = 0; k < 20; k++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, emp]);
  });

  it('bad shapes are named', () => {
    const x = tf.zeros([10]);
    expect(() => tensorFc(x)).toThrow(/expected a \[T, N\] tensor/);
    expect(() => tensorWelch(tf.zeros([10, 2]), 100, { nperseg: 20 })).toThrow(/nperseg=20/);
    x.dispose();
  });
});

describe('tensor FCD and distribution distances', () => {
  it('FCD, KDE, KS and Wasserstein equal the float64 ones; the W1 gradient matches float64 finite differences', async () => {
    const { fcd, fcdValues, kdeDensity, ksDistance, wassersteinDistance } = await import('../src/analysis/index.js');
    const { tensorFcd, tensorUpperTriangle, tensorKdeDensity, tensorKsDistance, tensorWassersteinDistance } = await import('../src/analysis/index.js');
    const x = f32(series(90, 5, 11)), y = f32(series(90, 5, 12));
    const opts = { window: 30, step: 10 };
    const F = fcd(x, opts);
    const tF = tensorFcd(toT(x), opts);
    const d = tF.dataSync();
    for (let q = 0; q < d.length; q++) expect(Math.abs(d[q] - F.data[q])).toBeLessThan(2e-5);
    const target = kdeDensity(fcdValues(fcd(y, opts)));
    const pt = tensorKdeDensity(tensorUpperTriangle(tF));
    const p64 = kdeDensity(fcdValues(F));
    const pd = pt.density.dataSync();
    for (let q = 0; q < 100; q++) expect(Math.abs(pd[q] - p64.density[q])).toBeLessThan(1e-4 * Math.max(...p64.density));
    const tgt = tf.tensor1d(Float32Array.from(target.density));
    expect(Math.abs(tensorKsDistance(pt.density, tgt).dataSync()[0] - ksDistance(p64, target))).toBeLessThan(1e-5);
    const dx = target.x[1] - target.x[0];
    expect(Math.abs(tensorWassersteinDistance(pt.density, tgt, dx).dataSync()[0] - wassersteinDistance(p64, target))).toBeLessThan(1e-5);
    tf.dispose([tF, pt.density]);

    const loss64 = (s: Series) => wassersteinDistance(kdeDensity(fcdValues(fcd(s, opts))), target);
    const g = tf.grad((xt: tf.Tensor) => tensorWassersteinDistance(tensorKdeDensity(tensorUpperTriangle(tensorFcd(xt, opts))).density, tgt, dx))(toT(x));
    const gd = g.dataSync();
    g.dispose();
    let worst = 0, scale = 0;
    for (const q of [2, 40, 133, 251, 449]) {
      const h = 1e-6, xp = { ...x, data: x.data.slice() }, xm = { ...x, data: x.data.slice() };
      xp.data[q] += h; xm.data[q] -= h;
      const fdv = (loss64(xp) - loss64(xm)) / (2 * h);
      worst = Math.max(worst, Math.abs(fdv - gd[q]));
      scale = Math.max(scale, Math.abs(fdv));
    }
    expect(scale).toBeGreaterThan(1e-4);
    expect(worst / scale).toBeLessThan(1e-2);
    tgt.dispose();
  });
});
