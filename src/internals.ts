/**
 * vbt/internals: the building blocks under the public API, for tools and tests that extend the engines. These
 * names may change between minor versions; everything a model run, a fit or a file needs is in `vbt`.
 *
 * Listed by name and grouped by module, as src/index.ts is.
 *
 * @example
 * ```ts
 * import { parseExpr, evalExpr, diffExpr } from 'vbt/internals';
 * const d = diffExpr(parseExpr('x * x + 3 * x'), 'x');
 * evalExpr(d, (n) => (n === 'x' ? 2 : NaN)); // 7
 * ```
 *
 * @module vbt/internals
 */

// ── the expression language: parser, symbolic derivatives, JS code generation ──
export {
  FUNCTIONS, CONSTANTS, freeSymbols, mapExpr, substitute, parseExpr, toJs, evalExpr,
  type Pos, type Expr, type BinaryOp, type ExprSource, type SymbolResolver,
} from './expr/index.js';
export type { FunctionDef } from './expr/functions.js';
export { diffExpr, logisticForm, rateForm, sameExpr } from './expr/symbolic.js';

// ── networks: sparse weights, TVB ZIP members, the synthetic generator's uniform draws ──
export {
  gatherCsr, rint, toCsr, selectTvbMembers, tokenize, seededUniform, type CsrWeights, type TvbField,
} from './network/index.js';

// ── plans ──
export {
  buildRunPlan, TABLEAUX, planIntegrator, classifyCoupling, resolveSymbols,
  type RunPlan, type ProjectionPlan, type ButcherTableau, type CouplingClass, type ResolvedSymbol, type PreparedRun,
  type NoisePlan, type StimulusPlan, type TableauRow, type IntegratorPlan, type IntegratorScheme, type CouplingKind,
  type SymbolKind, type SymbolLayout, type Combination, type StimulusTemporal,
} from './plan/index.js';
export type { ResolvedParam } from './engine/params.js';
export type { ParsedModel } from './models/check.js';

// ── monitors: kernel emission and the observation models' stepping ──
export { istepOf, emitMonitor, type MonitorContext, type MonitorEmit } from './observation/index.js';
export {
  roundHalfEven, boldInterimSteps, BOLD_STOCK_RATE_PER_MS, balloonDerivative, balloonStepping, createTensorBoldMonitor,
  balloonEulerStep, createTensorBalloonMonitor, createTensorSensorMonitor, tensorObservationMonitor,
  type TensorBoldMonitor, type TensorBoldContext, type TensorBoldSpec, type TensorBalloonSpec,
} from './observation/index.js';

// ── the tensor engine's kernels: compiled expressions, fused steps, delay rings, segments, custom ops ──
export {
  compileTensorExpr, ScalarPool, DelayRing, customOp, memoryProbe, takeRows, compileFusedEquation,
  compileFusedStep, runSegment, stateShadow,
  type CompiledTensorExpr, type TensorSymbol, type FusedEquation,
  type FusedStep, type FusedStepElement, type FusedSymbol, type SegmentSpec, type SegmentFeed, type RingTransform,
  type LinkTerm,
} from './tensor/index.js';
export { balloonSampling, balloonSetup, TENSOR_MONITOR_NAMES } from './observation/index.js';
export { closeNames, unknownKeyMessage } from './simulation/config.js';
export { createTensorMonitor, type TensorMonitor, type TensorMonitorContext } from './observation/index.js';
export { ADJOINT_MONITORS, ADJOINT_RUN_KERNEL } from './engine/adjoint/index.js';
export { adjointMonitor, type AdjointMonitor, type MonitorGeometry } from './observation/index.js';
export type { AdjointSource } from './engine/adjoint/source.js';

// ── results and files: HDF5 handles, format fillers and constants ──
export { resultName } from './results/index.js';
export { checkSchemaVersion } from './results/simulation.js';
export {
  attr, attrOpt, checkHdf5File, getDataset, has, openH5, putAttr, readNumeric, readStrings, withH5, writeH5Atomic,
  NC_NOT_A_VARIABLE, fillNetcdf, ncDimensionMarker, readNetcdfGroup, TVB_DATA_VERSION, TVB_WRITTEN_BY,
  fillTvbConnectivity, fillTvbTimeSeries, gidHex, newTvbGid, pyJson, tvbDate, npyScalar, BEP034_VERSION, BIDS_VERSION,
  BEP034_IGNORE, bidsSuffixOf, ptseriesBytes, ptseriesXml, CIFTI_INTENT_PTSERIES,
  type H5Dataset, type H5File, type H5Group, type NumericArray,
} from './io/index.js';
export type { PtseriesInit } from './io/cifti.js';
export { boolEnumDatatype, convertToBoolEnums, objectAddress, type H5WriteOptions, type PendingBool } from './io/index.js';

// ── figures: helpers of the plot builders ──
export {
  svgToPng, formatFromPath, defaultSegment, samplingRate, blockCells, optimumIndex, frameIndices,
  type BlockCells, type MatrixCell,
} from './plot/index.js';

// ── cortical surfaces: the generated program, sparse matrices, MATLAB files, mesh tools ──
export {
  prepareSurfaceRun, runPreparedSurface, surfaceNodes, splitEll, extractLocalCoupling, generateSurfaceProgram,
  csrFromCsc, csrFromTriplets, csrMultiply, csrScaleRows, checkCsr, readMat, readSparseMat, neighbourAverage,
  homogenise, meshGraph, edgeDistances, hemisphereAxis,
  type PreparedSurfaceRun, type SurfacePlan, type CsrMatrix, type MatVariable,
} from './surface/index.js';

// ── experiment files: schema pieces, path resolution, the runner's loaders ──
export {
  formatPath, ExperimentSchema, UNSUPPORTED_KEYS, DERIVED_FUNCTIONS, resolveDataPath, sharedDir, loadNetwork, loadFc,
  buildConfig, builtinSensors, evaluateObservations, tvboPrepass,
  type YamlPath,
} from './experiment/index.js';
export type { Outputs, ObservationContext } from './experiment/observe.js';
export type { PrepassResult, PrepassNote } from './experiment/tvbo.js';
