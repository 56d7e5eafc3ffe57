import type { GainMatrix } from './gain.js';
import type { Reference } from './projection.js';

/** EEG/MEG/iEEG: the observation averaged over each period and projected through a gain matrix. */
export interface SensorMonitorSpec {
  name: 'EEG' | 'MEG' | 'iEEG';
  /** Averaging/sampling period (ms). */
  period: number;
  voi?: number[];
  /** Sensors × regions gain (e.g. from eegGainSphere / surfaceRegionGain / userGain), or rows. */
  gain: GainMatrix | number[][];
  /** Re-referencing applied to the gain: 'average', a sensor index or label. */
  reference?: Reference;
}
