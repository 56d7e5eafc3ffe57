/**
 * First-order optimisers in float64 as pure `{ init, update }` pairs on one flat Float64Array of parameters:
 * `update(grads, state, params)` returns the updates to add to the parameters and the next state, and changes none
 * of its arguments. Fitters keep their own bounds, step halving and stopping rules around it.
 *
 * Why float64 rather than tfjs's optimisers: those keep their moments in float32, which rounds away the small moves
 * of thousands of edge weights and makes a fit's trajectory depend on the tfjs backend. The update rules are the
 * standard ones (Kingma & Ba 2015 for Adam and AdaMax, Loshchilov & Hutter 2019 for decoupled weight decay,
 * Tieleman & Hinton 2012 for RMSProp in TensorFlow's form, heavy-ball/Nesterov momentum in TensorFlow's form).
 */
import type { Schedule } from './schedules.js';

/** State of one optimiser: the number of updates taken and its per-parameter moment slots. */
export interface OptimizerState {
  readonly count: number;
  readonly [slot: string]: Float64Array | number;
}

export interface Optimizer<S extends OptimizerState = OptimizerState> {
  /** Name as recorded in a fit's hyperparameters ('adam', 'adamaxw', ...). */
  readonly name: string;
  /** The base learning rate (the schedule, if any, scales it per step). */
  readonly learningRate: number;
  /** The learning rate of update number `count` (0-based). */
  rate(count: number): number;
  /** Zero state for parameters of this length (or like these parameters). */
  init(params: ArrayLike<number> | number): S;
  /** Updates to add to `params` and the next state; `params` is needed by the weight-decay variants. */
  update(grads: ArrayLike<number>, state: S, params?: ArrayLike<number>): { updates: Float64Array; state: S };
}

/** params + updates as a new array (the optimisers' updates already carry the minus sign and the learning rate). */
export function applyUpdates(params: ArrayLike<number>, updates: ArrayLike<number>): Float64Array {
  if (params.length !== updates.length) throw new Error(`applyUpdates: params has ${params.length} entries, updates ${updates.length}`);
  const out = new Float64Array(params.length);
  for (let k = 0; k < out.length; k++) out[k] = params[k] + updates[k];
  return out;
}

interface Common {
  /** Base learning rate (> 0). */
  learningRate: number;
  /** Learning rate per update from the base rate (see `schedules`). */
  schedule?: Schedule;
}

export interface AdamOptions extends Common {
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (Adam) or of the infinity norm (AdaMax) (default 0.999). */
  beta2?: number;
  /** Added to the denominator against division by zero (default 1e-8). */
  epsilon?: number;
}

export interface WeightDecayOptions {
  /** Decoupled weight decay: the update gains −lr·wd·x (default 1e-4, optax's adamw/adamaxw default). */
  weightDecay?: number;
}

export interface SgdOptions extends Common {
  /** Heavy-ball momentum μ ∈ [0, 1) (default 0: plain gradient descent). */
  momentum?: number;
  /** Nesterov's form of the momentum step (default false). */
  nesterov?: boolean;
}

export interface RmsPropOptions extends Common {
  /** Decay ρ of the mean square (default 0.9). */
  decay?: number;
  /** Momentum on the scaled step (default 0). */
  momentum?: number;
  /** Divide by the variance (mean square minus squared mean) instead of the mean square (default false). */
  centered?: boolean;
  /** Added under the square root (TensorFlow's placement; default 1e-8). */
  epsilon?: number;
}

/** Adam's and AdamW's state: first moment mu, second moment nu. */
export interface AdamState extends OptimizerState { readonly count: number; readonly mu: Float64Array; readonly nu: Float64Array }
/** AdaMax's and AdaMaxW's state: first moment mu, infinity norm nu. */
export interface AdaMaxState extends OptimizerState { readonly count: number; readonly mu: Float64Array; readonly nu: Float64Array }
export interface SgdState extends OptimizerState { readonly count: number; readonly velocity: Float64Array }
export interface RmsPropState extends OptimizerState { readonly count: number; readonly meanSquare: Float64Array; readonly meanGrad: Float64Array; readonly moment: Float64Array }

function check(name: string, field: string, v: number, ok: boolean, expected: string): void {
  if (!ok) throw new Error(`${name}: ${field}=${v}; expected ${expected}`);
}

function base(name: string, o: Common): Pick<Optimizer, 'name' | 'learningRate' | 'rate'> {
  check(name, 'learningRate', o.learningRate, o.learningRate > 0 && Number.isFinite(o.learningRate), 'a finite number > 0');
  const lr = o.learningRate, schedule = o.schedule;
  return { name, learningRate: lr, rate: (count) => (schedule ? schedule(count, lr) : lr) };
}

function decays(name: string, o: AdamOptions): { b1: number; b2: number; eps: number } {
  const b1 = o.beta1 ?? 0.9, b2 = o.beta2 ?? 0.999, eps = o.epsilon ?? 1e-8;
  check(name, 'beta1', b1, b1 >= 0 && b1 < 1, 'a number in [0, 1)');
  check(name, 'beta2', b2, b2 >= 0 && b2 < 1, 'a number in [0, 1)');
  check(name, 'epsilon', eps, eps >= 0, '≥ 0');
  return { b1, b2, eps };
}

function weightDecay(name: string, o: WeightDecayOptions): number {
  const wd = o.weightDecay ?? 1e-4;
  check(name, 'weightDecay', wd, wd >= 0 && Number.isFinite(wd), 'a finite number ≥ 0');
  return wd;
}

function size(p: ArrayLike<number> | number): number {
  return typeof p === 'number' ? p : p.length;
}

function sizes(name: string, grads: ArrayLike<number>, slot: Float64Array, params: ArrayLike<number> | undefined, needParams: boolean): void {
  if (grads.length !== slot.length) throw new Error(`${name}.update: grads has ${grads.length} entries, the state ${slot.length}`);
  if (needParams && !params) throw new Error(`${name}.update: params are required (the weight decay is proportional to them)`);
  if (params && params.length !== slot.length) throw new Error(`${name}.update: params has ${params.length} entries, the state ${slot.length}`);
}

function adamFamily(name: string, o: AdamOptions, wd: number): Optimizer<AdamState> {
  const b = base(name, o), { b1, b2, eps } = decays(name, o);
  return {
    ...b,
    init: (p) => ({ count: 0, mu: new Float64Array(size(p)), nu: new Float64Array(size(p)) }),
    update(g, st, x) {
      sizes(name, g, st.mu, x, wd > 0);
      const t = st.count + 1, lr = b.rate(st.count);
      const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
      const mu = new Float64Array(g.length), nu = new Float64Array(g.length), updates = new Float64Array(g.length);
      for (let k = 0; k < g.length; k++) {
        mu[k] = b1 * st.mu[k] + (1 - b1) * g[k];
        nu[k] = b2 * st.nu[k] + (1 - b2) * g[k] * g[k];
        const d = Math.sqrt(nu[k] / c2) + eps;
        // two groupings, so that the float64 fits that carried their own copies keep their bits
        updates[k] = wd > 0 ? -(lr * ((mu[k] / c1) / d + wd * x![k])) : -((lr * (mu[k] / c1)) / d);
      }
      return { updates, state: { count: t, mu, nu } };
    },
  };
}

function adamaxFamily(name: string, o: AdamOptions, wd: number): Optimizer<AdaMaxState> {
  const b = base(name, o), { b1, b2, eps } = decays(name, o);
  return {
    ...b,
    init: (p) => ({ count: 0, mu: new Float64Array(size(p)), nu: new Float64Array(size(p)) }),
    update(g, st, x) {
      sizes(name, g, st.mu, x, wd > 0);
      const t = st.count + 1, lr = b.rate(st.count);
      const c1 = 1 - b1 ** t;
      const mu = new Float64Array(g.length), nu = new Float64Array(g.length), updates = new Float64Array(g.length);
      for (let k = 0; k < g.length; k++) {
        mu[k] = b1 * st.mu[k] + (1 - b1) * g[k];
        // ε inside the max (optax's placement): the norm never falls below ε, so a zero gradient gives a zero step
        const a = Math.abs(g[k]) + eps, c = b2 * st.nu[k];
        nu[k] = a > c ? a : c;
        updates[k] = wd > 0 ? -(lr * (mu[k] / c1 / nu[k] + wd * x![k])) : -(lr * (mu[k] / c1 / nu[k]));
      }
      return { updates, state: { count: t, mu, nu } };
    },
  };
}

/**
 * Adam: u = −lr·m̂/(√v̂ + ε) with bias-corrected moments m̂ = m/(1−β1^t), v̂ = v/(1−β2^t).
 *
 * @example
 * ```ts
 * import { adam, applyUpdates } from 'vbt';
 * const opt = adam({ learningRate: 0.1 });
 * let x = Float64Array.of(1, -2), st = opt.init(x);
 * const { updates, state } = opt.update(Float64Array.of(3, -0.5), st);
 * x = applyUpdates(x, updates); st = state;
 * x; // ≈ [0.9, -1.9]: the first Adam step moves every entry by lr·sign(g)
 * ```
 */
export function adam(o: AdamOptions): Optimizer<AdamState> {
  return adamFamily('adam', o, 0);
}

/** AdamW: Adam plus decoupled weight decay, u = −lr·(m̂/(√v̂ + ε) + wd·x). */
export function adamW(o: AdamOptions & WeightDecayOptions): Optimizer<AdamState> {
  return adamFamily('adamw', o, weightDecay('adamw', o));
}

/**
 * AdaMax: Adam with the infinity norm, ν = max(β2·ν, |g| + ε), u = −lr·m̂/ν.
 *
 * @example
 * ```ts
 * import { adamax } from 'vbt';
 * const opt = adamax({ learningRate: 0.1 });
 * const { updates } = opt.update(Float64Array.of(5, -0.01), opt.init(2));
 * updates; // ≈ [-0.1, 0.1]
 * ```
 */
export function adamax(o: AdamOptions): Optimizer<AdaMaxState> {
  return adamaxFamily('adamax', o, 0);
}

/** AdaMaxW: AdaMax plus decoupled weight decay, u = −lr·(m̂/ν + wd·x) (optax's adamaxw). */
export function adamaxW(o: AdamOptions & WeightDecayOptions): Optimizer<AdaMaxState> {
  return adamaxFamily('adamaxw', o, weightDecay('adamaxw', o));
}

/**
 * Gradient descent, with heavy-ball or Nesterov momentum in TensorFlow's form: v = μ·v + g, u = −lr·v
 * (Nesterov: u = −lr·(g + μ·v)).
 *
 * @example
 * ```ts
 * import { sgd } from 'vbt';
 * const opt = sgd({ learningRate: 0.5, momentum: 0.9 });
 * const s1 = opt.update([1], opt.init(1)), s2 = opt.update([1], s1.state);
 * s2.updates[0]; // -0.95 = −0.5·(0.9·1 + 1)
 * ```
 */
export function sgd(o: SgdOptions): Optimizer<SgdState> {
  const name = o.momentum ? 'momentum' : 'sgd';
  const b = base(name, o), mom = o.momentum ?? 0, nesterov = o.nesterov ?? false;
  check(name, 'momentum', mom, mom >= 0 && mom < 1, 'a number in [0, 1)');
  return {
    ...b,
    init: (p) => ({ count: 0, velocity: new Float64Array(size(p)) }),
    update(g, st, x) {
      sizes(name, g, st.velocity, x, false);
      const lr = b.rate(st.count);
      const velocity = new Float64Array(g.length), updates = new Float64Array(g.length);
      for (let k = 0; k < g.length; k++) {
        velocity[k] = mom * st.velocity[k] + g[k];
        updates[k] = -lr * (nesterov ? g[k] + mom * velocity[k] : velocity[k]);
      }
      return { updates, state: { count: st.count + 1, velocity } };
    },
  };
}

/**
 * RMSProp in TensorFlow's form: s = ρ·s + (1−ρ)·g², m = μ·m + lr·g/√(s + ε), u = −m; centered, s − ḡ² replaces s
 * (ḡ = ρ·ḡ + (1−ρ)·g).
 *
 * @example
 * ```ts
 * import { rmsprop } from 'vbt';
 * const opt = rmsprop({ learningRate: 0.01, epsilon: 0 });
 * opt.update([2], opt.init(1)).updates[0]; // −0.01/√0.1 ≈ -0.0316
 * ```
 */
export function rmsprop(o: RmsPropOptions): Optimizer<RmsPropState> {
  const name = 'rmsprop';
  const b = base(name, o), rho = o.decay ?? 0.9, mom = o.momentum ?? 0, eps = o.epsilon ?? 1e-8, centered = o.centered ?? false;
  check(name, 'decay', rho, rho >= 0 && rho < 1, 'a number in [0, 1)');
  check(name, 'momentum', mom, mom >= 0 && mom < 1, 'a number in [0, 1)');
  check(name, 'epsilon', eps, eps >= 0, '≥ 0');
  return {
    ...b,
    init: (p) => ({ count: 0, meanSquare: new Float64Array(size(p)), meanGrad: new Float64Array(centered ? size(p) : 0), moment: new Float64Array(size(p)) }),
    update(g, st, x) {
      sizes(name, g, st.meanSquare, x, false);
      const lr = b.rate(st.count);
      const meanSquare = new Float64Array(g.length), meanGrad = new Float64Array(centered ? g.length : 0);
      const moment = new Float64Array(g.length), updates = new Float64Array(g.length);
      for (let k = 0; k < g.length; k++) {
        meanSquare[k] = rho * st.meanSquare[k] + (1 - rho) * g[k] * g[k];
        let s = meanSquare[k];
        if (centered) {
          meanGrad[k] = rho * st.meanGrad[k] + (1 - rho) * g[k];
          s -= meanGrad[k] * meanGrad[k];
        }
        moment[k] = mom * st.moment[k] + (lr * g[k]) / Math.sqrt(s + eps);
        updates[k] = -moment[k];
      }
      return { updates, state: { count: st.count + 1, meanSquare, meanGrad, moment } };
    },
  };
}
