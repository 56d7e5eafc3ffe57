/**
 * Gradient-based fitting on the tensor engine. The free parameters live as one unconstrained
 * vector u (see params.ts); each step evaluates the loss and its gradient with respect to the
 * physical values through the differentiable simulation (`TensorSimulator.valueAndGrad`), maps
 * that gradient to u by the chain rule of the bound transforms, masks frozen entries, and lets a
 * tfjs optimiser (Adam, AdaMax, SGD, RMSProp) move u. Learning-rate schedules, callbacks, early
 * stopping (loss threshold, patience) and the best-seen state are handled here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TensorSimulator, type TensorEngineOptions, type TensorRunResult } from '../src/tensor/engine.js';
import { ensureTfGradients } from '../src/analysis/tf-gradients.js';
import { loadBackend } from '../src/backend/index.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import { ParameterSet, type FreeParameter, type ParameterValues } from './params.js';
import { OptimizationResult } from '../src/results/tuning.js';
import { makeProgress, type ProgressOption } from './progress.js';

export type OptimizerName = 'adam' | 'adamax' | 'sgd' | 'rmsprop';
/** Learning rate at step k (0-based) from the base rate. */
export type Schedule = (step: number, base: number) => number;

/** Common learning-rate schedules. */
export const schedules = {
  constant: (): Schedule => (_k, lr) => lr,
  /** lr·rate^(k/every). */
  exponentialDecay: (rate: number, every = 1): Schedule => (k, lr) => lr * rate ** (k / every),
  /** Linear ramp from lr/steps to lr over `steps`, then constant. */
  linearWarmup: (steps: number): Schedule => (k, lr) => (k < steps ? (lr * (k + 1)) / steps : lr),
  /** Cosine from lr down to minLr over `total` steps. */
  cosine: (total: number, minLr = 0): Schedule => (k, lr) => minLr + 0.5 * (lr - minLr) * (1 + Math.cos((Math.PI * Math.min(k, total)) / total)),
};

export interface StepInfo {
  step: number;
  loss: number;
  learningRate: number;
  values: ParameterValues;
  gradNorm: number;
}

export interface FitOptions {
  name?: string;
  /** The simulation (tensor engine); free parameters override its values. */
  config: SimulationConfig;
  parameters: ParameterSet;
  /** Scalar loss of the run (tfjs ops only, so it is differentiable). */
  loss: (out: TensorRunResult) => tf.Scalar;
  optimizer?: OptimizerName;
  learningRate?: number;
  schedule?: Schedule;
  /** Maximum number of optimisation steps. */
  steps: number;
  earlyStop?: { lossBelow?: number; patience?: number; minDelta?: number };
  /** Return the best-seen state instead of the last (default true). */
  keepBest?: boolean;
  /** Tensor-engine options: checkpointing and truncated backpropagation. */
  engine?: TensorEngineOptions;
  /** Called after every step; return true to stop. */
  onStep?: (info: StepInfo) => boolean | void;
  /** Observations of the final state (e.g. a kernel-engine run's fc_corr), stored in the result. */
  observe?: (values: ParameterValues) => Record<string, number> | Promise<Record<string, number>>;
  /** tfjs backend (default: loadBackend's automatic choice). */
  backend?: string;
  progress?: ProgressOption;
}

/** Name the tensor engine uses for a free parameter. */
export function engineName(p: FreeParameter): string {
  if (p.target === 'coupling') return `coupling.${p.name}`;
  if (p.target === 'network') {
    if (p.name !== 'weights') throw new Error(`fit: network parameter '${p.name}' unknown; only 'weights' is supported`);
    return 'weights';
  }
  return p.name;
}

function toTensor(p: FreeParameter, v: number | Float64Array): tf.Tensor {
  if (p.scope === 'global') return tf.scalar(v as number, 'float32');
  if (p.scope === 'regional') return tf.tensor1d(Float32Array.from(v as Float64Array), 'float32');
  return tf.tensor2d(Float32Array.from(v as Float64Array), [p.n, p.n], 'float32');
}

function makeOptimizer(name: OptimizerName, lr: number): tf.Optimizer {
  switch (name) {
    case 'adam': return tf.train.adam(lr);
    case 'adamax': return tf.train.adamax(lr);
    case 'sgd': return tf.train.sgd(lr);
    case 'rmsprop': return tf.train.rmsprop(lr);
    default: throw new Error(`fit: optimizer '${String(name)}' unknown; expected adam, adamax, sgd or rmsprop`);
  }
}

/**
 * Value and gradient of the loss with respect to the unconstrained vector u.
 */
export function lossAndGradient(sim: TensorSimulator, ps: ParameterSet, loss: (out: TensorRunResult) => tf.Scalar, u: ArrayLike<number>): { loss: number; grad: Float64Array } {
  const values = ps.values(u);
  const wrt: Record<string, tf.Tensor> = {};
  for (const p of ps.params) wrt[engineName(p)] = toTensor(p, values[p.name]);
  let res: { value: number; grads: Record<string, tf.Tensor> } | undefined;
  try {
    res = sim.valueAndGrad(loss, wrt);
    const dv: Record<string, number | Float64Array> = {};
    for (const p of ps.params) {
      const g = Float64Array.from(res.grads[engineName(p)].dataSync());
      dv[p.name] = p.scope === 'global' ? g[0] : g;
    }
    return { loss: res.value, grad: ps.pullback(u, dv) };
  } finally {
    for (const t of Object.values(wrt)) t.dispose();
    if (res) for (const t of Object.values(res.grads)) t.dispose();
  }
}

/**
 * Fit free parameters by gradient descent through the tensor engine.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { ParameterSet, fit, globalParameter, logPositive } from 'vbt/algorithms';
 * const config = { model: 'Generic2dOscillator', integrator: { dt: 0.5 }, duration: 10, monitors: [{ name: 'TemporalAverage', period: 5 }] };
 * const target = 0.1;
 * const ps = new ParameterSet([globalParameter('a', 0.1, { target: 'coupling', transform: logPositive })]);
 * const res = await fit({ config, parameters: ps, steps: 3, optimizer: 'adam', learningRate: 0.05,
 *   loss: (out) => tf.mean(tf.square(tf.sub(out.monitors[0].data, target))) });
 * res.state.a; res.lossTrajectory;
 * ```
 */
export async function fit(o: FitOptions): Promise<OptimizationResult> {
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new Error(`fit: steps=${o.steps}; expected a positive integer`);
  const lr0 = o.learningRate ?? 0.01;
  if (!(lr0 > 0)) throw new Error(`fit: learningRate=${lr0}; expected > 0`);
  await loadBackend(o.backend);
  await ensureTfGradients();
  const ps = o.parameters;
  if (ps.dim === 0) throw new Error('fit: no free entries (every parameter is masked)');
  const sim = new TensorSimulator(o.config, o.engine ?? {});
  const names = sim.parameterNames();
  for (const p of ps.params) {
    if (!names.includes(engineName(p))) throw new Error(`fit: '${engineName(p)}' is not a parameter of this simulation; expected one of: ${names.join(', ')}`);
  }
  const optName = o.optimizer ?? 'adam';
  const opt = makeOptimizer(optName, lr0);
  const u0 = tf.tensor1d(Float32Array.from(ps.pack()), 'float32');
  const uVar = tf.variable(u0, true, `vbt_fit_u_${Date.now()}_${Math.random().toString(36).slice(2)}`);
  u0.dispose();
  const losses: number[] = [];
  const traj: Record<string, number | number[]>[] = [];
  let best = { loss: Infinity, u: ps.pack(), step: -1 };
  let lastU = ps.pack();
  let stopped: string | null = null;
  let sinceBest = 0;
  const progress = makeProgress(o.progress, o.steps, o.name ?? 'fit');
  const t0 = performance.now();
  try {
    for (let k = 0; k < o.steps; k++) {
      const u = Float64Array.from(uVar.dataSync());
      lastU = u;
      let step: { loss: number; grad: Float64Array };
      try {
        step = lossAndGradient(sim, ps, o.loss, u);
      } catch (e) {
        // a parameter set that makes the simulation diverge ends the fit; the best-seen state stands
        if ((e as Error).name !== 'DivergenceError') throw e;
        stopped = `simulation diverged at step ${k}: ${(e as Error).message}`;
        break;
      }
      const { loss, grad } = step;
      if (!Number.isFinite(loss)) { stopped = `non-finite loss at step ${k}`; break; }
      const values = ps.values(u);
      losses.push(loss);
      traj.push(Object.fromEntries(Object.entries(values).map(([n, v]) => [n, typeof v === 'number' ? v : Array.from(v)])));
      const minDelta = o.earlyStop?.minDelta ?? 0;
      if (loss < best.loss - minDelta) { best = { loss, u, step: k }; sinceBest = 0; } else sinceBest++;
      const lr = o.schedule ? o.schedule(k, lr0) : lr0;
      let gn = 0;
      for (const g of grad) gn += g * g;
      const info: StepInfo = { step: k, loss, learningRate: lr, values, gradNorm: Math.sqrt(gn) };
      progress.update(k + 1, `loss ${loss.toPrecision(4)}`);
      if (o.onStep?.(info) === true) { stopped = `callback at step ${k}`; break; }
      if (o.earlyStop?.lossBelow !== undefined && loss < o.earlyStop.lossBelow) { stopped = `loss ${loss} below ${o.earlyStop.lossBelow} at step ${k}`; break; }
      if (o.earlyStop?.patience !== undefined && sinceBest >= o.earlyStop.patience) { stopped = `no improvement for ${o.earlyStop.patience} steps at step ${k}`; break; }
      // a non-finite gradient with a finite loss would turn every parameter into NaN through the optimiser
      const bad = grad.findIndex((g) => !Number.isFinite(g));
      if (bad >= 0) { stopped = `non-finite gradient at step ${k} (entry ${bad} of ${grad.length})`; break; }
      if (k === o.steps - 1) break; // the last evaluated state is the final one
      (opt as unknown as { learningRate: number }).learningRate = lr;
      tf.tidy(() => opt.applyGradients({ [uVar.name]: tf.tensor1d(Float32Array.from(grad), 'float32') }));
    }
  } finally {
    progress.stop();
    opt.dispose();
    uVar.dispose();
    sim.dispose();
  }
  const keepBest = o.keepBest ?? true;
  const finalU = keepBest && best.step >= 0 ? best.u : lastU;
  const finalValues = ps.values(finalU);
  const state = Object.fromEntries(Object.entries(finalValues).map(([n, v]) => [n, typeof v === 'number' ? v : Array.from(v)]));
  const observations = o.observe ? await o.observe(finalValues) : {};
  return new OptimizationResult({
    name: o.name ?? 'fit', state, lossTrajectory: losses, stateTrajectory: traj, bestStep: keepBest ? best.step : losses.length - 1,
    hyperparameters: { optimizer: optName, learningRate: lr0, steps: o.steps, ...(o.engine ?? {}), keepBest },
    observations, stoppedEarly: stopped, seconds: (performance.now() - t0) / 1000,
  });
}
