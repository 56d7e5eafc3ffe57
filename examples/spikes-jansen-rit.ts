/**
 * From a neural-mass run to a SONATA spike report: Jansen–Rit on the synthetic connectome, each
 * region's pyramidal firing rate (the model's sigmoid of y1 − y2, in ms⁻¹) drives 50 Poisson
 * neurons; the spikes and their node table are written as SONATA files, read back, filtered and
 * plotted (raster by region, PSTH, ISI, firing animation).
 *
 *   npx vite-node examples/spikes-jansen-rit.ts            # writes out/spikes-jr/*
 *   npx vbt spikes out/spikes-jr/spikes.h5 --nodes out/spikes-jr/nodes.h5 --group hemisphere=left --plot rate --out psth.svg
 */
import {
  simulateSync, syntheticConnectome, spikesFromSimulation, writeSpikeFile, writeSonataNodes, SpikeReport, saveFiringAnimation,
} from '../src/index.js';
import { savePlot } from '../src/plot/render.js';

const out = 'out/spikes-jr';
const conn = syntheticConnectome({ nodes: 20, seed: 3 });
const res = simulateSync({
  model: 'JansenRit', connectivity: conn, coupling: 'SigmoidalJansenRit', couplingParameters: { a: 10 },
  integrator: { name: 'Heun', dt: 0.1 }, transient: 500, duration: 2000,
  monitors: [{ name: 'TemporalAverage', period: 1 }], initialConditions: { seed: 1 },
});
const spikes = spikesFromSimulation(res, { rate: 'sigm_y1_y2', populationSize: 50, seed: 42, connectivity: conn, jitter: 4 });
await writeSpikeFile(`${out}/spikes.h5`, { JansenRit: spikes });
await writeSonataNodes(`${out}/nodes.h5`, { JansenRit: spikes.nodeTable });

const report = await SpikeReport.open(`${out}/spikes.h5`, { nodes: `${out}/nodes.h5`, tStart: spikes.times[0], tStop: spikes.times[spikes.times.length - 1] + 1 });
const all = report.filter();
console.log(`${all.length} spikes from ${spikes.nodeTable.size} neurons in ${report.timeStop - report.timeStart} ms`);
for (const r of all.populationRates()) console.log(`  ${r.population}: ${r.rate.toFixed(2)} Hz per neuron`);
const left = report.filter({ group: { hemisphere: 'left' }, tStart: 1000, tStop: 1500 });
await savePlot(left.raster({ yAxis: 'region', title: 'Left hemisphere, 1000–1500 ms' }), `${out}/raster.png`);
await savePlot(all.firingRateHistogram({ binSize: 5 }), `${out}/psth.svg`);
await savePlot(all.isi({ binSize: 20 }), `${out}/isi.svg`);
saveFiringAnimation(report.filter({ tStart: 1000, tStop: 1400 }), `${out}/firing.gif`, { dt: 10 });
console.log(`wrote ${out}/{spikes.h5,nodes.h5,raster.png,psth.svg,isi.svg,firing.gif}`);

