/** The figure `vbt simulate --plot` and `npm run demo` write: a run at a glance. */
import type { SimulationResult } from '../results/simulation.js';
import { concatSpecs, savePlot, type PlotSpec } from './render.js';
import { timeSeriesFromResult } from './data.js';
import { plotTimeSeries, plotHeatmap } from './timeseries.js';

/**
 * Time series of the first recorded variable (up to 8 nodes) above the node × time raster, for the
 * first monitor and batch element.
 *
 * @example
 * ```ts
 * import { simulate } from 'vbt';
 * import { defaultFigure } from 'vbt';
 * const res = await simulate({ model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 50, monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * const spec = defaultFigure(res);
 * ```
 */
export function defaultFigure(res: SimulationResult, opts: { monitor?: string | number } = {}): PlotSpec {
  const ts = timeSeriesFromResult(res, { monitor: opts.monitor });
  const v = ts.variables[0];
  return concatSpecs([
    plotTimeSeries(ts, { variables: [v], height: 200 }),
    plotHeatmap(ts, { variable: v }),
  ], 'vertical', `${res.info.model} on ${res.info.nodeLabels.length} nodes — ${res.monitor(opts.monitor ?? 0).name}`);
}

/**
 * Write the default figure as PNG (or .svg/.html by extension), atomically; returns the path.
 *
 * @example
 * ```ts
 * import { simulate, writeDefaultFigure } from 'vbt';
 * const res = await simulate({ model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 50, monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * console.log(`figure written to ${await writeDefaultFigure(res, 'out/demo.png')}`);
 * ```
 */
export async function writeDefaultFigure(res: SimulationResult, path: string): Promise<string> {
  await savePlot(defaultFigure(res), path);
  return path;
}
