/**
 * Gradient section (issue #13): the float64 adjoint as one tfjs op, against the kernel engine's
 * forward of the same run, side by side in this process (CPU seconds, best of 2).
 * Workload: ReducedWongWang on dk_average (84 regions), dt 1 ms, Heun, noise, TVB Bold TR 720 ms,
 * 60 s; loss 1 − fc_corr(Bold FC, empirical FC) (full matrix) written in tfjs ops; d/d(G, w_i).
 * Then RK4, the weights gradient and linear delays, each as a ratio to the Heun case, the Heun case
 * with the delayed gathers in JavaScript (`wasm: false`), and the E/I gradient tuning's 300 s loss
 * run against EibNetwork's forward of it.
 * `VBT_BENCH_QUICK=1` simulates 10 s instead of 60 s.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadBackend } from '../../src/backend/index.js';
import { simulateSync } from '../../src/simulation/simulate.js';
import { AdjointRunOp, AdjointSimulator, type AdjointOptions } from '../../src/engine/adjoint/index.js';
import { connectivityFromNpz } from '../../src/io/files.js';
import { readNpz } from '../../src/io/npy.js';
import { syntheticConnectome } from '../../src/network/synthetic.js';
import { tensorFc, tensorFcCorrLossFull } from '../../src/analysis/tensor.js';
import type { Connectivity } from '../../src/network/connectivity.js';
import type { SimulationConfig } from '../../src/simulation/config.js';
import { EibNetwork } from '../../algorithms/eib-model.js';
import { eibGradientSetup, eibLoss, eibStartParams } from '../../algorithms/eib-loss.js';
import { loadDkAverage, maxNormalized } from '../../algorithms/data.js';

const SHARED = process.env.VBT_SHARED ?? resolve(process.cwd(), '../shared');
const SECONDS = process.env.VBT_BENCH_QUICK === '1' ? 10 : 60;
const MB = 2 ** 20;

function connectome(): Connectivity {
  const f = join(SHARED, 'data/dk_average/structural.npz');
  if (!existsSync(f)) { console.log('  (no dk_average in ../shared: synthetic 84-node connectome)'); return syntheticConnectome({ nodes: 84, speed: 4 }); }
  const c = connectivityFromNpz(f);
  const max = Math.max(...c.weights);
  return new (c.constructor as typeof Connectivity)({ weights: Float64Array.from(c.weights, (x) => x / max), tractLengths: c.tractLengths, centres: c.centres, labels: c.labels, speed: 4, name: 'dk_average (max-scaled)' });
}

function cpuBest(f: () => void, reps = 2): number {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1e6);
  }
  return best;
}

export default async function (): Promise<void> {
  await loadBackend('cpu');
  const conn = connectome();
  const n = conn.n;
  const fcFile = join(SHARED, 'data/dk_average/functional.npz');
  const emp = existsSync(fcFile) ? Float32Array.from(readNpz(fcFile).fc.data as Float64Array) : Float32Array.from({ length: n * n }, (_, q) => (q % (n + 1) === 0 ? 1 : 0.2));
  const target = tf.tensor2d(emp, [n, n]);
  const config = (integrator: 'Heun' | 'RK4'): SimulationConfig => ({
    model: 'ReducedWongWang', parameters: { I_o: 0.32 }, connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.5 },
    integrator: { name: integrator, dt: 1, noise: { nsig: 1e-4, seed: 42 } }, duration: SECONDS * 1000,
    monitors: [{ name: 'Bold', period: 720 }], initialConditions: { seed: 1 }, threads: 1,
  });
  const skip = 5; // Bold samples whose HRF still reaches back before the start
  const lossOf = (bold: tf.Tensor) => tensorFcCorrLossFull(tensorFc(tf.reshape(bold, [bold.shape[1]!, n]), { skip }), target);

  /** One gradient step (forward + backward through the tfjs op) and the kernel forward of the same run. */
  const measure = (label: string, cfg: SimulationConfig, opts: Omit<AdjointOptions, 'perNode'>) => {
    simulateSync(cfg); // warm-up (JIT, wasm compile)
    const fwd = cpuBest(() => simulateSync(cfg));
    const sim = new AdjointSimulator(cfg, { ...opts, perNode: ['w'] });
    const op = new AdjointRunOp(sim);
    const params = sim.wrt.map((name) => {
      const v = sim.parameterValue(name);
      return name === 'weights' ? tf.tensor2d(Float32Array.from(v), [n, n]) : tf.tensor(Float32Array.from(v), [v.length]);
    });
    let value = 0, g0 = 0;
    const step = () => {
      const { value: v, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => lossOf(op.run(ps)[0]))(params);
      value = v.dataSync()[0];
      g0 = grads[0].dataSync()[0];
      tf.dispose([v, ...grads]);
    };
    step(); // warm-up
    const grad = cpuBest(step);
    tf.dispose(params);
    op.dispose();
    return { label, fwd, grad, ratio: grad / fwd, peak: sim.memoryBytes / MB, segments: sim.segments, value, g0 };
  };

  console.log(`\ngradient (issue #13): RWW ${n} regions (${conn.name}), dt 1 ms, noise, TVB Bold TR 720 ms, ${SECONDS} s (${SECONDS * 1000} steps), loss 1 − fc_corr (full matrix, first ${skip} TRs skipped) in tfjs ops on one adjoint op, memory budget 100 MB, CPU seconds best of 2, same process:`);
  const heun = measure('Heun, d/d(G, w_i)', config('Heun'), { wrt: ['coupling.a', 'w'] });
  const line = (r: ReturnType<typeof measure>, extra = '') =>
    console.log(`  ${r.label}: gradient ${r.grad.toFixed(2)} s, kernel forward ${r.fwd.toFixed(2)} s, gradient/kernel-forward = ${r.ratio.toFixed(2)}x (target ≤ 3x), peak ${r.peak.toFixed(1)} MB (adjoint buffers, ${r.segments} checkpoint segment(s); target ≤ 100 MB)${extra}; loss ${r.value.toFixed(4)}, dL/dG ${r.g0.toExponential(4)}`);
  line(heun);
  for (const r of [
    measure('RK4, d/d(G, w_i)', config('RK4'), { wrt: ['coupling.a', 'w'] }),
    measure('Heun, d/d(G, w_i, weights)', config('Heun'), { wrt: ['coupling.a', 'w', 'weights'] }),
    measure("Heun, delays 'linear', d/d(G, w_i, speed)", config('Heun'), { wrt: ['coupling.a', 'w', 'speed'], delays: 'linear' }),
  ]) line(r, `, ${(r.ratio / heun.ratio).toFixed(2)}× the Heun case's ratio (target ≤ 1.5×)`);
  // the plain gathers and scatters in the generated JavaScript instead of WebAssembly (what they were before)
  const js = measure('Heun, d/d(G, w_i), gathers in JavaScript (wasm: false)', config('Heun'), { wrt: ['coupling.a', 'w'], wasm: false });
  line(js, `, ${(js.grad / heun.grad).toFixed(2)}× the WebAssembly gathers' gradient time`);
  console.log('  another machine, for reference (tvboptim, JAX, 84 nodes × 60 000 steps): 2.48 s / 763 MB without checkpointing, 3.19 s / 223 MB checkpointed');
  // the E/I gradient tuning's loss run: ReducedWongWangEIB (two projections, per-edge wLRE/wFFI), 4 ms Heun clamped, 300 s
  if (!existsSync(fcFile)) console.log('  (no dk_average in ../shared: the E/I gradient case is skipped)');
  else {
    const eibMs = SECONDS === 60 ? 300_000 : 50_000;
    const dk = loadDkAverage(join(SHARED, 'data/dk_average'));
    const sc = maxNormalized(dk.connectivity);
    const setup = eibGradientSetup({ n: sc.n, weights: sc.weights, targetFc: dk.fc, duration: eibMs, transient: 20_000 });
    const p0 = eibStartParams(sc.n);
    const net = () => new EibNetwork({ n: sc.n, weights: sc.weights, initial: setup.initial, nsig: setup.nsig, seed: 1 });
    net().run(100); // warm-up
    const fwd = cpuBest(() => net().run(setup.steps));
    eibLoss(setup, p0, 1, { gradient: true }); // warm-up (builds the program)
    const grad = cpuBest(() => eibLoss(setup, p0, 1, { gradient: true }));
    console.log(`  E/I gradient (ReducedWongWangEIB, ${sc.n} regions, ${eibMs / 1000} s at 4 ms, d/d(J_i, wLRE, wFFI), Bold FC RMSE + activity): gradient ${grad.toFixed(2)} s, kernel forward ${fwd.toFixed(2)} s, gradient/kernel-forward = ${(grad / fwd).toFixed(2)}x (the hand-written adjoint it replaced: 11.8 s per step)`);
  }
  target.dispose();
}
