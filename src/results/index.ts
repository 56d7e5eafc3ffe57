/** Result types: labelled arrays, time series, and the experiment result containers. */
export { LabeledArray } from './labeled.js';
export type { Coord, ISelector, Selector } from './labeled.js';
export { REGION_LABELS_ORDERING, TimeSeries, parseTimeUnit } from './timeseries.js';
export type { TimeSeriesInit, TimeUnit } from './timeseries.js';
export { ExperimentResult, ObservationResult } from './experiment.js';
export type { ExperimentResultInit, ExperimentStatus } from './experiment.js';
export { ExplorationResult, EXPLORATION_SCHEMA } from './exploration.js';
export type { ExplorationAxis, ExplorationInit, GridView, Optimum, PointTimeSeries } from './exploration.js';
export { AlgorithmResult, OptimizationResult, ALGORITHM_SCHEMA, OPTIMIZATION_SCHEMA } from './tuning.js';
export type { AlgorithmInit, OptimizationInit, ParamState, TuningSnapshot, Values } from './tuning.js';
export { resultName } from './sections.js';
