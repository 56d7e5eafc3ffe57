/**
 * Regional (and global) fit of the reduced Wong–Wang network to an empirical FC through the full
 * BOLD gradient: the loss 1 − fc_corr(Bold FC, empirical FC) (full matrix, zero diagonals) of a
 * noisy kernel-equivalent run is differentiated by the float64 discrete adjoint as one tfjs op
 * (src/engine/adjoint), with respect to the recurrence weights w_i and optionally the global
 * coupling G. Every step draws fresh noise (seeds never reused), several lanes per step, so the
 * fit follows the expected FC rather than one noise realisation.
 *
 * @example
 * ```ts
 * import { Connectivity } from 'vbt';
 * import { fitRwwBold } from 'vbt/algorithms';
 * // 4 regions, 20 s of BOLD (1 s period) per step; a real fit uses loadDkAverage(...).fc.data and steps: 40
 * const connectivity = new Connectivity({ weights: [0, 0.8, 0.2, 0.1, 0.8, 0, 0.3, 0.2, 0.2, 0.3, 0, 0.9, 0.1, 0.2, 0.9, 0], tractLengths: new Float64Array(16) });
 * const config = { model: 'ReducedWongWang', parameters: { I_o: 0.32 }, connectivity, coupling: 'Linear',
 *   integrator: { name: 'Heun', dt: 4, noise: { nsig: 1e-4 } }, duration: 20_000, monitors: [{ name: 'Bold', period: 1000 }] };
 * const empFc = [1, 0.6, 0.1, 0, 0.6, 1, 0.2, 0.1, 0.1, 0.2, 1, 0.7, 0, 0.1, 0.7, 1];
 * const r = await fitRwwBold({ config, empFc, w: [0.3, 0.3, 0.3, 0.3], G: 0.3, steps: 2, lanes: 1, skip: 5 });
 * r.w; // fitted w_i
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdjointRunOp, AdjointSimulator } from '../src/engine/adjoint/index.js';
import { tensorFc, tensorFcCorrLossFull } from '../src/analysis/tensor.js';
import { loadBackend } from '../src/backend/index.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import { adam } from '../src/optim/index.js';

export interface FitRwwBoldOptions {
  /** A ReducedWongWang run with one Bold monitor (and no batch); its noise seed is replaced per step. */
  config: SimulationConfig;
  /** Empirical FC, n×n row-major. */
  empFc: ArrayLike<number>;
  /** Initial w_i (n values, e.g. from fitRwwLinear, the linearised-network initialiser) and G (Linear coupling a). */
  w: ArrayLike<number>;
  G: number;
  /** Also fit G (default false: regional w only). */
  fitG?: boolean;
  steps?: number;
  learningRate?: number;
  /** Noise realisations per step (batch lanes; default 2). */
  lanes?: number;
  /** First Bold samples left out of the FC (default 20). */
  skip?: number;
  /** Bounds for w_i and G. */
  wBounds?: [number, number];
  /** First seed of the fitting noise; step k, lane b uses seedBase + k·lanes + b (default 1000). */
  seedBase?: number;
  /**
   * true (default): fresh noise every step (the fit follows the expected FC, but each step's
   * gradient carries that realisation's noise); false: the same `lanes` realisations every step
   * (common random numbers: a deterministic loss, scored afterwards on other seeds).
   */
  freshNoise?: boolean;
  onStep?: (i: { step: number; loss: number; G: number; wMin: number; wMax: number; seconds: number }) => void;
}

export interface FitRwwBoldResult {
  w: Float64Array;
  G: number;
  /** Mean 1 − fc_corr over the lanes, per step (before that step's update). */
  trajectory: number[];
  seconds: number;
}

export async function fitRwwBold(o: FitRwwBoldOptions): Promise<FitRwwBoldResult> {
  const mons = o.config.monitors ?? [];
  if (mons.length !== 1 || mons[0].name !== 'Bold') throw new Error('fitRwwBold: config.monitors must be exactly one Bold monitor');
  if (o.config.batch) throw new Error('fitRwwBold: config.batch must be empty (lanes are the noise realisations)');
  if (!o.config.integrator.noise) throw new Error('fitRwwBold: config.integrator.noise is required (the FC comes from noise-driven fluctuations)');
  const n = o.config.connectivity?.n ?? 0;
  if (o.w.length !== n) throw new Error(`fitRwwBold: w has ${o.w.length} values; expected ${n} (one per region)`);
  if (o.empFc.length !== n * n) throw new Error(`fitRwwBold: empFc has ${o.empFc.length} values; expected ${n}×${n}`);
  const steps = o.steps ?? 40, lr = o.learningRate ?? 0.01, lanes = o.lanes ?? 2, skip = o.skip ?? 20;
  const [lo, hi] = o.wBounds ?? [0.01, 1.5];
  await loadBackend('cpu');
  const cfg: SimulationConfig = {
    ...o.config, couplingParameters: { ...o.config.couplingParameters, a: o.G }, parameters: { ...o.config.parameters, w: Array.from(o.w) },
    batch: { I_o: Array.from({ length: lanes }, () => Number(o.config.parameters?.I_o ?? 0.33)) },
  };
  const wrt = o.fitG ? ['w', 'coupling.a'] : ['w'];
  const sim = new AdjointSimulator(cfg, { wrt, layouts: { w: 'node', 'coupling.a': 'scalar' } });
  const op = new AdjointRunOp(sim);
  const target = tf.tensor2d(Float32Array.from(o.empFc), [n, n]);
  const w = Float64Array.from(o.w);
  let G = o.G;
  // Adam in float64 on (w, G); G's gradient is 0 when it is not fitted, so its update is 0 too
  const P = n + 1, opt = adam({ learningRate: lr });
  let st = opt.init(P);
  const trajectory: number[] = [];
  const t0 = performance.now();
  try {
    for (let k = 0; k < steps; k++) {
      const kk = o.freshNoise === false ? 0 : k;
      sim.setSeeds(Array.from({ length: lanes }, (_, b) => (o.seedBase ?? 1000) + kk * lanes + b));
      const wt = tf.tensor1d(Float32Array.from(w)), gt = tf.tensor1d([G]);
      const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => tf.tidy(() => {
        const [bold] = op.run(ps); // [lanes, T, 1, n, 1]
        const T = bold.shape[1]!;
        const losses = Array.from({ length: lanes }, (_, b) => tensorFcCorrLossFull(tensorFc(tf.reshape(tf.slice(bold, [b, 0, 0, 0, 0], [1, T, 1, n, 1]), [T, n]), { skip }), target));
        return tf.mean(tf.stack(losses)) as tf.Scalar;
      }))(o.fitG ? [wt, gt] : [wt]);
      const loss = value.dataSync()[0];
      const g = new Float64Array(P);
      g.set(grads[0].dataSync());
      if (o.fitG) g[n] = grads[1].dataSync()[0];
      tf.dispose([value, ...grads, wt, gt]);
      trajectory.push(loss);
      const { updates, state } = opt.update(g, st);
      st = state;
      for (let q = 0; q < n; q++) w[q] = Math.min(hi, Math.max(lo, w[q] + updates[q]));
      if (o.fitG) G = Math.max(1e-3, G + updates[n]);
      o.onStep?.({ step: k, loss, G, wMin: Math.min(...w), wMax: Math.max(...w), seconds: (performance.now() - t0) / 1000 });
    }
  } finally {
    target.dispose();
    op.dispose();
  }
  return { w, G, trajectory, seconds: (performance.now() - t0) / 1000 };
}
