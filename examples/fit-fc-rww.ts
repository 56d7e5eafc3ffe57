/**
 * Fitting the reduced Wong–Wang model to the dk_average empirical FC (84 regions, SC/max, no delays,
 * tvboptim's RWW set-up: I_o 0.32, Heun dt 4 ms, noise nsig 4e-6 ≈ σ 0.00283).
 *
 * 1. Global: G (Linear coupling a) × w on a grid, every point a kernel-engine run of 20 s transient
 *    + 90 s with TVB Bold (TR 1000 ms), FC after 20 TRs, batched over all cores; the best
 *    fc_corr is the global fit.
 * 2. Regional (surrogate): from the global optimum, the 84 recurrence weights w_i maximise the
 *    fc_corr of the linearised network's low-frequency FC (J⁻¹J⁻ᵀ at the fixed point: what slow
 *    BOLD sees of the noise-driven fluctuations), by Adam on a finite-difference gradient, ~1 s a
 *    step. Scored like stage 1: kernel-engine Bold runs with the grid's seed and two fresh ones.
 * 3. Regional (tensor engine): a few Adam steps through the differentiable float32 simulation on
 *    1 − fc_corr of the neural FC (20 ms averages) over `window` s, from stage 2's w and its fixed
 *    point (a BOLD loss
 *    needs ≥ 60 s per gradient step, minutes each on 2 cores with tfjs), scored the same way.
 *
 *   npx vite-node examples/fit-fc-rww.ts [gridN=8] [surrogateSteps=300] [tensorSteps=4] [window_s=8]
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  explore, product, grid, fcObservables, fit, ParameterSet, regionalParameter, clipped, loadDkAverage, maxNormalized, dkAveragePath, fcCorr, fitRwwLinear, rwwLinearise,
} from '../algorithms/index.js';
import { Connectivity } from '../src/network/connectivity.js';
import { simulate } from '../src/simulation/simulate.js';
import { loadBackend } from '../src/backend/index.js';
import { tensorFc, tensorFcCorrLossFull } from '../src/analysis/tensor.js';
import { functionalConnectivity } from '../src/analysis/fc.js';
import { monitorSeries } from '../src/analysis/series.js';
import { rmse } from '../src/analysis/losses.js';
import type { SimulationConfig } from '../src/simulation/config.js';

const gridN = Number(process.argv[2] ?? 8), surrogateSteps = Number(process.argv[3] ?? 300), steps = Number(process.argv[4] ?? 4), windowS = Number(process.argv[5] ?? 8), lr = 0.005;
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

/** Kernel-engine Bold fc_corr and RMSE with the grid's noise seed (42) and two fresh ones (7, 8). */
async function scoreBold(w: number | number[]): Promise<{ fc_corr: number[]; rmse: number[] }> {
  const out = { fc_corr: [] as number[], rmse: [] as number[] };
  for (const seed of [42, 7, 8]) {
    const r = await simulate({ ...boldRun, integrator: { ...boldRun.integrator, noise: { nsig: 4e-6, seed } }, couplingParameters: { a: G }, parameters: { ...boldRun.parameters, w } });
    const fc = functionalConnectivity(monitorSeries(r.monitor('Bold')), { skip: 20 });
    out.fc_corr.push(fcCorr(fc, dk.fc));
    out.rmse.push(rmse(fc, dk.fc));
  }
  return out;
}
const fmt = (v: number[]) => `${v.map((x) => x.toFixed(3)).join('/')} (mean ${(v.reduce((p, q) => p + q, 0) / v.length).toFixed(3)})`;
const before = await scoreBold(w0);

// 2. regional fit of w on the linearised network's low-frequency FC
const sur = fitRwwLinear({
  net: { n, weights: sc.weights, G, w: w0, I_o: 0.32 }, empFc: dk.fc.data, steps: surrogateSteps, learningRate: 0.004,
  onStep: (i) => { if (i.step % 25 === 0) console.log(`  surrogate step ${i.step}: fc_corr ${i.fcCorr.toFixed(3)}`); },
});
const wSur = Array.from(sur.w);
const afterSur = await scoreBold(wSur);
console.log(`regional surrogate fit (${surrogateSteps} Adam steps, ${sur.seconds.toFixed(0)} s): surrogate fc_corr ${sur.trajectory[0].toFixed(3)} -> ${sur.best.fcCorr.toFixed(3)}; w ${Math.min(...wSur).toFixed(3)} … ${Math.max(...wSur).toFixed(3)}`);
console.log(`  BOLD fc_corr (seeds 42/7/8) ${fmt(before.fc_corr)} -> ${fmt(afterSur.fc_corr)}; RMSE ${fmt(before.rmse)} -> ${fmt(afterSur.rmse)} (tvboptim regional: 0.556)`);

// 3. regional gradient fit of w through the tensor engine, from the surrogate's w
const backend = await loadBackend();
const target = tf.tensor2d(Float32Array.from(dk.fc.data), [n, n]);
const fitCfg: SimulationConfig = {
  ...common, couplingParameters: { a: G }, parameters: { I_o: 0.32, w: wSur }, transient: 0, duration: windowS * 1000,
  // start on the fixed point: from S = 0.3 the first seconds are a common relaxation that dominates an 8 s FC
  initialConditions: { history: rwwLinearise({ n, weights: sc.weights, G, w: wSur, I_o: 0.32 }).S },
  monitors: [{ name: 'TemporalAverage', period: 20 }],
};
const ps = new ParameterSet([regionalParameter('w', wSur, { n, transform: clipped(-1, 2) })]);
const res = await fit({
  name: 'rww_regional', config: fitCfg, parameters: ps, steps, optimizer: 'adam', learningRate: lr,
  loss: (out) => {
    const d = out.monitors[0].data;
    const [, T] = d.shape;
    return tensorFcCorrLossFull(tensorFc(tf.reshape(d, [T, n]), { skip: 50 }), target);
  },
  onStep: (i) => console.log(`  step ${i.step}: 1 − neural fc_corr ${i.loss.toFixed(4)}, |grad| ${i.gradNorm.toExponential(2)}`),
  progress: false,
});
target.dispose();
const wFit = res.state.w as number[];
const after = await scoreBold(wFit);
console.log(`regional tensor-engine fit (${backend.name}, ${res.nSteps} Adam steps, ${windowS} s window, ${res.seconds.toFixed(0)} s): 1 − neural fc_corr ${res.initialLoss.toFixed(4)} -> best ${res.lossTrajectory[res.bestStep].toFixed(4)} (step ${res.bestStep})${res.stoppedEarly ? `; stopped: ${res.stoppedEarly.split(".")[0]}` : ""}`);
console.log(`  BOLD fc_corr (seeds 42/7/8) ${fmt(afterSur.fc_corr)} -> ${fmt(after.fc_corr)}, RMSE ${fmt(afterSur.rmse)} -> ${fmt(after.rmse)}; w range ${Math.min(...wFit).toFixed(3)} … ${Math.max(...wFit).toFixed(3)}`);
