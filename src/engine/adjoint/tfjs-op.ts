/**
 * A whole run as one tfjs op: a kernel and its gradient registered through tfjs-core's public
 * registry (registerKernel / registerGradient), so the run is a single tape entry whose inputs are
 * the parameter tensors and whose outputs are the monitors' samples (float32). Losses written in
 * tfjs ops on those samples, tf.grad, tf.valueAndGrads and the tfjs optimisers work unchanged; the
 * gradient is the float64 adjoint of ./run.ts. Nothing here touches tfjs' engine state.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { AdjointRunOp, AdjointSimulator, Connectivity, loadBackend } from 'vbt';
 * const connectivity = new Connectivity({ weights: [0, 0.5, 0.5, 0], tractLengths: [0, 3, 3, 0], speed: 2 });
 * const config = { model: 'ReducedWongWang', connectivity, coupling: 'Linear', couplingParameters: { a: 0.4 },
 *   integrator: { name: 'Heun', dt: 0.5 }, duration: 100, monitors: [{ name: 'TemporalAverage', period: 10 }] };
 * await loadBackend('cpu');
 * const op = new AdjointRunOp(new AdjointSimulator(config, { wrt: ['coupling.a'] }));
 * const g = tf.grad((a) => tf.sum(op.run([a])[0]))(tf.scalar(0.1));
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AdjointForward, AdjointSimulator } from './run.js';

export const ADJOINT_RUN_KERNEL = 'VbtAdjointRun';

interface Entry { sim: AdjointSimulator; last?: { call: number; fw: AdjointForward } }
const RUNS = new Map<number, Entry>();
let nextRun = 1, nextCall = 1;

/** Values of the op's inputs (in `sim.wrt` order) as the simulator takes them. */
function valuesOf(sim: AdjointSimulator, arrays: ArrayLike<number>[]): Record<string, ArrayLike<number>> {
  const out: Record<string, ArrayLike<number>> = {};
  sim.wrt.forEach((n, i) => (out[n] = arrays[i]));
  return out;
}

function kernelFunc({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const entry = RUNS.get(attrs!.run as number);
  if (!entry) throw new Error(`${ADJOINT_RUN_KERNEL}: run ${attrs!.run} was disposed`);
  const arrays = Object.keys(inputs).map((k) => backend.readSync(inputs[k]!.dataId) as ArrayLike<number>);
  const fw = entry.sim.forward(valuesOf(entry.sim, arrays));
  // the latest forward keeps its checkpoints for a gradient; an older one is recomputed from its inputs
  entry.last = { call: attrs!.call as number, fw };
  return fw.outputs.map((o) => ({ dataId: backend.write(Float32Array.from(o.data), o.shape, 'float32'), shape: o.shape, dtype: 'float32' as const }));
}

let gradientRegistered = false;
function ensureRegistered(): void {
  const be = tf.getBackend();
  if (!tf.getKernel(ADJOINT_RUN_KERNEL, be)) tf.registerKernel({ kernelName: ADJOINT_RUN_KERNEL, backendName: be, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: ADJOINT_RUN_KERNEL,
    saveAllInputs: true,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
      const entry = RUNS.get(attrs!.run as number);
      if (!entry) throw new Error(`${ADJOINT_RUN_KERNEL}: run ${attrs!.run} was disposed before its gradient`);
      const dys = Array.isArray(dy) ? dy : [dy];
      let fw = entry.last?.call === attrs!.call ? entry.last.fw : undefined;
      if (!fw) fw = entry.sim.forward(valuesOf(entry.sim, saved.map((t) => t.dataSync())));
      entry.last = undefined;
      const grads = fw.backward(dys.map((d) => d.dataSync()));
      const out: Record<string, () => tf.Tensor> = {};
      entry.sim.wrt.forEach((n, i) => (out[String(i)] = () => tf.tensor(Float32Array.from(grads[n]), saved[i].shape, 'float32')));
      return out;
    },
  });
}

/** A simulator bound to the registered op. `dispose()` releases it (and any kept checkpoints). */
export class AdjointRunOp {
  private readonly id: number;
  constructor(readonly sim: AdjointSimulator) {
    this.id = nextRun++;
    RUNS.set(this.id, { sim });
  }

  /**
   * Run with parameter tensors in `sim.wrt` order (each of its parameter's length, any shape);
   * returns one float32 tensor per output, shaped [B, samples, variables, nodes, modes].
   */
  run(params: tf.Tensor[]): tf.Tensor[] {
    const { sim } = this;
    if (!RUNS.has(this.id)) throw new Error('AdjointRunOp: used after dispose()');
    if (params.length !== sim.wrt.length) throw new Error(`AdjointRunOp: expected ${sim.wrt.length} parameter tensors (${sim.wrt.join(', ')}), got ${params.length}`);
    params.forEach((t, i) => {
      const want = sim.parameterLayout(sim.wrt[i]).length;
      if (t.size !== want) throw new Error(`AdjointRunOp: parameter '${sim.wrt[i]}' has shape [${t.shape.join(', ')}] (${t.size} values); expected ${want}`);
      if (t.dtype !== 'float32') throw new Error(`AdjointRunOp: parameter '${sim.wrt[i]}' is ${t.dtype}; expected float32`);
    });
    ensureRegistered();
    // an array of inputs (keys '0', '1', …): what the registry's saveAllInputs expects
    const out = tf.engine().runKernel(ADJOINT_RUN_KERNEL, [...params] as unknown as tf.NamedTensorMap, { run: this.id, call: nextCall++ });
    return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
  }

  dispose(): void {
    RUNS.delete(this.id);
  }
}
