/**
 * The output of a run. Each monitor's data keep TVB's sample layout (time, variable, node, mode)
 * behind a leading batch axis, so a batch of B parameter sets is one object.
 */

export interface MonitorOutput {
  /** Monitor class name (Raw, TemporalAverage, ...). */
  name: string;
  /** Sampling period in ms. */
  period: number;
  /** Sample times in ms (TVB's convention for that monitor). */
  time: Float64Array;
  /** Flat C-order data of shape `shape`. */
  data: Float64Array;
  /** [batch, time, variable, node (or area), mode]. */
  shape: [number, number, number, number, number];
  /** Names of the recorded variables (variables of interest or coupling rows). */
  variables: string[];
}

export interface DivergenceInfo {
  step: number;
  time: number;
  batch: number;
  variable: string;
  node: number;
  nodeLabel: string;
  mode: number;
  value: number;
}

export class DivergenceError extends Error {
  constructor(readonly info: DivergenceInfo) {
    super(
      `simulation diverged at step ${info.step} (t = ${info.time} ms): ${info.variable} = ${info.value} at node ${info.node} (${info.nodeLabel})` +
        (info.batch ? `, batch element ${info.batch}` : '') +
        '. Try a smaller dt, other parameters, or state boundaries.',
    );
    this.name = 'DivergenceError';
  }
}

export class SimulationResult {
  constructor(
    readonly monitors: MonitorOutput[],
    readonly info: {
      model: string;
      coupling: string;
      integrator: string;
      dt: number;
      nSteps: number;
      transientSteps: number;
      horizon: number;
      batchSize: number;
      nodeLabels: string[];
      connectivity: string;
      wallSeconds: number;
      /** Final state per batch element, (B, nsv, N, M). */
      finalState: Float64Array;
      stateVariables: string[];
      parameters: Record<string, number | number[]>;
    },
  ) {}

  /** The output of the first monitor named `name` (case-insensitive), or the k-th monitor. */
  monitor(which: string | number = 0): MonitorOutput {
    if (typeof which === 'number') {
      const m = this.monitors[which];
      if (!m) throw new Error(`no monitor #${which}; this run has ${this.monitors.length}`);
      return m;
    }
    const m = this.monitors.find((x) => x.name.toLowerCase() === which.toLowerCase());
    if (!m) throw new Error(`no monitor '${which}'; this run has ${this.monitors.map((x) => x.name).join(', ')}`);
    return m;
  }

  /** One batch element's data of a monitor: (time, variable, node, mode). */
  batch(b: number, which: string | number = 0): Float64Array {
    const m = this.monitor(which);
    const [B, T, V, N, M] = m.shape;
    if (b < 0 || b >= B) throw new Error(`batch index ${b} out of range 0..${B - 1}`);
    const w = T * V * N * M;
    return m.data.subarray(b * w, (b + 1) * w);
  }

  /** A plain-JSON form (arrays as lists) for writing to disk. */
  toJSON(): unknown {
    return {
      info: { ...this.info, finalState: Array.from(this.info.finalState) },
      monitors: this.monitors.map((m) => ({ ...m, time: Array.from(m.time), data: Array.from(m.data) })),
    };
  }
}
