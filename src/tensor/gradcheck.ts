/**
 * Gradient check: the tensor engine's autodiff derivative of a scalar loss against a central finite
 * difference of the same loss computed with the float64 kernel engine. The loss is the mean of one
 * variable of interest of the first monitor over the second half of its samples (all batch
 * elements and nodes) — smooth in every parameter, and sensitive to the whole run.
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
  /** Relative finite-difference step (default 1e-4; absolute 1e-6 when the value is 0). */
  step?: number;
  engine?: TensorEngineOptions;
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
  /** |autodiff − fd| / max(|fd|, 1e-12). */
  relErr: number;
  /** Finite-difference step actually used. */
  h: number;
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
 * Central finite difference of the loss with the float64 kernel engine: d loss / d param (one node
 * or one weight when `index` is given, the whole scalar otherwise).
 */
export function finiteDifference(opts: GradcheckOptions): number {
  return fdDetails(opts).fd;
}

function fdDetails(opts: GradcheckOptions, simIn?: TensorSimulator): { fd: number; lossKernel: number; h: number; base: number; index?: number } {
  const cfg = opts.config;
  const voi = opts.voi ?? 0;
  const sim = simIn ?? new TensorSimulator(cfg, opts.engine);
  try {
    const index = resolveIndex(sim, cfg, opts.param, opts.index);
    const pv = baseValues(sim, cfg, opts.param);
    const base = pv[index ?? 0];
    const h = base !== 0 ? Math.abs(base) * (opts.step ?? 1e-4) : 1e-6;
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
    const fd = (at(h) - at(-h)) / (2 * h);
    return { fd, lossKernel, h, base, index };
  } finally {
    if (!simIn) sim.dispose();
  }
}

/** Run the check (the backend must be loaded). */
export function gradcheck(opts: GradcheckOptions): GradcheckResult {
  const cfg = opts.config;
  const voi = opts.voi ?? 0;
  const sim = new TensorSimulator(cfg, opts.engine);
  try {
    const N = sim.N;
    const isWeights = opts.param === 'weights';
    const index = resolveIndex(sim, cfg, opts.param, opts.index);
    // the parameter as a tensor: scalar, per node when one node is checked, [N, N] for weights
    const pv = baseValues(sim, cfg, opts.param);
    const p = isWeights ? tf.tensor2d(Float32Array.from(pv), [N, N]) : index !== undefined ? tf.tensor1d(Float32Array.from(pv)) : tf.scalar(pv[0]);
    const t0 = performance.now();
    const { value, grads } = sim.valueAndGrad((out) => tensorLoss(out, voi), { [opts.param]: p });
    const gv = grads[opts.param].dataSync();
    const autodiff = gv[index ?? 0];
    grads[opts.param].dispose();
    p.dispose();
    const tAd = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const d = fdDetails({ ...opts, index }, sim);
    const tFd = (performance.now() - t1) / 1000;
    return {
      param: opts.param, index, value: d.base, lossTensor: value, lossKernel: d.lossKernel, autodiff, finiteDifference: d.fd,
      relErr: Math.abs(autodiff - d.fd) / Math.max(Math.abs(d.fd), 1e-12), h: d.h,
      seconds: { autodiff: tAd, finiteDifference: tFd },
    };
  } finally {
    sim.dispose();
  }
}
