/**
 * Provenance: everything needed to say how a result was made and to make it again. Writers store
 * it in every result file (`vbt_provenance`), `vbt report` shows it, and `vbt rerun` turns it back
 * into a SimulationConfig. Hashes are SHA-256 (node:crypto) of a canonical encoding, so "same
 * model" and "same connectivity" can be checked without the original files.
 */
import { activeBackendName } from '../backend/active.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ModelSpec } from '../models/spec.js';
import type { CouplingSpec } from '../coupling/catalogue.js';
import type { MonitorSpec } from '../observation/registry.js';
import type { Connectivity } from '../network/connectivity.js';
import type { ParamValue } from '../engine/params.js';
import type { NoiseConfig, SimulationConfig, StimulusConfig } from '../simulation/config.js';

/** Bumped when the layout below changes incompatibly; rerun refuses other majors. */
export const PROVENANCE_VERSION = 'vbt-provenance/1';

export interface ConnectivityProvenance {
  name: string;
  source: string;
  n: number;
  speed: number;
  /** SHA-256 of n, weights, tract lengths, labels and speed. */
  hash: string;
}

export interface Provenance {
  schema: string;
  vbtVersion: string;
  node: string;
  /** tfjs backend loaded in this process (null: the run used no tfjs). */
  tfjsBackend: string | null;
  /** process.argv of the command that made the result (absent for API calls). */
  commandLine?: string[];
  created: string;
  engine: string;
  kernel?: string;
  model: { name: string; hash: string; spec: ModelSpec };
  /** Model parameters as given (overrides only; the resolved values are in the result info). */
  parameters: Record<string, ParamValue>;
  coupling: { name: string; spec?: CouplingSpec; parameters: Record<string, ParamValue> };
  integrator: { name: string; dt: number };
  noise: (Required<Pick<NoiseConfig, 'kind' | 'ntau' | 'seed' | 'a' | 'b'>> & { nsig: number | number[] }) | null;
  initialConditions: { seed: number } | { historyHash: string; history?: number[] };
  duration: number;
  transient: number;
  monitors: MonitorSpec[];
  variablesOfInterest?: string[];
  stimulus?: StimulusConfig & { weights: number[] };
  batch?: Record<string, ParamValue[]>;
  historyPrecision: 'float32' | 'float64';
  connectivity: ConnectivityProvenance;
  /** Custom integer delays were given instead of tract lengths / speed (their hash). */
  idelaysHash?: string;
  /** Conditions met during the run that a reader should know (values past 1e12, ...). */
  flags?: Record<string, unknown>;
}

let commandLine: string[] | undefined;

/** The CLI records its argv once; results made in this process carry it. */
export function setCommandLine(argv: readonly string[] | undefined): void {
  commandLine = argv ? [...argv] : undefined;
}

let version: string | undefined;

/** vbt's version from its package.json (from src/ or dist/src/). */
export function vbtVersion(): string {
  if (version) return version;
  for (const rel of ['../../package.json', '../../../package.json']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (!existsSync(p)) continue;
    try {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'vbt' && pkg.version) return (version = pkg.version);
    } catch {
      /* try the next */
    }
  }
  return (version = 'unknown');
}

/** JSON with object keys sorted, so equal values always hash equal. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
    if (x && typeof x === 'object' && !Array.isArray(x)) return Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]]));
    return x;
  });
}

export function sha256(...parts: (string | ArrayBufferView)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest('hex');
}

export function hashConnectivity(c: Connectivity): string {
  return sha256(`n=${c.n};speed=${c.speed};labels=${JSON.stringify(c.labels)};`, c.weights, c.tractLengths);
}

export function connectivityProvenance(c: Connectivity): ConnectivityProvenance {
  return { name: c.name, source: c.source, n: c.n, speed: c.speed, hash: hashConnectivity(c) };
}


const plain = (v: ParamValue | ArrayLike<number>): ParamValue => (typeof v === 'number' ? v : Array.from(v as ArrayLike<number>));

/** Provenance of a kernel-engine run from its config and what preparing it resolved. */
export function buildProvenance(cfg: SimulationConfig, resolved: { spec: ModelSpec; coupling: CouplingSpec; conn: Connectivity; integratorName: string; kernel?: string }): Provenance {
  const nz = cfg.integrator.noise;
  const ic = cfg.initialConditions;
  const hist = ic?.history;
  return {
    schema: PROVENANCE_VERSION,
    vbtVersion: vbtVersion(),
    node: process.version,
    tfjsBackend: activeBackendName(),
    ...(commandLine ? { commandLine } : {}),
    created: new Date().toISOString(),
    engine: 'kernel',
    kernel: resolved.kernel,
    model: { name: resolved.spec.name, hash: sha256(canonicalJson(resolved.spec)), spec: resolved.spec },
    parameters: Object.fromEntries(Object.entries(cfg.parameters ?? {}).map(([k, v]) => [k, plain(v)])),
    coupling: {
      name: resolved.coupling.name,
      ...(typeof cfg.coupling === 'object' ? { spec: cfg.coupling } : {}),
      parameters: Object.fromEntries(Object.entries(cfg.couplingParameters ?? {}).map(([k, v]) => [k, plain(v)])),
    },
    integrator: { name: resolved.integratorName, dt: cfg.integrator.dt },
    noise: nz ? { kind: nz.kind ?? 'additive', nsig: typeof nz.nsig === 'number' ? nz.nsig : Array.from(nz.nsig), ntau: nz.ntau ?? 0, seed: nz.seed ?? 42, a: nz.a ?? 1, b: nz.b ?? 0 } : null,
    initialConditions: hist ? { historyHash: sha256(Float64Array.from(hist)), ...(hist.length <= 100_000 ? { history: Array.from(hist) } : {}) } : { seed: ic?.seed ?? 42 },
    duration: cfg.duration,
    transient: cfg.transient ?? 0,
    monitors: (cfg.monitors ?? [{ name: 'Raw' }]).map((m) => JSON.parse(canonicalJson(m)) as MonitorSpec),
    ...(cfg.variablesOfInterest ? { variablesOfInterest: [...cfg.variablesOfInterest] } : {}),
    ...(cfg.stimulus ? { stimulus: { ...cfg.stimulus, weights: Array.from(cfg.stimulus.weights) } } : {}),
    ...(cfg.batch ? { batch: Object.fromEntries(Object.entries(cfg.batch).map(([k, v]) => [k, Array.from(v as ArrayLike<ParamValue>, plain)])) } : {}),
    historyPrecision: cfg.historyPrecision ?? 'float64',
    connectivity: connectivityProvenance(resolved.conn),
    ...(cfg.idelays ? { idelaysHash: sha256(cfg.idelays) } : {}),
  };
}

/**
 * The SimulationConfig that reproduces a provenance record, given the connectivity (checked
 * against the recorded hash by the caller).
 */
export function configFromProvenance(p: Provenance, connectivity: Connectivity): SimulationConfig {
  if (typeof p?.schema !== 'string' || p.schema.split('/')[0] !== PROVENANCE_VERSION.split('/')[0]) throw new Error(`provenance: unknown schema ${JSON.stringify(p?.schema)}; expected ${PROVENANCE_VERSION}`);
  if (p.schema !== PROVENANCE_VERSION) throw new Error(`provenance: schema ${p.schema} is not ${PROVENANCE_VERSION}`);
  if (p.idelaysHash) throw new Error('provenance: the run used custom integer delays, which are not stored; it cannot be rerun from the file alone');
  const ic = p.initialConditions;
  if ('historyHash' in ic && !ic.history) throw new Error('provenance: the run started from a user history too large to store (hash only); it cannot be rerun from the file alone');
  const hist = 'historyHash' in ic ? ic.history : undefined;
  return {
    model: p.model.spec,
    parameters: p.parameters,
    connectivity,
    coupling: p.coupling.spec ?? p.coupling.name,
    couplingParameters: p.coupling.parameters,
    integrator: {
      name: /^rk4/i.test(p.integrator.name) ? 'RK4' : /^euler/i.test(p.integrator.name) ? 'Euler' : 'Heun',
      dt: p.integrator.dt,
      noise: p.noise ? { ...p.noise } : undefined,
    },
    duration: p.duration,
    transient: p.transient,
    monitors: p.monitors,
    variablesOfInterest: p.variablesOfInterest,
    initialConditions: hist ? { history: hist } : { seed: (ic as { seed: number }).seed },
    stimulus: p.stimulus,
    batch: p.batch,
    historyPrecision: p.historyPrecision,
    kernel: p.kernel === 'js' ? 'js' : undefined,
  };
}

/** Lines for `vbt report` / `vbt info`: what the run was, readable. */
export function describeProvenance(p: Provenance): string[] {
  const fmt = (v: unknown) => (Array.isArray(v) ? (v.length > 6 ? `[${v.slice(0, 6).join(', ')}, … ${v.length} values]` : `[${v.join(', ')}]`) : String(v));
  const kv = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `${k}=${fmt(v)}`).join(', ') || 'defaults';
  return [
    `vbt ${p.vbtVersion} (node ${p.node}, ${p.engine} engine${p.kernel ? `, ${p.kernel} kernel` : ''}, tfjs backend ${p.tfjsBackend ?? 'none'}), ${p.created}`,
    `command line: ${p.commandLine ? p.commandLine.slice(2).join(' ') : '(API call)'}`,
    `model: ${p.model.name} (spec sha256 ${p.model.hash.slice(0, 16)}…), parameters: ${kv(p.parameters)}`,
    `coupling: ${p.coupling.name}, parameters: ${kv(p.coupling.parameters)}`,
    `integrator: ${p.integrator.name}, dt ${p.integrator.dt} ms; duration ${p.duration} ms after a ${p.transient} ms transient; history ${p.historyPrecision}`,
    `noise: ${p.noise ? `${p.noise.kind}, nsig ${fmt(p.noise.nsig)}, ntau ${p.noise.ntau} ms, seed ${p.noise.seed}` : 'none'}`,
    `initial conditions: ${'seed' in p.initialConditions ? `random, seed ${p.initialConditions.seed}` : `given history (sha256 ${p.initialConditions.historyHash.slice(0, 16)}…)`}`,
    `connectivity: ${p.connectivity.name} (${p.connectivity.n} nodes, from ${p.connectivity.source}, sha256 ${p.connectivity.hash.slice(0, 16)}…), speed ${p.connectivity.speed} mm/ms`,
    `monitors: ${p.monitors.map((m) => `${m.name}${'period' in m && m.period !== undefined ? `:${m.period}` : ''}`).join(', ')}`,
    ...(p.batch ? [`batch: ${Object.keys(p.batch).join(', ')}`] : []),
    ...(p.flags && Object.keys(p.flags).length ? [`flags: ${JSON.stringify(p.flags)}`] : []),
  ];
}
