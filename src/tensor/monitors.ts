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
 * import { createTensorMonitor } from 'vbt';
 * const m = createTensorMonitor({ name: 'TemporalAverage', period: 1 }, { dt: 0.1, sFirst: 10, sLast: 109, nvoi: 2, N: 4, M: 1 });
 * m.time.length; // 10 samples, at 10.5, 11.5, ... ms
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { istepOf, type MonitorSpec } from '../monitors/index.js';
import { tensorObservationMonitor } from '../observation/tensor.js';

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
}

function selectVoi(obs: tf.Tensor, voi: number[], nvoi: number): tf.Tensor {
  if (voi.length === nvoi && voi.every((v, i) => v === i)) return obs;
  return tf.gather(obs, tf.tensor1d(voi, 'int32'), 1);
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
  };
}
