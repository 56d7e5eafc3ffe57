/**
 * The result classes' methods that need a layer above the results: figures and animations (drawn by
 * src/plot) and reading TVB's H5 files (src/io). Those layers register their implementations here when
 * they load, so results never import upward (test/layers.test.ts); `import … from 'vbt'` loads both.
 * Figures are registered as a loader, so plot's modules are read only when a first figure is asked for.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Connectivity } from '../network/connectivity.js';
import type { SimulationResult } from './simulation.js';
import type { ExperimentResult } from './experiment.js';
import type { ExplorationResult } from './exploration.js';
import type { TimeSeries } from './timeseries.js';

/** A Vega-Lite figure (src/plot's PlotSpec). */
export type ResultPlotSpec = TopLevelSpec;

export interface SimulationPlotOptions { type?: string; monitor?: string | number; variable?: string; nodes?: string; connectivity?: string; x?: string; y?: string }
export interface SimulationAnimateOptions { type?: string; monitor?: string | number; variable?: string; frames?: number; format?: 'gif' | 'html'; network?: Connectivity; x?: string; y?: string; node?: number; delayMs?: number }
export interface ExperimentPlotOptions { type?: string; name?: string; monitor?: string | number; variable?: string }
export interface ExplorationPlotOptions { observable?: string; optimum?: 'min' | 'max'; output?: string; timeseries?: boolean }
export interface TimeSeriesPlotOptions { type?: 'timeseries' | 'channels' | 'heatmap' | 'spectrum' | 'phase'; variable?: string; nodes?: (number | string)[]; mode?: number }
export interface TimeSeriesAnimateOptions { type?: 'timeseries' | 'phase'; variable?: string; frames?: number; node?: number; x?: string; y?: string }

/** What src/plot/result-methods.ts provides. */
export interface ResultFigures {
  simulationPlot(r: SimulationResult, opts: SimulationPlotOptions): Promise<ResultPlotSpec>;
  simulationAnimate(r: SimulationResult, opts: SimulationAnimateOptions): Promise<Uint8Array | string>;
  experimentPlot(r: ExperimentResult, opts: ExperimentPlotOptions): Promise<ResultPlotSpec>;
  explorationPlot(r: ExplorationResult, opts: ExplorationPlotOptions): Promise<ResultPlotSpec>;
  timeSeriesPlot(r: TimeSeries, opts: TimeSeriesPlotOptions): Promise<ResultPlotSpec>;
  timeSeriesAnimate(r: TimeSeries, opts: TimeSeriesAnimateOptions): Promise<Uint8Array>;
}

/** TVB TimeSeries H5 files (and the Connectivity H5 they ran on) as an ExperimentResult: src/io/tvb-h5.ts's readTvbExperiment. */
export type TvbExperimentReader = (timeSeries: string | string[], opts: { connectivity?: string; id?: string }) => Promise<ExperimentResult>;

let figuresLoader: (() => Promise<ResultFigures>) | undefined;
let tvbReader: TvbExperimentReader | undefined;

/** Called by src/plot when it loads. */
export function registerResultFigures(load: () => Promise<ResultFigures>): void {
  figuresLoader = load;
}

/** Called by src/io/tvb-h5.ts when it loads. */
export function registerTvbExperimentReader(read: TvbExperimentReader): void {
  tvbReader = read;
}

export async function resultFigures(what: string): Promise<ResultFigures> {
  if (!figuresLoader) throw new Error(`${what}: the figures are not loaded; import it from 'vbt' (or load src/plot/index.ts) first`);
  return figuresLoader();
}

export function tvbExperimentReader(what: string): TvbExperimentReader {
  if (!tvbReader) throw new Error(`${what}: the TVB H5 reader is not loaded; import it from 'vbt' (readTvbExperiment), or load src/io/tvb-h5.ts first`);
  return tvbReader;
}
