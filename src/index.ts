/**
 * vbt — differentiable whole-brain network modelling.
 *
 * The public surface, listed by name and grouped by module in pipeline order (spec → engines → observation →
 * results → io / plot / report → applications). Building blocks of the engines (plans, emitters, tensor kernels,
 * HDF5 handles, the expression compiler) are in `vbt/internals`; the algorithms are in `vbt/algorithms` (also
 * `algorithms` here). `tf` is the tfjs-core namespace the engines use, so a program needs no second copy.
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
 *
 * @module vbt
 */
import * as tf from '@tensorflow/tfjs-core';
import * as algorithms from '../algorithms/index.js';

export { tf, algorithms };

// ── spec: expressions, models, couplings, networks, the simulation config ──
export { ExprError } from './expr/index.js';
export {
  validateModelSpec, ParameterSpecSchema, StateVariableSpecSchema, EdgeParameterSpecSchema, ProjectionSpecSchema,
  ModelSpecSchema, SpecError,
  type EdgeParameterSpec, type ProjectionSpec, type ParameterSpec, type StateVariableSpec, type ModelSpec,
} from './models/spec.js';
export { getModel, listModels, loadModelFile, parseModelYaml, catalogueDir } from './models/catalogue.js';
export { interpretDfun, type DfunInput } from './models/interpret.js';
export { getCoupling, listCouplings, COUPLINGS, type CouplingSpec } from './coupling/index.js';
export {
  Connectivity, DEFAULT_SPEED, computeDelays, defaultLabels, deriveHemispheres, euclideanTractLengths,
  readTvbConnectivityZip, SYNTHETIC_NAME, syntheticConnectome, tvbConnectivityZipBytes, writeTvbConnectivityZip,
  readRegionMapping, readTvbSurfaceZip, NETWORK_SCHEMA_VERSION, Network,
  type ConnectivityInit, type Delays, type WeightNormalization, type ReadTvbZipOptions, type SyntheticOptions,
  type Surface, type Mesh, type MatrixFormat, type NetworkEdge, type NetworkInit, type NetworkNode,
} from './network/index.js';
export { RandomState } from './random/index.js';
export type { RandomStateSnapshot } from './random/random-state.js';
export type { ParamKind, ParamValue } from './engine/params.js';
export {
  checkConfigKeys,
  type IntegratorName, type NoiseConfig, type IntegratorConfig, type StimulusConfig, type InitialConditions,
  type SimulationConfig,
} from './simulation/config.js';

// ── monitors and observation models ──
export {
  MONITOR_NAMES, MONITORS, monitorEntry, type MonitorEntry, type BoldMonitorSpec, type BalloonMonitorSpec,
  type SensorMonitorSpec, type MonitorSpec, type RawMonitorSpec, type RawVoiMonitorSpec, type SubSampleMonitorSpec,
  type TemporalAverageMonitorSpec, type GlobalAverageMonitorSpec, type SpatialAverageMonitorSpec,
  type AfferentCouplingMonitorSpec, type BoldRegionRoiMonitorSpec,
} from './observation/index.js';
export {
  boldHrf, HRF_KERNELS, boldFromTrajectory, TvbBold, balloonParameters, balloonSignal, BALLOON_DEFAULTS, BalloonBold,
  tensorBold, balloonSignalTensor, tensorProjectToSensors, parseSensors, readSensors, dipolePotential, eegSensorSphere,
  eegGainSphere, ieegGain, sarvasField, megGainSphere, userGain, projectToSensors, rereference, vertexNormals,
  surfaceRegionGain,
  type HrfKernelName, type HrfOptions, type HrfSetup, type BoldOptions, type BalloonParameters, type BalloonOptions,
  type Sensors, type DipoleOrientation, type GainOptions, type GainMatrix, type Reference, type SurfaceGainOptions,
} from './observation/index.js';

// ── running: simulate, stream, memory, transients; divergence ──
export { simulate, simulateSync, prepare } from './simulation/simulate.js';
export { simulateKeepingTransient, splitTransient } from './simulation/transient.js';
export { simulateToFile, type StreamOptions, type StreamResult } from './simulation/stream.js';
export { estimateMemory, checkMemory, memoryBudget, type MemoryEstimate } from './simulation/memory.js';
export {
  RESULT_SCHEMA_VERSION, RESULT_DIMS, SimulationResult, DivergenceError,
  type MonitorOutput, type SimulationInfo, type DivergenceInfo,
} from './results/simulation.js';

// ── differentiable engines: tfjs back-ends, the tensor engine, the float64 discrete adjoint ──
export {
  loadBackend, backendInfo, formatBackend, BACKEND_CANDIDATES, type BackendCandidate, type BackendInfo,
} from './backend/index.js';
export {
  TensorSimulator, gradcheck, tensorLoss, finiteDifference,
  type TensorEngineOptions, type TensorMonitorOutput, type TensorRunResult, type TensorParam, type GradcheckOptions,
  type GradcheckResult,
} from './tensor/index.js';
export {
  AdjointSimulator, AdjointRunOp, richardsonDerivative,
  type AdjointOptions, type AdjointForward, type AdjointOutput, type FdEstimate,
} from './engine/adjoint/index.js';

// ── analysis (float64 and tensor forms) and float64 optimisers ──
export {
  asSeries, monitorSeries, functionalConnectivity, covToCorr, upperTriangleIndices, upperTriangle, StreamingFc, pearson,
  fcCorrLossUpper, fcCorrLossFull, rmse, rowRmse, rfft, rfftFreq, fftComplex, hilbert, spectralWindow, welchSegments,
  periodogram, welch, dominantFrequency, softPeakFrequency, normalisedAveragePower, bandPower, spectralPeakLoss,
  spectralCorrLoss, formatFrequency, frequencyResolution, fcd, fcdValues, kdeDensity, histogramDensity,
  fcdDistribution, densityFromHistogram, ksDistance, wassersteinDistance, ksDistanceSamples, wassersteinSamples,
  summarize, kuramotoOrder, synchronyMetastability, batchSummaries, tensorFc, tensorFcCorrLossUpper,
  tensorFcCorrLossFull, tensorRmse, tensorRowRmse, tensorWelch, tensorSoftPeakFrequency, tensorSpectralPeakLoss,
  tensorFcd, tensorUpperTriangle, tensorKdeDensity, tensorKsDistance, tensorWassersteinDistance, gradientsRegistered,
  ensureTfGradients, pca, fastIca, crossSpectra, coherence, complexCoherence, covariance, crossCorrelation,
  continuousWavelet,
  type Series, type SquareMatrix, type FcOptions, type Spectrum, type WindowName, type WelchSegments,
  type PeriodogramOptions, type WelchOptions, type FcdOptions, type Density, type SeriesSummary, type TensorSpectrum,
  type PcaResult, type IcaOptions, type IcaResult, type CsdWindow, type CsdOptions, type CrossSpectra,
  type WaveletOptions, type WaveletResult,
} from './analysis/index.js';
export {
  adam, adamW, adamax, adamaxW, sgd, rmsprop, applyUpdates, schedules,
  type Optimizer, type OptimizerState, type AdamOptions, type WeightDecayOptions, type SgdOptions,
  type RmsPropOptions, type AdamState, type AdaMaxState, type SgdState, type RmsPropState, type Schedule,
} from './optim/index.js';

// ── results and provenance ──
export {
  LabeledArray, REGION_LABELS_ORDERING, TimeSeries, parseTimeUnit, ExperimentResult, ObservationResult,
  ExplorationResult, EXPLORATION_SCHEMA, AlgorithmResult, OptimizationResult, ALGORITHM_SCHEMA, OPTIMIZATION_SCHEMA,
  type Coord, type ISelector, type Selector, type TimeSeriesInit, type TimeUnit, type ExperimentResultInit,
  type ExperimentStatus, type ExplorationAxis, type ExplorationInit, type GridView, type Optimum,
  type PointTimeSeries, type AlgorithmInit, type OptimizationInit, type ParamState, type TuningSnapshot, type Values,
} from './results/index.js';
export type {
  SimulationPlotOptions, SimulationAnimateOptions, ExperimentPlotOptions, ExplorationPlotOptions,
  TimeSeriesPlotOptions as TimeSeriesMethodPlotOptions,
  TimeSeriesAnimateOptions,
} from './results/extensions.js';
export {
  buildProvenance, configFromProvenance, describeProvenance, hashConnectivity, PROVENANCE_VERSION, type Provenance,
  type ConnectivityProvenance,
} from './provenance/index.js';
export { rerunConfig, compareResults } from './provenance/rerun.js';

// ── files ──
export {
  writeFileAtomic, readNetcdf, writeNetcdf, readTvbConnectivityH5, readTvbH5, writeTvbConnectivityH5, writeTvbExport,
  writeTvbTimeSeriesH5, parseNpy, readNpy, readNpz, BIDS_TS_FORMATS, exportBids, readBidsProvenance, RESULT_FORMATS, connectivityFromNpz,
  describeFile, inferResultFormat, readAnyConnectivity, readSimulationResult, simulationResultFromJSON,
  writeConnectivity, writeSimulationResult, readTvbExperiment,
  type NcAttr, type NcDataset, type NcDim, type NcVariable, type NcWriteOptions, type TvbH5Content,
  type TvbTimeSeriesWriteOptions, type TvbWriteOptions, type TvbVbtProvenance, type NpyArray, type BidsContent, type BidsOptions, type BidsTimeSeries,
  type BidsTimeSeriesFormat, type ConnectivityTarget, type ResultFormat, type WriteResultOptions,
} from './io/index.js';
export type { BidsSuffix } from './io/bids.js';
export { checkOutputPath, type WriteOptions } from './io/atomic.js';

// ── figures and the report ──
export {
  toSvg, toPng, toHtml, toHtmlFragment, toVega, savePlot, concatSpecs, withTheme, THEME, OKABE_ITO, SEQUENTIAL_SCHEME,
  DIVERGING_SCHEME, HEMISPHERE_COLOURS, timeSeriesFromResult, monitorTimeSeries, plotTimeSeries, plotChannels,
  plotPhaseTrajectory, plotHeatmap, plotPowerSpectrum, EEG_BANDS, phasePlane, plotPhasePlane, zeroContour,
  plotConnectivityMatrix, plotNetworkGraph, plotNetworkOverview, plotDegreeDistribution, degrees, strengths, layout2d,
  plotFc, plotFcComparison, fcFit, plotFcd, plotExploration, plotTimeSeriesGrid, plotLoss, plotParameterTrajectories,
  plotRegionalParameters, plotConvergence, plotBeforeAfter, animationSpec, animateGif, animateHtml, gifFromFrames,
  timeseriesAnimationSpec, phaseAnimationSpec, fromTimeSeries, fromExplorationResult, fromExplorationGrid,
  fromOptimizationResult, fromAlgorithmResult, beforeAfterFromAlgorithm, regionalFromState, loadResultFile,
  defaultFigure, writeDefaultFigure, plotPca, plotIcaSources, plotWavelet, plotCrossCorrelation, plotCoherence,
  plotCovariance, plotKuramoto,
  type PlotSpec, type PngOptions, type HtmlOptions, type PlotFormat, type TimeSeriesData, type FromResultOptions,
  type TimeSeriesPlotOptions, type ChannelsPlotOptions, type PhasePlotOptions, type HeatmapPlotOptions, type Band,
  type SpectrumPlotOptions, type PhasePlane, type PhasePlaneOptions, type PhasePlanePlotOptions, type Segment,
  type NetworkData, type MatrixPlotOptions, type GraphPlotOptions, type FcPlotOptions, type ExplorationData,
  type ExplorationAxisData, type SeriesPanel, type OptimizationData, type RegionalData, type ConvergenceData,
  type BeforeAfterData, type AnimateOptions, type GifOptions, type ExplorationGridLike, type LoadedResult,
} from './plot/index.js';
export {
  buildReport, reportFigures, keyNumbers, type ReportOptions, type ReportFigure, type KeyNumber,
} from './report/index.js';

// ── applications: TVB reference checks, cortical surfaces, spikes, experiment files ──
export { checkReference, configFromReference, formatCheck, type ReferenceCheckResult, type MonitorCheck } from './reference/check.js';
export { readReference, type ReferenceCase, type ReferenceMonitor } from './reference/read.js';
export {
  simulateSurface, simulateSurfaceAsync, localConnectivity, SurfaceDistances, SPATIAL_EQUATIONS, surfaceStimulusWeights,
  surfaceNodeGain, regionAverage, readSurfaceReference, checkSurfaceReference, isSurfaceReference, plotSurface,
  surfaceViewerHtml, plotSurfaceResult, surfaceViewerFromResult, surfaceSeries, SurfaceAdjoint, surfaceGradient,
  SURFACE_ADJOINT_MONITORS, surfaceGradcheck,
  type SurfaceAdjointOptions, type SurfaceAdjointForward, type SurfaceGradLayout, type SurfaceGradcheckOptions,
  type SurfaceGradcheckResult, type SurfaceGeometry, type LocalConnectivitySpec, type DistanceMethod, type SurfaceStimulusPattern,
  type SurfaceReferenceCase, type SurfaceReferenceMonitor, type SurfacePlotGeometry, type SurfacePlotOptions,
  type SurfaceViewerData, type SurfaceViewerOptions, type SurfaceFigureOptions,
} from './surface/index.js';
export {
  SpikeReport, PopulationSpikeReport, FilteredSpikeReport, readSpikeFile, writeSpikeFile, readSpikePopulationNames,
  NodeTable, readSonataNodes, writeSonataNodes, nodeTableFromConnectivity, firingRateHistogram, isiHistogram,
  interSpikeIntervals, populationRates, rasterData, rasterSpec, firingRateSpec, isiSpec, populationRatesSpec,
  animationFrames, firingAnimationGif, firingAnimationHtml, saveFiringAnimation, poissonSpikes, spikesFromSimulation,
  readNodeSets, readSimulationSpikeSetup,
  type Spikes, type SpikeTable, type SpikeQuery, type SpikeReportOptions, type SortOrder, type WriteSpikesOptions,
  type NodeGroup, type NodeQuery, type FiringRateHistogram, type IsiHistogram, type PopulationRate,
  type PoissonSpikesOptions, type SpikesFromSimulationOptions, type SimulatedSpikes, type NodeSets,
  type SimulationSpikeSetup, type NodeColumn, type NodeColumnInput, type NodeQueryValue, type AnimationFrames,
  type AnimationOptions, type GifOptions as FiringAnimationGifOptions, type FiringRateOptions, type IsiOptions,
  type PoissonSpikes, type RasterData, type RasterOptions, type RawSpikePopulation, type ReadSpikesOptions,
  type SpikePopulationsInput, type SpikeOutputConfig, type ColumnKind,
} from './spikes/index.js';
export {
  ExperimentSource, ExperimentError, loadExperiment, runExperiment, EXAMPLE_EXPERIMENT,
  type ExperimentIssue, type ExperimentDoc, type ExperimentPlan, type LoadOptions, type RunOptions, type ExperimentRun,
  type ObsPlan, type ExplorationPlan, type AlgorithmPlan, type NetworkPlan,
} from './experiment/index.js';
export type {
  OptimizationPlan, StimulationWeights, MonitorObsPlan, DerivedObsPlan, DataObsPlan,
} from './experiment/resolve.js';
