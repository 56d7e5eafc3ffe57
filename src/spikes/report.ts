/**
 * Spike reports with bluepysnap's semantics: a SpikeReport of populations, each a
 * PopulationSpikeReport whose `get({group, tStart, tStop})` answers time-sorted spikes, and
 * FilteredSpikeReport, a lazy and cached selection across populations with analysis and plots.
 *
 * Spikes are kept in time order once per population (checked, or sorted when the file makes no
 * claim), so a time window is two binary searches and views of the stored arrays: no copy unless a
 * node group has to be applied.
 */
import { existsSync, readFileSync } from 'node:fs';
import { h5 } from '../io/h5.js';
import { readSimulationSpikeSetup, type SimulationSpikeSetup, type SpikeOutputConfig } from './simulation-config.js';
import {
  readSpikePopulationNames, readSpikePopulationSync, toTimeOrder, permute, sortPermutation, isSortedByTime, writeSpikeFile,
  type WriteSpikesOptions, type RawSpikePopulation, type ReadSpikesOptions, type SortOrder, type Spikes, type SpikePopulationsInput,
} from './sonata.js';
import { firingRateHistogram, isiHistogram, populationRates, type FiringRateHistogram, type FiringRateOptions, type IsiHistogram, type IsiOptions, type PopulationRate } from './analysis.js';
import { rasterSpec, firingRateSpec, isiSpec, populationRatesSpec, type RasterOptions } from './plots.js';
import { animationFrames, firingAnimationGif, firingAnimationHtml, type AnimationFrames, type AnimationOptions, type GifOptions } from './animation.js';
import type { PlotSpec } from '../plot/render.js';
import { NodeTable, isIdList, normalizeIds, queryProperties, type NodeGroup, type NodeQuery } from './nodes.js';
import { readSonataNodes } from './sonata-nodes.js';
import { readNodeSets, expandNodeSets, type NodeSets } from './node-sets.js';
import { checkWindow, selectSpikes, mergeByTime, DENSE_ID_LIMIT, type SpikeTable } from './select.js';

/** Time window and node group of a query; times in ms, both ends inclusive (as bluepysnap/libsonata). */
export interface SpikeQuery {
  group?: NodeGroup;
  tStart?: number;
  tStop?: number;
}

export interface SpikeReportOptions extends ReadSpikesOptions {
  /** Node properties: population → table, one table (for a single-population report), or a SONATA nodes file path. */
  nodes?: Record<string, NodeTable> | NodeTable | string;
  /** Node-types CSV to join when `nodes` is a SONATA nodes file. */
  nodeTypesCsv?: string;
  /** Simulation start (ms); default 0, or the first spike if that is earlier. */
  tStart?: number;
  /** Simulation end (ms); default the last spike. */
  tStop?: number;
  /** Simulation/reporting time step (ms), when known. */
  dt?: number;
  /** Only these populations (each must exist in the file). */
  populations?: string[];
  /** SONATA node sets (name → query or list of names), or the path of a node-sets JSON file. */
  nodeSets?: NodeSets | string;
  /**
   * Neurons per population (name → count, or one count for a single-population report), for rates when no node
   * table is given: a rate is spikes per neuron of the population, silent neurons included.
   */
  populationSizes?: Record<string, number> | number;
}

type Loader = () => RawSpikePopulation;

/** The spikes of one node population. */
export class PopulationSpikeReport {
  private cache?: Spikes;
  private raw?: RawSpikePopulation;
  private uniqueIds?: Uint32Array;
  constructor(
    readonly report: SpikeReport,
    readonly name: string,
    private readonly load: Loader,
    /** Node properties of this population, when known. */
    readonly nodes?: NodeTable,
  ) {}

  private rawData(): RawSpikePopulation {
    return (this.raw ??= this.load());
  }

  /** All spikes of the population, time-sorted (loaded and order-checked on first use). */
  get spikes(): Spikes {
    return (this.cache ??= toTimeOrder(this.rawData(), this.report.path ?? ''));
  }

  /** The order declared in the file ('none' when absent). */
  get sorting(): SortOrder {
    return this.rawData().sorting;
  }

  /** How the file stored `sorting`: 'enum' (libsonata), 'string' (bmtk) or 'absent'. */
  get sortingStorage(): 'enum' | 'string' | 'absent' {
    return this.rawData().sortingStorage;
  }

  get timeUnits(): string {
    return 'ms';
  }

  /** Units the file declared (times are converted to ms on reading). */
  get fileUnits(): string {
    return this.rawData().fileUnits;
  }

  get size(): number {
    return this.spikes.timestamps.length;
  }

  /** The node ids present in the report (sorted, unique), as bluepysnap's `node_ids`. */
  get nodeIds(): Uint32Array {
    if (!this.uniqueIds) {
      const ids = this.spikes.nodeIds;
      let max = -1;
      for (let i = 0; i < ids.length; i++) if (ids[i] > max) max = ids[i];
      if (max > DENSE_ID_LIMIT) return (this.uniqueIds = Uint32Array.from(new Set(ids)).sort());
      const seen = new Uint8Array(max + 1);
      let c = 0;
      for (let i = 0; i < ids.length; i++) if (!seen[ids[i]]) {
        seen[ids[i]] = 1;
        c++;
      }
      const out = new Uint32Array(c);
      for (let i = 0, k = 0; i <= max; i++) if (seen[i]) out[k++] = i;
      this.uniqueIds = out;
    }
    return this.uniqueIds;
  }

  /**
   * Node ids of a group (sorted, unique), or undefined for "all nodes" (no group). A property query
   * needs node properties (the `nodes` option of SpikeReport.open).
   */
  resolveNodes(group?: NodeGroup, raiseMissingProperty = true): Uint32Array | undefined {
    if (group === undefined || group === null) return undefined;
    group = expandNodeSets(group, this.report.nodeSets)!;
    if (this.nodes) return this.nodes.ids(group, this.name, raiseMissingProperty);
    if (typeof group === 'number' || isIdList(group)) return normalizeIds(group);
    throw new Error(`population '${this.name}': the group ${JSON.stringify(group)} is a property query, but no node properties are known; open the report with { nodes: <SONATA nodes file | NodeTable> }`);
  }

  /**
   * Spikes of a group within [tStart, tStop] (ms, inclusive), time-sorted.
   *
   * @example
   * ```ts
   * import { NodeTable } from 'vbt';
   * import { SpikeReport } from 'vbt';
   * await SpikeReport.fromSpikes({ cortex: { timestamps: [50, 120, 150, 300], nodeIds: [1, 2, 0, 2] } },
   *   { nodes: { cortex: new NodeTable({ layer: [2, 3, 5] }) } }).filter().write('spikes.h5');
   * const r = await SpikeReport.open('spikes.h5');
   * const { timestamps, nodeIds } = r.population('cortex').get({ group: [1, 2], tStart: 100, tStop: 200 });
   * ```
   */
  get(query: SpikeQuery = {}): Spikes {
    return selectSpikes(this.spikes, query.tStart, query.tStop, this.resolveNodes(query.group));
  }
}

/** A lazy, cached selection of a report across all its populations (bluepysnap's FilteredSpikeReport). */
export class FilteredSpikeReport {
  private table?: SpikeTable;
  constructor(
    readonly spikeReport: SpikeReport,
    readonly group?: NodeGroup,
    readonly tStart?: number,
    readonly tStop?: number,
  ) {
    checkWindow(tStart, tStop);
    this.group = expandNodeSets(group, spikeReport.nodeSets);
  }

  /** The selected spikes of every population, merged in time order (computed on first access). */
  get report(): SpikeTable {
    if (!this.table) {
      const r = this.spikeReport;
      const g = this.group;
      if (g !== undefined && g !== null && typeof g === 'object' && !isIdList(g)) {
        const props = [...queryProperties(g as NodeQuery)];
        const tables = r.populationNames.map((n) => r.population(n).nodes);
        if (tables.every((t) => !t)) throw new Error(`filter: the group ${JSON.stringify(g)} is a property query, but no node properties are known; open the report with { nodes: ... }`);
        const unknown = props.filter((p) => tables.every((t) => !t || !t.has(p)));
        if (unknown.length) throw new Error(`filter: node propert${unknown.length > 1 ? 'ies' : 'y'} ${unknown.join(', ')} not found in any population`);
      }
      const parts = r.populationNames.map((name) => {
        const p = r.population(name);
        const ids = p.nodes || g === undefined || typeof g === 'number' || isIdList(g) ? p.resolveNodes(g, false) : new Uint32Array(0);
        return { name, spikes: selectSpikes(p.spikes, this.tStart, this.tStop, ids) };
      });
      this.table = mergeByTime(parts);
    }
    return this.table;
  }

  get length(): number {
    return this.report.timestamps.length;
  }

  /** Firing-rate histogram (PSTH) data in Hz per node; see `firingRateHistogram` in analysis. */
  firingRates(o: FiringRateOptions = {}): FiringRateHistogram {
    return firingRateHistogram(this.report, o);
  }

  /** Inter-spike-interval histogram data (ms, or Hz with `frequency`). */
  isiHistogram(o: IsiOptions = {}): IsiHistogram {
    return isiHistogram(this.report, o);
  }

  /**
   * Neurons of each population the rates divide by: the resolved group when there is one, else the node table's
   * size, else the `populationSizes` option; undefined when none of these is known (the neurons that spiked are
   * not the population: silent ones count).
   */
  nodeCounts(): Record<string, number | undefined> {
    const r = this.spikeReport;
    const counts: Record<string, number | undefined> = {};
    for (const name of r.populationNames) {
      const p = r.population(name);
      const g = this.group;
      const ids = g === undefined ? undefined : p.nodes || typeof g === 'number' || isIdList(g) ? p.resolveNodes(g, false) : new Uint32Array(0);
      counts[name] = ids ? ids.length : p.nodes ? p.nodes.size : r.populationSize(name);
    }
    return counts;
  }

  /**
   * Mean rate of each population over the window [tStart, tStop] (defaults: the report's time range), per neuron
   * of the population (`nodeCounts`). A population whose size is unknown is an error naming the ways to give it.
   */
  populationRates(): PopulationRate[] {
    const r = this.spikeReport;
    const duration = (this.tStop ?? r.timeStop) - (this.tStart ?? r.timeStart);
    const counts = this.nodeCounts();
    const unknown = Object.keys(counts).filter((n) => counts[n] === undefined);
    if (unknown.length) {
      throw new Error(`population rates: the size of population${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')} is unknown (no node table); give the SONATA nodes file ({ nodes }, --nodes) or { populationSizes } (--population-size)`);
    }
    return populationRates(this.report, duration, counts as Record<string, number>);
  }

  /** Spike raster figure (Vega-Lite spec; render with src/plot's savePlot/toSvg/toPng/toHtml). */
  raster(o: RasterOptions = {}): PlotSpec {
    return rasterSpec(this, o);
  }

  /** Firing-rate histogram figure (bin size in ms, default ~100 spikes per bin). */
  firingRateHistogram(o: FiringRateOptions & { title?: string } = {}): PlotSpec {
    return firingRateSpec(this, o);
  }

  /** Inter-spike-interval histogram figure. */
  isi(o: IsiOptions & { title?: string } = {}): PlotSpec {
    return isiSpec(this, o);
  }

  /** Mean rate per population figure. */
  populationRatesPlot(): PlotSpec {
    return populationRatesSpec(this.populationRates());
  }

  /** Frames of the firing animation (spiking nodes at x/y node properties, one frame per dt ms). */
  firingAnimation(o: AnimationOptions = {}): AnimationFrames {
    return animationFrames(this, o);
  }

  /** The firing animation as GIF bytes. */
  firingAnimationGif(o: GifOptions = {}): Uint8Array {
    return firingAnimationGif(this, o);
  }

  /** The firing animation as a self-contained HTML page. */
  firingAnimationHtml(o: AnimationOptions & { title?: string } = {}): string {
    return firingAnimationHtml(this, o);
  }

  /** The selection split back into populations (time-sorted spikes each; empty populations kept). */
  byPopulation(): Record<string, Spikes> {
    const t = this.report;
    const counts = new Uint32Array(t.populations.length);
    for (let i = 0; i < t.population.length; i++) counts[t.population[i]]++;
    const out = t.populations.map((_, p) => ({ timestamps: new Float64Array(counts[p]), nodeIds: new Uint32Array(counts[p]) }));
    const k = new Uint32Array(t.populations.length);
    for (let i = 0; i < t.population.length; i++) {
      const p = t.population[i];
      out[p].timestamps[k[p]] = t.timestamps[i];
      out[p].nodeIds[k[p]++] = t.nodeIds[i];
    }
    return Object.fromEntries(t.populations.map((name, p) => [name, out[p]]));
  }

  /**
   * Write the selection as a SONATA spike file (atomically).
   *
   * @example
   * ```ts
   * import { SpikeReport, NodeTable } from 'vbt';
   * const report = SpikeReport.fromSpikes({ cortex: { timestamps: [0.5, 1, 2.5, 3, 7.25, 120], nodeIds: [0, 2, 1, 0, 5, 3] } },
   *   { nodes: { cortex: new NodeTable({ layer: [2, 3, 5, 5, 6, 6] }) } });
   * await report.filter({ group: { layer: 5 }, tStart: 0, tStop: 500 }).write('out/l5-spikes.h5');
   * ```
   */
  async write(path: string, options: WriteSpikesOptions = {}): Promise<void> {
    await writeSpikeFile(path, this.byPopulation(), options);
  }

  /** Rows {time, id, population}, for printing or JSON. */
  rows(): { time: number; id: number; population: string }[] {
    const t = this.report;
    return Array.from(t.timestamps, (time, i) => ({ time, id: t.nodeIds[i], population: t.populations[t.population[i]] }));
  }
}

/**
 * A SONATA spike report: populations of spikes with times in ms.
 *
 * @example
 * ```ts
 * import { NodeTable, writeSonataNodes } from 'vbt';
 * import { SpikeReport } from 'vbt';
 * const nodes = { cortex: new NodeTable({ layer: [2, 5, 5] }), thalamus: new NodeTable({ layer: [1, 1] }) };
 * await writeSonataNodes('circuit/nodes.h5', nodes);
 * await SpikeReport.fromSpikes({ cortex: { timestamps: [1, 2, 600], nodeIds: [1, 2, 0] }, thalamus: { timestamps: [3], nodeIds: [1] } },
 *   { nodes }).filter().write('out/spikes.h5');
 * const report = await SpikeReport.open('out/spikes.h5', { nodes: 'circuit/nodes.h5' });
 * report.populationNames;                        // ['cortex', 'thalamus']
 * const f = report.filter({ group: { layer: 5 }, tStart: 0, tStop: 500 });
 * f.report.timestamps.length;                    // spikes of layer-5 nodes in [0, 500] ms
 * ```
 */
export class SpikeReport {
  private pops = new Map<string, PopulationSpikeReport>();
  private range?: [number, number];
  readonly populationNames: string[];
  /** Node sets for string groups, when given. */
  readonly nodeSets?: NodeSets;
  /** The SONATA simulation this report belongs to, when opened from its config (bluepysnap's `simulation`). */
  simulation?: SimulationSpikeSetup;
  private readonly sizes: Record<string, number>;
  private constructor(
    readonly path: string | undefined,
    names: string[],
    loaders: Map<string, Loader>,
    tables: Record<string, NodeTable>,
    private readonly options: SpikeReportOptions,
  ) {
    this.populationNames = [...names].sort();
    for (const n of this.populationNames) this.pops.set(n, new PopulationSpikeReport(this, n, loaders.get(n)!, tables[n]));
    this.nodeSets = typeof options.nodeSets === 'string' ? readNodeSets(options.nodeSets) : options.nodeSets;
    this.sizes = checkPopulationSizes(options.populationSizes, this.populationNames, tables);
    if (options.dt !== undefined && !(options.dt > 0)) throw new Error(`dt must be a positive number of ms, got ${options.dt}`);
    checkWindow(options.tStart, options.tStop);
  }

  /** Open a SONATA spike file; population data are read on first use. */
  static async open(path: string, options: SpikeReportOptions = {}): Promise<SpikeReport> {
    const lib = await h5();
    const inFile = await readSpikePopulationNames(path);
    if (inFile.length === 0) throw new Error(`${path}: /spikes has no populations`);
    const names = options.populations ?? inFile;
    const missing = names.filter((n) => !inFile.includes(n));
    if (missing.length) throw new Error(`${path}: no population${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}; the file has: ${inFile.join(', ')}`);
    if (names.length === 0) throw new Error(`${path}: the populations option selects none`);
    const loaders = new Map<string, Loader>(names.map((n) => [n, () => readSpikePopulationSync(lib, path, n, options)]));
    const tables = await resolveTables(options, names);
    return new SpikeReport(path, names, loaders, tables, options);
  }

  /**
   * The spike report of a SONATA simulation, as bluepysnap's `Simulation(config).spikes`: the spikes
   * file, time range and step from the simulation config, node properties from its circuit.
   *
   * @example
   * ```ts
   * import { mkdirSync, writeFileSync } from 'node:fs';
   * import { SpikeReport } from 'vbt';
   * mkdirSync('sim', { recursive: true });
   * writeFileSync('sim/simulation_config.json', JSON.stringify({ run: { tstart: 0, tstop: 100, dt: 0.1 }, output: { output_dir: 'output' } }));
   * await SpikeReport.fromSpikes({ cortex: { timestamps: [1, 2, 60], nodeIds: [1, 2, 0] } }).filter().write('sim/output/out.h5');
   * const r = await SpikeReport.fromSimulationConfig('sim/simulation_config.json');
   * [r.timeStart, r.timeStop, r.dt]; // from run.tstart, run.tstop, run.dt
   * ```
   */
  static async fromSimulationConfig(configPath: string, options: Omit<SpikeReportOptions, 'nodes' | 'nodeTypesCsv' | 'tStart' | 'tStop' | 'dt'> = {}): Promise<SpikeReport> {
    const setup = readSimulationSpikeSetup(configPath);
    const tables: Record<string, NodeTable> = {};
    for (const nf of setup.nodes) {
      const t = await readSonataNodes(nf.nodesFile, { nodeTypesCsv: nf.nodeTypesFile });
      for (const [pop, table] of Object.entries(t)) {
        if (pop in tables) throw new Error(`${configPath}: node population '${pop}' appears in more than one nodes file (second: ${nf.nodesFile})`);
        tables[pop] = table;
      }
    }
    if (!existsSync(setup.spikesFile)) throw new Error(`${configPath}: the spikes file ${setup.spikesFile} (output.output_dir / output.spikes_file) does not exist`);
    const r = await SpikeReport.open(setup.spikesFile, { nodeSets: setup.nodeSetsFile, ...options, nodes: tables, tStart: setup.tStart, tStop: setup.tStop, dt: setup.dt });
    r.simulation = setup;
    return r;
  }

  /** The simulation's spike output settings (bluepysnap's `SpikeReport.config`); only for reports opened from a simulation config. */
  get config(): SpikeOutputConfig {
    if (!this.simulation) throw new Error(`${this.path ?? 'spike report'}: not opened from a simulation config (SpikeReport.fromSimulationConfig), so it has no output config`);
    return this.simulation.output;
  }

  /** The text of the simulation's log file (`output.log_file`, relative to output_dir), as bluepysnap's `log()` opens it. */
  log(): string {
    const f = this.config.log_file;
    if (!f) throw new Error(`${this.simulation!.configPath}: output.log_file is not set; there is no simulation log`);
    if (!existsSync(f)) throw new Error(`${this.simulation!.configPath}: the log file ${f} (output.log_file) does not exist`);
    return readFileSync(f, 'utf8');
  }

  /**
   * A report from spikes in memory (times in ms), e.g. drawn from a simulation.
   *
   * @example
   * ```ts
   * import { SpikeReport } from 'vbt';
   * const r = SpikeReport.fromSpikes({ pop: { timestamps: [1, 2, 3], nodeIds: [0, 1, 0] } }, { tStop: 10 });
   * r.population('pop').get({ group: 0 }).timestamps; // Float64Array [1, 3]
   * ```
   */
  static fromSpikes(populations: SpikePopulationsInput, options: Omit<SpikeReportOptions, 'nodes'> & { nodes?: Record<string, NodeTable> | NodeTable } = {}): SpikeReport {
    const names = Object.keys(populations);
    if (names.length === 0) throw new Error('SpikeReport.fromSpikes: no populations given');
    const loaders = new Map<string, Loader>();
    for (const n of names) {
      const s = populations[n];
      if (s.timestamps.length !== s.nodeIds.length) throw new Error(`population '${n}': ${s.timestamps.length} timestamps but ${s.nodeIds.length} node ids; they must have the same length`);
      loaders.set(n, () => {
        const t = Float64Array.from(s.timestamps);
        const ids = normalizeIdArray(s.nodeIds, n);
        const sp = isSortedByTime(t) ? { timestamps: t, nodeIds: ids } : permute({ timestamps: t, nodeIds: ids }, sortPermutation({ timestamps: t, nodeIds: ids }, 'by_time'));
        return { name: n, ...sp, fileUnits: 'ms', sorting: 'by_time', sortingStorage: 'absent' };
      });
    }
    const nodes = options.nodes;
    const tables = nodes instanceof NodeTable ? singleTable(nodes, names) : (nodes ?? {});
    return new SpikeReport(undefined, names, loaders, tables, options);
  }

  /** The population `name`, or a clear error listing the populations. */
  population(name: string): PopulationSpikeReport {
    const p = this.pops.get(name);
    if (!p) throw new Error(`${this.path ?? 'spike report'}: no population '${name}'; populations: ${this.populationNames.join(', ')}`);
    return p;
  }

  [Symbol.iterator](): IterableIterator<PopulationSpikeReport> {
    return this.pops.values();
  }

  private spikeRange(): [number, number] {
    if (!this.range) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const p of this.pops.values()) {
        const t = p.spikes.timestamps;
        if (t.length) {
          lo = Math.min(lo, t[0]);
          hi = Math.max(hi, t[t.length - 1]);
        }
      }
      this.range = [lo, hi];
    }
    return this.range;
  }

  /** Start of the simulated time (ms): the `tStart` option, else 0 (or the first spike if earlier). */
  get timeStart(): number {
    if (this.options.tStart !== undefined) return this.options.tStart;
    const lo = this.spikeRange()[0];
    return Number.isFinite(lo) ? Math.min(0, lo) : 0;
  }

  /** End of the simulated time (ms): the `tStop` option, else the last spike. */
  get timeStop(): number {
    if (this.options.tStop !== undefined) return this.options.tStop;
    const hi = this.spikeRange()[1];
    return Number.isFinite(hi) ? hi : this.timeStart;
  }

  /**
   * Neurons in population `name`: its node table's size, else the `populationSizes` option; undefined when neither
   * is known. A spiking node id at or past the size is an error when the spikes are first read for it.
   */
  populationSize(name: string): number | undefined {
    const p = this.population(name);
    const n = p.nodes ? p.nodes.size : this.sizes[name];
    if (n !== undefined && p.nodeIds.length && p.nodeIds[p.nodeIds.length - 1] >= n) {
      throw new Error(`population '${name}': node id ${p.nodeIds[p.nodeIds.length - 1]} spiked, but the population has ${n} nodes (ids 0..${n - 1})`);
    }
    return n;
  }

  /** Time step (ms) when given; SONATA spike files do not record it. */
  get dt(): number | undefined {
    return this.options.dt;
  }

  get timeUnits(): string {
    return 'ms';
  }

  /** A lazy, cached selection across populations. */
  filter(query: SpikeQuery = {}): FilteredSpikeReport {
    return new FilteredSpikeReport(this, query.group, query.tStart, query.tStop);
  }
}

function normalizeIdArray(ids: ArrayLike<number>, pop: string): Uint32Array {
  if (ids instanceof Uint32Array) return ids;
  const out = new Uint32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (!(Number.isInteger(v) && v >= 0 && v < 2 ** 32)) throw new Error(`population '${pop}': node id ${v} at index ${i} is not an integer in [0, 2^32)`);
    out[i] = v;
  }
  return out;
}

function checkPopulationSizes(sizes: SpikeReportOptions['populationSizes'], names: string[], tables: Record<string, NodeTable>): Record<string, number> {
  if (sizes === undefined) return {};
  if (typeof sizes === 'number') {
    if (names.length !== 1) throw new Error(`populationSizes: one size was given for a report with ${names.length} populations (${names.join(', ')}); pass { population: size, ... }`);
    sizes = { [names[0]]: sizes };
  }
  for (const [name, n] of Object.entries(sizes)) {
    if (!names.includes(name)) throw new Error(`populationSizes: no population '${name}'; populations: ${names.join(', ')}`);
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`populationSizes.${name}: expected a positive whole number of neurons, got ${n}`);
    if (tables[name] && tables[name].size !== n) throw new Error(`populationSizes.${name} = ${n}, but its node table has ${tables[name].size} nodes`);
  }
  return { ...sizes };
}

function singleTable(t: NodeTable, names: string[]): Record<string, NodeTable> {
  if (names.length !== 1) throw new Error(`one NodeTable was given for a report with ${names.length} populations (${names.join(', ')}); pass { population: table, ... }`);
  return { [names[0]]: t };
}

async function resolveTables(options: SpikeReportOptions, names: string[]): Promise<Record<string, NodeTable>> {
  const n = options.nodes;
  if (n === undefined) return {};
  if (typeof n === 'string') {
    const all = await readSonataNodes(n, { nodeTypesCsv: options.nodeTypesCsv });
    const missing = names.filter((x) => !(x in all));
    if (missing.length === names.length) {
      throw new Error(`${n}: none of the spike populations (${names.join(', ')}) is a node population of this file (${Object.keys(all).join(', ')})`);
    }
    return all;
  }
  if (n instanceof NodeTable) return singleTable(n, names);
  return n;
}
