/**
 * The output of a run. Each monitor's data keep TVB's sample layout (time, variable, node, mode)
 * behind a leading batch axis, so a batch of B parameter sets is one object. Named dimensions
 * (trial, time, variable, node, mode) with coordinates give xarray-like `sel`/`isel`; `save` writes
 * a netCDF-4 file (HDF5 with dimension scales) that `fromFile` reads back.
 *
 * @example
 * ```ts
 * import { simulate } from 'vbt';
 * const res = await simulate({ model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 10,
 *   monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * res.sel({ variable: 'V', trial: 0 }, 'TemporalAverage').shape;   // [10, 20, 1]  (time, node, mode)
 * res.sel({ variable: 'V' }).monitor(0).shape;                     // [1, 10, 1, 20, 1]: a SimulationResult
 * res.toTimeSeries().sampleRate;                 // 1000
 * await res.save('run.nc');                      // xarray.open_dataset('run.nc') opens it
 * ```
 */
import { Connectivity } from '../network/connectivity.js';
import type { Provenance } from '../provenance/index.js';
import { getModel } from '../models/catalogue.js';
import { isBoldMonitor, monitorVariableUnit } from '../observation/quantity.js';
import { LabeledArray, type ISelector, type Selector } from './labeled.js';
import { TimeSeries } from './timeseries.js';
import { resultFigures, type ResultPlotSpec, type SimulationAnimateOptions, type SimulationPlotOptions } from './extensions.js';
import { readNetcdf, writeNetcdf, type NcDataset, type NcDim, type NcVariable, type NcWriteOptions } from '../io/netcdf.js';

export interface MonitorOutput {
  /** Monitor class name (Raw, TemporalAverage, ...). */
  name: string;
  /** Sampling period in ms. */
  period: number;
  /** Sample times in ms (TVB's convention for that monitor). */
  time: Float64Array;
  /** Flat C-order data of shape `shape`. */
  data: Float64Array;
  /** [batch, time, variable, node (or area), mode]. */
  shape: [number, number, number, number, number];
  /** Names of the recorded variables (variables of interest or coupling rows). */
  variables: string[];
}

// the engines raise it, below the results layer; re-exported here where it has always been imported from
export { DivergenceError, type DivergenceInfo } from '../engine/divergence.js';

export interface SimulationInfo {
  model: string;
  coupling: string;
  integrator: string;
  dt: number;
  nSteps: number;
  transientSteps: number;
  horizon: number;
  batchSize: number;
  nodeLabels: string[];
  connectivity: string;
  wallSeconds: number;
  /**
   * Process CPU time of the integration alone (after set-up: delays, initial history, code
   * generation), set by simulateSync — the part TVB's Simulator.run() covers after configure().
   */
  runCpuSeconds?: number;
  /** Which code ran the hot loops: generated WebAssembly SIMD or generated JavaScript. */
  kernel?: 'wasm' | 'js';
  /** Final state per batch element, (B, nsv, N, M). */
  finalState: Float64Array;
  stateVariables: string[];
  parameters: Record<string, number | number[]>;
  /** How the result was made: the full resolved configuration, versions, command line. */
  provenance?: Provenance;
  /** Warnings raised by the run (values past 1e12, ...), also stored in provenance.flags. */
  warnings?: string[];
}

/** Version tag of vbt's result files; readers refuse other major versions. */
export const RESULT_SCHEMA_VERSION = 'vbt-result/1.0';

export function checkSchemaVersion(v: unknown, file: string): void {
  if (typeof v !== 'string' || !v.startsWith('vbt-result/')) {
    throw new Error(`${file}: not a vbt result file (attribute vbt_schema_version is ${v === undefined ? 'missing' : JSON.stringify(v)})`);
  }
  const major = v.slice('vbt-result/'.length).split('.')[0];
  if (major !== RESULT_SCHEMA_VERSION.split('/')[1].split('.')[0]) {
    throw new Error(`${file}: unknown schema version '${v}'; this vbt reads ${RESULT_SCHEMA_VERSION}`);
  }
}

/** The dims of a monitor's data, in storage order. */
export const RESULT_DIMS = ['trial', 'time', 'variable', 'node', 'mode'] as const;

/** A safe netCDF name fragment. */
function ncName(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, '_');
}

export class SimulationResult {
  /** The network the run used, when known (set by the caller: `withNetwork`). Needed for TVB export. */
  network?: Connectivity;
  /** The cortical surface of a surface run (vertices mm, triangles, region index per vertex): saved with the result. */
  surface?: { vertices: Float64Array; triangles: Int32Array; regionMapping: Int32Array; regionLabels?: string[] };
  /** Extra observations (e.g. BOLD computed afterwards) added with `addObservation`. */
  private extraObservations: Record<string, TimeSeries> = {};

  constructor(
    readonly monitors: MonitorOutput[],
    readonly info: SimulationInfo,
  ) {}

  /** Attach the network (connectivity) the run used; returns this. */
  withNetwork(conn: Connectivity): this {
    if (conn.n !== this.info.nodeLabels.length) throw new Error(`withNetwork: connectivity has ${conn.n} nodes, the run has ${this.info.nodeLabels.length}`);
    this.network = conn;
    return this;
  }

  /** The output of the first monitor named `name` (case-insensitive), or the k-th monitor. */
  monitor(which: string | number = 0): MonitorOutput {
    if (typeof which === 'number') {
      const m = this.monitors[which];
      if (!m) throw new Error(`no monitor #${which}; this run has ${this.monitors.length}`);
      return m;
    }
    const m = this.monitors.find((x) => x.name.toLowerCase() === which.toLowerCase());
    if (!m) throw new Error(`no monitor '${which}'; this run has ${this.monitors.map((x) => x.name).join(', ')}`);
    return m;
  }

  /** One batch element's data of a monitor: (time, variable, node, mode). */
  batch(b: number, which: string | number = 0): Float64Array {
    const m = this.monitor(which);
    const [B, T, V, N, M] = m.shape;
    if (b < 0 || b >= B) throw new Error(`batch index ${b} out of range 0..${B - 1}`);
    const w = T * V * N * M;
    return m.data.subarray(b * w, (b + 1) * w);
  }

  /** Names of the model's state variables. */
  get stateNames(): string[] {
    return this.info.stateVariables;
  }

  /** Discarded initial period, ms. */
  get transientTime(): number {
    return this.info.transientSteps * this.info.dt;
  }

  /** The warm-up as its own result (tvbo's `transient`), when the run kept it (`simulateKeepingTransient`). */
  transient?: SimulationResult;

  /** Units: time in ms, state variables as the model declares them (a.u. when it does not). */
  get units(): { time: string; state: Record<string, string> } {
    const state: Record<string, string> = {};
    let spec: ReturnType<typeof getModel> | undefined;
    try {
      spec = getModel(this.info.model);
    } catch {
      spec = undefined;
    }
    for (const s of this.info.stateVariables) state[s] = spec?.state_variables[s]?.unit ?? 'a.u.';
    return { time: 'ms', state };
  }

  /** Dimension names of a monitor's data: trial, time, variable, node, mode. */
  dims(): string[] {
    return [...RESULT_DIMS];
  }

  /** Coordinates of a monitor's dims (node labels; averaged monitors get their own node names). */
  coords(which: string | number = 0): Record<string, (number | string)[]> {
    const m = this.monitor(which);
    const [B, , , N, M] = m.shape;
    const labels = this.info.nodeLabels;
    return {
      trial: Array.from({ length: B }, (_, k) => k),
      time: Array.from(m.time),
      variable: [...m.variables],
      node: N === labels.length ? [...labels] : Array.from({ length: N }, (_, k) => (N === 1 ? 'average' : `area_${k}`)),
      mode: Array.from({ length: M }, (_, k) => k),
    };
  }

  /** A monitor's data as a labelled array (trial, time, variable, node, mode). */
  toArray(which: string | number = 0): LabeledArray {
    const m = this.monitor(which);
    return new LabeledArray(m.data, this.dims(), this.coords(which) as Record<string, number[] | string[]>, { monitor: m.name, period: String(m.period) }, [...m.shape]);
  }

  /**
   * Select by coordinate value, e.g. `{ variable: 'V', node: 'rA1', time: { from: 100 } }`. With a
   * monitor (`which`), that monitor's labelled array; without, a SimulationResult holding the
   * selection of every monitor (dims kept, tvbo's `sel`).
   */
  sel(s: Record<string, Selector>): SimulationResult;
  sel(s: Record<string, Selector>, which: string | number): LabeledArray;
  sel(s: Record<string, Selector>, which?: string | number): LabeledArray | SimulationResult {
    if (which !== undefined) return this.toArray(which).sel(s);
    const keep: Record<string, Selector> = {};
    for (const [k, v] of Object.entries(s)) keep[k] = typeof v === 'string' || typeof v === 'number' ? ([v] as Selector) : v;
    return this.selectEach((a) => a.sel(keep), Object.keys(s));
  }

  /** Select by position, e.g. `{ trial: 0, variable: [0, 2] }`; like `sel`, with or without a monitor. */
  isel(s: Record<string, ISelector>): SimulationResult;
  isel(s: Record<string, ISelector>, which: string | number): LabeledArray;
  isel(s: Record<string, ISelector>, which?: string | number): LabeledArray | SimulationResult {
    if (which !== undefined) return this.toArray(which).isel(s);
    const keep: Record<string, ISelector> = {};
    for (const [k, v] of Object.entries(s)) keep[k] = typeof v === 'number' ? [v] : v;
    return this.selectEach((a) => a.isel(keep), Object.keys(s));
  }

  private selectEach(pick: (a: LabeledArray) => LabeledArray, dims: string[]): SimulationResult {
    for (const d of dims) if (!(RESULT_DIMS as readonly string[]).includes(d)) throw new Error(`sel/isel: unknown dimension '${d}'; expected ${RESULT_DIMS.join(', ')}`);
    const regions = this.info.nodeLabels;
    let nodeLabels = regions, trials: number[] | undefined;
    const monitors = this.monitors.map((m, k) => {
      if (dims.includes('node') && m.shape[3] !== regions.length) throw new Error(`sel/isel: monitor ${m.name} has ${m.shape[3]} channels, not the ${regions.length} regions; select its nodes with sel(s, '${m.name}')`);
      const a = pick(this.toArray(k));
      if (a.shape.length !== 5) throw new Error(`sel/isel on monitor ${m.name}: the selection dropped a dimension`);
      if (m.shape[3] === regions.length) nodeLabels = a.coords.node as string[];
      trials = a.coords.trial as number[];
      return { ...m, time: Float64Array.from(a.coords.time as number[]), variables: a.coords.variable as string[], data: a.data, shape: a.shape as MonitorOutput['shape'] };
    });
    // the final state follows the trial and node selection (variables and modes are the model's)
    const { batchSize: B } = this.info, N = regions.length, nsv = this.info.stateVariables.length;
    const M = this.info.finalState.length / Math.max(1, B * nsv * N);
    const tsel = trials ?? [...Array(B).keys()], nsel = nodeLabels.map((l) => regions.indexOf(l));
    const fs = new Float64Array(tsel.length * nsv * nsel.length * M);
    let o = 0;
    for (const b of tsel) for (let v = 0; v < nsv; v++) for (const n of nsel) for (let m = 0; m < M; m++) fs[o++] = this.info.finalState[((b * nsv + v) * N + n) * M + m];
    const out = new SimulationResult(monitors, { ...this.info, nodeLabels, batchSize: tsel.length, finalState: fs });
    if (this.network && nodeLabels === regions) out.network = this.network;
    if (this.transient) out.transient = this.transient;
    return out;
  }

  /**
   * A figure of this run (tvbo's `result.plot()`): 'default', 'timeseries', 'channels', 'heatmap',
   * 'spectrum', 'phase', 'phase-plane', 'fc', 'fcd', 'network', 'weights', 'tracts', 'degree'.
   */
  async plot(opts: SimulationPlotOptions = {}): Promise<ResultPlotSpec> {
    return (await resultFigures('SimulationResult.plot')).simulationPlot(this, opts);
  }

  /**
   * An animation (tvbo's `result.animate(type)`): 'network' (activity on the network layout),
   * 'timeseries' (traces drawn over time), 'phase' (a node's trajectory in the plane of two
   * variables), or a variable name (network animation of that variable). GIF bytes by default,
   * or a self-contained HTML page (network type) with `format: 'html'`.
   */
  async animate(opts: SimulationAnimateOptions = {}): Promise<Uint8Array | string> {
    return (await resultFigures('SimulationResult.animate')).simulationAnimate(this, opts);
  }

  /** One monitor of one trial as a TVB-style TimeSeries (region series when nodes are the network's). */
  toTimeSeries(which: string | number = 0, trial = 0): TimeSeries {
    const m = this.monitor(which);
    const [, T, V, N, M] = m.shape;
    const c = this.coords(which);
    const units = this.units;
    const dataUnits: Record<string, string> = {};
    for (const v of m.variables) dataUnits[v] = monitorVariableUnit(m.name, units.state[v]);
    return new TimeSeries({
      data: this.batch(trial, which),
      shape: [T, V, N, M],
      time: m.time,
      samplePeriod: m.period,
      samplePeriodUnit: 'ms',
      startTime: T ? m.time[0] : 0,
      variables: m.variables,
      regions: c.node as string[],
      title: `Simulation: ${m.name}`,
      units: { time: 'ms', data: dataUnits },
      network: this.network && this.network.n === N ? this.network : undefined,
    });
  }

  /** Monitors (trial 0) and added observations as TimeSeries, by name. */
  get observations(): Record<string, TimeSeries> {
    const out: Record<string, TimeSeries> = {};
    this.monitors.forEach((m, k) => {
      out[m.name] ??= this.toTimeSeries(k);
    });
    return { ...out, ...this.extraObservations };
  }

  /** Add a derived observation (e.g. BOLD computed from a monitor). */
  addObservation(name: string, ts: TimeSeries): this {
    this.extraObservations[name] = ts;
    return this;
  }

  /** A plain-JSON form (arrays as lists) for writing to disk. */
  toJSON(): unknown {
    return {
      info: { ...this.info, finalState: Array.from(this.info.finalState) },
      monitors: this.monitors.map((m) => ({ ...m, time: Array.from(m.time), data: Array.from(m.data) })),
      ...(this.surface ? { surface: { ...this.surface, vertices: Array.from(this.surface.vertices), triangles: Array.from(this.surface.triangles), regionMapping: Array.from(this.surface.regionMapping) } } : {}),
    };
  }

  /**
   * netCDF layout: one variable per monitor named after it with dims (trial, <M>_time,
   * <M>_variable, node|<M>_node, mode|<M>_mode), a `final_state` variable, and the run info as JSON
   * in the `vbt_info` attribute. `prefix` namespaces every name (`prefix__...`) for containers.
   */
  toDataset(prefix = ''): NcDataset {
    const p = (s: string) => (prefix ? `${prefix}__${s}` : s);
    const { info } = this;
    const B = info.batchSize;
    const N = info.nodeLabels.length;
    const fs = info.finalState;
    const nsv = info.stateVariables.length;
    const M = nsv && N && B ? fs.length / (B * nsv * N) : 1;
    const dims: NcDim[] = [
      { name: p('trial'), size: B, values: Int32Array.from({ length: B }, (_, k) => k) },
      { name: p('node'), size: N, values: info.nodeLabels },
      { name: p('mode'), size: M, values: Int32Array.from({ length: M }, (_, k) => k) },
      { name: p('state_variable'), size: nsv, values: info.stateVariables },
    ];
    const variables: NcVariable[] = [
      { name: p('final_state'), dims: [p('trial'), p('state_variable'), p('node'), p('mode')], data: fs },
    ];
    const units = this.units;
    const used = new Set<string>();
    const monitorList: { name: string; variable: string }[] = [];
    for (const [mi, m] of this.monitors.entries()) {
      let base = ncName(m.name);
      for (let k = 2; used.has(base); k++) base = `${ncName(m.name)}_${k}`;
      used.add(base);
      monitorList.push({ name: m.name, variable: base });
      const [, T, V, Nm, Mm] = m.shape;
      const c = this.coords(mi);
      const nodeDim = Nm === N ? p('node') : p(`${base}_node`);
      const modeDim = Mm === M ? p('mode') : p(`${base}_mode`);
      if (nodeDim !== p('node')) dims.push({ name: nodeDim, size: Nm, values: c.node as string[] });
      if (modeDim !== p('mode')) dims.push({ name: modeDim, size: Mm, values: Int32Array.from(c.mode as number[]) });
      dims.push({ name: p(`${base}_time`), size: T, values: m.time, attrs: { units: 'ms', long_name: `${m.name} sample time` } });
      dims.push({ name: p(`${base}_variable`), size: V, values: m.variables });
      const vu = m.variables.map((v) => monitorVariableUnit(m.name, units.state[v]));
      const what: Record<string, string> = isBoldMonitor(m.name) ? { long_name: `BOLD signal of ${m.variables.join(', ')}` } : {};
      variables.push({
        name: p(base),
        dims: [p('trial'), p(`${base}_time`), p(`${base}_variable`), nodeDim, modeDim],
        data: m.data,
        // one netCDF `units` when the variables share it; otherwise each variable's unit, in order,
        // so the file says what the figures say (mV for y0) instead of a blanket a.u.
        attrs: vu.every((u) => u === vu[0]) && vu.length
          ? { monitor: m.name, period: m.period, period_units: 'ms', units: vu[0], ...what }
          : { monitor: m.name, period: m.period, period_units: 'ms', ...what, units: `mixed: ${m.variables.map((v, k) => `${v} ${vu[k]}`).join(', ')}`, variable_units: vu },
      });
    }
    if (this.network) {
      // the network travels with the result so TVB/BIDS exports can be made from the file alone
      const c = this.network;
      dims.push({ name: p('source'), size: N, values: info.nodeLabels, attrs: { long_name: 'source node of a connection' } });
      variables.push({ name: p('weights'), dims: [p('node'), p('source')], data: c.weights, attrs: { long_name: 'connection weight, row = target, column = source', units: 'a.u.' } });
      variables.push({ name: p('tract_lengths'), dims: [p('node'), p('source')], data: c.tractLengths, attrs: { units: 'mm' } });
      if (c.centres.length) {
        dims.push({ name: p('xyz'), size: 3, values: ['x', 'y', 'z'] });
        variables.push({ name: p('centres'), dims: [p('node'), p('xyz')], data: c.centres, attrs: { units: 'mm' } });
      }
    }
    if (this.surface) {
      // the geometry travels with the result so surface figures can be made from the file alone
      const g = this.surface;
      dims.push(
        { name: p('surface_vertex'), size: g.vertices.length / 3 },
        { name: p('surface_xyz'), size: 3, values: ['x', 'y', 'z'] },
        { name: p('surface_triangle'), size: g.triangles.length / 3 },
        { name: p('surface_corner'), size: 3 },
      );
      variables.push(
        { name: p('surface_vertices'), dims: [p('surface_vertex'), p('surface_xyz')], data: g.vertices, attrs: { units: 'mm' } },
        { name: p('surface_triangles'), dims: [p('surface_triangle'), p('surface_corner')], data: g.triangles, attrs: { long_name: 'vertex indices of each triangle' } },
        { name: p('region_mapping'), dims: [p('surface_vertex')], data: g.regionMapping, attrs: { long_name: 'region index of each vertex', ...(g.regionLabels ? { region_labels: JSON.stringify(g.regionLabels) } : {}) } },
      );
    }
    const { finalState: _omit, ...rest } = info;
    const attrs: Record<string, string | number> = {
      vbt_class: 'SimulationResult',
      vbt_schema_version: RESULT_SCHEMA_VERSION,
      title: `vbt simulation: ${info.model}`,
      model: info.model,
      coupling: info.coupling,
      integrator: info.integrator,
      dt: info.dt,
      transient: this.transientTime,
      vbt_info: JSON.stringify(rest),
      vbt_monitors: JSON.stringify(monitorList),
      ...(this.network ? { vbt_network: JSON.stringify({ name: this.network.name, source: this.network.source, speed: this.network.speed }) } : {}),
    };
    return { dims, variables, attrs: prefix ? { [p('vbt_attrs')]: JSON.stringify(attrs) } : attrs };
  }

  /** Rebuild from `toDataset` output (same prefix). */
  static fromDataset(ds: NcDataset, prefix = '', file = '<dataset>'): SimulationResult {
    const p = (s: string) => (prefix ? `${prefix}__${s}` : s);
    const attrs = prefix ? (JSON.parse(String(ds.attrs[p('vbt_attrs')] ?? '{}')) as Record<string, unknown>) : ds.attrs;
    checkSchemaVersion(attrs.vbt_schema_version, file);
    if (attrs.vbt_class !== 'SimulationResult') throw new Error(`${file}: ${prefix || 'file'} holds a ${String(attrs.vbt_class)}, not a SimulationResult`);
    let info: Omit<SimulationInfo, 'finalState'>;
    try {
      info = JSON.parse(String(attrs.vbt_info));
    } catch (e) {
      throw new Error(`${file}: attribute vbt_info is not valid JSON: ${(e as Error).message}`);
    }
    const varByName = new Map(ds.variables.map((v) => [v.name, v]));
    const dimByName = new Map(ds.dims.map((d) => [d.name, d]));
    const fsVar = varByName.get(p('final_state'));
    if (!fsVar) throw new Error(`${file}: missing variable '${p('final_state')}'`);
    const list = JSON.parse(String(attrs.vbt_monitors ?? '[]')) as { name: string; variable: string }[];
    const monitors: MonitorOutput[] = list.map(({ name, variable }) => {
      const v = varByName.get(p(variable));
      if (!v) throw new Error(`${file}: missing variable '${p(variable)}' for monitor ${name}`);
      const shape = v.dims.map((d) => {
        const dim = dimByName.get(d);
        if (!dim) throw new Error(`${file}: variable '${v.name}' uses unknown dimension '${d}'`);
        return dim.size;
      });
      if (shape.length !== 5) throw new Error(`${file}: variable '${v.name}' has ${shape.length} dimensions; expected 5 (trial, time, variable, node, mode)`);
      const tdim = dimByName.get(v.dims[1])!;
      const vdim = dimByName.get(v.dims[2])!;
      return {
        name,
        period: Number(v.attrs?.period),
        time: Float64Array.from(tdim.values as ArrayLike<number>),
        data: Float64Array.from(v.data),
        shape: shape as [number, number, number, number, number],
        variables: [...((vdim.values as string[]) ?? [])],
      };
    });
    const res = new SimulationResult(monitors, { ...info, finalState: Float64Array.from(fsVar.data) });
    const sv = varByName.get(p('surface_vertices')), st = varByName.get(p('surface_triangles')), rm = varByName.get(p('region_mapping'));
    if (sv && st && rm) {
      const labels = rm.attrs?.region_labels;
      res.surface = { vertices: Float64Array.from(sv.data), triangles: Int32Array.from(st.data), regionMapping: Int32Array.from(rm.data), ...(typeof labels === 'string' ? { regionLabels: JSON.parse(labels) as string[] } : {}) };
    }
    const w = varByName.get(p('weights'));
    if (w && typeof attrs.vbt_network === 'string') {
      const meta = JSON.parse(attrs.vbt_network) as { name?: string; source?: string; speed?: number };
      res.withNetwork(new Connectivity({
        weights: w.data,
        tractLengths: varByName.get(p('tract_lengths'))?.data,
        centres: varByName.get(p('centres'))?.data,
        labels: info.nodeLabels,
        speed: meta.speed,
        name: meta.name,
        source: meta.source,
      }));
    }
    return res;
  }

  /** Write as netCDF-4 (readable by xarray, netCDF4, h5py); `.h5` and `.nc` get the same layout. */
  async save(path: string, opts: NcWriteOptions = {}): Promise<void> {
    await writeNetcdf(path, this.toDataset(), opts);
  }

  static async fromFile(path: string): Promise<SimulationResult> {
    return SimulationResult.fromDataset(await readNetcdf(path), '', path);
  }
}
