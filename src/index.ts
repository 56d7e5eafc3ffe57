/**
 * vbt — differentiable whole-brain network modelling.
 *
 * @example
 * ```ts
 * import { simulate } from 'vbt';
 * const res = await simulate({
 *   model: 'JansenRit', coupling: 'SigmoidalJansenRit', couplingParameters: { a: 10 },
 *   integrator: { name: 'Heun', dt: 2 ** -4 }, duration: 1000,
 *   monitors: [{ name: 'TemporalAverage', period: 1 }],
 * });
 * console.log(res.monitor('TemporalAverage').shape); // [1, 1000, 4, 20, 1]
 * ```
 */
export * from './expr/index.js';
export * from './models/spec.js';
export { getModel, listModels, loadModelFile, parseModelYaml, catalogueDir } from './models/catalogue.js';
export { interpretDfun } from './models/interpret.js';
export * from './coupling/index.js';
export * from './network/index.js';
export * from './monitors/index.js';
export * from './simulation/config.js';
export * from './simulation/result.js';
export { simulate, simulateSync, prepare } from './simulation/simulate.js';
export { buildRunPlan, TABLEAUX, planIntegrator, classifyCoupling, resolveSymbols, type RunPlan, type ProjectionPlan, type ButcherTableau, type CouplingClass, type ResolvedSymbol } from './plan/index.js';
export { checkReference, configFromReference, formatCheck } from './reference/check.js';
export { readReference } from './reference/read.js';
export { RandomState } from './random/index.js';
export * from './analysis/index.js';
export {
  adam, adamW, adamax, adamaxW, sgd, rmsprop, applyUpdates, schedules,
  type Optimizer, type OptimizerState, type AdamOptions, type WeightDecayOptions, type SgdOptions,
  type RmsPropOptions, type AdamState, type AdaMaxState, type SgdState, type RmsPropState, type Schedule,
} from './optim/index.js';
export * from './observation/index.js';
export * from './io/index.js';
export * from './results/index.js';
export {
  SpikeReport, PopulationSpikeReport, FilteredSpikeReport, readSpikeFile, writeSpikeFile, readSpikePopulationNames,
  NodeTable, readSonataNodes, writeSonataNodes, nodeTableFromConnectivity, firingRateHistogram, isiHistogram,
  interSpikeIntervals, populationRates, rasterData, rasterSpec, firingRateSpec, isiSpec, populationRatesSpec,
  animationFrames, firingAnimationGif, firingAnimationHtml, saveFiringAnimation, poissonSpikes, spikesFromSimulation,
  readNodeSets, readSimulationSpikeSetup,
} from './spikes/index.js';
export type {
  Spikes, SpikeTable, SpikeQuery, SpikeReportOptions, SortOrder, WriteSpikesOptions, NodeGroup, NodeQuery,
  FiringRateHistogram, IsiHistogram, PopulationRate, PoissonSpikesOptions, SpikesFromSimulationOptions, SimulatedSpikes,
  NodeSets, SimulationSpikeSetup,
} from './spikes/index.js';
export * from './backend/index.js';
export * from './tensor/index.js';
export * from './plot/index.js';
export * from './report/index.js';
export * from './surface/index.js';
export * as algorithms from '../algorithms/index.js';
export * from './experiment/index.js';
export { simulateKeepingTransient, splitTransient } from './simulation/transient.js';
export * from './engine/adjoint/index.js';
// issue #14: streaming runs, memory estimates, provenance and rerun
export { simulateToFile } from './simulation/stream.js';
export type { StreamOptions, StreamResult } from './simulation/stream.js';
export { estimateMemory, checkMemory, memoryBudget } from './simulation/memory.js';
export type { MemoryEstimate } from './simulation/memory.js';
export { buildProvenance, configFromProvenance, describeProvenance, hashConnectivity, PROVENANCE_VERSION } from './provenance/index.js';
export type { Provenance } from './provenance/index.js';
export { rerunConfig, compareResults } from './provenance/rerun.js';
export { checkOutputPath } from './io/atomic.js';
export type { WriteOptions } from './io/atomic.js';
