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
