/**
 * Monitors of the tensor engine. A monitor sees the observation after every recorded step and
 * carries its own tensors between steps (a running sum, a haemodynamic state...), so a
 * differentiable observation model (BOLD) can be added by implementing `TensorMonitor` alone.
 * Sampling follows the kernel engine (and TVB) exactly: Raw every step at s·dt; SubSample when
 * s mod istep = 0 at s·dt; TemporalAverage the mean of the last istep steps at (s − istep/2)·dt, with
 * steps before the first recorded one counting as zeros.
 *
 * @example
 * ```ts
 * import { createTensorMonitor } from 'vbt/internals';
 * const m = createTensorMonitor({ name: 'TemporalAverage', period: 1 }, { dt: 0.1, sFirst: 10, sLast: 109, nvoi: 2, N: 4, M: 1 });
 * m.time.length; // 10 samples, at 10.5, 11.5, ... ms
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { istepOf, type MonitorSpec } from '../monitors/index.js';
import { tensorObservationMonitor } from '../observation/tensor.js';
import { takeRows } from './ops.js';

export interface TensorMonitorContext {
  dt: number;
  /** First and last recorded step (inclusive). */
  sFirst: number;
  sLast: number;
  /** Variables of interest of the model, nodes, modes. */
  nvoi: number;
  N: number;
  M: number;
}

/** One monitor: carry tensors in, carry tensors (and maybe a sample) out, once per recorded step. */
export interface TensorMonitor {
  readonly name: string;
  /** Sample times in ms. */
  readonly time: Float64Array;
  readonly period: number;
  /** Indices into the variables of interest. */
  readonly voi: number[];
  /** Shape of one sample: [variables, nodes, modes]. */
  readonly sampleShape: [number, number, number];
  /** Carry at the start of the recording (B = batch size). */
  initial(B: number): tf.Tensor[];
  /**
   * After step s: `obs()` gives the observation [B, nvoi, N, M] (computed once per step, shared by
   * all monitors). Returns the new carry and, when this step emits, a sample [B, V, N, M]. Called
   * inside a tf.tidy: return fresh tensors only (the engine disposes the old carry).
   */
  record(s: number, obs: () => tf.Tensor, carry: tf.Tensor[]): { carry: tf.Tensor[]; sample?: tf.Tensor };
  /** Fed during the transient too (BOLD-like monitors warm up on it, as in the kernel engine). */
  readonly warm?: boolean;
  /**
   * Optional: steps s0 … s0 + K − 1 at once, `obs` [K, B, nvoi, N, M]; returns the carry after the
   * last step and the samples emitted in the block as [B, k, V, N, M] (none: undefined). A few ops
   * per block instead of a few per step; the engine uses it when it steps in blocks (segment.ts).
   * null: not for this block (the engine then calls `record` step by step).
   */
  recordBlock?(s0: number, obs: tf.Tensor, carry: tf.Tensor[]): { carry: tf.Tensor[]; samples?: tf.Tensor } | null;
}

function selectVoi(obs: tf.Tensor, voi: number[], nvoi: number): tf.Tensor {
  if (voi.length === nvoi && voi.every((v, i) => v === i)) return obs;
  return tf.gather(obs, tf.tensor1d(voi, 'int32'), 1);
}

/** The variables of interest of a block [K, B, nvoi, N, M]: [K, B, V, N, M]. */
function blockVoi(obs: tf.Tensor, voi: number[], nvoi: number): tf.Tensor {
  return voi.length === nvoi && voi.every((v, i) => v === i) ? obs : tf.gather(obs, tf.tensor1d(voi, 'int32'), 2);
}

/** Step-major samples [k, B, ...] as the engine's [B, k, ...] (a reshape for one batch element: tfjs' transpose is slow). */
function batchMajor(x: tf.Tensor): tf.Tensor {
  const [k, B, ...rest] = x.shape;
  if (B === 1 || k === 1) return tf.reshape(x, [B, k, ...rest]);
  return tf.transpose(x, [1, 0, ...rest.map((_, i) => i + 2)]);
}

function checkVoi(spec: MonitorSpec, nvoi: number): number[] {
  const v = spec.voi ?? Array.from({ length: nvoi }, (_, k) => k);
  if (v.length === 0) throw new Error(`monitor ${spec.name}: empty voi`);
  for (const k of v) {
    if (!Number.isInteger(k) || k < 0 || k >= nvoi) throw new Error(`monitor ${spec.name}: voi index ${k} out of range; expected 0..${nvoi - 1} (variables of interest)`);
  }
  return v;
}

/** Build the tensor-engine monitor for a spec (Raw, SubSample, TemporalAverage). */
export function createTensorMonitor(spec: MonitorSpec, ctx: TensorMonitorContext): TensorMonitor {
  const { dt, sFirst, sLast, nvoi, N, M } = ctx;
  const voi = checkVoi(spec, nvoi);
  const shape: [number, number, number] = [voi.length, N, M];
  if (spec.name === 'Raw') {
    const time = Float64Array.from({ length: sLast - sFirst + 1 }, (_, k) => (sFirst + k) * dt);
    return {
      name: 'Raw', time, period: dt, voi, sampleShape: shape,
      initial: () => [],
      record: (_s, obs) => ({ carry: [], sample: selectVoi(obs(), voi, nvoi) }),
      recordBlock: (_s0, obs) => ({ carry: [], samples: batchMajor(blockVoi(obs, voi, nvoi)) }),
    };
  }
  // BOLD, Balloon–Windkessel and sensor (EEG/MEG/iEEG) monitors come from the observation models
  const observed = tensorObservationMonitor(spec as unknown as { name: string } & Record<string, unknown>, ctx);
  if (observed) return { ...observed, warm: true } as TensorMonitor;
  if (spec.name !== 'SubSample' && spec.name !== 'TemporalAverage') {
    throw new Error(`tensor engine: monitor '${spec.name}' is not supported; expected Raw, SubSample, TemporalAverage, Bold, BalloonWindkessel, EEG, MEG or iEEG`);
  }
  const period = spec.period;
  if (!(period > 0)) throw new Error(`monitor ${spec.name}: period must be > 0 ms, got ${period}`);
  const istep = istepOf(period, dt);
  if (istep < 1) throw new Error(`monitor ${spec.name}: period ${period} ms is shorter than dt ${dt} ms`);
  const steps: number[] = [];
  for (let s = Math.ceil(sFirst / istep) * istep; s <= sLast; s += istep) steps.push(s);
  if (spec.name === 'SubSample') {
    return {
      name: 'SubSample', time: Float64Array.from(steps, (s) => s * dt), period: istep * dt, voi, sampleShape: shape,
      initial: () => [],
      record: (s, obs) => (s % istep === 0 ? { carry: [], sample: selectVoi(obs(), voi, nvoi) } : { carry: [] }),
      recordBlock: (s0, obs) => {
        const K = obs.shape[0];
        const at: number[] = [];
        for (let s = Math.ceil(s0 / istep) * istep; s < s0 + K; s += istep) at.push(s - s0);
        if (!at.length) return { carry: [] };
        return { carry: [], samples: batchMajor(blockVoi(at.length === K ? obs : tf.gather(obs, tf.tensor1d(at, 'int32'), 0), voi, nvoi)) };
      },
    };
  }
  const inv = 1 / istep;
  return {
    name: 'TemporalAverage', time: Float64Array.from(steps, (s) => (s - istep / 2) * dt), period: istep * dt, voi, sampleShape: shape,
    initial: (B) => [tf.zeros([B, voi.length, N, M])],
    record: (s, obs, [acc]) => {
      const sum = tf.add(acc, selectVoi(obs(), voi, nvoi));
      if (s % istep !== 0) return { carry: [sum] };
      return { carry: [tf.zerosLike(sum)], sample: tf.mul(sum, inv) };
    },
    recordBlock: (s0, obs, [acc]) => {
      // every window's sum as one product A · [acc; x] (tfjs sums over a leading axis by
      // transposing the whole block first): row k averages window k (the running sum `acc` belongs
      // to the first), a last row sums the steps after the last emission (the next carry)
      const K = obs.shape[0];
      const x = blockVoi(obs, voi, nvoi); // [K, B, V, N, M]
      const R = x.size / K;
      const first = Math.ceil(s0 / istep) * istep - s0;
      const ends: number[] = [];
      for (let e = first; e < K; e += istep) ends.push(e);
      const tail = ends.length ? ends[ends.length - 1] + 1 < K : true;
      const rows = ends.length + (tail ? 1 : 0);
      if (rows * (K + 1) > 2 ** 20) return null;
      const A = new Float32Array(rows * (K + 1));
      let from = 0;
      ends.forEach((e, k) => {
        if (k === 0) A[0] = inv;
        for (let t = from; t <= e; t++) A[k * (K + 1) + 1 + t] = inv;
        from = e + 1;
      });
      if (tail) {
        const k = rows - 1;
        if (k === 0) A[0] = 1;
        for (let t = from; t < K; t++) A[k * (K + 1) + 1 + t] = 1;
      }
      const y = tf.matMul(tf.tensor2d(A, [rows, K + 1]), tf.concat([tf.reshape(acc, [1, R]), tf.reshape(x, [K, R])], 0));
      const carry = tail ? tf.reshape(takeRows(y, rows - 1, 1), acc.shape) : tf.zerosLike(acc);
      if (!ends.length) return { carry: [carry] };
      const smp = ends.length === rows ? y : takeRows(y, 0, ends.length);
      return { carry: [carry], samples: batchMajor(tf.reshape(smp, [ends.length, ...x.shape.slice(1)])) };
    },
  };
}
