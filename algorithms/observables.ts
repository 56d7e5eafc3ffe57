/**
 * Ready-made exploration observables: the FC of a monitor's series (BOLD by default) against an
 * empirical FC, as fc_corr (full matrix, tvboptim's metric) and RMSE. The FC is computed once per
 * point and shared by both observables.
 */
import { functionalConnectivity, type SquareMatrix } from '../src/analysis/fc.js';
import { rmse } from '../src/analysis/losses.js';
import { fcCorr } from './data.js';
import type { Observable, PointRun } from './explore.js';

export interface FcObservableOptions {
  /** Monitor name or index (default 'Bold'). */
  monitor?: string | number;
  /** Leading samples dropped (default 20, tvboptim's skip_t). */
  skip?: number;
}

/**
 * @example
 * ```ts
 * import { functionalConnectivity, syntheticConnectome } from 'vbt';
 * import { grid, values, product } from 'vbt/algorithms';
 * import { explore, fcObservables } from 'vbt/algorithms';
 * const base = { model: 'Generic2dOscillator', connectivity: syntheticConnectome({ nodes: 4 }), integrator: { name: 'Heun', dt: 0.5, noise: { nsig: 1e-4, seed: 3 } },
 *   duration: 50, monitors: [{ name: 'TemporalAverage', period: 5 }] };
 * const space = product(grid('coupling.a', 0, 0.02, 3), values('noise.nsig', [1e-5, 1e-3]));
 * const targetFc = functionalConnectivity(Array.from({ length: 10 }, (_, t) => [Math.sin(t / 3), Math.cos(t / 5), Math.sin(t / 7), Math.cos(t / 2)]));
 * const res = await explore({ base, space, observables: fcObservables(targetFc, { monitor: 'TemporalAverage', skip: 2 }) });
 * res.optimal('fc_corr', 'max');
 * ```
 */
export function fcObservables(target: SquareMatrix, o: FcObservableOptions = {}): { fc_corr: Observable; rmse: Observable } {
  const cache = new WeakMap<PointRun, SquareMatrix>();
  const fcOf = (r: PointRun): SquareMatrix => {
    let fc = cache.get(r);
    if (!fc) {
      const s = r.series(o.monitor ?? 'Bold');
      if (s.n !== target.n) throw new Error(`fcObservables: the monitor has ${s.n} nodes; the target FC is ${target.n}×${target.n}`);
      fc = functionalConnectivity(s, { skip: o.skip ?? 20 });
      cache.set(r, fc);
    }
    return fc;
  };
  return { fc_corr: (r) => fcCorr(fcOf(r), target), rmse: (r) => rmse(fcOf(r), target) };
}
