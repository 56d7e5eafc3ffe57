/**
 * The tensor engine's side of a monitor. A monitor sees the observation after every recorded step
 * and carries its own tensors between steps (a running sum, a haemodynamic state...), so a
 * differentiable observation model is added by implementing `TensorMonitor` alone (each model's
 * folder holds its form; `registry.ts` picks one by name). Sampling follows the kernel engine (and
 * TVB) exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { istepOf } from './kernel.js';

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

export function selectVoi(obs: tf.Tensor, voi: number[], nvoi: number): tf.Tensor {
  if (voi.length === nvoi && voi.every((v, i) => v === i)) return obs;
  return tf.gather(obs, tf.tensor1d(voi, 'int32'), 1);
}

/** The variables of interest of a block [K, B, nvoi, N, M]: [K, B, V, N, M]. */
export function blockVoi(obs: tf.Tensor, voi: number[], nvoi: number): tf.Tensor {
  return voi.length === nvoi && voi.every((v, i) => v === i) ? obs : tf.gather(obs, tf.tensor1d(voi, 'int32'), 2);
}

/** Step-major samples [k, B, ...] as the engine's [B, k, ...] (a reshape for one batch element: tfjs' transpose is slow). */
export function batchMajor(x: tf.Tensor): tf.Tensor {
  const [k, B, ...rest] = x.shape;
  if (B === 1 || k === 1) return tf.reshape(x, [B, k, ...rest]);
  return tf.transpose(x, [1, 0, ...rest.map((_, i) => i + 2)]);
}

/** Output steps: the multiples of istep in [sFirst, sLast]. */
export function outputSteps(istep: number, sFirst: number, sLast: number): number[] {
  const out: number[] = [];
  for (let s = Math.ceil(sFirst / istep) * istep; s <= sLast; s += istep) out.push(s);
  return out;
}

/** TR in steps and the output steps of a periodic linear monitor (SubSample, TemporalAverage). */
export function periodicSteps(spec: { name: string; period: number }, ctx: TensorMonitorContext): { istep: number; steps: number[] } {
  const period = spec.period;
  if (!(period > 0)) throw new Error(`monitor ${spec.name}: period must be > 0 ms, got ${period}`);
  const istep = istepOf(period, ctx.dt);
  if (istep < 1) throw new Error(`monitor ${spec.name}: period ${period} ms is shorter than dt ${ctx.dt} ms`);
  return { istep, steps: outputSteps(istep, ctx.sFirst, ctx.sLast) };
}
