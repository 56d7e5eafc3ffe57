/**
 * Tensor engine (issue #3). Workload as tvboptim's checkpointing benchmark: ReducedWongWang on an
 * 84-node connectome (DK average when ../shared has it, else synthetic), speed 4 mm/ms, Linear
 * coupling a = 0.5, Heun dt = 1 ms, TemporalAverage 1000 ms; loss = mean squared distance of the
 * averages from 0.3, gradient with respect to the coupling strength.
 *  1. forward steps/s for B = 1, 64, 1024 on wasm and cpu next to the kernel engine (one thread);
 *  2. gradient time / forward time with and without checkpointing, and peak memory (bytes held by
 *     tfjs tensors at the peak, plus the delay ring and its segment snapshots, which live in typed
 *     arrays outside tfjs) for T = 10^3, 10^4 and 10^5 steps (10^5 without checkpointing is
 *     skipped; its tape size is extrapolated from the 10^4 run);
 *  2b. the fused model step (one op per integration step, symbolic backward) against the op-by-op
 *     form (`fused: false`) on the same run: forward and gradient times and their ratio;
 *  3. the peak memory of a checkpointed gradient for 84 nodes × 60 000 steps (tvboptim: 223 MB).
 * Times are CPU seconds of this process (the machine is shared; CPU time tracks the work).
 * `VBT_BENCH_QUICK=1` shortens every run 10×.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadBackend } from '../../src/backend/index.js';
import { TensorSimulator, memoryProbe } from '../../src/tensor/index.js';
import { simulateSync } from '../../src/simulation/simulate.js';
import { syntheticConnectome } from '../../src/network/synthetic.js';
import { connectivityFromNpz } from '../../src/io/files.js';
import type { Connectivity } from '../../src/network/connectivity.js';
import type { SimulationConfig } from '../../src/simulation/config.js';

const SHARED = process.env.VBT_SHARED ?? resolve(process.cwd(), '../shared');
const QUICK = process.env.VBT_BENCH_QUICK === '1';
const q = (n: number) => (QUICK ? Math.max(1, Math.round(n / 10)) : n);

function connectome(): Connectivity {
  const f = join(SHARED, 'data/dk_average/structural.npz');
  if (existsSync(f)) {
    const c = connectivityFromNpz(f);
    const max = Math.max(...c.weights);
    const w = Float64Array.from(c.weights, (x) => x / max);
    return new (c.constructor as typeof Connectivity)({ weights: w, tractLengths: c.tractLengths, centres: c.centres, labels: c.labels, speed: 4, name: 'dk_average (max-scaled)' });
  }
  console.log('  (no dk_average in ../shared: synthetic 84-node connectome)');
  return syntheticConnectome({ nodes: 84, speed: 4 });
}

function cpu<T>(f: () => T): { s: number; wall: number; out: T } {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const out = f();
  const c = process.cpuUsage(c0);
  return { s: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000, out };
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;

export default async function (): Promise<void> {
  const conn = connectome();
  const base = (steps: number, B = 1): SimulationConfig => ({
    model: 'ReducedWongWang', connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.5 },
    integrator: { name: 'Heun', dt: 1 }, duration: steps, monitors: [{ name: 'TemporalAverage', period: Math.min(1000, Math.max(1, Math.floor(steps / 4))) }],
    batch: B > 1 ? { 'coupling.a': Array.from({ length: B }, (_, b) => 0.3 + (0.4 * b) / B) } : undefined,
    initialConditions: { seed: 1 }, threads: 1,
  });
  const probe = new TensorSimulator(base(10));
  console.log(`tensor engine — ReducedWongWang, ${conn.n} nodes (${conn.name}), Heun dt 1 ms, history ${probe.prep.H} steps`);

  // 1. forward throughput
  console.log('\n1. forward steps/s (batch elements × steps per CPU second in parentheses)');
  for (const B of [1, 64, 1024]) {
    const steps = q(B === 1 ? 2000 : B === 64 ? 500 : 60);
    const k = cpu(() => simulateSync(base(steps, B)));
    const kRate = steps / k.s;
    const row = [`B=${String(B).padStart(4)}: kernel ${kRate.toFixed(0)} steps/s (${(kRate * B).toExponential(2)})`];
    for (const backend of ['wasm', 'cpu']) {
      await loadBackend(backend);
      const sim = new TensorSimulator(base(steps, B));
      sim.run().dispose(); // warm-up (JIT, scalar pool)
      const t = cpu(() => sim.run());
      t.out.dispose();
      sim.dispose();
      const rate = steps / t.s;
      row.push(`${backend} ${rate.toFixed(0)} steps/s (${(rate * B).toExponential(2)}), kernel/${backend} = ${(kRate / rate).toFixed(1)}×`);
    }
    console.log('  ' + row.join(' | '));
  }

  // 2. gradient/forward ratio and memory vs T
  await loadBackend('cpu');
  const loss = (o: { monitors: { data: tf.Tensor }[] }) => tf.mean(tf.square(tf.sub(o.monitors[0].data, 0.3))) as tf.Scalar;
  const gradRun = async (steps: number, checkpoint: number, fused = true) => {
    const sim = new TensorSimulator(base(steps), { checkpoint, fused });
    const a = tf.scalar(0.5);
    const before = tf.memory().numBytes;
    memoryProbe.reset();
    memoryProbe.enabled = true;
    const r = cpu(() => sim.valueAndGrad(loss, { 'coupling.a': a }));
    memoryProbe.enabled = false;
    const g = r.out.grads['coupling.a'].dataSync()[0];
    r.out.grads['coupling.a'].dispose();
    const f = cpu(() => sim.run());
    f.out.dispose();
    const ringBytes = sim.prep.H * conn.n * 4 * 2; // values + adjoints (B = 1, one coupling row)
    const segments = checkpoint ? Math.ceil(steps / checkpoint) : 0;
    const snapBytes = segments * sim.prep.H * conn.n * 4;
    const tfPeak = memoryProbe.peakBytes - before;
    a.dispose();
    sim.dispose();
    return { value: r.out.value, g, grad: r.s, fwd: f.s, peak: tfPeak + ringBytes + snapBytes, tfPeak, tensors: memoryProbe.peakTensors };
  };
  console.log('\n2. gradient d loss / d G: time and peak memory');
  let tape = { T: 0, bytes: 0, tensors: 0 }; // the largest single-tape run, to extrapolate from
  for (const T of [1000, 10000, 100000].map(q)) {
    for (const K of [0, Math.round(Math.sqrt(T) * 2)]) {
      if (!K && T > q(10000)) {
        const f = T / tape.T;
        console.log(`  T=${T} no checkpointing: skipped (extrapolating T = ${tape.T}: its tape would hold ~${mb(tape.bytes * f)} in ~${((tape.tensors * f) / 1e6).toFixed(1)} M tensors, each tensor and tape node a JS object besides)`);
        continue;
      }
      const r = await gradRun(T, K);
      if (!K) tape = { T, bytes: r.tfPeak, tensors: r.tensors };
      console.log(`  T=${String(T).padStart(6)} ${K ? `checkpoint K=${K}` : 'single tape     '}: grad ${r.grad.toFixed(2)} s, forward ${r.fwd.toFixed(2)} s, grad/forward ${(r.grad / r.fwd).toFixed(1)}×, peak ${mb(r.peak)} (tfjs ${mb(r.tfPeak)}, ${r.tensors} tensors), dL/dG ${r.g.toExponential(4)}`);
    }
  }

  // 2b. the same gradient with the op-by-op model (one tfjs op per expression node, `fused: false`)
  {
    const T = q(4000), K = Math.round(Math.sqrt(T) * 2);
    const [f, o] = [await gradRun(T, K, true), await gradRun(T, K, false)];
    console.log(`\n2b. T=${T} checkpoint K=${K}, fused model step vs op-by-op: forward ${f.fwd.toFixed(2)} s vs ${o.fwd.toFixed(2)} s (${(o.fwd / f.fwd).toFixed(1)}× faster), grad ${f.grad.toFixed(2)} s vs ${o.grad.toFixed(2)} s (${(o.grad / f.grad).toFixed(1)}× faster), grad/forward ${(f.grad / f.fwd).toFixed(2)}× vs ${(o.grad / o.fwd).toFixed(2)}×; dL/dG ${f.g.toExponential(5)} vs ${o.g.toExponential(5)}`);
  }

  // 3. the tvboptim workload: 84 nodes × 60 000 steps, checkpointed
  const T = q(60000), K = 256;
  const r = await gradRun(T, K);
  console.log(`\n3. 84 nodes × ${T} steps, checkpoint K=${K}: peak ${mb(r.peak)} (tvboptim 223 MB at K=512 in JAX; ratio ${(r.peak / (223 * 2 ** 20)).toFixed(2)}), grad ${r.grad.toFixed(1)} s CPU, grad/forward ${(r.grad / r.fwd).toFixed(1)}× (target ≤ 4×), loss ${r.value.toPrecision(6)}, dL/dG ${r.g.toExponential(4)}`);
}
