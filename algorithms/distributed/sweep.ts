/**
 * A sweep as data: everything a worker on another machine needs to evaluate any chunk of an
 * exploration — the base simulation, the space, named observables and the chunk size — as plain
 * JSON. Its hash is the sweep id, so the same sweep submitted twice is the same sweep.
 */
import { createHash } from 'node:crypto';
import { Connectivity } from '../../src/network/connectivity.js';
import type { SimulationConfig } from '../../src/simulation/config.js';
import { Space } from '../../src/space/space.js';
import { fcObservables } from '../observables.js';
import type { Observable } from '../explore.js';
import { VBT_VERSION } from './version.js';

export const SWEEP_SCHEMA = 'vbt-sweep/1';

/** Observables that can be named in a sweep (functions cannot travel to another machine). */
export type ObservableSpec =
  /** `mean`: the mean of a monitor's whole output (first monitor by default). */
  | { kind: 'mean'; monitor?: string | number }
  /** `fc_corr` and `rmse` of a monitor's FC against a target FC (n×n, row-major). */
  | { kind: 'fc'; target: number[]; n: number; monitor?: string | number; skip?: number }
  /** A kind registered by a module above this one (see `registerObservableKind`), with its own data. */
  | RegisteredObservableSpec;

export interface RegisteredObservableSpec { kind: string; [field: string]: unknown }

const registered = new Map<string, (spec: RegisteredObservableSpec) => Record<string, Observable>>();

/**
 * Teach sweeps a new kind of observable: `build` turns its JSON into observable functions. A module
 * that sits above the algorithms (the experiment runner) registers its kind here instead of being
 * imported, and every process that evaluates such sweeps (the coordinator, `vbt worker`) registers
 * it before it starts.
 */
export function registerObservableKind(kind: string, build: (spec: RegisteredObservableSpec) => Record<string, Observable>): void {
  if (kind === 'mean' || kind === 'fc') throw new Error(`registerObservableKind: '${kind}' is built in`);
  registered.set(kind, build);
}

export interface SweepSpec {
  schema: typeof SWEEP_SCHEMA;
  /** The vbt version that wrote it; part of the id. */
  vbt: string;
  name: string;
  /** SimulationConfig as JSON (see `configToJson`). */
  base: Record<string, unknown>;
  space: ReturnType<Space['toJSON']>;
  observables: ObservableSpec;
  /** Points per chunk (= per queue job, = per batched simulate call). */
  chunkSize: number;
  /** Keep every point's time series of this monitor (as `explore`'s `record`). */
  record?: string | number;
}

const CONN = '$connectivity';

/** A SimulationConfig as JSON: typed arrays become arrays, a Connectivity its simulation fields; functions are dropped. */
export function configToJson(cfg: SimulationConfig): Record<string, unknown> {
  const { onProgress: _p, threads: _t, ...rest } = cfg;
  if (cfg.batch) throw new Error('sweep: the base config must not have a batch; put the varied parameters in the space');
  const json = JSON.stringify(rest, (_k, v) => {
    if (v instanceof Connectivity) {
      return { [CONN]: { n: v.n, weights: Array.from(v.weights), tractLengths: Array.from(v.tractLengths), labels: v.labels, speed: v.speed, name: v.name } };
    }
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`sweep: the base config holds a non-finite number (${v}); JSON cannot carry it`);
    if (typeof v === 'function') throw new Error(`sweep: the base config's '${_k}' is a function; a sweep is data and cannot carry it to another process`);
    return v;
  });
  return JSON.parse(json) as Record<string, unknown>;
}

/** The inverse of configToJson. */
export function configFromJson(j: Record<string, unknown>): SimulationConfig {
  const cfg = JSON.parse(JSON.stringify(j), (_k, v) => (v && typeof v === 'object' && CONN in v ? new Connectivity(v[CONN]) : v)) as SimulationConfig;
  if (cfg.idelays) cfg.idelays = Int32Array.from(cfg.idelays as unknown as number[]);
  return cfg;
}

/** Build a sweep from a base simulation, a space and named observables. */
export function makeSweep(o: { name?: string; base: SimulationConfig; space: Space; observables: ObservableSpec; chunkSize: number; record?: string | number }): SweepSpec {
  if (!Number.isInteger(o.chunkSize) || o.chunkSize < 1) throw new Error(`sweep: chunkSize=${o.chunkSize}; expected a positive integer`);
  checkRecord(o.record, 'sweep');
  buildObservables(o.observables);
  return {
    schema: SWEEP_SCHEMA, vbt: VBT_VERSION, name: o.name ?? 'exploration', base: configToJson(o.base), space: o.space.toJSON(), observables: o.observables, chunkSize: o.chunkSize,
    ...(o.record !== undefined ? { record: o.record } : {}),
  };
}

function checkRecord(r: unknown, where: string): void {
  if (r !== undefined && typeof r !== 'string' && !(Number.isInteger(r) && (r as number) >= 0)) throw new Error(`${where}: record ${JSON.stringify(r)}; expected a monitor name or index`);
}

/** Check a sweep read from elsewhere (a queue, a file) before any work. */
export function checkSweep(s: unknown, where: string): SweepSpec {
  const o = s as SweepSpec;
  if (!o || typeof o !== 'object' || o.schema !== SWEEP_SCHEMA) throw new Error(`${where}: schema ${JSON.stringify(o?.schema)}; expected ${SWEEP_SCHEMA}`);
  if (o.vbt !== VBT_VERSION) throw new Error(`${where}: the sweep was written by vbt ${o.vbt}; this is vbt ${VBT_VERSION}`);
  if (!Number.isInteger(o.chunkSize) || o.chunkSize < 1) throw new Error(`${where}: chunkSize ${o.chunkSize}; expected a positive integer`);
  Space.fromJSON(o.space);
  checkRecord(o.record, where);
  buildObservables(o.observables);
  return o;
}

/** The observable functions a spec names. */
export function buildObservables(spec: ObservableSpec): Record<string, Observable> {
  if (spec.kind === 'mean') {
    const mon = (spec as { monitor?: string | number }).monitor ?? 0;
    return { mean: (r) => { const d = r.monitor(mon).data; let s = 0; for (const x of d) s += x; return s / d.length; } };
  }
  if (spec.kind === 'fc') {
    const fc = spec as { kind: 'fc'; target: number[]; n: number; monitor?: string | number; skip?: number };
    if (!Array.isArray(fc.target) || fc.target.length !== fc.n * fc.n) throw new Error(`sweep observables: fc target has ${fc.target?.length} values; expected n*n = ${fc.n * fc.n}`);
    return fcObservables({ data: Float64Array.from(fc.target), n: fc.n }, { monitor: fc.monitor ?? 0, skip: fc.skip });
  }
  const kind = (spec as { kind?: unknown }).kind;
  const build = typeof kind === 'string' ? registered.get(kind) : undefined;
  if (build) return build(spec as RegisteredObservableSpec);
  throw new Error(`sweep observables: unknown kind ${JSON.stringify(kind)}; expected ${['mean', 'fc', ...registered.keys()].map((k) => `'${k}'`).join(', ')}${kind === 'experiment' ? ' (a process that runs experiment sweeps registers it: vbt worker does)' : ''}`);
}

/** The sweep id: the first 16 hex digits of the SHA-256 of its JSON (version included). */
export function sweepId(s: SweepSpec): string {
  return createHash('sha256').update(JSON.stringify(s)).digest('hex').slice(0, 16);
}
