/** Differentiable Balloon–Windkessel BOLD for the tensor engine: the Euler step and signal as tensor ops, and a streaming monitor. */
import * as tf from '@tensorflow/tfjs-core';
import { checkVoi } from '../kernel.js';
import { outputSteps, selectVoi, type TensorMonitor, type TensorMonitorContext } from '../tensor-monitor.js';
import { balloonSampling, type BalloonParameters } from './reference.js';

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
export function createTensorBalloonMonitor(spec: TensorBalloonSpec, ctx: TensorMonitorContext): TensorMonitor {
  const { dt, sFirst, sLast, nvoi, N, M } = ctx;
  const voi = checkVoi(spec.voi, nvoi, 'variables of interest', 'BalloonWindkessel');
  const { istep, p, every, substeps, h } = balloonSampling(spec, dt);
  const steps = outputSteps(istep, sFirst, sLast);
  const V = voi.length;
  return {
    name: 'BalloonWindkessel', time: Float64Array.from(steps, (s) => s * dt), period: istep * dt, voi, sampleShape: [V, N, M],
    initial: (B) => [tf.zeros([B, V, N, M]), tf.ones([B, V, N, M]), tf.ones([B, V, N, M]), tf.ones([B, V, N, M])],
    record: (s, obs, carry) => {
      let st = carry;
      if (s % every === 0) {
        const x = selectVoi(obs(), voi, nvoi);
        for (let k = 0; k < substeps; k++) st = balloonEulerStep(p, st, x, h);
      } else st = carry.map((c) => c.clone());
      if (s % istep !== 0 || s < sFirst) return { carry: st };
      return { carry: st, sample: balloonSignalTensor(p, st[2], st[3]) };
    },
  };
}

