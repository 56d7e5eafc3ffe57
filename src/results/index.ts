/** Result types: labelled arrays, time series, and the experiment result containers. */
export { LabeledArray } from './labeled.js';
export type { Coord, ISelector, Selector } from './labeled.js';
export { REGION_LABELS_ORDERING, TimeSeries, parseTimeUnit } from './timeseries.js';
export type { TimeSeriesInit, TimeUnit } from './timeseries.js';
export { AlgorithmResult, ExperimentResult, ExplorationResult, ObservationResult, OptimizationResult } from './experiment.js';
export type { ExperimentResultInit, ExperimentStatus, ExplorationAxis, ParamState } from './experiment.js';
