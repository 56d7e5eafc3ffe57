/**
 * Every kind of vbt figure from one Jansen–Rit run on the built-in synthetic connectome: PNG/SVG/HTML
 * figures, an animated GIF, and the self-contained HTML report, all under out/plot-gallery/.
 *
 *   npx vite-node examples/plot-gallery.ts        (or: npm run build && node dist/examples/plot-gallery.js)
 */
import {
  simulate, syntheticConnectome, timeSeriesFromResult, savePlot, plotTimeSeries, plotChannels, plotHeatmap,
  plotPowerSpectrum, plotPhaseTrajectory, phasePlane, plotPhasePlane, plotNetworkOverview, plotDegreeDistribution,
  plotFc, plotFcd, functionalConnectivity, fcd, monitorSeries, animateGif, animateHtml, buildReport, writeFileAtomic,
  plotExploration, writeDefaultFigure,
} from '../src/index.js';

const dir = 'out/plot-gallery';
const conn = syntheticConnectome();
const res = await simulate({
  model: 'JansenRit', coupling: 'SigmoidalJansenRit', couplingParameters: { a: 10 }, connectivity: conn,
  integrator: { name: 'Heun', dt: 2 ** -4 }, transient: 500, duration: 2000,
  monitors: [{ name: 'TemporalAverage', period: 1 }],
});
const ts = timeSeriesFromResult(res);
const written: string[] = [];
const save = async (spec: Parameters<typeof savePlot>[0], name: string) => { await savePlot(spec, `${dir}/${name}`); written.push(name); };

await save(plotTimeSeries(ts, { variables: ['y0'] }), 'timeseries.png');
await save(plotChannels(ts, { variable: 'y0', zscore: true }), 'channels.svg');
await save(plotHeatmap(ts), 'heatmap.png');
await save(plotPowerSpectrum(ts), 'spectrum.png');
await save(plotPhaseTrajectory(ts, { x: 'y1', y: 'y2', nodes: [0] }), 'trajectory.png');
await save(plotPhasePlane(phasePlane('Generic2dOscillator')), 'phase-plane-g2d.png');
await save(plotNetworkOverview(conn), 'network.html');
await save(plotDegreeDistribution(conn), 'degree.png');
const series = monitorSeries(res.monitor(0));
await save(plotFc(functionalConnectivity(series), { labels: ts.labels }), 'fc.png');
await save(plotFcd(fcd(series, { window: 200, step: 50 }), { times: ts.time }), 'fcd.png');
// a toy 2-D exploration surface, to show the heatmap with its optimum
const G = [0, 2, 4, 6, 8], S = [1, 2, 3, 4];
await save(plotExploration({ observable: 'toy loss', axes: [{ name: 'G', values: G }, { name: 'speed', values: S, unit: 'mm/ms' }], results: G.flatMap((g) => S.map((s) => (g - 4) ** 2 / 16 + (s - 3) ** 2 / 4)) }), 'exploration.png');
writeFileAtomic(`${dir}/activity.gif`, await animateGif(conn, ts, { frames: 40 }));
writeFileAtomic(`${dir}/activity.html`, animateHtml(conn, ts, { frames: 120 }));
writeFileAtomic(`${dir}/report.html`, buildReport(res, { connectivity: conn, source: 'examples/plot-gallery.ts' }));
await writeDefaultFigure(res, `${dir}/default.png`);
written.push('activity.gif', 'activity.html', 'report.html', 'default.png');
console.log(`${written.length} files written to ${dir}/: ${written.join(', ')}`);
