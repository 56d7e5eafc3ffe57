/** Raw in the tensor engine: every recorded step is a sample [B, V, N, M]. */
import { checkVoi } from '../kernel.js';
import { batchMajor, blockVoi, selectVoi, type TensorMonitor, type TensorMonitorContext } from '../tensor-monitor.js';
import type { RawMonitorSpec } from './spec.js';

export function createTensorRawMonitor(spec: RawMonitorSpec, ctx: TensorMonitorContext): TensorMonitor {
  const { dt, sFirst, sLast, nvoi, N, M } = ctx;
  const voi = checkVoi(spec.voi, nvoi, 'variables of interest', spec.name);
  const time = Float64Array.from({ length: sLast - sFirst + 1 }, (_, k) => (sFirst + k) * dt);
  return {
    name: 'Raw', time, period: dt, voi, sampleShape: [voi.length, N, M],
    initial: () => [],
    record: (_s, obs) => ({ carry: [], sample: selectVoi(obs(), voi, nvoi) }),
    recordBlock: (_s0, obs) => ({ carry: [], samples: batchMajor(blockVoi(obs, voi, nvoi)) }),
  };
}
