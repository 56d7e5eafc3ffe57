/** SimulationExperiment files: schema, validation with YAML lines, tvbo mapping, runner. */
export { ExperimentSource, ExperimentError, formatPath } from './source.js';
export type { ExperimentIssue, YamlPath } from './source.js';
export { ExperimentSchema, UNSUPPORTED_KEYS, DERIVED_FUNCTIONS } from './schema.js';
export type { ExperimentDoc } from './schema.js';
export { loadExperiment, resolveDataPath, sharedDir } from './resolve.js';
export type { ExperimentPlan, LoadOptions, ObsPlan, ExplorationPlan, AlgorithmPlan, NetworkPlan } from './resolve.js';
export { runExperiment, loadNetwork, loadFc, buildConfig, builtinSensors } from './run.js';
export type { RunOptions, ExperimentRun } from './run.js';
export { evaluateObservations } from './observe.js';
export { tvboPrepass } from './tvbo.js';
export { EXAMPLE_EXPERIMENT } from './init.js';
