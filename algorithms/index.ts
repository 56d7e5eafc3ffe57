/**
 * vbt algorithms: free parameters and bound transforms, batched explorations, feedback inhibition
 * control (FIC), E/I-balance tuning (EIB), and their result types.
 *
 * @example
 * ```ts
 * import { explore, product, grid, logGrid } from 'vbt/algorithms';
 * const res = await explore({ base, space: product(grid('coupling.a', 0, 0.5, 8), logGrid('noise.nsig', 1e-6, 1e-3, 8)),
 *   observables: { fc_corr: (r) => ... } });
 * res.optimal('fc_corr', 'max').parameters;
 * ```
 */
export * from './params.js';
export * from './space.js';
export { sobolPoints, SOBOL_MAX_DIM } from './sobol.js';
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
export * from './eib-gradient.js';
export * from './rww-bold-fit.js';
