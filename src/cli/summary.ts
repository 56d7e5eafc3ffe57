/** The one-paragraph summary `vbt simulate` prints. */
import type { SimulationResult } from '../results/simulation.js';

export function summarize(res: SimulationResult): string {
  const i = res.info;
  const simMs = i.nSteps * i.dt;
  const mons = res.monitors
    .map((m) => {
      const [B, T, V, N] = m.shape;
      let lo = Infinity, hi = -Infinity, sum = 0;
      const w = V * N * m.shape[4];
      // range of the first recorded variable
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let n = 0; n < N * m.shape[4]; n++) {
        const x = m.data[(b * T + t) * w + n];
        lo = Math.min(lo, x); hi = Math.max(hi, x); sum += x;
      }
      return `${m.name} (${T} samples every ${+m.period.toPrecision(6)} ms; ${m.variables[0]} in [${lo.toPrecision(4)}, ${hi.toPrecision(4)}], mean ${(sum / (B * T * N * m.shape[4])).toPrecision(4)})`;
    })
    .join('; ');
  const stepsPerS = (i.nSteps + i.transientSteps) * i.batchSize / i.wallSeconds;
  return (
    `Simulated ${i.model} on ${i.nodeLabels.length} nodes (${i.connectivity}) with ${i.coupling} coupling, ` +
    `${i.integrator} dt = ${i.dt} ms, for ${+simMs.toPrecision(8)} ms${i.transientSteps ? ` after a ${+(i.transientSteps * i.dt).toPrecision(6)} ms transient` : ''}` +
    `${i.batchSize > 1 ? ` × ${i.batchSize} parameter sets` : ''}: ${i.nSteps + i.transientSteps} steps in ${i.wallSeconds.toFixed(3)} s ` +
    `(${(stepsPerS / 1000).toFixed(1)}k steps/s${i.kernel ? `, ${i.kernel === 'wasm' ? 'WebAssembly SIMD' : 'JavaScript'} kernel` : ''}, delay horizon ${i.horizon} steps). Recorded ${mons}.`
  );
}

/** The numbers of `summarize` for --json: run info (without the final state) and per-monitor ranges. */
export function summaryJson(res: SimulationResult, written: string[] = [], figure?: string): unknown {
  const { finalState: _f, ...info } = res.info;
  return {
    info,
    monitors: res.monitors.map((m) => {
      let lo = Infinity, hi = -Infinity, sum = 0;
      for (const x of m.data) { lo = Math.min(lo, x); hi = Math.max(hi, x); sum += x; }
      return { name: m.name, period: m.period, shape: m.shape, variables: m.variables, min: lo, max: hi, mean: sum / Math.max(1, m.data.length) };
    }),
    written,
    ...(figure ? { figure } : {}),
  };
}
