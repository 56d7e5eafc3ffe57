/**
 * Regional RWW fit on dk_average through the linearised network (algorithms/rww-linear.ts), from a
 * given global point: per-region w (and optionally I_o) maximise the fc_corr of the low-frequency
 * FC J⁻¹J⁻ᵀ; then the global and the fitted parameters are scored by kernel-engine runs (20 s
 * transient + 90 s, TVB Bold TR 1000 ms, FC after 20 TRs) with two noise seeds never used in fitting.
 *
 *   npx vite-node examples/fit-rww-linear-check.ts [G=0.329] [w=0.143] [steps=20] [lr=0.01] [w|w,I_o] [cosine]
 */
import { loadDkAverage, maxNormalized, dkAveragePath, fcCorr } from '../algorithms/index.js';
import { fitRwwLinear } from '../algorithms/rww-linear.js';
import { schedules } from '../algorithms/optimize.js';
import { Connectivity } from '../src/network/connectivity.js';
import { simulate } from '../src/simulation/simulate.js';
import { functionalConnectivity } from '../src/analysis/fc.js';
import { monitorSeries } from '../src/analysis/series.js';
import { rmse } from '../src/analysis/losses.js';
const dk = loadDkAverage(dkAveragePath()); const sc = maxNormalized(dk.connectivity); const n = sc.n;
const conn = new Connectivity({ n, weights: sc.weights, tractLengths: new Float64Array(n * n), labels: sc.labels });
const G = Number(process.argv[2] ?? 0.329), w0 = Number(process.argv[3] ?? 0.143), steps = Number(process.argv[4] ?? 20), lr = Number(process.argv[5] ?? 0.01), free = (process.argv[6] ?? 'w').split(',') as any;
const res = fitRwwLinear({ net: { n, weights: sc.weights, G, w: w0, I_o: 0.32 }, empFc: dk.fc.data, steps, learningRate: lr, free, schedule: process.argv[7] === 'cosine' ? schedules.cosine(steps) : undefined,
  onStep: (i) => { if (i.step % 5 === 0) console.log(`step ${i.step} surrogate fc_corr ${i.fcCorr.toFixed(3)} ${i.seconds.toFixed(0)} s`); } });
console.log('best', res.best, 'w', Math.min(...res.w).toFixed(3), Math.max(...res.w).toFixed(3), 'I_o', Math.min(...res.I_o).toFixed(3), Math.max(...res.I_o).toFixed(3));
for (const seed of [7, 8]) for (const [lab, w, Io] of [['global', w0, 0.32], ['fitted', Array.from(res.w), Array.from(res.I_o)]] as const) {
  const r = await simulate({ model: 'ReducedWongWang', parameters: { I_o: Io, w }, connectivity: conn, coupling: 'Linear', couplingParameters: { a: G }, integrator: { name: 'Heun', dt: 4, noise: { nsig: 4e-6, seed } }, initialConditions: { history: new Float64Array(n).fill(0.3) }, transient: 20000, duration: 90000, monitors: [{ name: 'Bold', period: 1000 }] } as any);
  const fb = functionalConnectivity(monitorSeries(r.monitor('Bold')), { skip: 20 });
  console.log(`seed ${seed} ${lab}: BOLD fc_corr ${fcCorr(fb, dk.fc).toFixed(3)} rmse ${rmse(fb, dk.fc).toFixed(3)}`);
}
