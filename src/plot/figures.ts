/**
 * One figure of a simulation or experiment result by type name: what `vbt plot --type` draws and what the
 * results' own `.plot()` methods return. It lives in plot/ so that results reach it without importing the CLI.
 */
import cliProgress from 'cli-progress';
import { extname } from 'node:path';
import type { SimulationResult } from '../results/simulation.js';
import type { ExperimentResult } from '../results/experiment.js';
import type { Connectivity } from '../network/connectivity.js';
import { readAnyConnectivity } from '../io/files.js';
import { getModel } from '../models/catalogue.js';
import { syntheticConnectome, SYNTHETIC_NAME } from '../network/synthetic.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { PlotSpec } from './render.js';
import { monitorDisplayTimeUnit } from '../observation/quantity.js';
import { nodeIndices, timeSeriesFromResult, variableIndex } from './data.js';
import { defaultFigure } from './default-figure.js';
import { plotTimeSeries, plotChannels, plotHeatmap, plotPhaseTrajectory } from './timeseries.js';
import { plotPowerSpectrum } from './spectrum.js';
import { phasePlane, plotPhasePlane } from './phaseplane.js';
import { plotFc, plotFcd } from './analysis.js';
import { plotConnectivityMatrix, plotNetworkOverview, plotDegreeDistribution } from './network.js';
import { animateGif, animateHtml } from './animate.js';
import { plotExploration } from './exploration.js';
import { plotLoss, plotParameterTrajectories } from './optimization.js';
import { plotConvergence } from './algorithm.js';
import { fromExplorationResult, fromOptimizationResult, fromAlgorithmResult } from './results.js';
import { functionalConnectivity } from '../analysis/fc.js';
import { fcd } from '../analysis/fcd.js';
import { monitorSeries } from '../analysis/series.js';

export const SIMULATION_PLOT_TYPES = ['default', 'timeseries', 'channels', 'heatmap', 'spectrum', 'phase', 'phase-plane', 'fc', 'fcd', 'network', 'weights', 'tracts', 'degree', 'animation', 'surface'] as const;
export const EXPERIMENT_PLOT_TYPES = ['default', 'exploration', 'loss', 'parameters', 'convergence'] as const;

function parseNodes(s: string | undefined): (number | string)[] | undefined {
  if (!s) return undefined;
  return s.split(',').map((x) => x.trim()).filter(Boolean).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}

/**
 * The network a result was simulated on: --connectivity FILE, else the built-in synthetic
 * connectome when the result names it (the CLI's default network), else undefined.
 */
export async function resultNetwork(res: SimulationResult, file?: string): Promise<Connectivity | undefined> {
  if (file) {
    const c = await readAnyConnectivity(file);
    if (c.n !== res.info.nodeLabels.length) throw new Error(`--connectivity ${file}: ${c.n} regions, but the result has ${res.info.nodeLabels.length} nodes`);
    return c;
  }
  if (res.network) return res.network;
  if (res.info.connectivity === SYNTHETIC_NAME) {
    const c = syntheticConnectome({ nodes: res.info.nodeLabels.length });
    if (c.labels.every((l, k) => l === res.info.nodeLabels[k])) return c;
  }
  return undefined;
}

function needNetwork(net: Connectivity | undefined, type: string): Connectivity {
  if (!net) throw new Error(`--type ${type} needs the network: pass --connectivity FILE (the run's connectivity .zip/.h5/.npz)`);
  return net;
}

export async function simulationFigure(res: SimulationResult, type: string, o: Record<string, string | boolean | undefined>, out: string): Promise<PlotSpec | undefined> {
  const ts = () => timeSeriesFromResult(res, { monitor: (o.monitor as string | undefined) ?? 0, batch: Number(o.batch ?? 0) });
  const nodes = parseNodes(o.nodes as string | undefined);
  const variable = o.variable as string | undefined;
  // checked for every figure type, so a misspelt --variable or --nodes is an error, not ignored
  if (variable !== undefined) variableIndex(ts(), variable);
  if (nodes !== undefined) nodeIndices(ts(), nodes);
  switch (type) {
    case 'default':
      // the default figure has no variable/node choice: asking for one means the time series
      if (variable !== undefined || nodes !== undefined) return plotTimeSeries(ts(), { nodes, variables: variable ? [variable] : undefined });
      return defaultFigure(res, { monitor: o.monitor as string | undefined });
    case 'timeseries': return plotTimeSeries(ts(), { nodes, variables: variable ? [variable] : undefined });
    case 'channels': return plotChannels(ts(), { nodes, variable, zscore: !!o.zscore });
    case 'heatmap': return plotHeatmap(ts(), { variable });
    case 'spectrum': return plotPowerSpectrum(ts(), { nodes, variable });
    case 'phase': return plotPhaseTrajectory(ts(), { nodes, x: o.x as string | undefined, y: o.y as string | undefined });
    case 'phase-plane': {
      const model = getModel(res.info.model);
      const params: Record<string, number> = {};
      // global model parameters only: coupling.* entries and per-node arrays do not apply to one uncoupled node
      for (const [k, v] of Object.entries(res.info.parameters ?? {})) if (typeof v === 'number' && k in model.parameters) params[k] = v;
      return plotPhasePlane(phasePlane(model, { parameters: params, x: o.x as string | undefined, y: o.y as string | undefined }));
    }
    case 'fc': {
      const t = ts();
      const m = res.monitor((o.monitor as string | undefined) ?? 0);
      return plotFc(functionalConnectivity(monitorSeries(m, { b: Number(o.batch ?? 0), v: variableIndex(t, variable) })), { labels: t.labels, title: `Functional connectivity of ${t.variables[variableIndex(t, variable)]}` });
    }
    case 'fcd': {
      const m = res.monitor((o.monitor as string | undefined) ?? 0);
      const s = monitorSeries(m, { b: Number(o.batch ?? 0) });
      const window = o.window ? Number(o.window) : Math.max(3, Math.floor(s.t / 10));
      const timeUnit = monitorDisplayTimeUnit(m.name);
      return plotFcd(fcd(s, { window, step: Math.max(1, Math.floor(window / 2)) }), { times: timeUnit === 's' ? Float64Array.from(m.time, (t) => t / 1000) : m.time, timeUnit });
    }
    case 'network': return plotNetworkOverview(needNetwork(await resultNetwork(res, o.connectivity as string | undefined), type));
    case 'weights': return plotConnectivityMatrix(needNetwork(await resultNetwork(res, o.connectivity as string | undefined), type), { which: 'weights', log: !!o.log });
    case 'tracts': return plotConnectivityMatrix(needNetwork(await resultNetwork(res, o.connectivity as string | undefined), type), { which: 'tractLengths', log: !!o.log });
    case 'degree': return plotDegreeDistribution(needNetwork(await resultNetwork(res, o.connectivity as string | undefined), type));
    case 'animation': {
      const net = needNetwork(await resultNetwork(res, o.connectivity as string | undefined), type);
      const frames = o.frames ? Number(o.frames) : 60;
      const ext = extname(out).toLowerCase();
      if (ext === '.gif') {
        const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ stream: process.stderr, format: 'rendering frames [{bar}] {value}/{total}' }, cliProgress.Presets.shades_classic) : undefined;
        bar?.start(frames, 0);
        try {
          writeFileAtomic(out, await animateGif(net, ts(), { variable, frames, onFrame: (d, total) => { bar?.setTotal(total); bar?.update(d); } }));
        } finally {
          bar?.stop();
        }
      }
      else if (ext === '.html') writeFileAtomic(out, animateHtml(net, ts(), { variable, frames }));
      else throw new Error(`--type animation writes .gif or .html; got '${out}'`);
      return undefined;
    }
    case 'surface': {
      // cortex of a surface run: four static views (.svg/.png, --time) or the WebGL viewer (.html)
      const { plotSurfaceResult, surfaceViewerFromResult } = await import('./surface-result.js');
      const so = { monitor: o.monitor as string | undefined, variable, batch: Number(o.batch ?? 0), time: o.time !== undefined ? Number(o.time) : undefined, maxFrames: o.frames ? Number(o.frames) : undefined };
      if (extname(out).toLowerCase() === '.html') { writeFileAtomic(out, surfaceViewerFromResult(res, so)); return undefined; }
      return plotSurfaceResult(res, so);
    }
    default: throw new Error(`--type '${type}' does not apply to a simulation result; expected one of ${SIMULATION_PLOT_TYPES.join(', ')}`);
  }
}

export function experimentFigure(exp: ExperimentResult, type: string, o: Record<string, string | boolean | undefined>): PlotSpec {
  const pick = <T>(what: string, m: Record<string, T>): T => {
    const names = Object.keys(m);
    if (!names.length) throw new Error(`this experiment has no ${what} results`);
    const name = (o.name as string | undefined) ?? names[0];
    if (!(name in m)) throw new Error(`no ${what} named '${name}'; this experiment has ${names.join(', ')}`);
    return m[name];
  };
  let t = type;
  if (t === 'default') {
    t = Object.keys(exp.explorations).length ? 'exploration' : Object.keys(exp.optimizations).length ? 'loss' : Object.keys(exp.algorithms).length ? 'convergence' : '';
    if (!t) throw new Error('this experiment holds no exploration, optimisation or algorithm results to plot');
  }
  switch (t) {
    case 'exploration': return plotExploration(fromExplorationResult(pick('exploration', exp.explorations)));
    case 'loss': return plotLoss(fromOptimizationResult(pick('optimization', exp.optimizations)));
    case 'parameters': return plotParameterTrajectories(fromOptimizationResult(pick('optimization', exp.optimizations)));
    case 'convergence': return plotConvergence(fromAlgorithmResult(pick('algorithm', exp.algorithms)));
    default: throw new Error(`--type '${type}' does not apply to an experiment result; expected one of ${EXPERIMENT_PLOT_TYPES.join(', ')}`);
  }
}
