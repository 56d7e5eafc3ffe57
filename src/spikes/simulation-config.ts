/**
 * The part of a SONATA simulation configuration a spike report needs, as bluepysnap's SpikeReport
 * takes it from a Simulation: the spikes file (`output.output_dir` / `output.spikes_file`, defaults
 * "output" and "out.h5"), the time range and step (`run.tstart` (default 0), `run.tstop`, `run.dt`),
 * and the circuit's node files (`network`, default "circuit_config.json", or inline `networks`, as
 * bmtk writes). Paths may use manifest variables (`$NAME` or `${NAME}`); relative paths are relative
 * to the file that holds them ("." is that file's folder).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

export interface SimulationSpikeSetup {
  configPath: string;
  spikesFile: string;
  tStart: number;
  tStop: number;
  dt: number;
  /** Declared `output.spikes_sort_order`, when present. */
  spikesSortOrder?: string;
  nodes: { nodesFile: string; nodeTypesFile?: string }[];
  /** `node_sets_file` of the simulation config, else of the circuit config. */
  nodeSetsFile?: string;
  /** The `output` section with its paths resolved (bluepysnap's SpikeReport.config). */
  output: SpikeOutputConfig;
  /** The whole simulation config as read (manifest variables unresolved). */
  raw: Record<string, unknown>;
  /** The circuit config file, when the simulation names one that exists. */
  circuitConfig?: string;
}

/** The spike-relevant `output` settings of a SONATA simulation, paths resolved. */
export interface SpikeOutputConfig {
  output_dir: string;
  spikes_file: string;
  spikes_sort_order?: string;
  /** The simulator's log file (relative to output_dir), when the config names one. */
  log_file?: string;
}

type Json = Record<string, unknown>;

function readJson(path: string, what: string): Json {
  if (!existsSync(path)) throw new Error(`${path}: no such ${what}`);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${path}: a ${what} must be a JSON object`);
  return v as Json;
}

/** A resolver of `$NAME`/`${NAME}` references and relative paths for one config file. */
export function pathResolver(file: string, manifest: unknown): (p: string, field: string) => string {
  const base = dirname(resolve(file));
  const m: Record<string, string> = {};
  if (manifest !== undefined) {
    if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) throw new Error(`${file}: manifest must be an object of path variables`);
    for (const [k, v] of Object.entries(manifest)) {
      if (typeof v !== 'string') throw new Error(`${file}: manifest.${k} must be a string path, got ${JSON.stringify(v)}`);
      m[k.replace(/^\$/, '')] = v;
    }
  }
  const expand = (s: string, field: string, depth: number): string => {
    if (depth > 20) throw new Error(`${file}: ${field}: manifest variables refer to each other in a cycle`);
    return s.replace(/\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g, (_, a: string | undefined, b: string | undefined) => {
      const name = (a ?? b)!;
      if (!(name in m)) throw new Error(`${file}: ${field}: unknown manifest variable $${name}; defined: ${Object.keys(m).map((x) => `$${x}`).join(', ') || 'none'}`);
      return expand(m[name], `manifest.$${name}`, depth + 1);
    });
  };
  return (p: string, field: string) => {
    if (typeof p !== 'string') throw new Error(`${file}: ${field} must be a string path, got ${JSON.stringify(p)}`);
    const e = expand(p, field, 0);
    return isAbsolute(e) ? e : resolve(base, e);
  };
}

function num(cfg: Json, file: string, section: string, key: string, required: boolean, dflt?: number): number {
  const sec = (cfg[section] ?? {}) as Json;
  const v = sec[key];
  if (v === undefined) {
    if (required) throw new Error(`${file}: ${section}.${key} is required (ms)`);
    return dflt!;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${file}: ${section}.${key} must be a number (ms), got ${JSON.stringify(v)}`);
  return v;
}

function nodeFilesOf(networks: unknown, file: string, res: (p: string, f: string) => string): SimulationSpikeSetup['nodes'] {
  if (networks === undefined) return [];
  const list = (networks as Json).nodes;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new Error(`${file}: networks.nodes must be a list`);
  return list.map((e: Json, k: number) => {
    if (typeof e?.nodes_file !== 'string') throw new Error(`${file}: networks.nodes[${k}].nodes_file is missing`);
    return {
      nodesFile: res(e.nodes_file, `networks.nodes[${k}].nodes_file`),
      ...(typeof e.node_types_file === 'string' ? { nodeTypesFile: res(e.node_types_file, `networks.nodes[${k}].node_types_file`) } : {}),
    };
  });
}

/**
 * Read a SONATA simulation configuration for its spike report.
 *
 * @example
 * ```ts
 * import { mkdirSync, writeFileSync } from 'node:fs';
 * import { readSimulationSpikeSetup } from 'vbt';
 * mkdirSync('sim', { recursive: true });
 * writeFileSync('sim/simulation_config.json', JSON.stringify({ run: { tstop: 100, dt: 0.1 }, output: { output_dir: 'output' } }));
 * const s = readSimulationSpikeSetup('sim/simulation_config.json');
 * s.spikesFile; // '/abs/sim/output/out.h5'
 * ```
 */
export function readSimulationSpikeSetup(configPath: string): SimulationSpikeSetup {
  const cfg = readJson(configPath, 'SONATA simulation config');
  const res = pathResolver(configPath, cfg.manifest);
  if (!cfg.run || typeof cfg.run !== 'object') throw new Error(`${configPath}: 'run' section is required (tstop, dt)`);
  const tStart = num(cfg, configPath, 'run', 'tstart', false, 0);
  const tStop = num(cfg, configPath, 'run', 'tstop', true);
  const dt = num(cfg, configPath, 'run', 'dt', true);
  if (!(tStop >= tStart)) throw new Error(`${configPath}: run.tstop (${tStop}) is before run.tstart (${tStart})`);
  if (!(dt > 0)) throw new Error(`${configPath}: run.dt must be > 0, got ${dt}`);
  const output = (cfg.output ?? {}) as Json;
  const outDir = res((output.output_dir as string | undefined) ?? 'output', 'output.output_dir');
  const spikesName = (output.spikes_file as string | undefined) ?? 'out.h5';
  const spikesFile = isAbsolute(spikesName) ? spikesName : resolve(outDir, spikesName);
  let nodes = nodeFilesOf(cfg.networks, configPath, res);
  let nodeSetsFile = typeof cfg.node_sets_file === 'string' ? res(cfg.node_sets_file, 'node_sets_file') : undefined;
  const explicit = cfg.network !== undefined;
  const circuit = res((cfg.network as string | undefined) ?? 'circuit_config.json', 'network');
  if (existsSync(circuit)) {
    const cc = readJson(circuit, 'SONATA circuit config');
    const cres = pathResolver(circuit, cc.manifest);
    if (nodes.length === 0) nodes = nodeFilesOf(cc.networks, circuit, cres);
    if (!nodeSetsFile && typeof cc.node_sets_file === 'string') nodeSetsFile = cres(cc.node_sets_file, 'node_sets_file');
  } else if (explicit) throw new Error(`${configPath}: network: circuit config ${circuit} not found`);
  const order = output.spikes_sort_order;
  const logName = output.log_file;
  if (logName !== undefined && typeof logName !== 'string') throw new Error(`${configPath}: output.log_file must be a string`);
  const outputConfig: SpikeOutputConfig = {
    output_dir: outDir, spikes_file: spikesFile,
    ...(typeof order === 'string' ? { spikes_sort_order: order } : {}),
    // relative to output_dir (bluepysnap's reading); manifest variables resolve as everywhere else
    ...(logName ? { log_file: logName.includes('$') ? res(logName, 'output.log_file') : isAbsolute(logName) ? logName : resolve(outDir, logName) } : {}),
  };
  return {
    configPath, spikesFile, tStart, tStop, dt, nodes, output: outputConfig, raw: cfg, ...(existsSync(circuit) ? { circuitConfig: circuit } : {}),
    ...(nodeSetsFile ? { nodeSetsFile } : {}), ...(typeof order === 'string' ? { spikesSortOrder: order } : {}),
  };
}
