/**
 * The run plan: everything a back end needs to generate and run one (possibly batched) simulation,
 * resolved once from a SimulationConfig and free of any back end's code. The JS and WebAssembly
 * kernels lower it; so will the adjoint.
 */
import type { Expr } from '../expr/index.js';
import type { ModelSpec } from '../models/spec.js';
import type { ParsedModel } from '../models/check.js';
import type { CouplingSpec } from '../coupling/catalogue.js';
import type { ResolvedParam } from '../engine/params.js';
import type { MonitorEmit } from '../observation/kernel.js';
import type { MonitorSpec } from '../observation/registry.js';
import type { CouplingClass } from './coupling.js';
import type { IntegratorPlan, IntegratorScheme } from './integrator.js';
import type { ResolvedSymbol } from './symbols.js';

export interface NoisePlan {
  kind: 'additive' | 'multiplicative';
  /** sqrt(2·nsig) per state variable and node: nsv*N values. */
  gain: Float64Array;
  /** TVB's colouring time constant; 0 = white noise. */
  ntau: number;
  /** Multiplicative noise scales by (a·x + b) evaluated at the step's start. */
  multA?: number;
  multB?: number;
  seed: number;
  /** State-variable rows that draw normals, in order; absent = every row (TVB). */
  rows?: number[];
}

/** The temporal profile of a region stimulus, as data: an expression of t (ms) or a catalogue equation. */
export type StimulusTemporal = { expression: Expr } | { equation: string; parameters: Record<string, number> };

export interface StimulusPlan {
  temporal: StimulusTemporal;
  weights: Float64Array;
  /** Stimulated state-variable rows. */
  variables: number[];
  /** JS lowering of `temporal` (an expression of `t`), kept for code that reads it. */
  temporalJs: string;
  /** Program-scope declarations temporalJs needs. */
  temporalDecl?: string;
}

/** One long-range input c_k of a projection model. */
export interface ProjectionPlan {
  /** Expression of the source node's state variables (names as in the model). */
  source: Expr;
  /** Per-link transform of the delayed source value x_j. */
  pre: Expr;
  /** Transform of the weighted sum gx at the target (reads model parameters). */
  post: Expr;
  /** Edge parameter scaling the structural weights, if any. */
  weights?: string;
}

export interface RunPlan {
  N: number;
  M: number;
  dt: number;
  /** History length in steps (max delay + 1). */
  H: number;
  spec: ModelSpec;
  parsed: ParsedModel;
  /** Every name the model reads, with its kind and layout. */
  symbols: Record<string, ResolvedSymbol>;
  /** Model parameters and derived parameters. */
  modelParams: Record<string, ResolvedParam>;
  coupling: CouplingSpec;
  couplingParams: Record<string, ResolvedParam>;
  /** The coupling, classified once from its free symbols (absent for projection models). */
  couplingClass?: CouplingClass;
  /** Projection models: one entry per coupling input c_k, replacing `coupling`. */
  projections?: ProjectionPlan[];
  /** Per-edge parameters, N×N row = target. */
  edgeParams?: Record<string, Float64Array>;
  /** The stepping rule as a tableau. */
  integrator: IntegratorPlan;
  /** = integrator.scheme (kept for code that reads it). */
  scheme: IntegratorScheme;
  /** [lo, hi] per state variable or null (±Infinity for open sides). */
  boundaries: ([number, number] | null)[];
  noise?: NoisePlan;
  stimulus?: StimulusPlan;
  /** The monitors as asked for. */
  monitorSpecs: MonitorSpec[];
  /** Their JS lowering for the kernel program. */
  monitors: MonitorEmit[];
  historyPrecision: 'float32' | 'float64';
  /** 'wasm' (default): the step, coupling pre-transform and gather run as generated WebAssembly SIMD where the model allows; 'js': never. */
  kernel?: 'wasm' | 'js';
}
