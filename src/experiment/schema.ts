/**
 * The SimulationExperiment file, after tvbo's keys (`id`, `label`, `description`, `model` /
 * `local_dynamics` / `dynamics`, `network` / `connectivity`, `coupling`, `integration`,
 * `initial_state`, `monitors` / `observations`, `functions`, `stimulation`, `explorations`,
 * `algorithms`, `optimizations`, `execution`). zod checks shapes and types; unknown keys are
 * errors (a typo must not silently fall back to a default). tvbo's own value forms are accepted
 * where they mean the same thing: `{value: x}` parameters, `step_size`/`transient_time`, named
 * maps or lists of named entries. References (model, coupling, parameter names, files) are
 * checked afterwards by `resolveExperiment`.
 */
import { z } from 'zod';
import { MONITOR_NAMES, type MonitorSpec } from '../observation/registry.js';

const num = z.number().finite();
const numOrList = z.union([num, z.array(num).min(1)]);

/** A parameter value: a number, one per node, or tvbo's `{value, unit, domain, ...}`. */
export const ParameterValueSchema = z.union([
  numOrList,
  z.object({
    value: numOrList,
    unit: z.string().optional(),
    label: z.string().optional(),
    description: z.string().optional(),
    domain: z.object({ lo: num.optional(), hi: num.optional() }).passthrough().optional(),
    free: z.boolean().optional(),
    heterogeneous: z.boolean().optional(),
    shape: z.string().optional(),
    name: z.string().optional(),
  }).strict(),
]);
export type ParameterValue = z.infer<typeof ParameterValueSchema>;

const params = z.record(z.string(), ParameterValueSchema);

export const ModelSchema = z.union([
  z.string().min(1),
  z.object({
    name: z.string().min(1),
    label: z.string().optional(),
    description: z.string().optional(),
    parameters: params.optional(),
    variables_of_interest: z.array(z.string()).min(1).optional(),
  }).strict(),
]);

const normalizeSchema = z.enum(['none', 'max']);

export const CouplingSchema = z.union([
  z.string().min(1),
  z.object({ name: z.string().min(1), parameters: params.optional(), label: z.string().optional(), description: z.string().optional() }).strict(),
]);

export const NetworkSchema = z.union([
  z.string().min(1),
  z.object({
    /** 'builtin' (synthetic connectome), 'dk_average', or a TVB ZIP/H5, tvbo Network, .npz path. */
    source: z.string().min(1).optional(),
    /** tvbo: a BIDS folder; its base name picks a known data set (dk_average). */
    bids_dir: z.string().optional(),
    nodes: z.number().int().min(2).optional(),
    seed: z.number().int().optional(),
    normalize: normalizeSchema.optional(),
    /** tvbo: `[{name: weight, equation: {rhs: 'W / max(W)'}}]`. */
    transforms: z.array(z.object({ name: z.literal('weight'), equation: z.object({ rhs: z.string() }).passthrough() }).passthrough()).optional(),
    conduction_speed: z.union([num, z.object({ value: num, unit: z.string().optional(), name: z.string().optional() }).strict()]).optional(),
    /** tvbo: `parameters.conduction_speed.value`. */
    parameters: z.record(z.string(), z.object({ value: num, unit: z.string().optional(), name: z.string().optional() }).strict()).optional(),
    delays: z.boolean().optional(),
    number_of_regions: z.number().int().optional(),
    /** Empirical FC for fits: 'dk_average' or an .npz/.json path. */
    empirical_fc: z.string().optional(),
    coupling: CouplingSchema.optional(),
    label: z.string().optional(),
    description: z.string().optional(),
    structural_measures: z.array(z.string()).optional(),
    observational_measures: z.array(z.string()).optional(),
  }).strict(),
]);

export const NoiseSchema = z.object({
  nsig: numOrList.optional(),
  /** tvboptim's σ: nsig = σ²/2. */
  sigma: num.optional(),
  ntau: num.optional(),
  seed: z.number().int().optional(),
  additive: z.boolean().optional(),
  parameters: z.object({ sigma: z.object({ value: num, description: z.string().optional() }).strict() }).strict().optional(),
}).strict();

export const IntegrationSchema = z.object({
  method: z.string().optional(),
  step_size: num.positive().optional(),
  dt: num.positive().optional(),
  duration: num.positive(),
  transient_time: num.nonnegative().optional(),
  transient: num.nonnegative().optional(),
  noise: NoiseSchema.optional(),
  description: z.string().optional(),
}).strict();

export const InitialStateSchema = z.object({
  seed: z.number().int().optional(),
  /** One value (or one per node) per state variable, held over the initial history. */
  values: z.record(z.string(), numOrList).optional(),
}).strict();

// the one monitor registry's names (src/observation/registry.ts), TVB's aliases included
const MONITORS = MONITOR_NAMES as unknown as readonly [MonitorSpec['name'], ...MonitorSpec['name'][]];
export const DERIVED_FUNCTIONS = ['fc', 'fcd', 'welch', 'peak_frequency', 'mean', 'fc_corr', 'fc_rmse', 'kuramoto'] as const;

/** A recorded stream (a monitor of the integration). */
export const MonitorObservationSchema = z.object({
  monitor: z.enum(MONITORS),
  period: num.positive().optional(),
  /** Variables of interest by name (default: the model's). */
  variables: z.array(z.string()).min(1).optional(),
  /** Sensor monitors: a TVB sensor file, or `builtin:<n>` (n sensors on the scalp sphere). */
  sensors: z.string().optional(),
  reference: z.union([z.literal('average'), z.string(), z.number().int()]).optional(),
  label: z.string().optional(),
  description: z.string().optional(),
}).strict();

/** Computed from another observation after the run. */
export const DerivedObservationSchema = z.object({
  source: z.string().min(1),
  function: z.enum(DERIVED_FUNCTIONS),
  /** fc/fcd/welch: leading samples dropped; fc_corr/fc_rmse: the target observation or data set. */
  arguments: z.record(z.string(), z.union([num, z.string(), z.array(num)])).optional(),
  label: z.string().optional(),
  description: z.string().optional(),
}).strict();

/** Data loaded from a file (e.g. the empirical FC). */
export const DataObservationSchema = z.object({
  data: z.string().min(1),
  label: z.string().optional(),
  description: z.string().optional(),
}).strict();

export const ObservationSchema = z.union([MonitorObservationSchema, DerivedObservationSchema, DataObservationSchema]);

export const StimulationSchema = z.object({
  equation: z.string().optional(),
  expression: z.string().optional(),
  parameters: z.record(z.string(), num).optional(),
  /** One weight per node, one value for every node, or `{nodes: [...], value}`. */
  weights: z.union([numOrList, z.object({ nodes: z.array(z.union([z.number().int(), z.string()])).min(1), value: num }).strict()]),
  variables: z.array(z.string()).min(1).optional(),
  label: z.string().optional(),
  description: z.string().optional(),
}).strict();

const DomainSchema = z.object({ lo: num, hi: num, n: z.number().int().min(1), log_scale: z.boolean().optional() }).strict();
export const AxisSchema = z.object({
  name: z.string().min(1).optional(),
  /** tvbo's ExplorationAxis key. */
  parameter: z.string().min(1).optional(),
  domain: DomainSchema.optional(),
  values: z.array(num).min(1).optional(),
  explored_values: z.array(num).min(1).optional(),
  unit: z.string().optional(),
}).strict();

export const ExplorationSchema = z.object({
  name: z.string().optional(),
  label: z.string().optional(),
  description: z.string().optional(),
  parameters: z.array(AxisSchema).min(1).optional(),
  space: z.array(AxisSchema).min(1).optional(),
  mode: z.enum(['product', 'zip']).optional(),
  /** Scalar observations evaluated per point (`observation` or `observation.output`). */
  observable: z.string().optional(),
  observables: z.array(z.string()).min(1).optional(),
  n_parallel: z.number().int().positive().optional(),
  batch_size: z.number().int().positive().optional(),
  /** Also keep each point's time series of this monitor observation. */
  record: z.string().optional(),
}).strict();

export const AlgorithmSchema = z.object({
  name: z.string().optional(),
  type: z.enum(['fic', 'eib']),
  description: z.string().optional(),
  label: z.string().optional(),
  n_iterations: z.number().int().positive().optional(),
  learning_rate: num.positive().optional(),
  /** Target FC: an observation name (data or derived) or a data set ('dk_average'). */
  target: z.string().optional(),
  hyperparameters: z.record(z.string(), z.union([num, z.string(), z.boolean()])).optional(),
  depends_on: z.union([z.string(), z.array(z.string())]).optional(),
}).strict();

export const FreeParameterSchema = z.object({
  /** Model parameter, `coupling.NAME`, or tvbo's `Model.param` / `Coupling.param`. */
  name: z.string().min(1).optional(),
  parameter: z.string().min(1).optional(),
  /** Start value (default: the experiment's value, else the model's default). */
  init: num.optional(),
  /** Kept inside (lo, hi) by a sigmoid transform. */
  bounds: z.tuple([num, num]).optional(),
  /** One value per region (tvbo's heterogeneous). */
  heterogeneous: z.boolean().optional(),
  shape: z.string().optional(),
  description: z.string().optional(),
}).strict();

export const OptimizationSchema = z.object({
  name: z.string().optional(),
  label: z.string().optional(),
  description: z.string().optional(),
  free_parameters: z.array(FreeParameterSchema).min(1),
  loss: z.object({
    /** 'fc_corr' (1 − correlation of full FC matrices) or 'fc_rmse'. */
    function: z.enum(['fc_corr', 'fc_rmse']),
    /** The monitor observation whose first variable's FC is compared. */
    observation: z.string().min(1),
    /** Target FC: a data observation, 'empirical_fc' or 'dk_average'. */
    target: z.string().min(1),
    skip: z.number().int().nonnegative().optional(),
  }).strict(),
  algorithm: z.enum(['adam', 'adamax', 'sgd', 'rmsprop']).optional(),
  learning_rate: num.positive().optional(),
  max_iterations: z.number().int().positive(),
}).strict();

export const ExecutionSchema = z.object({
  n_workers: z.number().int().positive().optional(),
  precision: z.enum(['float64', 'float32']).optional(),
  random_seed: z.number().int().optional(),
  batch_size: z.number().int().positive().optional(),
  /** Explorations run as jobs on a BullMQ queue at this Redis URL (workers: `vbt worker --queue URL`). */
  queue: z.string().min(1).optional(),
  queue_name: z.string().min(1).optional(),
}).strict();

function named<T extends z.ZodTypeAny>(item: T) {
  return z.union([z.record(z.string(), item), z.array(item)]);
}

export const ExperimentSchema = z.object({
  id: z.union([z.string().min(1), z.number().int()]).optional(),
  label: z.string().optional(),
  description: z.string().optional(),
  model: ModelSchema.optional(),
  local_dynamics: ModelSchema.optional(),
  dynamics: ModelSchema.optional(),
  network: NetworkSchema.optional(),
  connectivity: NetworkSchema.optional(),
  coupling: CouplingSchema.optional(),
  integration: IntegrationSchema,
  initial_state: InitialStateSchema.optional(),
  monitors: z.record(z.string(), ObservationSchema).optional(),
  observations: z.record(z.string(), ObservationSchema).optional(),
  functions: z.record(z.string(), z.unknown()).optional(),
  stimulation: StimulationSchema.optional(),
  explorations: named(ExplorationSchema).optional(),
  algorithms: named(AlgorithmSchema).optional(),
  optimizations: named(OptimizationSchema).optional(),
  execution: ExecutionSchema.optional(),
  references: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).optional(),
  software: z.unknown().optional(),
  environment: z.unknown().optional(),
}).strict();

export type ExperimentDoc = z.infer<typeof ExperimentSchema>;
export type ObservationDef = z.infer<typeof ObservationSchema>;
export type MonitorObservation = z.infer<typeof MonitorObservationSchema>;
export type DerivedObservation = z.infer<typeof DerivedObservationSchema>;
export type ExplorationDef = z.infer<typeof ExplorationSchema>;
export type AlgorithmDef = z.infer<typeof AlgorithmSchema>;
export type OptimizationDef = z.infer<typeof OptimizationSchema>;

/**
 * tvbo keys vbt knows but cannot run, with the reason given to the user (a tvbo file that uses
 * them is rejected at that key, not half-run).
 */
export const UNSUPPORTED_KEYS: Record<string, string> = {
  events: 'events (time-triggered parameter changes) are not supported by vbt run',
  inferences: 'simulation-based inference is not supported by vbt run',
  continuations: 'bifurcation continuations are not supported by vbt run',
  field_dynamics: 'neural-field (surface) dynamics are not supported by vbt run',
  modelfitting: "use 'optimizations' or 'algorithms' instead of the old 'modelfitting' key",
  derived_observations: "write derived observations under 'observations' with {source, function} (functions: fc, fcd, welch, peak_frequency, mean, fc_corr, fc_rmse, kuramoto)",
  additional_equations: 'additional equations are not supported; put expressions in a model YAML',
  dataset: "'dataset' is not supported; name data files under network.empirical_fc or observations.<name>.data",
  workflow: "'workflow' is not supported; vbt run executes integration, explorations, algorithms, optimizations in that order",
};
