/**
 * Running a prepared plan with the kernel engine: in this thread for one parameter set, across
 * worker threads for a batch. Results are assembled into a SimulationResult.
 */
import { generateProgram, instantiate } from '../engine/kernel/program.js';
import { availableParallelism } from 'node:os';
import { releaseWorker, rngModuleUrl, takeWorker } from '../engine/kernel/workers.js';
import { RandomState } from '../random/index.js';
import { syntheticConnectome } from '../network/synthetic.js';
import { checkConfigKeys, type SimulationConfig } from './config.js';
import { prepareRun, type PreparedRun } from './plan.js';
import { buildProvenance } from '../provenance/index.js';
import { checkMemory, estimateMemory } from './memory.js';
import { DivergenceError, SimulationResult, type MonitorOutput } from '../results/simulation.js';
import { simulateSurface, simulateSurfaceAsync } from '../surface/run.js';

export interface Divergence { step: number; batch: number; variable: number; node: number; mode: number; value: number }

export function sliceBatch(prep: PreparedRun, b0: number, b1: number): Record<string, unknown> {
  const { plan, data } = prep;
  const P: Record<string, unknown> = { ...data };
  const N = plan.N;
  const cut = (arr: Float64Array, kind: string) =>
    kind === 'batch' ? arr.slice(b0, b1) : kind === 'batchnode' ? arr.slice(b0 * N, b1 * N) : arr;
  for (const [k, p] of Object.entries(plan.modelParams)) P[`mp_${k}`] = cut(p.data, p.kind);
  for (const [k, p] of Object.entries(plan.couplingParams)) P[`cp_${k}`] = cut(p.data, p.kind);
  const S = Object.keys(plan.spec.state_variables).length * N * plan.M;
  const hist = prep.history.length === prep.B * prep.H * S ? prep.history.slice(b0 * prep.H * S, b1 * prep.H * S) : prep.history;
  return {
    B: b1 - b0,
    batchOffset: b0,
    P,
    history: hist,
    state: new Float64Array((b1 - b0) * S),
    seeds: prep.seeds.slice(b0, b1),
  };
}

export function toDivergenceError(d: Divergence, prep: PreparedRun): DivergenceError {
  return new DivergenceError({
    step: d.step,
    time: d.step * prep.plan.dt,
    batch: d.batch,
    variable: d.variable >= 0 ? prep.stateVariables[d.variable] : '?',
    node: d.node,
    nodeLabel: prep.conn.labels[d.node] ?? '?',
    mode: d.mode,
    value: d.value,
  });
}

/** Run in this thread. */
function runLocal(prep: PreparedRun, source: string, onProgress?: (done: number, total: number) => void) {
  const ctx = sliceBatch(prep, 0, prep.B);
  ctx.Rng = RandomState;
  const prog = instantiate(source, ctx);
  const total = prep.transientSteps + prep.nSteps;
  try {
    if (prep.transientSteps) prog.run(prep.s0, prep.transientSteps, false, prep.s0, onProgress && ((d: number) => onProgress(d, total)));
    prog.run(prep.s0 + prep.transientSteps, prep.nSteps, true, prep.s0, onProgress && ((d: number) => onProgress(prep.transientSteps + d, total)));
  } catch (e) {
    const d = (e as { divergence?: Divergence }).divergence;
    if (d) throw toDivergenceError(d, prep);
    throw e;
  }
  return { outputs: prog.results(), state: prog.state };
}

async function runWorkers(prep: PreparedRun, source: string, threads: number, onProgress?: (done: number, total: number) => void) {
  const B = prep.B;
  const W = Math.min(threads, B);
  const bounds = Array.from({ length: W + 1 }, (_, k) => Math.round((k * B) / W));
  const done = new Array(W).fill(0);
  const total = prep.transientSteps + prep.nSteps;
  // compiled once here and shared: workers then start on code V8 has already optimised
  const bytes = (prep.data as { wasm?: Uint8Array<ArrayBuffer> }).wasm;
  const wasmModule = bytes ? new WebAssembly.Module(bytes) : undefined;
  const parts = await Promise.all(
    Array.from({ length: W }, (_, k) => new Promise<{ outputs: { time: Float64Array; data: Float64Array }[]; state: Float64Array }>((resolve, reject) => {
      const w = takeWorker();
      w.on('message', (m) => {
        if (m.progress !== undefined) {
          done[k] = m.progress;
          onProgress?.(Math.min(...done), total);
          return;
        }
        releaseWorker(w);
        if (m.error) reject(m.divergence ? toDivergenceError(m.divergence, prep) : new Error(`kernel worker failed: ${m.error}`));
        else resolve(m);
      });
      w.on('error', (e) => {
        // a crashed worker is not reused
        w.removeAllListeners();
        void w.terminate();
        reject(e);
      });
      w.postMessage({
        ctx: { ...sliceBatch(prep, bounds[k], bounds[k + 1]), wasmModule }, source, rng: prep.plan.noise ? rngModuleUrl() : undefined,
        s0: prep.s0, transientSteps: prep.transientSteps, nSteps: prep.nSteps,
      });
    })),
  );
  // concatenate along the batch axis (every output is batch-major)
  const outputs = prep.plan.monitors.map((_, i) => {
    const data = new Float64Array(parts.reduce((a, p) => a + p.outputs[i].data.length, 0));
    let o = 0;
    for (const p of parts) { data.set(p.outputs[i].data, o); o += p.outputs[i].data.length; }
    return { time: parts[0].outputs[i].time, data };
  });
  const state = new Float64Array(parts.reduce((a, p) => a + p.state.length, 0));
  let o = 0;
  for (const p of parts) { state.set(p.state, o); o += p.state.length; }
  return { outputs, state };
}

function assemble(prep: PreparedRun & { kernel: 'wasm' | 'js' }, outputs: { time: Float64Array; data: Float64Array }[], state: Float64Array, wall: number, cfg: SimulationConfig): SimulationResult {
  const { plan } = prep;
  const mons: MonitorOutput[] = plan.monitors.map((m, i) => {
    const vars = m.name === 'AfferentCoupling' ? m.voi.map((v) => `c_${v}`) : m.voi.map((v) => prep.voiNames[v]);
    const [V, Nn, M] = m.sampleShape;
    const nS = m.nSamples;
    return {
      name: m.name, period: m.period, time: outputs[i].time, data: outputs[i].data.subarray(0, prep.B * nS * V * Nn * M),
      shape: [prep.B, nS, V, Nn, M], variables: vars,
    };
  });
  const parameters: Record<string, number | number[]> = {};
  for (const [k, p] of Object.entries(plan.modelParams)) parameters[k] = p.data.length === 1 ? p.data[0] : Array.from(p.data);
  for (const [k, p] of Object.entries(plan.couplingParams)) parameters[`coupling.${k}`] = p.data.length === 1 ? p.data[0] : Array.from(p.data);
  const provenance = buildProvenance(cfg, { spec: plan.spec, coupling: plan.coupling, conn: prep.conn, integratorName: prep.integratorName, kernel: prep.kernel });
  const warnings = largeValueWarnings(mons, state, prep.stateVariables);
  if (warnings.length) provenance.flags = { largeValues: warnings };
  return new SimulationResult(mons, {
    model: plan.spec.name,
    coupling: plan.coupling.name,
    integrator: prep.integratorName,
    dt: plan.dt,
    nSteps: prep.nSteps,
    transientSteps: prep.transientSteps,
    horizon: prep.H,
    batchSize: prep.B,
    nodeLabels: prep.conn.labels,
    connectivity: prep.conn.name,
    wallSeconds: wall,
    kernel: prep.kernel,
    finalState: state,
    stateVariables: prep.stateVariables,
    parameters,
    provenance,
    ...(warnings.length ? { warnings } : {}),
  });
}

/** Values this large are finite but almost never physiological: the run has likely run away. */
export const LARGE_VALUE = 1e12;

/** One warning per monitor (and the final state) whose values pass 1e12 in magnitude without NaN. */
export function largeValueWarnings(mons: MonitorOutput[], state: Float64Array, stateVariables: string[]): string[] {
  const out: string[] = [];
  const scan = (x: Float64Array) => {
    let max = 0;
    for (let i = 0; i < x.length; i++) {
      const a = Math.abs(x[i]);
      if (a > max) max = a;
    }
    return max;
  };
  for (const m of mons) {
    const max = scan(m.data);
    if (max > LARGE_VALUE && Number.isFinite(max)) out.push(`monitor ${m.name}: values reach ${max.toPrecision(3)} (past ${LARGE_VALUE.toExponential()}); the run has likely run away (check parameters, coupling strength, dt)`);
  }
  const fs = scan(state);
  if (fs > LARGE_VALUE && Number.isFinite(fs)) out.push(`final state (${stateVariables.join(', ')}): values reach ${fs.toPrecision(3)} (past ${LARGE_VALUE.toExponential()})`);
  return out;
}

/** Prepare (validate) without running: useful to inspect sizes, delays and the generated code. */
export function prepare(cfg: SimulationConfig): PreparedRun & { source: string; kernel: 'wasm' | 'js' } {
  const prep = prepareRun(cfg, () => syntheticConnectome());
  checkMemory(estimateMemory(prep), { budget: cfg.memoryBudget, writing: cfg.reserveForWriting });
  const { source, wasm } = generateProgram(prep.plan);
  // the module travels with the other program data, so worker threads compile it themselves
  const data = wasm ? { ...prep.data, wasm } : prep.data;
  return { ...prep, data, source, kernel: wasm ? 'wasm' : 'js' };
}

/** Run one simulation (or a batch) with the float64 kernel engine in this thread. */
export function simulateSync(cfg: SimulationConfig): SimulationResult {
  checkConfigKeys(cfg);
  if (cfg.surface !== undefined) return simulateSurface(cfg);
  const prep = prepare(cfg);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const { outputs, state } = runLocal(prep, prep.source, cfg.onProgress);
  const c1 = process.cpuUsage(c0);
  const res = assemble(prep, outputs, state, (performance.now() - t0) / 1000, cfg);
  res.info.runCpuSeconds = (c1.user + c1.system) / 1e6;
  return res;
}

/** Run with the kernel engine; batches are spread over worker threads (all cores by default). */
export async function simulate(cfg: SimulationConfig): Promise<SimulationResult> {
  checkConfigKeys(cfg);
  if (cfg.surface !== undefined) return simulateSurfaceAsync(cfg);
  const prep = prepare(cfg);
  const threads = cfg.threads ?? availableParallelism();
  const t0 = performance.now();
  const { outputs, state } =
    prep.B > 1 && threads > 1 && (!prep.plan.noise || rngModuleUrl()) ? await runWorkers(prep, prep.source, threads, cfg.onProgress) : runLocal(prep, prep.source, cfg.onProgress);
  return assemble(prep, outputs, state, (performance.now() - t0) / 1000, cfg);
}
