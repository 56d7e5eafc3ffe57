/**
 * The result classes' `.plot()` / `.animate()` methods, drawn here and registered with src/results
 * (results/extensions.ts) by ./render.ts, so that results never import plot. Loaded on the first figure.
 */
import type { ResultFigures } from '../results/extensions.js';
import { simulationFigure, experimentFigure, EXPERIMENT_PLOT_TYPES } from './figures.js';
import { plotExploration, plotTimeSeriesGrid } from './exploration.js';
import { fromExplorationGrid, fromTimeSeries } from './results.js';
import { plotTimeSeries, plotChannels, plotHeatmap, plotPhaseTrajectory } from './timeseries.js';
import { plotPowerSpectrum } from './spectrum.js';
import { gifFromFrames, timeseriesAnimationSpec, phaseAnimationSpec, frameIndices, animateGif, animateHtml } from './animate.js';
import { timeSeriesFromResult } from './data.js';

export const resultFigures: ResultFigures = {
  async simulationPlot(r, opts) {
    const type = opts.type ?? 'default';
    if (type === 'animation') throw new Error("plot: use animate() for animations");
    const spec = await simulationFigure(r, type, { ...opts, monitor: opts.monitor === undefined ? undefined : String(opts.monitor) } as never, '');
    if (!spec) throw new Error(`plot: type '${type}' gave no figure`);
    return spec;
  },

  async simulationAnimate(r, opts) {
    const ts = timeSeriesFromResult(r, { monitor: opts.monitor ?? 0 });
    const type = opts.type ?? 'network';
    const base = { frames: opts.frames ?? 30, delayMs: opts.delayMs };
    if (type === 'timeseries') return gifFromFrames(timeseriesAnimationSpec(ts, { ...base, variable: opts.variable }), frameIndices(ts.time.length, base.frames).length, base);
    if (type === 'phase') return gifFromFrames(phaseAnimationSpec(ts, { ...base, x: opts.x, y: opts.y, node: opts.node }), frameIndices(ts.time.length, base.frames).length, base);
    const variable = type === 'network' ? opts.variable : type;
    if (variable !== undefined && !ts.variables.includes(variable)) throw new Error(`animate: type '${type}' is neither network, timeseries, phase nor a recorded variable (${ts.variables.join(', ')})`);
    const net = opts.network ?? r.network;
    if (!net) throw new Error("animate: the network animation needs the run's connectivity (withNetwork(conn) or opts.network)");
    return opts.format === 'html' ? animateHtml(net, ts, { ...base, variable }) : animateGif(net, ts, { ...base, variable });
  },

  async experimentPlot(r, opts) {
    const type = opts.type ?? 'default';
    if (r.integration && (type === 'default' || !(EXPERIMENT_PLOT_TYPES as readonly string[]).includes(type))) return r.integration.plot({ ...opts, type });
    return experimentFigure(r, type, { name: opts.name });
  },

  async explorationPlot(r, opts) {
    if (r.timeseries && (opts.timeseries ?? !r.observables.length)) {
      const ts = r.timeseries;
      const o = opts.output === undefined ? 0 : ts.outputNames.indexOf(opts.output);
      if (o < 0) throw new Error(`ExplorationResult.plot: no output '${opts.output}' (have ${ts.outputNames.join(', ')})`);
      const T = ts.time.length, O = ts.outputNames.length, N = ts.nodes;
      const panels = Array.from({ length: r.space.size }, (_, k) => {
        const y = new Float64Array(T);
        for (let t = 0; t < T; t++) { let s = 0; for (let n = 0; n < N; n++) s += ts.data[((k * T + t) * O + o) * N + n]; y[t] = s / N; }
        return { label: Object.entries(r.space.point(k)).map(([nm, v]) => `${nm}=${+v.toPrecision(3)}`).join(', '), time: ts.time, values: y };
      });
      return plotTimeSeriesGrid(panels, { variable: `mean ${ts.outputNames[o]}`, title: `Exploration '${r.name}'` });
    }
    const name = opts.observable ?? r.observable;
    return plotExploration(fromExplorationGrid(r.asGrid(name), name, { optimum: opts.optimum ?? 'min' }));
  },

  async timeSeriesPlot(r, opts) {
    const d = fromTimeSeries(r, opts.mode ?? 0);
    switch (opts.type ?? 'timeseries') {
      case 'timeseries': return plotTimeSeries(d, { nodes: opts.nodes, variables: opts.variable ? [opts.variable] : undefined });
      case 'channels': return plotChannels(d, { nodes: opts.nodes, variable: opts.variable });
      case 'heatmap': return plotHeatmap(d, { variable: opts.variable });
      case 'spectrum': return plotPowerSpectrum(d, { nodes: opts.nodes, variable: opts.variable });
      case 'phase': return plotPhaseTrajectory(d, { nodes: opts.nodes });
      default: throw new Error(`TimeSeries.plot: unknown type '${String(opts.type)}'; expected timeseries, channels, heatmap, spectrum, phase`);
    }
  },

  async timeSeriesAnimate(r, opts) {
    const d = fromTimeSeries(r);
    const frames = opts.frames ?? 30;
    const spec = (opts.type ?? 'timeseries') === 'phase' ? phaseAnimationSpec(d, { frames, node: opts.node, x: opts.x, y: opts.y }) : timeseriesAnimationSpec(d, { frames, variable: opts.variable });
    return gifFromFrames(spec, frameIndices(r.shape[0], frames).length);
  },
};
