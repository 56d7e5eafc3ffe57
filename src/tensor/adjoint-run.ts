/**
 * The tensor engine's checkpointed and truncated runs: one registered tfjs op over the float64
 * adjoint (src/engine/adjoint), instead of segments recomputed under a nested tape. Parameter
 * tensors keep the tensor engine's shapes ([] / [N] / [B, 1] / [B, N], weights [N, N], speed []);
 * numbers override the configured values without being differentiated.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdjointRunOp, AdjointSimulator } from '../engine/adjoint/index.js';
import type { SimulationConfig } from '../simulation/config.js';
import type { ParamKind } from '../engine/params.js';

type Param = number | tf.Tensor;

export interface AdjointRunHost {
  config: SimulationConfig;
  N: number;
  B: number;
  opts: { checkpoint?: number; truncate?: number; delays?: 'integer' | 'linear' };
  variables: (voi: number[]) => string[];
  layoutOf(name: string, t: tf.Tensor): ParamKind;
}

/** Monitor tensors and the final state, as the tensor engine's TensorRunResult. */
export interface AdjointRunResult {
  monitors: { name: string; period: number; time: Float64Array; data: tf.Tensor; variables: string[] }[];
  finalState: tf.Tensor;
}

/** One AdjointSimulator per (differentiated names, layouts): built once, reused by every call. */
export class AdjointRunner {
  private readonly cache = new Map<string, { sim: AdjointSimulator; op: AdjointRunOp }>();
  constructor(private readonly host: AdjointRunHost) {}

  run(params: Record<string, Param>): AdjointRunResult {
    const { host } = this;
    const wrt: string[] = [], tensors: tf.Tensor[] = [], layouts: Record<string, ParamKind> = {}, numbers: Record<string, number> = {};
    for (const [name, v] of Object.entries(params)) {
      if (typeof v === 'number') {
        if (name === 'weights') throw new Error('tensor engine: weights must be an [N, N] tensor');
        numbers[name] = v;
        if (name !== 'speed') layouts[name] = 'scalar';
        continue;
      }
      if (name === 'weights') {
        if (v.shape.length !== 2 || v.shape[0] !== host.N || v.shape[1] !== host.N) throw new Error(`tensor engine: weights has shape [${v.shape.join(', ')}]; expected [${host.N}, ${host.N}]`);
      } else if (name === 'speed') {
        if (v.size !== 1) throw new Error(`tensor engine: speed must be a scalar, got shape [${v.shape.join(', ')}]`);
      } else layouts[name] = host.layoutOf(name, v);
      wrt.push(name);
      tensors.push(v);
    }
    const key = JSON.stringify([wrt, layouts]);
    let entry = this.cache.get(key);
    if (!entry) {
      const sim = new AdjointSimulator(host.config, {
        wrt, layouts, finalState: true, delays: host.opts.delays,
        ...(host.opts.checkpoint ? { checkpoint: host.opts.checkpoint } : {}),
        ...(host.opts.truncate ? { truncate: host.opts.truncate } : {}),
      });
      entry = { sim, op: new AdjointRunOp(sim) };
      this.cache.set(key, entry);
    }
    entry.sim.setParameters(numbers);
    const outs = entry.op.run(tensors);
    const { sim } = entry;
    const mons = sim.outputSpecs.slice(0, -1);
    const last = outs[outs.length - 1];
    const finalState = tf.reshape(last, last.shape.filter((_, i) => i !== 1));
    last.dispose();
    return {
      monitors: mons.map((m, i) => ({ name: m.name, period: m.period, time: m.time, data: outs[i], variables: host.variables(m.voi) })),
      finalState,
    };
  }

  dispose(): void {
    for (const e of this.cache.values()) e.op.dispose();
    this.cache.clear();
  }
}
