/**
 * The run as one registered tfjs op: tf.grad / valueAndGrads / optimisers through a user loss in
 * tfjs ops equal the adjoint's own gradient of the same loss; memory stays flat over many calls.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend } from '../src/backend/index.js';
import { AdjointRunOp, AdjointSimulator } from '../src/engine/adjoint/index.js';
import { Connectivity } from '../src/network/connectivity.js';
import { tensorFc } from '../src/analysis/tensor.js';
import type { SimulationConfig } from '../src/simulation/config.js';

const N = 4;
const conn = new Connectivity({
  weights: [0, 0.5, 0.2, 0.1, 0.5, 0, 0.3, 0.2, 0.2, 0.3, 0, 0.6, 0.1, 0.2, 0.6, 0],
  tractLengths: [0, 3.1, 5.2, 7.3, 3.1, 0, 2.4, 4.5, 5.2, 2.4, 0, 6.6, 7.3, 4.5, 6.6, 0], speed: 2,
});
const config: SimulationConfig = {
  model: 'ReducedWongWang', connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.4 },
  integrator: { name: 'Heun', dt: 0.5, noise: { nsig: 1e-4, seed: 2 } }, duration: 3000, monitors: [{ name: 'TemporalAverage', period: 20 }],
};

describe('one tfjs op per run', () => {
  beforeAll(async () => { await loadBackend('cpu'); });

  it('tf.valueAndGrads of an FC loss in tfjs ops = the adjoint of the same loss (float64) to float32 rounding', () => {
    const sim = new AdjointSimulator(config, { wrt: ['coupling.a', 'w', 'weights'], perNode: ['w'] });
    const op = new AdjointRunOp(sim);
    const target = tf.tensor2d(Array.from({ length: N * N }, (_, q) => (q % (N + 1) === 0 ? 1 : 0.3)), [N, N]);
    // loss: Σ (FC − target)² over the TemporalAverage of S; FC via the tfjs tensor analysis
    const lossOf = (a: tf.Tensor, w: tf.Tensor, W: tf.Tensor) => {
      const [y] = op.run([a, w, W]);
      const ts = tf.reshape(y, [y.shape[1]!, N]);
      return tf.sum(tf.square(tf.sub(tensorFc(ts), target))) as tf.Scalar;
    };
    const a = tf.scalar(0.4), w = tf.fill([N], 1.0), W = tf.tensor2d(Float32Array.from(conn.weights), [N, N]);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.valueAndGrads(lossOf as (...x: tf.Tensor[]) => tf.Scalar)([a, w, W]);
    // the same loss's cotangent on the samples, by tf.grad of the loss with respect to the samples, then the adjoint directly
    const fw = sim.forward({ 'coupling.a': [0.4], w: new Float64Array(N).fill(1), weights: Float32Array.from(conn.weights) });
    const y = tf.tensor(Float32Array.from(fw.outputs[0].data), fw.outputs[0].shape);
    const dy = tf.grad((yy: tf.Tensor) => tf.sum(tf.square(tf.sub(tensorFc(tf.reshape(yy, [yy.shape[1]!, N])), target))) as tf.Scalar)(y);
    const direct = fw.backward([dy.dataSync()]);
    const close = (t: tf.Tensor, ref: Float64Array) => {
      const d = t.dataSync();
      const scale = Math.max(...Array.from(ref, Math.abs));
      expect(scale).toBeGreaterThan(0);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(d[i] - ref[i])).toBeLessThanOrEqual(1e-6 * scale);
    };
    close(grads[0], direct['coupling.a']);
    close(grads[1], direct.w);
    close(grads[2], direct.weights);
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([value, ...grads, y, dy]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, w, W, target]);
    op.dispose();
  });

  it('a tfjs optimiser lowers the loss; tf.memory().numTensors is flat over 30 steps', () => {
    const sim = new AdjointSimulator({ ...config, duration: 1000 }, { wrt: ['coupling.a'], memoryBudget: 200_000 });
    expect(sim.segments).toBeGreaterThan(1); // checkpointed
    const op = new AdjointRunOp(sim);
    const a = tf.variable(tf.scalar(0.4));
    const opt = tf.train.adam(0.02);
    const loss = () => tf.tidy(() => tf.square(tf.sub(tf.mean(op.run([a])[0]), 0.3)) as tf.Scalar);
    const first = loss();
    const l0 = first.dataSync()[0];
    first.dispose();
    const counts: number[] = [];
    for (let k = 0; k < 30; k++) {
      const c = opt.minimize(loss, true, [a]);
      c?.dispose();
      counts.push(tf.memory().numTensors);
    }
    const last = loss();
    expect(last.dataSync()[0]).toBeLessThan(0.5 * l0);
    last.dispose();
    expect(new Set(counts.slice(2)).size).toBe(1);
    opt.dispose(); a.dispose(); op.dispose();
  });

  it('a gradient taken after other runs recomputes the forward from its saved inputs', () => {
    const sim = new AdjointSimulator({ ...config, duration: 600 }, { wrt: ['coupling.a'] });
    const op = new AdjointRunOp(sim);
    const f = (a: tf.Tensor) => tf.sum(op.run([a])[0]) as tf.Scalar;
    const ref = tf.grad(f)(tf.scalar(0.4)).dataSync()[0];
    // record, then run the op again with another value before the backward pass
    const g = tf.grad((a: tf.Tensor) => { const l = f(a); tf.dispose(op.run([tf.scalar(0.9)])); return l; })(tf.scalar(0.4)).dataSync()[0];
    expect(g).toBe(ref);
    op.dispose();
  });

  it('bad input: wrong count, shape or dtype of parameter tensors', () => {
    const op = new AdjointRunOp(new AdjointSimulator(config, { wrt: ['coupling.a', 'weights'] }));
    expect(() => op.run([tf.scalar(0.1)])).toThrow(/expected 2 parameter tensors \(coupling\.a, weights\), got 1/);
    expect(() => op.run([tf.scalar(0.1), tf.zeros([3, 3])])).toThrow(/parameter 'weights' has shape \[3, 3\] \(9 values\); expected 16/);
    expect(() => op.run([tf.scalar(1, 'int32'), tf.zeros([4, 4])])).toThrow(/is int32; expected float32/);
    op.dispose();
    expect(() => op.run([tf.scalar(0.1), tf.zeros([4, 4])])).toThrow(/used after dispose/);
  });
});
