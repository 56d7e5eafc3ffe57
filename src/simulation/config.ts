/** What a user asks for: the declarative description of one (possibly batched) simulation. */
import type { ModelSpec } from '../models/spec.js';
import type { CouplingSpec } from '../coupling/catalogue.js';
import type { Connectivity } from '../network/connectivity.js';
import type { MonitorSpec } from '../observation/registry.js';
import type { ParamValue } from '../engine/params.js';

export type IntegratorName = 'Euler' | 'Heun' | 'RK4';

export interface NoiseConfig {
  /** Additive: g = sqrt(2·nsig); multiplicative: g = sqrt(2·nsig)·(a·x + b). */
  kind?: 'additive' | 'multiplicative';
  /** TVB's noise dispersion D: one value, one per state variable, or per state variable × node. */
  nsig: number | ArrayLike<number>;
  /** Coloured-noise correlation time (ms); 0 = white. */
  ntau?: number;
  /** Seed of the numpy-compatible generator (TVB's default is 42); batch element b uses seed + b. */
  seed?: number;
  /** Multiplicative noise's linear scaling of the state, b(x) = a·x + b (TVB default a=1, b=0). */
  a?: number;
  b?: number;
  /** State variables that receive noise (their normals are drawn, in this order of rows); default all (TVB). */
  variables?: string[];
}

export interface IntegratorConfig {
  name?: IntegratorName;
  /** Step in ms (TVB default 2^-6 is tiny; most studies use 0.1 or a power of two). */
  dt: number;
  noise?: NoiseConfig;
}

export interface StimulusConfig {
  /** Per-node spatial weights (length N). */
  weights: ArrayLike<number>;
  /** A temporal equation from the equations catalogue, or an expression of t (ms). */
  temporal: { equation: string; parameters?: Record<string, number> } | { expression: string };
  /** State variables it is added to; default: the model's `stvar` (or `cvar`). */
  variables?: string[];
}

export interface InitialConditions {
  /** Full history (horizon, nsv, N, M) — as TVB's initial_conditions — or a single state (nsv, N, M) held constant. */
  history?: ArrayLike<number>;
  /** Otherwise: random per history step, uniform within each state variable's range, from this seed. */
  seed?: number;
  /**
   * Surface runs: the current state at every node (nsv, nodes, modes); `history` is then the
   * region-level delay history (horizon, nsv, regions, modes) or a single region state held constant.
   */
  state?: ArrayLike<number>;
}

export interface SimulationConfig {
  /** Catalogue name, path to a YAML model, or a spec object. */
  model: string | ModelSpec;
  /** Model parameter overrides: a number or one value per node. */
  parameters?: Record<string, ParamValue>;
  /**
   * Model parameters laid out per node even when all values are equal, so that a program kept
   * across runs can be given new per-node values in place (FIC's J_i).
   */
  perNode?: string[];
  /** Default: the built-in synthetic connectome (clearly labelled as such). */
  connectivity?: Connectivity;
  /** Not for models with `projections` (they declare their own inputs). */
  coupling?: string | CouplingSpec;
  /**
   * Per-edge parameters of a model with projections (e.g. ReducedWongWangEIB's wLRE, wFFI): N×N
   * values, row = target, as Connectivity.weights; a number sets every edge.
   */
  edgeParameters?: Record<string, number | ArrayLike<number>>;
  couplingParameters?: Record<string, ParamValue>;
  integrator: IntegratorConfig;
  /** Simulated length in ms; rounded up to whole steps as TVB does (ceil(duration/dt)). */
  duration: number;
  /** Simulated first and discarded (ms); monitors record only afterwards. */
  transient?: number;
  monitors?: MonitorSpec[];
  /** Replace the model's variables of interest (names or expressions). */
  variablesOfInterest?: string[];
  initialConditions?: InitialConditions;
  stimulus?: StimulusConfig;
  /**
   * Batch (vmap-style): per-batch values for any parameter; model parameters by name (or
   * `model.NAME`), coupling parameters as `coupling.NAME`. Every entry has one item per batch
   * element; an item is a number or one value per node.
   */
  batch?: Record<string, ArrayLike<ParamValue>>;
  /** Use these integer delays instead of computing them from tract lengths (n*n). */
  idelays?: Int32Array;
  /** 'float32' stores the delay history and weights in float32 as TVB does; default 'float64'. */
  /**
   * Kernel-engine code for the hot loops: 'wasm' (default) runs the model step and the delayed
   * coupling as generated WebAssembly SIMD wherever the model's expressions allow it, else JS;
   * 'js' always uses the generated JavaScript. VBT_KERNEL=js sets the default. Results agree to
   * float64 rounding.
   */
  kernel?: 'wasm' | 'js';
  historyPrecision?: 'float32' | 'float64';
  /** Worker threads for batched runs (default: all cores when the batch is larger than 1). */
  threads?: number;
  /**
   * Count the writer's copy of the outputs in the memory estimate (the CLI sets it when --out is
   * given). Runs whose estimate exceeds the budget (VBT_MEMORY_LIMIT, default 80 % of RAM) are
   * refused before they start.
   */
  reserveForWriting?: boolean;
  /** Memory budget in bytes for the pre-run estimate (default VBT_MEMORY_LIMIT or 80 % of RAM). */
  memoryBudget?: number;
  /** Progress callback (done, total) in steps. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Cortical surface run (src/surface): a neural mass at every vertex of this mesh (TVB surface ZIP
   * path or a Surface), long-range coupling between the regions of `connectivity` through
   * `regionMapping`, short-range coupling through `localConnectivity` scaled by `localCoupling`.
   */
  surface?: string | import('../network/surface.js').Surface;
  /** One region index per vertex (TVB region-mapping text file path or the array). */
  regionMapping?: string | ArrayLike<number>;
  /** TVB's sparse local-connectivity matrix (.mat path or CSR), or computed from the mesh (geodesic kernel). */
  localConnectivity?: string | import('../surface/sparse.js').CsrMatrix | import('../surface/local-connectivity.js').LocalConnectivitySpec;
  /** TVB's Cortex.coupling_strength: one value, or one per vertex. Default 1 when a local connectivity is given. */
  localCoupling?: number | ArrayLike<number>;
}

// Every key each part of a config may have. Records over `keyof` make the compiler hold these lists to the
// interfaces above: a key added there and not here (or the reverse) does not compile.
const CONFIG_KEYS: Record<keyof SimulationConfig, true> = {
  model: true, parameters: true, perNode: true, connectivity: true, coupling: true, edgeParameters: true, couplingParameters: true,
  integrator: true, duration: true, transient: true, monitors: true, variablesOfInterest: true, initialConditions: true, stimulus: true,
  batch: true, idelays: true, kernel: true, historyPrecision: true, threads: true, reserveForWriting: true, memoryBudget: true,
  onProgress: true, surface: true, regionMapping: true, localConnectivity: true, localCoupling: true,
};
const INTEGRATOR_KEYS: Record<keyof IntegratorConfig, true> = { name: true, dt: true, noise: true };
const NOISE_KEYS: Record<keyof NoiseConfig, true> = { kind: true, nsig: true, ntau: true, seed: true, a: true, b: true, variables: true };
const INITIAL_KEYS: Record<keyof InitialConditions, true> = { history: true, seed: true, state: true };
const STIMULUS_KEYS: Record<keyof StimulusConfig, true> = { weights: true, temporal: true, variables: true };

/** Levenshtein distance, for suggesting the key a typo meant. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The valid names closest to `name` (case-insensitive edit distance up to a third of the longer name, at least 2;
 * or one containing the other, both at least 3 letters), nearest first.
 *
 * @example
 * ```ts
 * import { closeNames } from 'vbt/internals';
 * closeNames('trasient', ['transient', 'duration', 'threads']); // ['transient']
 * ```
 */
export function closeNames(name: string, valid: readonly string[], max = 3): string[] {
  const n = name.toLowerCase();
  return valid
    .map((v) => {
      const l = v.toLowerCase();
      const d = editDistance(n, l);
      const near = d <= Math.max(2, Math.floor(Math.max(n.length, l.length) / 3)) || (Math.min(n.length, l.length) >= 3 && (l.includes(n) || n.includes(l)));
      return { v, d: near ? d : Infinity };
    })
    .filter((x) => x.d < Infinity)
    .sort((a, b) => a.d - b.d || a.v.localeCompare(b.v))
    .slice(0, max)
    .map((x) => x.v);
}

/** "unknown key 'x' in where; did you mean 'y'? valid keys: …" */
export function unknownKeyMessage(key: string, where: string, valid: readonly string[]): string {
  const near = closeNames(key, valid);
  return `${where}: unknown key '${key}'${near.length ? `; did you mean ${near.map((k) => `'${k}'`).join(' or ')}?` : ''} (valid keys: ${[...valid].sort().join(', ')})`;
}

function checkKeys(obj: unknown, where: string, valid: Record<string, true>): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return; // shapes are checked where the values are used
  const names = Object.keys(valid);
  for (const k of Object.keys(obj)) if (!Object.prototype.hasOwnProperty.call(valid, k)) throw new Error(unknownKeyMessage(k, where, names));
}

/**
 * Refuse keys a SimulationConfig does not have (at the top level and in integrator, integrator.noise,
 * initialConditions and stimulus): a misspelt `transient` or `nsig` would otherwise be ignored and the run made
 * with the default. The error names the key, where it is, the close valid keys and all valid keys.
 *
 * @example
 * ```ts
 * import { checkConfigKeys } from 'vbt';
 * checkConfigKeys({ model: 'JansenRit', integrator: { dt: 0.1 }, duration: 10 }); // fine
 * try { checkConfigKeys({ model: 'JansenRit', integrator: { dt: 0.1 }, duration: 10, trasient: 5 } as never); }
 * catch (e) { (e as Error).message; } // "config: unknown key 'trasient'; did you mean 'transient'? (valid keys: …)"
 * ```
 */
export function checkConfigKeys(cfg: SimulationConfig, where = 'config'): void {
  if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) throw new Error(`${where}: expected an object with model, integrator and duration, got ${cfg === null ? 'null' : Array.isArray(cfg) ? 'an array' : typeof cfg}`);
  // nested fields are named as the other config errors name them (integrator.dt: …)
  const at = (field: string) => (where === 'config' ? field : `${where}.${field}`);
  checkKeys(cfg, where, CONFIG_KEYS);
  checkKeys(cfg.integrator, at('integrator'), INTEGRATOR_KEYS);
  checkKeys(cfg.integrator?.noise, at('integrator.noise'), NOISE_KEYS);
  checkKeys(cfg.initialConditions, at('initialConditions'), INITIAL_KEYS);
  checkKeys(cfg.stimulus, at('stimulus'), STIMULUS_KEYS);
}
