/**
 * TVB Bold's streaming arithmetic, once for every form (the float64 ring `TvbBold`, the kernel
 * emitter, the tensor monitor, `tensorBold` and the adjoint): the TR in steps, the HRF on the
 * stock grid, the interim period I, the ring length S and the weight of an average by its lag
 * (lagW[0] for the newest: TVB's offset puts G(t_{S−1}) there, then G(t_{p−1}) for lag p).
 *
 * The streaming forms need no ring: BOLD is linear in the 4 ms averages and an average only reaches
 * outputs emitted within hrfLength after it, so each finished block adds its average, weighted by
 * lagW of its lag, into one accumulator per pending output (K ≈ hrfLength/TR + 1 of them).
 */
import { countMultiples } from '../kernel.js';
import { boldHrf, boldInterimSteps, roundHalfEven, type HrfKernelName, type HrfSetup } from './hrf.js';

/** The Bold spec fields the arithmetic reads (`kernel`/`parameters` are HrfOptions' names for the same). */
export interface BoldSamplingSpec {
  period?: number;
  hrfKernel?: HrfKernelName;
  hrfParameters?: Record<string, number>;
  hrfLength?: number;
  kernel?: HrfKernelName;
  parameters?: Record<string, number>;
}

export interface BoldSampling {
  /** TR in steps (TVB rounds half to even). */
  istep: number;
  hrf: HrfSetup;
  /** Interim period in steps. */
  I: number;
  /** Interim averages in the ring. */
  S: number;
  /** Kernel weight of the average p interim periods older than the newest, p = 0 … S−1. */
  lagW: Float64Array;
}

/** TR, HRF and lag weights for step dt; `label` starts the error messages. */
export function boldSampling(spec: BoldSamplingSpec, dt: number, label = 'monitor Bold'): BoldSampling {
  const period = spec.period ?? 2000;
  if (!(period > 0)) throw new Error(`${label}: period must be > 0 ms, got ${period}`);
  const istep = roundHalfEven(period / dt);
  if (istep < 1) throw new Error(`${label}: period ${period} ms is shorter than dt ${dt} ms`);
  const hrf = boldHrf({ kernel: spec.hrfKernel ?? spec.kernel, parameters: spec.hrfParameters ?? spec.parameters, hrfLength: spec.hrfLength });
  return { istep, hrf, I: boldInterimSteps(dt), S: hrf.stockSteps, lagW: boldLagWeights(hrf) };
}

/** The kernel weight of an average by its lag p (interim periods back from the newest): TVB's offset puts G(t_{S−1}) on the newest, then G(t_{p−1}). */
export function boldLagWeights(hrf: HrfSetup): Float64Array {
  const S = hrf.stockSteps, G = hrf.values;
  const w = new Float64Array(S);
  w[0] = G[S - 1];
  for (let p = 1; p < S; p++) w[p] = G[p - 1];
  return w;
}

/** lagW[p], 0 outside the ring. */
export function boldLagWeight(lagW: Float64Array, p: number): number {
  return p < 0 || p >= lagW.length ? 0 : lagW[p];
}

/**
 * How many BOLD outputs one 4 ms average can reach: the most outputs (at steps s1 + k·istep,
 * k < nS) whose newest block floor(step/I) lies within one window of S blocks. The streaming Bold
 * monitors keep that many accumulators per batch element.
 */
export function boldPendingOutputs(istep: number, I: number, S: number, s1: number, nS: number): number {
  const newest = (k: number) => Math.floor((s1 + k * istep) / I);
  let K = 1;
  for (let a = 0, b = 0; a < nS; a++) {
    while (newest(b) < newest(a) - S + 1) b++;
    K = Math.max(K, a - b + 1);
  }
  return K;
}

/**
 * The Bold monitor's sampling and kernel for recorded steps sFirst … sLast, shared by every engine
 * that streams it: boldSampling plus the sample count nS, the first sample step s1 and the pending
 * outputs K.
 */
export function boldSetup(spec: BoldSamplingSpec, ctx: { dt: number; sFirst: number; sLast: number }) {
  const { dt, sFirst, sLast } = ctx;
  const { istep, hrf, I, S, lagW } = boldSampling(spec, dt);
  const nS = countMultiples(istep, sFirst, sLast);
  const s1 = Math.ceil(sFirst / istep) * istep; // first output step
  const K = boldPendingOutputs(istep, I, S, s1, nS);
  return { istep, hrf, I, S, nS, s1, K, lagW };
}
