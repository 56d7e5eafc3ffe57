/**
 * BOLD from neural activity, TVB's way, as a streaming state that needs only the last
 * hrfLength of 4 ms averages (5000 × width for 20 s) — a 10-minute run never holds its neural
 * trajectory. The kernel, tensor and adjoint forms stream the same arithmetic (./sampling.ts)
 * without the ring; this class keeps TVB's ring and serves post-hoc use (a trajectory from
 * anywhere) and tests.
 *
 * Per step s (TVB's step index, first computed step = horizon):
 *  - the observation goes to interim row (s mod I) − 1 (−1 = last row);
 *  - when s mod I = 0 the interim mean goes to stock slot ((s div I) mod S) − 1 (−1 = last slot);
 *  - when s mod istep = 0 the output at time s·dt is
 *    G(t_{S−1})·m_0 + Σ_{p≥1} G(t_{p−1})·m_p (m_p = the average written p interim periods before the
 *    newest), then k_1·V_0·(· − 1) for the FirstOrderVolterra kernel.
 */
import type { HrfOptions, HrfSetup } from './hrf.js';
import { boldSampling } from './sampling.js';

export interface BoldOptions extends HrfOptions {
  /** Integration step in ms. */
  dt: number;
  /** Sampling period (TR) in ms; TVB's default 2000. */
  period?: number;
  /** Values per observation (variables × nodes × modes). */
  width: number;
}

/**
 * Streaming TVB Bold: feed one observation per step with `update(s, x)`; it returns the BOLD
 * sample (a fresh Float64Array of `width`) on steps where s mod istep = 0, else null.
 *
 * @example
 * ```ts
 * import { TvbBold } from 'vbt';
 * const bold = new TvbBold({ dt: 1, period: 1000, width: 2 });
 * let out = null;
 * for (let s = 1; s <= 1000; s++) out = bold.update(s, [1, 0]) ?? out;
 * out; // [k1·V0·(Σ G·m − 1), −k1·V0]: the constant input has filled 1 s of the 20 s ring
 * ```
 */
export class TvbBold {
  readonly hrf: HrfSetup;
  readonly width: number;
  readonly interimSteps: number;
  readonly istep: number;
  readonly dt: number;
  /** Kernel weight by lag, newest average first. */
  private readonly lagW: Float64Array;
  private readonly interim: Float64Array;
  private readonly stock: Float64Array;

  constructor(opts: BoldOptions) {
    if (!(opts.dt > 0)) throw new Error(`Bold: dt=${opts.dt}; expected a positive step in ms`);
    if (!Number.isInteger(opts.width) || opts.width < 1) throw new Error(`Bold: width=${opts.width}; expected a positive integer`);
    const { hrf, I, istep, lagW } = boldSampling(opts, opts.dt, 'Bold');
    this.hrf = hrf;
    this.dt = opts.dt;
    this.width = opts.width;
    this.interimSteps = I;
    this.istep = istep;
    this.lagW = lagW;
    this.interim = new Float64Array(this.interimSteps * this.width);
    this.stock = new Float64Array(this.hrf.stockSteps * this.width);
  }

  /** Bytes held by the two buffers. */
  get bytes(): number {
    return (this.interim.length + this.stock.length) * 8;
  }

  update(s: number, x: ArrayLike<number>, offset = 0): Float64Array | null {
    const I = this.interimSteps, S = this.hrf.stockSteps, W = this.width;
    const r = s % I;
    const row = r === 0 ? I - 1 : r - 1;
    for (let q = 0; q < W; q++) this.interim[row * W + q] = x[offset + q];
    if (r === 0) {
      const slot = (Math.floor(s / I) % S + S - 1) % S;
      for (let q = 0; q < W; q++) {
        let acc = 0;
        for (let k = 0; k < I; k++) acc += this.interim[k * W + q];
        this.stock[slot * W + q] = acc / I;
      }
    }
    if (s % this.istep !== 0) return null;
    return this.read(s);
  }

  /** The BOLD value the monitor would emit now, for the ring as it stands after step s. */
  read(s: number): Float64Array {
    const I = this.interimSteps, S = this.hrf.stockSteps, W = this.width, lagW = this.lagW;
    const newest = (Math.floor(s / I) % S + S - 1) % S;
    const out = new Float64Array(W);
    for (let q = 0; q < W; q++) out[q] = lagW[0] * this.stock[newest * W + q];
    for (let p = 1; p < S; p++) {
      const g = lagW[p];
      const o = ((newest - p + S) % S) * W;
      for (let q = 0; q < W; q++) out[q] += g * this.stock[o + q];
    }
    if (this.hrf.k1V0 !== null) for (let q = 0; q < W; q++) out[q] = this.hrf.k1V0 * (out[q] - 1);
    return out;
  }
}

/**
 * TVB Bold applied after the fact to a trajectory sampled every dt: row k of `x` ([T, width],
 * row-major) is the observation of step s = firstStep + k. Returns the samples TVB would emit.
 *
 * @example
 * ```ts
 * import { boldFromTrajectory } from 'vbt';
 * const x = new Float64Array(4000).fill(0.5); // 4 s of one node at dt = 1 ms
 * const b = boldFromTrajectory(x, { dt: 1, period: 2000, width: 1 });
 * b.time; // [2000, 4000]
 * ```
 */
export function boldFromTrajectory(
  x: ArrayLike<number>,
  opts: BoldOptions & { firstStep?: number },
): { time: Float64Array; data: Float64Array } {
  const bold = new TvbBold(opts);
  const W = opts.width;
  if (x.length % W !== 0) throw new Error(`boldFromTrajectory: ${x.length} values is not a multiple of width ${W}`);
  const T = x.length / W;
  const s0 = opts.firstStep ?? 1;
  const times: number[] = [];
  const rows: Float64Array[] = [];
  for (let k = 0; k < T; k++) {
    const s = s0 + k;
    const y = bold.update(s, x, k * W);
    if (y) { times.push(s * opts.dt); rows.push(y); }
  }
  const data = new Float64Array(rows.length * W);
  rows.forEach((r, k) => data.set(r, k * W));
  return { time: Float64Array.from(times), data };
}
