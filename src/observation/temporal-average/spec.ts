/** TemporalAverage: the mean of the last `period` ms of the variables of interest, at the window's middle. */
export interface TemporalAverageMonitorSpec { name: 'TemporalAverage'; period: number; voi?: number[] }
