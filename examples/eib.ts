/**
 * E/I-balance tuning (Schirner et al. 2023) on the 84-region dk_average connectome, with
 * tvboptim's protocol: SC/max, delay-free two-channel Wong–Wang E/I network, Heun dt 4 ms with
 * S_e noise σ = 0.01, 300 s transient, 200 FIC iterations (η 0.5), then EIB iterations (η 0.005,
 * linear warm-up, window of 150 BOLD TRs of 720 ms, FIC η 0.1 inside), evaluated on a fresh
 * 300 s run. Prints fc_corr (full matrix, zero diagonals) and RMSE before and after.
 *
 *   npx vite-node examples/eib.ts [iterations=2000] [out.json]
 */
import { EibNetwork, eib, loadDkAverage, maxNormalized, dkAveragePath } from '../algorithms/index.js';

const iterations = Number(process.argv[2] ?? 2000);
const dk = loadDkAverage(dkAveragePath());
const sc = maxNormalized(dk.connectivity);
const net = new EibNetwork({ n: sc.n, weights: sc.weights, dt: 4, nsig: 0.5 * 0.01 ** 2, seed: 42 });
const res = eib({ network: net, targetFc: dk.fc, iterations });
const pre = res.preTuning!.metrics, post = res.postTuning!.metrics;
console.log(`EIB on dk_average (${sc.n} regions), ${iterations} iterations in ${res.seconds.toFixed(1)} s`);
console.log(`  before: fc_corr ${pre.fc_corr.toFixed(3)}  RMSE ${pre.rmse.toFixed(3)}  mean S_e ${pre.meanS_e.toFixed(3)}`);
console.log(`  after:  fc_corr ${post.fc_corr.toFixed(3)}  RMSE ${post.rmse.toFixed(3)}  mean S_e ${post.meanS_e.toFixed(3)}`);
const fcw = res.history.fc_corr;
console.log(`  sliding-window fc_corr: first ${fcw[0].toFixed(3)}, best ${Math.max(...fcw).toFixed(3)}, last ${fcw[fcw.length - 1].toFixed(3)}`);
console.log(`  tvboptim reports 0.136 / 0.276 -> 0.689 / 0.172`);
if (process.argv[3]) { res.save(process.argv[3]); console.log(`  result written to ${process.argv[3]}`); }
