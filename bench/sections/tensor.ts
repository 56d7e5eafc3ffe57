/**
 * Tensor engine (issue #3). Workload as tvboptim's checkpointing benchmark: ReducedWongWang on an
 * 84-node connectome (DK average when ../shared has it, else synthetic), speed 4 mm/ms, Linear
 * coupling a = 0.5, Heun dt = 1 ms, TemporalAverage 1000 ms; loss = mean squared distance of the
 * averages from 0.3, gradient with respect to the coupling strength.
 *  1. forward steps/s for B = 1, 64, 1024 on wasm and cpu next to the kernel engine (one thread);
 *  2. gradient time / forward time with checkpointing (K = 2√T steps per segment) and with one
 *     tape, and peak memory (bytes held by tfjs tensors and by the segment ops for their backward
 *     at the peak, plus the delay ring, its adjoint and its segment snapshots) for T = 10^3, 10^4
 *     and 10^5 steps; everything warmed up first (one gradient and one forward of 2000 steps);
 *  2b. the whole-segment ops against the op-by-op form (`fused: false`) on the same run;
 *  3. the peak memory of a checkpointed gradient for 84 nodes × 60 000 steps (tvboptim: 223 MB);
 *  4. issue #6's item: one gradient step of the RWW FC fit — dk_average SC, 60 s at dt 1 ms with
 *     noise, TVB Bold at TR 720 ms, loss 1 − fc_corr (full matrix) of the Bold FC against the
 *     empirical FC, with respect to the global coupling and the per-region w — CPU time and peak
 *     memory (bytes and tensors), checkpointed, really run.
 * Times are CPU seconds of this process (the machine is shared; CPU time tracks the work).
 * `VBT_BENCH_QUICK=1` shortens every run 10×; `VBT_BENCH_TENSOR=2,4` runs only those sections.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadBackend } from '../../src/backend/index.js';
import { TensorSimulator, memoryProbe, type TensorRunResult } from '../../src/tensor/index.js';
import { simulateSync } from '../../src/simulation/simulate.js';
import { syntheticConnectome } from '../../src/network/synthetic.js';
import { connectivityFromNpz } from '../../src/io/files.js';
import { readNpz } from '../../src/io/npy.js';
import { tensorFc, tensorFcCorrLossFull } from '../../src/analysis/tensor.js';
import type { Connectivity } from '../../src/network/connectivity.js';
import type { SimulationConfig } from '../../src/simulation/config.js';

const SHARED = process.env.VBT_SHARED ?? resolve(process.cwd(), '../shared');
const QUICK = process.env.VBT_BENCH_QUICK === '1';
const q = (n: number) => (QUICK ? Math.max(1, Math.round(n / 10)) : n);
const ONLY = process.env.VBT_BENCH_TENSOR?.split(',');
const want = (k: string) => !ONLY || ONLY.includes(k);

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

  if (want('1')) {
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
  }

  // 2. gradient/forward ratio and memory vs T
  await loadBackend('cpu');
  const loss = (o: { monitors: { data: tf.Tensor }[] }) => tf.mean(tf.square(tf.sub(o.monitors[0].data, 0.3))) as tf.Scalar;
  const gradRun = (config: SimulationConfig, checkpoint: number, lossFn: (o: TensorRunResult) => tf.Scalar, wrt: () => Record<string, tf.Tensor>, opts: { fused?: boolean; forward?: boolean } = {}) => {
    const sim = new TensorSimulator(config, { checkpoint, fused: opts.fused });
    const params = wrt();
    const before = tf.memory().numBytes;
    memoryProbe.reset();
    memoryProbe.enabled = true;
    const r = cpu(() => sim.valueAndGrad(lossFn, params));
    memoryProbe.enabled = false;
    const first = Object.keys(r.out.grads)[0];
    const g = r.out.grads[first].dataSync()[0];
    for (const t of Object.values(r.out.grads)) t.dispose();
    let fwd = NaN;
    if (opts.forward !== false) { const f = cpu(() => sim.run()); f.out.dispose(); fwd = f.s; }
    const steps = sim.prep.transientSteps + sim.prep.nSteps;
    const ringBytes = sim.prep.H * conn.n * 8 * 2; // float64 values + adjoints (B = 1, one coupling row)
    const segments = checkpoint ? Math.ceil(steps / checkpoint) : 0;
    const snapBytes = segments * sim.prep.H * conn.n * 8;
    const tfPeak = memoryProbe.peakBytes - before;
    for (const t of Object.values(params)) t.dispose();
    sim.dispose();
    return { value: r.out.value, g, grad: r.s, fwd, peak: tfPeak + ringBytes + snapBytes, tfPeak, tensors: memoryProbe.peakTensors };
  };
  const aG = () => ({ 'coupling.a': tf.scalar(0.5) });
  if (want('2')) {
    console.log('\n2. gradient d loss / d G: CPU time and peak memory (warmed up; K = 2√T steps per segment)');
    gradRun(base(2000), 90, loss, aG); // warm-up: JIT and the compiled kernels
    gradRun(base(2000), 0, loss, aG);
    const ratios: string[] = [];
    for (const T of [1000, 10000, 100000].map(q)) {
      for (const K of [Math.round(Math.sqrt(T) * 2), 0]) {
        // runs up to 10^4 steps three times (the machine is shared: CPU time still varies by ±20 %
        // from run to run), the fastest gradient and the fastest forward
        const reps = T <= q(10000) ? 3 : 1;
        let r = gradRun(base(T), K, loss, aG);
        for (let i = 1; i < reps; i++) { const x = gradRun(base(T), K, loss, aG); r = { ...r, grad: Math.min(r.grad, x.grad), fwd: Math.min(r.fwd, x.fwd) }; }
        if (K) ratios.push(`T=${T}: ${(r.grad / r.fwd).toFixed(2)}×`);
        console.log(`  T=${String(T).padStart(6)} ${K ? `checkpoint K=${String(K).padEnd(4)}` : 'single tape     '}: grad ${r.grad.toFixed(2)} s, forward ${r.fwd.toFixed(2)} s, grad/forward ${(r.grad / r.fwd).toFixed(2)}×, peak ${mb(r.peak)} (tfjs + kept for backward ${mb(r.tfPeak)}, ${r.tensors} tensors), dL/dG ${r.g.toExponential(5)}`);
      }
    }
    console.log(`  gradient/forward with checkpointing (target ≤ 4×): ${ratios.join(', ')}`);
  }

  // 2b. the same gradient with the op-by-op model (one tfjs op per expression node, `fused: false`)
  if (want('2b')) {
    const T = q(4000), K = Math.round(Math.sqrt(T) * 2);
    const [f, o] = [gradRun(base(T), K, loss, aG, { fused: true }), gradRun(base(T), K, loss, aG, { fused: false })];
    console.log(`\n2b. T=${T} checkpoint K=${K}, segment ops vs op-by-op: forward ${f.fwd.toFixed(2)} s vs ${o.fwd.toFixed(2)} s (${(o.fwd / f.fwd).toFixed(1)}× faster), grad ${f.grad.toFixed(2)} s vs ${o.grad.toFixed(2)} s (${(o.grad / f.grad).toFixed(1)}× faster), grad/forward ${(f.grad / f.fwd).toFixed(2)}× vs ${(o.grad / o.fwd).toFixed(2)}×; dL/dG ${f.g.toExponential(5)} vs ${o.g.toExponential(5)}`);
  }

  // 3. the tvboptim workload: 84 nodes × 60 000 steps, checkpointed
  if (want('3')) {
    const T = q(60000), K = 256;
    const r = gradRun(base(T), K, loss, aG);
    console.log(`\n3. 84 nodes × ${T} steps, checkpoint K=${K}: peak ${mb(r.peak)} (tvboptim 223 MB at K=512 in JAX; ratio ${(r.peak / (223 * 2 ** 20)).toFixed(2)}), grad ${r.grad.toFixed(1)} s CPU, grad/forward ${(r.grad / r.fwd).toFixed(2)}× (target ≤ 4×), loss ${r.value.toPrecision(6)}, dL/dG ${r.g.toExponential(4)}`);
  }

  // 4. issue #6: one gradient step of the RWW FC fit (Bold FC vs the empirical FC)
  if (want('4')) {
    const fcFile = join(SHARED, 'data/dk_average/functional.npz');
    if (!existsSync(fcFile)) { console.log('\n4. (issue #6 item) skipped: no ../shared/data/dk_average/functional.npz'); return; }
    const fcArr = readNpz(fcFile).fc;
    const n = conn.n;
    const target = tf.tensor2d(Float32Array.from(fcArr.data as Float64Array), [n, n]);
    const skip = 5; // Bold samples whose HRF still reaches back before the start
    const fitLoss = (o: TensorRunResult) => {
      const d = o.monitor('Bold').data; // [1, T, 1, N, 1]
      return tensorFcCorrLossFull(tensorFc(tf.reshape(d, [d.shape[1]!, n]), { skip }), target);
    };
    const fitConfig = (seconds: number): SimulationConfig => ({
      model: 'ReducedWongWang', parameters: { I_o: 0.32 }, connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.5 },
      integrator: { name: 'Heun', dt: 1, noise: { nsig: 1e-4, seed: 42 } }, duration: seconds * 1000,
      monitors: [{ name: 'Bold', period: 720 }], initialConditions: { seed: 1 }, threads: 1,
    });
    const K = 256;
    const wrt = () => ({ 'coupling.a': tf.scalar(0.5), w: tf.fill([n], 0.6) });
    console.log(`\n4. issue #6's item — time per gradient step of the RWW FC fit: ${n} regions (${conn.name}), dt 1 ms, noise, TVB Bold TR 720 ms, loss 1 − fc_corr(Bold FC, empirical FC) (full matrix, first ${skip} TRs skipped), d/d(G, w_i), checkpoint K=${K}, CPU seconds of one step (valueAndGrad), really run:`);
    gradRun(fitConfig(6), K, fitLoss, wrt, { forward: false }); // warm-up
    for (const seconds of QUICK ? [6, 8] : [10, 20, 60]) {
      const r = gradRun(fitConfig(seconds), K, fitLoss, wrt);
      console.log(`  ${String(seconds).padStart(3)} s simulated (${seconds * 1000} steps): gradient step ${r.grad.toFixed(1)} s (forward alone ${r.fwd.toFixed(1)} s, ratio ${(r.grad / r.fwd).toFixed(2)}×), peak ${mb(r.peak)} (tfjs + kept for backward ${mb(r.tfPeak)}), ${r.tensors} tensors at the peak; loss ${r.value.toFixed(4)} (fc_corr ${(1 - r.value).toFixed(4)}), dL/dG ${r.g.toExponential(4)}`);
    }
    target.dispose();
  }
}
