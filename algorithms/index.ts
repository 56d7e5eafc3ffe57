/**
 * vbt algorithms: free parameters and bound transforms, batched explorations, feedback inhibition
 * control (FIC), E/I-balance tuning (EIB), and their result types.
 *
 * @example
 * ```ts
 * import { syntheticConnectome } from 'vbt';
 * import { explore, product, grid, logGrid } from 'vbt/algorithms';
 * const base = { model: 'Generic2dOscillator', connectivity: syntheticConnectome({ nodes: 4 }), integrator: { name: 'Heun', dt: 0.5, noise: { nsig: 1e-4, seed: 3 } },
 *   duration: 50, monitors: [{ name: 'TemporalAverage', period: 5 }] };
 * const res = await explore({ base, space: product(grid('coupling.a', 0, 0.02, 3), logGrid('noise.nsig', 1e-6, 1e-3, 2)),
 *   observables: { meanV: (r) => r.monitor().data.reduce((s, v) => s + v, 0) / r.monitor().data.length } });
 * res.optimal('meanV', 'max').parameters;
 * ```
 *
 * @module vbt/algorithms
 */
export * from './params.js';
export * from '../src/space/space.js';
export { sobolPoints, SOBOL_MAX_DIM } from '../src/space/sobol.js';
export * from './exploration-result.js';
export * from './explore.js';
export * from './results.js';
export * from './eib-model.js';
export * from './fic.js';
export * from './eib.js';
export { loadDkAverage, maxNormalized, fcCorr, readNpzLite, dkAveragePath } from './data.js';
export type { DkAverage, NpyLite } from './data.js';
export { makeProgress } from './progress.js';
export type { Progress, ProgressOption } from './progress.js';
export * from './observables.js';
export * from './optimize.js';
export * from './rww-linear.js';
export * from './eib-loss.js';
export * from './eib-gradient-fit.js';
export * from './rww-bold-fit.js';
export * from './multistart.js';
