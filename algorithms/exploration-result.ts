/**
 * The exploration result is the project's (src/results/exploration.ts): one class per concept.
 * This module keeps the import path that algorithm code and earlier scripts use.
 */
export { ExplorationResult, EXPLORATION_SCHEMA } from '../src/results/exploration.js';
export type { GridView, Optimum, PointTimeSeries, ExplorationInit } from '../src/results/exploration.js';
