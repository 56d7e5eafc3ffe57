/**
 * Differentiable TVB Bold for the tensor engine (tfjs): a streaming monitor with tensor carries
 * (the `TensorMonitor` shape, which also plugs into `TensorSimulator` through `extraMonitors`) and
 * a pure function of a neural tensor. The arithmetic is ./sampling.ts's, that of `TvbBold`, in
 * float32. The monitor may be fed during a transient (steps before sFirst): it then warms up and
 * emits nothing, like the kernel engine's `warm`.
 *
 * Carry: the running sum of the current 4 ms block [B, V, N, M] plus one accumulator row per
 * pending output [B, K, V, N, M] (K ≈ hrfLength/TR + 1, e.g. 11 for 20 s at TR 2 s): a finished
 * block adds its average times the kernel weight of its lag to every pending output, and an emitted
 * output's row is dropped.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkVoi } from '../kernel.js';
import { blockVoi, outputSteps, selectVoi, type TensorMonitor, type TensorMonitorContext } from '../tensor-monitor.js';
import type { HrfOptions } from './hrf.js';
import { boldLagWeight, boldSampling, boldSetup } from './sampling.js';

/** The tensor engine's monitor interface; these monitors plug into `TensorSimulator` as they are. */
export type TensorBoldMonitor = TensorMonitor;

/** What a tensor monitor needs to know about the run (the engine's monitor context). */
export type TensorBoldContext = TensorMonitorContext;

export interface TensorBoldSpec extends HrfOptions {
  name: 'Bold';
  period?: number;
  voi?: number[];
  hrfKernel?: HrfOptions['kernel'];
  hrfParameters?: Record<string, number>;
}

/**
 * TVB's Bold as a tensor-engine monitor (carry: block sum [B,V,N,M], pending outputs [B,K,V,N,M]).
 *
 * @example
 * ```ts
 * import { createTensorBoldMonitor } from 'vbt/internals';
 * const mon = createTensorBoldMonitor({ name: 'Bold', period: 500 }, { dt: 0.5, sFirst: 103, sLast: 40102, nvoi: 1, N: 76, M: 1 });
 * mon.time.length; // 40
 * ```
 */
export function createTensorBoldMonitor(spec: TensorBoldSpec, ctx: TensorBoldContext): TensorBoldMonitor {
  const { dt, sFirst, sLast, nvoi, N, M } = ctx;
  const voi = checkVoi(spec.voi, nvoi, 'variables of interest', 'Bold');
  const { istep, hrf, I, K, lagW } = boldSetup(spec, ctx);
  const steps = outputSteps(istep, sFirst, sLast);
  const newest = steps.map((s) => Math.floor(s / I));
  const V = voi.length;
  const k1V0 = hrf.k1V0;
  // outputs already emitted before step s (a function of s, not mutable state: the engine may
  // re-run a segment's records when it recomputes for gradients)
  const headAt = (s: number) => {
    let lo = 0, hi = steps.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (steps[mid] < s) lo = mid + 1; else hi = mid; }
    return lo;
  };
  return {
    name: 'Bold', time: Float64Array.from(steps, (s) => s * dt), period: istep * dt, voi, sampleShape: [V, N, M],
    initial: (B) => [tf.zeros([B, V, N, M]), tf.zeros([B, K, V, N, M])],
    record: (s, obs, [blk, acc]) => {
      let b2 = tf.add(blk, selectVoi(obs(), voi, nvoi));
      let a2 = acc;
      if (s % I === 0) {
        const j = s / I;
        const w = new Float32Array(K);
        const head = headAt(s);
        for (let r = 0; r < K && head + r < steps.length; r++) w[r] = boldLagWeight(lagW, newest[head + r] - j);
        const avg = tf.div(b2, I);
        a2 = tf.add(acc, tf.mul(tf.reshape(tf.tensor1d(w), [1, K, 1, 1, 1]), tf.expandDims(avg, 1)));
        b2 = tf.zerosLike(b2);
      }
      // before sFirst (a transient the engine chose to feed): warm up, emit nothing
      if (s % istep !== 0 || s < sFirst) return { carry: [b2, a2 === acc ? acc.clone() : a2] };
      const B = a2.shape[0];
      const head = tf.reshape(tf.slice(a2, [0, 0, 0, 0, 0], [B, 1, V, N, M]), [B, V, N, M]);
      const sample = k1V0 === null ? head : tf.mul(tf.sub(head, 1), k1V0);
      const rest = K > 1 ? tf.concat([tf.slice(a2, [0, 1, 0, 0, 0], [B, K - 1, V, N, M]), tf.zeros([B, 1, V, N, M])], 1) : tf.zerosLike(a2);
      return { carry: [b2, rest], sample };
    },
    // Steps s0 … s0+L−1 at once, as matrix products: the 4 ms block sums are A·obs (A marks which
    // step falls in which block), every finished block reaches every output with its lag weight
    // (zero for outputs emitted before the block ends, so emission order needs no care), and the
    // outputs emitted in this stretch are the first E rows of the extended accumulator.
    recordBlock: (s0, obsBlock, [blk, acc]) => {
      const [L, B] = obsBlock.shape as [number, number];
      const W = V * N * M;
      const x = tf.reshape(blockVoi(obsBlock, voi, nvoi), [L, B * W]);
      const ends: number[] = []; // block index j of each block finishing in this stretch, and where
      const endAt: number[] = [];
      for (let t = 0; t < L; t++) if ((s0 + t) % I === 0) { ends.push((s0 + t) / I); endAt.push(t); }
      const head = headAt(s0);
      let E = 0;
      while (head + E < steps.length && steps[head + E] <= s0 + L - 1) E++;
      const blkFlat = tf.reshape(blk, [1, B * W]);
      let newBlk: tf.Tensor, contrib: tf.Tensor | null = null;
      if (ends.length === 0) {
        newBlk = tf.add(blkFlat, tf.sum(x, 0, true));
      } else {
        const nJ = ends.length;
        const A = new Float32Array(nJ * L);
        for (let q = 0; q < nJ; q++) for (let t = q === 0 ? 0 : endAt[q - 1] + 1; t <= endAt[q]; t++) A[q * L + t] = 1;
        const tail = new Float32Array(L);
        for (let t = endAt[nJ - 1] + 1; t < L; t++) tail[t] = 1;
        // the carried partial block belongs to the first block that ends here
        const first = new Float32Array(nJ); first[0] = 1;
        const sums = tf.add(tf.matMul(tf.tensor2d(A, [nJ, L]), x), tf.matMul(tf.tensor2d(first, [nJ, 1]), blkFlat));
        const nO = K + E;
        const Wm = new Float32Array(nO * nJ);
        for (let r = 0; r < nO && head + r < steps.length; r++) for (let q = 0; q < nJ; q++) Wm[r * nJ + q] = boldLagWeight(lagW, newest[head + r] - ends[q]);
        contrib = tf.matMul(tf.tensor2d(Wm, [nO, nJ]), tf.div(sums, I)); // [nO, B·W]
        newBlk = tf.matMul(tf.tensor2d(tail, [1, L]), x);
      }
      const nO = K + E;
      let ext: tf.Tensor = tf.reshape(acc, [B, K, W]);
      if (E > 0) ext = tf.concat([ext, tf.zeros([B, E, W])], 1);
      if (contrib) {
        const c = tf.reshape(contrib, [nO, B, W]);
        ext = tf.add(ext, B === 1 ? tf.reshape(c, [1, nO, W]) : tf.transpose(c, [1, 0, 2]));
      }
      const carry = [tf.reshape(newBlk, [B, V, N, M]), tf.reshape(tf.slice(ext, [0, E, 0], [B, K, W]), [B, K, V, N, M])];
      if (E === 0) return { carry };
      const out = tf.reshape(tf.slice(ext, [0, 0, 0], [B, E, W]), [B, E, V, N, M]);
      return { carry, samples: k1V0 === null ? out : tf.mul(tf.sub(out, 1), k1V0) };
    },
  };
}

/**
 * TVB's Bold as a pure function of a neural tensor x [T, W] whose row k is the observation of
 * step firstStep + k (dt in ms). Returns the emitted samples [K, W] and their times (ms).
 * Differentiable with respect to x.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorBold } from 'vbt';
 * const x = tf.fill([8000, 3], 0.5);
 * const { bold, time } = tensorBold(x, { dt: 1, period: 2000 }); // bold: [4, 3], time [2000, ..., 8000]
 * ```
 */
export function tensorBold(x: tf.Tensor, opts: HrfOptions & { dt: number; period?: number; firstStep?: number }): { bold: tf.Tensor2D; time: Float64Array } {
  if (x.rank !== 2) throw new Error(`tensorBold: expected a [T, W] tensor, got shape [${x.shape.join(', ')}]`);
  const [T, W] = x.shape as [number, number];
  const { hrf, I, S, istep, lagW } = boldSampling(opts, opts.dt, 'tensorBold');
  const s0 = opts.firstStep ?? 1;
  const steps = outputSteps(istep, s0, s0 + T - 1);
  if (steps.length === 0) throw new Error(`tensorBold: ${T} steps from step ${s0} contain no output step (multiples of ${istep})`);
  // blocks j cover steps (j−1)·I+1 … j·I; pad the first block's unrecorded steps with zeros (TVB)
  const jFirst = Math.floor((s0 - 1) / I) + 1;
  const pre = s0 - 1 - (jFirst - 1) * I;
  const jLast = Math.floor((s0 + T - 1) / I);
  const nb = jLast - jFirst + 1;
  // h: weights for a window of S blocks in ascending block order, newest last
  const h = new Float32Array(S);
  for (let pos = 0; pos < S; pos++) h[pos] = boldLagWeight(lagW, S - 1 - pos);
  const bold = tf.tidy(() => {
    const used = nb * I - pre;
    const xs = tf.slice(x, [0, 0], [Math.min(T, used), W]);
    const padded = pre > 0 ? tf.concat([tf.zeros([pre, W]), xs], 0) : xs;
    const m = tf.mean(tf.reshape(padded, [nb, I, W]), 1); // [nb, W]
    // zero rows for blocks before the first: the S − 1 older ring slots, plus any whole blocks
    // between the newest one an early output sees and the first recorded block
    const extra = Math.max(0, jFirst - Math.floor(steps[0] / I));
    const mp = tf.concat([tf.zeros([S - 1 + extra, W]), m], 0); // row r ↔ block jFirst − (S − 1 + extra) + r
    const hk = tf.reshape(tf.tensor1d(h), [1, S]);
    const rows = steps.map((s) => {
      const n = Math.floor(s / I);
      return tf.matMul(hk, tf.slice(mp, [n - jFirst + extra, 0], [S, W]));
    });
    const out = tf.concat(rows, 0);
    return (hrf.k1V0 === null ? out : tf.mul(tf.sub(out, 1), hrf.k1V0)) as tf.Tensor2D;
  });
  return { bold, time: Float64Array.from(steps, (s) => s * opts.dt) };
}

