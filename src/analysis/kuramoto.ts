/** Kuramoto order parameter of phases over time. */
import { asSeries, type Series } from './series.js';

/**
 * R(t) = |(1/N) Σ_j exp(i θ_j(t))| for a [T, N] series of phases (radians): 1 when all nodes
 * share a phase, near 0 for incoherent phases.
 *
 * @example
 * ```ts
 * kuramotoOrder([[0, 0], [0, Math.PI]]); // Float64Array [1, ~0]
 * ```
 */
export function kuramotoOrder(phases: Series | ArrayLike<number>[]): Float64Array {
  const s = asSeries(phases, 'kuramotoOrder');
  const R = new Float64Array(s.t);
  for (let t = 0; t < s.t; t++) {
    let c = 0, si = 0;
    for (let j = 0; j < s.n; j++) {
      const th = s.data[t * s.n + j];
      c += Math.cos(th);
      si += Math.sin(th);
    }
    R[t] = Math.hypot(c, si) / s.n;
  }
  return R;
}
