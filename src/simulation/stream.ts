/**
 * Streaming runs: monitor samples go to the netCDF/HDF5 file chunk by chunk while the run goes, so
 * memory holds one chunk of output plus the model state whatever the duration. The kernel program
 * is built for one chunk of steps (its monitor buffers hold one chunk) and `rewind()` starts the
 * buffers over after each chunk is written; averaging sums and delay history carry on, so the file
 * holds exactly what an in-memory run of the same config returns.
 */
import { RandomState } from '../random/index.js';
import { syntheticConnectome } from '../network/synthetic.js';
import { generateProgram, instantiate } from '../engine/kernel/program.js';
import { istepOf } from '../observation/kernel.js';
import { h5, startHdf5Capture, verifyClosedH5, type H5Dataset, type H5File } from '../io/h5.js';
import { abandonTemp, checkOutputPath, commitTemp, tempPathFor, type WriteOptions } from '../io/atomic.js';
import { fillNetcdf, putNcAttrs } from '../io/netcdf.js';
import { buildProvenance } from '../provenance/index.js';
import type { SimulationConfig } from './config.js';
import { prepareRun } from './plan.js';
import { SimulationResult, type MonitorOutput, type SimulationInfo } from '../results/simulation.js';
import { LARGE_VALUE, sliceBatch, toDivergenceError, type Divergence } from './simulate.js';
import { fmtBytes } from './memory.js';

export interface StreamOptions extends WriteOptions {
  /** Target bytes of monitor output held in memory per chunk (default 64 MiB). */
  chunkBytes?: number;
  /** Called after each chunk is on disk. */
  onChunk?: (info: { stepsDone: number; stepsTotal: number; chunkBytes: number }) => void;
}

export interface StreamResult {
  path: string;
  info: Omit<SimulationInfo, 'finalState'>;
  /** Steps per chunk and the bytes of monitor output one chunk holds. */
  chunkSteps: number;
  chunkBytes: number;
  /** Bytes of model state (history, state, links) held besides the chunk. */
  stateBytes: number;
  /**
   * Bytes of h5wasm's heap a write touches besides what a run without samples touches: the copy of one write
   * (WRITE_SLICE) and HDF5's raw-data chunk cache (1 MiB per dataset by default). The heap is reserved once and
   * does not grow, but its pages count in RSS once written.
   */
  writeWindowBytes: number;
}

/** Largest single write handed to h5wasm (bytes). */
const WRITE_SLICE = 2 * 2 ** 20;
/** HDF5's default raw-data chunk cache per dataset (H5Pset_chunk_cache's rdcc_nbytes). */
const HDF5_CHUNK_CACHE = 2 ** 20;

const STREAMABLE = new Set(['Raw', 'SubSample', 'TemporalAverage', 'GlobalAverage', 'SpatialAverage', 'AfferentCoupling']);

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

/**
 * Simulate with the kernel engine and write the result to `path` (.nc or .h5, vbt's netCDF-4
 * layout, read back by `SimulationResult.fromFile`) in chunks, in bounded memory.
 *
 * @example
 * ```ts
 * import { simulateToFile } from 'vbt';
 * // samples go to the file in chunks of about chunkBytes, never all in memory
 * await simulateToFile({ model: 'JansenRit', integrator: { dt: 0.1 }, duration: 200, monitors: [{ name: 'Raw' }] }, 'long.nc', { chunkBytes: 2 ** 16 });
 * ```
 */
export async function simulateToFile(cfg: SimulationConfig, path: string, opts: StreamOptions = {}): Promise<StreamResult> {
  if (!/\.(nc|h5|nc4|hdf5)$/i.test(path)) throw new Error(`--stream: ${path}: streaming writes netCDF-4/HDF5; use a .nc or .h5 output`);
  checkOutputPath(path, opts);
  // the whole run's plan gives sample counts and step windows; its history and link arrays would be a second copy
  // of the model state next to the chunk program's: the history is not made, the links are dropped here (a
  // dropped array still counts in RSS until V8 collects it, which a run that allocates little may never do)
  const { history: _history, data: _data, ...full } = prepareRun(cfg, () => syntheticConnectome(), { history: false });
  for (const m of full.plan.monitors) if (!STREAMABLE.has(m.name)) throw new Error(`--stream: monitor ${m.name} cannot stream (streamable: ${[...STREAMABLE].join(', ')})`);
  const dt = full.plan.dt;
  const isteps = (cfg.monitors ?? [{ name: 'Raw' }]).map((m) => ('period' in m && m.period !== undefined ? istepOf(m.period, dt) : 1));
  const lcm = isteps.reduce((a, b) => (a / gcd(a, b)) * b, 1);
  const B = full.B;
  const bytesPerStep = full.plan.monitors.reduce((a, m, k) => a + (B * m.sampleShape[0] * m.sampleShape[1] * m.sampleShape[2] * 8) / isteps[k], 0);
  const target = opts.chunkBytes ?? 64 * 2 ** 20;
  if (!(target > 0)) throw new Error(`--stream: chunk size must be > 0 bytes, got ${target}`);
  const chunkSteps = Math.max(lcm, Math.floor(target / bytesPerStep / lcm) * lcm);
  // the program is built for one chunk: its buffers hold chunkSteps steps of samples
  const chunkCfg: SimulationConfig = { ...cfg, duration: (chunkSteps - 0.5) * dt };
  const { prog, wasm, links } = chunkProgram(chunkCfg, full.conn, chunkSteps, B);
  const chunkBytes = full.plan.monitors.reduce((a, m) => a + B * (chunkSteps / isteps[full.plan.monitors.indexOf(m)]) * m.sampleShape[0] * m.sampleShape[1] * m.sampleShape[2] * 8, 0);
  const S = full.stateVariables.length * full.plan.N * full.plan.M;
  const stateBytes = B * (2 * full.H + 4) * S * 8 + links * 13;

  // the file's layout: the in-memory result's, with each monitor's time axis growable
  const totals = full.plan.monitors.map((m) => m.nSamples);
  const skeleton = (monitors: MonitorOutput[], info: SimulationInfo) => new SimulationResult(monitors, info);
  const voiNames = full.voiNames;
  const monNames = full.plan.monitors.map((m) => (m.name === 'AfferentCoupling' ? m.voi.map((v) => `c_${v}`) : m.voi.map((v) => voiNames[v])));
  const baseInfo = (wall: number, state: Float64Array): SimulationInfo => ({
    model: full.plan.spec.name, coupling: full.plan.coupling.name, integrator: full.integratorName, dt, nSteps: full.nSteps, transientSteps: full.transientSteps,
    horizon: full.H, batchSize: B, nodeLabels: full.conn.labels, connectivity: full.conn.name, wallSeconds: wall, kernel: wasm ? 'wasm' : 'js',
    finalState: state, stateVariables: full.stateVariables,
    parameters: Object.fromEntries([
      ...Object.entries(full.plan.modelParams).map(([k, p]) => [k, p.data.length === 1 ? p.data[0] : Array.from(p.data)]),
      ...Object.entries(full.plan.couplingParams).map(([k, p]) => [`coupling.${k}`, p.data.length === 1 ? p.data[0] : Array.from(p.data)]),
    ]),
  });
  const stub = skeleton(full.plan.monitors.map((m, k) => {
    const [V, N, M] = m.sampleShape;
    return { name: m.name, period: m.period, time: new Float64Array(1), data: new Float64Array(B * V * N * M), shape: [B, 1, V, N, M], variables: monNames[k] };
  }), baseInfo(0, new Float64Array(B * S)));
  if (cfg.connectivity) stub.withNetwork(full.conn);
  const ds = stub.toDataset();
  const monVars = JSON.parse(String(ds.attrs.vbt_monitors)) as { name: string; variable: string }[];
  for (const [k, mv] of monVars.entries()) {
    const v = ds.variables.find((x) => x.name === mv.variable)!;
    const [, , V, N, M] = full.plan.monitors[k].sampleShape.length === 3 ? [0, 0, ...full.plan.monitors[k].sampleShape] : [0, 0, 1, 1, 1];
    v.maxshape = [B, null, V, N, M];
    v.chunks = [1, Math.max(1, Math.min(chunkSteps / isteps[k], Math.floor(2 ** 17 / (V * N * M)))), V, N, M];
    const tdim = ds.dims.find((d) => d.name === v.dims[1])!;
    tdim.unlimited = true;
    // the time axis grows from one sample: without a chunk length of its own every sample would be an HDF5 chunk,
    // and the chunk index (held in h5wasm's heap) would grow with the run instead of staying bounded
    tdim.chunk = Math.max(1, Math.min(totals[k], 4096));
  }

  const lib = await h5();
  const tmp = tempPathFor(path);
  let f: H5File | undefined;
  const cap = startHdf5Capture();
  const t0 = performance.now();
  let maxAbs = [0, ...full.plan.monitors.map(() => 0)];
  try {
    f = new lib.File(tmp, 'w');
    fillNetcdf(f, { ...ds, attrs: {} });
    const sets = monVars.map((mv, k) => {
      const data = f!.get(mv.variable) as H5Dataset;
      const time = f!.get(ds.variables.find((x) => x.name === mv.variable)!.dims[1]) as H5Dataset;
      const [V, N, M] = full.plan.monitors[k].sampleShape;
      data.resize([B, totals[k], V, N, M]);
      time.resize([totals[k]]);
      return { data, time, width: V * N * M, written: 0, hdfChunk: ds.variables.find((x) => x.name === mv.variable)!.chunks![1] as number };
    });
    cap.check(path);
    const run = (s: number, n: number, record: boolean) => {
      try {
        prog.run(s, n, record, full.s0, cfg.onProgress && ((d: number) => cfg.onProgress!(s - full.s0 + d, full.transientSteps + full.nSteps)));
      } catch (e) {
        const d = (e as { divergence?: Divergence }).divergence;
        throw d ? toDivergenceError(d, { ...full, history: new Float64Array(0), data: {} }) : e;
      }
    };
    if (full.transientSteps) run(full.s0, full.transientSteps, false);
    let s = full.s0 + full.transientSteps;
    let done = 0;
    while (done < full.nSteps) {
      const n = Math.min(chunkSteps, full.nSteps - done);
      run(s, n, true);
      const outs = prog.results();
      for (const [k, set] of sets.entries()) {
        const cap0 = chunkSteps / isteps[k];
        const got = Math.min(cap0, totals[k] - set.written);
        const wantHere = full.plan.monitors[k].nSamples === 0 ? 0 : got;
        if (!wantHere) continue;
        const o = outs[k];
        let data = o.data;
        if (B > 1 && wantHere < cap0) {
          data = new Float64Array(B * wantHere * set.width);
          for (let b = 0; b < B; b++) data.set(o.data.subarray(b * cap0 * set.width, (b * cap0 + wantHere) * set.width), b * wantHere * set.width);
        } else data = o.data.subarray(0, B * wantHere * set.width);
        for (let i = 0; i < data.length; i++) {
          const a = Math.abs(data[i]);
          if (a > maxAbs[k + 1]) maxAbs[k + 1] = a;
        }
        const [V, N, M] = full.plan.monitors[k].sampleShape;
        // h5wasm copies each write into its own heap (which never shrinks): write in slices of at most WRITE_SLICE
        // bytes so that copy stays small next to the chunk itself, each a whole number of the dataset's HDF5 chunks,
        // so HDF5 writes them through instead of assembling partial chunks in heap it then keeps
        const per = Math.max(1, Math.floor(WRITE_SLICE / (set.width * 8 * set.hdfChunk))) * set.hdfChunk;
        for (let b = 0; b < B; b++) {
          for (let t0 = 0; t0 < wantHere; t0 += per) {
            const t1 = Math.min(wantHere, t0 + per);
            set.data.write_slice([[b, b + 1], [set.written + t0, set.written + t1], [0, V], [0, N], [0, M]], data.subarray((b * wantHere + t0) * set.width, (b * wantHere + t1) * set.width));
          }
        }
        set.time.write_slice([[set.written, set.written + wantHere]], o.time.subarray(0, wantHere));
        set.written += wantHere;
      }
      cap.check(path);
      prog.rewind();
      s += n;
      done += n;
      opts.onChunk?.({ stepsDone: done, stepsTotal: full.nSteps, chunkBytes });
      // let SIGINT/SIGTERM handlers run between chunks (they remove the temp file)
      await new Promise((r) => setImmediate(r));
    }
    for (const [k, set] of sets.entries()) {
      if (set.written !== totals[k]) throw new Error(`${path}: monitor ${monVars[k].name} wrote ${set.written} of ${totals[k]} samples`);
    }
    const state: Float64Array = prog.state;
    for (let i = 0; i < state.length; i++) maxAbs[0] = Math.max(maxAbs[0], Math.abs(state[i]));
    (f.get('final_state') as H5Dataset).write_slice([[0, B], [0, full.stateVariables.length], [0, full.plan.N], [0, full.plan.M]], state);
    const info = baseInfo((performance.now() - t0) / 1000, state);
    info.provenance = buildProvenance(cfg, { spec: full.plan.spec, coupling: full.plan.coupling, conn: full.conn, integratorName: full.integratorName, kernel: info.kernel });
    const warnings = [
      ...full.plan.monitors.flatMap((m, k) => (maxAbs[k + 1] > LARGE_VALUE && Number.isFinite(maxAbs[k + 1]) ? [`monitor ${m.name}: values reach ${maxAbs[k + 1].toPrecision(3)} (past ${LARGE_VALUE.toExponential()}); the run has likely run away`] : [])),
      ...(maxAbs[0] > LARGE_VALUE && Number.isFinite(maxAbs[0]) ? [`final state: values reach ${maxAbs[0].toPrecision(3)}`] : []),
    ];
    if (warnings.length) {
      info.warnings = warnings;
      info.provenance.flags = { largeValues: warnings };
    }
    const finalStub = skeleton(stub.monitors, info);
    if (stub.network) finalStub.withNetwork(stub.network);
    putNcAttrs(f, finalStub.toDataset().attrs);
    f.flush();
    const shapes = new Map<string, string>(sets.map((set, k) => [`/${monVars[k].variable}`, JSON.stringify([B, totals[k], ...full.plan.monitors[k].sampleShape])]));
    f.close();
    f = undefined;
    cap.stop();
    cap.check(path);
    verifyClosedH5(lib, tmp, path, shapes);
    commitTemp(tmp, path, opts);
    const { finalState: _s, ...rest } = info;
    return { path, info: rest, chunkSteps, chunkBytes, stateBytes, writeWindowBytes: WRITE_SLICE + HDF5_CHUNK_CACHE };
  } catch (e) {
    if (f) try { f.close(); } catch { /* failing already */ }
    cap.stop();
    abandonTemp(tmp);
    throw e;
  }
}

/**
 * The kernel program for one chunk of steps. Its own function so the prepared run (history and link arrays, which
 * the program copies into its own buffers) is garbage as soon as the program exists, not held beside it.
 */
function chunkProgram(chunkCfg: SimulationConfig, conn: import('../network/connectivity.js').Connectivity, chunkSteps: number, B: number): { prog: ReturnType<typeof instantiate>; wasm: boolean; links: number } {
  const prep = prepareRun(chunkCfg, () => conn);
  if (prep.nSteps !== chunkSteps) throw new Error(`--stream: internal: chunk of ${chunkSteps} steps prepared as ${prep.nSteps}`);
  const { source, wasm } = generateProgram(prep.plan);
  const ctx = sliceBatch({ ...prep, data: wasm ? { ...prep.data, wasm } : prep.data }, 0, B);
  ctx.Rng = RandomState;
  return { prog: instantiate(source, ctx), wasm: wasm !== null, links: (prep.data.lnkOff as Int32Array).length };
}

/** A readable line about a streamed run's memory use. */
export function describeStream(r: StreamResult): string {
  return `streamed in chunks of ${r.chunkSteps} steps (${fmtBytes(r.chunkBytes)} of samples per chunk; model state ${fmtBytes(r.stateBytes)})`;
}
