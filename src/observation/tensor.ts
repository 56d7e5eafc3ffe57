/**
 * Differentiable BOLD for the tensor engine (tfjs): TVB's Bold (HRF) and the Balloon–Windkessel
 * model, both as pure functions of a neural tensor and as streaming monitors with tensor carries
 * (the `TensorMonitor` shape the tensor engine takes through `extraMonitors`: initial/record).
 * The arithmetic is that of `TvbBold` / `BalloonBold` (float64) in float32.
 *
 * Both monitors may also be fed during a transient (steps before sFirst): they then warm up and
 * emit nothing, like the kernel engine's `warm`.
 *
 * Streaming TVB Bold without a 5000-row ring: BOLD is linear in the 4 ms averages, and each
 * average only reaches the outputs emitted within hrfLength after it. So the carry is the running
 * sum of the current 4 ms block [B, W] plus one accumulator row per pending output [B, K, W]
 * (K ≈ hrfLength/TR + 1, e.g. 11 for 20 s at TR 2 s): a finished block adds its average times the
 * kernel weight of its lag to every pending output, and an emitted output's row is dropped.
 */
import * as tf from '@tensorflow/tfjs-core';
import { boldHrf, boldInterimSteps, roundHalfEven, type HrfOptions } from './hrf.js';
import { balloonParameters, balloonStepping, type BalloonParameters } from './balloon.js';
import { userGain, type GainMatrix } from './gain.js';
import { rereference } from './projection.js';
import type { TensorMonitor, TensorMonitorContext } from '../tensor/monitors.js';

/** The tensor engine's monitor interface; these monitors plug into `TensorSimulator` as they are. */
export type TensorBoldMonitor = TensorMonitor;

/** What a tensor monitor needs to know about the run (the engine's monitor context). */
export type TensorBoldContext = TensorMonitorContext;

/** Kernel weight of the average p interim periods older than the newest (TVB's offset). */
function lagWeight(G: Float64Array, p: number): number {
  const S = G.length;
  if (p < 0 || p >= S) return 0;
  return p === 0 ? G[S - 1] : G[p - 1];
}

function outputSteps(istep: number, sFirst: number, sLast: number): number[] {
  const out: number[] = [];
  for (let s = Math.ceil(sFirst / istep) * istep; s <= sLast; s += istep) out.push(s);
  return out;
}

function selectVoi(obs: tf.Tensor, voi: number[], nvoi: number): tf.Tensor {
  if (voi.length === nvoi && voi.every((v, i) => v === i)) return obs;
  return tf.gather(obs, tf.tensor1d(voi, 'int32'), 1);
}

function checkVoi(voi: number[] | undefined, nvoi: number, name: string): number[] {
  const v = voi ?? Array.from({ length: nvoi }, (_, k) => k);
  if (v.length === 0) throw new Error(`monitor ${name}: empty voi`);
  for (const k of v) if (!Number.isInteger(k) || k < 0 || k >= nvoi) throw new Error(`monitor ${name}: voi index ${k} out of range; expected 0..${nvoi - 1}`);
  return v;
}

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
  const voi = checkVoi(spec.voi, nvoi, 'Bold');
  const hrf = boldHrf({ kernel: spec.hrfKernel ?? spec.kernel, parameters: spec.hrfParameters ?? spec.parameters, hrfLength: spec.hrfLength });
  const G = hrf.values, S = hrf.stockSteps;
  const I = boldInterimSteps(dt);
  const period = spec.period ?? 2000;
  const istep = roundHalfEven(period / dt);
  if (istep < 1) throw new Error(`monitor Bold: period ${period} ms is shorter than dt ${dt} ms`);
  const steps = outputSteps(istep, sFirst, sLast);
  const newest = steps.map((s) => Math.floor(s / I));
  // pending outputs any one block can reach: outputs whose newest block lies in [j, j + S − 1]
  let K = 1;
  for (let a = 0, b = 0; a < newest.length; a++) {
    while (newest[b] < newest[a] - S + 1) b++;
    K = Math.max(K, a - b + 1);
  }
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
        for (let r = 0; r < K && head + r < steps.length; r++) w[r] = lagWeight(G, newest[head + r] - j);
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
      const x = tf.reshape(blockSelect(obsBlock, voi, nvoi), [L, B * W]);
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
        for (let r = 0; r < nO && head + r < steps.length; r++) for (let q = 0; q < nJ; q++) Wm[r * nJ + q] = lagWeight(G, newest[head + r] - ends[q]);
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

/** The variables of interest of a block [L, B, nvoi, N, M]. */
function blockSelect(obs: tf.Tensor, voi: number[], nvoi: number): tf.Tensor {
  return voi.length === nvoi && voi.every((v, i) => v === i) ? obs : tf.gather(obs, tf.tensor1d(voi, 'int32'), 2);
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
  const hrf = boldHrf(opts);
  const G = hrf.values, S = hrf.stockSteps;
  const I = boldInterimSteps(opts.dt);
  const istep = roundHalfEven((opts.period ?? 2000) / opts.dt);
  if (istep < 1) throw new Error(`tensorBold: period ${opts.period} ms is shorter than dt ${opts.dt} ms`);
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
  for (let pos = 0; pos < S; pos++) h[pos] = lagWeight(G, S - 1 - pos);
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

export interface TensorBalloonSpec {
  name: 'BalloonWindkessel';
  period?: number;
  voi?: number[];
  dtBw?: number;
  parameters?: Partial<BalloonParameters>;
}

/**
 * One Euler step (h in s) of the Balloon–Windkessel state [s, f, v, q] for input x; tensors.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { balloonParameters } from 'vbt';
 * import { balloonEulerStep } from 'vbt/internals';
 * let st = [tf.zeros([4]), tf.ones([4]), tf.ones([4]), tf.ones([4])];
 * st = balloonEulerStep(balloonParameters(), st, tf.fill([4], 1), 0.001);
 * ```
 */
export function balloonEulerStep(p: BalloonParameters, st: tf.Tensor[], x: tf.Tensor, h: number): tf.Tensor[] {
  const [zs, zf, zv, zq] = st;
  const va = tf.pow(zv, 1 / p.alpha);
  const ds = tf.sub(tf.sub(x, tf.div(zs, p.tau_s)), tf.div(tf.sub(zf, 1), p.tau_f));
  const dv = tf.div(tf.sub(zf, va), p.tau_o);
  // (1 − E0)^{1/f} = exp(ln(1 − E0) / f)
  const extr = tf.sub(1, tf.exp(tf.div(Math.log(1 - p.E0), zf)));
  const dq = tf.div(tf.sub(tf.div(tf.mul(zf, extr), p.E0), tf.div(tf.mul(va, zq), zv)), p.tau_o);
  return [tf.add(zs, tf.mul(h, ds)), tf.add(zf, tf.mul(h, zs)), tf.add(zv, tf.mul(h, dv)), tf.add(zq, tf.mul(h, dq))];
}

/**
 * BOLD signal of a haemodynamic state (tensors v, q).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { balloonParameters, balloonSignalTensor } from 'vbt';
 * balloonSignalTensor(balloonParameters(), tf.ones([2]), tf.ones([2])); // [0, 0]
 * ```
 */
export function balloonSignalTensor(p: BalloonParameters, v: tf.Tensor, q: tf.Tensor): tf.Tensor {
  return tf.mul(p.V0, tf.add(tf.add(tf.mul(p.k1, tf.sub(1, q)), tf.mul(p.k2, tf.sub(1, tf.div(q, v)))), tf.mul(p.k3, tf.sub(1, v))));
}

/**
 * Balloon–Windkessel BOLD as a tensor-engine monitor (carry: s, f, v, q each [B, V, N, M]).
 *
 * @example
 * ```ts
 * import { TensorSimulator } from 'vbt';
 * import { createTensorBalloonMonitor } from 'vbt/internals';
 * const cfg = { model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 1440 };
 * const ctx = { dt: 0.1, sFirst: 0, sLast: 14399, nvoi: 1, N: 4, M: 1 }; // recorded steps, variables, nodes, modes
 * const mon = createTensorBalloonMonitor({ name: 'BalloonWindkessel', period: 720 }, ctx);
 * new TensorSimulator(cfg, { extraMonitors: [mon] });
 * ```
 */
export function createTensorBalloonMonitor(spec: TensorBalloonSpec, ctx: TensorBoldContext): TensorBoldMonitor {
  const { dt, sFirst, sLast, nvoi, N, M } = ctx;
  const voi = checkVoi(spec.voi, nvoi, 'BalloonWindkessel');
  const p = balloonParameters(spec.parameters);
  const dtBw = spec.dtBw ?? 1;
  const { every, substeps } = balloonStepping(dt, dtBw);
  const period = spec.period ?? 2000;
  const istep = Math.round(period / dt);
  if (istep < 1) throw new Error(`monitor BalloonWindkessel: period ${period} ms is shorter than dt ${dt} ms`);
  const steps = outputSteps(istep, sFirst, sLast);
  const V = voi.length;
  return {
    name: 'BalloonWindkessel', time: Float64Array.from(steps, (s) => s * dt), period: istep * dt, voi, sampleShape: [V, N, M],
    initial: (B) => [tf.zeros([B, V, N, M]), tf.ones([B, V, N, M]), tf.ones([B, V, N, M]), tf.ones([B, V, N, M])],
    record: (s, obs, carry) => {
      let st = carry;
      if (s % every === 0) {
        const x = selectVoi(obs(), voi, nvoi);
        for (let k = 0; k < substeps; k++) st = balloonEulerStep(p, st, x, dtBw / 1000);
      } else st = carry.map((c) => c.clone());
      if (s % istep !== 0 || s < sFirst) return { carry: st };
      return { carry: st, sample: balloonSignalTensor(p, st[2], st[3]) };
    },
  };
}

/**
 * Differentiable projection of a [T, N] tensor: [T, S] = x · Gᵀ.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tensorProjectToSensors, userGain } from 'vbt';
 * tensorProjectToSensors(tf.tensor2d([[1, 2]]), userGain([[1, 1]], 2)); // [[3]]
 * ```
 */
export function tensorProjectToSensors(x: tf.Tensor, gain: GainMatrix): tf.Tensor2D {
  if (x.rank !== 2 || x.shape[1] !== gain.regions) throw new Error(`tensorProjectToSensors: tensor shape [${x.shape.join(', ')}]; expected [T, ${gain.regions}]`);
  return tf.tidy(() => tf.matMul(x, tf.tensor2d(Float32Array.from(gain.data), [gain.sensors, gain.regions]), false, true) as tf.Tensor2D);
}

/**
 * EEG/MEG/iEEG as a tensor-engine monitor: the observation averaged over each period (as
 * TemporalAverage, sample at (s − istep/2)·dt) and projected through the gain — the kernel
 * engine's sensor monitor, differentiable. Carry: the running sum [B, V, N, M].
 *
 * @example
 * ```ts
 * import { createTensorSensorMonitor } from 'vbt/internals';
 * const ctx = { dt: 0.1, sFirst: 0, sLast: 99, nvoi: 1, N: 3, M: 1 }; // recorded steps, variables, nodes, modes
 * const gain = { sensors: 2, regions: 3, data: Float64Array.of(1, 0, 0.5, 0, 1, 0.5) }; // 2 × 3, row-major
 * const mon = createTensorSensorMonitor({ name: 'EEG', period: 4, gain }, ctx); // samples [B, V, S, M]
 * ```
 */
export function createTensorSensorMonitor(
  spec: { name: 'EEG' | 'MEG' | 'iEEG'; period: number; voi?: number[]; gain: GainMatrix; reference?: 'average' | number | string },
  ctx: TensorBoldContext,
): TensorBoldMonitor {
  const { dt, sFirst, sLast, nvoi, N, M } = ctx;
  const voi = checkVoi(spec.voi, nvoi, spec.name);
  if (spec.gain.regions !== N) throw new Error(`monitor ${spec.name}: gain has ${spec.gain.regions} columns; the network has ${N} regions`);
  const g = spec.reference !== undefined ? rereference(spec.gain, spec.reference) : spec.gain;
  const istep = Math.round(spec.period / dt);
  if (istep < 1) throw new Error(`monitor ${spec.name}: period ${spec.period} ms is shorter than dt ${dt} ms`);
  const steps = outputSteps(istep, sFirst, sLast);
  const V = voi.length, S = g.sensors;
  const G = Float32Array.from(g.data);
  return {
    name: spec.name, time: Float64Array.from(steps, (s) => (s - istep / 2) * dt), period: istep * dt, voi, sampleShape: [V, S, M],
    initial: (B) => [tf.zeros([B, V, N, M])],
    record: (s, obs, [acc]) => {
      // the kernel's sensor monitors ignore a transient: so does this one if an engine feeds it
      if (s < sFirst) return { carry: [acc.clone()] };
      const sum = tf.add(acc, selectVoi(obs(), voi, nvoi));
      if (s % istep !== 0) return { carry: [sum] };
      const B = sum.shape[0];
      // [B, V, N, M] → [B·V·M, N] · Gᵀ → [B, V, S, M]
      const flat = tf.reshape(tf.transpose(sum, [0, 1, 3, 2]), [B * V * M, N]);
      const y = tf.matMul(flat, tf.tensor2d(G, [S, N]), false, true);
      const sample = tf.transpose(tf.reshape(tf.div(y, istep), [B, V, M, S]), [0, 1, 3, 2]);
      return { carry: [tf.zerosLike(sum)], sample };
    },
  };
}

/**
 * The tensor-engine monitor for an observation MonitorSpec (Bold, BalloonWindkessel, EEG, MEG,
 * iEEG), or undefined for other names — one call for an engine's monitor factory to delegate to.
 *
 * @example
 * ```ts
 * import { createTensorMonitor, tensorObservationMonitor } from 'vbt/internals';
 * const ctx = { dt: 0.1, sFirst: 0, sLast: 14399, nvoi: 1, N: 4, M: 1 }; // recorded steps, variables, nodes, modes
 * const spec = { name: 'TemporalAverage', period: 1 };
 * const mon = tensorObservationMonitor({ name: 'Bold', period: 720 }, ctx) ?? createTensorMonitor(spec, ctx);
 * ```
 */
export function tensorObservationMonitor(spec: { name: string } & Record<string, unknown>, ctx: TensorBoldContext): TensorBoldMonitor | undefined {
  switch (spec.name) {
    case 'Bold':
      return createTensorBoldMonitor(spec as unknown as TensorBoldSpec, ctx);
    case 'BalloonWindkessel':
      return createTensorBalloonMonitor(spec as unknown as TensorBalloonSpec, ctx);
    case 'EEG':
    case 'MEG':
    case 'iEEG': {
      const sp = spec as unknown as { name: 'EEG'; period: number; voi?: number[]; gain: GainMatrix | number[][]; reference?: 'average' | number | string };
      return createTensorSensorMonitor({ ...sp, gain: Array.isArray(sp.gain) ? userGain(sp.gain, ctx.N) : sp.gain }, ctx);
    }
    default:
      return undefined;
  }
}
