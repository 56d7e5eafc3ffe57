/** Kernel-engine code for AfferentCoupling: the coupling rows recorded as Raw (every step) or TemporalAverage records state. */
import { linearSetup, type MonitorContext, type MonitorEmit } from '../kernel.js';
import { emitEveryStep } from '../raw/kernel.js';
import { emitRunningMean } from '../temporal-average/kernel.js';
import type { AfferentCouplingMonitorSpec } from './spec.js';

export function emitAfferentCoupling(spec: AfferentCouplingMonitorSpec, id: string, ctx: MonitorContext): MonitorEmit {
  const L = linearSetup(spec, id, ctx, { coupling: true });
  return L.istep === 1 ? emitEveryStep('AfferentCoupling', L, ctx) : emitRunningMean('AfferentCoupling', L, ctx);
}
