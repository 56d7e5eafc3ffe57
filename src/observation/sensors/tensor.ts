/** Differentiable EEG/MEG/iEEG for the tensor engine: a projection of a [T, N] tensor and a streaming sensor monitor. */
import * as tf from '@tensorflow/tfjs-core';
import { checkVoi } from '../kernel.js';
import { outputSteps, selectVoi, type TensorMonitor, type TensorMonitorContext } from '../tensor-monitor.js';
import type { GainMatrix } from './gain.js';
import { sensorSampling } from './sampling.js';

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
  spec: { name: 'EEG' | 'MEG' | 'iEEG'; period: number; voi?: number[]; gain: GainMatrix | number[][]; reference?: 'average' | number | string },
  ctx: TensorMonitorContext,
): TensorMonitor {
  const { dt, sFirst, sLast, nvoi, N, M } = ctx;
  const voi = checkVoi(spec.voi, nvoi, 'variables of interest', spec.name);
  const { istep, gain: g } = sensorSampling(spec, N, dt);
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

