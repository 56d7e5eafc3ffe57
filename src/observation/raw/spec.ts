/** Raw: every step, the variables of interest (indices into the model's). */
export interface RawMonitorSpec { name: 'Raw'; voi?: number[] }

/** TVB's RawVoi: every step, the variables of interest (what vbt's Raw records). */
export interface RawVoiMonitorSpec { name: 'RawVoi'; voi?: number[] }
