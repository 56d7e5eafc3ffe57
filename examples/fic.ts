/**
 * Feedback inhibition control on the 84-region dk_average connectome (SC/max, delay-free
 * two-population Wong–Wang E/I network, Heun dt 4 ms, S_e noise σ = 0.01), both targets users know:
 *  - Schirner/tvboptim gating: ΔJ_i = η·⟨S_i⟩·(⟨S_e⟩ − 0.25), η 0.5, 200 iterations of 720 ms;
 *  - Deco et al. 2014: excitatory input current −0.026 nA relative to threshold (≈ 3 Hz).
 * Prints ⟨S_e⟩, rate and current before and after, and how far each node is from its target.
 *
 *   npx vite-node examples/fic.ts [iterations=200]
 */
import { EibNetwork, fic, loadDkAverage, maxNormalized, dkAveragePath, type FicRule } from '../algorithms/index.js';

const iterations = Number(process.argv[2] ?? 200);
const dk = loadDkAverage(dkAveragePath());
const sc = maxNormalized(dk.connectivity);
const rules: FicRule[] = [{ kind: 'gating', target: 0.25, eta: 0.5 }, { kind: 'deco2014', current: -0.026, eta: 0.5 }];
for (const rule of rules) {
  const net = new EibNetwork({ n: sc.n, weights: sc.weights, dt: 4, nsig: 0.5 * 0.01 ** 2, seed: 42 });
  const r = fic({ network: net, rule, iterations, transientSteps: Math.round(60_000 / 4), evaluation: { steps: Math.round(60_000 / 4) } });
  const pre = r.preTuning!.metrics, post = r.postTuning!.metrics;
  const J = r.state.J_i as number[];
  const target = rule.kind === 'gating' ? 0.25 : -0.026;
  const per = rule.kind === 'gating' ? r.postTuning!.means.S_e : r.postTuning!.means.current;
  const worst = Math.max(...per.map((v) => Math.abs(v - target)));
  console.log(`FIC ${rule.kind}: ${iterations} iterations in ${r.seconds.toFixed(1)} s`);
  console.log(`  before: mean S_e ${pre.meanS_e.toFixed(3)}, rate ${pre.meanRate.toFixed(2)} Hz, current ${pre.meanCurrent.toFixed(4)} nA`);
  console.log(`  after:  mean S_e ${post.meanS_e.toFixed(3)}, rate ${post.meanRate.toFixed(2)} Hz, current ${post.meanCurrent.toFixed(4)} nA`);
  console.log(`  J_i range ${Math.min(...J).toFixed(3)} … ${Math.max(...J).toFixed(3)}; worst node |${rule.kind === 'gating' ? 'S_e' : 'current'} − target| = ${worst.toFixed(4)} (60 s evaluation)`);
}
