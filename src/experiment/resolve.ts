/**
 * From a validated experiment document to what the runner needs: the simulation config, the
 * observation graph, the exploration spaces and the algorithm settings. Every reference (model,
 * coupling, parameters, files, observation sources) is checked here, and all problems are
 * reported together, each with its YAML path and line, before anything runs.
 */
import { checkRedisUrl } from '../../algorithms/distributed/url.js';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve as resolvePath, basename } from 'node:path';
import { getModel } from '../models/catalogue.js';
import { getCoupling } from '../coupling/catalogue.js';
import type { ModelSpec } from '../models/spec.js';
import type { CouplingSpec } from '../coupling/catalogue.js';
import type { SimulationConfig, IntegratorName, StimulusConfig } from '../simulation/config.js';
import type { MonitorSpec } from '../observation/registry.js';
import type { ParamValue } from '../engine/params.js';
import { EQUATIONS } from '../equations/catalogue.js';
import { Space, grid, logGrid, values as valuesAxis, product, zip } from '../space/space.js';
import { SETTING_NAMES } from '../../algorithms/explore.js';
import {
  ExperimentSchema, UNSUPPORTED_KEYS, MonitorObservationSchema, DerivedObservationSchema,
  type ExperimentDoc, type ObservationDef, type MonitorObservation, type DerivedObservation, type ExplorationDef, type AlgorithmDef, type OptimizationDef, type ParameterValue,
} from './schema.js';
import { ExperimentError, ExperimentSource, type ExperimentIssue, type YamlPath } from './source.js';
import { tvboPrepass } from './tvbo.js';
import { unknownKeyHint } from './keys.js';

/** How a network is obtained; loaded by the runner (files are checked to exist here). */
export interface NetworkPlan {
  source: 'builtin' | 'dk_average' | 'file';
  path?: string;
  nodes?: number;
  seed?: number;
  normalize: 'none' | 'max';
  speed?: number;
  delays: boolean;
  empiricalFc?: string;
}

export type StimulationWeights = number | number[] | { nodes: (number | string)[]; value: number };

export interface MonitorObsPlan {
  kind: 'monitor';
  name: string;
  def: MonitorObservation;
  /** Index among the integration's monitors. */
  index: number;
  /** Sensor file or `builtin:<n>`, resolved. */
  sensors?: string;
}
export interface DerivedObsPlan {
  kind: 'derived';
  name: string;
  def: DerivedObservation;
  /** Target of fc_corr/fc_rmse (an observation name or 'dk_average'/a file). */
  target?: string;
}
export interface DataObsPlan {
  kind: 'data';
  name: string;
  /** 'dk_average' or a resolved file path. */
  data: string;
}
export type ObsPlan = MonitorObsPlan | DerivedObsPlan | DataObsPlan;

export interface ExplorationPlan {
  name: string;
  space: Space;
  /** `observation` (its scalar `value`) or `observation.output`. */
  observables: string[];
  batchSize?: number;
  /** Monitor index whose time series every point keeps. */
  record?: number;
}

export interface AlgorithmPlan {
  name: string;
  def: AlgorithmDef;
  target?: string;
}

export interface OptimizationPlan {
  name: string;
  def: OptimizationDef;
  /** Engine names (model parameter or coupling.NAME) with start, bounds and scope. */
  params: { target: string; init?: number; bounds?: [number, number]; regional: boolean }[];
  /** Monitor index of the loss observation. */
  monitor: number;
  /** Target FC: a data observation name, 'dk_average' or a file. */
  target: string;
}

export interface ExperimentPlan {
  id: string;
  label?: string;
  description?: string;
  file: string;
  baseDir: string;
  /** The YAML text as given (stored in the result so that `vbt rerun` reproduces it). */
  text: string;
  model: ModelSpec;
  coupling: CouplingSpec;
  network: NetworkPlan;
  /** Everything but the connectivity and the monitor gains (the runner loads those). */
  config: Omit<SimulationConfig, 'connectivity'>;
  observations: ObsPlan[];
  explorations: ExplorationPlan[];
  algorithms: AlgorithmPlan[];
  optimizations: OptimizationPlan[];
  threads?: number;
  /** Explorations on a BullMQ queue (`execution: {queue, queue_name}`) instead of this process's threads. */
  queue?: { url: string; name?: string };
  /** Constant initial state per state variable (the runner expands it over nodes). */
  initialValues?: Record<string, number | number[]>;
  /** Stimulus weights as written (expanded once the network is loaded). */
  stimulusWeights?: StimulationWeights;
  /** Notes about tvbo keys mapped or dropped (dropUnsupported). */
  warnings: ExperimentIssue[];
}

export interface LoadOptions {
  /**
   * Drop tvbo features vbt cannot run (each reported as a warning with its line) instead of
   * rejecting the file.
   */
  dropUnsupported?: boolean;
  /** Overrides applied after validation (tests and `--duration` shorten runs). */
  override?: { duration?: number; transient?: number };
}

const INTEGRATORS: IntegratorName[] = ['Euler', 'Heun', 'RK4'];

/** Shared data folder: $VBT_SHARED, else ../shared from the working directory. */
export function sharedDir(): string {
  return process.env.VBT_SHARED ?? resolvePath(process.cwd(), '../shared');
}

/** `shared:<rel>` → the shared data folder; relative paths are relative to the experiment file. */
export function resolveDataPath(p: string, baseDir: string): string {
  if (p.startsWith('shared:')) return join(sharedDir(), p.slice('shared:'.length));
  return isAbsolute(p) ? p : join(baseDir, p);
}

function plainValue(v: ParameterValue): ParamValue {
  return typeof v === 'number' || Array.isArray(v) ? v : v.value;
}

/** Model or coupling parameter name for an exploration axis (tvbo writes `Model.param`). */
function axisTarget(name: string, model: ModelSpec, coupling: CouplingSpec | undefined, couplingAliases: Record<string, string>): string | undefined {
  if ((SETTING_NAMES as readonly string[]).includes(name)) return name;
  // an unknown coupling is reported once, at the coupling; its parameters cannot be checked
  if (!coupling) return name.startsWith('coupling.') ? name : model.parameters[name] ? name : undefined;
  if (name.startsWith('coupling.')) {
    const p = name.slice('coupling.'.length);
    const q = couplingAliases[p] ?? p;
    return coupling.parameters[q] ? `coupling.${q}` : undefined;
  }
  const dot = name.indexOf('.');
  if (dot > 0) {
    const owner = name.slice(0, dot), p = name.slice(dot + 1);
    if (owner === model.name || owner === 'model') return model.parameters[p] ? p : undefined;
    const q = couplingAliases[p] ?? p;
    if (owner === coupling.name || owner === 'coupling' || couplingAliases[p]) return coupling.parameters[q] ? `coupling.${q}` : undefined;
    return undefined;
  }
  return model.parameters[name] ? name : undefined;
}

/**
 * Parse, validate and resolve an experiment file; throws ExperimentError listing every problem.
 *
 * @example
 * ```ts
 * import { ExperimentSource, loadExperiment } from 'vbt';
 * // ExperimentSource.fromFile('examples/experiments/jr-eeg.yaml') reads a file the same way
 * const plan = loadExperiment(ExperimentSource.fromText(`
 * id: one_node
 * model: {name: Generic2dOscillator}
 * integration: {method: Heun, step_size: 0.5, duration: 100}
 * observations:
 *   tavg: {monitor: TemporalAverage, period: 1}
 * `));
 * plan.config.integrator.dt; // 0.5
 * ```
 */
export function loadExperiment(src: ExperimentSource, opts: LoadOptions = {}): ExperimentPlan {
  const issues: ExperimentIssue[] = [];
  const warnings: ExperimentIssue[] = [];
  const err = (path: YamlPath, message: string) => issues.push(src.issue(path, message));

  if (!src.data || typeof src.data !== 'object' || Array.isArray(src.data)) throw new ExperimentError(src.file, [src.issue([], 'expected a mapping of experiment keys (model, network, integration, ...)')]);
  const raw = structuredClone(src.data) as Record<string, unknown>;

  // tvbo forms that mean the same as vbt's are rewritten; those vbt cannot run are errors (or dropped)
  const pre = tvboPrepass(raw);
  for (const w of pre.mapped) warnings.push(src.issue(w.path, w.message));
  for (const u of pre.unsupported) (opts.dropUnsupported ? warnings : issues).push(src.issue(u.path, opts.dropUnsupported ? `dropped: ${u.message}` : u.message));
  for (const k of Object.keys(raw)) {
    if (UNSUPPORTED_KEYS[k]) {
      (opts.dropUnsupported ? warnings : issues).push(src.issue([k], UNSUPPORTED_KEYS[k]));
      delete raw[k];
    }
  }

  const parsed = ExperimentSchema.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      if (i.code === 'unrecognized_keys') for (const k of i.keys) err([...i.path, k], unknownKeyHint(ExperimentSchema, i.path, k));
      else if (i.code === 'invalid_union') {
        // report the branch that got furthest (most path segments), which is the one the user meant
        const branches = i.unionErrors.map((e) => e.issues).sort((a, b) => Math.max(...b.map((x) => x.path.length)) - Math.max(...a.map((x) => x.path.length)));
        for (const j of branches[0] ?? []) {
          if (j.code === 'unrecognized_keys') for (const k of j.keys) err([...j.path, k], unknownKeyHint(ExperimentSchema, j.path, k));
          else err(j.path, j.message);
        }
      } else err(i.path, i.message);
    }
    throw new ExperimentError(src.file, issues);
  }
  const doc: ExperimentDoc = parsed.data;
  const baseDir = dirname(resolvePath(src.file === '<experiment>' ? join(process.cwd(), 'x') : src.file));

  // ---- model
  const modelKey = (['model', 'local_dynamics', 'dynamics'] as const).filter((k) => doc[k] !== undefined);
  if (modelKey.length > 1) err([modelKey[1]], `give the model once (found ${modelKey.join(' and ')})`);
  const mk = modelKey[0] ?? 'model';
  const mdef = doc[mk] ?? 'Generic2dOscillator';
  const mname = typeof mdef === 'string' ? mdef : mdef.name;
  let model: ModelSpec | undefined;
  try {
    model = getModel(/\.ya?ml$/.test(mname) ? resolveDataPath(mname, baseDir) : mname);
  } catch (e) {
    err(typeof mdef === 'string' ? [mk] : [mk, 'name'], (e as Error).message);
  }
  const parameters: Record<string, ParamValue> = {};
  if (model && typeof mdef === 'object' && mdef.parameters) {
    for (const [k, v] of Object.entries(mdef.parameters)) {
      if (!model.parameters[k]) err([mk, 'parameters', k], `model ${model.name} has no parameter '${k}' (it has: ${Object.keys(model.parameters).join(', ')})`);
      else parameters[k] = plainValue(v);
    }
  }

  // ---- network
  const nk = (['network', 'connectivity'] as const).filter((k) => doc[k] !== undefined);
  if (nk.length > 1) err([nk[1]], `give the network once (found ${nk.join(' and ')})`);
  const netKey = nk[0] ?? 'network';
  const ndef = doc[netKey] ?? 'builtin';
  const net: NetworkPlan = { source: 'builtin', normalize: 'none', delays: true };
  const nsrc = typeof ndef === 'string' ? ndef : ndef.source ?? (ndef.bids_dir ? basename(ndef.bids_dir.replace(/\/+$/, '')) : 'builtin');
  const srcPath: YamlPath = typeof ndef === 'string' ? [netKey] : [netKey, ndef.source ? 'source' : ndef.bids_dir ? 'bids_dir' : 'source'];
  if (nsrc === 'builtin' || nsrc === 'dk_average') net.source = nsrc;
  else {
    net.source = 'file';
    net.path = resolveDataPath(nsrc, baseDir);
    if (!existsSync(net.path)) err(srcPath, `network file '${nsrc}' not found (looked at ${net.path}); use 'builtin', 'dk_average', a TVB ZIP/H5, a tvbo Network YAML or an .npz`);
  }
  if (net.source === 'dk_average' && !existsSync(join(sharedDir(), 'data', 'dk_average', 'structural.npz'))) err(srcPath, `dk_average not found under ${join(sharedDir(), 'data', 'dk_average')} (set VBT_SHARED)`);
  if (typeof ndef === 'object') {
    net.nodes = ndef.nodes;
    net.seed = ndef.seed;
    if (ndef.nodes !== undefined && net.source !== 'builtin') err([netKey, 'nodes'], "'nodes' only applies to the builtin synthetic connectome");
    net.normalize = ndef.normalize ?? 'none';
    ndef.transforms?.forEach((t, i) => {
      const rhs = t.equation.rhs.replace(/\s+/g, '');
      if (rhs === 'W/max(W)' || rhs === 'W/W_max') net.normalize = 'max';
      else err([netKey, 'transforms', i, 'equation', 'rhs'], `weight transform '${t.equation.rhs}' is not supported (only W / max(W))`);
    });
    const cs = ndef.conduction_speed ?? ndef.parameters?.conduction_speed;
    net.speed = cs === undefined ? undefined : typeof cs === 'number' ? cs : cs.value;
    if (net.speed !== undefined && !(net.speed > 0)) err([netKey, 'conduction_speed'], `conduction speed must be > 0 mm/ms, got ${net.speed}`);
    for (const k of Object.keys(ndef.parameters ?? {})) if (k !== 'conduction_speed') err([netKey, 'parameters', k], `unknown network parameter '${k}' (only conduction_speed)`);
    net.delays = ndef.delays ?? true;
    if (ndef.empirical_fc) {
      net.empiricalFc = ndef.empirical_fc === 'dk_average' ? 'dk_average' : resolveDataPath(ndef.empirical_fc, baseDir);
      if (net.empiricalFc !== 'dk_average' && !existsSync(net.empiricalFc)) err([netKey, 'empirical_fc'], `file not found: ${net.empiricalFc}`);
    } else if (net.source === 'dk_average') net.empiricalFc = 'dk_average';
    if (ndef.coupling !== undefined && doc.coupling !== undefined) err([netKey, 'coupling'], "give the coupling once (top-level 'coupling' or network.coupling)");
  }

  // ---- coupling
  const cdef = doc.coupling ?? (typeof ndef === 'object' ? ndef.coupling : undefined) ?? 'Linear';
  const cPath: YamlPath = doc.coupling !== undefined ? ['coupling'] : [netKey, 'coupling'];
  let coupling: CouplingSpec | undefined;
  try {
    coupling = getCoupling(typeof cdef === 'string' ? cdef : cdef.name);
  } catch (e) {
    err(typeof cdef === 'string' ? cPath : [...cPath, 'name'], (e as Error).message);
  }
  const couplingParameters: Record<string, ParamValue> = {};
  if (coupling && typeof cdef === 'object' && cdef.parameters) {
    for (const [k, v] of Object.entries(cdef.parameters)) {
      const q = pre.couplingAliases[k] ?? k;
      if (!coupling.parameters[q]) err([...cPath, 'parameters', k], `coupling ${coupling.name} has no parameter '${k}' (it has: ${Object.keys(coupling.parameters).join(', ')})`);
      else couplingParameters[q] = plainValue(v);
    }
  }

  // ---- integration
  const I = doc.integration;
  const method = INTEGRATORS.find((m) => m.toLowerCase() === (I.method ?? 'Heun').toLowerCase());
  if (!method) err(['integration', 'method'], `unknown integration method '${I.method}'; expected one of ${INTEGRATORS.join(', ')}`);
  if (I.step_size !== undefined && I.dt !== undefined) err(['integration', 'dt'], "give the step once ('step_size' or 'dt')");
  if (I.transient_time !== undefined && I.transient !== undefined) err(['integration', 'transient'], "give the transient once ('transient_time' or 'transient')");
  const dt = I.step_size ?? I.dt ?? 0.1;
  let noise: SimulationConfig['integrator']['noise'];
  const seed = doc.execution?.random_seed ?? 42;
  if (I.noise) {
    const sig = I.noise.sigma ?? I.noise.parameters?.sigma.value;
    if (I.noise.nsig !== undefined && sig !== undefined) err(['integration', 'noise'], "give either 'nsig' (TVB's D) or 'sigma' (nsig = σ²/2), not both");
    if (I.noise.nsig === undefined && sig === undefined) err(['integration', 'noise'], "noise needs 'nsig' or 'sigma'");
    if (I.noise.additive === false) err(['integration', 'noise', 'additive'], 'multiplicative noise is not available in experiment files');
    noise = { nsig: I.noise.nsig ?? 0.5 * (sig ?? 0) ** 2, ntau: I.noise.ntau, seed: I.noise.seed ?? seed };
  }
  const duration = opts.override?.duration ?? I.duration;
  const transient = opts.override?.transient ?? I.transient_time ?? I.transient ?? 0;

  // ---- initial state
  const initialConditions: SimulationConfig['initialConditions'] = { seed: doc.initial_state?.seed ?? seed };
  let initialValues: Record<string, number | number[]> | undefined;
  if (model && doc.initial_state?.values) {
    const names = Object.keys(model.state_variables);
    const given = doc.initial_state.values;
    for (const k of Object.keys(given)) if (!names.includes(k)) err(['initial_state', 'values', k], `model ${model.name} has no state variable '${k}' (it has: ${names.join(', ')})`);
    const missing = names.filter((k) => given[k] === undefined);
    if (missing.length) err(['initial_state', 'values'], `give every state variable (missing: ${missing.join(', ')})`);
    initialValues = given;
  }

  // ---- stimulation
  let stimulus: StimulusConfig | undefined;
  let stimulusWeights: StimulationWeights | undefined;
  if (doc.stimulation) {
    const s = doc.stimulation;
    if ((s.equation === undefined) === (s.expression === undefined)) err(['stimulation'], "give exactly one of 'equation' (a TVB temporal equation) or 'expression' (of t in ms)");
    if (s.equation && !EQUATIONS[s.equation]) err(['stimulation', 'equation'], `unknown temporal equation '${s.equation}' (known: ${Object.keys(EQUATIONS).join(', ')})`);
    if (model) for (const [i, v] of (s.variables ?? []).entries()) if (!model.state_variables[v]) err(['stimulation', 'variables', i], `model ${model.name} has no state variable '${v}'`);
    stimulus = {
      weights: [] as number[],
      temporal: s.equation ? { equation: s.equation, parameters: s.parameters } : { expression: s.expression ?? '0' },
      variables: s.variables,
    };
    stimulusWeights = s.weights;
  }

  // ---- observations
  const ok = (['observations', 'monitors'] as const).filter((k) => doc[k] !== undefined);
  if (ok.length > 1) err([ok[1]], "give observations once ('observations' or 'monitors')");
  const obsKey = ok[0] ?? 'observations';
  const given = doc[obsKey];
  // no observations (or all dropped as unsupported): record the state as a temporal average
  const odefs: Record<string, ObservationDef> = given && Object.keys(given).length ? given : { raw: { monitor: 'TemporalAverage', period: Math.max(1, dt) } };
  const observations: ObsPlan[] = [];
  const monitors: MonitorSpec[] = [];
  const voiNames = model ? [...Object.keys(model.state_variables), ...model.variables_of_interest.map(String)] : [];
  const scalarOf = new Map<string, string[]>();
  for (const [name, def] of Object.entries(odefs)) {
    const path: YamlPath = [obsKey, name];
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name) || name.includes('__')) err(path, `observation name '${name}' must start with a letter and use letters, digits and single underscores`);
    if ('monitor' in def) {
      const m = MonitorObservationSchema.parse(def);
      const plan: MonitorObsPlan = { kind: 'monitor', name, def: m, index: monitors.length };
      if (m.variables && model) m.variables.forEach((v, i) => { if (/^[A-Za-z_]\w*$/.test(v) && !voiNames.includes(v)) err([...path, 'variables', i], `model ${model!.name} has no variable '${v}' (state variables and variables of interest: ${voiNames.join(', ')})`); });
      const needsPeriod = !['Raw', 'RawVoi', 'AfferentCoupling', 'Bold', 'BoldRegionROI', 'BalloonWindkessel'].includes(m.monitor);
      if (needsPeriod && m.period === undefined) err([...path, 'period'], `monitor ${m.monitor} needs a period (ms)`);
      if (['EEG', 'MEG', 'iEEG'].includes(m.monitor)) {
        if (!m.sensors) err(path, `monitor ${m.monitor} needs 'sensors' (a TVB sensor file, 'shared:data/tvb/eeg_brainstorm_65.txt', or 'builtin:<n>')`);
        else if (/^builtin:\d+$/.test(m.sensors)) plan.sensors = m.sensors;
        else {
          plan.sensors = resolveDataPath(m.sensors, baseDir);
          if (!existsSync(plan.sensors)) err([...path, 'sensors'], `sensor file not found: ${plan.sensors}`);
        }
      } else if (m.sensors) err([...path, 'sensors'], `'sensors' only applies to EEG, MEG and iEEG monitors`);
      monitors.push({ name: m.monitor, ...(m.period !== undefined ? { period: m.period } : {}) } as MonitorSpec);
      observations.push(plan);
      scalarOf.set(name, []);
    } else if ('function' in def) {
      const d = DerivedObservationSchema.parse(def);
      const src = observations.find((o) => o.name === d.source);
      if (!src) err([...path, 'source'], Object.keys(odefs).includes(d.source) ? `source '${d.source}' must be defined before '${name}'` : `unknown source observation '${d.source}' (defined: ${observations.map((o) => o.name).join(', ') || 'none'})`);
      const plan: DerivedObsPlan = { kind: 'derived', name, def: d };
      const needMonitor = ['fc', 'welch', 'mean', 'kuramoto'].includes(d.function);
      if (src && needMonitor && src.kind !== 'monitor') err([...path, 'source'], `${d.function} needs a monitor observation as its source; '${d.source}' is ${src.kind}`);
      if (src && d.function === 'peak_frequency' && !(src.kind === 'monitor' || (src.kind === 'derived' && src.def.function === 'welch'))) err([...path, 'source'], `peak_frequency needs a monitor or a welch observation`);
      if (src && (d.function === 'fc_corr' || d.function === 'fc_rmse')) {
        if (!(src.kind === 'derived' && src.def.function === 'fc')) err([...path, 'source'], `${d.function} needs an fc observation as its source`);
        const t = d.arguments?.target;
        if (typeof t !== 'string') err([...path, 'arguments'], `${d.function} needs arguments.target: an observation holding an FC matrix, or 'dk_average'`);
        else if (t === 'dk_average' || t === 'empirical_fc') plan.target = t === 'empirical_fc' ? (net.empiricalFc ?? '') : t;
        else if (observations.some((o) => o.name === t && (o.kind === 'data' || (o.kind === 'derived' && o.def.function === 'fc')))) plan.target = t;
        else err([...path, 'arguments', 'target'], `target '${t}' is not an earlier data or fc observation (or 'dk_average')`);
        if (plan.target === '') err([...path, 'arguments', 'target'], "'empirical_fc' needs network.empirical_fc");
      }
      for (const k of Object.keys(d.arguments ?? {})) {
        const allowed: Record<string, string[]> = { fc: ['skip', 'variable'], welch: ['skip', 'variable', 'nperseg'], peak_frequency: ['skip', 'variable', 'nperseg', 'band'], mean: ['skip', 'variable'], fc_corr: ['target'], fc_rmse: ['target'], kuramoto: ['skip', 'variable', 'phases'] };
        if (!allowed[d.function].includes(k)) err([...path, 'arguments', k], `${d.function} takes no argument '${k}' (it takes: ${allowed[d.function].join(', ')})`);
      }
      observations.push(plan);
      scalarOf.set(name, ['value']);
    } else {
      const data = def.data === 'dk_average' ? 'dk_average' : def.data === 'empirical_fc' ? net.empiricalFc ?? '' : resolveDataPath(def.data, baseDir);
      if (data === '') err([...path, 'data'], "'empirical_fc' needs network.empirical_fc (or a dk_average network)");
      else if (data !== 'dk_average' && !existsSync(data)) err([...path, 'data'], `file not found: ${data}`);
      observations.push({ kind: 'data', name, data });
      scalarOf.set(name, []);
    }
  }

  // ---- explorations
  const explorations: ExplorationPlan[] = [];
  const entries = <T>(v: Record<string, T> | T[] | undefined, key: string, prefix: string): [string, T, YamlPath][] =>
    v === undefined ? [] : Array.isArray(v) ? v.map((x, i) => [String((x as { name?: string }).name ?? `${prefix}_${i}`), x, [key, i]]) : Object.entries(v).map(([k, x]) => [k, x, [key, k]]);
  for (const [name, e, path] of entries<ExplorationDef>(doc.explorations, 'explorations', 'exploration')) {
    const axesDef = e.parameters ?? e.space;
    if (e.parameters && e.space) err([...path, 'space'], "give the axes once ('parameters' or 'space')");
    const axKey = e.parameters ? 'parameters' : 'space';
    const axes: Space[] = [];
    (axesDef ?? []).forEach((a, i) => {
      const ap = [...path, axKey, i];
      const nm = a.name ?? a.parameter;
      if (!nm) { err(ap, "each axis needs 'name' (or tvbo's 'parameter')"); return; }
      const target = model ? axisTarget(nm, model, coupling, pre.couplingAliases) : nm;
      if (!target) { err([...ap, a.name ? 'name' : 'parameter'], `'${nm}' is neither a parameter of model ${model?.name} nor of coupling ${coupling?.name} (as coupling.NAME), nor one of ${SETTING_NAMES.join(', ')}`); return; }
      const vals = a.values ?? a.explored_values;
      if ((a.domain === undefined) === (vals === undefined)) { err(ap, "give exactly one of 'domain' {lo, hi, n} or 'values'"); return; }
      if (vals) axes.push(valuesAxis(target, vals));
      else if (a.domain) {
        if (a.domain.log_scale && !(a.domain.lo > 0 && a.domain.hi > 0)) { err([...ap, 'domain'], 'log_scale needs lo > 0 and hi > 0'); return; }
        axes.push(a.domain.log_scale ? logGrid(target, a.domain.lo, a.domain.hi, a.domain.n) : grid(target, a.domain.lo, a.domain.hi, a.domain.n));
      }
    });
    if (!axesDef) err(path, "an exploration needs 'parameters' (or 'space'): a list of axes");
    const obsNames = e.observables ?? (e.observable ? [e.observable] : []);
    if (!obsNames.length) err(path, "an exploration needs 'observable' or 'observables' (scalar observations such as fc_corr)");
    obsNames.forEach((o, i) => {
      const [on, out = 'value'] = o.split('.');
      const outs = scalarOf.get(on);
      if (!outs) err([...path, e.observables ? 'observables' : 'observable', ...(e.observables ? [i] : [])], `observable '${o}' is not an observation (defined: ${[...scalarOf.keys()].join(', ')})`);
      else if (!outs.includes(out)) err([...path, e.observables ? 'observables' : 'observable', ...(e.observables ? [i] : [])], `observation '${on}' has no scalar output '${out}' (derived observations such as fc_corr give 'value')`);
    });
    if (axes.length === (axesDef ?? []).length && axes.length) {
      let space: Space | undefined;
      try {
        space = e.mode === 'zip' ? zip(...axes) : product(...axes);
      } catch (x) {
        err([...path, 'mode'], (x as Error).message);
      }
      let record: number | undefined;
      if (e.record !== undefined) {
        const o = observations.find((x) => x.name === e.record);
        if (!o || o.kind !== 'monitor') err([...path, 'record'], `record '${e.record}' is not a monitor observation (monitor observations: ${observations.filter((x) => x.kind === 'monitor').map((x) => x.name).join(', ')})`);
        else record = o.index;
      }
      if (space) explorations.push({ name, space, observables: obsNames, batchSize: e.batch_size ?? e.n_parallel ?? doc.execution?.batch_size, record });
    }
  }

  // ---- algorithms
  const algorithms: AlgorithmPlan[] = [];
  for (const [name, a, path] of entries<AlgorithmDef>(doc.algorithms, 'algorithms', 'algorithm')) {
    if (model && model.name !== 'ReducedWongWangExcInh') err([...path, 'type'], `${a.type} tunes the two-population Wong–Wang E/I network; the experiment's model must be ReducedWongWangExcInh (it is ${model.name})`);
    const plan: AlgorithmPlan = { name, def: a };
    if (a.type === 'eib') {
      const t = a.target ?? (net.empiricalFc ? 'empirical_fc' : undefined);
      if (!t) err(path, "eib needs 'target' (an FC observation, or 'dk_average') or network.empirical_fc");
      else if (t === 'empirical_fc') plan.target = net.empiricalFc;
      else if (t === 'dk_average' || observations.some((o) => o.name === t && o.kind === 'data')) plan.target = t;
      else err([...path, 'target'], `target '${t}' is not a data observation (or 'dk_average')`);
    }
    const known: Record<string, string[]> = {
      fic: ['target', 'window', 'transient', 'evaluation_steps', 'lo', 'hi'],
      eib: ['window', 'tr', 'transient', 'fic_iterations', 'fic_eta', 'keep', 'warmup', 'evaluation_steps'],
    };
    for (const k of Object.keys(a.hyperparameters ?? {})) if (!known[a.type].includes(k)) err([...path, 'hyperparameters', k], `${a.type} has no hyperparameter '${k}' (it has: ${known[a.type].join(', ')})`);
    algorithms.push(plan);
  }
  // ---- optimizations (gradient fits through the tensor engine)
  const optimizations: OptimizationPlan[] = [];
  for (const [name, o, path] of entries<OptimizationDef>(doc.optimizations, 'optimizations', 'optimization')) {
    const params: OptimizationPlan['params'] = [];
    o.free_parameters.forEach((fp, i) => {
      const ap = [...path, 'free_parameters', i];
      const nm = fp.name ?? fp.parameter;
      if (!nm) { err(ap, "each free parameter needs 'name' (or tvbo's 'parameter')"); return; }
      const target = model ? axisTarget(nm, model, coupling, pre.couplingAliases) : nm;
      if (!target || (SETTING_NAMES as readonly string[]).includes(target)) { err([...ap, fp.name ? 'name' : 'parameter'], `'${nm}' is neither a parameter of model ${model?.name} nor of coupling ${coupling?.name} (as coupling.NAME)`); return; }
      if (fp.bounds && !(fp.bounds[0] < fp.bounds[1])) err([...ap, 'bounds'], `bounds [${fp.bounds.join(', ')}] need lo < hi`);
      params.push({ target, init: fp.init, bounds: fp.bounds, regional: !!fp.heterogeneous });
    });
    const mon = observations.find((x) => x.name === o.loss.observation);
    if (!mon || mon.kind !== 'monitor') err([...path, 'loss', 'observation'], `'${o.loss.observation}' is not a monitor observation (monitor observations: ${observations.filter((x) => x.kind === 'monitor').map((x) => x.name).join(', ')})`);
    let target: string | undefined;
    if (o.loss.target === 'dk_average') target = 'dk_average';
    else if (o.loss.target === 'empirical_fc') { target = net.empiricalFc; if (!target) err([...path, 'loss', 'target'], "'empirical_fc' needs network.empirical_fc"); }
    else if (observations.some((x) => x.name === o.loss.target && x.kind === 'data')) target = o.loss.target;
    else err([...path, 'loss', 'target'], `target '${o.loss.target}' is not a data observation (or 'empirical_fc', 'dk_average')`);
    if (mon && mon.kind === 'monitor' && target) optimizations.push({ name, def: o, params, monitor: mon.index, target });
  }
  if (doc.execution?.queue !== undefined) {
    try {
      checkRedisUrl(doc.execution.queue);
    } catch (e) {
      err(['execution', 'queue'], (e as Error).message.replace(/^--queue: /, ''));
    }
  }
  for (const [k, v] of Object.entries(doc.functions ?? {})) {
    void v;
    (opts.dropUnsupported ? warnings : issues).push(src.issue(['functions', k], "user functions are not executed by vbt run; derived observations use the built-in functions (fc, welch, peak_frequency, mean, fc_corr, fc_rmse, kuramoto)"));
  }

  if (issues.length) throw new ExperimentError(src.file, issues);

  const threads = doc.execution?.n_workers;
  return {
    id: String(doc.id ?? basename(src.file).replace(/\.[^.]*$/, '')).replace(/[^A-Za-z0-9_]+/g, '_'),
    label: doc.label,
    description: doc.description,
    file: src.file,
    baseDir,
    text: src.text,
    model: model!,
    coupling: coupling!,
    network: net,
    config: {
      model: model!,
      parameters,
      coupling: coupling!,
      couplingParameters,
      integrator: { name: method!, dt, noise },
      duration,
      transient,
      monitors,
      initialConditions,
      stimulus,
      historyPrecision: doc.execution?.precision === 'float32' ? 'float32' : 'float64',
      threads,
    },
    observations,
    explorations,
    algorithms,
    optimizations,
    threads,
    ...(doc.execution?.queue ? { queue: { url: doc.execution.queue, ...(doc.execution.queue_name ? { name: doc.execution.queue_name } : {}) } } : {}),
    initialValues,
    stimulusWeights,
    warnings,
  };
}
