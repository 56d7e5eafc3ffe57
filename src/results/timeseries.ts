/**
 * A region (or generic) time series in TVB's layout: data (time × state variable × region × mode),
 * TVB's `labels_ordering` / `labels_dimensions`, sample period and unit, start time, units, and an
 * optional link to the network it was simulated on. Mirrors TVB/tvbo's TimeSeries so files can be
 * exchanged without re-labelling.
 *
 * @example
 * ```ts
 * import { TimeSeries } from 'vbt';
 * const ts = new TimeSeries({
 *   data: new Float64Array(6), shape: [3, 1, 2, 1], samplePeriod: 1,
 *   variables: ['V'], regions: ['rA1', 'lA1'],
 * });
 * ts.sampleRate;                          // 1000 (Hz)
 * ts.sel({ region: 'lA1' }).shape;        // [3, 1, 1]
 * ```
 */
import type { Connectivity } from '../network/connectivity.js';
import { LabeledArray, type ISelector, type Selector } from './labeled.js';
import { periodogram, dominantFrequency as spectrumPeak, normalisedAveragePower as napOf } from '../analysis/spectra.js';
import { exportBids, type BidsOptions } from '../io/bids.js';
import { unitFactor } from './units.js';
import { resultFigures, type ResultPlotSpec as PlotSpec, type TimeSeriesAnimateOptions, type TimeSeriesPlotOptions } from './extensions.js';

export type TimeUnit = 'ms' | 's' | 'us';
const TIME_SCALE: Record<TimeUnit, number> = { s: 1, ms: 1e-3, us: 1e-6 };
const UNIT_ALIASES: Record<string, TimeUnit> = { s: 's', sec: 's', ms: 'ms', msec: 'ms', us: 'us', usec: 'us' };

/** TVB's sample_period_unit spellings → a canonical unit (error for anything else). */
export function parseTimeUnit(u: string): TimeUnit {
  const c = UNIT_ALIASES[u.trim().toLowerCase()];
  if (!c) throw new Error(`time unit '${u}' not recognised; expected one of s, sec, ms, msec, us, usec`);
  return c;
}

export const REGION_LABELS_ORDERING = ['Time', 'State Variable', 'Region', 'Mode'] as const;

export interface TimeSeriesInit {
  /** Flat C-order (time, variable, region, mode). */
  data: Float64Array;
  shape: [number, number, number, number];
  /** Sample times; default startTime + k·samplePeriod. */
  time?: Float64Array;
  samplePeriod: number;
  samplePeriodUnit?: string;
  startTime?: number;
  variables?: string[];
  regions?: string[];
  labelsOrdering?: string[];
  title?: string;
  /** Units of the time axis and of the values (one for all, or per variable). */
  units?: { time?: string; data?: string | Record<string, string> };
  network?: Connectivity;
  /** TVB GID this series is stored under, when it came from (or went to) a TVB file. */
  gid?: string;
}

export class TimeSeries {
  readonly data: Float64Array;
  readonly shape: [number, number, number, number];
  readonly time: Float64Array;
  readonly samplePeriod: number;
  readonly samplePeriodUnit: TimeUnit;
  readonly startTime: number;
  readonly labelsOrdering: string[];
  /** TVB's labels_dimensions: labels per named dimension (State Variable, Region). */
  readonly labelsDimensions: Record<string, string[]>;
  readonly title: string;
  readonly units: { time: string; data: string | Record<string, string> };
  readonly network?: Connectivity;
  gid?: string;

  constructor(init: TimeSeriesInit) {
    const [T, V, N, M] = init.shape;
    if (!init.shape.every((s) => Number.isInteger(s) && s >= 0) || init.shape.length !== 4) {
      throw new Error(`TimeSeries: shape must be 4 non-negative integers (time, variable, region, mode), got [${init.shape.join(', ')}]`);
    }
    if (init.data.length !== T * V * N * M) throw new Error(`TimeSeries: data has ${init.data.length} values but shape [${init.shape.join(', ')}] needs ${T * V * N * M}`);
    if (!(init.samplePeriod > 0)) throw new Error(`TimeSeries: samplePeriod must be > 0, got ${init.samplePeriod}`);
    this.data = init.data;
    this.shape = [T, V, N, M];
    this.samplePeriod = init.samplePeriod;
    this.samplePeriodUnit = parseTimeUnit(init.samplePeriodUnit ?? 'ms');
    this.startTime = init.startTime ?? (init.time && init.time.length ? init.time[0] : 0);
    this.time = init.time ?? Float64Array.from({ length: T }, (_, k) => this.startTime + k * this.samplePeriod);
    if (this.time.length !== T) throw new Error(`TimeSeries: time has ${this.time.length} values, data has ${T} time points`);
    this.labelsOrdering = init.labelsOrdering ? [...init.labelsOrdering] : [...REGION_LABELS_ORDERING];
    if (this.labelsOrdering.length !== 4) throw new Error(`TimeSeries: labelsOrdering needs 4 names, got ${JSON.stringify(this.labelsOrdering)}`);
    const variables = init.variables ?? Array.from({ length: V }, (_, k) => `v${k}`);
    const regions = init.regions ?? init.network?.labels ?? Array.from({ length: N }, (_, k) => `region_${String(k).padStart(3, '0')}`);
    if (variables.length !== V) throw new Error(`TimeSeries: ${variables.length} variable names for ${V} variables`);
    if (regions.length !== N) throw new Error(`TimeSeries: ${regions.length} region labels for ${N} regions`);
    if (init.network && init.network.n !== N) throw new Error(`TimeSeries: network has ${init.network.n} nodes, data has ${N} regions`);
    this.labelsDimensions = { [this.labelsOrdering[1]]: [...variables], [this.labelsOrdering[2]]: [...regions] };
    this.title = init.title ?? '';
    this.units = { time: init.units?.time ?? this.samplePeriodUnit, data: init.units?.data ?? 'a.u.' };
    this.network = init.network;
    this.gid = init.gid;
  }

  get variables(): string[] {
    return this.labelsDimensions[this.labelsOrdering[1]];
  }

  get regions(): string[] {
    return this.labelsDimensions[this.labelsOrdering[2]];
  }

  /** Samples per second (Hz), whatever the period unit. */
  get sampleRate(): number {
    return 1 / (this.samplePeriod * TIME_SCALE[this.samplePeriodUnit]);
  }

  /** Labelled view with dims time, variable, region, mode. */
  toLabeled(): LabeledArray {
    const [, , , M] = this.shape;
    return new LabeledArray(this.data, ['time', 'variable', 'region', 'mode'], {
      time: Array.from(this.time),
      variable: this.variables,
      region: this.regions,
      mode: Array.from({ length: M }, (_, k) => k),
    }, { units: typeof this.units.data === 'string' ? this.units.data : JSON.stringify(this.units.data) });
  }

  sel(s: Record<string, Selector>): LabeledArray {
    return this.toLabeled().sel(s);
  }

  isel(s: Record<string, ISelector>): LabeledArray {
    return this.toLabeled().isel(s);
  }

  /** A new TimeSeries restricted by label/index selections, keeping all four axes. */
  subset(s: { variables?: (string | number)[]; regions?: (string | number)[]; time?: { from?: number; to?: number } }): TimeSeries {
    const idx = (names: string[], want: (string | number)[] | undefined, what: string) =>
      want?.map((w) => {
        const k = typeof w === 'number' ? w : names.indexOf(w);
        if (k < 0 || k >= names.length) throw new Error(`TimeSeries.subset: no ${what} ${JSON.stringify(w)} (have ${names.join(', ')})`);
        return k;
      });
    const sel: Record<string, ISelector> = {};
    const v = idx(this.variables, s.variables, 'variable');
    const r = idx(this.regions, s.regions, 'region');
    if (v) sel.variable = v;
    if (r) sel.region = r;
    let a = this.toLabeled().isel(sel);
    if (s.time) a = a.sel({ time: s.time });
    const time = Float64Array.from(a.coords.time as number[]);
    return this.duplicate({
      data: a.data,
      shape: a.shape as [number, number, number, number],
      time,
      startTime: time.length ? time[0] : this.startTime,
      variables: a.coords.variable as string[],
      regions: a.coords.region as string[],
      network: r ? undefined : this.network,
    });
  }

  /** Values of one state variable: (time, region, mode). */
  getStateVariable(name: string): LabeledArray {
    return this.sel({ variable: name });
  }

  /** Deep copy. */
  copy(): TimeSeries {
    return this.duplicate({ data: Float64Array.from(this.data), time: Float64Array.from(this.time) });
  }

  /** Same metadata with some fields replaced (TVB's `duplicate`). */
  duplicate(over: Partial<TimeSeriesInit> = {}): TimeSeries {
    return new TimeSeries({
      data: this.data,
      shape: this.shape,
      time: this.time,
      samplePeriod: this.samplePeriod,
      samplePeriodUnit: this.samplePeriodUnit,
      startTime: this.startTime,
      variables: this.variables,
      regions: this.regions,
      labelsOrdering: this.labelsOrdering,
      title: this.title,
      units: this.units,
      network: this.network,
      gid: this.gid,
      ...over,
    });
  }

  /** Sample period in ms, whatever the stored unit (tvbo's sample_period_ms). */
  get samplePeriodMs(): number {
    return (this.samplePeriod * TIME_SCALE[this.samplePeriodUnit]) / TIME_SCALE.ms;
  }

  /** The unit of one variable's values. */
  unitOf(variable: string): string {
    return typeof this.units.data === 'string' ? this.units.data : this.units.data[variable] ?? 'a.u.';
  }

  /**
   * Express the time axis and/or state variables in other units (tvbo's convert_units): `time`
   * converts times and the sample period; `state` converts values — one unit for every variable,
   * or per variable — using the unit table (mV ↔ µV ↔ V, nA ↔ pA, Hz ↔ kHz, ...). A variable
   * whose current unit is unknown or of another dimension is an error.
   */
  convertUnits(to: { time?: string; state?: string | Record<string, string> }): TimeSeries {
    let out: TimeSeries = this.copy();
    if (to.time) {
      const unit = parseTimeUnit(to.time);
      const f = TIME_SCALE[this.samplePeriodUnit] / TIME_SCALE[unit];
      out = out.duplicate({ time: out.time.map((t) => t * f), samplePeriod: this.samplePeriod * f, startTime: this.startTime * f, samplePeriodUnit: unit, units: { ...out.units, time: unit } });
    }
    if (to.state !== undefined) {
      const [T, V, N, M] = this.shape;
      const want = typeof to.state === 'string' ? Object.fromEntries(this.variables.map((v) => [v, to.state as string])) : to.state;
      const units: Record<string, string> = Object.fromEntries(this.variables.map((v) => [v, this.unitOf(v)]));
      const data = Float64Array.from(out.data);
      for (const [name, unit] of Object.entries(want)) {
        const v = this.variables.indexOf(name);
        if (v < 0) throw new Error(`convertUnits: no state variable '${name}' (have ${this.variables.join(', ')})`);
        const f = unitFactor(units[name], unit, `convertUnits ${name}`);
        for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) data[((t * V + v) * N + n) * M + m] *= f;
        units[name] = unit;
      }
      out = out.duplicate({ data, units: { ...out.units, data: units } });
    }
    return out;
  }

  /**
   * Dominant frequency (Hz) of one state variable (default the first), one region or all, one mode
   * (tvbo's calculate_frequency(state_variable, region, mode)); a number for one region, else one
   * value per region.
   */
  calculateFrequency(stateVariable?: string | number, region?: string | number, mode = 0): number | Float64Array {
    const v = this.indexOf(this.variables, stateVariable ?? 0, 'state variable');
    const M = this.shape[3];
    if (!(Number.isInteger(mode) && mode >= 0 && mode < M)) throw new Error(`calculateFrequency: mode ${mode} out of range 0..${M - 1}`);
    const f = spectrumPeak(periodogram(this.channels(v, mode), this.sampleRate));
    if (region === undefined) return f;
    return f[this.indexOf(this.regions, region, 'region')];
  }

  /**
   * Normalised average power spectrum of the given variables of interest (default all), as
   * normalisedAveragePower restricted to them (tvbo's compute_normalised_average_power(VOI)).
   */
  computeNormalisedAveragePower(voi?: (string | number)[]): LabeledArray {
    if (!voi) return this.normalisedAveragePower();
    const idx = voi.map((x) => this.indexOf(this.variables, x, 'variable of interest'));
    return this.subset({ variables: idx }).normalisedAveragePower();
  }

  private indexOf(names: string[], x: string | number, what: string): number {
    const k = typeof x === 'number' ? x : names.indexOf(x);
    if (!(Number.isInteger(k) && k >= 0 && k < names.length)) throw new Error(`${what} '${x}' not found (have ${names.join(', ')})`);
    return k;
  }

  /** A figure: 'timeseries' (default), 'channels', 'heatmap', 'spectrum', 'phase'. */
  async plot(opts: TimeSeriesPlotOptions = {}): Promise<PlotSpec> {
    return (await resultFigures('TimeSeries.plot')).timeSeriesPlot(this, opts);
  }

  /** One (variable, mode) as a [T, N] series for the analyzers. */
  series(variable: string | number = 0, mode = 0): { data: Float64Array; t: number; n: number } {
    const v = this.indexOf(this.variables, variable, 'variable');
    const [T, , N, M] = this.shape;
    if (!(Number.isInteger(mode) && mode >= 0 && mode < M)) throw new Error(`mode ${mode} out of range 0..${M - 1}`);
    const data = new Float64Array(T * N);
    this.channels(v, mode).forEach((row, t) => data.set(row, t * N));
    return { data, t: T, n: N };
  }

  /** TVB's PCA of one variable and mode: weights (component × node) and variance fractions. */
  async pca(o: { variable?: string | number; mode?: number } = {}) {
    return (await import('../analysis/decomposition.js')).pca(this.series(o.variable, o.mode));
  }

  /** FastICA of one variable and mode (TVB's ICA analyzer). */
  async ica(o: { variable?: string | number; mode?: number } & import('../analysis/decomposition.js').IcaOptions = {}) {
    return (await import('../analysis/decomposition.js')).fastIca(this.series(o.variable, o.mode), o);
  }

  /** Morlet continuous wavelet transform with TVB's parameters (frequencies in kHz). */
  async wavelet(o: { variable?: string | number; mode?: number } & import('../analysis/wavelet.js').WaveletOptions = {}) {
    return (await import('../analysis/wavelet.js')).continuousWavelet(this.series(o.variable, o.mode), this.samplePeriodMs, o);
  }

  /** Normalised cross-correlation between nodes for lags −maxLag … maxLag (samples). */
  async crossCorrelation(o: { variable?: string | number; mode?: number; maxLag?: number } = {}) {
    return (await import('../analysis/correlation.js')).crossCorrelation(this.series(o.variable, o.mode), o);
  }

  /** Node covariance (TVB's NodeCovariance). */
  async covariance(o: { variable?: string | number; mode?: number } = {}) {
    return (await import('../analysis/correlation.js')).covariance(this.series(o.variable, o.mode));
  }

  /** Coherence spectra between nodes, Welch cross-spectra with segments of `nfft` (TVB's NodeCoherence parameter). */
  async coherence(o: { variable?: string | number; mode?: number; nfft?: number } & import('../analysis/cross-spectra.js').CsdOptions = {}) {
    return (await import('../analysis/cross-spectra.js')).coherence(this.series(o.variable, o.mode), this.sampleRate, { ...o, nperseg: o.nperseg ?? o.nfft ?? Math.min(256, this.shape[0]) });
  }

  /** Complex coherency between nodes (TVB's NodeComplexCoherence, segments averaged). */
  async complexCoherence(o: { variable?: string | number; mode?: number } & import('../analysis/cross-spectra.js').CsdOptions = {}) {
    return (await import('../analysis/cross-spectra.js')).complexCoherence(this.series(o.variable, o.mode), this.sampleRate, o);
  }

  /** Kuramoto order parameter over time (the variable as phases, or their Hilbert phases). */
  async kuramotoOrder(o: { variable?: string | number; mode?: number; phases?: boolean; skip?: number } = {}) {
    return (await import('../analysis/summary.js')).kuramotoOrder(this.series(o.variable, o.mode), o);
  }

  /** EEG-style stacked channels (tvbo's plot_eeg). */
  plotEeg(opts: { variable?: string; nodes?: (number | string)[] } = {}): Promise<PlotSpec> {
    return this.plot({ ...opts, type: 'channels' });
  }

  /** Welch power spectra per node (tvbo's plot_power_spectrum). */
  plotPowerSpectrum(opts: { variable?: string; nodes?: (number | string)[] } = {}): Promise<PlotSpec> {
    return this.plot({ ...opts, type: 'spectrum' });
  }

  /** Animated GIF: 'timeseries' traces over time or 'phase' trajectory of one node (tvbo's animate). */
  async animate(opts: TimeSeriesAnimateOptions = {}): Promise<Uint8Array> {
    return (await resultFigures('TimeSeries.animate')).timeSeriesAnimate(this, opts);
  }

  /** TVB-style summary: type, dimensions, time units, sample period/rate, length and value range. */
  summaryInfo(): Record<string, string | number> {
    let min = Infinity, max = -Infinity, sum = 0;
    for (const v of this.data) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    const [T] = this.shape;
    return {
      'Time-series type': this.network ? 'TimeSeriesRegion' : 'TimeSeries',
      'Time-series name': this.title,
      Dimensions: `(${this.shape.join(', ')})`,
      'Labels ordering': this.labelsOrdering.join(', '),
      'Time units': this.samplePeriodUnit,
      'Sample period': this.samplePeriod,
      'Sample rate (Hz)': this.sampleRate,
      Length: T ? this.time[T - 1] - this.time[0] + this.samplePeriod : 0,
      'Start time': this.startTime,
      Minimum: this.data.length ? min : NaN,
      Maximum: this.data.length ? max : NaN,
      Mean: this.data.length ? sum / this.data.length : NaN,
    };
  }

  /** Channels (regions) of one (variable, mode) as time-major rows, for the analysis spectra. */
  private channels(v: number, m: number): Float64Array[] {
    const [T, V, N, M] = this.shape;
    return Array.from({ length: T }, (_, t) => {
      const row = new Float64Array(N);
      for (let n = 0; n < N; n++) row[n] = this.data[((t * V + v) * N + n) * M + m];
      return row;
    });
  }

  /**
   * Frequency (Hz) of the largest periodogram peak (DC excluded) of each (variable, region, mode)
   * series; dims variable, region, mode.
   */
  dominantFrequency(): LabeledArray {
    const [, V, N, M] = this.shape;
    const out = new Float64Array(V * N * M);
    for (let v = 0; v < V; v++)
      for (let m = 0; m < M; m++) {
        const peak = spectrumPeak(periodogram(this.channels(v, m), this.sampleRate));
        for (let n = 0; n < N; n++) out[(v * N + n) * M + m] = peak[n];
      }
    return new LabeledArray(out, ['variable', 'region', 'mode'], { variable: this.variables, region: this.regions, mode: Array.from({ length: M }, (_, k) => k) }, { units: 'Hz' });
  }

  /**
   * Each region's periodogram normalised to unit total power (DC excluded), averaged over regions:
   * dims frequency (Hz), variable, mode.
   */
  normalisedAveragePower(): LabeledArray {
    const [, V, , M] = this.shape;
    let freqs: Float64Array | undefined;
    const parts: Float64Array[][] = [];
    for (let v = 0; v < V; v++) {
      parts.push([]);
      for (let m = 0; m < M; m++) {
        const r = napOf(periodogram(this.channels(v, m), this.sampleRate));
        freqs = r.freqs;
        parts[v].push(r.power);
      }
    }
    const nf = freqs!.length;
    const out = new Float64Array(nf * V * M);
    for (let k = 0; k < nf; k++) for (let v = 0; v < V; v++) for (let m = 0; m < M; m++) out[(k * V + v) * M + m] = parts[v][m][k];
    return new LabeledArray(out, ['frequency', 'variable', 'mode'], { frequency: Array.from(freqs!), variable: this.variables, mode: Array.from({ length: M }, (_, k) => k) });
  }

  /**
   * Export as a BIDS BEP034 derivative (ts/ files with sidecars; net/ and coord/ when a network is
   * linked). `label` names the series in file names (default: from the title).
   */
  async toBids(root: string, opts: BidsOptions & { label?: string }): Promise<string[]> {
    const label = opts.label ?? (this.title.replace(/^Simulation:\s*/, '').replace(/[^A-Za-z0-9]/g, '') || 'data');
    return exportBids(root, { timeSeries: { [label]: this }, network: this.network }, opts);
  }
}
