/**
 * The Balloon–Windkessel haemodynamic model (Friston et al. 2000; Stephan et al. 2007 BOLD
 * coefficients), an ODE alternative to the HRF convolution. Time inside is in seconds; the input
 * is neural activity, meant as a firing rate in Hz. Per node the state is (s, f, v, q):
 *   ds/dt = x − s/τ_s − (f − 1)/τ_f            (vasodilatory signal)
 *   df/dt = s                                   (inflow)
 *   dv/dt = (f − v^{1/α}) / τ_o                 (volume)
 *   dq/dt = (f (1 − (1 − E₀)^{1/f}) / E₀ − v^{1/α} q / v) / τ_o   (deoxyhaemoglobin)
 *   BOLD  = V₀ [k₁ (1 − q) + k₂ (1 − q/v) + k₃ (1 − v)]
 * Rest: s = 0, f = v = q = 1 (BOLD = 0). Integrated with forward Euler at `dtBw` (default 1 ms).
 */
import { countMultiples } from '../kernel.js';
import type { BalloonMonitorSpec, BalloonParameters } from './spec.js';

export type { BalloonParameters } from './spec.js';

/**
 * Default constants (as in Deco et al. 2014 and tvboptim's Balloon–Windkessel): τ_s 0.65 s,
 * τ_f 0.41 s, τ_o 0.98 s, α 0.32, E₀ 0.4, V₀ 0.04, TE 0.04 s, k₁ = 4.3·ν₀·E₀·TE (ν₀ = 40.3 /s),
 * k₂ = r₀·E₀·TE (r₀ = 25 /s), k₃ = 1.
 */
export const BALLOON_DEFAULTS: Readonly<BalloonParameters> = Object.freeze({
  tau_s: 0.65, tau_f: 0.41, tau_o: 0.98, alpha: 0.32, E0: 0.4, V0: 0.04,
  k1: 4.3 * 40.3 * 0.4 * 0.04, k2: 25 * 0.4 * 0.04, k3: 1,
});

/**
 * Balloon–Windkessel constants: the defaults overlaid with `p`, checked (positive times, 0 < E0 < 1).
 *
 * @example
 * ```ts
 * import { balloonParameters } from 'vbt';
 * balloonParameters({ V0: 0.02 }).k1; // 2.77264 (the defaults' k1)
 * ```
 */
export function balloonParameters(p: Partial<BalloonParameters> = {}): BalloonParameters {
  const out = { ...BALLOON_DEFAULTS, ...p };
  for (const [k, v] of Object.entries(out)) {
    if (!(k in BALLOON_DEFAULTS)) throw new Error(`BalloonWindkessel: unknown parameter '${k}'; expected one of: ${Object.keys(BALLOON_DEFAULTS).join(', ')}`);
    if (!Number.isFinite(v)) throw new Error(`BalloonWindkessel: parameter ${k}=${v}; expected a finite number`);
  }
  for (const k of ['tau_s', 'tau_f', 'tau_o', 'alpha', 'E0'] as const) if (!(out[k] > 0)) throw new Error(`BalloonWindkessel: ${k}=${out[k]}; expected > 0`);
  if (out.E0 >= 1) throw new Error(`BalloonWindkessel: E0=${out.E0}; expected a fraction in (0, 1)`);
  return out;
}

/**
 * Time derivative (per second) of one node's (s, f, v, q) for input x; writes into `d`.
 *
 * @example
 * ```ts
 * import { BALLOON_DEFAULTS } from 'vbt';
 * import { balloonDerivative } from 'vbt/internals';
 * const d = new Float64Array(4);
 * balloonDerivative(BALLOON_DEFAULTS, [0, 1, 1, 1], 1, d); // d = [1, 0, 0, 0]: input drives s
 * ```
 */
export function balloonDerivative(p: BalloonParameters, st: ArrayLike<number>, x: number, d: Float64Array | number[]): void {
  const [s, f, v, q] = [st[0], st[1], st[2], st[3]];
  const vAlpha = Math.pow(v, 1 / p.alpha);
  d[0] = x - s / p.tau_s - (f - 1) / p.tau_f;
  d[1] = s;
  d[2] = (f - vAlpha) / p.tau_o;
  d[3] = ((f * (1 - Math.pow(1 - p.E0, 1 / f))) / p.E0 - (vAlpha * q) / v) / p.tau_o;
}

/**
 * The BOLD signal of a haemodynamic state.
 *
 * @example
 * ```ts
 * import { BALLOON_DEFAULTS, balloonSignal } from 'vbt';
 * balloonSignal(BALLOON_DEFAULTS, 1, 1); // 0 at rest
 * ```
 */
export function balloonSignal(p: BalloonParameters, v: number, q: number): number {
  return p.V0 * (p.k1 * (1 - q) + p.k2 * (1 - q / v) + p.k3 * (1 - v));
}

export interface BalloonOptions {
  /** Neural integration step (ms). */
  dt: number;
  /** Sampling period (TR) in ms; default 2000. */
  period?: number;
  /** Balloon integration step (ms); default 1. Must be a whole multiple or divisor of dt. */
  dtBw?: number;
  /** Number of independent channels (variables × nodes × modes). */
  width: number;
  parameters?: Partial<BalloonParameters>;
}

/**
 * How a Balloon–Windkessel step count relates to the neural step (shared with the kernel emitter).
 *
 * @example
 * ```ts
 * import { balloonStepping } from 'vbt/internals';
 * balloonStepping(0.1, 1); // { every: 10, substeps: 1 }
 * ```
 */
export function balloonStepping(dt: number, dtBw: number): { every: number; substeps: number } {
  if (!(dtBw > 0)) throw new Error(`BalloonWindkessel: dtBw=${dtBw} ms; expected > 0`);
  if (dtBw >= dt) {
    const every = Math.round(dtBw / dt);
    if (Math.abs(every * dt - dtBw) > 1e-9 * dtBw) throw new Error(`BalloonWindkessel: dtBw=${dtBw} ms is not a whole multiple of dt=${dt} ms`);
    return { every, substeps: 1 };
  }
  const substeps = Math.round(dt / dtBw);
  if (Math.abs(substeps * dtBw - dt) > 1e-9 * dt) throw new Error(`BalloonWindkessel: dt=${dt} ms is not a whole multiple of dtBw=${dtBw} ms`);
  return { every: 1, substeps };
}

/**
 * Streaming Balloon–Windkessel BOLD: `update(s, x)` every neural step; the input is used every
 * `dtBw` (strided when dtBw > dt, held for the substeps when dtBw < dt); returns a sample when
 * s mod istep = 0 (the instantaneous BOLD, no averaging), else null. Memory: 4 × width numbers.
 *
 * @example
 * ```ts
 * import { BalloonBold } from 'vbt';
 * const bw = new BalloonBold({ dt: 1, period: 1000, width: 1 });
 * let y = null;
 * for (let s = 1; s <= 2000; s++) y = bw.update(s, [s < 100 ? 1 : 0]) ?? y;
 * y![0] > 0; // the response to a 0.1 s pulse is positive 2 s later
 * ```
 */
export class BalloonBold {
  readonly p: BalloonParameters;
  readonly width: number;
  readonly istep: number;
  readonly every: number;
  readonly substeps: number;
  /** Euler step in seconds. */
  readonly h: number;
  /** (s, f, v, q) per channel, channel-major. */
  readonly state: Float64Array;
  private readonly d = new Float64Array(4);

  constructor(opts: BalloonOptions) {
    if (!(opts.dt > 0)) throw new Error(`BalloonWindkessel: dt=${opts.dt}; expected a positive step in ms`);
    const { istep, p, every, substeps, h } = balloonSampling(opts, opts.dt, 'BalloonWindkessel');
    this.p = p;
    this.width = opts.width;
    this.every = every;
    this.substeps = substeps;
    this.h = h;
    this.istep = istep;
    this.state = new Float64Array(4 * opts.width);
    for (let c = 0; c < opts.width; c++) this.state.set([0, 1, 1, 1], 4 * c);
  }

  update(s: number, x: ArrayLike<number>, offset = 0): Float64Array | null {
    if (s % this.every === 0) {
      const st = this.state, d = this.d, h = this.h;
      for (let c = 0; c < this.width; c++) {
        const xi = x[offset + c];
        const o = 4 * c;
        for (let k = 0; k < this.substeps; k++) {
          balloonDerivative(this.p, st.subarray(o, o + 4), xi, d);
          st[o] += h * d[0]; st[o + 1] += h * d[1]; st[o + 2] += h * d[2]; st[o + 3] += h * d[3];
        }
      }
    }
    if (s % this.istep !== 0) return null;
    const out = new Float64Array(this.width);
    for (let c = 0; c < this.width; c++) out[c] = balloonSignal(this.p, this.state[4 * c + 2], this.state[4 * c + 3]);
    return out;
  }
}

/**
 * The Balloon–Windkessel monitor's sampling, shared by every form (BalloonBold, the kernel emitter,
 * the tensor monitor, the adjoint): TR in steps, parameters, input stride/substeps, Euler step h (s).
 */
export function balloonSampling(spec: Pick<BalloonMonitorSpec, 'period' | 'dtBw' | 'parameters'>, dt: number, label = 'monitor BalloonWindkessel') {
  const period = spec.period ?? 2000;
  if (!(period > 0)) throw new Error(`${label}: period must be > 0 ms, got ${period}`);
  const istep = Math.round(period / dt);
  if (istep < 1) throw new Error(`${label}: period ${period} ms is shorter than dt ${dt} ms`);
  const p = balloonParameters(spec.parameters);
  const { every, substeps } = balloonStepping(dt, spec.dtBw ?? 1);
  return { istep, p, every, substeps, h: (spec.dtBw ?? 1) / 1000 };
}

/** balloonSampling plus the sample count for recorded steps sFirst … sLast. */
export function balloonSetup(spec: BalloonMonitorSpec, ctx: { dt: number; sFirst: number; sLast: number }) {
  const b = balloonSampling(spec, ctx.dt);
  return { ...b, nS: countMultiples(b.istep, ctx.sFirst, ctx.sLast) };
}
