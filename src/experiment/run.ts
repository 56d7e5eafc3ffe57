/**
 * Runs a resolved experiment: the integration with its observations, then every exploration,
 * then every algorithm, in file order, and gathers them in one ExperimentResult. When a part
 * fails, the parts finished so far are returned with the result marked partial (status, failed
 * part and error are stored in the file), never mixed silently with a complete result.
 */
import { Connectivity } from '../network/connectivity.js';
import { syntheticConnectome } from '../network/synthetic.js';
import { readAnyConnectivity } from '../io/files.js';
import { simulate } from '../simulation/simulate.js';
import type { SimulationConfig, StimulusConfig } from '../simulation/config.js';
import type { MonitorSpec } from '../observation/registry.js';
import type { SimulationResult, MonitorOutput } from '../results/simulation.js';
import { readSensors, type Sensors } from '../observation/sensors/sensors.js';
import { eegGainSphere, megGainSphere, ieegGain } from '../observation/sensors/gain.js';
import type { SquareMatrix } from '../analysis/fc.js';
import { readMatrix } from '../io/matrix.js';
import { LabeledArray } from '../results/labeled.js';
import { ExperimentResult, ObservationResult } from '../results/experiment.js';
import { ExplorationResult } from '../results/exploration.js';
import type { AlgorithmResult, OptimizationResult } from '../results/tuning.js';
import { fit, type OptimizerName } from '../../algorithms/optimize.js';
import { ParameterSet, globalParameter, regionalParameter, sigmoidBounded, identity, applyParameters } from '../../algorithms/params.js';
import { tensorFc, tensorFcCorrLossFull, tensorRmse } from '../analysis/tensor.js';
import { functionalConnectivity } from '../analysis/fc.js';
import { monitorSeries } from '../analysis/series.js';
import { rmse } from '../analysis/losses.js';
import { fcCorr } from '../../algorithms/data.js';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend } from '../backend/index.js';
import { loadDkAverage, maxNormalized, dkAveragePath } from '../../algorithms/data.js';
import { explore } from '../../algorithms/explore.js';
import { EibNetwork, EIB_DEFAULTS, type EibParameters } from '../../algorithms/eib-model.js';
import { fic } from '../../algorithms/fic.js';
import { eib, type EibKeep } from '../../algorithms/eib.js';
import { evaluateObservations, pointObservables } from './observe.js';
import { experimentObservablesSpec, registerExperimentObservables } from './queue-observables.js';
import type { ExperimentPlan, MonitorObsPlan, NetworkPlan, OptimizationPlan, StimulationWeights } from './resolve.js';

export interface RunOptions {
  /** One line per part and step ("[2/4] exploration g_noise: 12/24 points"). */
  progress?: (message: string) => void;
}

export interface ExperimentRun {
  result: ExperimentResult;
  /** Whether every part finished. */
  complete: boolean;
  failure?: { part: string; error: Error };
}

/** The network an experiment names. */
export async function loadNetwork(p: NetworkPlan): Promise<Connectivity> {
  let c: Connectivity;
  if (p.source === 'builtin') c = syntheticConnectome({ nodes: p.nodes, seed: p.seed });
  else if (p.source === 'dk_average') c = loadDkAverage(dkAveragePath()).connectivity;
  else c = await readAnyConnectivity(p.path!);
  if (p.normalize === 'max') c = maxNormalized(c);
  if (!p.delays) c = new Connectivity({ n: c.n, weights: c.weights, tractLengths: new Float64Array(c.n * c.n), labels: c.labels, centres: c.centres, name: `${c.name} (no delays)`, source: c.source });
  if (p.speed !== undefined) c = c.withSpeed(p.speed);
  return c;
}

/** An FC data set by name: 'dk_average' or an .npz/.json file. */
export function loadFc(what: string): SquareMatrix {
  return what === 'dk_average' ? loadDkAverage(dkAveragePath()).fc : readMatrix(what);
}

/**
 * n EEG sensors spread evenly (Fibonacci lattice) over the upper half of the unit sphere, for
 * runs without a sensor file; eegGainSphere scales them onto the scalp sphere.
 */
export function builtinSensors(n: number): Sensors {
  const positions = new Float64Array(3 * n);
  const golden = Math.PI * (3 - Math.sqrt(5));
  for (let k = 0; k < n; k++) {
    const z = 1 - (k + 0.5) / n; // (0, 1]: upper hemisphere
    const r = Math.sqrt(1 - z * z);
    positions.set([r * Math.cos(golden * k), r * Math.sin(golden * k), z], 3 * k);
  }
  return { labels: Array.from({ length: n }, (_, k) => `E${k + 1}`), positions, dropped: [] };
}

function monitorSpecs(plan: ExperimentPlan, conn: Connectivity): { monitors: MonitorSpec[]; voi?: string[]; sensorLabels: Record<string, string[]> } {
  const sensorLabels: Record<string, string[]> = {};
  const mons = plan.observations.filter((o): o is MonitorObsPlan => o.kind === 'monitor');
  const anyVars = mons.some((m) => m.def.variables);
  const defaults = plan.model.variables_of_interest.map(String);
  const voi = anyVars ? [...new Set(mons.flatMap((m) => m.def.variables ?? defaults))] : undefined;
  const monitors = mons.map((m) => {
    const spec = { ...plan.config.monitors![m.index] } as MonitorSpec & Record<string, unknown>;
    if (voi) spec.voi = (m.def.variables ?? defaults).map((v) => voi.indexOf(v));
    if (m.sensors) {
      const sensors = m.sensors.startsWith('builtin:') ? builtinSensors(Number(m.sensors.slice(8))) : readSensors(m.sensors);
      const g = m.def.monitor === 'MEG' ? megGainSphere : m.def.monitor === 'iEEG' ? ieegGain : eegGainSphere;
      spec.gain = g(sensors, { centres: conn.centres });
      sensorLabels[m.name] = sensors.labels;
      if (m.def.reference !== undefined) spec.reference = m.def.reference;
    }
    return spec as MonitorSpec;
  });
  return { monitors, voi, sensorLabels };
}

function stimulusWeights(w: StimulationWeights, conn: Connectivity): Float64Array {
  if (typeof w === 'number') return new Float64Array(conn.n).fill(w);
  if (Array.isArray(w)) {
    if (w.length !== conn.n) throw new Error(`stimulation.weights: ${w.length} values for ${conn.n} nodes`);
    return Float64Array.from(w);
  }
  const out = new Float64Array(conn.n);
  for (const nd of w.nodes) {
    const i = typeof nd === 'number' ? nd : conn.labels.indexOf(nd);
    if (!(i >= 0 && i < conn.n)) throw new Error(`stimulation.weights.nodes: no node '${nd}' (${conn.n} nodes)`);
    out[i] = w.value;
  }
  return out;
}

/** The simulation config with the network, gains, initial state and stimulus filled in. */
export function buildConfig(plan: ExperimentPlan, conn: Connectivity): SimulationConfig & { sensorLabels: Record<string, string[]> } {
  const { monitors, voi, sensorLabels } = monitorSpecs(plan, conn);
  const cfg: SimulationConfig & { sensorLabels: Record<string, string[]> } = { ...plan.config, connectivity: conn, monitors, ...(voi ? { variablesOfInterest: voi } : {}), sensorLabels };
  if (plan.initialValues) {
    const svs = Object.keys(plan.model.state_variables), M = plan.model.modes ?? 1, N = conn.n;
    const h = new Float64Array(svs.length * N * M);
    svs.forEach((sv, k) => {
      const v = plan.initialValues![sv];
      if (Array.isArray(v) && v.length !== N) throw new Error(`initial_state.values.${sv}: ${v.length} values for ${N} nodes`);
      for (let i = 0; i < N; i++) for (let m = 0; m < M; m++) h[(k * N + i) * M + m] = Array.isArray(v) ? v[i] : v;
    });
    cfg.initialConditions = { history: h };
  }
  if (plan.stimulusWeights !== undefined) cfg.stimulus = { ...(plan.config.stimulus as StimulusConfig), weights: stimulusWeights(plan.stimulusWeights, conn) };
  return cfg;
}

const plainNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function eibNetwork(plan: ExperimentPlan, conn: Connectivity): EibNetwork {
  const p: Partial<EibParameters> = {};
  const per: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(plan.config.parameters ?? {})) {
    if (k === 'J_i') continue;
    if (!(k in EIB_DEFAULTS)) throw new Error(`the E/I network takes no model parameter '${k}' (it takes: ${Object.keys(EIB_DEFAULTS).join(', ')}, J_i)`);
    if (typeof v !== 'number') per[k] = Array.from(v as ArrayLike<number>);
    else (p as Record<string, number>)[k] = v;
  }
  if (Object.keys(per).length) throw new Error(`the E/I network takes per-node values only for J_i (got ${Object.keys(per).join(', ')})`);
  const J = plan.config.parameters?.J_i;
  const noise = plan.config.integrator.noise;
  return new EibNetwork({
    n: conn.n, weights: conn.weights, parameters: p, dt: plan.config.integrator.dt,
    J_i: J === undefined ? undefined : typeof J === 'number' ? J : Array.from(J as ArrayLike<number>),
    nsig: noise ? plainNumber(noise.nsig) ?? 0 : 0, seed: noise?.seed,
  });
}

/**
 * Run everything an experiment describes.
 *
 * @example
 * ```ts
 * import { ExperimentSource, loadExperiment, runExperiment } from 'vbt';
 * // a small G x noise exploration; examples/experiments/g-noise-exploration.yaml is the full-size one
 * const plan = loadExperiment(ExperimentSource.fromText(`
 * id: g_noise_small
 * model: {name: Generic2dOscillator}
 * coupling: {name: Linear, parameters: {a: 0.1}}
 * integration: {method: Heun, step_size: 0.5, duration: 50, noise: {nsig: 1.0e-4}}
 * observations:
 *   tavg: {monitor: TemporalAverage, period: 1}
 *   mean_v: {source: tavg, function: mean}
 * explorations:
 *   g_noise:
 *     parameters:
 *       - {name: coupling.a, domain: {lo: 0.1, hi: 0.3, n: 2}}
 *       - {name: noise.nsig, domain: {lo: 1.0e-5, hi: 1.0e-4, n: 2, log_scale: true}}
 *     mode: product
 *     observables: [mean_v]
 * execution: {random_seed: 42}
 * `));
 * const { result, complete } = await runExperiment(plan, { progress: console.error });
 * await result.save('g-noise.nc');
 * ```
 */
export async function runExperiment(plan: ExperimentPlan, opts: RunOptions = {}): Promise<ExperimentRun> {
  const say = opts.progress ?? (() => {});
  const parts = 1 + plan.explorations.length + plan.algorithms.length + plan.optimizations.length;
  let partNo = 0;
  const done: string[] = [];
  let integration: SimulationResult | undefined;
  const observations: Record<string, ObservationResult> = {};
  const explorations: Record<string, ExplorationResult> = {};
  const algorithms: Record<string, AlgorithmResult> = {};
  const optimizations: Record<string, OptimizationResult> = {};
  const dataSources: Record<string, string> = {};
  const make = (failure?: { part: string; error: Error }) => new ExperimentResult({
    id: plan.id, integration, observations, explorations, algorithms, optimizations, dataSources, sourceExperiment: plan.text,
    status: failure ? { complete: false, completedParts: [...done], failedPart: failure.part, error: failure.error.message } : { complete: true, completedParts: [...done] },
    experimentDir: plan.baseDir,
  });
  let part = 'network';
  try {
    const conn = await loadNetwork(plan.network);
    dataSources.network = plan.network.path ?? plan.network.source;
    const data = new Map<string, SquareMatrix>();
    for (const o of plan.observations) if (o.kind === 'data') { data.set(o.name, loadFc(o.data)); dataSources[o.name] = o.data; }
    const dataOf = (name: string): SquareMatrix => {
      const m = data.get(name) ?? (name === 'dk_average' ? loadFc('dk_average') : undefined);
      if (!m) throw new Error(`no data observation '${name}'`);
      data.set(name, m);
      return m;
    };
    const monitorsOf = (get: (i: number) => MonitorOutput) => (name: string) => get((plan.observations.find((o) => o.name === name) as MonitorObsPlan).index);
    const { sensorLabels, ...cfg } = buildConfig(plan, conn);
    const spaceLabels = (name: string) => sensorLabels[name];

    part = 'integration';
    say(`[${++partNo}/${parts}] integration: ${plan.model.name} on ${conn.name} (${conn.n} nodes), ${plan.config.duration} ms after ${plan.config.transient} ms transient`);
    let last = -1;
    integration = await simulate({
      ...cfg,
      onProgress: (d, t) => {
        const pct = Math.floor((100 * d) / t / 10) * 10;
        if (pct !== last) { last = pct; say(`  integration ${pct}%`); }
      },
    });
    integration.withNetwork(conn);
    const outs = evaluateObservations(plan.observations, { monitor: monitorsOf((i) => integration!.monitor(i)), data: dataOf, labels: conn.labels, spaceLabels });
    for (const o of plan.observations) {
      if (o.kind === 'derived') observations[o.name] = new ObservationResult(o.name, outs[o.name]);
      if (o.kind === 'data') {
        const m = dataOf(o.name);
        observations[o.name] = new ObservationResult(o.name, { data: new LabeledArray(m.data, ['node_i', 'node_j'], { node_i: conn.labels, node_j: conn.labels }, { source: o.data }, [m.n, m.n]) });
      }
    }
    done.push('integration');

    for (const e of plan.explorations) {
      part = `explorations.${e.name}`;
      say(`[${++partNo}/${parts}] exploration ${e.name}: ${e.space.size} points over ${e.space.names.join(' × ')}`);
      const obsCtx = { plans: plan.observations, names: e.observables, labels: conn.labels };
      const base = { ...cfg };
      let res: ExplorationResult;
      if (plan.queue) {
        // the same sweep as the local path (chunks = batches, so the same noise seeds), as data for `vbt worker`s
        const { makeSweep, QueueExecutor } = await import('../../algorithms/distributed/index.js');
        registerExperimentObservables();
        const observables = experimentObservablesSpec({ ...obsCtx, dataOf, spaceLabels });
        const sweep = makeSweep({ name: e.name, base, space: e.space, observables, chunkSize: e.batchSize ?? 32, record: e.record });
        res = await new QueueExecutor({
          url: plan.queue.url, name: plan.queue.name,
          onSubmitted: (id) => say(`  ${e.name}: sweep ${id} in queue '${plan.queue!.name ?? 'explore'}' at ${plan.queue!.url}`),
          progress: (d, t) => say(`  ${e.name}: ${d}/${t} points`),
        }).run(sweep);
      } else {
        res = await explore({
          name: e.name, base, space: e.space, observables: pointObservables(obsCtx.plans, obsCtx.names, { data: dataOf, labels: conn.labels, spaceLabels }),
          batchSize: e.batchSize, threads: plan.threads, record: e.record,
          progress: (d, t) => say(`  ${e.name}: ${d}/${t} points`),
        });
      }
      explorations[e.name] = res;
      done.push(part);
    }

    for (const a of plan.algorithms) {
      part = `algorithms.${a.name}`;
      const it = a.def.n_iterations ?? (a.def.type === 'fic' ? 200 : 2000);
      say(`[${++partNo}/${parts}] algorithm ${a.name} (${a.def.type}, ${it} iterations)`);
      const net = eibNetwork(plan, conn);
      const h = a.def.hyperparameters ?? {};
      const num = (k: string) => (h[k] === undefined ? undefined : Number(h[k]));
      const report = (d: number, t: number) => { if (d % Math.max(1, Math.floor(t / 10)) === 0 || d === t) say(`  ${a.name}: ${d}/${t}`); };
      // pre- and post-tuning runs observed like the integration (its monitors, length and transient)
      const record = cfg.monitors?.length ? { monitors: cfg.monitors, duration: cfg.duration, transient: cfg.transient, labels: conn.labels } : undefined;
      let r;
      if (a.def.type === 'fic') {
        const windowMs = num('window') ?? 720;
        r = fic({
          network: net, iterations: it, rule: { kind: 'gating', target: num('target'), eta: a.def.learning_rate },
          windowSteps: Math.round(windowMs / net.dt), transientSteps: Math.round((num('transient') ?? 0) / net.dt),
          bounds: [num('lo') ?? 0, num('hi') ?? 5],
          evaluation: num('evaluation_steps') ? { steps: num('evaluation_steps')!, targetFc: plan.network.empiricalFc ? loadFc(plan.network.empiricalFc) : undefined } : undefined,
          record, progress: report,
        });
      } else {
        const target = dataOf(a.target!);
        r = eib({
          network: net, targetFc: target, iterations: it, eta: a.def.learning_rate, window: num('window'), tr: num('tr'),
          transient: num('transient'), ficIterations: num('fic_iterations'), ficPhaseRule: num('fic_eta') !== undefined ? { kind: 'gating', eta: num('fic_eta') } : undefined,
          keep: h.keep as EibKeep | undefined, warmup: num('warmup'),
          evaluation: num('evaluation_steps') ? { steps: num('evaluation_steps') } : false,
          record, progress: report,
        });
      }
      algorithms[a.name] = r;
      done.push(part);
    }

    for (const o of plan.optimizations) {
      part = `optimizations.${o.name}`;
      say(`[${++partNo}/${parts}] optimization ${o.name}: ${o.params.map((p) => p.target).join(', ')} by ${o.def.algorithm ?? 'adam'}, ${o.def.max_iterations} steps`);
      optimizations[o.name] = await runOptimization(plan, o, cfg, conn, dataOf(o.target), say);
      done.push(part);
    }
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    say(`${part} failed: ${error.message}`);
    return { result: make({ part, error }), complete: false, failure: { part, error } };
  }
  return { result: make(), complete: true };
}

/**
 * A gradient fit through the tensor engine: the loss is 1 − fc_corr (full matrices) or the RMSE
 * between the FC of the loss observation's first variable and the target; the fitted values are
 * then scored by a kernel-engine run (observations: fc_corr and fc_rmse).
 */
async function runOptimization(plan: ExperimentPlan, o: OptimizationPlan, cfg: SimulationConfig, conn: Connectivity, target: SquareMatrix, say: (m: string) => void): Promise<OptimizationResult> {
  if (target.n !== conn.n) throw new Error(`optimization ${o.name}: the target FC is ${target.n}×${target.n}, the network has ${conn.n} nodes`);
  const startOf = (t: string): number | number[] => {
    const [isC, nm] = t.startsWith('coupling.') ? [true, t.slice(9)] : [false, t];
    const given = isC ? cfg.couplingParameters?.[nm] : cfg.parameters?.[nm];
    if (given !== undefined) return typeof given === 'number' ? given : Array.from(given as ArrayLike<number>);
    const spec = isC ? plan.coupling.parameters[nm] : plan.model.parameters[nm];
    return Array.isArray(spec.default) ? spec.default : (spec.default as number);
  };
  const params = o.params.map((p) => {
    const isC = p.target.startsWith('coupling.');
    const name = isC ? p.target.slice(9) : p.target;
    const init = p.init ?? startOf(p.target);
    const transform = p.bounds ? sigmoidBounded(p.bounds[0], p.bounds[1]) : identity;
    const opts = { target: isC ? ('coupling' as const) : ('model' as const), transform };
    if (p.regional) return regionalParameter(name, init, { ...opts, n: conn.n });
    if (typeof init !== 'number') throw new Error(`optimization ${o.name}: '${p.target}' has one value per node; mark it heterogeneous`);
    return globalParameter(name, init, opts);
  });
  const ps = new ParameterSet(params);
  const skip = o.def.loss.skip ?? 0;
  await loadBackend(); // before the target tensor is made (fit loads the same backend)
  const tgt = tf.tensor2d(Float32Array.from(target.data), [target.n, target.n]);
  const lossFn = o.def.loss.function;
  try {
    const res = await fit({
      name: o.name, config: cfg, parameters: ps, steps: o.def.max_iterations, optimizer: (o.def.algorithm ?? 'adam') as OptimizerName,
      learningRate: o.def.learning_rate ?? 0.01, progress: (d: number, t: number) => { if (d % Math.max(1, Math.floor(t / 10)) === 0 || d === t) say(`  ${o.name}: ${d}/${t}`); },
      loss: (out) => tf.tidy(() => {
        const m = out.monitor(o.monitor).data; // [B, T, V, N, M]
        const [, T, , N] = m.shape;
        const x = tf.reshape(tf.slice(m, [0, 0, 0, 0, 0], [1, T, 1, N, 1]), [T, N]);
        const fc = tensorFc(x, { skip });
        return lossFn === 'fc_corr' ? tensorFcCorrLossFull(fc, tgt) : tensorRmse(fc, tgt);
      }) as tf.Scalar,
      observe: async (values) => {
        const r = await simulate(applyParameters(cfg, ps, values));
        const fc = functionalConnectivity(monitorSeries(r.monitor(o.monitor)), { skip });
        return { fc_corr: fcCorr(fc, target), fc_rmse: rmse(fc, target) };
      },
    });
    return res;
  } finally {
    tgt.dispose();
  }
}
