/**
 * Gradient check: the derivative of a scalar loss by the tensor engine (float32 autodiff) or the
 * float64 adjoint, against finite differences of the same loss computed with the float64 kernel
 * engine. The FD is Richardson-extrapolated over several steps h and comes with an estimate of its
 * own error; a gradient smaller than that error is reported as below finite-difference resolution
 * (no relative error is meaningful there). The loss is the mean of one variable of interest of the
 * first monitor over the second half of its samples (all batch elements and nodes) — smooth in
 * every parameter, and sensitive to the whole run.
 *
 * @example
 * ```ts
 * import { loadBackend, gradcheck, syntheticConnectome } from 'vbt';
 * await loadBackend('cpu');
 * const r = gradcheck({
 *   config: { model: 'Generic2dOscillator', connectivity: syntheticConnectome({ nodes: 4 }),
 *             coupling: 'Linear', couplingParameters: { a: 0.1 }, integrator: { dt: 0.1 }, duration: 100 },
 *   param: 'coupling.a',
 * });
 * console.log(r.autodiff, r.finiteDifference, r.relErr);   // relErr ~1e-4
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SimulationConfig } from '../simulation/config.js';
import { simulateSync } from '../simulation/simulate.js';
import { Connectivity } from '../network/connectivity.js';
import { syntheticConnectome } from '../network/synthetic.js';
import { TensorSimulator, type TensorEngineOptions, type TensorRunResult } from './engine.js';
import { AdjointSimulator } from '../engine/adjoint/run.js';
import { richardsonDerivative } from '../engine/adjoint/fd.js';

export interface GradcheckOptions {
  config: SimulationConfig;
  /** Model parameter name, `coupling.NAME` or `weights`. */
  param: string;
  /**
   * Which element to perturb: a node index for a model/coupling parameter (the parameter is then
   * differentiated per node), or a flat index i·N + j into the weights (default: the strongest link).
   * Omitted for model/coupling parameters: the whole (scalar) parameter.
   */
  index?: number;
  /** Variable of interest the loss averages (default 0). */
  voi?: number;
  /** Largest finite-difference step relative to the value (default 1e-2; the ladders go down from it). */
  step?: number;
  engine?: TensorEngineOptions;
  /** Which engine computes the gradient: the tensor engine (default) or the float64 adjoint. */
  by?: 'tensor' | 'adjoint';
}

export interface GradcheckResult {
  param: string;
  index?: number;
  value: number;
  /** Loss from the tensor engine (float32) and from the kernel engine (float64). */
  lossTensor: number;
  lossKernel: number;
  autodiff: number;
  finiteDifference: number;
  /** |autodiff − fd| / max(|fd|, 1e-12); meaningless when `belowResolution`. */
  relErr: number;
  /** Estimated absolute error of the finite difference. */
  fdError: number;
  /** The FD does not resolve this gradient to 1 % (fdError > 0.01·|fd|): a relative error means nothing here. */
  belowResolution: boolean;
  /** Largest finite-difference step of the chosen Richardson ladder. */
  h: number;
  by: 'tensor' | 'adjoint';
  seconds: { autodiff: number; finiteDifference: number };
}

/** The loss on a float64 kernel result: mean of voi over the second half of the samples. */
function kernelLoss(cfg: SimulationConfig, voi: number): number {
  const m = simulateSync({ ...cfg, onProgress: undefined }).monitor(0);
  const [B, T, V, N, M] = m.shape;
  const t0 = Math.floor(T / 2);
  let acc = 0, cnt = 0;
  for (let b = 0; b < B; b++) for (let t = t0; t < T; t++) for (let n = 0; n < N; n++) for (let k = 0; k < M; k++) {
    acc += m.data[(((b * T + t) * V + voi) * N + n) * M + k];
    cnt++;
  }
  return acc / cnt;
}

/** The same loss on a tensor-engine run. */
export function tensorLoss(out: TensorRunResult, voi = 0): tf.Scalar {
  const d = out.monitors[0].data; // [B, T, V, N, M]
  const [B, T, , N, M] = d.shape;
  const t0 = Math.floor(T / 2);
  return tf.mean(tf.slice(d, [0, t0, voi, 0, 0], [B, T - t0, 1, N, M])) as tf.Scalar;
}

/** Float64 base values of a parameter as configured: one per node (or per weight), or one value. */
function baseValues(sim: TensorSimulator, cfg: SimulationConfig, param: string): Float64Array {
  const { plan } = sim.prep;
  if (param === 'weights') return Float64Array.from((cfg.connectivity ?? syntheticConnectome()).weights);
  const coupling = param.startsWith('coupling.');
  const p = coupling ? plan.couplingParams[param.slice(9)] : plan.modelParams[param];
  if (p.kind === 'batch' || p.kind === 'batchnode') throw new Error(`gradcheck: '${param}' is batched in this configuration; check it without a batch`);
  return p.kind === 'node' ? Float64Array.from(p.data) : Float64Array.from({ length: sim.N }, () => p.data[0]);
}

function resolveIndex(sim: TensorSimulator, cfg: SimulationConfig, param: string, index: number | undefined): number | undefined {
  if (!sim.parameterNames().includes(param)) {
    throw new Error(`gradcheck: unknown parameter '${param}'; expected one of: ${sim.parameterNames().join(', ')}`);
  }
  const isWeights = param === 'weights';
  if (isWeights && index === undefined) {
    const w = (cfg.connectivity ?? syntheticConnectome()).weights;
    let best = 0;
    for (let q = 0; q < w.length; q++) if (Math.abs(w[q]) > Math.abs(w[best])) best = q;
    return best;
  }
  const limit = isWeights ? sim.N * sim.N : sim.N;
  if (index !== undefined && !(Number.isInteger(index) && index >= 0 && index < limit)) {
    throw new Error(`gradcheck: index ${index} out of range; expected 0..${limit - 1} (${isWeights ? 'flat weights index i*N + j' : 'node'})`);
  }
  if (index === undefined && !isWeights) {
    const v = baseValues(sim, cfg, param);
    if (v.some((x) => x !== v[0])) throw new Error(`gradcheck: '${param}' is per node here; pass an index to check one node`);
  }
  return index;
}

/**
 * Finite difference of the loss with the float64 kernel engine (Richardson-extrapolated):
 * d loss / d param (one node or one weight when `index` is given, the whole scalar otherwise).
 */
export function finiteDifference(opts: GradcheckOptions): number {
  return fdDetails(opts).fd;
}

function fdDetails(opts: GradcheckOptions, simIn?: TensorSimulator): { fd: number; fdError: number; lossKernel: number; h: number; base: number; index?: number } {
  const cfg = opts.config;
  const voi = opts.voi ?? 0;
  const sim = simIn ?? new TensorSimulator(cfg, opts.engine);
  try {
    const index = resolveIndex(sim, cfg, opts.param, opts.index);
    const pv = baseValues(sim, cfg, opts.param);
    const base = pv[index ?? 0];
    const conn = cfg.connectivity ?? syntheticConnectome();
    const at = (delta: number): number => {
      if (opts.param === 'weights') {
        const w = Float64Array.from(conn.weights);
        w[index!] += delta;
        const c2 = new Connectivity({ weights: w, tractLengths: conn.tractLengths, centres: conn.centres, labels: conn.labels, speed: conn.speed, name: conn.name });
        return kernelLoss({ ...cfg, connectivity: c2, idelays: cfg.idelays ?? conn.delays(cfg.integrator.dt).idelays }, voi);
      }
      const coupling = opts.param.startsWith('coupling.');
      const name = coupling ? opts.param.slice(9) : opts.param;
      let v: number | number[];
      if (index !== undefined) {
        const arr = Array.from(pv);
        arr[index] += delta;
        v = arr;
      } else v = base + delta;
      return coupling
        ? kernelLoss({ ...cfg, couplingParameters: { ...cfg.couplingParameters, [name]: v } }, voi)
        : kernelLoss({ ...cfg, parameters: { ...cfg.parameters, [name]: v } }, voi);
    };
    const lossKernel = at(0);
    const scale = (base !== 0 ? Math.abs(base) : 1e-2) * ((opts.step ?? 1e-2) / 1e-2);
    const r = richardsonDerivative((x) => at(x - base), base, scale);
    return { fd: r.value, fdError: r.error, lossKernel, h: r.h, base, index };
  } finally {
    if (!simIn) sim.dispose();
  }
}

/** The loss and its gradient by the float64 adjoint. */
function adjointGradient(cfg: SimulationConfig, param: string, index: number | undefined, voi: number): { loss: number; grad: number } {
  const sim = new AdjointSimulator(cfg, { wrt: [param], ...(index !== undefined && param !== 'weights' ? { layouts: { [param]: 'node' as const } } : {}) });
  const fw = sim.forward();
  const [B, T, V, N, M] = fw.outputs[0].shape;
  const t0 = Math.floor(T / 2), cnt = B * (T - t0) * N * M;
  const bars = new Float64Array(fw.outputs[0].data.length);
  let loss = 0;
  for (let b = 0; b < B; b++) for (let t = t0; t < T; t++) for (let n = 0; n < N; n++) for (let k = 0; k < M; k++) {
    const q = (((b * T + t) * V + voi) * N + n) * M + k;
    bars[q] = 1 / cnt;
    loss += fw.outputs[0].data[q] / cnt;
  }
  const g = fw.backward([bars])[param];
  return { loss, grad: g[index ?? 0] };
}

/** Run the check (the backend must be loaded for the tensor engine). */
export function gradcheck(opts: GradcheckOptions): GradcheckResult {
  const cfg = opts.config;
  const voi = opts.voi ?? 0;
  const by = opts.by ?? 'tensor';
  if (by !== 'tensor' && by !== 'adjoint') throw new Error(`gradcheck: engine '${by}'; expected tensor or adjoint`);
  const sim = new TensorSimulator(cfg, opts.engine);
  try {
    const N = sim.N;
    const isWeights = opts.param === 'weights';
    const index = resolveIndex(sim, cfg, opts.param, opts.index);
    const t0 = performance.now();
    let autodiff: number, lossGrad: number;
    if (by === 'adjoint') {
      const r = adjointGradient(cfg, opts.param, index, voi);
      autodiff = r.grad; lossGrad = r.loss;
    } else {
      // the parameter as a tensor: scalar, per node when one node is checked, [N, N] for weights
      const pv = baseValues(sim, cfg, opts.param);
      const p = isWeights ? tf.tensor2d(Float32Array.from(pv), [N, N]) : index !== undefined ? tf.tensor1d(Float32Array.from(pv)) : tf.scalar(pv[0]);
      const { value, grads } = sim.valueAndGrad((out) => tensorLoss(out, voi), { [opts.param]: p });
      autodiff = grads[opts.param].dataSync()[index ?? 0];
      lossGrad = value;
      grads[opts.param].dispose();
      p.dispose();
    }
    const tAd = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const d = fdDetails({ ...opts, index }, sim);
    const tFd = (performance.now() - t1) / 1000;
    return {
      param: opts.param, index, value: d.base, lossTensor: lossGrad, lossKernel: d.lossKernel, autodiff, finiteDifference: d.fd,
      relErr: Math.abs(autodiff - d.fd) / Math.max(Math.abs(d.fd), 1e-12), fdError: d.fdError, belowResolution: d.fdError > 0.01 * Math.abs(d.fd), h: d.h, by,
      seconds: { autodiff: tAd, finiteDifference: tFd },
    };
  } finally {
    sim.dispose();
  }
}
