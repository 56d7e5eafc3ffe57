/**
 * Differentiable (tfjs) versions of the analysis functions, for fitting through the tensor engine:
 * FC, FC losses, RMSE, power spectra and soft-argmax peak frequency. Same definitions as the
 * float64 functions in this folder (so their results agree to float32 rounding); every function
 * is pure and cleans up its intermediates (tf.tidy), leaving only the returned tensor.
 *
 * Spectra use the DFT as a matrix product (cos/sin tables) rather than tf.spectral.rfft so that
 * gradients flow on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { welchSegments, type WindowName } from './spectra.js';

function check2d(x: tf.Tensor, what: string): void {
  if (x.rank !== 2) throw new Error(`${what}: expected a [T, N] tensor, got shape [${x.shape.join(', ')}]`);
}

/**
 * Pearson FC [N, N] of a [T, N] tensor with zero diagonal, after dropping `skip` samples.
 * Differentiable; a constant channel gives NaN-free zeros only if eps > 0 (default 1e-12 on the
 * variance, below float32 resolution of any real signal).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorFc } from 'vbt';
 * const fc = tensorFc(tf.tensor2d([[1, 2], [2, 4], [3, 7]])); // [[0, .99], [.99, 0]]
 * ```
 */
export function tensorFc(x: tf.Tensor, opts: { skip?: number; eps?: number } = {}): tf.Tensor2D {
  check2d(x, 'tensorFc');
  const skip = opts.skip ?? 0;
  const [T, N] = x.shape as [number, number];
  if (!Number.isInteger(skip) || skip < 0 || T - skip < 2) throw new Error(`tensorFc: skip=${skip} leaves ${T - skip} of ${T} samples; need at least 2`);
  return tf.tidy(() => {
    const xs = skip > 0 ? tf.slice(x, [skip, 0], [T - skip, N]) : x;
    const xc = tf.sub(xs, tf.mean(xs, 0, true));
    const cov = tf.matMul(xc, xc, true, false);
    const v = tf.add(tf.sum(tf.square(xc), 0), opts.eps ?? 1e-12);
    const d = tf.sqrt(v);
    const corr = tf.div(cov, tf.outerProduct(d as tf.Tensor1D, d as tf.Tensor1D));
    return tf.mul(corr, tf.sub(1, tf.eye(N))) as tf.Tensor2D;
  });
}

function pearsonT(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  const ac = tf.sub(a, tf.mean(a)), bc = tf.sub(b, tf.mean(b));
  return tf.div(tf.sum(tf.mul(ac, bc)), tf.sqrt(tf.mul(tf.sum(tf.square(ac)), tf.sum(tf.square(bc))))) as tf.Scalar;
}

function upperMask(n: number): tf.Tensor1D {
  const idx: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) idx.push(i * n + j);
  return tf.tensor1d(idx, 'int32');
}

/**
 * 1 − Pearson correlation over the strict upper triangles (i < j) of two FC tensors.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorFc, tensorFcCorrLossUpper } from 'vbt';
 * const n = 3, bold = tf.tensor2d(Array.from({ length: 120 * n }, (_, k) => Math.sin(k / 7) + Math.cos(k / 3)), [120, n]); // [T, N]
 * const empFc = [1, 0.5, 0.2, 0.5, 1, 0.3, 0.2, 0.3, 1];
 * const loss = tensorFcCorrLossUpper(tensorFc(bold), tf.tensor2d(empFc, [n, n]));
 * ```
 */
export function tensorFcCorrLossUpper(sim: tf.Tensor, emp: tf.Tensor): tf.Scalar {
  const n = sim.shape[0];
  if (sim.rank !== 2 || !sim.shape.every((s, k) => s === emp.shape[k])) throw new Error(`tensorFcCorrLossUpper: shapes [${sim.shape}] and [${emp.shape}]; expected two N×N tensors`);
  return tf.tidy(() => {
    const idx = upperMask(n);
    return tf.sub(1, pearsonT(tf.gather(tf.reshape(sim, [-1]), idx), tf.gather(tf.reshape(emp, [-1]), idx))) as tf.Scalar;
  });
}

/**
 * 1 − Pearson correlation over all N² entries of two FC tensors (tvboptim's fc_corr variant).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorFc, tensorFcCorrLossFull } from 'vbt';
 * const n = 3, bold = tf.tensor2d(Array.from({ length: 120 * n }, (_, k) => Math.sin(k / 7) + Math.cos(k / 3)), [120, n]); // [T, N]
 * const empFc = [1, 0.5, 0.2, 0.5, 1, 0.3, 0.2, 0.3, 1];
 * const loss = tensorFcCorrLossFull(tensorFc(bold), tf.tensor2d(empFc, [n, n]));
 * ```
 */
export function tensorFcCorrLossFull(sim: tf.Tensor, emp: tf.Tensor): tf.Scalar {
  if (!sim.shape.every((s, k) => s === emp.shape[k])) throw new Error(`tensorFcCorrLossFull: shapes [${sim.shape}] and [${emp.shape}] differ`);
  return tf.tidy(() => tf.sub(1, pearsonT(sim, emp)) as tf.Scalar);
}

/**
 * sqrt(mean((a − b)²)) over all entries.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorRmse } from 'vbt';
 * tensorRmse(tf.tensor1d([0, 0]), tf.tensor1d([3, 4])); // sqrt(12.5)
 * ```
 */
export function tensorRmse(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  if (!a.shape.every((s, k) => s === b.shape[k]) || a.rank !== b.rank) throw new Error(`tensorRmse: shapes [${a.shape}] and [${b.shape}] differ`);
  return tf.tidy(() => tf.sqrt(tf.mean(tf.square(tf.sub(a, b)))) as tf.Scalar);
}

/**
 * Row-wise RMSE [N] of two [N, N] tensors.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorFc, tensorRowRmse } from 'vbt';
 * const bold = tf.tensor2d(Array.from({ length: 120 * 3 }, (_, k) => Math.sin(k / 7) + Math.cos(k / 3)), [120, 3]); // [T, N]
 * const empFcTensor = tf.tensor2d([1, 0.5, 0.2, 0.5, 1, 0.3, 0.2, 0.3, 1], [3, 3]);
 * tensorRowRmse(tensorFc(bold), empFcTensor); // [N]
 * ```
 */
export function tensorRowRmse(a: tf.Tensor, b: tf.Tensor): tf.Tensor1D {
  if (a.rank !== 2 || !a.shape.every((s, k) => s === b.shape[k])) throw new Error(`tensorRowRmse: shapes [${a.shape}] and [${b.shape}]; expected two equal 2-D tensors`);
  return tf.tidy(() => tf.sqrt(tf.mean(tf.square(tf.sub(a, b)), 1)) as tf.Tensor1D);
}

/** cos/sin DFT tables [m, m/2+1] with the window folded in. */
function dftTables(m: number, w: Float64Array): { c: tf.Tensor2D; s: tf.Tensor2D } {
  const nb = Math.floor(m / 2) + 1;
  const c = new Float32Array(m * nb), s = new Float32Array(m * nb);
  for (let t = 0; t < m; t++) {
    for (let k = 0; k < nb; k++) {
      const a = (2 * Math.PI * ((k * t) % m)) / m;
      c[t * nb + k] = w[t] * Math.cos(a);
      s[t * nb + k] = w[t] * Math.sin(a);
    }
  }
  return { c: tf.tensor2d(c, [m, nb]), s: tf.tensor2d(s, [m, nb]) };
}

export interface TensorSpectrum {
  /** Frequencies (Hz). */
  freqs: Float64Array;
  /** One-sided PSD [N, F]. */
  power: tf.Tensor2D;
}

/**
 * Welch PSD [N, F] of a [T, N] tensor (Hann window, 50 % overlap, mean detrending, density
 * scaling; scipy's defaults). `nperseg: T, noverlap: 0, window: 'boxcar'` gives the periodogram.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorWelch } from 'vbt';
 * const x = tf.tensor2d(Array.from({ length: 256 * 3 }, (_, k) => Math.sin(k / 7) + Math.cos(k / 3)), [256, 3]); // [T, N]
 * const sp = tensorWelch(x, 100, { nperseg: 64 }); // sp.power [N, 33]
 * ```
 */
export function tensorWelch(x: tf.Tensor, fs: number, opts: { nperseg?: number; noverlap?: number; window?: WindowName; detrend?: boolean } = {}): TensorSpectrum {
  check2d(x, 'tensorWelch');
  const [T, N] = x.shape as [number, number];
  if (!(fs > 0)) throw new Error(`tensorWelch: fs=${fs}; expected a positive sampling rate in Hz`);
  const { nperseg: m, step, nseg, window: w, windowPower: s2, nbins: nb } = welchSegments(T, opts, 'tensorWelch');
  const scale = new Float32Array(nb).fill(2 / (fs * s2));
  scale[0] = 1 / (fs * s2);
  if (m % 2 === 0) scale[nb - 1] = 1 / (fs * s2);
  const power = tf.tidy(() => {
    const { c, s } = dftTables(m, w);
    const xt = tf.transpose(x); // [N, T]
    const segs: tf.Tensor[] = [];
    for (let g = 0; g < nseg; g++) segs.push(tf.slice(xt, [0, g * step], [N, m]));
    let seg = tf.stack(segs, 1); // [N, nseg, m]
    if (opts.detrend ?? true) seg = tf.sub(seg, tf.mean(seg, 2, true));
    const flat = tf.reshape(seg, [N * nseg, m]);
    const re = tf.matMul(flat, c), im = tf.matMul(flat, s);
    const p = tf.mul(tf.add(tf.square(re), tf.square(im)), tf.tensor1d(scale));
    return tf.mean(tf.reshape(p, [N, nseg, nb]), 1) as tf.Tensor2D;
  });
  return { freqs: Float64Array.from({ length: nb }, (_, k) => (k * fs) / m), power };
}

/**
 * Soft-argmax peak frequency per channel [N]: Σ f · softmax(β · P / max P) over non-DC bins,
 * optionally within `band`. The same function as `softPeakFrequency`, differentiated exactly
 * (max P included: its gradient goes to the peak bin).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorSoftPeakFrequency, tensorWelch } from 'vbt';
 * const x = tf.tensor2d(Array.from({ length: 256 * 3 }, (_, k) => Math.sin(k / 7) + Math.cos(k / 3)), [256, 3]); // [T, N]
 * tensorSoftPeakFrequency(tensorWelch(x, 100)); // [N], differentiable
 * ```
 */
export function tensorSoftPeakFrequency(sp: TensorSpectrum, opts: { beta?: number; band?: [number, number] } = {}): tf.Tensor1D {
  const beta = opts.beta ?? 150;
  const idx: number[] = [];
  sp.freqs.forEach((f, k) => { if (f > 0 && (!opts.band || (f >= opts.band[0] && f <= opts.band[1]))) idx.push(k); });
  if (idx.length === 0) throw new Error('tensorSoftPeakFrequency: no frequency bins in the band');
  return tf.tidy(() => {
    const p = tf.gather(sp.power, tf.tensor1d(idx, 'int32'), 1);
    const mx = tf.max(p, 1, true);
    const wts = tf.softmax(tf.mul(beta, tf.div(p, mx)));
    return tf.sum(tf.mul(wts, tf.tensor1d(idx.map((k) => sp.freqs[k]))), 1) as tf.Tensor1D;
  });
}

/**
 * mean over channels of (softPeak − target)² (Hz²).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorSpectralPeakLoss, tensorWelch } from 'vbt';
 * const x = tf.tensor2d(Array.from({ length: 256 * 3 }, (_, k) => Math.sin(k / 7) + Math.cos(k / 3)), [256, 3]); // [T, N]
 * const loss = tensorSpectralPeakLoss(tensorWelch(x, 100), 10);
 * ```
 */
export function tensorSpectralPeakLoss(sp: TensorSpectrum, target: number | ArrayLike<number>, opts: { beta?: number; band?: [number, number] } = {}): tf.Scalar {
  return tf.tidy(() => {
    const pk = tensorSoftPeakFrequency(sp, opts);
    const tgt = typeof target === 'number' ? tf.scalar(target) : tf.tensor1d(Array.from(target));
    return tf.mean(tf.square(tf.sub(pk, tgt))) as tf.Scalar;
  });
}

/**
 * FCD [W, W] of a [T, N] tensor: FC in windows of `window` samples every `step`, correlated
 * between windows over their upper triangles (as `fcd`). Differentiable.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorFcd } from 'vbt';
 * const bold = tf.tensor2d(Array.from({ length: 120 * 3 }, (_, k) => Math.sin(k / 7) + Math.cos(k / 3)), [120, 3]); // [T, N]
 * const f = tensorFcd(bold, { window: 30, step: 5 }); // [W, W]
 * ```
 */
export function tensorFcd(x: tf.Tensor, opts: { window: number; step?: number; skip?: number }): tf.Tensor2D {
  check2d(x, 'tensorFcd');
  const [T, N] = x.shape as [number, number];
  const skip = opts.skip ?? 0, step = opts.step ?? 1, win = opts.window;
  if (!Number.isInteger(win) || win < 2) throw new Error(`tensorFcd: window=${win}; expected an integer >= 2`);
  if (!Number.isInteger(step) || step < 1) throw new Error(`tensorFcd: step=${step}; expected a positive integer`);
  if (N < 3) throw new Error(`tensorFcd: ${N} channels; need at least 3`);
  if (T - skip < win) throw new Error(`tensorFcd: ${T - skip} samples after skip=${skip} are fewer than window=${win}`);
  const nw = Math.floor((T - skip - win) / step) + 1;
  return tf.tidy(() => {
    const idx = upperMask(N);
    const vecs = Array.from({ length: nw }, (_, k) => tf.gather(tf.reshape(tensorFc(tf.slice(x, [skip + k * step, 0], [win, N])), [-1]), idx));
    const V = tf.stack(vecs); // [nw, P]
    const Vc = tf.sub(V, tf.mean(V, 1, true));
    const Vn = tf.div(Vc, tf.sqrt(tf.sum(tf.square(Vc), 1, true)));
    return tf.matMul(Vn, Vn, false, true) as tf.Tensor2D;
  });
}

/**
 * The strict upper triangle (offset k ≥ 1) of a square tensor as a vector.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorUpperTriangle } from 'vbt';
 * tensorUpperTriangle(tf.tensor2d([[0, 1], [1, 0]])); // [1]
 * ```
 */
export function tensorUpperTriangle(m: tf.Tensor, k = 1): tf.Tensor1D {
  const n = m.shape[0];
  const idx: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i + k; j < n; j++) idx.push(i * n + j);
  return tf.tidy(() => tf.gather(tf.reshape(m, [-1]), tf.tensor1d(idx, 'int32')) as tf.Tensor1D);
}

/**
 * Gaussian KDE (Scott's bandwidth, from the samples) on `bins` points of `range`, renormalised to
 * unit area — `kdeDensity` as a differentiable function of the samples. Returns the density [bins].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorFcd, tensorKdeDensity, tensorUpperTriangle } from 'vbt';
 * const bold = tf.tensor2d(Array.from({ length: 120 * 3 }, (_, k) => Math.sin(k / 7) + Math.cos(k / 3)), [120, 3]); // [T, N]
 * const { x, density } = tensorKdeDensity(tensorUpperTriangle(tensorFcd(bold, { window: 30 })));
 * ```
 */
export function tensorKdeDensity(samples: tf.Tensor, opts: { bins?: number; range?: [number, number]; bandwidth?: number } = {}): { x: Float64Array; density: tf.Tensor1D } {
  const n = samples.size;
  if (n < 2) throw new Error(`tensorKdeDensity: ${n} samples; need at least 2`);
  const bins = opts.bins ?? 100;
  const [lo, hi] = opts.range ?? [-0.99, 0.99];
  const x = Float64Array.from({ length: bins }, (_, k) => lo + ((hi - lo) * k) / (bins - 1));
  const dx = x[1] - x[0];
  const density = tf.tidy(() => {
    const s = tf.reshape(samples, [1, n]);
    const h = opts.bandwidth !== undefined
      ? tf.scalar(opts.bandwidth)
      : tf.mul(tf.sqrt(tf.div(tf.sum(tf.square(tf.sub(s, tf.mean(s)))), n - 1)), Math.pow(n, -1 / 5));
    const z = tf.div(tf.sub(tf.tensor2d(Float32Array.from(x), [bins, 1]), s), h);
    const d = tf.sum(tf.exp(tf.mul(-0.5, tf.square(z))), 1);
    return tf.div(d, tf.mul(tf.sum(d), dx)) as tf.Tensor1D;
  });
  return { x, density };
}

/**
 * KS distance max |CDF_p − CDF_q| of two densities on one grid (tensors [bins]).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorKsDistance } from 'vbt';
 * tensorKsDistance(tf.tensor1d([1, 0, 0]), tf.tensor1d([0, 0, 1])); // 1
 * ```
 */
export function tensorKsDistance(p: tf.Tensor, q: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const cp = tf.div(tf.cumsum(p), tf.sum(p)), cq = tf.div(tf.cumsum(q), tf.sum(q));
    return tf.max(tf.abs(tf.sub(cp, cq))) as tf.Scalar;
  });
}

/**
 * 1-Wasserstein distance Σ |CDF_p − CDF_q| · dx of two densities on one grid (tensors [bins]).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorWassersteinDistance } from 'vbt';
 * tensorWassersteinDistance(tf.tensor1d([1, 0, 0]), tf.tensor1d([0, 0, 1]), 1); // 2
 * ```
 */
export function tensorWassersteinDistance(p: tf.Tensor, q: tf.Tensor, dx: number): tf.Scalar {
  return tf.tidy(() => {
    const cp = tf.div(tf.cumsum(p), tf.sum(p)), cq = tf.div(tf.cumsum(q), tf.sum(q));
    return tf.mul(tf.sum(tf.abs(tf.sub(cp, cq))), dx) as tf.Scalar;
  });
}
