/**
 * TVB's Bold monitor set-up: the HRF kernel sampled on the "stock" grid, and the sizes of the two
 * buffers (4 ms interim averages, a ring of `stockSteps` such averages). Facts from TVB 2.11's
 * `Bold.compute_hrf`: the stock rate is 0.25 samples/ms, stockSteps = ceil(0.25 · hrfLength), the
 * kernel is evaluated at t_k = k · (hrfLength/1000)/stockSteps seconds (k = 0 … stockSteps−1)
 * and the interim period is round(4 ms / dt) steps.
 */
import { getEquation, evaluateEquation } from '../../equations/index.js';

export const HRF_KERNELS = ['FirstOrderVolterra', 'Gamma', 'DoubleExponential', 'MixtureOfGammas'] as const;
export type HrfKernelName = (typeof HRF_KERNELS)[number];

/** TVB's stock sampling rate (samples per ms): one interim average every 4 ms. */
export const BOLD_STOCK_RATE_PER_MS = 0.25;

export interface HrfOptions {
  /** Kernel (default FirstOrderVolterra, TVB's default). */
  kernel?: HrfKernelName;
  /** Kernel parameters overriding the defaults (e.g. { tau_s: 0.8, k_1: 5.6, V_0: 0.02 }). */
  parameters?: Record<string, number>;
  /** Kernel support in ms (TVB's hrf_length, default 20000). */
  hrfLength?: number;
}

export interface HrfSetup {
  kernel: HrfKernelName;
  /** G(t_k), k = 0 … S−1, in forward time order. */
  values: Float64Array;
  /** t_k in seconds. */
  time: Float64Array;
  /** S: number of interim averages in the ring. */
  stockSteps: number;
  /** Interim period in ms (4). */
  interimPeriod: number;
  /** For FirstOrderVolterra: k_1·V_0 and the output is k_1·V_0·(conv − 1); otherwise null (raw conv). */
  k1V0: number | null;
}

/**
 * The sampled HRF kernel as TVB's Bold monitor uses it.
 *
 * @example
 * ```ts
 * import { boldHrf } from 'vbt';
 * const h = boldHrf(); // FirstOrderVolterra over 20 s
 * h.stockSteps;        // 5000
 * h.values[0];         // 0 (G(0))
 * ```
 */
export function boldHrf(opts: HrfOptions = {}): HrfSetup {
  const kernel = opts.kernel ?? 'FirstOrderVolterra';
  if (!HRF_KERNELS.includes(kernel)) throw new Error(`Bold: unknown hrf kernel '${kernel}'; expected one of: ${HRF_KERNELS.join(', ')}`);
  const hrfLength = opts.hrfLength ?? 20000;
  if (!(hrfLength > 0) || !Number.isFinite(hrfLength)) throw new Error(`Bold: hrfLength=${hrfLength} ms; expected a positive number of ms`);
  const S = Math.ceil(BOLD_STOCK_RATE_PER_MS * hrfLength);
  const tMax = hrfLength / 1000;
  const step = tMax / S;
  const time = Float64Array.from({ length: S }, (_, k) => k * step);
  const spec = getEquation(kernel);
  const values = evaluateEquation(spec, opts.parameters ?? {}, time);
  for (let k = 0; k < S; k++) {
    if (!Number.isFinite(values[k])) {
      throw new Error(`Bold: the ${kernel} kernel is not finite at t=${time[k]} s with parameters ${JSON.stringify(opts.parameters ?? {})} (FirstOrderVolterra needs 1/tau_f > 1/(4 tau_s^2))`);
    }
  }
  let k1V0: number | null = null;
  if (kernel === 'FirstOrderVolterra') {
    const p = { k_1: 5.6, V_0: 0.02, ...(opts.parameters ?? {}) };
    k1V0 = p.k_1 * p.V_0;
  }
  return { kernel, values, time, stockSteps: S, interimPeriod: 1 / BOLD_STOCK_RATE_PER_MS, k1V0 };
}

/**
 * Python's round(): halves go to the even neighbour (TVB's `int(round(x))`).
 *
 * @example
 * ```ts
 * import { roundHalfEven } from 'vbt/internals';
 * roundHalfEven(2.5); // 2
 * ```
 */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x), d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * TVB's interim period in integration steps: round(4 ms / dt), halves to even as Python does.
 *
 * @example
 * ```ts
 * import { boldInterimSteps } from 'vbt/internals';
 * boldInterimSteps(0.1); // 40
 * ```
 */
export function boldInterimSteps(dt: number): number {
  const I = roundHalfEven(1 / BOLD_STOCK_RATE_PER_MS / dt);
  if (I < 1) throw new Error(`Bold: dt=${dt} ms is longer than the 4 ms interim period; expected dt <= 4 ms (better a divisor of 4)`);
  return I;
}
