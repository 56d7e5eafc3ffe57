/**
 * A 2-D exploration on the kernel engine: global coupling G × noise level for the reduced
 * Wong–Wang model on the 84-region dk_average connectome (SC/max, no delays, tvboptim's RWW set-up:
 * w 0.3, I_o 0.32, Heun dt 4 ms, 20 s transient, 90 s of TVB Bold at TR 1000 ms, FC after 20 TRs),
 * scored against the empirical FC. All points of one noise level run as one batch over all cores.
 * Prints the fc_corr heatmap, the best point, throughput, and writes a reloadable result.
 *
 *   npx vite-node examples/explore-g-noise.ts [nG=8] [nNoise=4] [out=out/explore-g-noise.json]
 */
import { explore, product, grid, logGrid, fcObservables, loadDkAverage, maxNormalized, dkAveragePath, ExplorationResult } from '../algorithms/index.js';
import { Connectivity } from '../src/network/connectivity.js';

const nG = Number(process.argv[2] ?? 8), nNoise = Number(process.argv[3] ?? 4);
const out = process.argv[4] ?? 'out/explore-g-noise.json';
const dk = loadDkAverage(dkAveragePath());
const sc = maxNormalized(dk.connectivity);
const conn = new Connectivity({ n: sc.n, weights: sc.weights, tractLengths: new Float64Array(sc.n * sc.n), labels: sc.labels, name: 'dk_average (SC/max, no delays)' });
const res = await explore({
  name: 'g_noise',
  base: {
    model: 'ReducedWongWang', parameters: { w: 0.3, I_o: 0.32 }, connectivity: conn, coupling: 'Linear',
    integrator: { name: 'Heun', dt: 4, noise: { nsig: 4e-6, seed: 42 } }, transient: 20_000, duration: 90_000,
    monitors: [{ name: 'Bold', period: 1000 }], initialConditions: { history: new Float64Array(sc.n).fill(0.3) },
  },
  space: product(grid('coupling.a', 0.001, 0.7, nG), logGrid('noise.nsig', 1e-7, 1e-4, nNoise)),
  observables: fcObservables(dk.fc, { skip: 20 }),
});
const g = res.asGrid('fc_corr');
console.log(`fc_corr (rows: G = coupling.a, columns: noise nsig)`);
console.log('      G  ' + g.axes[1].values['noise.nsig'].map((v) => v.toExponential(0).padStart(7)).join(''));
(g.nested as number[][]).forEach((row, i) => console.log(g.axes[0].values['coupling.a'][i].toFixed(3).padStart(7) + '  ' + row.map((v) => v.toFixed(3).padStart(7)).join('')));
const best = res.optimal('fc_corr', 'max');
console.log(`best fc_corr ${best.value.toFixed(3)} at G = ${best.parameters['coupling.a'].toFixed(3)}, nsig = ${best.parameters['noise.nsig'].toExponential(1)}; RMSE there ${res.results.rmse[best.flatIndex].toFixed(3)}`);
console.log(`${res.space.size} points in ${(res.metadata.seconds as number).toFixed(1)} s (${(res.metadata.pointsPerSecond as number).toFixed(2)} points/s)`);
res.save(out);
console.log(`written to ${out}; ExplorationResult.load('${out}').asGrid('fc_corr') gives the heatmap back (${ExplorationResult.load(out).shape.join('×')})`);
