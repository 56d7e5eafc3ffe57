/**
 * Plots, animations and the pieces of the HTML report. Every builder returns a Vega-Lite spec;
 * `toSvg`/`toPng`/`toHtml`/`savePlot` render it without a browser.
 *
 * @example
 * ```ts
 * import { simulate, timeSeriesFromResult, plotTimeSeries, savePlot } from 'vbt';
 * const res = await simulate({ model: 'JansenRit', integrator: { dt: 0.1 }, duration: 100 });
 * await savePlot(plotTimeSeries(timeSeriesFromResult(res)), 'out/ts.png');
 * ```
 */
export { toSvg, toPng, toHtml, toHtmlFragment, toVega, savePlot, svgToPng, concatSpecs, withTheme, formatFromPath, type PlotSpec, type PngOptions, type HtmlOptions, type PlotFormat } from './render.js';
export { THEME, OKABE_ITO, SEQUENTIAL_SCHEME, DIVERGING_SCHEME, HEMISPHERE_COLOURS } from './theme.js';
export { type TimeSeriesData, timeSeriesFromResult, monitorTimeSeries, type FromResultOptions } from './data.js';
export { plotTimeSeries, plotChannels, plotPhaseTrajectory, plotHeatmap, type TimeSeriesPlotOptions, type ChannelsPlotOptions, type PhasePlotOptions, type HeatmapPlotOptions } from './timeseries.js';
export { plotPowerSpectrum, defaultSegment, samplingRate, EEG_BANDS, type Band, type SpectrumPlotOptions } from './spectrum.js';
export { phasePlane, plotPhasePlane, zeroContour, type PhasePlane, type PhasePlaneOptions, type PhasePlanePlotOptions, type Segment } from './phaseplane.js';
export { blockCells, type BlockCells, type MatrixCell } from './blocks.js';
export { plotConnectivityMatrix, plotNetworkGraph, plotNetworkOverview, plotDegreeDistribution, degrees, strengths, layout2d, type NetworkData, type MatrixPlotOptions, type GraphPlotOptions } from './network.js';
export { plotFc, plotFcComparison, fcFit, plotFcd, type FcPlotOptions } from './analysis.js';
export { plotExploration, plotTimeSeriesGrid, optimumIndex, type ExplorationData, type ExplorationAxisData, type SeriesPanel } from './exploration.js';
export { plotLoss, plotParameterTrajectories, plotRegionalParameters, type OptimizationData, type RegionalData } from './optimization.js';
export { plotConvergence, plotBeforeAfter, type ConvergenceData, type BeforeAfterData } from './algorithm.js';
export { animationSpec, animateGif, animateHtml, frameIndices, gifFromFrames, timeseriesAnimationSpec, phaseAnimationSpec, type AnimateOptions, type GifOptions } from './animate.js';
export { fromTimeSeries, fromExplorationResult, fromExplorationGrid, fromOptimizationResult, fromAlgorithmResult, beforeAfterFromAlgorithm, regionalFromState, type ExplorationGridLike } from './results.js';
export { loadResultFile, type LoadedResult } from './load.js';
export { defaultFigure, writeDefaultFigure } from './default-figure.js';
export { plotPca, plotIcaSources, plotWavelet, plotCrossCorrelation, plotCoherence, plotCovariance, plotKuramoto } from './analyzers.js';
