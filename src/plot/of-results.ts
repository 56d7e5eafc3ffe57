/**
 * What the results' own `.plot()` / `.animate()` convenience methods load (lazily, on first call): the one door
 * from src/results and src/simulation/result.ts into plot/. Plot sits above results (it draws them), so these
 * imports are the listed exception in test/layers.test.ts; keeping them to this module keeps that list to one
 * edge per result file.
 */
export type { PlotSpec } from './render.js';
export { simulationFigure, experimentFigure, EXPERIMENT_PLOT_TYPES } from './figures.js';
export { plotExploration, plotTimeSeriesGrid } from './exploration.js';
export { fromExplorationGrid, fromTimeSeries } from './results.js';
export { plotTimeSeries, plotChannels, plotHeatmap, plotPhaseTrajectory } from './timeseries.js';
export { plotPowerSpectrum } from './spectrum.js';
export { gifFromFrames, timeseriesAnimationSpec, phaseAnimationSpec, frameIndices, animateGif, animateHtml } from './animate.js';
export { timeSeriesFromResult } from './data.js';
