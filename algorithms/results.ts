/**
 * The algorithms' result types are the project's (src/results): one class per concept. This module
 * keeps the import path that algorithm code and earlier scripts use.
 */
export { AlgorithmResult, OptimizationResult, ALGORITHM_SCHEMA, OPTIMIZATION_SCHEMA } from '../src/results/tuning.js';
export type { TuningSnapshot, Values } from '../src/results/tuning.js';
export { resultName } from '../src/results/sections.js';
