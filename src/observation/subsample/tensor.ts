/** SubSample in the tensor engine: the observation when s mod istep = 0, at s·dt. */
import * as tf from '@tensorflow/tfjs-core';
import { checkVoi } from '../kernel.js';
import { batchMajor, blockVoi, periodicSteps, selectVoi, type TensorMonitor, type TensorMonitorContext } from '../tensor-monitor.js';
import type { SubSampleMonitorSpec } from './spec.js';

export function createTensorSubSampleMonitor(spec: SubSampleMonitorSpec, ctx: TensorMonitorContext): TensorMonitor {
  const { dt, nvoi, N, M } = ctx;
  const voi = checkVoi(spec.voi, nvoi, 'variables of interest', spec.name);
  const { istep, steps } = periodicSteps(spec, ctx);
  return {
    name: 'SubSample', time: Float64Array.from(steps, (s) => s * dt), period: istep * dt, voi, sampleShape: [voi.length, N, M],
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
