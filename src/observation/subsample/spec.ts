/** SubSample: the variables of interest every `period` ms (at s·dt when s mod istep = 0). */
export interface SubSampleMonitorSpec { name: 'SubSample'; period: number; voi?: number[] }
