/** TemporalAverage in the tensor engine: the mean of the last istep steps at (s − istep/2)·dt (steps before the first recorded one count as zeros). */
import * as tf from '@tensorflow/tfjs-core';
import { takeRows } from '../../tensor/ops.js';
import { checkVoi } from '../kernel.js';
import { batchMajor, blockVoi, periodicSteps, selectVoi, type TensorMonitor, type TensorMonitorContext } from '../tensor-monitor.js';
import type { TemporalAverageMonitorSpec } from './spec.js';

export function createTensorTemporalAverageMonitor(spec: TemporalAverageMonitorSpec, ctx: TensorMonitorContext): TensorMonitor {
  const { dt, nvoi, N, M } = ctx;
  const voi = checkVoi(spec.voi, nvoi, 'variables of interest', spec.name);
  const shape: [number, number, number] = [voi.length, N, M];
  const { istep, steps } = periodicSteps(spec, ctx);
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
