/**
 * The one list of monitors: every observation model by name, with what its spec takes, its kernel
 * emitter and its tensor form. The kernel plan (`emitMonitor`), the tensor engine
 * (`createTensorMonitor`), the CLI's `--monitor`, the experiment schema and the error messages all
 * read `MONITORS`, and so does the adjoint (`adjointMonitor`).
 */
import { checkVoi, type MonitorContext, type MonitorEmit } from './kernel.js';
import type { TensorMonitor, TensorMonitorContext } from './tensor-monitor.js';
import type { RawMonitorSpec, RawVoiMonitorSpec } from './raw/spec.js';
import type { SubSampleMonitorSpec } from './subsample/spec.js';
import type { TemporalAverageMonitorSpec } from './temporal-average/spec.js';
import type { GlobalAverageMonitorSpec, SpatialAverageMonitorSpec } from './spatial-average/spec.js';
import type { AfferentCouplingMonitorSpec } from './afferent-coupling/spec.js';
import type { BoldMonitorSpec, BoldRegionRoiMonitorSpec } from './bold/spec.js';
import type { BalloonMonitorSpec } from './balloon/spec.js';
import type { SensorMonitorSpec } from './sensors/spec.js';
import { emitRaw } from './raw/kernel.js';
import { emitSubSample } from './subsample/kernel.js';
import { emitTemporalAverage } from './temporal-average/kernel.js';
import { emitSpatialAverage } from './spatial-average/kernel.js';
import { emitAfferentCoupling } from './afferent-coupling/kernel.js';
import { emitBold } from './bold/kernel.js';
import { emitBalloon } from './balloon/kernel.js';
import { emitSensorMonitor } from './sensors/kernel.js';
import { createTensorRawMonitor } from './raw/tensor.js';
import { createTensorSubSampleMonitor } from './subsample/tensor.js';
import { createTensorTemporalAverageMonitor } from './temporal-average/tensor.js';
import { createTensorBoldMonitor } from './bold/tensor.js';
import { createTensorBalloonMonitor } from './balloon/tensor.js';
import { createTensorSensorMonitor } from './sensors/tensor.js';
import { linearAdjointMonitor, voiOf, type AdjointMonitor, type MonitorGeometry } from './adjoint-monitor.js';
import { adjointBoldMonitor } from './bold/adjoint.js';
import { adjointBalloonMonitor } from './balloon/adjoint.js';

export type { RawMonitorSpec, RawVoiMonitorSpec, SubSampleMonitorSpec, TemporalAverageMonitorSpec, GlobalAverageMonitorSpec,
  SpatialAverageMonitorSpec, AfferentCouplingMonitorSpec, BoldMonitorSpec, BoldRegionRoiMonitorSpec, BalloonMonitorSpec, SensorMonitorSpec };

export type MonitorSpec =
  | RawMonitorSpec
  | SubSampleMonitorSpec
  | TemporalAverageMonitorSpec
  | GlobalAverageMonitorSpec
  | SpatialAverageMonitorSpec
  | AfferentCouplingMonitorSpec
  | BoldMonitorSpec
  | BalloonMonitorSpec
  | SensorMonitorSpec
  | RawVoiMonitorSpec
  | BoldRegionRoiMonitorSpec;

/** One observation model as the engines and the command line see it. */
export interface MonitorEntry {
  name: MonitorSpec['name'];
  /** One line for help texts and docs. */
  summary: string;
  /** Whether the spec takes a period: 'none' (every step), 'optional' (with a default), 'required'. */
  period: 'none' | 'optional' | 'required';
  /** TVB's other name for a monitor vbt runs as `aliasOf` (same numbers, the alias's name on the output). */
  aliasOf?: MonitorSpec['name'];
  /** Needs a sensors × regions gain matrix (`gain`). */
  gain?: boolean;
  /** Kernel engine: the monitor's code in the fused step (`id` names its variables). */
  emit?: (spec: never, id: string, ctx: MonitorContext) => MonitorEmit;
  /** Tensor engine form, if any. */
  tensor?: (spec: never, ctx: TensorMonitorContext) => TensorMonitor;
  /** The tensor form is fed during the transient too (monitors with memory: BOLD, sensors). */
  warm?: boolean;
  /** Adjoint (reverse-mode) form, if any; `voi` is already checked. */
  adjoint?: (spec: never, g: MonitorGeometry, voi: number[]) => AdjointMonitor;
}

/** Kernel-engine emitters of the models that check their variables of interest before anything else. */
const withVoi = <S extends { name: string; voi?: number[] }>(f: (spec: S, id: string, voi: number[], ctx: MonitorContext) => MonitorEmit) =>
  (spec: S, id: string, ctx: MonitorContext) => f(spec, id, checkVoi(spec.voi, ctx.nvoi, 'variables of interest', spec.name), ctx);

const sensors = (name: 'EEG' | 'MEG' | 'iEEG', what: string): MonitorEntry => ({
  name, summary: `${what}: the period's mean projected through a gain (sensors × regions), optionally re-referenced`,
  period: 'required', gain: true, emit: withVoi(emitSensorMonitor), tensor: createTensorSensorMonitor, warm: true,
});

export const MONITORS: readonly MonitorEntry[] = [
  { name: 'Raw', summary: 'every step, the variables of interest', period: 'none', emit: emitRaw, tensor: createTensorRawMonitor, adjoint: linearAdjointMonitor },
  { name: 'SubSample', summary: 'the variables of interest every period', period: 'required', emit: emitSubSample, tensor: createTensorSubSampleMonitor, adjoint: linearAdjointMonitor },
  { name: 'TemporalAverage', summary: 'the mean over each period', period: 'required', emit: emitTemporalAverage, tensor: createTensorTemporalAverageMonitor, adjoint: linearAdjointMonitor },
  { name: 'GlobalAverage', summary: 'the mean over all nodes every period', period: 'required', emit: emitSpatialAverage },
  { name: 'SpatialAverage', summary: 'the mean over each area of a mask (default: cortical/subcortical) every period', period: 'required', emit: emitSpatialAverage },
  { name: 'AfferentCoupling', summary: 'the coupling each step receives, every step or averaged over the period', period: 'optional', emit: emitAfferentCoupling },
  { name: 'Bold', summary: "TVB's Bold: 4 ms averages through an HRF kernel, every TR (default 2000 ms)", period: 'optional', emit: withVoi(emitBold), tensor: createTensorBoldMonitor, warm: true, adjoint: adjointBoldMonitor },
  { name: 'BalloonWindkessel', summary: 'the Balloon–Windkessel haemodynamic ODE, every TR (default 2000 ms)', period: 'optional', emit: withVoi(emitBalloon), tensor: createTensorBalloonMonitor, warm: true, adjoint: adjointBalloonMonitor },
  sensors('EEG', 'EEG'),
  sensors('MEG', 'MEG'),
  sensors('iEEG', 'intracranial EEG'),
  { name: 'RawVoi', summary: "TVB's RawVoi: Raw under TVB's name", period: 'none', aliasOf: 'Raw' },
  { name: 'BoldRegionROI', summary: "TVB's BoldRegionROI: Bold of region activity (a region run's Bold)", period: 'optional', aliasOf: 'Bold' },
];

/** Every monitor name, TVB's aliases included. */
export const MONITOR_NAMES: readonly MonitorSpec['name'][] = MONITORS.map((m) => m.name);

/** The registry entry for a name (exact spelling), or undefined. */
export function monitorEntry(name: string): MonitorEntry | undefined {
  return MONITORS.find((m) => m.name === name);
}

function entryOf(name: string, engine: string): MonitorEntry {
  const e = monitorEntry(name);
  if (!e) throw new Error(`unknown monitor '${name}'; expected one of: ${MONITOR_NAMES.join(', ')}${engine}`);
  return e.aliasOf ? monitorEntry(e.aliasOf)! : e;
}

/** The kernel engine's code for monitor number k. */
export function emitMonitor(spec: MonitorSpec, k: number, ctx: MonitorContext): MonitorEmit {
  const e = entryOf(spec.name, '');
  const out = e.emit!({ ...spec, name: e.name } as never, `mon${k}`, ctx);
  return out.name === spec.name ? out : { ...out, name: spec.name };
}

/** Names with a tensor-engine form (aliases included). */
export const TENSOR_MONITOR_NAMES: readonly string[] = MONITORS.filter((m) => (m.aliasOf ? monitorEntry(m.aliasOf)! : m).tensor).map((m) => m.name);

/**
 * The tensor engine's monitor for a spec.
 *
 * @example
 * ```ts
 * import { createTensorMonitor } from 'vbt/internals';
 * const m = createTensorMonitor({ name: 'TemporalAverage', period: 1 }, { dt: 0.1, sFirst: 10, sLast: 109, nvoi: 2, N: 4, M: 1 });
 * m.time.length; // 10 samples, at 10.5, 11.5, ... ms
 * ```
 */
export function createTensorMonitor(spec: MonitorSpec, ctx: TensorMonitorContext): TensorMonitor {
  const e = entryOf(spec.name, ' (tensor engine)');
  if (!e.tensor) throw new Error(`tensor engine: monitor '${spec.name}' is not supported; expected one of: ${TENSOR_MONITOR_NAMES.join(', ')}`);
  const m = e.tensor({ ...spec, name: e.name } as never, ctx);
  const named = m.name === spec.name ? m : { ...m, name: spec.name };
  return e.warm ? { ...named, warm: true } : named;
}

/**
 * The tensor-engine monitor for an observation MonitorSpec (Bold, BalloonWindkessel, EEG, MEG,
 * iEEG: the monitors with memory), or undefined for other names.
 *
 * @example
 * ```ts
 * import { createTensorMonitor, tensorObservationMonitor } from 'vbt/internals';
 * const ctx = { dt: 0.1, sFirst: 0, sLast: 14399, nvoi: 1, N: 4, M: 1 }; // recorded steps, variables, nodes, modes
 * const spec = { name: 'TemporalAverage', period: 1 };
 * const mon = tensorObservationMonitor({ name: 'Bold', period: 720 }, ctx) ?? createTensorMonitor(spec, ctx);
 * ```
 */
export function tensorObservationMonitor(spec: { name: string } & Record<string, unknown>, ctx: TensorMonitorContext): TensorMonitor | undefined {
  const e = monitorEntry(spec.name);
  if (!e || e.aliasOf || !e.warm || !e.tensor) return undefined;
  return e.tensor(spec as never, ctx);
}

/** Names with an adjoint form (TVB's aliases are not differentiated under their own names). */
export const ADJOINT_MONITORS: readonly string[] = MONITORS.filter((m) => !m.aliasOf && m.adjoint).map((m) => m.name);

/** The adjoint's monitor for a spec: records what the kernel engine's monitor records, and its cotangents. */
export function adjointMonitor(spec: MonitorSpec, g: MonitorGeometry): AdjointMonitor {
  const e = monitorEntry(spec.name);
  if (!e || e.aliasOf || !e.adjoint) throw new Error(`adjoint: monitor '${spec.name}' is not differentiated; expected one of: ${ADJOINT_MONITORS.join(', ')}`);
  return e.adjoint(spec as never, g, voiOf(spec as { voi?: number[] }, g.nvoi, spec.name));
}
