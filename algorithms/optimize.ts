/**
 * Gradient-based fitting on the tensor engine. The free parameters live as one unconstrained
 * vector u (see params.ts); each step evaluates the loss and its gradient with respect to the
 * physical values through the differentiable simulation (`TensorSimulator.valueAndGrad`), maps
 * that gradient to u by the chain rule of the bound transforms, masks frozen entries, and lets an
 * optimiser move u: a tfjs optimiser by name (Adam, AdaMax, SGD, RMSProp) or one the caller made,
 * or a float64 optimiser of src/optim (u then stays in float64 between steps). Learning-rate
 * schedules, callbacks, early stopping (loss threshold, patience) and the best-seen state are
 * handled here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TensorSimulator, type TensorEngineOptions, type TensorRunResult } from '../src/tensor/engine.js';
import { ensureTfGradients } from '../src/analysis/tf-gradients.js';
import { loadBackend } from '../src/backend/index.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import { ParameterSet, type FreeParameter, type ParameterValues } from './params.js';
import { OptimizationResult } from '../src/results/tuning.js';
import { makeProgress, type ProgressOption } from './progress.js';
import { applyUpdates, type Optimizer, type OptimizerState, type Schedule } from '../src/optim/index.js';

export { schedules, type Schedule } from '../src/optim/index.js';

/** tfjs optimisers by name (float32 state, as `tf.train.<name>(learningRate)`). */
export type OptimizerName = 'adam' | 'adamax' | 'sgd' | 'rmsprop';

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
  /**
   * A tfjs optimiser by name (default 'adam') or one you made (`tf.train.momentum(...)`; fit does not dispose it),
   * or a float64 optimiser of src/optim (`adamW({ learningRate: 0.05 })`), which carries its own rate and schedule.
   */
  optimizer?: OptimizerName | tf.Optimizer | Optimizer;
  /** Base learning rate of a tfjs optimiser (default 0.01; a tfjs optimiser you made keeps its own unless given). */
  learningRate?: number;
  /** Learning rate per step for a tfjs optimiser (a float64 optimiser takes its schedule when made). */
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

const TFJS_OPTIMIZERS: Record<OptimizerName, (lr: number) => tf.Optimizer> = {
  adam: (lr) => tf.train.adam(lr),
  adamax: (lr) => tf.train.adamax(lr),
  sgd: (lr) => tf.train.sgd(lr),
  rmsprop: (lr) => tf.train.rmsprop(lr),
};

/** The optimiser's side of a fit: the current u, one step along a gradient at a learning rate, clean-up. */
interface Stepper {
  name: string;
  learningRate: number;
  u(): Float64Array;
  rate(k: number): number;
  step(grad: Float64Array, lr: number): void;
  dispose(): void;
}

function isFloat64Optimizer(o: unknown): o is Optimizer {
  return typeof o === 'object' && o !== null && !(o instanceof tf.Optimizer) && typeof (o as Optimizer).init === 'function' && typeof (o as Optimizer).update === 'function';
}

function tfjsStepper(opt: tf.Optimizer, name: string, lr0: number, schedule: Schedule | undefined, u0: Float64Array, owned: boolean): Stepper {
  const t0 = tf.tensor1d(Float32Array.from(u0), 'float32');
  const uVar = tf.variable(t0, true, `vbt_fit_u_${Date.now()}_${Math.random().toString(36).slice(2)}`);
  t0.dispose();
  return {
    name, learningRate: lr0,
    u: () => Float64Array.from(uVar.dataSync()),
    rate: (k) => (schedule ? schedule(k, lr0) : lr0),
    step(grad, lr) {
      // SGD (and momentum) keep the rate in a tensor that only setLearningRate renews
      const s = opt as unknown as { learningRate: number; setLearningRate?: (v: number) => void };
      if (s.learningRate !== lr) { if (s.setLearningRate) s.setLearningRate(lr); else s.learningRate = lr; }
      tf.tidy(() => opt.applyGradients({ [uVar.name]: tf.tensor1d(Float32Array.from(grad), 'float32') }));
    },
    dispose() { if (owned) opt.dispose(); uVar.dispose(); },
  };
}

function float64Stepper(opt: Optimizer, u0: Float64Array): Stepper {
  let u: Float64Array = u0.slice(), st: OptimizerState = opt.init(u);
  return {
    name: opt.name, learningRate: opt.learningRate,
    u: () => u,
    rate: (k) => opt.rate(k),
    step(grad) {
      const r = opt.update(grad, st, u);
      u = applyUpdates(u, r.updates); st = r.state;
    },
    dispose() {},
  };
}

/** Checks the optimiser options before any work; the stepper itself is made once the backend is loaded. */
function stepperFor(o: FitOptions): (u0: Float64Array) => Stepper {
  const given = o.optimizer ?? 'adam';
  if (isFloat64Optimizer(given)) {
    if (o.learningRate !== undefined) throw new Error(`fit: learningRate=${o.learningRate} with a float64 optimiser; give it to the optimiser (${given.name}({ learningRate }))`);
    if (o.schedule) throw new Error(`fit: schedule with a float64 optimiser; give it to the optimiser (${given.name}({ learningRate, schedule }))`);
    return (u0) => float64Stepper(given, u0);
  }
  if (given instanceof tf.Optimizer) {
    const lr0 = o.learningRate ?? (given as unknown as { learningRate?: number }).learningRate;
    if (!(typeof lr0 === 'number' && lr0 > 0)) throw new Error(`fit: learningRate=${lr0}; expected > 0 (give learningRate with this ${given.getClassName()} optimiser)`);
    return (u0) => tfjsStepper(given, given.getClassName(), lr0, o.schedule, u0, false);
  }
  const lr0 = o.learningRate ?? 0.01;
  if (!(lr0 > 0)) throw new Error(`fit: learningRate=${lr0}; expected > 0`);
  const make = Object.hasOwn(TFJS_OPTIMIZERS, given) ? TFJS_OPTIMIZERS[given] : undefined;
  if (!make) throw new Error(`fit: optimizer '${String(given)}' unknown; expected adam, adamax, sgd or rmsprop, a tf.Optimizer, or a float64 optimiser (adam, adamW, adamax, adamaxW, sgd, rmsprop from vbt)`);
  return (u0) => tfjsStepper(make(lr0), given, lr0, o.schedule, u0, true);
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
  const makeStepper = stepperFor(o);
  await loadBackend(o.backend);
  await ensureTfGradients();
  const ps = o.parameters;
  if (ps.dim === 0) throw new Error('fit: no free entries (every parameter is masked)');
  const sim = new TensorSimulator(o.config, o.engine ?? {});
  const names = sim.parameterNames();
  for (const p of ps.params) {
    if (!names.includes(engineName(p))) throw new Error(`fit: '${engineName(p)}' is not a parameter of this simulation; expected one of: ${names.join(', ')}`);
  }
  const opt = makeStepper(ps.pack());
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
      const u = opt.u();
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
      const lr = opt.rate(k);
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
      opt.step(grad, lr);
    }
  } finally {
    progress.stop();
    opt.dispose();
    sim.dispose();
  }
  const keepBest = o.keepBest ?? true;
  const finalU = keepBest && best.step >= 0 ? best.u : lastU;
  const finalValues = ps.values(finalU);
  const state = Object.fromEntries(Object.entries(finalValues).map(([n, v]) => [n, typeof v === 'number' ? v : Array.from(v)]));
  const observations = o.observe ? await o.observe(finalValues) : {};
  return new OptimizationResult({
    name: o.name ?? 'fit', state, lossTrajectory: losses, stateTrajectory: traj, bestStep: keepBest ? best.step : losses.length - 1,
    hyperparameters: { optimizer: opt.name, learningRate: opt.learningRate, steps: o.steps, ...(o.engine ?? {}), keepBest },
    observations, stoppedEarly: stopped, seconds: (performance.now() - t0) / 1000,
  });
}
