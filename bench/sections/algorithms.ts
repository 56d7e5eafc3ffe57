/**
 * Algorithms (issue #6): exploration throughput on 84 regions, batched over all cores vs the same
 * points run one by one (G2D and reduced Wong–Wang), and the time and memory of one gradient step
 * of an RWW FC fit on the tensor engine. The gradient step is measured on a shorter window than
 * the 60 s (dt 1 ms) because one tfjs step on 2 cores takes minutes there; the per-second
 * cost and the linear projection to 60 s are printed as such.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { explore, grid, ParameterSet, globalParameter, logPositive, lossAndGradient, loadDkAverage, maxNormalized } from '../../algorithms/index.js';
import { syntheticConnectome } from '../../src/network/synthetic.js';
import { Connectivity } from '../../src/network/connectivity.js';
import { TensorSimulator } from '../../src/tensor/engine.js';
import { loadBackend } from '../../src/backend/index.js';
import { ensureTfGradients } from '../../src/analysis/tf-gradients.js';
import { tensorFc, tensorRmse } from '../../src/analysis/tensor.js';
import type { SimulationConfig } from '../../src/simulation/config.js';

const SHARED = process.env.VBT_SHARED ?? resolve(process.cwd(), '../shared');

function network84(): { conn: Connectivity; fc?: { data: Float64Array; n: number } } {
  const dir = join(SHARED, 'data', 'dk_average');
  if (existsSync(join(dir, 'structural.npz'))) {
    const dk = loadDkAverage(dir);
    const sc = maxNormalized(dk.connectivity);
    return { conn: new Connectivity({ n: sc.n, weights: sc.weights, tractLengths: new Float64Array(sc.n * sc.n), labels: sc.labels }), fc: dk.fc };
  }
  return { conn: syntheticConnectome({ nodes: 84 }) };
}

async function throughput(label: string, base: SimulationConfig, name: string, lo: number, hi: number, points: number): Promise<void> {
  const mean = { m: (r: { monitor(): { data: Float64Array } }) => { const d = r.monitor().data; let s = 0; for (const x of d) s += x; return s / d.length; } };
  const space = grid(name, lo, hi, points);
  // warm both ways first (code generation, JIT, the kernel's idle worker threads), as a sweep of
  // many batches would be after its first
  await explore({ base, space, observables: mean, batchSize: points, progress: false });
  await explore({ base, space: grid(name, lo, hi, 1), observables: mean, batchSize: 1, threads: 1, progress: false });
  const batched = await explore({ base, space, observables: mean, batchSize: points, progress: false });
  const single = await explore({ base, space, observables: mean, batchSize: 1, threads: 1, progress: false });
  const pb = batched.metadata.pointsPerSecond as number, ps = single.metadata.pointsPerSecond as number;
  let same = 0;
  for (let k = 0; k < points; k++) same = Math.max(same, Math.abs(batched.results.m[k] - single.results.m[k]));
  console.log(`${label}: ${points} points, batched ${pb.toFixed(2)} points/s (${availableParallelism()} threads) vs one by one ${ps.toFixed(2)} points/s → ${(pb / ps).toFixed(2)}× (max |difference| ${same.toExponential(1)})`);
}

export default async function (): Promise<void> {
  console.log('## algorithms');
  const { conn, fc } = network84();
  await throughput('exploration G2D, 84 regions, 2 s at dt 0.5 ms', {
    model: 'Generic2dOscillator', connectivity: conn, coupling: 'Linear', integrator: { name: 'Heun', dt: 0.5 }, duration: 2000,
    monitors: [{ name: 'TemporalAverage', period: 10 }], initialConditions: { seed: 1 },
  }, 'coupling.a', 0, 0.02, 8);
  await throughput('exploration RWW, 84 regions, 20 s at dt 4 ms + TVB Bold', {
    model: 'ReducedWongWang', connectivity: conn, coupling: 'Linear', integrator: { name: 'Heun', dt: 4 }, duration: 20000,
    monitors: [{ name: 'Bold', period: 1000 }], initialConditions: { history: new Float64Array(conn.n).fill(0.3) },
  }, 'coupling.a', 0.01, 0.7, 8);

  // one gradient step of an RWW FC loss (RMSE of the FC of 10 ms averages vs the empirical FC)
  const backend = await loadBackend();
  await ensureTfGradients();
  const seconds = Number(process.env.VBT_BENCH_GRAD_SECONDS ?? 2);
  const cfg: SimulationConfig = {
    model: 'ReducedWongWang', parameters: { w: 0.3, I_o: 0.32 }, connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.3 },
    integrator: { name: 'Heun', dt: 1 }, duration: seconds * 1000, monitors: [{ name: 'TemporalAverage', period: 10 }],
    initialConditions: { history: new Float64Array(conn.n).fill(0.3) },
  };
  const target = tf.tensor2d(Float32Array.from(fc?.data ?? new Float64Array(conn.n * conn.n)), [conn.n, conn.n]);
  const loss = (out: { monitors: { data: tf.Tensor }[] }) => {
    const d = out.monitors[0].data;
    const [, T, , N] = d.shape;
    return tensorRmse(tensorFc(tf.reshape(d, [T, N])), target) as tf.Scalar;
  };
  const ps = new ParameterSet([globalParameter('a', 0.3, { target: 'coupling', transform: logPositive }), globalParameter('w', 0.3, { transform: logPositive })]);
  for (const checkpoint of [0, 100]) {
    const sim = new TensorSimulator(cfg, { checkpoint });
    const maxRss0 = process.resourceUsage().maxRSS;
    // the tape is largest when the forward pass ends, i.e. when the loss is evaluated
    let peakTf = 0;
    const probe = (out: { monitors: { data: tf.Tensor }[] }) => { peakTf = Math.max(peakTf, tf.memory().numBytes); return loss(out); };
    const t0 = performance.now();
    const r = lossAndGradient(sim, ps, probe, ps.pack());
    const dt = (performance.now() - t0) / 1000;
    const rssGrowth = (process.resourceUsage().maxRSS - maxRss0) * 1024;
    sim.dispose();
    console.log(`gradient step, RWW 84 regions, ${seconds} s at dt 1 ms (${seconds * 1000} steps), checkpoint ${checkpoint || 'off'}, backend ${backend.name}: ${dt.toFixed(2)} s ` +
      `(${(dt / seconds).toFixed(2)} s per simulated second → projected ${((60 * dt) / seconds).toFixed(0)} s for 60 s); tfjs tensors at the end of the forward pass ${(peakTf / 2 ** 20).toFixed(1)} MB, process peak RSS grew by ${(rssGrowth / 2 ** 20).toFixed(0)} MB; loss ${r.loss.toFixed(4)}`);
  }
  target.dispose();
}
