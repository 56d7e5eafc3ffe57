/**
 * The one place the adjoint reads the run plan (src/plan). Everything else in this folder sees only
 * `AdjointSource`.
 */
import { prepareRun, type PreparedRun } from '../../plan/build.js';
import type { SimulationConfig } from '../../simulation/config.js';
import type { KernelPlan } from '../kernel/program.js';
import { syntheticConnectome } from '../../network/synthetic.js';

export type { KernelPlan, PreparedRun };

export interface AdjointSource {
  prep: PreparedRun;
  plan: KernelPlan;
  /** Integer delays in steps (N×N, row = target). */
  idelays: Int32Array;
  /** Tract lengths (N×N) and conduction speed, for interpolated delays. */
  tractLengths: Float64Array;
  speed: number;
}

/** Validate and plan a run (every error before any work), as the kernel engine does. */
export function adjointSource(cfg: SimulationConfig): AdjointSource {
  if (cfg.historyPrecision === 'float32') throw new Error("adjoint: historyPrecision 'float32' is not differentiated here; the adjoint is float64 throughout (drop historyPrecision)");
  const prep = prepareRun(cfg, () => syntheticConnectome());
  const conn = prep.conn;
  const idelays = cfg.idelays ?? conn.delays(prep.plan.dt).idelays;
  return { prep, plan: prep.plan, idelays, tractLengths: Float64Array.from(conn.tractLengths), speed: conn.speed };
}
