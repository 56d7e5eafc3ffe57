import type { HrfKernelName } from './hrf.js';

/** TVB's Bold monitor: 4 ms interim averages convolved with an HRF kernel, sampled every TR. */
export interface BoldMonitorSpec {
  name: 'Bold';
  /** Sampling period (TR) in ms; TVB's default 2000. */
  period?: number;
  voi?: number[];
  /** HRF kernel; default FirstOrderVolterra. */
  hrfKernel?: HrfKernelName;
  /** Kernel parameters overriding TVB's defaults. */
  hrfParameters?: Record<string, number>;
  /** Kernel support in ms; default 20000. */
  hrfLength?: number;
}

/** TVB's BoldRegionROI: BOLD of region-averaged activity; for region simulations the Bold monitor itself. */
export type BoldRegionRoiMonitorSpec = Omit<BoldMonitorSpec, 'name'> & { name: 'BoldRegionROI' };
