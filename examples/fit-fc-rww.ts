/**
 * Fitting the reduced Wong–Wang model to the dk_average empirical FC (84 regions, SC/max, no delays,
 * tvboptim's RWW set-up: I_o 0.32, Heun dt 4 ms, noise nsig 4e-6 ≈ σ 0.00283).
 *
 * 1. Global: G (Linear coupling a) × w on a grid, every point a kernel-engine run of 20 s transient
 *    + 90 s with TVB Bold (TR 1000 ms), FC after 20 TRs, batched over all cores; the best
 *    fc_corr is the global fit.
 * 2. Regional: from the global optimum, the 84 recurrence weights w_i are fitted by Adam through
 *    the tensor engine. The differentiable loss is the RMSE between the FC of 20 ms-averaged S over
 *    a `window` of simulated time and the empirical FC (a neural-FC surrogate: a BOLD loss needs
 *    ≥ 60 s per gradient step, minutes each on 2 cores with tfjs). Each fitted w is then scored
 *    the same way as the global stage (kernel engine, Bold, fc_corr and RMSE).
 *
 *   npx vite-node examples/fit-fc-rww.ts [gridN=8] [steps=8] [window_s=8] [learningRate=0.005]
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  explore, product, grid, fcObservables, fit, ParameterSet, regionalParameter, clipped, loadDkAverage, maxNormalized, dkAveragePath, fcCorr,
} from '../algorithms/index.js';
import { Connectivity } from '../src/network/connectivity.js';
import { simulate } from '../src/simulation/simulate.js';
import { loadBackend } from '../src/backend/index.js';
import { tensorFc, tensorRmse } from '../src/analysis/tensor.js';
import { functionalConnectivity } from '../src/analysis/fc.js';
import { monitorSeries } from '../src/analysis/series.js';
import { rmse } from '../src/analysis/losses.js';
import type { SimulationConfig } from '../src/simulation/config.js';

const gridN = Number(process.argv[2] ?? 8), steps = Number(process.argv[3] ?? 8), windowS = Number(process.argv[4] ?? 8), lr = Number(process.argv[5] ?? 0.005);
const dk = loadDkAverage(dkAveragePath());
const sc = maxNormalized(dk.connectivity);
const n = sc.n;
const conn = new Connectivity({ n, weights: sc.weights, tractLengths: new Float64Array(n * n), labels: sc.labels, name: 'dk_average (SC/max, no delays)' });
const common: SimulationConfig = {
  model: 'ReducedWongWang', parameters: { I_o: 0.32 }, connectivity: conn, coupling: 'Linear',
  integrator: { name: 'Heun', dt: 4, noise: { nsig: 4e-6, seed: 42 } },
  initialConditions: { history: new Float64Array(n).fill(0.3) }, duration: 0,
};
const boldRun: SimulationConfig = { ...common, transient: 20_000, duration: 90_000, monitors: [{ name: 'Bold', period: 1000 }] };

// 1. global grid
const glob = await explore({
  name: 'rww_global', base: boldRun, space: product(grid('coupling.a', 0.05, 0.7, gridN), grid('w', 0.05, 0.7, gridN)),
  observables: fcObservables(dk.fc, { skip: 20 }),
});
const best = glob.optimal('fc_corr', 'max');
const G = best.parameters['coupling.a'], w0 = best.parameters.w;
console.log(`global grid ${gridN}×${gridN} (G × w) in ${(glob.metadata.seconds as number).toFixed(0)} s: best fc_corr ${best.value.toFixed(3)}, RMSE ${glob.results.rmse[best.flatIndex].toFixed(3)} at G = ${G.toFixed(3)}, w = ${w0.toFixed(3)} (tvboptim global: 0.349)`);
const rmseBest = glob.optimal('rmse', 'min');
console.log(`  lowest RMSE ${rmseBest.value.toFixed(3)} at G = ${rmseBest.parameters['coupling.a'].toFixed(3)}, w = ${rmseBest.parameters.w.toFixed(3)} (fc_corr there ${glob.results.fc_corr[rmseBest.flatIndex].toFixed(3)})`);

async function scoreBold(w: number | number[]): Promise<{ fc_corr: number; rmse: number }> {
  const r = await simulate({ ...boldRun, couplingParameters: { a: G }, parameters: { ...boldRun.parameters, w } });
  const fc = functionalConnectivity(monitorSeries(r.monitor('Bold')), { skip: 20 });
  return { fc_corr: fcCorr(fc, dk.fc), rmse: rmse(fc, dk.fc) };
}

// 2. regional gradient fit of w
const backend = await loadBackend();
const target = tf.tensor2d(Float32Array.from(dk.fc.data), [n, n]);
const fitCfg: SimulationConfig = {
  ...common, couplingParameters: { a: G }, parameters: { I_o: 0.32, w: w0 }, transient: 0, duration: windowS * 1000,
  monitors: [{ name: 'TemporalAverage', period: 20 }],
};
const ps = new ParameterSet([regionalParameter('w', w0, { n, transform: clipped(-1, 2) })]);
const res = await fit({
  name: 'rww_regional', config: fitCfg, parameters: ps, steps, optimizer: 'adam', learningRate: lr,
  loss: (out) => {
    const d = out.monitors[0].data;
    const [, T] = d.shape;
    return tensorRmse(tensorFc(tf.reshape(d, [T, n]), { skip: 50 }), target) as tf.Scalar;
  },
  onStep: (i) => console.log(`  step ${i.step}: surrogate loss ${i.loss.toFixed(4)}, |grad| ${i.gradNorm.toExponential(2)}`),
  progress: false,
});
target.dispose();
const wFit = res.state.w as number[];
const before = await scoreBold(w0), after = await scoreBold(wFit);
console.log(`regional fit (${backend.name}, ${res.nSteps} Adam steps, ${windowS} s window, ${res.seconds.toFixed(0)} s): surrogate loss ${res.initialLoss.toFixed(4)} -> best ${res.lossTrajectory[res.bestStep].toFixed(4)} (step ${res.bestStep})${res.stoppedEarly ? `; stopped: ${res.stoppedEarly.split(".")[0]}` : ""}`);
console.log(`  BOLD fc_corr ${before.fc_corr.toFixed(3)} -> ${after.fc_corr.toFixed(3)}, RMSE ${before.rmse.toFixed(3)} -> ${after.rmse.toFixed(3)} (tvboptim regional: 0.556); w range ${Math.min(...wFit).toFixed(3)} … ${Math.max(...wFit).toFixed(3)}`);
